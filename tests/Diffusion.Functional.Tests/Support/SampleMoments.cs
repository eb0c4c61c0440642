namespace Diffusion.Functional.Tests.Support;

/// <summary>
/// Checks that n independent draws have the mean and variance of a Gaussian, with tolerances derived from n:
/// the sample mean of N(μ, σ²) has standard error σ/√n and the sample variance has standard error σ²·√(2/(n − 1)).
/// We allow 5 standard errors (two-sided false-alarm probability 6e-7 per check; the seeds are fixed anyway, so a
/// pass is reproducible and a failure means a wrong mean or variance, not bad luck).
/// </summary>
public static class SampleMoments
{
    public const double StandardErrors = 5.0;

    public static void AssertGaussianMoments(IReadOnlyList<double> draws, double mean, double variance, string what)
    {
        int n = draws.Count;
        double sampleMean = draws.Average();
        double sampleVariance = draws.Sum(x => (x - sampleMean) * (x - sampleMean)) / (n - 1);
        double meanTolerance = StandardErrors * Math.Sqrt(variance / n);
        double varianceTolerance = StandardErrors * variance * Math.Sqrt(2.0 / (n - 1));
        Assert.True(Math.Abs(sampleMean - mean) <= meanTolerance,
            $"{what}: sample mean {sampleMean:R} of {n} draws is {Math.Abs(sampleMean - mean) / Math.Sqrt(variance / n):F2} standard errors from {mean:R} (allowed {StandardErrors}).");
        Assert.True(Math.Abs(sampleVariance - variance) <= varianceTolerance,
            $"{what}: sample variance {sampleVariance:R} of {n} draws is {Math.Abs(sampleVariance - variance) / (variance * Math.Sqrt(2.0 / (n - 1))):F2} standard errors from {variance:R} (allowed {StandardErrors}).");
    }
}
