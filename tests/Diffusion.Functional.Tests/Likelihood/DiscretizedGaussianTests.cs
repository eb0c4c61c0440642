using Diffusion.Functional.Images;
using Diffusion.Functional.Likelihood;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MathNet.Numerics.Distributions;

namespace Diffusion.Functional.Tests.Likelihood;

/// <summary>The 8-bit discretized Gaussian decoder: a distribution over the 256 levels, bin by bin the normal's mass.</summary>
public class DiscretizedGaussianTests
{
    private static readonly Gen<PixelRange> Ranges = Gen.Elements(PixelRange.SignedUnit, PixelRange.Unit);

    [Property(MaxTest = 500)]
    public Property Bins_SumToOne() => Prop.ForAll(DiffusionGenerators.Gaussians.ToArbitrary(), Ranges.ToArbitrary(), (g, range) =>
    {
        // 256 probabilities, each with a relative error of a few 1e-15 (LogIntervalProbability), so the sum is 1 to
        // 256·4e-15·(largest) ≤ 1e-12. A missing open end (±∞ at levels 0 and 255) loses the tails and fails at once.
        double sum = DiscretizedGaussian.LogProbabilities(g.Mean, g.LogVariance, range).Sum(Math.Exp);
        Approx.Absolute(1.0, sum, 1e-12, $"Σ P(b) for N({g.Mean}, e^{g.LogVariance}) on {range}");
    });

    [Property(MaxTest = 500)]
    public Property Bin_IsTheNormalMassOfItsInterval() => Prop.ForAll(
        DiffusionGenerators.Gaussians.ToArbitrary(), Gen.Choose(0, 255).ToArbitrary(), (g, level) =>
        {
            // Against MathNet's CDF difference on [−1, 1]: bin b is [2b/255 − 1 − 1/255, 2b/255 − 1 + 1/255) with open
            // outer ends. MathNet's difference is accurate to ~2e-16 absolute; ours also relatively.
            double sigma = Math.Exp(g.LogVariance / 2), centre = 2.0 * level / 255 - 1;
            double upper = level == 255 ? 1.0 : Normal.CDF(g.Mean, sigma, centre + 1.0 / 255);
            double lower = level == 0 ? 0.0 : Normal.CDF(g.Mean, sigma, centre - 1.0 / 255);
            double actual = Math.Exp(DiscretizedGaussian.LogProbability((byte)level, g.Mean, g.LogVariance));
            Approx.Absolute(upper - lower, actual, 4e-16 + 1e-12 * actual, $"P({level}) under N({g.Mean}, σ = {sigma})");
        });

    [Fact]
    public void Decoder_IsCertain_WhenTheMeanIsOnALevelAndTheVarianceTiny_AndNeverUnderflowsFarAway()
    {
        // σ = 1e-4 ≪ the bin's half-width 1/255: the level holds all but ~e^(−780) of the mass.
        double centre = 2.0 * 100 / 255 - 1, logVariance = Math.Log(1e-8);
        Assert.Equal(0.0, DiscretizedGaussian.LogProbability(100, centre, logVariance));
        // Its neighbour is ≈ 39 standard deviations away: log P ≈ −39²/2·… , finite (Φ itself would underflow to 0).
        double neighbour = DiscretizedGaussian.LogProbability(101, centre, logVariance);
        Assert.True(neighbour is < -700 and > -800, $"log P(101) = {neighbour}");
        Assert.True(double.IsFinite(DiscretizedGaussian.LogProbability(255, -1.0, logVariance)));
    }

    [Fact]
    public void LogLikelihood_IsTheSumOverPixels_AndRejectsValuesOffTheLevels()
    {
        Image x0 = PixelRange.SignedUnit.ImageFromBytes(3, 1, [0, 128, 255]);
        Image mean = Image.FromPixels(3, 1, [-0.9, 0.1, 0.95]), logVariance = Image.FromPixels(3, 1, [-3.0, -4.0, -5.0]);
        double expected = DiscretizedGaussian.LogProbability(0, -0.9, -3.0) + DiscretizedGaussian.LogProbability(128, 0.1, -4.0)
            + DiscretizedGaussian.LogProbability(255, 0.95, -5.0);
        Assert.Equal(expected, DiscretizedGaussian.LogLikelihood(x0, mean, logVariance));

        var error = Assert.Throws<ArgumentException>(() => DiscretizedGaussian.LogLikelihood(Image.Filled(3, 1, 0.5), mean, logVariance));
        Assert.Equal("x0", error.ParamName);
        Assert.Contains("not one of the 256 levels", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => DiscretizedGaussian.LogProbability(3, 0.0, -2000.0));
    }
}
