namespace Diffusion.Functional.TestSupport;

/// <summary>The repository the tests run in: one search, linked into each test project.</summary>
internal static class RepositoryRoot
{
    /// <summary>The folder holding Diffusion.Functional.sln, found upwards from the test assembly.</summary>
    public static string Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "Diffusion.Functional.sln"))) return folder.FullName;
        throw new InvalidOperationException($"No Diffusion.Functional.sln above {AppContext.BaseDirectory}: the tests run inside the repository.");
    }
}
