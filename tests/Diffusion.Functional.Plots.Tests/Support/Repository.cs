namespace Diffusion.Functional.Plots.Tests.Support;

/// <summary>Paths in the repository the tests run in.</summary>
public static class Repository
{
    /// <summary>The folder holding Diffusion.Functional.sln, found upwards from the test assembly.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A path relative to the repository root.</summary>
    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "Diffusion.Functional.sln"))) return folder.FullName;
        throw new InvalidOperationException($"No Diffusion.Functional.sln above {AppContext.BaseDirectory}: the tests run inside the repository.");
    }
}
