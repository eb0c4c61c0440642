using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;
using Xunit.Abstractions;

namespace Diffusion.Functional.Tests.Sampling;

/// <summary>
/// Every deterministic sampler on a one-dimensional Gaussian mixture, whose exact denoiser is closed form: its output's
/// sample mean and variance over K draws from the exact marginal q(x_{τ_N}) match the mixture's within a bound derived
/// from K (fixed key), at N = 181 steps.
/// </summary>
public class MixtureSamplingTests(ITestOutputHelper output)
{
    private static readonly double[] Weights = [0.3, 0.7], Means = [-1.0, 1.5], Variances = [0.04, 0.25];

    /// <summary>
    /// E[x_0 | x̃] for x_0 ~ Σ_k w_k N(μ_k, v_k), x̃ = x_0 + σ·ε, at any σ (the off-grid samplers need it between levels):
    /// the responsibilities r_k ∝ w_k N(x̃; μ_k, v_k + σ²) times each component's Gaussian posterior mean
    /// μ_k + v_k/(v_k + σ²)·(x̃ − μ_k).
    /// </summary>
    private static IContinuousDenoiser<double> MixtureDenoiser(NoiseSchedule schedule) =>
        ContinuousDenoiser.Create<double>(schedule, (xTilde, sigmas, denoised) =>
        {
            int per = xTilde.ValuesPerImage;
            ReadOnlySpan<double> x = xTilde.Values;
            Span<double> logR = stackalloc double[Weights.Length];
            for (int n = 0; n < x.Length; n++)
            {
                double s2 = sigmas[n / per] * sigmas[n / per];
                double top = double.NegativeInfinity;
                for (int k = 0; k < Weights.Length; k++)
                {
                    double variance = Variances[k] + s2, d = x[n] - Means[k];
                    logR[k] = Math.Log(Weights[k]) - 0.5 * Math.Log(variance) - d * d / (2 * variance);
                    top = Math.Max(top, logR[k]);
                }
                double total = 0.0, mean = 0.0;
                for (int k = 0; k < Weights.Length; k++)
                {
                    double r = Math.Exp(logR[k] - top);
                    total += r;
                    mean += r * (Means[k] + Variances[k] / (Variances[k] + s2) * (x[n] - Means[k]));
                }
                denoised[n] = mean / total;
            }
        });

    public static TheoryData<string> Deterministic => new(SamplerRegistry.All.Where(e => !e.Stochastic && e.Name != "ddpm-mean").Select(e => e.Name));

    [Theory]
    [MemberData(nameof(Deterministic))]
    public void EveryDeterministicSampler_ReproducesTheMixturesMeanAndVariance_WithinTheMonteCarloBound(string name)
    {
        var (meanMiss, varianceMiss) = Misses(name);
        Assert.True(meanMiss <= 1.0, $"{name}: the sample mean misses the mixture's by {meanMiss:F3} bounds");
        Assert.True(varianceMiss <= 1.0, $"{name}: the sample variance misses the mixture's by {varianceMiss:F3} bounds");
    }

    [Fact]
    public void TheBound_RejectsDdpmsPosteriorMeanChain_WhichIsNoSamplerOfTheDataLaw()
    {
        // The negative control: without noise DDPM's posterior mean shrinks the spread, and the bound must see it.
        var (_, varianceMiss) = Misses("ddpm-mean");
        Assert.True(varianceMiss > 1.0, $"ddpm-mean's variance is within {varianceMiss:F3} bounds of the mixture's");
    }

    /// <summary>|sample − exact|/bound for the mean and the variance of the sampler's x_0.</summary>
    private (double Mean, double Variance) Misses(string name)
    {
        const int count = 4000;
        NoiseSchedule schedule = SigmaSamplerOrderTests.KarrasSchedule;
        RespacedSchedule plan = SigmaSamplerOrderTests.Chain(schedule, 4); // N = 181
        int top = plan.Timesteps[^1];
        double a = schedule.SqrtAlphaBar(top), s2 = schedule.OneMinusAlphaBar(top);
        // x_T from q(x_T) = Σ w_k N(aμ_k, a²v_k + s²): the first round(w_0·K) draws from component 0 (stratified, which only
        // lowers the estimators' variance below the i.i.d. one used in the bound), z from a fixed key.
        double[] z = new DiagonalGaussianData(1, 1, 1, [0.0], [1.0]).Sample<double>(count, new NoiseKey(2026)).ToDoubleArray();
        int first = (int)Math.Round(Weights[0] * count);
        var start = new double[count];
        for (int n = 0; n < count; n++)
        {
            int k = n < first ? 0 : 1;
            start[n] = a * Means[k] + Math.Sqrt(a * a * Variances[k] + s2) * z[n];
        }
        var keys = Enumerable.Range(0, count).Select(n => new NoiseKey((ulong)n)).ToArray();
        ISampler sampler = SamplerRegistry.Find(name).Create(new SamplerOptions());
        double[] x0 = sampler.Run(new SamplerRun<double>(plan, MixtureDenoiser(schedule), ImageBatch<double>.FromValues(count, 1, 1, 1, start), keys)).ToDoubleArray();

        double mean = Weights.Select((w, k) => w * Means[k]).Sum();
        double variance = Weights.Select((w, k) => w * (Variances[k] + Means[k] * Means[k])).Sum() - mean * mean;
        double fourth = Weights.Select((w, k) => { double d = Means[k] - mean; return w * (d * d * d * d + 6 * d * d * Variances[k] + 3 * Variances[k] * Variances[k]); }).Sum();
        double sampleMean = x0.Average(), sampleVariance = x0.Sum(v => (v - sampleMean) * (v - sampleMean)) / (count - 1);
        // 5 standard errors: Var(mean) = σ²/K, Var(s²) ≈ (μ₄ − σ⁴)/K (a 5σ miss has probability < 1e-6 for each).
        double meanBound = 5 * Math.Sqrt(variance / count), varianceBound = 5 * Math.Sqrt((fourth - variance * variance) / count);
        output.WriteLine($"{name}: mean {sampleMean:F4} (exact {mean:F4}, bound {meanBound:F4}), variance {sampleVariance:F4} (exact {variance:F4}, bound {varianceBound:F4})");
        return (Math.Abs(sampleMean - mean) / meanBound, Math.Abs(sampleVariance - variance) / varianceBound);
    }
}
