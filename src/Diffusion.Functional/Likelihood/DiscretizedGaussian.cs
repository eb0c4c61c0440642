using Diffusion.Functional.Images;
using Diffusion.Functional.Numerics;

namespace Diffusion.Functional.Likelihood;

/// <summary>
/// The discretized Gaussian decoder of 8-bit data (Ho et al. 2020, eq. 13): a pixel with level b ∈ 0..255, mapped into
/// the data range, has probability N(μ, σ²) of its bin, the interval between the midpoints to its neighbours, with the
/// outer edges of levels 0 and 255 open to −∞ and +∞. On [−1, 1] the bins are 2/255 wide. The 256 probabilities sum
/// to 1, and each is computed as log(Φ(b) − Φ(a)) with the exact normal CDF in log space
/// (<see cref="StandardNormal.LogIntervalProbability"/>), not improved-diffusion's tanh approximation and 1e-12 clamps.
/// </summary>
public static class DiscretizedGaussian
{
    /// <summary>The number of levels of 8-bit data.</summary>
    public const int Levels = 256;

    /// <summary>
    /// log P(level) = log(Φ((e₊ − μ)/σ) − Φ((e₋ − μ)/σ)) under N(μ, σ² = e^(λ)) discretized into the 256 bins of
    /// <paramref name="range"/>, e₋ and e₊ the midpoints to the neighbouring levels, −∞ below level 0 and +∞ above
    /// level 255 (DDPM eq. 13).
    /// </summary>
    /// <param name="level">The pixel's 8-bit level, 0..255.</param>
    /// <param name="mean">μ, finite.</param>
    /// <param name="logVariance">λ = log σ², range −1400 ≤ λ ≤ 1400.</param>
    /// <param name="range">The data range the levels are mapped into (DDPM's [−1, 1] by default).</param>
    public static double LogProbability(byte level, double mean, double logVariance, PixelRange range = PixelRange.SignedUnit)
    {
        Guard.Finite(mean, nameof(mean));
        RequireLogVariance(logVariance);
        var (min, max) = range.Bounds();
        return LogProbabilityUnchecked(level, mean, Math.Exp(-0.5 * logVariance), min, max);
    }

    /// <summary>
    /// log P(b) for all 256 levels b = 0..255 of the discretized Gaussian N(μ, e^(λ)) (DDPM eq. 13): the whole
    /// decoder distribution of one pixel, whose exponentials sum to 1.
    /// </summary>
    public static double[] LogProbabilities(double mean, double logVariance, PixelRange range = PixelRange.SignedUnit)
    {
        Guard.Finite(mean, nameof(mean));
        RequireLogVariance(logVariance);
        var (min, max) = range.Bounds();
        double inverseStd = Math.Exp(-0.5 * logVariance);
        var result = new double[Levels];
        for (int b = 0; b < Levels; b++) result[b] = LogProbabilityUnchecked((byte)b, mean, inverseStd, min, max);
        return result;
    }

    /// <summary>
    /// log p(x_0) = Σ_p log P(level of x_0[p]) under N(mean[p], e^(logVariance[p])) per pixel: the decoder's
    /// log-likelihood of an 8-bit image, in nats (DDPM eq. 13, a product over pixels). Every pixel of
    /// <paramref name="x0"/> must be one of the 256 levels of the range.
    /// </summary>
    public static double LogLikelihood(Image x0, Image mean, Image logVariance, PixelRange range = PixelRange.SignedUnit)
    {
        ArgumentNullException.ThrowIfNull(x0);
        x0.RequireSameShape(mean, nameof(mean));
        x0.RequireSameShape(logVariance, nameof(logVariance));
        var (min, max) = range.Bounds();
        double total = 0.0;
        for (int p = 0; p < x0.PixelCount; p++)
        {
            byte level = Level(x0.Pixels[p], range, p);
            double lv = RequireLogVariance(logVariance.Pixels[p]);
            total += LogProbabilityUnchecked(level, mean.Pixels[p], Math.Exp(-0.5 * lv), min, max);
        }
        return total;
    }

    /// <summary>λ = log σ² within ±1400, so that 1/σ = e^(−λ/2) is a finite double (σ from e^(−700) to e^(700)).</summary>
    private static double RequireLogVariance(double logVariance) =>
        Guard.ClosedInterval(logVariance, -1400.0, 1400.0, nameof(logVariance));

    /// <summary>The 8-bit level of a pixel, which must lie on one of the 256 levels of the range (to 1e-9).</summary>
    internal static byte Level(double value, PixelRange range, int pixel)
    {
        byte level = range.ToByte(value);
        if (!(Math.Abs(range.FromByte(level) - value) <= 1e-9))
            throw new ArgumentException(
                $"x0 pixel {pixel} = {value:R} is not one of the 256 levels of {range}; the discretized decoder scores 8-bit data " +
                $"(the nearest level, {level}, is {range.FromByte(level):R}).", "x0");
        return level;
    }

    private static double LogProbabilityUnchecked(byte level, double mean, double inverseStd, double min, double max)
    {
        // Bin b spans [edge(b), edge(b + 1)) with edge(b) = min + (max − min)(2b − 1)/510, the midpoint between levels
        // b − 1 and b; neighbouring bins share one computed edge, so the probabilities telescope to exactly Φ(+∞) − Φ(−∞).
        double lower = level == 0 ? double.NegativeInfinity : ((min + (max - min) * (2 * level - 1) / 510.0) - mean) * inverseStd;
        double upper = level == Levels - 1 ? double.PositiveInfinity : ((min + (max - min) * (2 * level + 1) / 510.0) - mean) * inverseStd;
        // Both ends overflowing to the same infinity: a bin some 1e308 standard deviations away, probability 0.
        return lower < upper ? StandardNormal.LogIntervalProbability(lower, upper) : double.NegativeInfinity;
    }
}
