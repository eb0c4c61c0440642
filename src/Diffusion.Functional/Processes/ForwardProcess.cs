using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Numerics;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Processes;

/// <summary>
/// The forward (noising) process of DDPM (Ho et al. 2020, §2): the one-step kernel q(x_t | x_{t−1}) (eq. 2) and
/// its closed-form marginal q(x_t | x_0) (eq. 4). Noise enters with a plus sign: x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε.
/// </summary>
public static class ForwardProcess
{
    /// <summary>q(x_t | x_0) = N(√ᾱ_t·x_0, (1 − ᾱ_t) I) as a kernel (DDPM eq. 4). Range of t: 1..T.</summary>
    public static LinearGaussianKernel Marginal(NoiseSchedule schedule, int t)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        Guard.Timestep(t, schedule.Steps);
        return new LinearGaussianKernel(0, t, schedule.SqrtAlphaBar(t), schedule.OneMinusAlphaBar(t));
    }

    /// <summary>q(x_t | x_0) for an image x_0 (DDPM eq. 4). Range of t: 1..T.</summary>
    public static GaussianImage Marginal(NoiseSchedule schedule, Image x0, int t) => Marginal(schedule, t).Apply(x0);

    /// <summary>q(x_t | x_{t−1}) = N(√α_t·x_{t−1}, β_t I) as a kernel (DDPM eq. 2). Range of t: 1..T.</summary>
    public static LinearGaussianKernel Step(NoiseSchedule schedule, int t)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        Guard.Timestep(t, schedule.Steps);
        return new LinearGaussianKernel(t - 1, t, Math.Sqrt(schedule.Alpha(t)), schedule.Beta(t));
    }

    /// <summary>
    /// A sample of q(x_t | x_0) for given noise: x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε (DDPM eq. 4, reparameterised as in
    /// Algorithm 1). Range of t: 1..T; ε must have x_0's shape.
    /// </summary>
    public static Image Sample(NoiseSchedule schedule, Image x0, int t, Image noise)
    {
        ArgumentNullException.ThrowIfNull(x0);
        x0.RequireSameShape(noise, nameof(noise));
        return Marginal(schedule, t).Sample(x0, noise);
    }

    /// <summary>A sample of q(x_t | x_0) with ε drawn from the keyed stream <paramref name="key"/> (DDPM eq. 4).</summary>
    public static Image Sample(NoiseSchedule schedule, Image x0, int t, NoiseKey key)
    {
        ArgumentNullException.ThrowIfNull(x0);
        return Sample(schedule, x0, t, NoiseImage.StandardNormalLike(key, x0));
    }

    /// <summary>A sample of q(x_t | x_{t−1}) for given noise: x_t = √α_t·x_{t−1} + √β_t·ε (DDPM eq. 2). Range of t: 1..T.</summary>
    public static Image SampleStep(NoiseSchedule schedule, Image previous, int t, Image noise)
    {
        ArgumentNullException.ThrowIfNull(previous);
        previous.RequireSameShape(noise, nameof(noise));
        return Step(schedule, t).Sample(previous, noise);
    }
}
