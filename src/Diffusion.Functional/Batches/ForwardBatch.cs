using System.Runtime.CompilerServices;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Batches;

/// <summary>
/// The forward process q(x_t | x_0) over a batch in float32, with a timestep per image (DDPM eq. 4 and Algorithm 1,
/// Ho et al. 2020): x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε, the Gaussian generator fused into the update.
/// </summary>
/// <remarks>
/// Image i draws ε from the stream <c>key.Child(i)</c>, so image i equals, up to float32 rounding,
/// <c>ForwardProcess.Sample(schedule, x0_i, t_i, key.Child(i))</c>, and the result is the same bits for any thread
/// count, split of the batch and instruction set. Each pixel is computed as fma(s, ε, a·x_0) with
/// a = (float)√ᾱ_t and s = (float)√(1 − ᾱ_t) (one rounding each, then one product and one fused multiply-add): within
/// 3·2⁻²⁴·(|a·x_0| + |s·ε|) of the exact value of the same x_0 and ε. docs/performance.md has the speed.
/// </remarks>
public static class ForwardBatch
{
    /// <summary>
    /// Writes a sample of q(x_t | x_0) for every image of the batch <paramref name="x0"/> to <paramref name="destination"/>
    /// (DDPM eq. 4), on the calling thread. Allocates nothing.
    /// </summary>
    /// <param name="schedule">The noise schedule.</param>
    /// <param name="x0">Clean images, image-major: image i is [i·P, (i + 1)·P); finite values.</param>
    /// <param name="pixelsPerImage">P ≥ 1; must divide x0's length.</param>
    /// <param name="timesteps">t_i ∈ 1..T for each image.</param>
    /// <param name="key">Image i uses the stream <c>key.Child(i)</c>.</param>
    /// <param name="destination">Receives x_t; as long as x0 and not overlapping it.</param>
    public static void Sample(
        NoiseSchedule schedule, ReadOnlySpan<float> x0, int pixelsPerImage, ReadOnlySpan<int> timesteps, NoiseKey key,
        Span<float> destination)
    {
        int images = Validate(schedule, x0, pixelsPerImage, timesteps, destination);
        SampleRange(GaussianNoise.BestPath, schedule, x0, pixelsPerImage, timesteps, key, destination, 0, images);
    }

    /// <summary>
    /// Writes x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε, a sample of q(x_t | x_0) (DDPM eq. 4), for every image to
    /// <paramref name="destination"/>:
    /// <see cref="Sample(NoiseSchedule, ReadOnlySpan{float}, int, ReadOnlySpan{int}, NoiseKey, Span{float})"/> with the
    /// images spread over up to <c>parallel.MaxDegreeOfParallelism</c> threads; the same bits for any thread count.
    /// </summary>
    /// <param name="schedule">The noise schedule.</param>
    /// <param name="x0">Clean images, image-major; finite values.</param>
    /// <param name="pixelsPerImage">P ≥ 1; must divide x0's length.</param>
    /// <param name="timesteps">t_i ∈ 1..T for each image.</param>
    /// <param name="key">Image i uses the stream <c>key.Child(i)</c>.</param>
    /// <param name="destination">Receives x_t; as long as x0 and not overlapping it.</param>
    /// <param name="parallel">The thread limit (−1: one per core; above the cores it is clamped to them) and cancellation, checked before every image: when it is requested the call throws <see cref="OperationCanceledException"/> and each image of the destination holds its result or what it held before.</param>
    public static void Sample(
        NoiseSchedule schedule, ReadOnlyMemory<float> x0, int pixelsPerImage, ReadOnlyMemory<int> timesteps, NoiseKey key,
        Memory<float> destination, ParallelOptions parallel)
    {
        ArgumentNullException.ThrowIfNull(parallel);
        int images = Validate(schedule, x0.Span, pixelsPerImage, timesteps.Span, destination.Span);
        BatchParallel.ForEachRange(images, parallel, (first, count) => SampleRange(
            GaussianNoise.BestPath, schedule, x0.Span, pixelsPerImage, timesteps.Span, key, destination.Span, first, count));
    }

    /// <summary>A sample of q(x_t | x_0) for every image of <paramref name="x0"/>, as a new batch (DDPM eq. 4).</summary>
    /// <param name="schedule">The noise schedule.</param>
    /// <param name="x0">Clean images.</param>
    /// <param name="timesteps">t_i ∈ 1..T for each image.</param>
    /// <param name="key">Image i uses the stream <c>key.Child(i)</c>.</param>
    /// <param name="parallel">Optional thread limit; null runs on the calling thread.</param>
    public static ImageBatch<float> Sample(
        NoiseSchedule schedule, ImageBatch<float> x0, IReadOnlyList<int> timesteps, NoiseKey key, ParallelOptions? parallel = null)
    {
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(timesteps);
        int[] t = timesteps.ToArray();
        var result = new float[x0.Values.Length];
        if (parallel is null)
            Sample(schedule, x0.Values, x0.ValuesPerImage, t, key, result);
        else
            Sample(schedule, x0.Memory, x0.ValuesPerImage, t, key, result, parallel);
        return ImageBatch<float>.Own(x0.Count, x0.Channels, x0.Height, x0.Width, result);
    }

    /// <summary>Images first … first + count − 1 on a chosen path (tests force each path and split).</summary>
    internal static void SampleRange(
        NoisePath path, NoiseSchedule schedule, ReadOnlySpan<float> x0, int pixelsPerImage, ReadOnlySpan<int> timesteps,
        NoiseKey key, Span<float> destination, int first, int count)
    {
        for (int i = first; i < first + count; i++)
        {
            int t = timesteps[i];
            int offset = i * pixelsPerImage;
            FusedKernels.Forward(
                path, key.Child((ulong)i), FloatCoefficients.ForwardScale(schedule, t), FloatCoefficients.ForwardSigma(schedule, t),
                x0.Slice(offset, pixelsPerImage), destination.Slice(offset, pixelsPerImage));
        }
    }

    private static int Validate(
        NoiseSchedule schedule, ReadOnlySpan<float> x0, int pixelsPerImage, ReadOnlySpan<int> timesteps, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        int images = BatchArguments.ImageCount(x0.Length, pixelsPerImage, nameof(x0));
        BatchArguments.SameLength(destination.Length, x0.Length, nameof(destination), nameof(x0));
        BatchArguments.Timesteps(timesteps, images, schedule);
        BatchArguments.NoOverlap(destination, x0, nameof(x0));
        BatchArguments.Finite(x0, nameof(x0));
        return images;
    }
}
