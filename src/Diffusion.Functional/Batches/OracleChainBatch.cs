using System.Runtime.CompilerServices;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Batches;

/// <summary>
/// The oracle reverse chain over a batch in float32: ancestral sampling x_{t'−1} ~ q(x_{t'−1} | x_{t'}, x_0)
/// (DDPM eqs. 6–7, Ho et al. 2020) for t' = t, t − 1, …, s + 1, with the Gaussian generator fused into every step.
/// </summary>
/// <remarks>
/// <para>
/// Keys: image i runs the core's chain <c>OracleChain.Run(schedule, x0_i, xt_i, t, key.Child(i))</c>, whose step
/// t' → t' − 1 draws from <c>key.Child(i).Child(t')</c> (docs/conventions.md); so x_s of image i equals that chain's
/// state s up to float32 rounding, and the result is the same bits for any thread count, split and instruction set.
/// The step 1 → 0 draws nothing and ends at x_0 exactly.
/// </para>
/// <para>
/// Each step is <see cref="PosteriorBatch"/>'s formula on the float32 state, within 4·2⁻²⁴·(|c_x0·x_0| + |c_xt·x_t| +
/// |σ·ε|) of the exact step; the errors of the steps add up (c_xt &lt; 1 does not amplify them). An image stays in the
/// core's cache while it runs all its steps, so the chain makes one pass over memory whatever its length.
/// </para>
/// </remarks>
public static class OracleChainBatch
{
    /// <summary>
    /// Writes x_s of the oracle chain started at x_t, for every image, to <paramref name="destination"/> (DDPM eqs. 6–7
    /// applied t − s times), on the calling thread. Allocates nothing, whatever the number of steps.
    /// </summary>
    /// <param name="schedule">The noise schedule.</param>
    /// <param name="x0">The clean images, image-major: image i is [i·P, (i + 1)·P); finite values.</param>
    /// <param name="xt">The states x_t, as long as x0.</param>
    /// <param name="pixelsPerImage">P ≥ 1; must divide the lengths.</param>
    /// <param name="t">The start step t ∈ 1..T shared by the batch.</param>
    /// <param name="s">The stop step, 0 ≤ s &lt; t (0 runs the chain to x_0).</param>
    /// <param name="key">Image i's chain key is <c>key.Child(i)</c>; its step t' uses <c>key.Child(i).Child(t')</c>.</param>
    /// <param name="destination">Receives x_s; as long as x0, overlapping neither input.</param>
    public static void Run(
        NoiseSchedule schedule, ReadOnlySpan<float> x0, ReadOnlySpan<float> xt, int pixelsPerImage, int t, int s, NoiseKey key,
        Span<float> destination)
    {
        int images = Validate(schedule, x0, xt, pixelsPerImage, t, s, destination);
        RunRange(GaussianNoise.BestPath, schedule, x0, xt, pixelsPerImage, t, s, key, destination, 0, images);
    }

    /// <summary>
    /// Writes x_s of the oracle chain started at x_t, for every image, to <paramref name="destination"/>: DDPM eqs. 6–7
    /// applied t − s times (DDPM Algorithm 2's loop with the true x_0 and σ_t² = β̃_t). It is
    /// <see cref="Run(NoiseSchedule, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, int, NoiseKey, Span{float})"/>
    /// with the images spread over up to <c>parallel.MaxDegreeOfParallelism</c> threads; the same bits for any count.
    /// Allocates about 2 KB per call for Parallel.For's tasks, none per step.
    /// </summary>
    /// <param name="schedule">The noise schedule.</param>
    /// <param name="x0">The clean images, image-major; finite values.</param>
    /// <param name="xt">The states x_t, as long as x0.</param>
    /// <param name="pixelsPerImage">P ≥ 1; must divide the lengths.</param>
    /// <param name="t">The start step t ∈ 1..T shared by the batch.</param>
    /// <param name="s">The stop step, 0 ≤ s &lt; t.</param>
    /// <param name="key">Image i's chain key is <c>key.Child(i)</c>.</param>
    /// <param name="destination">Receives x_s; as long as x0, overlapping neither input.</param>
    /// <param name="parallel">
    /// The thread limit (−1: one per core; above the cores it is clamped to them) and cancellation, checked before every
    /// image and every step: when it is requested the call throws <see cref="OperationCanceledException"/>, and each
    /// image of the destination holds its x_s, what it held before, or the chain's state at the step it stopped at.
    /// </param>
    public static void Run(
        NoiseSchedule schedule, ReadOnlyMemory<float> x0, ReadOnlyMemory<float> xt, int pixelsPerImage, int t, int s, NoiseKey key,
        Memory<float> destination, ParallelOptions parallel)
    {
        ArgumentNullException.ThrowIfNull(parallel);
        int images = Validate(schedule, x0.Span, xt.Span, pixelsPerImage, t, s, destination.Span);
        BatchParallel.ForEachRange(images, parallel, (first, count) => RunRange(
            GaussianNoise.BestPath, schedule, x0.Span, xt.Span, pixelsPerImage, t, s, key, destination.Span, first, count, parallel.CancellationToken));
    }

