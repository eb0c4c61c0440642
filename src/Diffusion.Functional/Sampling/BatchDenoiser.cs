using System.Runtime.CompilerServices;
using System.Numerics;
using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Sampling;

/// <summary>A batched prediction function: (x_t, 1-based t per image) ↦ prediction, written into the destination.</summary>
public delegate void BatchPrediction<T>(ImageBatch<T> xt, ReadOnlySpan<int> timesteps, Span<T> prediction)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// A network's prediction function in its own convention: timesteps counted from 0 (diffusers' and improved-diffusion's
/// t_net = t − 1 for this library's t ∈ 1..T).
/// </summary>
public delegate void NetworkPrediction<T>(ImageBatch<T> xt, ReadOnlySpan<int> zeroBasedTimesteps, Span<T> prediction)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>Ways to make an <see cref="IBatchDenoiser{T}"/> from a function (Ho et al. 2020, eq. 11; Salimans &amp; Ho 2022).</summary>
public static class BatchDenoiser
{
    /// <summary>A batched denoiser (x_t, t) ↦ prediction of ε (Ho et al. 2020, eq. 11), x_0 or v, with this library's 1-based t ∈ 1..T.</summary>
    public static IBatchDenoiser<T> Create<T>(NoiseSchedule schedule, PredictionTarget target, BatchPrediction<T> predict)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(predict);
        return new FunctionDenoiser<T>(schedule, target, predict);
    }

    /// <summary>
    /// A network trained with 0-based timesteps (diffusers, improved-diffusion): the samplers' t ∈ 1..T reaches it as
    /// t − 1 ∈ 0..T − 1, so that the network sees the noise level ᾱ_t it was trained on at index t − 1 (docs/conventions.md).
    /// </summary>
    public static IBatchDenoiser<T> FromNetwork<T>(NoiseSchedule schedule, PredictionTarget target, NetworkPrediction<T> network)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        return new FunctionDenoiser<T>(schedule, target, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (xt, timesteps, prediction) =>
        {
            Span<int> zeroBased = timesteps.Length <= 256 ? stackalloc int[timesteps.Length] : new int[timesteps.Length];
            for (int i = 0; i < timesteps.Length; i++) zeroBased[i] = NetworkTimestep(timesteps[i]);
            network(xt, zeroBased, prediction);
        });
    }

    /// <summary>The 0-based timestep t − 1 that a diffusers or improved-diffusion network expects for this library's t ≥ 1 (docs/conventions.md).</summary>
    public static int NetworkTimestep(int t) => t >= 1
        ? t - 1
        : throw new ArgumentOutOfRangeException(nameof(t), t, $"t = {t} is not a timestep of a reverse step; this library's timesteps are 1-based (1..T).");

    private sealed class FunctionDenoiser<T>(NoiseSchedule schedule, PredictionTarget target, BatchPrediction<T> predict) : IBatchDenoiser<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public NoiseSchedule Schedule { get; } = schedule ?? throw new ArgumentNullException(nameof(schedule));

        public PredictionTarget Target { get; } = PredictionConversions.RequireDefined(target, nameof(target));

        public bool PredictsVariance => false;

        public void Predict(ImageBatch<T> xt, ReadOnlySpan<int> timesteps, Span<T> prediction, Span<T> varianceInterpolation) =>
            predict(xt, timesteps, prediction);

        public override string ToString() => $"{PredictionConversions.Symbol(Target)}-denoiser for {Schedule.Description}";
    }
}
