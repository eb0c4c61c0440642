using System.Buffers.Binary;
using System.IO.Compression;

namespace Diffusion.Functional.Data.Mnist;

/// <summary>
/// Reads and writes the IDX files of MNIST (LeCun, Cortes &amp; Burges, "The MNIST database of handwritten digits",
/// section "File formats"): <c>*-images-idx3-ubyte</c> and <c>*-labels-idx1-ubyte</c>, plain or gzip-compressed
/// (detected from the content, not the name). This is the one place where untrusted bytes come in: a file that is
/// not a well-formed MNIST file throws an <see cref="InvalidDataException"/> that names the file and the problem,
/// and nothing larger than the file can hold is ever allocated.
/// </summary>
/// <remarks>
/// Layout: a 4-byte magic number 00 00 TT DD (TT = 0x08, unsigned bytes; DD = the number of dimensions), then DD
/// big-endian 32-bit sizes, then the data in C order. Images: DD = 3, sizes (count, rows, columns). Labels: DD = 1.
/// </remarks>
public static class IdxFile
{
    /// <summary>The magic number of an image file: unsigned bytes (0x08), 3 dimensions.</summary>
    public const uint ImagesMagic = 0x00000803;

    /// <summary>The magic number of a label file: unsigned bytes (0x08), 1 dimension.</summary>
    public const uint LabelsMagic = 0x00000801;

    /// <summary>
    /// The largest factor by which deflate can expand its input (about 1032:1, zlib's technical notes): a gzip file
    /// of n bytes cannot decompress to more than 1032·n bytes, which bounds what a header may claim.
    /// </summary>
    public const long MaxGzipExpansion = 1032;

    /// <summary>
    /// The most data bytes (pixels or labels, after the header) one file may hold: 2³⁰ = 1 GiB, about 1.37 million
    /// 28×28 images (MNIST's training set is 47 MB, EMNIST's largest split 638 MB). A header that claims more is refused
    /// before anything is allocated, however small the file (a gzip can claim 1032× its size and honour it).
    /// </summary>
    public const long MaxDataBytes = 1L << 30;

    /// <summary>
    /// The first buffer for the data: 64 KiB, or the header's claim if smaller. It doubles (up to the claim) only as
    /// bytes actually arrive, so a file that claims much and holds little costs little.
    /// </summary>
    private const int FirstChunk = 1 << 16;

    private const byte UnsignedByteType = 0x08;

    // RFC 1952: a 10-byte header, at least one byte of deflate data and an 8-byte trailer (CRC-32, ISIZE).
    private const int MinimumGzipLength = 10 + 8;

    /// <summary>Reads an image file (plain or gzip) from disk.</summary>
    /// <param name="path">An IDX3 file of unsigned bytes with count, rows, columns ≥ 1.</param>
    /// <exception cref="InvalidDataException">The file is not such a file; the message names it and says why.</exception>
    public static IdxImages ReadImages(string path)
    {
        using FileStream stream = OpenRead(path);
        return ReadImages(stream, path);
    }

    /// <summary>Reads a label file (plain or gzip) from disk.</summary>
    /// <param name="path">An IDX1 file of unsigned bytes with count ≥ 1.</param>
    /// <exception cref="InvalidDataException">The file is not such a file; the message names it and says why.</exception>
    public static IdxLabels ReadLabels(string path)
    {
        using FileStream stream = OpenRead(path);
        return ReadLabels(stream, path);
    }

    /// <summary>Reads an image file from a seekable stream of known length (e.g. a file or an embedded resource).</summary>
    /// <param name="stream">Seekable, positioned at the start of the file.</param>
    /// <param name="name">The file's name, used in error messages.</param>
    public static IdxImages ReadImages(Stream stream, string name)
    {
        var (sizes, data) = Read(stream, name, dimensions: 3, "image");
        return new IdxImages((int)sizes[0], (int)sizes[1], (int)sizes[2], data);
    }

    /// <summary>Reads a label file from a seekable stream of known length.</summary>
    /// <param name="stream">Seekable, positioned at the start of the file.</param>
    /// <param name="name">The file's name, used in error messages.</param>
    public static IdxLabels ReadLabels(Stream stream, string name)
    {
        var (_, data) = Read(stream, name, dimensions: 1, "label");
        return new IdxLabels(data);
    }

