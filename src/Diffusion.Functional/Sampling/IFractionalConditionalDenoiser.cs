using System.Numerics;
using Diffusion.Functional.Images;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// A class-conditional network defined between its training grid's timesteps (Ho &amp; Salimans 2022, §3.2, at
/// k-diffusion's fractional timesteps): the contract of <see cref="IConditionalBatchDenoiser{T}"/> at a real 1-based
/// t ∈ [1, T], where <see cref="IConditionalBatchDenoiser{T}.Predict"/> at an integer t is <see cref="PredictAt"/> at that t.
/// <see cref="ConditionalBatchDenoiser.WithLabel{T}"/> and <see cref="ClassifierFreeGuidance.Create{T}"/> make an
/// <see cref="IContinuousDenoiser{T}"/> of one that predicts no learned variance, so that the samplers that evaluate the
/// denoiser between the grid's noise levels run with it (docs/samplers.md, "Where the denoiser is evaluated").
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public interface IFractionalConditionalDenoiser<T> : IConditionalBatchDenoiser<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Writes the prediction (of <see cref="IConditionalBatchDenoiser{T}.Target"/>) for every image of
    /// <paramref name="xt"/> at its label and its real timestep (Ho &amp; Salimans 2022, §3.2): a pure function of
    /// (x_t, t, y) of each image that never writes into x_t.
    /// </summary>
    /// <param name="xt">The batch x_t.</param>
    /// <param name="timesteps">One 1-based timestep per image, a real number in [1, T] (<see cref="ContinuousDenoiser.FractionalTimestep"/>'s count).</param>
    /// <param name="labels">One label per image: 0..ClassCount − 1 or the unconditional label.</param>
    /// <param name="prediction">Receives N·C·H·W values.</param>
    void PredictAt(ImageBatch<T> xt, ReadOnlySpan<double> timesteps, ReadOnlySpan<int> labels, Span<T> prediction);
}
