using System.Numerics;
using System.Runtime.CompilerServices;
using Diffusion.Functional.Numerics;

namespace Diffusion.Functional.Images;

/// <summary>
/// An immutable batch of <see cref="Count"/> images × <see cref="Channels"/> channels × <see cref="Height"/> rows ×
/// <see cref="Width"/> columns in float or double, stored contiguously image-major and row-major: PyTorch's (N, C, H, W)
/// layout, the input and output of the batched denoisers and samplers. A single image is a batch of one.
/// </summary>
/// <typeparam name="T"><see cref="float"/> (the fast path, a network's type) or <see cref="double"/> (the reference).</typeparam>
public sealed class ImageBatch<T> : IEquatable<ImageBatch<T>>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The most values one batch may hold (an array's limit), checked before anything is allocated.</summary>
    public static int MaxValues => Array.MaxLength;

    private readonly T[] _values;

    static ImageBatch()
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException($"ImageBatch<{typeof(T).Name}> is not supported; use float or double.");
    }

    private ImageBatch(int count, int channels, int height, int width, T[] values)
    {
        Count = count;
        Channels = channels;
        Height = height;
        Width = width;
        _values = values;
    }

    /// <summary>N, the number of images, ≥ 1.</summary>
    public int Count { get; }

    /// <summary>C, channels per image, ≥ 1 (1 for greyscale, 3 for colour, 4 for a latent).</summary>
    public int Channels { get; }

    /// <summary>H, rows, ≥ 1.</summary>
    public int Height { get; }

    /// <summary>W, values per row, ≥ 1.</summary>
    public int Width { get; }

    /// <summary>C·H·W, the values of one image.</summary>
    public int ValuesPerImage => Channels * Height * Width;

    /// <summary>All N·C·H·W values; image i occupies [i·C·H·W, (i + 1)·C·H·W).</summary>
    public ReadOnlySpan<T> Values => _values;

    /// <summary>The values as read-only memory (for parallel work over the images).</summary>
    public ReadOnlyMemory<T> Memory => _values;

    /// <summary>The values of image <paramref name="index"/> (all its channels), without copying.</summary>
    public ReadOnlySpan<T> ImageValues(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"index = {index} is outside 0..{Count - 1}.");
        return _values.AsSpan(index * ValuesPerImage, ValuesPerImage);
    }

    /// <summary>
    /// Checks a shape N × C × H × W (each ≥ 1, the product at most <see cref="MaxValues"/>) and returns its value
    /// count; the one check every factory makes before it allocates.
    /// </summary>
    public static int CheckShape(int count, int channels, int height, int width)
    {
        Guard.AtLeast(count, 1, nameof(count));
        Guard.AtLeast(channels, 1, nameof(channels));
        Guard.AtLeast(height, 1, nameof(height));
        Guard.AtLeast(width, 1, nameof(width));
        long total = (long)count * channels * height * width;
        if (total > MaxValues)
            throw new ArgumentException(
                $"{count} images of {channels}×{height}×{width} are {total} values, more than one batch can hold ({MaxValues}); use smaller batches.",
                nameof(count));
        return (int)total;
    }

    /// <summary>A batch from a copy of its values (N, C, H, W order); every value must be finite.</summary>
    public static ImageBatch<T> FromValues(int count, int channels, int height, int width, ReadOnlySpan<T> values)
    {
        int expected = CheckShape(count, channels, height, width);
        if (values.Length != expected)
            throw new ArgumentException(
                $"values has {values.Length} numbers but {count} images of {channels}×{height}×{width} need {expected}.", nameof(values));
        RequireFinite(values, nameof(values));
        return new ImageBatch<T>(count, channels, height, width, values.ToArray());
    }

    /// <summary>
    /// A batch whose values <paramref name="write"/> puts in place image by image, straight into the batch: a large
    /// training set is stored once, not first as images and then copied (60,000 MNIST digits are 376 MB as doubles).
    /// </summary>
    /// <param name="count">N ≥ 1.</param>
    /// <param name="channels">C ≥ 1.</param>
    /// <param name="height">H ≥ 1.</param>
    /// <param name="width">W ≥ 1.</param>
    /// <param name="write">write(values, i) writes image i's C·H·W values; each must be finite.</param>
    public static ImageBatch<T> Create(int count, int channels, int height, int width, System.Buffers.SpanAction<T, int> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        int total = CheckShape(count, channels, height, width);
        var values = new T[total];
        int size = channels * height * width;
        for (int i = 0; i < count; i++)
        {
            Span<T> image = values.AsSpan(i * size, size);
            write(image, i);
            for (int j = 0; j < size; j++)
            {
                if (!T.IsFinite(image[j]))
                    throw new ArgumentException($"image {i}, value {j} is {image[j]}; every value must be a finite number.", nameof(write));
            }
        }
        return new ImageBatch<T>(count, channels, height, width, values);
    }

    /// <summary>A batch from float values, converted to T (exact for double; the identity for float); every value finite.</summary>
    public static ImageBatch<T> FromFloats(int count, int channels, int height, int width, ReadOnlySpan<float> values) =>
        Convert(count, channels, height, width, values);

    /// <summary>A batch from double values, rounded to T (to nearest for float; must fit); every value finite.</summary>
    public static ImageBatch<T> FromDoubles(int count, int channels, int height, int width, ReadOnlySpan<double> values) =>
        Convert(count, channels, height, width, values);

    /// <summary>
    /// A batch of one-channel images from bytes: byte b of image i maps to <paramref name="range"/>'s value for b
    /// (<see cref="PixelRanges.FromByte"/>; [−1, 1] is b/127.5 − 1, as DDPM scales its data).
    /// </summary>
    public static ImageBatch<T> FromBytes(PixelRange range, int count, int channels, int height, int width, ReadOnlySpan<byte> bytes)
    {
        int expected = CheckShape(count, channels, height, width);
        if (bytes.Length != expected)
            throw new ArgumentException($"bytes has {bytes.Length} values but {count} images of {channels}×{height}×{width} need {expected}.", nameof(bytes));
        var values = new T[expected];
        for (int i = 0; i < values.Length; i++) values[i] = T.CreateChecked(range.FromByte(bytes[i]));
        return new ImageBatch<T>(count, channels, height, width, values);
    }

    /// <summary>A batch of one-channel images from <see cref="Image"/>s of one shape (rounded to T).</summary>
    public static ImageBatch<T> FromImages(IReadOnlyList<Image> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        Guard.AtLeast(images.Count, 1, "images.Count");
        Image first = images[0] ?? throw new ArgumentNullException("images[0]");
        int total = CheckShape(images.Count, 1, first.Height, first.Width);
        var values = new T[total];
        for (int i = 0; i < images.Count; i++)
        {
            Image image = images[i] ?? throw new ArgumentNullException($"images[{i}]");
            if (!image.HasShapeOf(first))
                throw new ArgumentException($"images[{i}] is {image.Width}×{image.Height} but images[0] is {first.Width}×{first.Height}; a batch needs one shape.", nameof(images));
            ConvertInto(image.Pixels, values.AsSpan(i * first.PixelCount, first.PixelCount), $"images[{i}]");
        }
        return new ImageBatch<T>(images.Count, 1, first.Height, first.Width, values);
    }

    /// <summary>The images of several batches of one image shape, in order (N = the sum of their counts).</summary>
    public static ImageBatch<T> Concat(IReadOnlyList<ImageBatch<T>> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        Guard.AtLeast(batches.Count, 1, "batches.Count");
        ImageBatch<T> first = batches[0] ?? throw new ArgumentNullException("batches[0]");
        long count = 0;
        for (int b = 0; b < batches.Count; b++)
        {
            ImageBatch<T> batch = batches[b] ?? throw new ArgumentNullException($"batches[{b}]");
            if (!batch.HasImageShapeOf(first))
                throw new ArgumentException($"batches[{b}] holds {batch.ShapeText} images but batches[0] holds {first.ShapeText}; a batch needs one image shape.", nameof(batches));
            count += batch.Count;
        }
        if (count > int.MaxValue) throw new ArgumentException($"the batches hold {count} images, more than one batch can hold.", nameof(batches));
        int total = CheckShape((int)count, first.Channels, first.Height, first.Width);
        var values = new T[total];
        int offset = 0;
        foreach (ImageBatch<T> batch in batches)
        {
            batch._values.CopyTo(values, offset);
            offset += batch._values.Length;
        }
        return new ImageBatch<T>((int)count, first.Channels, first.Height, first.Width, values);
    }

    /// <summary>Images first … first + count − 1 as a batch of their own (a copy).</summary>
    public ImageBatch<T> Slice(int first, int count)
    {
        if (first < 0 || count < 1 || (long)first + count > Count)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"images {first}..{(long)first + count - 1} are not within 0..{Count - 1}.");
        return new ImageBatch<T>(count, Channels, Height, Width, _values.AsSpan(first * ValuesPerImage, count * ValuesPerImage).ToArray());
    }

    /// <summary>Channel <paramref name="channel"/> of image <paramref name="index"/> as a double <see cref="Image"/> (widened exactly).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // per image and step in the per-image denoisers
    public Image ToImage(int index, int channel = 0)
    {
        ReadOnlySpan<T> image = ImageValues(index);
        if ((uint)channel >= (uint)Channels)
            throw new ArgumentOutOfRangeException(nameof(channel), channel, $"channel = {channel} is outside 0..{Channels - 1}.");
        ReadOnlySpan<T> plane = image.Slice(channel * Height * Width, Height * Width);
        var pixels = new double[plane.Length];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = double.CreateTruncating(plane[i]);
        return Image.FromPixels(Width, Height, pixels);
    }

    /// <summary>Image <paramref name="index"/> of a one-channel batch as a double <see cref="Image"/> (a copy, widened exactly).</summary>
    public Image this[int index] => Channels == 1
        ? ToImage(index)
        : throw new InvalidOperationException($"The batch has {Channels} channels; take one with ToImage(index, channel).");

    /// <summary>The images of a one-channel batch in order, as double <see cref="Image"/>s (copies).</summary>
    public IEnumerable<Image> Images()
    {
        for (int i = 0; i < Count; i++) yield return this[i];
    }

    /// <summary>The values as a new float array (rounded to nearest from double).</summary>
    public float[] ToFloatArray()
    {
        var result = new float[_values.Length];
        for (int i = 0; i < result.Length; i++) result[i] = float.CreateTruncating(_values[i]);
        return result;
    }

    /// <summary>The values as a new double array (exact).</summary>
    public double[] ToDoubleArray()
    {
        var result = new double[_values.Length];
        for (int i = 0; i < result.Length; i++) result[i] = double.CreateTruncating(_values[i]);
        return result;
    }

    /// <summary>This batch in another element type: float → double exactly, double → float rounded to nearest.</summary>
    public ImageBatch<TOther> To<TOther>() where TOther : unmanaged, IFloatingPointIeee754<TOther> =>
        ImageBatch<TOther>.Convert(Count, Channels, Height, Width, (ReadOnlySpan<T>)_values);

    /// <summary>True when <paramref name="other"/> has this C × H × W (any count).</summary>
    public bool HasImageShapeOf<TOther>(ImageBatch<TOther> other) where TOther : unmanaged, IFloatingPointIeee754<TOther> =>
        Channels == other.Channels && Height == other.Height && Width == other.Width;

    /// <summary>Throws unless <paramref name="other"/> has this count and image shape.</summary>
    public void RequireSameShape<TOther>(ImageBatch<TOther> other, string otherName) where TOther : unmanaged, IFloatingPointIeee754<TOther>
    {
        ArgumentNullException.ThrowIfNull(other, otherName);
        if (other.Count != Count || !HasImageShapeOf(other))
            throw new ArgumentException($"{otherName} is {other.Count}×{other.ShapeText} but {Count}×{ShapeText} is required (shapes must match).", otherName);
    }

    /// <summary>"C×H×W".</summary>
    public string ShapeText => $"{Channels}×{Height}×{Width}";

    /// <summary>A batch that takes ownership of <paramref name="values"/> (just written by the library; nobody else holds it).</summary>
    internal static ImageBatch<T> Own(int count, int channels, int height, int width, T[] values) => new(count, channels, height, width, values);

    /// <summary>Same shape and the same values bit for bit (−0 and +0 equal).</summary>
    public bool Equals(ImageBatch<T>? other) =>
        other is not null && Count == other.Count && HasImageShapeOf(other) && _values.AsSpan().SequenceEqual(other._values);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ImageBatch<T> other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Count, Channels, Height, Width, _values[0]);

    /// <inheritdoc />
    public override string ToString() => $"ImageBatch<{typeof(T).Name}> {Count}×{ShapeText}";

    internal static ImageBatch<T> Convert<TSource>(int count, int channels, int height, int width, ReadOnlySpan<TSource> source)
        where TSource : unmanaged, IFloatingPointIeee754<TSource>
    {
        int expected = CheckShape(count, channels, height, width);
        if (source.Length != expected)
            throw new ArgumentException($"values has {source.Length} numbers but {count} images of {channels}×{height}×{width} need {expected}.", "values");
        var values = new T[expected];
        ConvertInto(source, values, "values");
        return new ImageBatch<T>(count, channels, height, width, values);
    }

    private static void ConvertInto<TSource>(ReadOnlySpan<TSource> source, Span<T> destination, string name)
        where TSource : unmanaged, IFloatingPointIeee754<TSource>
    {
        for (int i = 0; i < source.Length; i++)
        {
            T value = T.CreateTruncating(source[i]);
            if (!T.IsFinite(value))
                throw new ArgumentException($"{name}[{i}] = {source[i]} is not finite in {typeof(T).Name}; every value must be a finite number.", name);
            destination[i] = value;
        }
    }

    private static void RequireFinite(ReadOnlySpan<T> values, string name)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!T.IsFinite(values[i]))
                throw new ArgumentException($"{name}[{i}] = {values[i]} is not finite; every value must be a finite number.", name);
        }
    }
}