    /// <summary>The plain (uncompressed) IDX3 bytes of <paramref name="images"/>.</summary>
    public static byte[] Encode(IdxImages images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var bytes = new byte[16 + images.Pixels.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), images.Count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), images.Rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), images.Columns);
        images.Pixels.CopyTo(bytes.AsSpan(16));
        return bytes;
    }

    /// <summary>The plain (uncompressed) IDX1 bytes of <paramref name="labels"/>.</summary>
    public static byte[] Encode(IdxLabels labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var bytes = new byte[8 + labels.Count];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Count);
        labels.Values.CopyTo(bytes.AsSpan(8));
        return bytes;
    }

    // Only regular files, opened without blocking (a FIFO would wait forever for a writer).
    private static FileStream OpenRead(string path) => RegularFile.OpenRead(path);

    private static (uint[] Sizes, byte[] Data) Read(Stream stream, string name, int dimensions, string kind)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
            throw new ArgumentException($"The stream of {name} cannot seek; the reader needs its length to bound what it allocates.", nameof(stream));
        long length = stream.Length - stream.Position;
        long start = stream.Position;
        Span<byte> signature = stackalloc byte[2];
        int signatureLength = ReadAtMost(stream, signature, name);
        stream.Position = start;
        bool gzip = signatureLength == 2 && signature[0] == 0x1F && signature[1] == 0x8B;
        if (!gzip) return ReadIdx(stream, name, dimensions, kind, length, gzip: false);

        // RFC 1952: the header is parsed here and the deflate data inflated raw, so that the CRC-32 and the length of
        // the trailer are checked here too, with our message (zlib's gzip mode reports a bad CRC as "an unsupported
        // compression method"), and a stream cut off before its trailer is caught.
        if (length < MinimumGzipLength)
            throw Invalid(name, $"is {length} bytes long, too short for a gzip file ({MinimumGzipLength} bytes at least).");
        SkipGzipHeader(stream, name, length);
        (uint Crc, uint Size) trailer;
        (uint[] Sizes, byte[] Data) result;
        using (var decompressed = new DeflateStream(stream, CompressionMode.Decompress, leaveOpen: true))
        {
            var content = new Crc32Stream(decompressed);
            result = ReadIdx(content, name, dimensions, kind, checked(length * MaxGzipExpansion), gzip: true);
            trailer = (content.Crc32, (uint)content.BytesRead); // RFC 1952: ISIZE is the length modulo 2³².
        }
        stream.Position = start + length - 8;
        Span<byte> stored = stackalloc byte[8];
        stream.ReadExactly(stored);
        var (crc, size) = (BinaryPrimitives.ReadUInt32LittleEndian(stored), BinaryPrimitives.ReadUInt32LittleEndian(stored[4..]));
        if (size == trailer.Size && crc != trailer.Crc)
            throw Invalid($"{name} (gzip)",
                $"fails its CRC check: the trailer says CRC-32 {crc:X8} but the content has {trailer.Crc:X8}; the file is corrupt.");
        if ((crc, size) != trailer)
            throw Invalid($"{name} (gzip)",
                $"ends with a trailer (CRC-32 {crc:X8}, length {size}) that does not match its content (CRC-32 {trailer.Crc:X8}, length {trailer.Size}): it is truncated or corrupt, or holds several gzip members.");
        return result;
    }

    // RFC 1952 §2.3: ID1 ID2 CM FLG MTIME(4) XFL OS, then FEXTRA (2-byte length and data), FNAME and FCOMMENT (each
    // zero-terminated) and FHCRC (2 bytes) when their flag bits are set. Leaves the stream at the deflate data.
    private static void SkipGzipHeader(Stream stream, string name, long length)
    {
        long end = stream.Position + length;
        Span<byte> fixedPart = stackalloc byte[10];
        stream.ReadExactly(fixedPart);
        if (fixedPart[2] != 8)
            throw Invalid($"{name} (gzip)", $"uses compression method {fixedPart[2]}; gzip files use deflate (method 8).");
        byte flags = fixedPart[3];
        if ((flags & 0xE0) != 0)
            throw Invalid($"{name} (gzip)", $"sets reserved header flags (0x{flags:X2}); it is not a gzip file this reader understands.");
        if ((flags & 0x04) != 0)
        {
            Span<byte> extraLength = stackalloc byte[2];
            ReadHeaderBytes(stream, extraLength, name, end);
            Skip(stream, BinaryPrimitives.ReadUInt16LittleEndian(extraLength), name, end);
        }
        if ((flags & 0x08) != 0) SkipZeroTerminated(stream, name, end);
        if ((flags & 0x10) != 0) SkipZeroTerminated(stream, name, end);
        if ((flags & 0x02) != 0) Skip(stream, 2, name, end);
        if (end - stream.Position < 8)
            throw Invalid($"{name} (gzip)", "ends inside its header: there is no room for the data and the 8-byte trailer.");
    }

    private static void ReadHeaderBytes(Stream stream, Span<byte> buffer, string name, long end)
    {
        if (end - stream.Position < buffer.Length)
            throw Invalid($"{name} (gzip)", "ends inside its header.");
        stream.ReadExactly(buffer);
    }

    private static void Skip(Stream stream, int count, string name, long end)
    {
        if (end - stream.Position < count)
            throw Invalid($"{name} (gzip)", "ends inside its header.");
        stream.Position += count;
    }

    private static void SkipZeroTerminated(Stream stream, string name, long end)
    {
        while (stream.Position < end)
        {
            if (stream.ReadByte() == 0) return;
        }
        throw Invalid($"{name} (gzip)", "ends inside its header (a file name or comment without its terminating zero).");
    }

    // limit: the most bytes the (decompressed) content can have, known before anything is allocated.
    private static (uint[] Sizes, byte[] Data) ReadIdx(Stream content, string name, int dimensions, string kind, long limit, bool gzip)
    {
        string what = gzip ? $"{name} (gzip)" : name;
        int headerLength = 4 + 4 * dimensions;
        Span<byte> header = stackalloc byte[headerLength];
        int got = ReadAtMost(content, header, what);
        if (got < 4)
            throw Invalid(what, $"is truncated: it ends after {got} bytes, inside the 4-byte magic number of an IDX {kind} file.");

        uint magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        uint expectedMagic = dimensions == 3 ? ImagesMagic : LabelsMagic;
        if (header[0] != 0 || header[1] != 0)
            throw Invalid(what, $"does not start with an IDX magic number: it starts with {Hex(header[..4])}, an IDX {kind} file with {Hex(expectedMagic)}.");
        if (header[2] != UnsignedByteType)
            throw Invalid(what, $"holds elements of IDX type 0x{header[2]:X2}; MNIST files hold unsigned bytes (type 0x08, magic {Hex(expectedMagic)}).");
        if (header[3] != dimensions)
            throw Invalid(what, $"has {header[3]} dimensions (magic {Hex(magic)}); an IDX {kind} file has {dimensions} (magic {Hex(expectedMagic)}). Is it the other file of the pair?");
        if (got < headerLength)
            throw Invalid(what, $"is truncated: it ends after {got} bytes, inside the {headerLength}-byte header.");

        string[] sizeNames = dimensions == 3 ? ["count", "rows", "columns"] : ["count"];
        var sizes = new uint[dimensions];
        UInt128 dataLength = 1;
        for (int i = 0; i < dimensions; i++)
        {
            sizes[i] = BinaryPrimitives.ReadUInt32BigEndian(header[(4 + 4 * i)..]);
            if (sizes[i] == 0)
                throw Invalid(what, $"says {sizeNames[i]} = 0; an MNIST {kind} file has at least one of each.");
            if (sizes[i] > int.MaxValue)
                throw Invalid(what, $"says {sizeNames[i]} = {sizes[i]}, more than any file can hold (at most {int.MaxValue}).");
            dataLength *= sizes[i]; // three sizes below 2³¹: the product is below 2⁹³ and cannot overflow UInt128.
        }

        string shape = string.Join(" × ", sizes);
        UInt128 available = (UInt128)Math.Max(0, limit - headerLength);
        if (dataLength > available)
            throw Invalid(what, gzip
                ? $"says it holds {shape} = {dataLength} bytes, more than a gzip file of its size can decompress to ({available} bytes after the header at most; deflate expands at most {MaxGzipExpansion}×)."
                : $"says it holds {shape} = {dataLength} bytes, but only {available} bytes follow the header.");
        if (dataLength > (UInt128)MaxDataBytes)
            throw Invalid(what, $"says it holds {shape} = {dataLength} bytes, more than a data set may hold here ({MaxDataBytes} bytes, IdxFile.MaxDataBytes; docs/limits.md).");

        byte[] data = ReadGrowing(content, (int)dataLength, what, out int read);
        if (read < data.Length)
            throw Invalid(what, $"is truncated: the header promises {shape} = {dataLength} data bytes but only {read} follow it.");
        Span<byte> extra = stackalloc byte[1];
        if (ReadAtMost(content, extra, what) != 0)
            throw Invalid(what, $"has bytes after the {shape} = {data.Length} data bytes its header promises; it is not a well-formed IDX {kind} file.");
        return (sizes, data);
    }

    // Reads up to `claimed` bytes into a buffer that starts at FirstChunk and doubles only when it is full, so what is
    // allocated is at most about twice what actually arrived (plus the first chunk), never the header's claim alone.
    private static byte[] ReadGrowing(Stream content, int claimed, string what, out int read)
    {
        var buffer = new byte[Math.Min(claimed, FirstChunk)];
        read = 0;
        while (true)
        {
            read += ReadAtMost(content, buffer.AsSpan(read), what);
            if (read < buffer.Length || buffer.Length == claimed) return buffer;
            var larger = new byte[(int)Math.Min((long)buffer.Length * 2, claimed)];
            buffer.CopyTo(larger, 0);
            buffer = larger;
        }
    }

    // Reads until the buffer is full or the content ends; a gzip that does not decompress becomes our error.
    private static int ReadAtMost(Stream content, Span<byte> buffer, string what)
    {
        int total = 0;
        try
        {
            while (total < buffer.Length)
            {
                int n = content.Read(buffer[total..]);
                if (n == 0) break;
                total += n;
            }
        }
        catch (InvalidDataException e)
        {
            throw Invalid(what, $"does not decompress: {e.Message}", e);
        }
        return total;
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => string.Join(' ', bytes.ToArray().Select(b => b.ToString("X2")));

    private static string Hex(uint magic)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, magic);
        return Hex(bytes);
    }

    private static InvalidDataException Invalid(string what, string problem, Exception? inner = null) =>
        new($"{what} {problem}", inner);
}
