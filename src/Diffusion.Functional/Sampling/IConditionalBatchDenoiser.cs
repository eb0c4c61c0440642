using System.Numerics;
using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// A class-conditional batched denoiser ε(x_t, t, y) (Ho &amp; Salimans 2022, §3.2): the contract of
/// <see cref="IBatchDenoiser{T}"/> with one class label per image, where <see cref="UnconditionalLabel"/> is the null
/// label the model was trained with by label dropout, so that one network gives both ε(x_t, t, y) and ε(x_t, t).
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public interface IConditionalBatchDenoiser<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The schedule the denoiser was trained on; its timesteps 1..T are what <see cref="Predict"/> receives.</summary>
    NoiseSchedule Schedule { get; }

    /// <summary>What the prediction estimates: ε, x_0 or v.</summary>
    PredictionTarget Target { get; }

    /// <summary>True when <see cref="Predict"/> also writes the learned-range variance interpolation.</summary>
    bool PredictsVariance { get; }

    /// <summary>The classes: the conditional labels are 0..ClassCount − 1.</summary>
    int ClassCount { get; }

    /// <summary>The null label y = ∅ that asks for the unconditional prediction ε(x_t, t) (Ho &amp; Salimans 2022, §3.2).</summary>
    int UnconditionalLabel { get; }

    /// <summary>
    /// Writes the prediction for every image of <paramref name="xt"/> given its label (x_t's layout), as
    /// <see cref="IBatchDenoiser{T}.Predict"/> does (Ho &amp; Salimans 2022, §3.2): a pure function of (x_t, t, y) of each image that never writes into x_t.
    /// </summary>
    /// <param name="xt">The batch x_t.</param>
    /// <param name="timesteps">One 1-based timestep per image, each in 1..T.</param>
    /// <param name="labels">One label per image: 0..ClassCount − 1 or <see cref="UnconditionalLabel"/>.</param>
    /// <param name="prediction">Receives N·C·H·W values.</param>
    /// <param name="varianceInterpolation">Receives N·C·H·W values, or is empty for a model without learned variance.</param>
    void Predict(ImageBatch<T> xt, ReadOnlySpan<int> timesteps, ReadOnlySpan<int> labels, Span<T> prediction, Span<T> varianceInterpolation);
}
