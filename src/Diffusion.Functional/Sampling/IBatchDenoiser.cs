using System.Numerics;
using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// The one denoiser contract of the samplers: given a batch x_t and the timestep of each image, a pure function that
/// writes its prediction of ε (Ho et al. 2020, eq. 11), x_0 or v (Salimans &amp; Ho 2022) for the whole batch in one call,
/// and, for a learned-range model, the variance interpolation of Nichol &amp; Dhariwal 2021, eq. 15.
/// </summary>
/// <remarks>
/// Timesteps are this library's: 1-based, t ∈ 1..T of <see cref="Schedule"/> (t = 0 is the data). A network trained by
/// diffusers or improved-diffusion counts from 0; wrap it with <see cref="BatchDenoiser.FromNetwork{T}"/>, which hands it
/// t − 1 (docs/conventions.md). A continuous-time model D(x, σ) fits behind the same contract through an adapter that maps
/// each σ of the schedule to its timestep; off-grid σ belong to a separate contract of its own.
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public interface IBatchDenoiser<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The schedule the denoiser was trained on; its timesteps 1..T are what <see cref="Predict"/> receives.</summary>
    NoiseSchedule Schedule { get; }

    /// <summary>What the prediction estimates: ε, x_0 or v.</summary>
    PredictionTarget Target { get; }

    /// <summary>True when <see cref="Predict"/> also writes the learned-range variance interpolation.</summary>
    bool PredictsVariance { get; }

    /// <summary>
    /// Writes the prediction for every image of <paramref name="xt"/> into <paramref name="prediction"/> (x_t's layout) and,
    /// when <see cref="PredictsVariance"/>, the interpolation v ∈ [−1, 1] per value into <paramref name="varianceInterpolation"/>
    /// (empty otherwise), as in docs/sampling.md. Must depend on nothing but (x_t, t) of each image, and never write into <paramref name="xt"/>;
    /// the memory of <paramref name="xt"/> is the sampler's and is reused after the call, so copy what you keep.
    /// </summary>
    /// <param name="xt">The batch x_t.</param>
    /// <param name="timesteps">One 1-based timestep per image, each in 1..T.</param>
    /// <param name="prediction">Receives N·C·H·W values.</param>
    /// <param name="varianceInterpolation">Receives N·C·H·W values, or is empty for a model without learned variance.</param>
    void Predict(ImageBatch<T> xt, ReadOnlySpan<int> timesteps, Span<T> prediction, Span<T> varianceInterpolation);
}
