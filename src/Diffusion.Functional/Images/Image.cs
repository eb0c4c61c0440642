using Diffusion.Functional.Numerics;

namespace Diffusion.Functional.Images;

/// <summary>
/// An immutable greyscale image: <see cref="Height"/> rows of <see cref="Width"/> pixels, row-major, in double.
/// The diffusion state x_t of one sample. Values are in the model's data range (see <see cref="PixelRange"/>) for
/// x_0 and unbounded for noisy x_t.
/// </summary>
public sealed record Image
{
    private readonly double[] _pixels;

    /// <summary>Pixels per row, ≥ 1.</summary>
    public int Width { get; }

    /// <summary>Rows, ≥ 1.</summary>
    public int Height { get; }

    /// <summary>Width × Height.</summary>
    public int PixelCount => _pixels.Length;

    /// <summary>The pixels, row-major: pixel (row r, column c) is at r·Width + c.</summary>
    public ReadOnlySpan<double> Pixels => _pixels;

    // Takes ownership of the array: only for arrays that nobody else holds.
    private Image(int width, int height, double[] pixels)
    {
        Width = width;
        Height = height;
        _pixels = pixels;
    }

    /// <summary>An image from a copy of row-major pixels.</summary>
    /// <param name="width">Pixels per row, ≥ 1.</param>
    /// <param name="height">Rows, ≥ 1.</param>
    /// <param name="pixels">Exactly width × height finite values.</param>
    public static Image FromPixels(int width, int height, ReadOnlySpan<double> pixels)
    {
        CheckShape(width, height);
        if (pixels.Length != (long)width * height)
            throw new ArgumentException(
                $"pixels has {pixels.Length} values but a {width}×{height} image needs {(long)width * height}.", nameof(pixels));
        for (int i = 0; i < pixels.Length; i++)
        {
            if (!double.IsFinite(pixels[i]))
                throw new ArgumentException($"pixels[{i}] = {pixels[i]} is not finite; every pixel must be a finite number.", nameof(pixels));
        }
        return new Image(width, height, pixels.ToArray());
    }

    /// <summary>An image whose every pixel is <paramref name="value"/>.</summary>
    public static Image Filled(int width, int height, double value)
    {
        CheckShape(width, height);
        Guard.Finite(value, nameof(value));
        var pixels = new double[width * height];
        Array.Fill(pixels, value);
        return new Image(width, height, pixels);
    }

    /// <summary>Wraps an array that the caller gives up (internal: keeps the core allocation-light).</summary>
    internal static Image Own(int width, int height, double[] pixels) => new(width, height, pixels);

    /// <summary>The pixel at row <paramref name="row"/>, column <paramref name="column"/> (0-based).</summary>
    public double this[int row, int column]
    {
        get
        {
            if ((uint)row >= (uint)Height) throw new ArgumentOutOfRangeException(nameof(row), row, $"row = {row} is outside 0..{Height - 1}.");
            if ((uint)column >= (uint)Width) throw new ArgumentOutOfRangeException(nameof(column), column, $"column = {column} is outside 0..{Width - 1}.");
            return _pixels[row * Width + column];
        }
    }

    /// <summary>A copy of the pixels.</summary>
    public double[] ToArray() => (double[])_pixels.Clone();

    /// <summary>True when both images have the same width and height.</summary>
    public bool HasShapeOf(Image other) => Width == other.Width && Height == other.Height;

    /// <summary>Throws an <see cref="ArgumentException"/> naming both shapes unless <paramref name="other"/> has this shape.</summary>
    public void RequireSameShape(Image other, string otherName)
    {
        ArgumentNullException.ThrowIfNull(other, otherName);
        if (!HasShapeOf(other))
            throw new ArgumentException(
                $"{otherName} is {other.Width}×{other.Height} but a {Width}×{Height} image is required (shapes must match).", otherName);
    }

