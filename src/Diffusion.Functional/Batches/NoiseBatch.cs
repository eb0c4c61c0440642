using System.Runtime.CompilerServices;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;

namespace Diffusion.Functional.Batches;

/// <summary>
/// Standard normal noise ε ~ N(0, I) for a batch of images (DDPM eq. 4's ε, Ho et al. 2020), one keyed stream per
/// image: image i is numbers 0 … P − 1 of the stream <c>key.Child(i)</c> (<see cref="GaussianNoise"/>), so the same
/// bits on any thread count and split, and the same ε that <see cref="ForwardBatch"/> adds for the same key.
/// </summary>
public static class NoiseBatch
{
    /// <summary>
    /// Fills <paramref name="destination"/> with ε ~ N(0, I) for every image (DDPM eq. 4's ε), image i being numbers
    /// 0 … P − 1 of the stream <c>key.Child(i)</c> (the generator of docs/noise.md), on the calling thread. Allocates
    /// nothing.
    /// </summary>
    /// <param name="key">Image i uses the stream <c>key.Child(i)</c>.</param>
    /// <param name="pixelsPerImage">P ≥ 1; must divide the destination's length.</param>
    /// <param name="destination">Receives the images, image-major.</param>
    public static void Fill(NoiseKey key, int pixelsPerImage, Span<float> destination)
    {
        int images = BatchArguments.ImageCount(destination.Length, pixelsPerImage, nameof(destination));
        FillRange(GaussianNoise.BestPath, key, pixelsPerImage, destination, 0, images);
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with ε ~ N(0, I) for every image, image i from the stream
    /// <c>key.Child(i)</c> (docs/noise.md): <see cref="Fill(NoiseKey, int, Span{float})"/> with the images spread over
    /// up to <c>parallel.MaxDegreeOfParallelism</c> threads; the same bits for any thread count.
    /// </summary>
    /// <param name="key">Image i uses the stream <c>key.Child(i)</c>.</param>
    /// <param name="pixelsPerImage">P ≥ 1; must divide the destination's length.</param>
    /// <param name="destination">Receives the images, image-major.</param>
    /// <param name="parallel">The thread limit (−1: one per core; above the cores it is clamped to them) and cancellation, checked before every image: when it is requested the call throws <see cref="OperationCanceledException"/> and each image of the destination holds its result or what it held before.</param>
    public static void Fill(NoiseKey key, int pixelsPerImage, Memory<float> destination, ParallelOptions parallel)
    {
        ArgumentNullException.ThrowIfNull(parallel);
        int images = BatchArguments.ImageCount(destination.Length, pixelsPerImage, nameof(destination));
        BatchParallel.ForEachRange(images, parallel, (first, count) =>
            FillRange(GaussianNoise.BestPath, key, pixelsPerImage, destination.Span, first, count));
    }

    /// <summary>
    /// A new batch of <paramref name="count"/> standard normal noise images ε ~ N(0, I) of width × height, image i from
    /// the stream <c>key.Child(i)</c> (the generator of docs/noise.md).
    /// </summary>
    /// <param name="key">Image i uses the stream <c>key.Child(i)</c>.</param>
    /// <param name="count">The number of images, ≥ 1.</param>
    /// <param name="channels">Channels per image, ≥ 1.</param>
    /// <param name="height">Rows, ≥ 1.</param>
    /// <param name="width">Values per row, ≥ 1.</param>
    /// <param name="parallel">Optional thread limit; null runs on the calling thread.</param>
    public static ImageBatch<float> StandardNormal(NoiseKey key, int count, int channels, int height, int width, ParallelOptions? parallel = null)
    {
        var values = new float[ImageBatch<float>.CheckShape(count, channels, height, width)];
        int perImage = channels * height * width;
        if (parallel is null)
            Fill(key, perImage, values);
        else
            Fill(key, perImage, values, parallel);
        return ImageBatch<float>.Own(count, channels, height, width, values);
    }

    /// <summary>Images first … first + count − 1 on a chosen path (tests force each path and split).</summary>
    internal static void FillRange(NoisePath path, NoiseKey key, int pixelsPerImage, Span<float> destination, int first, int count)
    {
        for (int i = first; i < first + count; i++)
        {
            GaussianNoise.Fill(key.Child((ulong)i), destination.Slice(i * pixelsPerImage, pixelsPerImage), path);
        }
    }
}
