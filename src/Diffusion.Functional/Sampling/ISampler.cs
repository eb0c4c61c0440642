using System.Numerics;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// A reverse sampler that owns its loop (k-diffusion's <c>sample_*(model, x, sigmas)</c> shape): from x at the chain's
/// first step τ_N down to x_0, calling the denoiser on the whole batch at each evaluation, keeping whatever state it
/// needs (a previous x̂_0 for a multistep solver) as locals of <see cref="Run{T}"/>. Any assembly can add one.
/// </summary>
public interface ISampler
{
    /// <summary>Denoiser evaluations per step of the chain (1 for DDPM and DDIM, 2 for Heun's method).</summary>
    int EvaluationsPerStep { get; }

    /// <summary>Throws an <see cref="ArgumentException"/> when this sampler cannot run with that denoiser (checked once per chain; docs/sampling.md).</summary>
    void RequireCompatible<T>(IBatchDenoiser<T> denoiser) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Runs the chain of <paramref name="run"/> and returns x_0 for every image (the sampler's own update; docs/sampling.md).</summary>
    ImageBatch<T> Run<T>(SamplerRun<T> run) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>
/// Fills <paramref name="destination"/> with the standard normal z of image <paramref name="image"/> for the step from
/// original timestep <paramref name="timestep"/> (called only for steps that draw noise).
/// </summary>
public delegate void StepNoise<T>(int image, int timestep, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>Receives every step of a chain, with the states and estimates the sampler already computed.</summary>
public interface ISamplerObserver<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Called after each step, in chain order (docs/sampling.md, "Observing a run").</summary>
    void OnStep(SamplerStepReport<T> report);
}

/// <summary>One step of a chain as a sampler reports it: x_{τ_i}, the estimates x̂_0 and ε̂ at it, and x_{τ_{i−1}}.</summary>
/// <param name="Step">The step taken.</param>
/// <param name="Xt">x_{τ_i}, the state the step started from.</param>
/// <param name="PredictedX0">x̂_0 after processing, as the step used it.</param>
/// <param name="PredictedEpsilon">ε̂ consistent with x̂_0 and x_{τ_i}.</param>
/// <param name="Next">x_{τ_{i−1}} (x_0 after the last step).</param>
public sealed record SamplerStepReport<T>(ReverseStep Step, ImageBatch<T> Xt, ImageBatch<T> PredictedX0, ImageBatch<T> PredictedEpsilon, ImageBatch<T> Next)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// Everything a sampler needs for one chain, validated once when it is made: the chain, the denoiser (for the chain's
/// original schedule), the starting batch x_{τ_N} and one noise key per image. Image k's step from τ draws
/// z from <c>ImageKeys[k].Child(τ)</c> (docs/conventions.md), so image k's result never depends on the rest of the batch,
/// its position in it, or the thread count.
/// </summary>
public sealed record SamplerRun<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A run, checked: the denoiser belongs to <paramref name="plan"/>'s original schedule, an ε-denoiser is never
    /// asked for x̂_0 where ᾱ = 0, and there is one key per image.</summary>
    /// <param name="plan">The chain (use <see cref="RespacedSchedule.Full"/> for all T steps).</param>
    /// <param name="denoiser">The model, for <see cref="RespacedSchedule.Original"/>.</param>
    /// <param name="start">x at the chain's first step τ_N.</param>
    /// <param name="imageKeys">One key per image of <paramref name="start"/>.</param>
    public SamplerRun(RespacedSchedule plan, IBatchDenoiser<T> denoiser, ImageBatch<T> start, IReadOnlyList<NoiseKey> imageKeys)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(denoiser);
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(imageKeys);
        ModelEstimate.RequireCompatible(plan, denoiser.Schedule, denoiser.Target, denoiser.ToString() ?? "the denoiser");
        if (imageKeys.Count != start.Count)
            throw new ArgumentException($"imageKeys has {imageKeys.Count} keys but the batch has {start.Count} images; give one key per image.", nameof(imageKeys));
        Plan = plan;
        Denoiser = denoiser;
        Start = start;
        _imageKeys = imageKeys.ToArray();
    }

    /// <summary>The chain.</summary>
    public RespacedSchedule Plan { get; }

    /// <summary>The model.</summary>
    public IBatchDenoiser<T> Denoiser { get; }

    /// <summary>x_{τ_N}.</summary>
    public ImageBatch<T> Start { get; }

    /// <summary>Image k's key; its step from τ draws from <c>ImageKeys[k].Child(τ)</c>.</summary>
    public IReadOnlyList<NoiseKey> ImageKeys => _imageKeys;

    // An array, so that the per-image key of every step is an array read, not an interface call.
    private readonly NoiseKey[] _imageKeys;

    /// <summary>Receives every step (null: nobody listens, and no copies are made).</summary>
    public ISamplerObserver<T>? Observer { get; init; }

    /// <summary>Thread limit and cancellation for the per-image work; null runs on the calling thread.</summary>
    public ParallelOptions? Parallel { get; init; }

    /// <summary>Replaces the keyed noise (tests and the Func-based wrappers); null draws from <see cref="ImageKeys"/>.</summary>
    public StepNoise<T>? Noise { get; init; }

    /// <summary>The key of image k's step from original timestep τ: <c>ImageKeys[k].Child(τ)</c> (docs/conventions.md).</summary>
    public NoiseKey StepKey(int image, int timestep) => _imageKeys[image].Child((ulong)timestep);
}
