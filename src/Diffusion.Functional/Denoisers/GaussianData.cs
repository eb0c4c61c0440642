using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Numerics;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Processes;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Denoisers;

/// <summary>
/// Gaussian data x_0 ~ N(μ, σ² I), the one data distribution whose optimal denoiser is linear: with a = √ᾱ_t,
/// s = √(1 − ᾱ_t) and x_t = a·x_0 + s·ε, the marginal is q(x_t) = N(a·μ, (a²σ² + s²) I) and the posterior of the data is
/// Gaussian with E[x_0 | x_t] = μ + a·σ²/(a²σ² + s²)·(x_t − a·μ) and Var[x_0 | x_t] = σ²·s²/(a²σ² + s²) (Bayes' rule for
/// jointly Gaussian variables). Sampling from pure noise with its denoiser gives back N(μ, σ² I) up to the discretisation
/// error of the chain, which shrinks with the number of steps (docs/sampling.md gives the exact output laws).
/// </summary>
/// <param name="Mean">μ, an image (each pixel its own mean).</param>
/// <param name="Variance">σ², range σ² ≥ 0 (0: the data is the point μ).</param>
public sealed record GaussianData(Image Mean, double Variance)
{
    /// <summary>μ.</summary>
    public Image Mean { get; } = Mean ?? throw new ArgumentNullException(nameof(Mean));

    /// <summary>σ² ≥ 0.</summary>
    public double Variance { get; } = Variance >= 0.0 && double.IsFinite(Variance)
        ? Variance
        : throw new ArgumentOutOfRangeException(nameof(Variance), Variance, $"Variance = {Variance} is not allowed; a variance must be finite and ≥ 0.");

    /// <summary>q(x_t) = N(√ᾱ_t·μ, (ᾱ_tσ² + 1 − ᾱ_t) I), the law of x_t when x_0 is this data (DDPM eq. 4). Range of t: 0..T.</summary>
    public GaussianImage Marginal(NoiseSchedule schedule, int t)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        double a = schedule.SqrtAlphaBar(t);
        return new GaussianImage(Mean.Scaled(a), schedule.AlphaBar(t) * Variance + schedule.OneMinusAlphaBar(t));
    }

    /// <summary>
    /// E[x_0 | x_t] = μ + √ᾱ_t·σ²/(ᾱ_tσ² + 1 − ᾱ_t)·(x_t − √ᾱ_t·μ), the optimal x_0-prediction (conjugate-Gaussian Bayes'
    /// rule: prior N(μ, σ² I), likelihood q(x_t | x_0) of DDPM eq. 4). Range of t: 1..T.
    /// </summary>
    public Image PosteriorMean(NoiseSchedule schedule, Image xt, int t)
    {
        ArgumentNullException.ThrowIfNull(xt);
        return Predict(schedule, PredictionTarget.X0, xt, t);
    }

    /// <summary>
    /// Var[x_0 | x_t] = σ²(1 − ᾱ_t)/(ᾱ_tσ² + 1 − ᾱ_t), the same for every pixel and every x_t (conjugate-Gaussian Bayes'
    /// rule: prior N(μ, σ² I), likelihood q(x_t | x_0) of DDPM eq. 4). Range of t: 1..T.
    /// </summary>
    public double PosteriorVariance(NoiseSchedule schedule, int t)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        Guard.Timestep(t, schedule.Steps);
        return Variance * schedule.OneMinusAlphaBar(t) / (schedule.AlphaBar(t) * Variance + schedule.OneMinusAlphaBar(t));
    }

    /// <summary>
    /// The optimal denoiser of this data for <paramref name="schedule"/>, predicting <paramref name="target"/> in closed
    /// form: x̂_0 = E[x_0 | x_t] (<see cref="PosteriorMean"/>), ε̂ = E[ε | x_t] = √(1 − ᾱ_t)/(ᾱ_tσ² + 1 − ᾱ_t)·(x_t − √ᾱ_t·μ)
    /// (Bayes' rule on DDPM eq. 4), v̂ = √ᾱ_t·ε̂ − √(1 − ᾱ_t)·x̂_0 (Salimans &amp; Ho 2022).
    /// </summary>
    public Denoiser Denoiser(NoiseSchedule schedule, PredictionTarget target)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        PredictionConversions.RequireDefined(target, nameof(target));
        return Sampling.Denoiser.Create(schedule, target, (xt, t) => Predict(schedule, target, xt, t));
    }

    /// <summary>
    /// A draw x_0 = μ + σ·z ~ N(μ, σ² I), with z ~ N(0, I) the keyed stream <paramref name="key"/> itself, one number per
    /// pixel (the generator: docs/noise.md).
    /// </summary>
    public Image Sample(NoiseKey key) =>
        Image.Combine(1.0, Mean, Math.Sqrt(Variance), NoiseImage.StandardNormalLike(key, Mean));

    private Image Predict(NoiseSchedule schedule, PredictionTarget target, Image xt, int t)
    {
        var (gain, noiseGain) = Gains(schedule, t);
        Mean.RequireSameShape(xt, nameof(xt));
        double a = schedule.SqrtAlphaBar(t), s = schedule.SqrtOneMinusAlphaBar(t);
        // r = x_t − a·μ, the part of x_t the data's mean does not explain.
        Image residual = Image.Combine(1.0, xt, -a, Mean);
        return target switch
        {
            PredictionTarget.X0 => Image.Combine(1.0, Mean, gain, residual),
            PredictionTarget.Epsilon => residual.Scaled(noiseGain),
            PredictionTarget.V => Image.Combine(a * noiseGain - s * gain, residual, -s, Mean),
            _ => throw new ArgumentOutOfRangeException(nameof(target), target, $"target = {target} is not a PredictionTarget (Epsilon, X0 or V)."),
        };
    }

    /// <summary>(a·σ²/D, s/D) with D = ᾱσ² + 1 − ᾱ: the weights of x_t − a·μ in x̂_0 − μ and in ε̂.</summary>
    private (double Gain, double NoiseGain) Gains(NoiseSchedule schedule, int t)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        Guard.Timestep(t, schedule.Steps);
        double total = schedule.AlphaBar(t) * Variance + schedule.OneMinusAlphaBar(t);
        return (schedule.SqrtAlphaBar(t) * Variance / total, schedule.SqrtOneMinusAlphaBar(t) / total);
    }
}
