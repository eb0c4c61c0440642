using Diffusion.Functional.Metrics;

namespace Diffusion.Functional.Tests.Numerics;

/// <summary>The Fréchet distance of two Gaussians: zero for one set with itself, the closed forms for diagonal and 2 × 2 covariances.</summary>
public class FrechetDistanceTests
{
    [Fact]
    public void DiagonalCovariances_GiveTheSumOfSquaredMeanAndRootVarianceDifferences()
    {
        double[] m1 = [0.5, -1, 2], m2 = [0, 1, 2.5];
        double[] v1 = [1, 4, 0.25], v2 = [9, 1, 0.25];
        double expected = 0;
        for (int a = 0; a < 3; a++) expected += (m1[a] - m2[a]) * (m1[a] - m2[a]) + (Math.Sqrt(v1[a]) - Math.Sqrt(v2[a])) * (Math.Sqrt(v1[a]) - Math.Sqrt(v2[a]));
        Assert.Equal(expected, FrechetDistance.OfMoments(m1, Diagonal(v1), m2, Diagonal(v2)), 1e-12);
    }

    private static double[] Diagonal(double[] v)
    {
        var m = new double[v.Length * v.Length];
        for (int a = 0; a < v.Length; a++) m[a * v.Length + a] = v[a];
        return m;
    }

    [Theory]
    [InlineData(2.0, 0.7, 1.0, 1.5, -0.4, 0.8)]
    [InlineData(1.0, 0.0, 3.0, 0.2, 0.1, 0.3)]
    public void TwoByTwo_MatchesTheTraceOfTheRootFromTraceAndDeterminant(double a, double b, double c, double p, double q, double r)
    {
        // For 2 × 2, tr √M = √(tr M + 2√det M) with M = Σ₁Σ₂ (its eigenvalues are real and ≥ 0).
        double[] s1 = [a, b, b, c], s2 = [p, q, q, r];
        double m00 = a * p + b * q, m11 = b * q + c * r;
        double det = (a * c - b * b) * (p * r - q * q);
        double rootTrace = Math.Sqrt(m00 + m11 + 2 * Math.Sqrt(det));
        double expected = a + c + p + r - 2 * rootTrace;
        Assert.Equal(expected, FrechetDistance.OfMoments([0.0, 0.0], s1, [0.0, 0.0], s2), 1e-12);
    }

    [Fact]
    public void ASetWithItself_IsZero_AndAShiftAddsItsSquaredLength()
    {
        var random = new Random(3);
        float[] x = Enumerable.Range(0, 200 * 6).Select(_ => (float)random.NextDouble()).ToArray();
        Assert.Equal(0.0, FrechetDistance.Between(x, x, 6), 1e-9);
        float[] shifted = x.Select((v, i) => v + (i % 6 == 2 ? 0.5f : 0f)).ToArray();
        Assert.Equal(0.25, FrechetDistance.Between(x, shifted, 6), 1e-5);
    }
}
