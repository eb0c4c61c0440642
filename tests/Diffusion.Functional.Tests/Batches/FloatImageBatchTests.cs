using Diffusion.Functional.Batches;
using Diffusion.Functional.Images;

namespace Diffusion.Functional.Tests.Batches;

/// <summary><see cref="FloatImageBatch"/>: an immutable float32 batch and its exact conversions to and from double.</summary>
public class FloatImageBatchTests
{
    [Fact]
    public void FromPixels_CopiesTheValues_SoTheCallerCannotChangeTheBatch()
    {
        float[] pixels = [1, 2, 3, 4, 5, 6];
        var batch = FloatImageBatch.FromPixels(2, 3, 1, pixels);
        pixels[0] = 99;
        Assert.Equal(1f, batch.Pixels[0]);
        Assert.Equal([4f, 5f, 6f], batch.ImagePixels(1).ToArray());
    }

    [Fact]
    public void ToImageBatch_WidensExactly_AndFromImageBatchRoundsBack()
    {
        var batch = FloatImageBatch.FromPixels(2, 2, 2, [0.1f, -0.2f, 1f / 3f, 7f, 0f, -1f, 1e-7f, 0.5f]);
        ImageBatch wide = batch.ToImageBatch();
        Assert.Equal(batch.Pixels.ToArray().Select(v => (double)v), wide.Pixels.ToArray());
        Assert.Equal(batch, FloatImageBatch.FromImageBatch(wide));
        Assert.Equal(wide[1], batch.Image(1));
    }

    [Fact]
    public void FromImageBatch_RoundsEachPixelToTheNearestFloat()
    {
        ImageBatch wide = ImageBatch.FromImages([Image.FromPixels(2, 1, [0.1, 1.0 / 3.0])]);
        Assert.Equal([0.1f, 1f / 3f], FloatImageBatch.FromImageBatch(wide).Pixels.ToArray());
    }

    [Fact]
    public void FromImageBatch_Throws_WhenAPixelDoesNotFitInFloat32()
    {
        ImageBatch wide = ImageBatch.FromImages([Image.FromPixels(2, 1, [0.0, 1e39])]);
        var error = Assert.Throws<ArgumentException>(() => FloatImageBatch.FromImageBatch(wide));
        Assert.Equal("batch", error.ParamName);
        Assert.Contains("pixel 1", error.Message);
    }

    [Fact]
    public void FromPixels_Throws_WhenAPixelIsNotFinite()
    {
        var error = Assert.Throws<ArgumentException>(() => FloatImageBatch.FromPixels(1, 2, 1, [0f, float.NaN]));
        Assert.Equal("pixels", error.ParamName);
        Assert.Contains("pixels[1]", error.Message);
    }

    [Fact]
    public void FromPixels_Throws_WhenTheCountDoesNotMatchTheShape()
    {
        var error = Assert.Throws<ArgumentException>(() => FloatImageBatch.FromPixels(2, 2, 2, new float[7]));
        Assert.Equal("pixels", error.ParamName);
        Assert.Contains("need 8", error.Message);
    }

    [Fact]
    public void Image_Throws_WhenTheIndexIsOutsideTheBatch()
    {
        var batch = FloatImageBatch.FromPixels(2, 1, 1, [1f, 2f]);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => batch.Image(2));
        Assert.Equal("index", error.ParamName);
    }
}
