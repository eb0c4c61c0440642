namespace Diffusion.Functional.Data.Mnist;

/// <summary>
/// The content of an IDX image file: <see cref="Count"/> images of <see cref="Rows"/> × <see cref="Columns"/>
/// unsigned bytes, image-major then row-major (C order), as MNIST stores them (0 = background, 255 = ink).
/// Immutable: it keeps its own copy of the bytes.
/// </summary>
public sealed record IdxImages
{
    private readonly byte[] _pixels;

    /// <summary>The number of images, ≥ 1.</summary>
    public int Count { get; }

    /// <summary>Rows of every image, ≥ 1 (28 for MNIST).</summary>
    public int Rows { get; }

    /// <summary>Columns of every image, ≥ 1 (28 for MNIST).</summary>
    public int Columns { get; }

    /// <summary>All pixels: image i occupies [i·Rows·Columns, (i + 1)·Rows·Columns).</summary>
    public ReadOnlySpan<byte> Pixels => _pixels;

    /// <summary>Images from a copy of <paramref name="pixels"/>.</summary>
    /// <param name="count">The number of images, ≥ 1.</param>
    /// <param name="rows">Rows per image, ≥ 1.</param>
    /// <param name="columns">Columns per image, ≥ 1.</param>
    /// <param name="pixels">Exactly count × rows × columns bytes.</param>
    public static IdxImages FromBytes(int count, int rows, int columns, ReadOnlySpan<byte> pixels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        if (pixels.Length != (long)count * rows * columns)
            throw new ArgumentException(
                $"pixels has {pixels.Length} bytes but {count} images of {rows}×{columns} need {(long)count * rows * columns}.", nameof(pixels));
        return new IdxImages(count, rows, columns, pixels.ToArray());
    }

    // Takes ownership of an array that nobody else holds (the reader's).
    internal IdxImages(int count, int rows, int columns, byte[] pixels)
    {
        Count = count;
        Rows = rows;
        Columns = columns;
        _pixels = pixels;
    }

    /// <summary>The bytes of image <paramref name="index"/>, 0 ≤ index &lt; Count, without copying.</summary>
    public ReadOnlySpan<byte> Image(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"index = {index} is outside 0..{Count - 1}.");
        int size = Rows * Columns;
        return _pixels.AsSpan(index * size, size);
    }

    /// <summary>Same shape and the same bytes.</summary>
    public bool Equals(IdxImages? other) =>
        other is not null && Count == other.Count && Rows == other.Rows && Columns == other.Columns && Pixels.SequenceEqual(other.Pixels);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Count, Rows, Columns);

    /// <inheritdoc />
    public override string ToString() => $"IdxImages {Count}×{Rows}×{Columns}";
}
