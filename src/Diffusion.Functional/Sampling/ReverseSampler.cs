using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Numerics;
using Diffusion.Functional.Processes;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// Runs a reverse chain with any sampler (<see cref="DdpmSettings"/> or <see cref="DdimSettings"/>) and any denoiser,
/// from a given x_{τ_N} or from pure noise, lazily: the states (τ_N, x_{τ_N}), (τ_{N−1}, …), …, (0, x_0).
/// Noise keys: x_{τ_N} ~ N(0, I) is drawn from <c>key.Child(0)</c>, and the step from τ_i from <c>key.Child(τ_i)</c>
/// (an original timestep, ≥ 1); a step whose variance is 0 (the last step, every DDIM step with η = 0) draws nothing.
/// So a state depends only on the key, never on what else runs, and a chain of all T steps uses the same keys as
/// <see cref="OracleChain"/>.
/// </summary>
public static class ReverseSampler
{
    /// <summary>
    /// One reverse step p_θ(x_{τ_{i−1}} | x_{τ_i}) with the given sampler: DDPM's N(μ̃_i(x̂_0, x_{τ_i}), σ_i²) (DDPM eq. 7,
    /// Algorithm 2; <see cref="DdpmSampler.Transition"/>) or DDIM's step (Song et al. 2021, eqs. 12 and 16;
    /// <see cref="DdimSampler.Transition"/>).
    /// </summary>
    public static ReverseTransition Transition(RespacedSchedule plan, Denoiser denoiser, SamplerSettings settings, ReverseStep step, Image xt) => settings switch
    {
        DdpmSettings ddpm => DdpmSampler.Transition(plan, denoiser, ddpm, step, xt),
        DdimSettings ddim => DdimSampler.Transition(plan, denoiser, ddim, step, xt),
        null => throw new ArgumentNullException(nameof(settings)),
        _ => throw new ArgumentException($"settings = {settings} is not a SamplerSettings this library knows (DdpmSettings or DdimSettings).", nameof(settings)),
    };

    /// <summary>
    /// The chain from x_{τ_N} = <paramref name="start"/> to x_0, each step x_{τ_{i−1}} = mean + σ_i·z (DDPM Algorithm 2,
    /// lines 2–6; DDIM: Song et al. 2021, eq. 12), with the z of step τ_i drawn from <c>key.Child(τ_i)</c>
    /// (docs/sampling.md, "Running a chain").
    /// </summary>
    /// <param name="plan">The chain (use <see cref="RespacedSchedule.Full"/> for all T steps).</param>
    /// <param name="denoiser">The model, for <see cref="RespacedSchedule.Original"/>.</param>
    /// <param name="settings">The sampler.</param>
    /// <param name="start">x at the chain's first step τ_N.</param>
    /// <param name="key">The noise key of the run.</param>
    public static IEnumerable<ChainState> Run(RespacedSchedule plan, Denoiser denoiser, SamplerSettings settings, Image start, NoiseKey key)
    {
        ArgumentNullException.ThrowIfNull(start);
        return Run(plan, denoiser, settings, start, t => NoiseImage.StandardNormalLike(StepKey(key, t), start));
    }

    /// <summary>
    /// The chain from x_{τ_N} = <paramref name="start"/> to x_0, each step x_{τ_{i−1}} = mean + σ_i·z (DDPM Algorithm 2,
    /// lines 2–6; DDIM: Song et al. 2021, eq. 12), with z for the step from τ_i given by
    /// <paramref name="noiseForStep"/>(τ_i) (called only for steps with positive variance, in chain order).
    /// </summary>
    public static IEnumerable<ChainState> Run(RespacedSchedule plan, Denoiser denoiser, SamplerSettings settings, Image start, Func<int, Image> noiseForStep)
    {
        ModelEstimate.RequireCompatible(plan, denoiser, settings);
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(noiseForStep);
        return Iterate(plan, denoiser, settings, start, noiseForStep);
    }

