using System.Text.RegularExpressions;

namespace Diffusion.Functional.Packaging.Tests.Support;

/// <summary>
/// A script of docs/examples. Each one references the repository's projects with <c>#:project</c> lines and says in
/// its header which <c>#:package</c> lines replace them outside the repository, as comments
/// (<c>//   #:package Diffusion.Functional@1.0.0</c>).
/// </summary>
public static partial class ExampleScript
{
    /// <summary>The folder of the scripts.</summary>
    public static string Folder => Repository.PathOf("docs", "examples");

    /// <summary>The file names of every script, in order.</summary>
    public static IReadOnlyList<string> Names =>
        Directory.GetFiles(Folder, "*.cs").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// The script as its header tells a user to run it outside the repository: each <c>#:project</c> line removed, each
    /// documented <c>#:package</c> line uncommented. Fails unless the documented packages are exactly the referenced
    /// projects, at the version the repository packs.
    /// </summary>
    public static string OnPackages(string name)
    {
        string[] lines = File.ReadAllLines(Path.Combine(Folder, name));
        string[] projects = lines.Select(l => ProjectDirective().Match(l)).Where(m => m.Success)
            .Select(m => Path.GetFileNameWithoutExtension(m.Groups["path"].Value.Trim())).Order(StringComparer.Ordinal).ToArray();
        var packages = lines.Select(l => DocumentedPackage().Match(l)).Where(m => m.Success).ToList();

        Assert.True(projects.Length > 0, $"{name} has no #:project line; the scripts run from a clone through the repository's projects.");
        Assert.True(
            projects.SequenceEqual(packages.Select(m => m.Groups["id"].Value).Order(StringComparer.Ordinal)),
            $"{name} references the projects {string.Join(", ", projects)} but its header documents the packages " +
            $"{string.Join(", ", packages.Select(m => m.Groups["id"].Value))}; document one '//   #:package Id@Version' line per project.");
        Assert.All(packages, m => Assert.True(m.Groups["version"].Value == Repository.Version,
            $"{name} documents {m.Groups["id"].Value}@{m.Groups["version"].Value}, but the packages are version {Repository.Version}."));

        IEnumerable<string> rewritten = lines
            .Where(l => !ProjectDirective().IsMatch(l))
            .Select(l => DocumentedPackage().Match(l) is { Success: true } m ? $"#:package {m.Groups["id"].Value}@{m.Groups["version"].Value}" : l);
        return string.Join('\n', rewritten) + "\n";
    }

    [GeneratedRegex(@"^#:project\s+(?<path>.+)$")]
    private static partial Regex ProjectDirective();

    [GeneratedRegex(@"^//\s+#:package\s+(?<id>[A-Za-z0-9_.]+)@(?<version>\S+)\s*$")]
    private static partial Regex DocumentedPackage();
}
