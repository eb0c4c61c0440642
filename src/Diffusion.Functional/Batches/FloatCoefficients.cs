using System.Runtime.CompilerServices;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Batches;

/// <summary>
/// The float32 coefficients of the batch kernels: the schedule's double values (DDPM eqs. 4 and 7), each rounded
/// once to the nearest float. Tests rebuild the kernels' formulas from these.
/// </summary>
internal static class FloatCoefficients
{
    /// <summary>(a, s) = (√ᾱ_t, √(1 − ᾱ_t)) of q(x_t | x_0) (DDPM eq. 4), as <c>ForwardProcess.Marginal</c> has them.</summary>
    public static (float Scale, float Sigma) Forward(NoiseSchedule schedule, int t) =>
        ((float)schedule.SqrtAlphaBar(t), (float)schedule.SqrtOneMinusAlphaBar(t));

    /// <summary>(c_x0, c_xt, σ) of q(x_{t−1} | x_t, x_0) (DDPM eq. 7), σ = √β̃_t, as <c>Posterior.Kernel</c> has them.</summary>
    public static (float CoefX0, float CoefXt, float Sigma) Posterior(NoiseSchedule schedule, int t) =>
        ((float)schedule.PosteriorMeanCoefX0(t), (float)schedule.PosteriorMeanCoefXt(t), (float)Math.Sqrt(schedule.PosteriorVariance(t)));
}
