namespace Diffusion.Functional.Data.Mnist;

/// <summary>
/// A read-only pass-through stream that computes the CRC-32 of what is read through it (the CRC of gzip's trailer,
/// RFC 1952 §8: the reflected polynomial 0xEDB88320, initial value and final xor 0xFFFFFFFF) and counts the bytes.
/// </summary>
internal sealed class Crc32Stream(Stream inner) : Stream
{
    private static readonly uint[] Table = BuildTable();
    private uint _crc = 0xFFFFFFFFu;

    /// <summary>The CRC-32 of the bytes read so far.</summary>
    public uint Crc32 => ~_crc;

    /// <summary>How many bytes were read through this stream.</summary>
    public long BytesRead { get; private set; }

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        uint crc = _crc;
        foreach (byte b in buffer[..n]) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        _crc = crc;
        BytesRead += n;
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
