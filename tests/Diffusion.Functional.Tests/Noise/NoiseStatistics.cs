using Diffusion.Functional.Noise;

namespace Diffusion.Functional.Tests.Noise;

/// <summary>
/// Sample statistics for the quality tests, and the paths this machine can run. Every tolerance built from these
/// is a multiple of a standard error derived from the sample size n (never tuned): the seeds are fixed, so a pass
/// is reproducible, and 5 standard errors put the chance of a false alarm for a correct generator near 6·10⁻⁷.
/// </summary>
internal static class NoiseStatistics
{
    /// <summary>How many standard errors a statistic may stray (two-sided normal tail 5.7·10⁻⁷).</summary>
    public const double StandardErrors = 5.0;

    /// <summary>The paths to compare: every path this machine can run (Vector512 needs AVX-512).</summary>
    public static IReadOnlyList<NoisePath> RunnablePaths { get; } = NoisePaths.HasVector512
        ? [NoisePath.Scalar, NoisePath.Vector256, NoisePath.Vector512]
        : [NoisePath.Scalar, NoisePath.Vector256];

    public static float[] Fill(NoiseKey key, int count, NoisePath path)
    {
        var values = new float[count];
        GaussianNoise.Fill(key, values, path);
        return values;
    }

    /// <summary>Mean, variance, skewness and excess kurtosis, accumulated in double.</summary>
    public static (double Mean, double Variance, double Skewness, double ExcessKurtosis) Moments(ReadOnlySpan<float> x)
    {
        double mean = 0;
        foreach (float v in x)
        {
            mean += v;
        }

        mean /= x.Length;
        double m2 = 0, m3 = 0, m4 = 0;
        foreach (float v in x)
        {
            double d = v - mean, d2 = d * d;
            m2 += d2;
            m3 += d2 * d;
            m4 += d2 * d2;
        }

        m2 /= x.Length;
        m3 /= x.Length;
        m4 /= x.Length;
        return (mean, m2, m3 / Math.Pow(m2, 1.5), (m4 / (m2 * m2)) - 3.0);
    }

    /// <summary>Pearson's correlation of the pairs (a_i, b_i).</summary>
    public static double Correlation(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double x = a[i], y = b[i];
            sa += x;
            sb += y;
            saa += x * x;
            sbb += y * y;
            sab += x * y;
        }

        int n = a.Length;
        double cov = (sab / n) - (sa / n * (sb / n));
        return cov / Math.Sqrt(((saa / n) - (sa / n * (sa / n))) * ((sbb / n) - (sb / n * (sb / n))));
    }

    /// <summary>
    /// The standard error of a sample correlation of n pairs of independent variables with finite fourth moments:
    /// 1/√n (for Gaussian pairs, and for the squares or other functions of independent pairs alike).
    /// </summary>
    public static double CorrelationTolerance(int n) => StandardErrors / Math.Sqrt(n);
}
