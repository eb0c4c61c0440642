using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;

namespace Diffusion.Functional.Tests.Images;

public class ImageTests
{
    [Fact]
    public void FromPixels_CopiesTheInput_SoTheImageCannotChange()
    {
        double[] pixels = [1, 2, 3, 4, 5, 6];
        Image image = Image.FromPixels(3, 2, pixels);
        pixels[0] = 99;
        Assert.Equal(1.0, image[0, 0]);
        Assert.Equal(6.0, image[1, 2]);
        double[] copy = image.ToArray();
        copy[1] = 99;
        Assert.Equal(2.0, image[0, 1]);
    }

    [Fact]
    public void FromPixels_Throws_WhenCountDoesNotMatchTheShape_OrAPixelIsNotFinite()
    {
        var count = Assert.Throws<ArgumentException>(() => Image.FromPixels(3, 2, new double[5]));
        Assert.Contains("5 values", count.Message);
        Assert.Contains("3×2", count.Message);
        var nan = Assert.Throws<ArgumentException>(() => Image.FromPixels(1, 2, [0.0, double.NaN]));
        Assert.Contains("pixels[1]", nan.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Image.FromPixels(0, 2, []));
    }

    [Fact]
    public void Equality_IsByShapeAndPixels()
    {
        Assert.Equal(Image.Filled(2, 3, 0.5), Image.Filled(2, 3, 0.5));
        Assert.NotEqual(Image.Filled(2, 3, 0.5), Image.Filled(3, 2, 0.5));
        Assert.NotEqual(Image.Filled(2, 3, 0.5), Image.Filled(2, 3, 0.25));
    }

    [Fact]
    public void Combine_Throws_WhenShapesDiffer()
    {
        var error = Assert.Throws<ArgumentException>(() => Image.Combine(1, Image.Filled(2, 2, 0), 1, Image.Filled(2, 3, 0)));
        Assert.Contains("2×3", error.Message);
        Assert.Contains("2×2", error.Message);
    }

    [Fact]
    public void Batch_FromImages_Throws_NamingTheImageWhoseShapeDiffers()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            ImageBatch<double>.FromImages([Image.Filled(4, 4, 0), Image.Filled(4, 4, 1), Image.Filled(4, 3, 0)]));
        Assert.Contains("images[2] is 4×3", error.Message);
    }

    [Fact]
    public void Batch_KeepsImagesInOrder()
    {
        Image[] images = [Image.Filled(2, 2, 1), NoiseImage.StandardNormal(NoiseKey.FromSeed(3), 2, 2), Image.Filled(2, 2, -1)];
        ImageBatch<double> batch = ImageBatch<double>.FromImages(images);
        Assert.Equal((3, 2, 2), (batch.Count, batch.Width, batch.Height));
        Assert.Equal(images, batch.Images());
        Assert.Throws<ArgumentOutOfRangeException>(() => batch[3]);
    }

    [Theory]
    [InlineData(PixelRange.SignedUnit, 0, -1.0)]
    [InlineData(PixelRange.SignedUnit, 255, 1.0)]
    [InlineData(PixelRange.Unit, 0, 0.0)]
    [InlineData(PixelRange.Unit, 255, 1.0)]
    public void PixelRange_MapsTheByteEndsToTheRangeEnds(PixelRange range, byte value, double expected) =>
        Assert.Equal(expected, range.FromByte(value));

    [Fact]
    public void PixelRange_ByteRoundTripIsExact_ForEveryByte()
    {
        foreach (PixelRange range in Enum.GetValues<PixelRange>())
            for (int b = 0; b < 256; b++)
                Assert.Equal((byte)b, range.ToByte(range.FromByte((byte)b)));
    }
}
