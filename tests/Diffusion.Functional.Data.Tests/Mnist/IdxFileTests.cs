using System.Buffers.Binary;
using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Data.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Data.Tests.Mnist;

/// <summary>
/// The IDX reader on well-formed files (round trips) and on corrupt ones: every corrupt file must end in an
/// <see cref="InvalidDataException"/> that names the file, never in another exception, an out-of-memory or a hang.
/// </summary>
public class IdxFileTests
{
    /// <summary>Reads <paramref name="bytes"/> as an image file named so that the message can be checked for it.</summary>
    private static IdxImages ReadImageFile(byte[] bytes, out string path, out long allocated)
    {
        using var folder = new TemporaryFolder();
        path = folder.Write("corrupt-images-idx3-ubyte", bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            return IdxFile.ReadImages(path);
        }
        finally
        {
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
    }

    /// <summary>
    /// Either the file reads, or it throws an <see cref="InvalidDataException"/> naming the file — and in both cases the
    /// reader allocated no more than the file can hold: its length (×1032 for a gzip, deflate's largest expansion) plus
    /// a fixed 1 MiB for buffers and messages.
    /// </summary>
    private static bool ReadsOrFailsCleanly(byte[] bytes, bool gzip, out IdxImages? images)
    {
        images = null;
        string path = "";
        long allocated = 0;
        bool read;
        try
        {
            images = ReadImageFile(bytes, out path, out allocated);
            read = true;
        }
        catch (InvalidDataException e)
        {
            Assert.Contains("corrupt-images-idx3-ubyte", e.Message);
            read = false;
        }
        long bound = bytes.Length * (gzip ? IdxFile.MaxGzipExpansion : 1) + (1 << 20);
        Assert.True(allocated <= bound, $"Reading a {bytes.Length}-byte file allocated {allocated} bytes, more than {bound}.");
        return read;
    }

    [Property(MaxTest = 200)]
    public Property ReadImages_ReturnsWhatWasEncoded_PlainOrGzip() => Prop.ForAll(
        IdxGenerators.ImageFiles.ToArbitrary(),
        file =>
        {
            Assert.True(ReadsOrFailsCleanly(file.File, file.Gzip, out IdxImages? read));
            Assert.Equal(file.Images, read);
        });

    [Property(MaxTest = 100)]
    public Property ReadLabels_ReturnsWhatWasEncoded_PlainOrGzip() => Prop.ForAll(
        IdxGenerators.Labels.ToArbitrary(), Gen.Elements(false, true).ToArbitrary(),
        (labels, gzip) =>
        {
            byte[] plain = IdxFile.Encode(labels);
            using var stream = new MemoryStream(gzip ? IdxGenerators.Gzip(plain) : plain);
            Assert.Equal(labels, IdxFile.ReadLabels(stream, "labels"));
        });

    [Property(MaxTest = 200)]
    public Property ATruncatedFile_AtAnyLength_IsInvalidData() => Prop.ForAll(
        (from file in IdxGenerators.ImageFiles
         from length in Gen.Choose(0, file.File.Length - 1)
         select (file, length)).ToArbitrary(),
        pair =>
        {
            var (file, length) = pair;
            Assert.False(ReadsOrFailsCleanly(file.File[..length], file.Gzip, out _));
        });

    [Property(MaxTest = 200)]
    public Property AFileWithBytesAfterItsData_IsInvalidData() => Prop.ForAll(
        IdxGenerators.Images.ToArbitrary(), Gen.Choose(1, 20).ToArbitrary(), Gen.Elements(false, true).ToArbitrary(),
        (images, extra, gzip) =>
        {
            byte[] plain = [.. IdxFile.Encode(images), .. new byte[extra]];
            Assert.False(ReadsOrFailsCleanly(gzip ? IdxGenerators.Gzip(plain) : plain, gzip, out _));
        });

    [Property(MaxTest = 200)]
    public Property AnyOtherMagicNumber_IsInvalidData() => Prop.ForAll(
        IdxGenerators.Images.ToArbitrary(),
        Gen.Choose(0, 3).SelectMany(position => Gen.Choose(0, 255).Select(value => (position, value))).ToArbitrary(),
        (images, change) =>
        {
            byte[] bytes = IdxFile.Encode(images);
            if (bytes[change.position] == change.value) return; // not a change
            bytes[change.position] = (byte)change.value;
            if (change.position == 0 && change.value == 0x1F) bytes[1] = 0; // keep it from looking like a gzip
            Assert.False(ReadsOrFailsCleanly(bytes, gzip: false, out _));
        });

    // Sizes from the whole 32-bit range, near the signed limit, medium and small: products overflow 64 bits, exceed
    // an array, exceed the file but fit in an array (the case that would allocate if unchecked), or fit the file.
    private static readonly Gen<uint> AnySize = Gen.OneOf(
        Gen.Choose(0, 8).Select(i => (uint)i),
        Gen.Choose(0, 8).Select(i => (uint)i),
        Gen.Choose(1, 1 << 16).Select(i => (uint)i),
        Gen.Choose(0, 1000).Select(i => int.MaxValue - (uint)i),
        Gen.Choose(0, 1000).Select(i => uint.MaxValue - (uint)i),
        Gen.Choose(int.MinValue, int.MaxValue).Select(i => (uint)i));

    [Property(MaxTest = 300)]
    public Property SizesClaimingMoreThanTheFileHolds_AreInvalidData_AndAreNotAllocated() => Prop.ForAll(
        IdxGenerators.Images.ToArbitrary(), Gen.ArrayOf(AnySize, 3).ToArbitrary(), Gen.Elements(false, true).ToArbitrary(),
        (images, sizes, gzip) =>
        {
            byte[] plain = IdxFile.Encode(images);
            for (int i = 0; i < 3; i++) BinaryPrimitives.WriteUInt32BigEndian(plain.AsSpan(4 + 4 * i), sizes[i]);
            bool sameLength = (ulong)sizes[0] * sizes[1] * sizes[2] == (ulong)images.Pixels.Length
                && sizes.All(s => s is > 0 and <= int.MaxValue);
            Assert.Equal(sameLength, ReadsOrFailsCleanly(gzip ? IdxGenerators.Gzip(plain) : plain, gzip, out _));
        });

    [Property(MaxTest = 300)]
    public Property AGzipWithAnyByteChanged_ReadsOrIsInvalidData() => Prop.ForAll(
        (from file in IdxGenerators.ImageFiles.Where(f => f.Gzip)
         from position in Gen.Choose(0, file.File.Length - 1)
         from value in Gen.Choose(0, 255)
         select (file.File, position, (byte)value)).ToArbitrary(),
        change =>
        {
            byte[] bytes = (byte[])change.File.Clone();
            bytes[change.position] = change.Item3;
            ReadsOrFailsCleanly(bytes, gzip: true, out _);
        });

    [Property(MaxTest = 300)]
    public Property AnyBytesAtAll_ReadOrAreInvalidData() => Prop.ForAll(
        Gen.OneOf(
            Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)),
            // Mostly a valid header, so that the reader gets past the magic number.
            from tail in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b))
            from gzip in Gen.Elements(false, true)
            let bytes = (byte[])[0, 0, 8, 3, .. tail]
            select gzip ? IdxGenerators.Gzip(bytes) : bytes).ToArbitrary(),
        bytes => { ReadsOrFailsCleanly(bytes, gzip: bytes.Length > 1 && bytes[0] == 0x1F && bytes[1] == 0x8B, out _); });

    [Fact]
    public void WrongMagic_SaysWhatItFoundAndWhatAnImageFileStartsWith()
    {
        var e = Assert.Throws<InvalidDataException>(() => ReadImageFile([0x50, 0x4B, 3, 4, 0, 0, 0, 0], out _, out _));
        Assert.Contains("does not start with an IDX magic number: it starts with 50 4B 03 04", e.Message);
        Assert.Contains("00 00 08 03", e.Message);
    }

    [Fact]
    public void ALabelFileReadAsImages_IsNamedAsTheOtherFileOfThePair()
    {
        byte[] labels = IdxFile.Encode(IdxLabels.FromBytes([1, 2, 3]));
        var e = Assert.Throws<InvalidDataException>(() => ReadImageFile(labels, out _, out _));
        Assert.Contains("has 1 dimensions", e.Message);
        Assert.Contains("other file of the pair", e.Message);
    }

    [Fact]
    public void FloatElements_AreRefusedByType()
    {
        var e = Assert.Throws<InvalidDataException>(() => ReadImageFile([0, 0, 0x0D, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0], out _, out _));
        Assert.Contains("IDX type 0x0D", e.Message);
    }

    [Fact]
    public void SizesWhoseProductOverflows64Bits_AreReportedAsMoreThanFollowsTheHeader()
    {
        byte[] bytes = [0, 0, 8, 3, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3];
        var e = Assert.Throws<InvalidDataException>(() => ReadImageFile(bytes, out _, out _));
        Assert.Contains("2147483647 × 2147483647 × 2147483647 = 9903520300447984150353281023 bytes, but only 3 bytes follow the header", e.Message);
    }

    [Fact]
    public void AGzipClaimingMoreThanDeflateCanExpandTo_IsRefusedBeforeAllocating()
    {
        byte[] plain = IdxFile.Encode(IdxImages.FromBytes(1, 2, 2, [1, 2, 3, 4]));
        BinaryPrimitives.WriteInt32BigEndian(plain.AsSpan(4), 1_000_000);
        var e = Assert.Throws<InvalidDataException>(() => ReadImageFile(IdxGenerators.Gzip(plain), out _, out long allocated));
        Assert.Contains("(gzip) says it holds 1000000 × 2 × 2 = 4000000 bytes, more than a gzip file of its size can decompress to", e.Message);
    }

    [Fact]
    public void AGzipThatDoesNotDecompress_SaysSo()
    {
        byte[] bytes = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        var e = Assert.Throws<InvalidDataException>(() => ReadImageFile(bytes, out _, out _));
        Assert.Contains("(gzip) does not decompress", e.Message);
    }

    [Fact]
    public void ATruncatedFile_SaysHowMuchIsMissing()
    {
        byte[] plain = IdxFile.Encode(IdxImages.FromBytes(2, 2, 2, [1, 2, 3, 4, 5, 6, 7, 8]));
        var e = Assert.Throws<InvalidDataException>(() => ReadImageFile(plain[..^3], out _, out _));
        Assert.Contains("says it holds 2 × 2 × 2 = 8 bytes, but only 5 bytes follow the header", e.Message);
        e = Assert.Throws<InvalidDataException>(() => ReadImageFile(IdxGenerators.Gzip(plain[..^3]), out _, out _));
        Assert.Contains("(gzip) is truncated: the header promises 2 × 2 × 2 = 8 data bytes but only 5 follow it", e.Message);
    }

    [Fact]
    public void AGzipCutOffInItsTrailer_IsInvalidData_ThoughDotNetsGZipStreamAcceptsIt()
    {
        byte[] gzip = IdxGenerators.Gzip(IdxFile.Encode(IdxImages.FromBytes(1, 2, 2, [1, 2, 3, 4])));
        var e = Assert.Throws<InvalidDataException>(() => ReadImageFile(gzip[..^4], out _, out _));
        Assert.Contains("(gzip) ends with a trailer", e.Message);
        Assert.Contains("does not match its content", e.Message);
    }

    [Fact]
    public void GzipIsRecognisedByContent_NotByName()
    {
        IdxImages images = IdxImages.FromBytes(1, 1, 3, [7, 8, 9]);
        using var folder = new TemporaryFolder();
        Assert.Equal(images, IdxFile.ReadImages(folder.Write("plain-named.gz", IdxFile.Encode(images))));
        Assert.Equal(images, IdxFile.ReadImages(folder.Write("gzip-named-plain", IdxGenerators.Gzip(IdxFile.Encode(images)))));
    }
}