    /// <summary>
    /// The chain from pure noise: x_{τ_N} ~ N(0, I) of the given size from <c>key.Child(0)</c> (DDPM Algorithm 2, line 1),
    /// then <see cref="Run(RespacedSchedule, Denoiser, SamplerSettings, Image, NoiseKey)"/> with <paramref name="key"/>.
    /// </summary>
    /// <param name="plan">The chain.</param>
    /// <param name="denoiser">The model.</param>
    /// <param name="settings">The sampler.</param>
    /// <param name="width">Pixels per row, ≥ 1.</param>
    /// <param name="height">Rows, ≥ 1.</param>
    /// <param name="key">The noise key of the sample.</param>
    public static IEnumerable<ChainState> RunFromNoise(RespacedSchedule plan, Denoiser denoiser, SamplerSettings settings, int width, int height, NoiseKey key)
    {
        Guard.AtLeast(width, 1, nameof(width));
        Guard.AtLeast(height, 1, nameof(height));
        return Run(plan, denoiser, settings, NoiseImage.StandardNormal(StartKey(key), width, height), key);
    }

    /// <summary>
    /// One generated sample: the x_0 at the end of <see cref="RunFromNoise"/>, from x_{τ_N} ~ N(0, I) down the chain
    /// (DDPM Algorithm 2, or DDIM: Song et al. 2021, eq. 12).
    /// </summary>
    public static Image Generate(RespacedSchedule plan, Denoiser denoiser, SamplerSettings settings, int width, int height, NoiseKey key) =>
        RunFromNoise(plan, denoiser, settings, width, height, key).Last().X;

    /// <summary>
    /// <paramref name="count"/> generated samples (each DDPM Algorithm 2 or DDIM, Song et al. 2021, eq. 12); sample k is
    /// <see cref="Generate"/> with <c>key.Child(k)</c> (docs/sampling.md, "Running a chain"), so any sample can be
    /// regenerated alone, and the batch does not depend on how it is computed.
    /// </summary>
    /// <param name="plan">The chain.</param>
    /// <param name="denoiser">The model.</param>
    /// <param name="settings">The sampler.</param>
    /// <param name="width">Pixels per row, ≥ 1.</param>
    /// <param name="height">Rows, ≥ 1.</param>
    /// <param name="count">Number of samples, ≥ 1.</param>
    /// <param name="key">The noise key of the batch.</param>
    public static ImageBatch GenerateMany(RespacedSchedule plan, Denoiser denoiser, SamplerSettings settings, int width, int height, int count, NoiseKey key)
    {
        Guard.AtLeast(count, 1, nameof(count));
        var images = new Image[count];
        for (int k = 0; k < count; k++) images[k] = Generate(plan, denoiser, settings, width, height, key.Child((ulong)k));
        return ImageBatch.FromImages(images);
    }

    /// <summary>
    /// The key of the starting noise x_{τ_N} ~ N(0, I) of a run from pure noise (DDPM Algorithm 2, line 1):
    /// <c>key.Child(0)</c> (docs/sampling.md, "Running a chain").
    /// </summary>
    public static NoiseKey StartKey(NoiseKey key) => key.Child(0UL);

    /// <summary>
    /// The key of the noise z of the step from original timestep t (t ≥ 1): <c>key.Child(t)</c> (docs/sampling.md,
    /// "Running a chain"), the same as the oracle chain's step key (docs/conventions.md).
    /// </summary>
    public static NoiseKey StepKey(NoiseKey key, int t) => key.Child((ulong)t);

    private static IEnumerable<ChainState> Iterate(RespacedSchedule plan, Denoiser denoiser, SamplerSettings settings, Image start, Func<int, Image> noiseForStep)
    {
        var current = new ChainState(plan.Timesteps[^1], start);
        yield return current;
        foreach (ReverseStep step in plan.Steps())
        {
            ReverseTransition transition = Transition(plan, denoiser, settings, step, current.X);
            Image next = transition.IsDeterministic ? transition.Mean : transition.Sample(RequireNoise(noiseForStep(step.Timestep), start, step.Timestep));
            current = new ChainState(step.Destination, next);
            yield return current;
        }
    }

    private static Image RequireNoise(Image noise, Image like, int t)
    {
        if (noise is null) throw new ArgumentException($"noiseForStep({t}) returned null; it must return an image.", "noiseForStep");
        like.RequireSameShape(noise, $"noiseForStep({t})");
        return noise;
    }
}
