using Diffusion.Functional.Images;
using Diffusion.Functional.Plots.Statistics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Plots.Tests.Statistics;

/// <summary>The densities the pixel-histogram figure draws.</summary>
public class PixelDensityTests
{
    private static readonly Gen<double[]> Values =
        Gen.Choose(0, 400).SelectMany(n => Gen.ArrayOf(Gen.Choose(-6000, 6000).Select(i => i / 1000.0), n));

    [Property(MaxTest = 200)]
    public Property Histogram_IntegratesToTheFractionOfValuesInside() => Prop.ForAll(
        Values.ToArbitrary(), Gen.Choose(1, 50).ToArbitrary(),
        (values, bins) =>
        {
            double[] density = PixelDensity.Histogram(values, -4, 4, bins);
            double integral = density.Sum() * 8.0 / bins;
            double inside = values.Length == 0 ? 0 : values.Count(v => v >= -4 && v < 4) / (double)values.Length;
            Assert.Equal(inside, integral, 1e-12); // sums of ≤ 400 terms k/(n·w)·w: rounding only
        });

    private static readonly Gen<ImageBatch<double>> Batches =
        from w in Gen.Choose(1, 4)
        from n in Gen.Choose(1, 3)
        from bytes in Gen.ArrayOf(Gen.Choose(0, 255), w * w * n)
        select ImageBatch<double>.FromImages(Enumerable.Range(0, n)
            .Select(i => PixelRange.SignedUnit.ImageFromBytes(w, w, bytes.Skip(i * w * w).Take(w * w).Select(b => (byte)b).ToArray()))
            .ToArray());

    [Property(MaxTest = 100)]
    public Property Marginal_IsADensity_ItIntegratesToOne() => Prop.ForAll(
        Batches.ToArbitrary(), Gen.Choose(0, 95).Select(i => i / 100.0).ToArbitrary(),
        (batch, alphaBar) =>
        {
            Func<double, double> density = PixelDensity.Marginal(batch, alphaBar);
            // Trapezoid rule on [−8, 8] with h = 10⁻³: every component has σ ≥ √0.05 ≈ 0.22, so h/σ ≤ 0.005 and the
            // rule's error on a Gaussian is far below 10⁻⁹; the tails beyond ±8 (means within ±1, σ ≤ 1) are < 10⁻¹⁰.
            const double h = 1e-3;
            double integral = 0;
            for (double x = -8; x < 8; x += h) integral += h * (density(x) + density(x + h)) / 2;
            Assert.Equal(1.0, integral, 1e-6);
        });

    [Property(MaxTest = 50)]
    public Property Marginal_WithNoSignalLeft_IsTheStandardNormal() => Prop.ForAll(
        Batches.ToArbitrary(), Gen.Choose(-400, 400).Select(i => i / 100.0).ToArbitrary(),
        (batch, x) => Assert.Equal(PixelDensity.StandardNormal(x), PixelDensity.Marginal(batch, 0.0)(x), 1e-15));

    [Fact]
    public void Marginal_OfOneValue_IsTheGaussianOfDdpmEq4()
    {
        // One pixel value v = 1 (byte 255): q(x_t | x_0) = N(√ᾱ·1, 1 − ᾱ) exactly.
        var batch = ImageBatch<double>.FromImages([Image.Filled(2, 2, 1.0)]);
        const double alphaBar = 0.36, x = 0.3;
        double expected = Math.Exp(-(x - 0.6) * (x - 0.6) / (2 * 0.64)) / Math.Sqrt(2 * Math.PI * 0.64);
        Assert.Equal(expected, PixelDensity.Marginal(batch, alphaBar)(x), 1e-15);
    }
}
