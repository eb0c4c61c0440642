using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Denoisers;

/// <summary>
/// The denoiser that knows the data: it predicts x_0 itself, or the ε = (x_t − √ᾱ_t·x_0)/√(1 − ᾱ_t) and
/// v = √ᾱ_t·ε − √(1 − ᾱ_t)·x_0 that x_t and x_0 imply (DDPM eq. 4). With it, DDPM fixed-small sampling is the oracle
/// chain q(x_{t−1} | x_t, x_0), and every term L_{t−1} of the variational bound is zero.
/// </summary>
public static class OracleDenoiser
{
    /// <summary>
    /// The oracle for <paramref name="x0"/> predicting <paramref name="target"/>, for the given schedule: at (x_t, t) it
    /// returns x_0 itself, ε = (x_t − √ᾱ_t·x_0)/√(1 − ᾱ_t) (DDPM eq. 4) or v = √ᾱ_t·ε − √(1 − ᾱ_t)·x_0
    /// (Salimans &amp; Ho 2022).
    /// </summary>
    /// <param name="schedule">The schedule whose timesteps the denoiser is called with.</param>
    /// <param name="x0">The data; every x_t it is given must have its shape.</param>
    /// <param name="target">What it predicts.</param>
    public static Denoiser Create(NoiseSchedule schedule, Image x0, PredictionTarget target)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(x0);
        var truth = new Prediction(PredictionTarget.X0, x0);
        return Denoiser.Create(schedule, target, (xt, t) =>
        {
            x0.RequireSameShape(xt, nameof(xt));
            return PredictionConversions.Convert(truth, target, xt, NoiseLevel.At(schedule, t)).Value;
        });
    }
}
