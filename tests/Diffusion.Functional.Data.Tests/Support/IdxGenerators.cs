using System.IO.Compression;
using Diffusion.Functional.Data.Mnist;
using FsCheck;
using FsCheck.Fluent;

namespace Diffusion.Functional.Data.Tests.Support;

/// <summary>FsCheck generators of well-formed IDX content, and the gzip used to compress it.</summary>
public static class IdxGenerators
{
    /// <summary>1–6 images of 1–6 × 1–6 random bytes.</summary>
    public static readonly Gen<IdxImages> Images =
        from count in Gen.Choose(1, 6)
        from rows in Gen.Choose(1, 6)
        from columns in Gen.Choose(1, 6)
        from pixels in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), count * rows * columns)
        select IdxImages.FromBytes(count, rows, columns, pixels);

    /// <summary>1–40 labels 0–9.</summary>
    public static readonly Gen<IdxLabels> Labels =
        from count in Gen.Choose(1, 40)
        from values in Gen.ArrayOf(Gen.Choose(0, 9).Select(b => (byte)b), count)
        select IdxLabels.FromBytes(values);

    /// <summary>An encoded image file, plain or gzip, with the images it holds.</summary>
    public static readonly Gen<(byte[] File, IdxImages Images, bool Gzip)> ImageFiles =
        from images in Images
        from gzip in Gen.Elements(false, true)
        let plain = IdxFile.Encode(images)
        select (gzip ? Gzip(plain) : plain, images, gzip);

    /// <summary>The gzip (RFC 1952) of <paramref name="bytes"/>.</summary>
    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(bytes);
        return output.ToArray();
    }
}
