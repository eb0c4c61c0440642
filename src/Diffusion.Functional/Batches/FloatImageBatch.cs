using Diffusion.Functional.Images;
using Diffusion.Functional.Numerics;

namespace Diffusion.Functional.Batches;

/// <summary>
/// An immutable batch of <see cref="Count"/> greyscale images of one shape in float32, stored contiguously
/// (image-major, then row-major): the layout (N, H, W) of a PyTorch float batch with one channel, and the values
/// in and out of the batch kernels (<see cref="ForwardBatch"/>, <see cref="PosteriorBatch"/>,
/// <see cref="OracleChainBatch"/>, <see cref="NoiseBatch"/>).
/// </summary>
public sealed record FloatImageBatch
{
    private readonly float[] _pixels;

    /// <summary>The number of images, ≥ 0.</summary>
    public int Count { get; }

    /// <summary>Pixels per row of every image, ≥ 1.</summary>
    public int Width { get; }

    /// <summary>Rows of every image, ≥ 1.</summary>
    public int Height { get; }

    /// <summary>Pixels per image, Width × Height.</summary>
    public int PixelsPerImage => Width * Height;

    /// <summary>All pixels: image i occupies [i·PixelsPerImage, (i + 1)·PixelsPerImage).</summary>
    public ReadOnlySpan<float> Pixels => _pixels;

    /// <summary>The pixels as memory, for the parallel kernels (read-only).</summary>
    internal ReadOnlyMemory<float> PixelMemory => _pixels;

    // Takes ownership of the array: only for arrays that nobody else holds.
    private FloatImageBatch(int count, int width, int height, float[] pixels)
    {
        Count = count;
        Width = width;
        Height = height;
        _pixels = pixels;
    }

    /// <summary>
    /// A float32 batch from a copy of its pixels (image-major, then row-major), the values-in form of the batch kernels
    /// (docs/performance.md).
    /// </summary>
    /// <param name="count">The number of images, ≥ 0.</param>
    /// <param name="width">Pixels per row, ≥ 1.</param>
    /// <param name="height">Rows, ≥ 1.</param>
    /// <param name="pixels">Exactly count × width × height finite values.</param>
    public static FloatImageBatch FromPixels(int count, int width, int height, ReadOnlySpan<float> pixels)
    {
        long expected = CheckShape(count, width, height);
        if (pixels.Length != expected)
            throw new ArgumentException(
                $"pixels has {pixels.Length} values but {count} images of {width}×{height} need {expected}.", nameof(pixels));
        for (int i = 0; i < pixels.Length; i++)
        {
            if (!float.IsFinite(pixels[i]))
                throw new ArgumentException($"pixels[{i}] = {pixels[i]} is not finite; every pixel must be a finite number.", nameof(pixels));
        }
        return new FloatImageBatch(count, width, height, pixels.ToArray());
    }

    /// <summary>
    /// The double-precision batch rounded to float32, pixel by pixel (round to nearest), for the float32 kernels of
    /// docs/performance.md.
    /// </summary>
    /// <param name="batch">Any batch; its values must fit in float32 (|x| &lt; 3.4·10³⁸).</param>
    public static FloatImageBatch FromImageBatch(ImageBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ReadOnlySpan<double> source = batch.Pixels;
        var pixels = new float[source.Length];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (float)source[i];
            if (!float.IsFinite(pixels[i]))
                throw new ArgumentException($"batch pixel {i} = {source[i]} does not fit in float32.", nameof(batch));
        }
        return new FloatImageBatch(batch.Count, batch.Width, batch.Height, pixels);
    }

    /// <summary>A batch of <paramref name="count"/> images whose pixels the caller has just written (no copy).</summary>
    internal static FloatImageBatch Own(int count, int width, int height, float[] pixels) => new(count, width, height, pixels);

    /// <summary>
    /// Image <paramref name="index"/> widened exactly to double, 0 ≤ index &lt; Count: the core's form of one image of a
    /// float32 batch (docs/performance.md).
    /// </summary>
    public Image Image(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"index = {index} is outside 0..{Count - 1}.");
        ReadOnlySpan<float> source = ImagePixels(index);
        var pixels = new double[source.Length];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = source[i];
        return Images.Image.FromPixels(Width, Height, pixels);
    }

    /// <summary>
    /// The pixels of image <paramref name="index"/>, [index·P, (index + 1)·P) of <see cref="Pixels"/> with
    /// P = <see cref="PixelsPerImage"/>, without copying (the image-major layout of docs/performance.md).
    /// </summary>
    public ReadOnlySpan<float> ImagePixels(int index) => _pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);

    /// <summary>
    /// The batch widened exactly to double, pixel by pixel, as the core's <see cref="ImageBatch"/> (docs/performance.md);
    /// requires Count ≥ 1, as <see cref="ImageBatch"/> does.
    /// </summary>
    public ImageBatch ToImageBatch() => ImageBatch.FromImages(Enumerable.Range(0, Count).Select(Image).ToArray());

    /// <summary>Same count, same shape and the same pixels bit for bit (−0 and +0 count as equal).</summary>
    public bool Equals(FloatImageBatch? other) =>
        other is not null && Count == other.Count && Width == other.Width && Height == other.Height
        && _pixels.AsSpan().SequenceEqual(other._pixels);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Count, Width, Height, _pixels.Length > 0 ? _pixels[0] : 0f);

    /// <inheritdoc />
    public override string ToString() => $"FloatImageBatch {Count}×{Width}×{Height}";

    /// <summary>Checks the shape; returns the pixel count.</summary>
    internal static long CheckShape(int count, int width, int height)
    {
        Guard.AtLeast(count, 0, nameof(count));
        Guard.AtLeast(width, 1, nameof(width));
        Guard.AtLeast(height, 1, nameof(height));
        long total = (long)count * width * height;
        if (total > Array.MaxLength)
            throw new ArgumentException($"{count} images of {width}×{height} have more pixels than an array can hold ({Array.MaxLength}).", nameof(count));
        return total;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming both shapes unless <paramref name="other"/> has this count and shape.</summary>
    internal void RequireSameShape(FloatImageBatch other, string otherName)
    {
        ArgumentNullException.ThrowIfNull(other, otherName);
        if (other.Count != Count || other.Width != Width || other.Height != Height)
            throw new ArgumentException(
                $"{otherName} is {other.Count}×{other.Width}×{other.Height} but {Count}×{Width}×{Height} is required (shapes must match).", otherName);
    }
}
