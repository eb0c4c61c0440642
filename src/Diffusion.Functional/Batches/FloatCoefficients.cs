using System.Runtime.CompilerServices;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Batches;

/// <summary>
/// The float32 coefficients of the batch kernels: the schedule's double values (DDPM eqs. 4 and 7), each rounded
/// once to the nearest float. Tests rebuild the kernels' formulas from these.
/// </summary>
internal static class FloatCoefficients
{
    // Forward's two coefficients come from two methods, not as a tuple: ValueTuple<float, float> would be one more
    // generic type for a process's first forward call to load (about 60 µs on Zen 1, docs/performance.md).

    /// <summary>a = √ᾱ_t of q(x_t | x_0) (DDPM eq. 4), as <c>ForwardProcess.Marginal</c> has it.</summary>
    public static float ForwardScale(NoiseSchedule schedule, int t) => (float)schedule.SqrtAlphaBar(t);

    /// <summary>s = √(1 − ᾱ_t) of q(x_t | x_0) (DDPM eq. 4), as <c>ForwardProcess.Marginal</c> has it.</summary>
    public static float ForwardSigma(NoiseSchedule schedule, int t) => (float)schedule.SqrtOneMinusAlphaBar(t);

    /// <summary>(c_x0, c_xt, σ) of q(x_{t−1} | x_t, x_0) (DDPM eq. 7), σ = √β̃_t, as <c>Posterior.Kernel</c> has them.</summary>
    public static (float CoefX0, float CoefXt, float Sigma) Posterior(NoiseSchedule schedule, int t) =>
        ((float)schedule.PosteriorMeanCoefX0(t), (float)schedule.PosteriorMeanCoefXt(t), (float)Math.Sqrt(schedule.PosteriorVariance(t)));
}
