using System.Numerics;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Numerics;
using Diffusion.Functional.Processes;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// Runs any <see cref="ISampler"/> with any denoiser: batches generated from pure noise (DDPM Algorithm 2, line 1, then
/// the sampler's chain), and the one-image chain as the sequence of its states. Keys (docs/conventions.md): image k of a
/// generated batch has the key <c>key.Child(k)</c>; its x_{τ_N} ~ N(0, I) is drawn from <c>key.Child(k).Child(0)</c> and
/// its step from τ from <c>key.Child(k).Child(τ)</c> (τ ≥ 1). So image k is the same bits whatever batch it is computed
/// in, and whatever the thread count.
/// </summary>
public static class ReverseSampler
{
    /// <summary>
    /// <paramref name="count"/> samples generated from pure noise (DDPM Algorithm 2; DDIM, Song et al. 2021, eq. 12; or any
    /// sampler): x_{τ_N} ~ N(0, I) per image from <see cref="StartKey"/> of <c>key.Child(k)</c>, then
    /// <paramref name="sampler"/>'s chain over the whole batch, one denoiser call per evaluation.
    /// </summary>
    /// <param name="sampler">The sampler.</param>
    /// <param name="plan">The chain.</param>
    /// <param name="denoiser">The model, for <see cref="RespacedSchedule.Original"/>.</param>
    /// <param name="count">N ≥ 1.</param>
    /// <param name="channels">C ≥ 1.</param>
    /// <param name="height">H ≥ 1.</param>
    /// <param name="width">W ≥ 1.</param>
    /// <param name="key">The key of the batch; image k uses <c>key.Child(k)</c>.</param>
    /// <param name="parallel">Thread limit and cancellation; null runs on the calling thread.</param>
    /// <param name="observer">Receives every step; null for none.</param>
    public static ImageBatch<T> Generate<T>(
        ISampler sampler, RespacedSchedule plan, IBatchDenoiser<T> denoiser, int count, int channels, int height, int width, NoiseKey key,
        ParallelOptions? parallel = null, ISamplerObserver<T>? observer = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ImageBatch<T>.CheckShape(count, channels, height, width);
        return Generate(sampler, plan, denoiser, ImageKeys(key, count), channels, height, width, parallel, observer);
    }

    /// <summary>
    /// One sample per key, generated from pure noise (DDPM Algorithm 2, or the sampler's chain): image k starts from
    /// <see cref="StartKey"/>(<paramref name="imageKeys"/>[k]) and its step from τ draws from <c>imageKeys[k].Child(τ)</c>.
    /// </summary>
    public static ImageBatch<T> Generate<T>(
        ISampler sampler, RespacedSchedule plan, IBatchDenoiser<T> denoiser, IReadOnlyList<NoiseKey> imageKeys, int channels, int height, int width,
        ParallelOptions? parallel = null, ISamplerObserver<T>? observer = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentNullException.ThrowIfNull(denoiser);
        sampler.RequireCompatible(denoiser);
        ImageBatch<T> start = StartNoise<T>(imageKeys, channels, height, width);
        var run = new SamplerRun<T>(plan, denoiser, start, imageKeys) { Parallel = parallel, Observer = observer };
        return sampler.Run(run);
    }

    /// <summary>The per-image keys of a generated batch: <c>key.Child(k)</c> for k = 0 … count − 1 (docs/conventions.md).</summary>
    public static NoiseKey[] ImageKeys(NoiseKey key, int count)
    {
        Guard.AtLeast(count, 1, nameof(count));
        var keys = new NoiseKey[count];
        for (int k = 0; k < count; k++) keys[k] = key.Child((ulong)k);
        return keys;
    }

    /// <summary>x_{τ_N} ~ N(0, I) for each image (DDPM Algorithm 2, line 1): image k's C·H·W numbers from <c>StartKey(imageKeys[k])</c>.</summary>
    public static ImageBatch<T> StartNoise<T>(IReadOnlyList<NoiseKey> imageKeys, int channels, int height, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(imageKeys);
        int total = ImageBatch<T>.CheckShape(imageKeys.Count, channels, height, width);
        int per = channels * height * width;
        var values = new T[total];
        for (int k = 0; k < imageKeys.Count; k++)
            SamplerKernels.FillNoise<T>(StartKey(imageKeys[k]), null, k, 0, values.AsSpan(k * per, per));
        return ImageBatch<T>.Own(imageKeys.Count, channels, height, width, values);
    }

    /// <summary>
    /// The chain from x_{τ_N} = <paramref name="start"/> to x_0 of one image with any sampler, as its states (τ_N, x_{τ_N}),
    /// …, (0, x_0) (DDPM Algorithm 2, lines 2–6; DDIM: Song et al. 2021, eq. 12), the z of step τ_i from <c>key.Child(τ_i)</c>.
    /// </summary>
    /// <param name="plan">The chain (use <see cref="RespacedSchedule.Full"/> for all T steps).</param>
    /// <param name="denoiser">The model, for <see cref="RespacedSchedule.Original"/>.</param>
    /// <param name="sampler">The sampler.</param>
    /// <param name="start">x at the chain's first step τ_N.</param>
    /// <param name="key">The noise key of the run.</param>
    public static IEnumerable<ChainState> Run(RespacedSchedule plan, Denoiser denoiser, ISampler sampler, Image start, NoiseKey key)
    {
        ArgumentNullException.ThrowIfNull(start);
        return Chain(plan, denoiser, sampler, start, key, null);
    }

