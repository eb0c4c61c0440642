namespace Diffusion.Functional.Tests.Support;

/// <summary>The repository the tests run in.</summary>
internal static class Repository
{
    /// <summary>The folder holding Diffusion.Functional.sln, above the test binaries.</summary>
    public static string Root()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "Diffusion.Functional.sln"))) return folder.FullName;
        throw new InvalidOperationException($"No Diffusion.Functional.sln above {AppContext.BaseDirectory}: the tests run inside the repository.");
    }
}
