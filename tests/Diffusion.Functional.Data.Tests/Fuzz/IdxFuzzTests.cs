using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Data.Tests.Mnist;
using Diffusion.Functional.Data.Tests.Support;

namespace Diffusion.Functional.Data.Tests.Fuzz;

/// <summary>
/// Issue 14's fuzzing of the IDX reader, kept: thousands of mutated files (bit flips, bytes set to 0x00/0xFF/random,
/// header sizes overwritten with large or zero values, truncations, insertions, duplicated blocks), plain and gzip,
/// most read in process and some from disk, plus a gzip bomb and a FIFO. Every file must read or throw an
/// <see cref="InvalidDataException"/> that names it, within <see cref="SlowestFile"/>, allocating at most
/// <see cref="AllocationBound"/>. <c>tools/fuzz/run</c> runs the same with DIFFUSION_FUZZ_SCALE times as many files.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class IdxFuzzTests
{
    /// <summary>How many times the default count of files to run (1 in the suite; tools/fuzz/run sets more).</summary>
    internal static int Scale => int.TryParse(Environment.GetEnvironmentVariable("DIFFUSION_FUZZ_SCALE"), out int s) && s > 0 ? s : 1;

    /// <summary>The longest any one file may take (the slowest seen in issue 14 took 21 ms).</summary>
    private static readonly TimeSpan SlowestFile = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The stated bound on what one read allocates: the first data chunk (64 KiB) and 1 MiB for buffers and messages,
    /// plus three times the bytes the content can hold: the file's length for a plain file, deflate's 1032× of it for a
    /// gzip (the data buffer doubles only as bytes arrive, so at most about twice what arrived is ever held).
    /// </summary>
    private static long AllocationBound(int length, bool gzip) =>
        (1 << 16) + (1 << 20) + 3L * length * (gzip ? IdxFile.MaxGzipExpansion : 1);

    private static readonly byte[][] Seeds = BuildSeeds();

    private static byte[][] BuildSeeds()
    {
        var random = new Random(14);
        byte[] Pixels(int n) { var b = new byte[n]; random.NextBytes(b); return b; }
        var plain = new List<byte[]>
        {
            IdxFile.Encode(IdxImages.FromBytes(3, 28, 28, Pixels(3 * 784))),
            IdxFile.Encode(IdxImages.FromBytes(7, 5, 4, Pixels(140))),
            IdxFile.Encode(IdxImages.FromBytes(1, 1, 1, [255])),
            IdxFile.Encode(IdxLabels.FromBytes([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])),
            IdxLimitsTests.ImagesHeader(50, 28, 28, 0), // a header that promises data it does not have
        };
        return [.. plain, .. plain.Select(IdxGenerators.Gzip), IdxLimitsTests.Gzip(plain[0], CompressionLevel.NoCompression)];
    }

    /// <summary>One mutation of <paramref name="seed"/>, chosen by <paramref name="random"/>.</summary>
    internal static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = new List<byte>(seed);
        int edits = 1 + random.Next(4);
        for (int e = 0; e < edits && bytes.Count > 0; e++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(8))
            {
                case 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: bytes[at] = (byte)random.Next(256); break;
                case 2: bytes[at] = random.Next(2) == 0 ? (byte)0 : (byte)0xFF; break;
                case 3: bytes.RemoveRange(at, bytes.Count - at); break; // truncate
                case 4: bytes.InsertRange(at, Enumerable.Range(0, 1 + random.Next(16)).Select(_ => (byte)random.Next(256))); break;
                case 5:
                {
                    // A size field of the header (bytes 4–15) set to something large, tiny or hostile.
                    if (bytes.Count < 16) break;
                    var header = bytes.GetRange(0, 16).ToArray();
                    uint[] values = [0, 1, 28, 60_000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, (uint)random.Next()];
                    BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4 * (1 + random.Next(3))), values[random.Next(values.Length)]);
                    bytes.RemoveRange(0, 16);
                    bytes.InsertRange(0, header);
                    break;
                }
                case 6:
                {
                    int length = Math.Min(bytes.Count - at, 1 + random.Next(64));
                    bytes.InsertRange(at, bytes.GetRange(at, length)); // a duplicated block
                    break;
                }
                default: bytes.RemoveAt(at); break;
            }
        }
        return [.. bytes];
    }

    /// <summary>Reads the bytes in process as an image file (labels seeds fail their magic: also a path worth fuzzing).</summary>
    private static void AssertReadsOrFailsCleanly(byte[] file, string name, Func<byte[], string, object> read)
    {
        bool gzip = file.Length >= 2 && file[0] == 0x1F && file[1] == 0x8B;
        var clock = Stopwatch.StartNew();
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            read(file, name);
        }
        catch (InvalidDataException e)
        {
            Assert.Contains(name, e.Message);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(clock.Elapsed < SlowestFile, $"{name}: {file.Length} bytes took {clock.Elapsed}");
        long bound = AllocationBound(file.Length, gzip);
        Assert.True(allocated <= bound, $"{name}: a {file.Length}-byte file allocated {allocated} bytes, above the bound {bound}");
    }

    [Fact]
    public void ThousandsOfMutatedFiles_InProcess_ReadOrFailCleanly_WithinTheBounds()
    {
        var random = new Random(20_140_001);
        int files = 4000 * Scale;
        for (int n = 0; n < files; n++)
        {
            byte[] file = Mutate(Seeds[n % Seeds.Length], random);
            string name = $"mutant-{n}-images-idx3-ubyte";
            AssertReadsOrFailsCleanly(file, name, (bytes, what) => IdxFile.ReadImages(new MemoryStream(bytes), what));
            AssertReadsOrFailsCleanly(file, name, (bytes, what) => IdxFile.ReadLabels(new MemoryStream(bytes), what));
        }
    }

    [Fact]
    public void HundredsOfMutatedFiles_OnDisk_ReadOrFailCleanly_WithinTheBounds()
    {
        var random = new Random(20_140_002);
        using var folder = new TemporaryFolder();
        for (int n = 0; n < 300 * Scale; n++)
        {
            byte[] file = Mutate(Seeds[n % Seeds.Length], random);
            string path = folder.Write($"disk-{n}-images-idx3-ubyte", file);
            AssertReadsOrFailsCleanly(file, path, (_, what) => IdxFile.ReadImages(what));
            File.Delete(path);
        }
    }

    [Fact]
    public void AGzipBomb_AndAFifo_FailCleanly_WithinTheBounds()
    {
        // The bomb: 64 MiB of zeros (a 64 KB gzip, which deflate's bound lets claim about 67 MB) behind a header that
        // claims 83,000 images of 28 × 28 (65 MB): the claim passes, the data runs past it, and the buffer grows only
        // with the zeros that arrive.
        byte[] bomb = IdxLimitsTests.Gzip([.. IdxLimitsTests.ImagesHeader(83_000, 28, 28, 0), .. new byte[64 << 20]]);
        using var folder = new TemporaryFolder();
        string path = folder.Write("bomb-images-idx3-ubyte.gz", bomb);
        var clock = Stopwatch.StartNew();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Matches("has bytes after|is truncated|more than a gzip file of its size", e.Message);
        Assert.True(allocated <= 3L * (64 << 20) + (2 << 20), $"the bomb allocated {allocated} bytes for 64 MiB of content");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the bomb took {clock.Elapsed}");

        if (OperatingSystem.IsWindows()) return;
        string fifo = Path.Combine(folder.Path, "fifo-images-idx3-ubyte");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
        var reading = Task.Run(() => Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(fifo)));
        Assert.True(reading.Wait(TimeSpan.FromSeconds(10)), "reading a FIFO blocked");
    }
}
