namespace Diffusion.Functional.Data.Tests.Support;

/// <summary>A fresh folder under the system's temporary folder, deleted on dispose.</summary>
public sealed class TemporaryFolder : IDisposable
{
    /// <summary>The folder's full path.</summary>
    public string Path { get; } = Directory.CreateTempSubdirectory("diffusion-data-tests-").FullName;

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="name"/> in the folder and returns its full path.</summary>
    public string Write(string name, byte[] bytes)
    {
        string path = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <inheritdoc />
    public void Dispose() => Directory.Delete(Path, recursive: true);
}
