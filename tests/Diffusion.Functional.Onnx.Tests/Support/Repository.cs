namespace Diffusion.Functional.Onnx.Tests.Support;

public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "Diffusion.Functional.sln"))) return folder.FullName;
        throw new InvalidOperationException($"No Diffusion.Functional.sln above {AppContext.BaseDirectory}: the tests run inside the repository.");
    }
}
