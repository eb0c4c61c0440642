using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Data.Tests.Support;

namespace Diffusion.Functional.Data.Tests.Mnist;

/// <summary>
/// Issue 14, cases 4, 5 and 10 in the reader: only regular files are read (a FIFO once hung open(2) forever), what a
/// header claims is bounded by <see cref="IdxFile.MaxDataBytes"/> and allocated only as data arrives (a 10 MB gzip once
/// took 2.1 GB), and a bad CRC is reported as a bad CRC.
/// </summary>
public sealed class IdxLimitsTests
{
    internal static byte[] Gzip(byte[] plain, CompressionLevel level = CompressionLevel.Optimal)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, level, leaveOpen: true)) gzip.Write(plain);
        return output.ToArray();
    }

    /// <summary>
    /// An IDX3 header claiming count × rows × columns, followed by <paramref name="data"/> bytes of keyed random data
    /// (incompressible, so that a gzip of it is large enough for deflate's 1032× bound to allow the claim).
    /// </summary>
    internal static byte[] ImagesHeader(int count, int rows, int columns, int data)
    {
        var bytes = new byte[16 + data];
        new Random(14).NextBytes(bytes.AsSpan(16));
        BinaryPrimitives.WriteUInt32BigEndian(bytes, IdxFile.ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), columns);
        return bytes;
    }

    private static (Exception? Error, long Allocated) Read(string path)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            IdxFile.ReadImages(path);
            return (null, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        catch (Exception e)
        {
            return (e, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    [Fact]
    public void AGzipThatClaimsMoreThanTheDataSetLimit_IsRefusedBeforeAllocating()
    {
        // Issue 14: a 10 MB gzip claiming 2,739,137 × 28 × 28 images reached 2.1 GB; here a 2.2 MB one makes the same
        // claim, which deflate's 1032× bound would allow.
        using var folder = new TemporaryFolder();
        string path = folder.Write("bomb-images-idx3-ubyte.gz", Gzip(ImagesHeader(2_739_137, 28, 28, 2_200_000)));
        var clock = Stopwatch.StartNew();
        var (error, allocated) = Read(path);
        var e = Assert.IsType<InvalidDataException>(error);
        Assert.Contains($"more than a data set may hold here ({IdxFile.MaxDataBytes} bytes", e.Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes before refusing");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public void AGzipThatClaimsMuchAndHoldsLittle_AllocatesAboutWhatItHolds()
    {
        // 100,000 images claimed (78 MB, below every limit, and a 1 MB gzip may hold that), but only 1 MB of data:
        // the buffer grows with the data, so the read allocates a few MB, not 78.
        byte[] plain = ImagesHeader(100_000, 28, 28, 1 << 20);
        using var folder = new TemporaryFolder();
        string path = folder.Write("short-images-idx3-ubyte.gz", Gzip(plain));
        var (error, allocated) = Read(path);
        Assert.Contains("is truncated", Assert.IsType<InvalidDataException>(error).Message);
        Assert.True(allocated <= 4 * (1 << 20) + (1 << 20), $"allocated {allocated} bytes for 1 MB of data");
    }

    [Fact]
    public void AGzipWithABadCrc_SaysItFailsItsCrcCheck()
    {
        byte[] gzip = Gzip(IdxFile.Encode(IdxImages.FromBytes(2, 2, 2, [1, 2, 3, 4, 5, 6, 7, 8])));
        gzip[^8] ^= 0x5A; // the stored CRC-32
        using var folder = new TemporaryFolder();
        var e = Assert.IsType<InvalidDataException>(Read(folder.Write("crc-images-idx3-ubyte.gz", gzip)).Error);
        Assert.Contains("fails its CRC check", e.Message);
        Assert.DoesNotContain("unsupported compression method", e.Message);
    }

    [Fact]
    public void AGzipWithAFileNameAndComment_InItsHeader_Reads()
    {
        // RFC 1952 FNAME and FCOMMENT: gzip(1) writes the name; the header parser must skip both.
        IdxImages images = IdxImages.FromBytes(1, 1, 3, [7, 8, 9]);
        byte[] raw = Gzip(IdxFile.Encode(images));
        byte[] withName = [.. raw[..3], (byte)(raw[3] | 0x18), .. raw[4..10], .. "x-images-idx3-ubyte\0"u8.ToArray(), .. "a comment\0"u8.ToArray(), .. raw[10..]];
        using var folder = new TemporaryFolder();
        Assert.Equal(images, IdxFile.ReadImages(folder.Write("named-images-idx3-ubyte.gz", withName)));
    }

    [Fact]
    public void AFifo_IsRefusedAtOnce_NotWaitedOn()
    {
        if (OperatingSystem.IsWindows()) return; // no FIFOs at file paths
        using var folder = new TemporaryFolder();
        string fifo = Path.Combine(folder.Path, "train-images-idx3-ubyte");
        using (var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [fifo]) { RedirectStandardError = true })!)
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }
        var reading = Task.Run(() => Read(fifo));
        Assert.True(reading.Wait(TimeSpan.FromSeconds(10)), "reading a FIFO blocked");
        var e = Assert.IsType<InvalidDataException>(reading.Result.Error);
        Assert.Contains("is a FIFO (named pipe), not a regular file", e.Message);
        Assert.Contains(fifo, e.Message);
    }

    [Theory]
    [InlineData("/dev/zero", "a character device")]
    [InlineData("/dev/null", "a character device")]
    public void ADevice_IsRefused(string device, string kind)
    {
        if (!File.Exists(device)) return;
        var e = Assert.IsType<InvalidDataException>(Read(device).Error);
        Assert.Contains($"{device} is {kind}, not a regular file", e.Message);
    }

    [Fact]
    public void AFolderOrAMissingFile_SaysWhich()
    {
        using var folder = new TemporaryFolder();
        Assert.Contains("is a folder", Assert.IsType<InvalidDataException>(Read(folder.Path).Error).Message);
        Assert.IsType<FileNotFoundException>(Read(Path.Combine(folder.Path, "missing")).Error);
    }
}
