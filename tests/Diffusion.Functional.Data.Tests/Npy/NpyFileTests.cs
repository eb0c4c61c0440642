using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using Diffusion.Functional.Data.Npy;
using Diffusion.Functional.Images;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Data.Tests.Npy;

/// <summary>
/// The .npy writer, checked by parsing its output back as NEP 1 describes the format (an independent reader written
/// here from the spec): magic, version 1.0, header length, the dict, 64-byte alignment, then C-order little-endian data.
/// </summary>
public class NpyFileTests
{
    private sealed record Parsed(string Descr, bool FortranOrder, int[] Shape, int DataOffset, double[] Values);

    private static Parsed Parse(byte[] file)
    {
        Assert.Equal([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'], file[..6]);
        Assert.Equal((byte)1, file[6]);
        Assert.Equal((byte)0, file[7]);
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(8));
        int dataOffset = 10 + headerLength;
        Assert.Equal(0, dataOffset % 64);
        string header = Encoding.ASCII.GetString(file, 10, headerLength);
        Assert.EndsWith("\n", header);
        Match m = Regex.Match(header, @"^\{'descr': '(<f[48])', 'fortran_order': (True|False), 'shape': \(([0-9, ]*)\), \} *\n$");
        Assert.True(m.Success, $"header {header} is not a NumPy dict");
        int[] shape = m.Groups[3].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        int size = m.Groups[1].Value == "<f4" ? 4 : 8;
        int count = shape.Aggregate(1, (a, b) => a * b);
        Assert.Equal(dataOffset + count * size, file.Length);
        double[] values = Enumerable.Range(0, count)
            .Select(i => size == 4
                ? BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(dataOffset + 4 * i))
                : BinaryPrimitives.ReadDoubleLittleEndian(file.AsSpan(dataOffset + 8 * i)))
            .ToArray();
        return new Parsed(m.Groups[1].Value, m.Groups[2].Value == "True", shape, dataOffset, values);
    }

    private static readonly Gen<Image> Images =
        from w in Gen.Choose(1, 9)
        from h in Gen.Choose(1, 9)
        from pixels in Gen.ArrayOf(Gen.Choose(-4_000_000, 4_000_000).Select(i => i / 1e6 + i * 1e-13), w * h)
        select Image.FromPixels(w, h, pixels);

    [Property(MaxTest = 200)]
    public Property Encode_Image_IsAnHByWArrayOfItsPixels_InCOrder() => Prop.ForAll(
        Images.ToArbitrary(), Gen.Elements(NpyElementType.Float32, NpyElementType.Float64).ToArbitrary(),
        (image, type) =>
        {
            Parsed parsed = Parse(NpyFile.Encode(image, type));
            Assert.Equal(type == NpyElementType.Float32 ? "<f4" : "<f8", parsed.Descr);
            Assert.False(parsed.FortranOrder);
            Assert.Equal([image.Height, image.Width], parsed.Shape);
            // float32: each double rounded to the nearest float; float64: bit for bit.
            double[] expected = image.Pixels.ToArray().Select(v => type == NpyElementType.Float32 ? (float)v : v).ToArray();
            Assert.Equal(expected, parsed.Values);
            Assert.Equal(image[image.Height - 1, 0], parsed.Values[(image.Height - 1) * image.Width], type == NpyElementType.Float32 ? 1e-6 : 0);
        });

    [Property(MaxTest = 100)]
    public Property Encode_Frames_IsAnNByHByWArray_FrameAfterFrame() => Prop.ForAll(
        Images.SelectMany(first => Gen.Choose(1, 5).SelectMany(n =>
            Gen.ArrayOf(Gen.Choose(-100, 100).Select(v => Image.Filled(first.Width, first.Height, v / 10.0)), n - 1)
                .Select(rest => (Image[])[first, .. rest]))).ToArbitrary(),
        frames =>
        {
            Parsed parsed = Parse(NpyFile.Encode(frames, NpyElementType.Float64));
            Assert.Equal([frames.Length, frames[0].Height, frames[0].Width], parsed.Shape);
            Assert.Equal(frames.SelectMany(f => f.Pixels.ToArray()), parsed.Values);
        });

    [Fact]
    public void Encode_ABatch_IsAnNchwArray_WithItsValuesInOrder()
    {
        double[] values = Enumerable.Range(0, 2 * 3 * 4 * 5).Select(i => i / 8.0 - 3).ToArray();
        var batch = Diffusion.Functional.Images.ImageBatch<float>.FromDoubles(2, 3, 4, 5, values);
        Parsed parsed = Parse(NpyFile.Encode(batch));
        Assert.Equal([2, 3, 4, 5], parsed.Shape);
        Assert.Equal("<f4", parsed.Descr);
        Assert.Equal(values, parsed.Values);
    }

    [Fact]
    public void Header_ForA28By28Float32Image_IsNumPysDict_PaddedTo64Bytes()
    {
        byte[] file = NpyFile.Encode(Image.Filled(28, 28, 0.5));
        string header = Encoding.ASCII.GetString(file, 10, 118);
        Assert.Equal("{'descr': '<f4', 'fortran_order': False, 'shape': (28, 28), }".PadRight(117) + "\n", header);
        Assert.Equal(128 + 28 * 28 * 4, file.Length);
    }

    [Fact]
    public void Encode_OneDimension_WritesPythonsOneElementTuple()
    {
        Parsed parsed = Parse(NpyFile.Encode([1.0, 2.0, 3.0], [3], NpyElementType.Float64));
        Assert.Equal([3], parsed.Shape);
        Assert.Contains("'shape': (3,)", Encoding.ASCII.GetString(NpyFile.Encode([1.0, 2.0, 3.0], [3])));
    }

    [Fact]
    public void Encode_ValuesThatDoNotFillTheShape_IsAnArgumentException()
    {
        var e = Assert.Throws<ArgumentException>(() => NpyFile.Encode([1.0, 2.0], [3, 1]));
        Assert.Equal("values", e.ParamName);
        Assert.Contains("needs 3", e.Message);
    }
}

/// <summary>Issue 14, case 2: an .npy past one array's size is refused with a clear error, not an overflow.</summary>
public sealed class NpyLimitsTests
{
    [Theory]
    [InlineData(684_785)]
    [InlineData(int.MaxValue)]
    public void Encode_OfMoreThanOneBufferHolds_IsRefusedNamingTheLimit(int images)
    {
        foreach (int[] shape in new[] { new[] { images, 28, 28 }, new[] { images, images, images } })
        {
            var e = Assert.Throws<ArgumentException>(() => Diffusion.Functional.Data.Npy.NpyFile.Encode(new double[1], shape));
            Assert.Contains("NpyFile.MaxBytes", e.Message);
            Assert.Equal("shape", e.ParamName);
        }
    }
}
