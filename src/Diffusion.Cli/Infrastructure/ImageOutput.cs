using Diffusion.Functional.Data.Npy;
using Diffusion.Functional.Images;
using Diffusion.Functional.Plots;

namespace Diffusion.Cli.Infrastructure;

/// <summary>The kinds of file an image command writes, chosen by the file's extension.</summary>
internal enum ImageFileKind
{
    /// <summary>.png: a titled picture for people.</summary>
    Png,

    /// <summary>.npy: the float32 array (H, W) for <c>numpy.load</c>.</summary>
    Npy,
}

/// <summary>Writes one image atomically as a picture (.png) or a NumPy array (.npy).</summary>
internal static class ImageOutput
{
    /// <summary>The kind of <paramref name="path"/> by its extension; anything else is a usage error.</summary>
    public static ImageFileKind KindOf(string path, string option = "--out") =>
        Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".png" => ImageFileKind.Png,
            ".npy" => ImageFileKind.Npy,
            _ => throw new UsageException($"{option} {path}: the file must end in .png (a picture) or .npy (a NumPy float32 array)."),
        };

    /// <summary>Writes <paramref name="image"/> to <paramref name="path"/>: a picture titled <paramref name="title"/>, or its values.</summary>
    public static void Write(string path, Image image, string title) => AtomicFile.WriteAllBytes(path, Encode(path, image, title));

    /// <summary>The bytes of <paramref name="path"/>'s kind for <paramref name="image"/>: a picture titled <paramref name="title"/>, or its values.</summary>
    public static byte[] Encode(string path, Image image, string title)
    {
        return KindOf(path) switch
        {
            ImageFileKind.Png => ImagePicture.RenderPng(image, title),
            ImageFileKind.Npy => NpyFile.Encode(image),
            var kind => throw new ArgumentOutOfRangeException(nameof(path), kind, $"{kind} is not an ImageFileKind."),
        };
    }
}
