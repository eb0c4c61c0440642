using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;
using Diffusion.Functional.Tests.Support;

namespace Diffusion.Functional.Tests.Sampling;

/// <summary>
/// End to end with the exact denoiser of Gaussian data N(μ, σ²): sampling from pure noise gives back N(μ, σ²).
/// Every step is affine in x_t and its noise, so a sampler's output law is exactly N(m, v), read off by
/// <see cref="AffineSamplerLaw"/>: the law is checked against N(μ, σ²) (the discretisation error of each sampler), and
/// samples are checked against the law with tolerances derived from their number n (<see cref="SampleMoments"/>, 5
/// standard errors). The samples are the pixels of one image: the data and the denoiser act on each pixel alone.
/// </summary>
public class GaussianDataSamplingTests
{
    private const double Mu = 0.3, Sigma2 = 0.25;

    private static readonly NoiseSchedule Ddpm = NoiseSchedule.Linear(1000, 1e-4, 0.02); // Ho et al. 2020's schedule

    private static ISampler Settings(string name) => name switch
    {
        "ddpm-small" => new DdpmSampler(DdpmVariance.FixedSmall),
        "ddpm-large" => new DdpmSampler(DdpmVariance.FixedLarge),
        "ddim-0" => new DdimSampler(0.0),
        "ddim-1" => new DdimSampler(1.0),
        _ => throw new ArgumentException(name),
    };

    private static Denoiser DenoiserOfWidth(int width, PredictionTarget target) =>
        new GaussianData(Image.Filled(width, 1, Mu), Sigma2).Denoiser(Ddpm, target);

    [Theory]
    // |v/σ² − 1| allowed; measured: 1.55 %, 0.30 %, 0.60 %, 1.55 % (η = 1 has exactly the DDPM fixed-small law).
    [InlineData("ddpm-small", 0.02)]
    [InlineData("ddpm-large", 0.005)]
    [InlineData("ddim-0", 0.01)]
    [InlineData("ddim-1", 0.02)]
    public void ExactOutputLaw_OfTheFullChain_IsTheDataWithinTheDiscretisationError(string sampler, double varianceTolerance)
    {
        // x_T ~ N(0, 1) instead of q(x_T) = N(√ᾱ_T·μ, …) moves the mean by at most √ᾱ_T·|μ| = 0.0019 (ᾱ_1000 = 4.0e-5);
        // the variance errs by the choice of σ_t² at each step (β̃_t is too small, β_t slightly large; Ho et al. 2020, §3.2),
        // and DDIM's deterministic steps shrink it a little.
        var law = AffineSamplerLaw.Of(RespacedSchedule.Full(Ddpm), w => DenoiserOfWidth(w, PredictionTarget.Epsilon), Settings(sampler), 0.0, 1.0);
        Approx.Absolute(Mu, law.Mean, 0.002, $"{sampler}: mean of the exact output law");
        Approx.Relative(Sigma2, law.Variance, varianceTolerance, $"{sampler}: variance of the exact output law");
    }

    [Theory]
    [InlineData("ddpm-small", PredictionTarget.Epsilon)]
    [InlineData("ddpm-large", PredictionTarget.X0)]
    [InlineData("ddim-0", PredictionTarget.V)]
    [InlineData("ddim-1", PredictionTarget.Epsilon)]
    public void Samples_OnA100StepChain_HaveTheSamplersExactLaw(string sampler, PredictionTarget target)
    {
        // 100 trailing steps; n = 40 000 samples (standard errors 0.0024 for the mean, 0.0018 for the variance here).
        RespacedSchedule plan = RespacedSchedule.Uniform(Ddpm, 100);
        ISampler settings = Settings(sampler);
        var law = AffineSamplerLaw.Of(plan, w => DenoiserOfWidth(w, target), settings, 0.0, 1.0);
        var data = new GaussianData(Image.Filled(200, 200, Mu), Sigma2);
        Image x0 = ReverseSampler.Generate(plan, data.Denoiser(Ddpm, target), settings, 200, 200, NoiseKey.FromSeed(2024));
        SampleMoments.AssertGaussianMoments(x0.ToArray(), law.Mean, law.Variance, $"{sampler} ({target}), 100 steps");
    }

    [Fact]
    public void Samples_OfTheFullDdpmChain_HaveTheDataMeanAndVariance()
    {
        // The statement itself, with no model of the sampler: n = 10 000 samples of DDPM (β_t variance, T = 1000) from
        // pure noise, against N(μ, σ²) to 5 standard errors (0.025 for the mean, 0.018 for the variance). The sampler's
        // own bias (0.3 % of σ², 0.0001 in the mean; the theory above) is below a tenth of that.
        var data = new GaussianData(Image.Filled(100, 100, Mu), Sigma2);
        Image x0 = ReverseSampler.Generate(RespacedSchedule.Full(Ddpm), data.Denoiser(Ddpm, PredictionTarget.Epsilon),
            new DdpmSampler(DdpmVariance.FixedLarge), 100, 100, NoiseKey.FromSeed(7));
        SampleMoments.AssertGaussianMoments(x0.ToArray(), Mu, Sigma2, "DDPM fixed-large, T = 1000");
    }

    [Fact]
    public void ExactOutputLaw_OfDdimWithEtaOne_IsTheDdpmFixedSmallLaw_OnAnyChain()
    {
        foreach (int steps in new[] { 1000, 50, 7 })
        {
            RespacedSchedule plan = RespacedSchedule.Uniform(Ddpm, steps);
            var ddpm = AffineSamplerLaw.Of(plan, w => DenoiserOfWidth(w, PredictionTarget.X0), new DdpmSampler(DdpmVariance.FixedSmall), 0.0, 1.0);
            var ddim = AffineSamplerLaw.Of(plan, w => DenoiserOfWidth(w, PredictionTarget.X0), new DdimSampler(1.0), 0.0, 1.0);
            Approx.Absolute(ddpm.Mean, ddim.Mean, 1e-12, $"{steps} steps: mean");
            Approx.Relative(ddpm.Variance, ddim.Variance, 1e-10, $"{steps} steps: variance");
        }
    }
}
