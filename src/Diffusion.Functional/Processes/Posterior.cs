using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Numerics;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Processes;

/// <summary>
/// The reverse transition kernel of the forward process given the data: q(x_{t−1} | x_t, x_0) (DDPM eqs. 6–7), and
/// the jump q(x_s | x_t, x_0) for any 0 ≤ s &lt; t. These are the seed notebook's "Lemma 2.2.2", with 1-based t.
/// </summary>
public static class Posterior
{
    /// <summary>
    /// q(x_{t−1} | x_t, x_0) = N(μ̃_t, β̃_t I) with μ̃_t = √ᾱ_{t−1}β_t/(1 − ᾱ_t)·x_0 + √α_t(1 − ᾱ_{t−1})/(1 − ᾱ_t)·x_t
    /// and β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t)·β_t (DDPM eq. 7). Range of t: 1..T; at t = 1 the kernel is the point mass at x_0.
    /// </summary>
    public static PosteriorKernel Kernel(NoiseSchedule schedule, int t)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        Guard.Timestep(t, schedule.Steps);
        return new PosteriorKernel(t, t - 1, schedule.PosteriorMeanCoefX0(t), schedule.PosteriorMeanCoefXt(t), schedule.PosteriorVariance(t));
    }

    /// <summary>
    /// q(x_s | x_t, x_0) for 0 ≤ s &lt; t ≤ T: with ᾱ_{t|s} = ᾱ_t/ᾱ_s and σ²_{t|s} = 1 − ᾱ_{t|s}, the mean is
    /// √ᾱ_s σ²_{t|s}/(1 − ᾱ_t)·x_0 + √ᾱ_{t|s}(1 − ᾱ_s)/(1 − ᾱ_t)·x_t and the variance σ²_{t|s}(1 − ᾱ_s)/(1 − ᾱ_t)
    /// (Bayes' rule on q(x_t | x_s) = N(√ᾱ_{t|s}·x_s, σ²_{t|s} I) and DDPM eq. 4). s = t − 1 gives <see cref="Kernel"/>; s = 0 the point mass at x_0.
    /// </summary>
    public static PosteriorKernel Jump(NoiseSchedule schedule, int t, int s)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        Guard.Timestep(t, schedule.Steps);
        if (s < 0 || s >= t)
            throw new ArgumentOutOfRangeException(nameof(s), s, $"s = {s} is outside 0..{t - 1}: a posterior jump goes from t = {t} to an earlier step s, 0 ≤ s < t.");
        if (s == 0) return new PosteriorKernel(t, 0, 1.0, 0.0, 0.0);

        // σ²_{t|s} = 1 − ᾱ_t/ᾱ_s = −expm1(log ᾱ_t − log ᾱ_s), exactly β_t when s = t − 1.
        double gapVariance = s == t - 1 ? schedule.Beta(t) : -AccurateMath.ExpM1(schedule.LogAlphaBar(t) - schedule.LogAlphaBar(s));
        double gapScale = Math.Sqrt(schedule.AlphaBar(t) / schedule.AlphaBar(s));
        double oneMinusT = schedule.OneMinusAlphaBar(t), oneMinusS = schedule.OneMinusAlphaBar(s);
        return new PosteriorKernel(
            t,
            s,
            schedule.SqrtAlphaBar(s) * gapVariance / oneMinusT,
            gapScale * oneMinusS / oneMinusT,
            gapVariance * oneMinusS / oneMinusT);
    }

    /// <summary>q(x_{t−1} | x_t, x_0) for images (DDPM eqs. 6–7). Range of t: 1..T; x_t and x_0 of one shape.</summary>
    public static GaussianImage Of(NoiseSchedule schedule, Image xt, Image x0, int t)
    {
        ArgumentNullException.ThrowIfNull(x0);
        x0.RequireSameShape(xt, nameof(xt));
        return Kernel(schedule, t).Apply(x0, xt);
    }

    /// <summary>
    /// q(x_s | x_t, x_0) for images, 0 ≤ s &lt; t: the Gaussian of <see cref="Jump"/>, by Bayes' rule on DDPM eq. 4 (the
    /// square of docs/posterior.md with ᾱ_t/ᾱ_s in place of α_t). x_t and x_0 of one shape.
    /// </summary>
    public static GaussianImage Of(NoiseSchedule schedule, Image xt, Image x0, int t, int s)
    {
        ArgumentNullException.ThrowIfNull(x0);
        x0.RequireSameShape(xt, nameof(xt));
        return Jump(schedule, t, s).Apply(x0, xt);
    }

    /// <summary>A sample x_{t−1} = μ̃_t + √β̃_t·ε of q(x_{t−1} | x_t, x_0) for given noise (DDPM eqs. 6–7).</summary>
    public static Image Sample(NoiseSchedule schedule, Image xt, Image x0, int t, Image noise)
    {
        ArgumentNullException.ThrowIfNull(x0);
        x0.RequireSameShape(xt, nameof(xt));
        x0.RequireSameShape(noise, nameof(noise));
        return Kernel(schedule, t).Sample(x0, xt, noise);
    }

    /// <summary>A sample of q(x_{t−1} | x_t, x_0) with ε from the keyed stream <paramref name="key"/> (DDPM eqs. 6–7).</summary>
    public static Image Sample(NoiseSchedule schedule, Image xt, Image x0, int t, NoiseKey key)
    {
        ArgumentNullException.ThrowIfNull(x0);
        return Sample(schedule, xt, x0, t, NoiseImage.StandardNormalLike(key, x0));
    }
}