    /// <summary>
    /// The same chain with z for the step from τ_i given by <paramref name="noiseForStep"/>(τ_i) (called only for steps
    /// with positive variance, in chain order); DDPM Algorithm 2, lines 2–6, or the sampler's own update.
    /// </summary>
    public static IEnumerable<ChainState> Run(RespacedSchedule plan, Denoiser denoiser, ISampler sampler, Image start, Func<int, Image> noiseForStep)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(noiseForStep);
        StepNoise<double> noise = (_, t, destination) =>
        {
            Image z = noiseForStep(t) ?? throw new ArgumentException($"noiseForStep({t}) returned null; it must return an image.", nameof(noiseForStep));
            start.RequireSameShape(z, $"noiseForStep({t})");
            z.Pixels.CopyTo(destination);
        };
        return Chain(plan, denoiser, sampler, start, default, noise);
    }

    /// <summary>
    /// The chain from pure noise: x_{τ_N} ~ N(0, I) of the given size from <c>key.Child(0)</c> (DDPM Algorithm 2, line 1),
    /// then <see cref="Run(RespacedSchedule, Denoiser, ISampler, Image, NoiseKey)"/> with <paramref name="key"/>.
    /// </summary>
    public static IEnumerable<ChainState> RunFromNoise(RespacedSchedule plan, Denoiser denoiser, ISampler sampler, int width, int height, NoiseKey key)
    {
        Guard.AtLeast(width, 1, nameof(width));
        Guard.AtLeast(height, 1, nameof(height));
        return Run(plan, denoiser, sampler, NoiseImage.StandardNormal(StartKey(key), width, height), key);
    }

    /// <summary>One generated sample: the x_0 at the end of <see cref="RunFromNoise"/> (DDPM Algorithm 2, or the sampler's chain).</summary>
    public static Image Generate(RespacedSchedule plan, Denoiser denoiser, ISampler sampler, int width, int height, NoiseKey key) =>
        Generate<double>(sampler, plan, denoiser, [key], 1, height, width).ToImage(0);

    /// <summary>
    /// <paramref name="count"/> one-channel samples (DDPM Algorithm 2, or the sampler's chain) in one batch: sample k is
    /// <see cref="Generate(RespacedSchedule, Denoiser, ISampler, int, int, NoiseKey)"/> with <c>key.Child(k)</c>, bit for bit.
    /// </summary>
    public static ImageBatch<double> GenerateMany(RespacedSchedule plan, Denoiser denoiser, ISampler sampler, int width, int height, int count, NoiseKey key)
    {
        ImageBatch<double> batch = Generate<double>(sampler, plan, denoiser, count, 1, height, width, key);
        return ImageBatch<double>.FromImages(Enumerable.Range(0, count).Select(k => batch.ToImage(k)).ToArray());
    }

    /// <summary>
    /// The key of the starting noise x_{τ_N} ~ N(0, I) of a run from pure noise (DDPM Algorithm 2, line 1):
    /// <c>key.Child(0)</c> (docs/conventions.md).
    /// </summary>
    public static NoiseKey StartKey(NoiseKey key) => key.Child(0UL);

    /// <summary>
    /// The key of the noise z of the step from original timestep t (t ≥ 1): <c>key.Child(t)</c> (docs/conventions.md),
    /// the same as the oracle chain's step key.
    /// </summary>
    public static NoiseKey StepKey(NoiseKey key, int t) => key.Child((ulong)t);

    private static IEnumerable<ChainState> Chain(RespacedSchedule plan, Denoiser denoiser, ISampler sampler, Image start, NoiseKey key, StepNoise<double>? noise)
    {
        ModelEstimate.RequireCompatible(plan, denoiser, sampler);
        var observer = new StateCollector();
        var run = new SamplerRun<double>(plan, denoiser, ImageBatch<double>.FromImages([start]), [key]) { Observer = observer, Noise = noise };
        return Lazily(plan, sampler, run, observer, start);
    }

    private static IEnumerable<ChainState> Lazily(RespacedSchedule plan, ISampler sampler, SamplerRun<double> run, StateCollector observer, Image start)
    {
        yield return new ChainState(plan.Timesteps[^1], start);
        sampler.Run(run);
        foreach (ChainState state in observer.States) yield return state;
    }

    private sealed class StateCollector : ISamplerObserver<double>
    {
        public List<ChainState> States { get; } = [];

        public void OnStep(SamplerStepReport<double> report) => States.Add(new ChainState(report.Step.Destination, report.Next.ToImage(0)));
    }
}
