using Diffusion.Functional.Images;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MathNet.Numerics.Statistics;

namespace Diffusion.Functional.Tests.Sampling;

/// <summary>Clipping and dynamic thresholding of x̂_0 (Saharia et al. 2022, §2.3).</summary>
public class X0ProcessingTests
{
    [Property(MaxTest = 200)]
    public Property Clip_ClampsToTheRange_AndKeepsPixelsInside() => Prop.ForAll(
        Generators.Images(-3, 3).ToArbitrary(), Gen.Elements(PixelRange.SignedUnit, PixelRange.Unit).ToArbitrary(), (x0, range) =>
        {
            var (min, max) = range.Bounds();
            Image clipped = new X0Processing.Clip(range).Apply(x0);
            for (int i = 0; i < x0.PixelCount; i++)
                Assert.Equal(Math.Clamp(x0.Pixels[i], min, max), clipped.Pixels[i]);
        });

    [Property(MaxTest = 200)]
    public Property DynamicThreshold_LandsInTheRange_ScalesBySTheQuantile() => Prop.ForAll(
        Generators.Images(-3, 3).ToArbitrary(), Generators.Uniform(0.5, 1.0).ToArbitrary(), (x0, percentile) =>
        {
            // In [−1, 1]: s = max(quantile_p(|x̂_0|), 1), x̂_0 ← clamp(x̂_0, −s, s)/s. The quantile is checked against
            // MathNet's R-7 definition (linear interpolation between order statistics, as NumPy and torch.quantile).
            double s = Math.Max(1.0, x0.ToArray().Select(Math.Abs).QuantileCustom(percentile, QuantileDefinition.R7));
            Image processed = new X0Processing.DynamicThreshold(PixelRange.SignedUnit, percentile).Apply(x0);
            for (int i = 0; i < x0.PixelCount; i++)
            {
                Assert.InRange(processed.Pixels[i], -1.0, 1.0);
                Approx.Absolute(Math.Clamp(x0.Pixels[i], -s, s) / s, processed.Pixels[i], 1e-15, $"pixel {i}, s = {s}");
            }
        });

    [Property(MaxTest = 100)]
    public Property DynamicThreshold_WithACapOfOne_IsClipping_AndInsideTheRangeChangesNothing() => Prop.ForAll(
        Generators.Images(-3, 3).ToArbitrary(), Generators.Images(0, 1).ToArbitrary(), (wide, inside) =>
        {
            // diffusers' sample_max_value = 1 caps s at 1: dynamic thresholding is then plain clipping.
            Assert.Equal(new X0Processing.Clip(PixelRange.SignedUnit).Apply(wide), new X0Processing.DynamicThreshold(PixelRange.SignedUnit, 0.995, 1.0).Apply(wide));
            // In [0, 1] (centre 0.5, half-width 0.5) an image inside the range has s = 1: nothing moves.
            Image processed = new X0Processing.DynamicThreshold(PixelRange.Unit, 0.9).Apply(inside);
            Assert.True(processed.MaxAbsDifference(inside) <= 1e-15);
        });

    [Fact]
    public void DynamicThreshold_PullsSaturatedPixelsBack_ProportionallyToTheirSize()
    {
        // Pixels 2, −4, 0.5, 1: with p = 1, s = 4, so the image is divided by 4 (no clamping) — Imagen's "pushing
        // saturated pixels inwards" instead of clipping them to ±1.
        Image processed = new X0Processing.DynamicThreshold(PixelRange.SignedUnit, 1.0).Apply(Image.FromPixels(4, 1, [2.0, -4.0, 0.5, 1.0]));
        Assert.Equal(new[] { 0.5, -1.0, 0.125, 0.25 }, processed.ToArray());
    }

    [Fact]
    public void Processing_Rejects_BadParameters()
    {
        Assert.Equal("Percentile", Assert.Throws<ArgumentOutOfRangeException>(() => new X0Processing.DynamicThreshold(PixelRange.SignedUnit, 0.0)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new X0Processing.DynamicThreshold(PixelRange.SignedUnit, 1.5));
        Assert.Equal("MaxThreshold", Assert.Throws<ArgumentOutOfRangeException>(() => new X0Processing.DynamicThreshold(PixelRange.SignedUnit, 0.9, 0.5)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new X0Processing.Clip((PixelRange)9));
        Image image = Image.Filled(2, 2, 0.3);
        Assert.Same(image, new X0Processing.None().Apply(image));
    }
}
