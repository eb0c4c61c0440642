using System.Text.RegularExpressions;
using System.Xml.Linq;
using Diffusion.Functional.Packaging.Tests.Support;

namespace Diffusion.Functional.Packaging.Tests;

/// <summary>The packaging settings read from the project files: one version, and only the five src projects packable.</summary>
public partial class PackagingConfigurationTests
{
    private static IEnumerable<string> MSBuildFiles() =>
        Directory.EnumerateFiles(Repository.Root, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".csproj", StringComparison.Ordinal) || f.EndsWith(".props", StringComparison.Ordinal) || f.EndsWith(".targets", StringComparison.Ordinal))
            .Where(f => !Path.GetRelativePath(Repository.Root, f).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or ".git"));

    [Fact]
    public void Version_IsASemanticVersion_DefinedOnceInDirectoryBuildProps()
    {
        Assert.Matches(SemanticVersion(), Repository.Version);
        string[] elsewhere = MSBuildFiles()
            .Where(f => Path.GetFileName(f) != "Directory.Build.props" || Path.GetDirectoryName(f) != Repository.Root)
            .Where(f => XDocument.Load(f).Descendants().Any(e => e.Name.LocalName is "Version" or "VersionPrefix" or "VersionSuffix" or "PackageVersion" && !e.HasAttributes))
            .Select(f => Path.GetRelativePath(Repository.Root, f))
            .ToArray();
        Assert.True(elsewhere.Length == 0, $"Only Directory.Build.props may set the version; these files set it too: {string.Join(", ", elsewhere)}.");
    }

    [Fact]
    public void OnlyTheFiveSourceProjects_ArePackable()
    {
        Assert.Equal("false", Repository.SingleProperty(Repository.PathOf("Directory.Build.props"), "IsPackable"));
        var packable = MSBuildFiles()
            .Where(f => f.EndsWith(".csproj", StringComparison.Ordinal))
            .Where(f => XDocument.Load(f).Descendants("IsPackable").Any(e => e.Value.Trim() == "true"))
            .Select(f => Path.GetRelativePath(Repository.Root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal);
        Assert.Equal(Repository.PackableProjects.Select(p => p.Project).Order(StringComparer.Ordinal), packable);
    }

    [GeneratedRegex(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")]
    private static partial Regex SemanticVersion();
}
