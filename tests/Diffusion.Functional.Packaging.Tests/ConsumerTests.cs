using System.Globalization;
using Diffusion.Functional.Packaging.Tests.Support;
using Diffusion.Functional.Plots.Tests.Support;
using Xunit.Abstractions;

namespace Diffusion.Functional.Packaging.Tests;

/// <summary>
/// A project outside the repository that references the three library packages from the local folder feed (their
/// dependencies from NuGet) builds, runs, computes with the core, reads the embedded sample and draws a figure.
/// </summary>
[Collection(PackagingCollection.Name)]
public class ConsumerTests(PackagingWorkspace workspace, ITestOutputHelper log)
{
    // ᾱ_200 of the seed's schedule, ∏_{t=1}^{200} (1 − β_t) with β_t = 1e-4 + (t − 1)(0.02 − 1e-4)/199, computed exactly
    // in rational arithmetic (Python's fractions) and rounded once to double. The seed notebook prints 0.1322.
    private const double SeedAlphaBar200 = 0.13218275425061779;

    [Fact]
    public void Consumer_BuildsAgainstThePackages_ComputesAndRendersTheSeedReverseFigure()
    {
        string project = workspace.NewFolder("consumer");
        File.WriteAllText(Path.Combine(project, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <NuGetAudit>false</NuGetAudit>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Diffusion.Functional" Version="[{Repository.Version}]" />
                <PackageReference Include="Diffusion.Functional.Data" Version="[{Repository.Version}]" />
                <PackageReference Include="Diffusion.Functional.Plots" Version="[{Repository.Version}]" />
              </ItemGroup>
            </Project>
            """);
        File.Copy(Repository.PathOf("tests", "Diffusion.Functional.Packaging.Tests", "Consumer", "Program.cs"), Path.Combine(project, "Program.cs"));
        string png = Path.Combine(project, "seed-reverse.png");
        _ = workspace.Feed;

        ProcessResult run = workspace.Dotnet(project, "consumer: dotnet run", "run", "--project", Path.Combine(project, "Consumer.csproj"), "--", png);

        string[] lines = run.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        string alphaBar = Assert.Single(lines, l => l.StartsWith("alpha_bar_200 = ", StringComparison.Ordinal));
        Assert.StartsWith("alpha_bar_200 = 0.1322 (", alphaBar);
        double exact = double.Parse(alphaBar[(alphaBar.IndexOf('(') + 1)..^1], CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(exact - SeedAlphaBar200) <= 1e-13 * SeedAlphaBar200, $"ᾱ_200 = {exact:R}, expected {SeedAlphaBar200:R} to 1e-13.");
        // A RID-less app picks the package's runtimes/linux-x64 asset on linux-x64 (precompiled) and lib/ elsewhere.
        string expectedCore = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier == "linux-x64"
            ? "runtimes/linux-x64/lib/net10.0/Diffusion.Functional.dll" : "Diffusion.Functional.dll";
        Assert.Contains($"core loaded from {expectedCore}", lines);
        Assert.Contains("sample: 1000 digits; digit 5 has class 5, 28x28", lines);
        Assert.Contains("oracle chain from t = 50 ends at t = 0, equal to x_0: True", lines);
        // The figure drawn from the package is the figure approved in this repository, pixel for pixel: ScottPlot,
        // SkiaSharp's native library and the embedded font all came with the packages.
        PngComparison comparison = PngComparison.Of(File.ReadAllBytes(Repository.PathOf("snapshots", "FigureSnapshotTests.SeedReverse.approved.png")), File.ReadAllBytes(png));
        Assert.True(comparison.Identical, $"The consumer's seed-reverse figure differs from the approved snapshot: {comparison.Describe()}.");
        foreach (string timing in workspace.Timings) log.WriteLine(timing);
    }
}
