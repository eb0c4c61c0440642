using System.Xml.Linq;
using Diffusion.Functional.TestSupport;

namespace Diffusion.Functional.Packaging.Tests.Support;

/// <summary>The repository the tests run in, and the facts about it that packaging depends on.</summary>
public static class Repository
{
    /// <summary>The folder holding Diffusion.Functional.sln, found upwards from the test assembly.</summary>
    public static string Root { get; } = RepositoryRoot.Find();

    /// <summary>A path relative to the repository root.</summary>
    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>The package version, read from its one definition in Directory.Build.props.</summary>
    public static string Version { get; } = SingleProperty(PathOf("Directory.Build.props"), "Version");

    /// <summary>The five packable projects: package id and project file, relative to the root.</summary>
    public static IReadOnlyList<(string PackageId, string Project)> PackableProjects { get; } =
    [
        ("Diffusion.Functional", "src/Diffusion.Functional/Diffusion.Functional.csproj"),
        ("Diffusion.Functional.Data", "src/Diffusion.Functional.Data/Diffusion.Functional.Data.csproj"),
        ("Diffusion.Functional.Plots", "src/Diffusion.Functional.Plots/Diffusion.Functional.Plots.csproj"),
        ("Diffusion.Functional.Onnx", "src/Diffusion.Functional.Onnx/Diffusion.Functional.Onnx.csproj"),
        ("Diffusion.Functional.Cli", "src/Diffusion.Cli/Diffusion.Cli.csproj"),
    ];

    /// <summary>The id of the tool package.</summary>
    public const string ToolPackageId = "Diffusion.Functional.Cli";

    /// <summary>The version pinned for <paramref name="packageId"/> in Directory.Packages.props.</summary>
    public static string PinnedVersion(string packageId) =>
        XDocument.Load(PathOf("Directory.Packages.props")).Descendants("PackageVersion")
            .SingleOrDefault(p => (string?)p.Attribute("Include") == packageId)?.Attribute("Version")?.Value
        ?? throw new InvalidOperationException($"Directory.Packages.props pins no version of {packageId}.");

    /// <summary>The value of the one element <paramref name="name"/> in an MSBuild file; fails if there is not exactly one.</summary>
    public static string SingleProperty(string file, string name)
    {
        var elements = XDocument.Load(file).Descendants(name).ToList();
        if (elements.Count != 1)
            throw new InvalidOperationException($"{file} sets <{name}> {elements.Count} times; it must set it exactly once.");
        return elements[0].Value.Trim();
    }
}
