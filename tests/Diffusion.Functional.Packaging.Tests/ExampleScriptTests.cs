using Diffusion.Functional.Packaging.Tests.Support;
using Xunit.Abstractions;

namespace Diffusion.Functional.Packaging.Tests;

/// <summary>
/// Every script of docs/examples runs with <c>dotnet run file.cs</c> twice: as committed, in a copy of the repository
/// (its <c>#:project</c> lines build the copied sources), and as its header tells a user to run it anywhere else, on
/// the packages from the local feed. Both runs must print and write what <see cref="ExampleChecks"/> expects.
/// </summary>
[Collection(PackagingCollection.Name)]
public class ExampleScriptTests(PackagingWorkspace workspace, ITestOutputHelper log)
{
    public static TheoryData<string> Scripts => new(ExampleScript.Names);

    [Fact]
    public void EveryScriptInDocsExamples_HasACheckOfItsOutput()
    {
        Assert.NotEmpty(ExampleScript.Names);
        Assert.Equal(ExampleChecks.All.Keys.Order(StringComparer.Ordinal), ExampleScript.Names);
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Script_RunsAsCommitted_FromACopyOfTheRepository(string script)
    {
        ExampleChecks.Check check = CheckOf(script);
        string folder = workspace.NewFolder($"committed-{script}");
        string output = Path.Combine(folder, check.OutputFileName);
        string path = Path.Combine(workspace.RepositoryCopy, "docs", "examples", script);

        ProcessResult run = workspace.Dotnet(folder, $"dotnet run {script} (committed)", "run", path, "--", output);

        check.Verify(Lines(run.Output), output);
        foreach (string timing in workspace.Timings) log.WriteLine(timing);
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Script_RunsOutsideTheRepository_OnThePackagesItsHeaderNames(string script)
    {
        ExampleChecks.Check check = CheckOf(script);
        string folder = workspace.NewFolder($"outside-{script}");
        string path = Path.Combine(folder, script);
        File.WriteAllText(path, ExampleScript.OnPackages(script));
        string output = Path.Combine(folder, check.OutputFileName);
        _ = workspace.Feed;

        ProcessResult run = workspace.Dotnet(folder, $"dotnet run {script} (on packages)", "run", path, "--", output);

        check.Verify(Lines(run.Output), output);
        foreach (string timing in workspace.Timings) log.WriteLine(timing);
    }

    private static ExampleChecks.Check CheckOf(string script) =>
        ExampleChecks.All.TryGetValue(script, out var check)
            ? check
            : throw new Xunit.Sdk.XunitException($"docs/examples/{script} has no entry in ExampleChecks.All: say there what it must print and write.");

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
