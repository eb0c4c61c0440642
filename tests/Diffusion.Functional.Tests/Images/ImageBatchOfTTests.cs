using Diffusion.Functional.Images;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Images;

/// <summary>ImageBatch&lt;T&gt;: the N × C × H × W layout, its conversions, its checks, and that it never shares memory with callers.</summary>
public class ImageBatchOfTTests
{
    private static Gen<(int N, int C, int H, int W, double[] Values)> Batches =>
        from n in Gen.Choose(1, 4)
        from c in Gen.Choose(1, 4)
        from h in Gen.Choose(1, 5)
        from w in Gen.Choose(1, 5)
        from values in Gen.Choose(-1000, 1000).Select(v => v / 37.0).ArrayOf(n * c * h * w)
        select (n, c, h, w, values);

    [Property(MaxTest = 100)]
    public Property FromDoubles_ThenToDoubleArray_IsTheIdentity_AndFloatRoundsEachValueOnce() => Prop.ForAll(Batches.ToArbitrary(), b =>
    {
        var batch = ImageBatch<double>.FromDoubles(b.N, b.C, b.H, b.W, b.Values);
        Assert.Equal(b.Values, batch.ToDoubleArray());
        ImageBatch<float> single = batch.To<float>();
        Assert.Equal(b.Values.Select(v => (float)v), single.ToFloatArray());
        Assert.Equal(single, single.To<double>().To<float>());
        Assert.Equal((b.N, b.C, b.H, b.W, b.C * b.H * b.W), (single.Count, single.Channels, single.Height, single.Width, single.ValuesPerImage));
    });

    [Property(MaxTest = 100)]
    public Property ImageK_ChannelC_IsTheSliceOfTheNchwLayout() => Prop.ForAll(Batches.ToArbitrary(), b =>
    {
        var batch = ImageBatch<double>.FromDoubles(b.N, b.C, b.H, b.W, b.Values);
        for (int k = 0; k < b.N; k++)
            for (int c = 0; c < b.C; c++)
            {
                Image plane = batch.ToImage(k, c);
                for (int y = 0; y < b.H; y++)
                    for (int x = 0; x < b.W; x++)
                        Assert.Equal(b.Values[((k * b.C + c) * b.H + y) * b.W + x], plane[y, x]);
            }
    });

    [Property(MaxTest = 60)]
    public Property SliceAndConcat_AreInverse() => Prop.ForAll(Batches.ToArbitrary(), b =>
    {
        var batch = ImageBatch<float>.FromDoubles(b.N, b.C, b.H, b.W, b.Values);
        var parts = Enumerable.Range(0, b.N).Select(k => batch.Slice(k, 1)).ToArray();
        Assert.Equal(batch, ImageBatch<float>.Concat(parts));
    });

    [Fact]
    public void TheBatchCopiesItsInput_SoTheCallerCannotChangeIt()
    {
        var values = new float[] { 1, 2, 3, 4 };
        var batch = ImageBatch<float>.FromValues(1, 1, 2, 2, values);
        values[0] = 99;
        Assert.Equal(1f, batch.Values[0]);
        float[] copy = batch.ToFloatArray();
        copy[1] = 99;
        Assert.Equal(2f, batch.Values[1]);
    }

    [Fact]
    public void FromBytes_MapsLikeThePixelRange()
    {
        var batch = ImageBatch<double>.FromBytes(PixelRange.SignedUnit, 1, 1, 1, 3, [0, 128, 255]);
        Assert.Equal(new[] { -1.0, PixelRange.SignedUnit.FromByte(128), 1.0 }, batch.ToDoubleArray());
    }

    [Fact]
    public void FromImages_IsAOneChannelBatch_InTheImagesOrder()
    {
        Image a = Image.Filled(3, 2, 0.25), b = Image.Filled(3, 2, -0.5);
        var batch = ImageBatch<double>.FromImages([a, b]);
        Assert.Equal((2, 1, 2, 3), (batch.Count, batch.Channels, batch.Height, batch.Width));
        Assert.Equal(a, batch.ToImage(0));
        Assert.Equal(b, batch.ToImage(1));
    }

    [Theory]
    [InlineData(0, 1, 1, 1, "count = 0")]
    [InlineData(1, 0, 1, 1, "channels = 0")]
    [InlineData(1, 1, -2, 1, "height = -2")]
    [InlineData(65536, 3, 256, 256, "more than one batch can hold")]
    public void BadShapes_AreRefused_BeforeAnythingIsAllocated(int n, int c, int h, int w, string message)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.ThrowsAny<ArgumentException>(() => ImageBatch<float>.FromBytes(PixelRange.SignedUnit, n, c, h, w, []));
        Assert.Contains(message, error.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "the check allocated before refusing");
    }

    [Fact]
    public void NonFiniteValues_AndValuesThatOverflowFloat_AreRefused()
    {
        Assert.Contains("values[1] = NaN", Assert.Throws<ArgumentException>(() => ImageBatch<double>.FromValues(1, 1, 1, 2, [0.0, double.NaN])).Message);
        Assert.Contains("not finite in Single", Assert.Throws<ArgumentException>(() => ImageBatch<float>.FromDoubles(1, 1, 1, 2, [0.0, 1e300])).Message);
        Assert.Contains("need 4", Assert.Throws<ArgumentException>(() => ImageBatch<float>.FromValues(1, 1, 2, 2, [1f])).Message);
    }
}
