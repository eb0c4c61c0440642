using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Diffusion.Functional.Images;

namespace Diffusion.Functional.Data.Npy;

/// <summary>
/// Writes arrays in NumPy's .npy format, version 1.0 (NumPy Enhancement Proposal 1, "A simple file format for NumPy
/// arrays"), so that <c>numpy.load</c> reads them: the magic <c>\x93NUMPY</c>, version 1.0, a little-endian uint16
/// header length, an ASCII Python dict (<c>descr</c>, <c>fortran_order</c>, <c>shape</c>) padded with spaces and a
/// newline so that the data starts at a multiple of 64 bytes, then the elements in C order.
/// </summary>
public static class NpyFile
{
    /// <summary>
    /// The largest .npy this writer makes: <see cref="Array.MaxLength"/> bytes (about 2 GiB), one array in memory; for
    /// float32 images of 28 × 28 that is 684,784 of them. A larger shape is refused before allocating.
    /// </summary>
    public const long MaxBytes = 0x7FFFFFC7;

    /// <summary>The 6-byte magic string that starts every .npy file.</summary>
    internal static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>NumPy aligns the start of the data to this many bytes.</summary>
    internal const int Alignment = 64;

    /// <summary>One image as an array of shape (Height, Width).</summary>
    public static byte[] Encode(Image image, NpyElementType type = NpyElementType.Float32)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Encode(image.Pixels, [image.Height, image.Width], type);
    }

    /// <summary>Images of one shape (e.g. the frames of a chain) as an array of shape (N, Height, Width).</summary>
    /// <param name="images">At least one image; all of images[0]'s shape.</param>
    /// <param name="type">The element type.</param>
    public static byte[] Encode(IReadOnlyList<Image> images, NpyElementType type = NpyElementType.Float32)
    {
        ImageBatch<double> batch = ImageBatch<double>.FromImages(images);
        return Encode(batch.Values, [batch.Count, batch.Height, batch.Width], type);
    }

    /// <summary>A batch as an array of shape (N, C, H, W), NCHW as PyTorch and the batched samplers hold it.</summary>
    /// <param name="batch">Any batch, float or double (float values are written exactly).</param>
    /// <param name="type">The element type.</param>
    public static byte[] Encode<T>(ImageBatch<T> batch, NpyElementType type = NpyElementType.Float32)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(batch);
        return Encode(batch.ToDoubleArray(), [batch.Count, batch.Channels, batch.Height, batch.Width], type);
    }

    /// <summary>Any array of doubles in C order with the given shape.</summary>
    /// <param name="values">Exactly the product of <paramref name="shape"/> values.</param>
    /// <param name="shape">One or more sizes, each ≥ 0.</param>
    /// <param name="type">The element type.</param>
    public static byte[] Encode(ReadOnlySpan<double> values, ReadOnlySpan<int> shape, NpyElementType type = NpyElementType.Float32)
    {
        if (shape.IsEmpty) throw new ArgumentException("shape is empty; give at least one dimension.", nameof(shape));
        long count = 1;
        foreach (int size in shape)
        {
            if (size < 0) throw new ArgumentOutOfRangeException(nameof(shape), size, $"shape has a negative size {size}; sizes must be ≥ 0.");
            count = count > MaxBytes && size != 0 ? count : count * size; // saturates above the limit: no overflow
        }
        // Checked before the values' length: the shape alone says whether the file can be made (K ≥ 684,785 images of
        // 28 × 28 float32 once overflowed an int here).
        long total = (count > MaxBytes ? MaxBytes + 1 : count * ElementSize(type)) + 128;
        if (total > MaxBytes)
            throw new ArgumentException(
                $"shape ({string.Join(", ", shape.ToArray())}) of {ElementSize(type)}-byte values makes a .npy of about {(double)count * ElementSize(type):G3} bytes, more than one file buffer holds ({MaxBytes} bytes, NpyFile.MaxBytes).", nameof(shape));
        if (count != values.Length)
            throw new ArgumentException($"values has {values.Length} elements but shape ({string.Join(", ", shape.ToArray())}) needs {count}.", nameof(values));

        byte[] header = Header(shape, type);
        int elementSize = ElementSize(type);
        var bytes = new byte[header.Length + (long)values.Length * elementSize];
        header.CopyTo(bytes, 0);
        Span<byte> data = bytes.AsSpan(header.Length);
        for (int i = 0; i < values.Length; i++)
        {
            switch (type)
            {
                case NpyElementType.Float32:
                    BinaryPrimitives.WriteSingleLittleEndian(data[(4 * i)..], (float)values[i]);
                    break;
                case NpyElementType.Float64:
                    BinaryPrimitives.WriteDoubleLittleEndian(data[(8 * i)..], values[i]);
                    break;
                default:
                    throw UnknownType(type);
            }
        }
        return bytes;
    }

    /// <summary>The NumPy dtype string of <paramref name="type"/>: <c>&lt;f4</c> or <c>&lt;f8</c>.</summary>
    internal static string Descr(NpyElementType type) => type switch
    {
        NpyElementType.Float32 => "<f4",
        NpyElementType.Float64 => "<f8",
        _ => throw UnknownType(type),
    };

    /// <summary>Bytes per element of <paramref name="type"/>: 4 or 8.</summary>
    internal static int ElementSize(NpyElementType type) => type switch
    {
        NpyElementType.Float32 => 4,
        NpyElementType.Float64 => 8,
        _ => throw UnknownType(type),
    };

    // Magic, version 1.0, uint16 length, dict padded with spaces to the alignment and ended by '\n'.
    private static byte[] Header(ReadOnlySpan<int> shape, NpyElementType type)
    {
        string sizes = shape.Length == 1
            ? $"{shape[0].ToString(CultureInfo.InvariantCulture)},"
            : string.Join(", ", shape.ToArray().Select(s => s.ToString(CultureInfo.InvariantCulture)));
        string dict = $"{{'descr': '{Descr(type)}', 'fortran_order': False, 'shape': ({sizes}), }}";
        int prefix = Magic.Length + 2 + 2;
        int total = (prefix + dict.Length + 1 + Alignment - 1) / Alignment * Alignment;
        string padded = dict.PadRight(total - prefix - 1) + "\n";
        if (padded.Length > ushort.MaxValue)
            throw new ArgumentException($"The .npy header of shape ({sizes}) is longer than version 1.0 allows (65535 bytes).", nameof(shape));

        var header = new byte[total];
        Magic.CopyTo(header);
        header[6] = 1;
        header[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)padded.Length);
        Encoding.ASCII.GetBytes(padded, header.AsSpan(prefix));
        return header;
    }

    private static ArgumentOutOfRangeException UnknownType(NpyElementType type) =>
        new(nameof(type), type, $"type = {type} is not an NpyElementType (Float32 or Float64).");
}
