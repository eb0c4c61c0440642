using System.Runtime.CompilerServices;
using System.Numerics;
using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// The pair (x̂_0, ε̂) that every reverse step needs, from one denoiser output: converted exactly from the model's
/// parameterisation, x̂_0 processed, and ε̂ re-derived from the processed x̂_0 when processing changed it
/// (improved-diffusion's <c>_predict_eps_from_xstart</c> after <c>process_xstart</c>). One implementation for float
/// and double, one image at a time.
/// </summary>
internal static class ModelEstimate
{
    /// <summary>
    /// x̂_0 and ε̂ of one image from its prediction (the samplers' per-image work); returns the x̂_0 to use. With
    /// <paramref name="needEpsilon"/> false (a sampler that uses x̂_0 alone and has no observer) ε̂ is left unwritten, and
    /// an unprocessed x_0-prediction is returned as it is, without a copy into <paramref name="x0"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ReadOnlySpan<T> Of<T>(
        PredictionTarget target, NoiseLevel level, X0Processing processing,
        ReadOnlySpan<T> xt, ReadOnlySpan<T> prediction, Span<T> x0, Span<T> epsilon, bool needEpsilon = true)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool unprocessed = processing is X0Processing.None;
        if (!needEpsilon && unprocessed && target == PredictionTarget.X0) return prediction;
        T a = T.CreateTruncating(level.SqrtAlphaBar), s = T.CreateTruncating(level.SqrtOneMinusAlphaBar);
        PredictionConversions.ConvertUnchecked(target, PredictionTarget.X0, prediction, xt, a, s, x0);
        bool changed = !unprocessed && processing.ApplyTo<T>(x0, x0);
        if (!needEpsilon) return x0;
        if (changed) PredictionConversions.ConvertUnchecked<T>(PredictionTarget.X0, PredictionTarget.Epsilon, x0, xt, a, s, epsilon);
        else PredictionConversions.ConvertUnchecked(target, PredictionTarget.Epsilon, prediction, xt, a, s, epsilon);
        return x0;
    }

    /// <summary>The same for one double <see cref="Image"/> (the single-step API and the likelihood).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (Image X0, Image Epsilon) Of(PredictionTarget target, Image prediction, Image xt, NoiseLevel level, X0Processing processing)
    {
        PredictionConversions.RequireConvertible(target, PredictionTarget.X0, level);
        var x0 = new double[xt.PixelCount];
        var epsilon = new double[xt.PixelCount];
        Of<double>(target, level, processing, xt.Pixels, prediction.Pixels, x0, epsilon);
        return (Image.Own(xt.Width, xt.Height, x0), Image.Own(xt.Width, xt.Height, epsilon));
    }

    /// <summary>
    /// The checks every chain makes once before it starts: the denoiser belongs to the chain's original schedule, and an
    /// ε-predicting denoiser is never asked for x_0 where ᾱ = 0 (zero terminal SNR; diffusers issue #3851).
    /// </summary>
    public static void RequireCompatible(RespacedSchedule plan, NoiseSchedule denoiserSchedule, PredictionTarget target, string denoiserName)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(denoiserSchedule);
        if (!ReferenceEquals(denoiserSchedule, plan.Original) && !denoiserSchedule.Equals(plan.Original))
            throw new ArgumentException(
                $"The denoiser was made for {denoiserSchedule.Description} but the chain respaces {plan.Original.Description}; " +
                "its timesteps would mean different noise levels.", "denoiser");
        if (target == PredictionTarget.Epsilon && plan.Schedule.AlphaBar(plan.Count) == 0.0)
            throw new ArgumentException(
                $"An ε-predicting denoiser cannot be sampled on {plan.Schedule.Description}: ᾱ = 0 at its first step τ_N = {plan.Timesteps[^1]} " +
                "(zero terminal SNR), where x̂_0 = (x_t − √(1 − ᾱ)·ε̂)/√ᾱ divides by zero (diffusers issue #3851). " +
                "Use a denoiser that predicts v or x_0 (Lin et al. 2024, §3.2).", "denoiser");
    }

    /// <summary>Both checks for the one-image API: the chain's (above) and the sampler's own.</summary>
    public static void RequireCompatible(RespacedSchedule plan, Denoiser denoiser, ISampler sampler)
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        ArgumentNullException.ThrowIfNull(sampler, "settings");
        RequireCompatible(plan, denoiser.Schedule, denoiser.Target, denoiser.ToString());
        sampler.RequireCompatible<double>(denoiser);
    }

    /// <summary>A learned-range sampler needs a denoiser that predicts the variance interpolation.</summary>
    public static void RequireLearnedVariance(bool predictsVariance, string denoiserName)
    {
        if (!predictsVariance)
            throw new ArgumentException(
                $"The sampler asks for the learned-range variance but {denoiserName} predicts no variance interpolation; " +
                "use FixedSmall or FixedLarge, or a denoiser made with Denoiser.CreateWithLearnedVariance.", "settings");
    }
}
