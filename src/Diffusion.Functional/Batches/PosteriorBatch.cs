using System.Runtime.CompilerServices;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Batches;

/// <summary>
/// One step of the reverse posterior q(x_{t−1} | x_t, x_0) over a batch in float32 (DDPM eqs. 6–7, Ho et al. 2020):
/// x_{t−1} = c_x0·x_0 + c_xt·x_t + σ_t·ε, the Gaussian generator fused into the update.
/// </summary>
/// <remarks>
/// Image i draws ε from the stream <c>key.Child(i)</c>, so image i equals, up to float32 rounding,
/// <c>Posterior.Sample(schedule, xt_i, x0_i, t, key.Child(i))</c>, the same bits for any thread count, split and
/// instruction set. Each pixel is fma(σ, ε, fma(c_xt, x_t, c_x0·x_0)) with the coefficients of DDPM eq. 7 each
/// rounded once to float (σ = √β̃_t): within 4·2⁻²⁴·(|c_x0·x_0| + |c_xt·x_t| + |σ·ε|) of the exact value of the same
/// inputs. At t = 1, σ = 0 and no noise is drawn (the mean c_x0·x_0 + c_xt·x_t with c_x0 = 1, c_xt = 0: x_0 exactly).
/// </remarks>
public static class PosteriorBatch
{
    /// <summary>
    /// Writes a sample of q(x_{t−1} | x_t, x_0) for every image to <paramref name="destination"/> (DDPM eqs. 6–7), on
    /// the calling thread. Allocates nothing.
    /// </summary>
    /// <param name="schedule">The noise schedule.</param>
    /// <param name="xt">The states x_t, image-major: image i is [i·P, (i + 1)·P); finite values.</param>
    /// <param name="x0">The clean images, as long as xt.</param>
    /// <param name="pixelsPerImage">P ≥ 1; must divide the lengths.</param>
    /// <param name="t">The step t ∈ 1..T shared by the batch.</param>
    /// <param name="key">Image i uses the stream <c>key.Child(i)</c>.</param>
    /// <param name="destination">Receives x_{t−1}; as long as xt, overlapping neither input.</param>
    public static void Sample(
        NoiseSchedule schedule, ReadOnlySpan<float> xt, ReadOnlySpan<float> x0, int pixelsPerImage, int t, NoiseKey key,
        Span<float> destination)
    {
        int images = Validate(schedule, xt, x0, pixelsPerImage, t, destination);
        SampleRange(GaussianNoise.BestPath, schedule, xt, x0, pixelsPerImage, t, key, destination, 0, images);
    }

    /// <summary>
    /// Writes x_{t−1} = c_x0·x_0 + c_xt·x_t + σ_t·ε, a sample of q(x_{t−1} | x_t, x_0) (DDPM eqs. 6–7), for every image
    /// to <paramref name="destination"/>:
    /// <see cref="Sample(NoiseSchedule, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, NoiseKey, Span{float})"/>
    /// with the images spread over up to <c>parallel.MaxDegreeOfParallelism</c> threads; the same bits for any count.
    /// </summary>
    /// <param name="schedule">The noise schedule.</param>
    /// <param name="xt">The states x_t, image-major; finite values.</param>
    /// <param name="x0">The clean images, as long as xt.</param>
    /// <param name="pixelsPerImage">P ≥ 1; must divide the lengths.</param>
    /// <param name="t">The step t ∈ 1..T shared by the batch.</param>
    /// <param name="key">Image i uses the stream <c>key.Child(i)</c>.</param>
    /// <param name="destination">Receives x_{t−1}; as long as xt, overlapping neither input.</param>
    /// <param name="parallel">The thread limit (−1: one per core; above the cores it is clamped to them) and cancellation, checked before every image: when it is requested the call throws <see cref="OperationCanceledException"/> and each image of the destination holds its result or what it held before.</param>
    public static void Sample(
        NoiseSchedule schedule, ReadOnlyMemory<float> xt, ReadOnlyMemory<float> x0, int pixelsPerImage, int t, NoiseKey key,
        Memory<float> destination, ParallelOptions parallel)
    {
        ArgumentNullException.ThrowIfNull(parallel);
        int images = Validate(schedule, xt.Span, x0.Span, pixelsPerImage, t, destination.Span);
        BatchParallel.ForEachRange(images, parallel, (first, count) => SampleRange(
            GaussianNoise.BestPath, schedule, xt.Span, x0.Span, pixelsPerImage, t, key, destination.Span, first, count));
    }

    /// <summary>A sample of q(x_{t−1} | x_t, x_0) for every image, as a new batch (DDPM eqs. 6–7).</summary>
    /// <param name="schedule">The noise schedule.</param>
    /// <param name="xt">The states x_t.</param>
    /// <param name="x0">The clean images, of xt's count and shape.</param>
    /// <param name="t">The step t ∈ 1..T shared by the batch.</param>
    /// <param name="key">Image i uses the stream <c>key.Child(i)</c>.</param>
    /// <param name="parallel">Optional thread limit; null runs on the calling thread.</param>
    public static ImageBatch<float> Sample(
        NoiseSchedule schedule, ImageBatch<float> xt, ImageBatch<float> x0, int t, NoiseKey key, ParallelOptions? parallel = null)
    {
        ArgumentNullException.ThrowIfNull(xt);
        xt.RequireSameShape(x0, nameof(x0));
        var result = new float[xt.Values.Length];
        if (parallel is null)
            Sample(schedule, xt.Values, x0.Values, xt.ValuesPerImage, t, key, result);
        else
            Sample(schedule, xt.Memory, x0.Memory, xt.ValuesPerImage, t, key, result, parallel);
        return ImageBatch<float>.Own(xt.Count, xt.Channels, xt.Height, xt.Width, result);
    }

    /// <summary>Images first … first + count − 1 on a chosen path (tests force each path and split).</summary>
    internal static void SampleRange(
        NoisePath path, NoiseSchedule schedule, ReadOnlySpan<float> xt, ReadOnlySpan<float> x0, int pixelsPerImage, int t,
        NoiseKey key, Span<float> destination, int first, int count)
    {
        var (cx0, cxt, sigma) = FloatCoefficients.Posterior(schedule, t);
        for (int i = first; i < first + count; i++)
        {
            int offset = i * pixelsPerImage;
            FusedKernels.Posterior(
                path, key.Child((ulong)i), cx0, cxt, sigma,
                x0.Slice(offset, pixelsPerImage), xt.Slice(offset, pixelsPerImage), destination.Slice(offset, pixelsPerImage));
        }
    }

    private static int Validate(
        NoiseSchedule schedule, ReadOnlySpan<float> xt, ReadOnlySpan<float> x0, int pixelsPerImage, int t, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        int images = BatchArguments.ImageCount(xt.Length, pixelsPerImage, nameof(xt));
        BatchArguments.SameLength(x0.Length, xt.Length, nameof(x0), nameof(xt));
        BatchArguments.SameLength(destination.Length, xt.Length, nameof(destination), nameof(xt));
        Numerics.Guard.Timestep(t, schedule.Steps);
        BatchArguments.NoOverlap(destination, xt, nameof(xt));
        BatchArguments.NoOverlap(destination, x0, nameof(x0));
        BatchArguments.Finite(xt, nameof(xt));
        BatchArguments.Finite(x0, nameof(x0));
        return images;
    }
}