    /// <summary>x_s of the oracle chain started at x_t, for every image, as a new batch (DDPM eqs. 6–7).</summary>
    /// <param name="schedule">The noise schedule.</param>
    /// <param name="x0">The clean images.</param>
    /// <param name="xt">The states x_t, of x0's count and shape.</param>
    /// <param name="t">The start step t ∈ 1..T.</param>
    /// <param name="s">The stop step, 0 ≤ s &lt; t.</param>
    /// <param name="key">Image i's chain key is <c>key.Child(i)</c>.</param>
    /// <param name="parallel">Optional thread limit; null runs on the calling thread.</param>
    public static ImageBatch<float> Run(
        NoiseSchedule schedule, ImageBatch<float> x0, ImageBatch<float> xt, int t, int s, NoiseKey key, ParallelOptions? parallel = null)
    {
        ArgumentNullException.ThrowIfNull(x0);
        x0.RequireSameShape(xt, nameof(xt));
        var result = new float[x0.Values.Length];
        if (parallel is null)
            Run(schedule, x0.Values, xt.Values, x0.ValuesPerImage, t, s, key, result);
        else
            Run(schedule, x0.Memory, xt.Memory, x0.ValuesPerImage, t, s, key, result, parallel);
        return ImageBatch<float>.Own(x0.Count, x0.Channels, x0.Height, x0.Width, result);
    }

    /// <summary>Images first … first + count − 1 on a chosen path (tests force each path and split).</summary>
    internal static void RunRange(
        NoisePath path, NoiseSchedule schedule, ReadOnlySpan<float> x0, ReadOnlySpan<float> xt, int pixelsPerImage, int t, int s,
        NoiseKey key, Span<float> destination, int first, int count, CancellationToken cancellation = default)
    {
        for (int i = first; i < first + count; i++)
        {
            int offset = i * pixelsPerImage;
            ReadOnlySpan<float> image0 = x0.Slice(offset, pixelsPerImage);
            Span<float> state = destination.Slice(offset, pixelsPerImage);
            NoiseKey chainKey = key.Child((ulong)i);
            // The first step reads x_t from the input; the others update the destination in place, in cache.
            ReadOnlySpan<float> current = xt.Slice(offset, pixelsPerImage);
            for (int step = t; step > s; step--)
            {
                cancellation.ThrowIfCancellationRequested();
                var (cx0, cxt, sigma) = FloatCoefficients.Posterior(schedule, step);
                FusedKernels.Posterior(path, chainKey.Child((ulong)step), cx0, cxt, sigma, image0, current, state);
                current = state;
            }
        }
    }

    private static int Validate(
        NoiseSchedule schedule, ReadOnlySpan<float> x0, ReadOnlySpan<float> xt, int pixelsPerImage, int t, int s, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        int images = BatchArguments.ImageCount(x0.Length, pixelsPerImage, nameof(x0));
        BatchArguments.SameLength(xt.Length, x0.Length, nameof(xt), nameof(x0));
        BatchArguments.SameLength(destination.Length, x0.Length, nameof(destination), nameof(x0));
        Numerics.Guard.Timestep(t, schedule.Steps);
        BatchArguments.StopStep(s, t);
        BatchArguments.NoOverlap(destination, x0, nameof(x0));
        BatchArguments.NoOverlap(destination, xt, nameof(xt));
        BatchArguments.Finite(x0, nameof(x0));
        BatchArguments.Finite(xt, nameof(xt));
        return images;
    }
}
