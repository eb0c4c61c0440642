using Diffusion.Functional.Noise;
using MathNet.Numerics.Distributions;

namespace Diffusion.Functional.Tests.Noise;

/// <summary>
/// Statistical quality of the stream: moments, a Kolmogorov–Smirnov test, tail frequencies and correlations.
/// Every tolerance is derived from the sample size (see <see cref="NoiseStatistics"/>); the keys are fixed.
/// </summary>
public class GaussianNoiseQualityTests
{
    private const int SampleSize = 1 << 22;

    private static readonly Lazy<float[]> Sample = new(() => GaussianNoise.SampleSingle(NoiseKey.FromSeed(20200619), SampleSize));

    [Fact]
    public void Moments_AreThoseOfAStandardNormal()
    {
        // Standard errors for n draws of N(0, 1): mean 1/√n, variance √(2/n), skewness √(6/n),
        // excess kurtosis √(24/n) (the large-n values; n = 2²² makes the corrections negligible).
        var (mean, variance, skewness, kurtosis) = NoiseStatistics.Moments(Sample.Value);
        double n = SampleSize, k = NoiseStatistics.StandardErrors;
        Assert.True(Math.Abs(mean) <= k / Math.Sqrt(n), $"mean {mean:E3} exceeds {k / Math.Sqrt(n):E3}.");
        Assert.True(Math.Abs(variance - 1) <= k * Math.Sqrt(2 / n), $"variance {variance:R} is off by more than {k * Math.Sqrt(2 / n):E3}.");
        Assert.True(Math.Abs(skewness) <= k * Math.Sqrt(6 / n), $"skewness {skewness:E3} exceeds {k * Math.Sqrt(6 / n):E3}.");
        Assert.True(Math.Abs(kurtosis) <= k * Math.Sqrt(24 / n), $"excess kurtosis {kurtosis:E3} exceeds {k * Math.Sqrt(24 / n):E3}.");
    }

    [Fact]
    public void KolmogorovSmirnov_AcceptsTheStandardNormal()
    {
        // D = sup |F_n(z) − Φ(z)| over n = 2²⁰ numbers. Kolmogorov's limit law gives P(√n·D > c) ≈ 2·exp(−2c²):
        // the critical value at level α = 10⁻⁴ is c = √(ln(2/α)/2) = 2.2255, i.e. D ≤ 2.2255/√n = 0.00217.
        const int n = 1 << 20;
        float[] sorted = Sample.Value[..n];
        Array.Sort(sorted);
        double d = 0;
        for (int i = 0; i < n; i++)
        {
            double cdf = Normal.CDF(0, 1, sorted[i]);
            d = Math.Max(d, Math.Max(((i + 1.0) / n) - cdf, cdf - ((double)i / n)));
        }

        double critical = Math.Sqrt(Math.Log(2 / 1e-4) / 2) / Math.Sqrt(n);
        Assert.True(d <= critical, $"KS statistic {d:E3} exceeds the α = 1e-4 critical value {critical:E3} for n = {n}.");
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(3.0)]
    [InlineData(4.0)]
    public void TailFrequencies_MatchTheNormalTails(double threshold)
    {
        // The count of |z| > a among n numbers is Binomial(n, p), p = 2Φ(−a); allowed: 5 standard deviations √(np(1−p)).
        double p = 2 * Normal.CDF(0, 1, -threshold);
        int count = Sample.Value.Count(z => Math.Abs(z) > threshold);
        double expected = SampleSize * p, sd = Math.Sqrt(SampleSize * p * (1 - p));
        Assert.True(Math.Abs(count - expected) <= NoiseStatistics.StandardErrors * sd,
            $"P(|z| > {threshold}): {count} of {SampleSize}, expected {expected:F1} ± {NoiseStatistics.StandardErrors * sd:F1}.");
    }

    [Fact]
    public void NoNumber_ExceedsTheDocumentedLargestMagnitude()
    {
        Assert.All(Sample.Value, z => Assert.True(Math.Abs(z) <= BoxMullerTests.LargestMagnitude));
    }

    [Fact]
    public void NeighbouringStreams_AreUncorrelated()
    {
        // key.Child(i) against key.Child(i + 1), 1000 pairs of streams of 1000 numbers: n = 10⁶ pairs, 5/√n.
        NoiseKey root = NoiseKey.FromSeed(8);
        var a = new float[1000 * 1000];
        var b = new float[1000 * 1000];
        var squaresA = new float[a.Length];
        var squaresB = new float[a.Length];
        for (int i = 0; i < 1000; i++)
        {
            GaussianNoise.Fill(root.Child((ulong)i), a.AsSpan(1000 * i, 1000));
            GaussianNoise.Fill(root.Child((ulong)i + 1), b.AsSpan(1000 * i, 1000));
        }

        for (int i = 0; i < a.Length; i++)
        {
            squaresA[i] = a[i] * a[i];
            squaresB[i] = b[i] * b[i];
        }

        AssertUncorrelated(a, b, "Child(i) vs Child(i + 1)");
        AssertUncorrelated(squaresA, squaresB, "squares of Child(i) vs Child(i + 1)");
    }

    [Fact]
    public void ConsecutiveNumbers_AreUncorrelated()
    {
        // Lag 1 (neighbouring lanes), 16 (cos and sin of one Box–Muller pair) and 32 (one lane's next pair):
        // n − lag pairs each; for the pair, the squares too (r² is shared, so this catches a broken transform).
        float[] x = Sample.Value;
        foreach (int lag in new[] { 1, 2, 16, 32, 64 })
        {
            AssertUncorrelated(x.AsSpan(0, x.Length - lag), x.AsSpan(lag), $"lag {lag}");
        }

        var cosines = new float[x.Length / 2];
        var sines = new float[x.Length / 2];
        for (int b = 0; b < x.Length / 32; b++)
        {
            for (int lane = 0; lane < 16; lane++)
            {
                float c = x[(32 * b) + lane], s = x[(32 * b) + 16 + lane];
                cosines[(16 * b) + lane] = c * c;
                sines[(16 * b) + lane] = s * s;
            }
        }

        AssertUncorrelated(cosines, sines, "squares of the cos and sin numbers of one pair");
    }

    [Fact]
    public void Lanes_AreUncorrelated()
    {
        // Every pair of the 32 positions within a block, over the 2¹⁷ blocks of the sample: n = 2¹⁷ per pair.
        float[] x = Sample.Value;
        int blocks = x.Length / 32;
        var columns = new float[32][];
        for (int j = 0; j < 32; j++)
        {
            columns[j] = new float[blocks];
            for (int b = 0; b < blocks; b++)
            {
                columns[j][b] = x[(32 * b) + j];
            }
        }

        for (int i = 0; i < 32; i++)
        {
            for (int j = i + 1; j < 32; j++)
            {
                AssertUncorrelated(columns[i], columns[j], $"positions {i} and {j} of a block");
            }
        }
    }

    private static void AssertUncorrelated(ReadOnlySpan<float> a, ReadOnlySpan<float> b, string what)
    {
        double rho = NoiseStatistics.Correlation(a, b), tolerance = NoiseStatistics.CorrelationTolerance(a.Length);
        Assert.True(Math.Abs(rho) <= tolerance, $"{what}: correlation {rho:E3} of {a.Length} pairs exceeds {tolerance:E3}.");
    }
}
