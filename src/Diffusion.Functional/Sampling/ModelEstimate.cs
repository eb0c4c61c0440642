using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// The pair (x̂_0, ε̂) that every reverse step needs, from one denoiser output: converted exactly from the model's
/// parameterisation, x̂_0 processed, and ε̂ re-derived from the processed x̂_0 when processing changed it
/// (improved-diffusion's <c>_predict_eps_from_xstart</c> after <c>process_xstart</c>).
/// </summary>
internal static class ModelEstimate
{
    public static (Image X0, Image Epsilon) Of(PredictionTarget target, Image prediction, Image xt, NoiseLevel level, X0Processing processing)
    {
        var typed = new Prediction(target, prediction);
        Image x0 = PredictionConversions.ToX0(typed, xt, level);
        Image processed = processing.Apply(x0);
        Image epsilon = ReferenceEquals(processed, x0)
            ? PredictionConversions.ToEpsilon(typed, xt, level)
            : PredictionConversions.ToEpsilon(new Prediction(PredictionTarget.X0, processed), xt, level);
        return (processed, epsilon);
    }

    /// <summary>
    /// The checks every sampler makes before it starts: the denoiser belongs to the chain's original schedule, and an
    /// ε-predicting denoiser is never asked for x_0 where ᾱ = 0 (zero terminal SNR; diffusers issue #3851).
    /// </summary>
    public static void RequireCompatible(RespacedSchedule plan, Denoiser denoiser, SamplerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(denoiser);
        ArgumentNullException.ThrowIfNull(settings);
        if (!denoiser.Schedule.Equals(plan.Original))
            throw new ArgumentException(
                $"The denoiser was made for {denoiser.Schedule.Description} but the chain respaces {plan.Original.Description}; " +
                "its timesteps would mean different noise levels.", nameof(denoiser));
        if (denoiser.Target == PredictionTarget.Epsilon && plan.Schedule.AlphaBar(plan.Count) == 0.0)
            throw new ArgumentException(
                $"An ε-predicting denoiser cannot be sampled on {plan.Schedule.Description}: ᾱ = 0 at its first step τ_N = {plan.Timesteps[^1]} " +
                "(zero terminal SNR), where x̂_0 = (x_t − √(1 − ᾱ)·ε̂)/√ᾱ divides by zero (diffusers issue #3851). " +
                "Use a denoiser that predicts v or x_0 (Lin et al. 2024, §3.2).", nameof(denoiser));
        if (settings is DdpmSettings { Variance: DdpmVariance.LearnedRange } && !denoiser.PredictsVariance)
            throw new ArgumentException(
                $"The settings ask for the learned-range variance but {denoiser} predicts no variance interpolation; " +
                "use FixedSmall or FixedLarge, or a denoiser made with Denoiser.CreateWithLearnedVariance.", nameof(settings));
    }
}
