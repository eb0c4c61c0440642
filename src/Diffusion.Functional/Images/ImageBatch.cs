using Diffusion.Functional.Numerics;

namespace Diffusion.Functional.Images;

/// <summary>
/// An immutable batch of <see cref="Count"/> greyscale images of one shape, stored contiguously
/// (image-major, then row-major), in double: the layout (N, H, W) of a PyTorch batch with one channel.
/// </summary>
public sealed record ImageBatch
{
    private readonly double[] _pixels;

    /// <summary>The number of images, ≥ 1.</summary>
    public int Count { get; }

    /// <summary>Pixels per row of every image.</summary>
    public int Width { get; }

    /// <summary>Rows of every image.</summary>
    public int Height { get; }

    /// <summary>Pixels per image, Width × Height.</summary>
    public int PixelsPerImage => Width * Height;

    /// <summary>All pixels: image i occupies [i·PixelsPerImage, (i + 1)·PixelsPerImage).</summary>
    public ReadOnlySpan<double> Pixels => _pixels;

    private ImageBatch(int count, int width, int height, double[] pixels)
    {
        Count = count;
        Width = width;
        Height = height;
        _pixels = pixels;
    }

    /// <summary>A batch from images that all have the first image's shape.</summary>
    /// <param name="images">At least one image; every image must be as wide and as high as images[0].</param>
    public static ImageBatch FromImages(IReadOnlyList<Image> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        Guard.AtLeast(images.Count, 1, "images.Count");
        Image first = images[0];
        var pixels = new double[(long)images.Count * first.PixelCount];
        for (int i = 0; i < images.Count; i++)
        {
            Image image = images[i] ?? throw new ArgumentNullException($"images[{i}]");
            if (!image.HasShapeOf(first))
                throw new ArgumentException(
                    $"images[{i}] is {image.Width}×{image.Height} but images[0] is {first.Width}×{first.Height}; a batch needs one shape.",
                    nameof(images));
            image.Pixels.CopyTo(pixels.AsSpan(i * first.PixelCount));
        }
        return new ImageBatch(images.Count, first.Width, first.Height, pixels);
    }

    /// <summary>
    /// A batch of <paramref name="count"/> images of width × height whose pixels <paramref name="write"/> puts in place,
    /// image by image, straight into the batch: a large training set is stored once, not first as images and then
    /// copied (60,000 MNIST digits are 376 MB as doubles).
    /// </summary>
    /// <param name="count">The number of images, ≥ 1.</param>
    /// <param name="width">Pixels per row, ≥ 1.</param>
    /// <param name="height">Rows, ≥ 1.</param>
    /// <param name="write">write(pixels, i) writes image i's width × height pixels, row-major; each must be finite.</param>
    public static ImageBatch Create(int count, int width, int height, System.Buffers.SpanAction<double, int> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        Guard.AtLeast(count, 1, nameof(count));
        Guard.AtLeast(width, 1, nameof(width));
        Guard.AtLeast(height, 1, nameof(height));
        long total = (long)count * width * height;
        if (total > Array.MaxLength)
            throw new ArgumentException($"{count} images of {width}×{height} are {total} pixels, more than one array can hold ({Array.MaxLength}).", nameof(count));
        var pixels = new double[total];
        int size = width * height;
        for (int i = 0; i < count; i++) write(pixels.AsSpan(i * size, size), i);
        int bad = Guard.FirstNonFinite(pixels);
        if (bad >= 0)
            throw new ArgumentException($"image {bad / size}, pixel {bad % size} is {pixels[bad]}; every pixel must be a finite number.", nameof(write));
        return new ImageBatch(count, width, height, pixels);
    }

    /// <summary>Image <paramref name="index"/> of the batch (a copy), 0 ≤ index &lt; Count.</summary>
    public Image this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(index), index, $"index = {index} is outside 0..{Count - 1}.");
            return Image.FromPixels(Width, Height, ImagePixels(index));
        }
    }

    /// <summary>The pixels of image <paramref name="index"/>, without copying.</summary>
    public ReadOnlySpan<double> ImagePixels(int index) => _pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);

    /// <summary>The images in order (copies).</summary>
    public IEnumerable<Image> Images()
    {
        for (int i = 0; i < Count; i++) yield return this[i];
    }

    /// <summary>Same count, same shape and equal pixels bit for bit.</summary>
    public bool Equals(ImageBatch? other) =>
        other is not null && Count == other.Count && Width == other.Width && Height == other.Height
        && _pixels.AsSpan().SequenceEqual(other._pixels);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Count, Width, Height, _pixels.Length > 0 ? _pixels[0] : 0.0);

    /// <inheritdoc />
    public override string ToString() => $"ImageBatch {Count}×{Width}×{Height}";
}