    /// <summary>
    /// a·x + b·y, pixel by pixel: the building block of every Gaussian step in the core. The weights must be finite and
    /// so must every resulting pixel (a sum that overflows throws, naming the pixel).
    /// </summary>
    public static Image Combine(double a, Image x, double b, Image y)
    {
        ArgumentNullException.ThrowIfNull(x);
        x.RequireSameShape(y, nameof(y));
        Guard.Finite(a, nameof(a));
        Guard.Finite(b, nameof(b));
        var result = new double[x.PixelCount];
        ReadOnlySpan<double> xs = x._pixels, ys = y._pixels;
        for (int i = 0; i < result.Length; i++) result[i] = a * xs[i] + b * ys[i];
        int bad = Guard.FirstNonFinite(result);
        if (bad >= 0) throw Overflow($"a·x + b·y with a = {Show(a)}, b = {Show(b)}", bad, result[bad]);
        return new Image(x.Width, x.Height, result);
    }

    /// <summary>a·x + b·y + c·z, pixel by pixel, evaluated as (a·x + b·y) + c·z; finite weights, and a finite result or it throws.</summary>
    public static Image Combine(double a, Image x, double b, Image y, double c, Image z)
    {
        ArgumentNullException.ThrowIfNull(x);
        x.RequireSameShape(y, nameof(y));
        x.RequireSameShape(z, nameof(z));
        Guard.Finite(a, nameof(a));
        Guard.Finite(b, nameof(b));
        Guard.Finite(c, nameof(c));
        var result = new double[x.PixelCount];
        ReadOnlySpan<double> xs = x._pixels, ys = y._pixels, zs = z._pixels;
        for (int i = 0; i < result.Length; i++) result[i] = (a * xs[i] + b * ys[i]) + c * zs[i];
        int bad = Guard.FirstNonFinite(result);
        if (bad >= 0) throw Overflow($"a·x + b·y + c·z with a = {Show(a)}, b = {Show(b)}, c = {Show(c)}", bad, result[bad]);
        return new Image(x.Width, x.Height, result);
    }

    /// <summary>factor·this, pixel by pixel; a finite factor, and a finite result or it throws.</summary>
    public Image Scaled(double factor)
    {
        Guard.Finite(factor, nameof(factor));
        var result = new double[PixelCount];
        for (int i = 0; i < result.Length; i++) result[i] = factor * _pixels[i];
        int bad = Guard.FirstNonFinite(result);
        if (bad >= 0) throw Overflow($"factor·x with factor = {Show(factor)}", bad, result[bad]);
        return new Image(Width, Height, result);
    }

    // Every image keeps the promise of finite pixels: an operation whose result overflowed says so instead.
    private static ArgumentException Overflow(string what, int pixel, double value) =>
        new($"{what} overflows at pixel {pixel} ({Show(value)}): an image's pixels must be finite, and these inputs are too large for these weights.");

    private static string Show(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The pixel-wise difference this − other (e.g. the noise an oracle chain removed).</summary>
    public Image Minus(Image other) => Combine(1.0, this, -1.0, other);

    /// <summary>max |this − other| over pixels; shapes must match.</summary>
    public double MaxAbsDifference(Image other)
    {
        RequireSameShape(other, nameof(other));
        double max = 0.0;
        for (int i = 0; i < _pixels.Length; i++) max = Math.Max(max, Math.Abs(_pixels[i] - other._pixels[i]));
        return max;
    }

    /// <summary>Equal shapes and equal pixels, bit for bit (−0 and +0 count as equal).</summary>
    public bool Equals(Image? other) =>
        other is not null && HasShapeOf(other) && _pixels.AsSpan().SequenceEqual(other._pixels);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Width);
        hash.Add(Height);
        foreach (double p in _pixels) hash.Add(p);
        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => $"Image {Width}×{Height}";

    private static void CheckShape(int width, int height)
    {
        Guard.AtLeast(width, 1, nameof(width));
        Guard.AtLeast(height, 1, nameof(height));
        if ((long)width * height > Array.MaxLength)
            throw new ArgumentException($"A {width}×{height} image has more pixels than an array can hold ({Array.MaxLength}).", nameof(width));
    }
}
