using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Diffusion.Functional.Noise;

/// <summary>
/// Keyed, reproducible standard normal noise: the ε ~ N(0, I) of DDPM (Ho et al. 2020, eq. 4 and Algorithms 1–2).
/// Number n of the stream named by a <see cref="NoiseKey"/> depends only on the key and n, bit for bit, on every
/// machine, instruction set and thread count.
/// </summary>
/// <remarks>
/// Construction (docs/noise.md): 16 xoshiro128+ generators per stream (Blackman &amp; Vigna 2018, "Scrambled linear
/// pseudorandom number generators"; period 2¹²⁸ − 1 each) seeded from the key, and the Box–Muller transform
/// (Box &amp; Muller 1958) in float32 with polynomial ln and sin/cos, within 3.6·10⁻⁷·r of the exact transform of
/// the same uniforms (r = √(−2 ln u₁) ≤ 6.660437, the largest |z| the stream can produce). Numbers 32b … 32b + 15
/// are r·cos θ and 32b + 16 … 32b + 31 are r·sin θ of the b-th pair of draws of lanes 0 … 15.
/// </remarks>
public static class GaussianNoise
{
    /// <summary>The fastest path this machine runs.</summary>
    internal static NoisePath BestPath { get; } =
        NoisePaths.HasVector512 ? NoisePath.Vector512
        : NoisePaths.HasVector256 ? NoisePath.Vector256
        : NoisePath.Scalar;

    /// <summary>
    /// Fills <paramref name="destination"/> with numbers 0 … Length − 1 of the standard normal stream named by
    /// <paramref name="key"/> (DDPM's ε ~ N(0, I); Box &amp; Muller 1958 over xoshiro128+, Blackman &amp; Vigna 2018).
    /// A shorter fill is a prefix of a longer one. Allocates nothing.
    /// </summary>
    /// <param name="key">The stream's name; derive one per image or timestep with <see cref="NoiseKey.Child(ulong)"/>.</param>
    /// <param name="destination">Receives the numbers; any length, 0 included.</param>
    public static void Fill(NoiseKey key, Span<float> destination) => Fill(key, destination, BestPath);

    /// <summary>
    /// Fills <paramref name="destination"/> with the same numbers as <see cref="Fill(NoiseKey, Span{float})"/>
    /// (Box–Muller over xoshiro128+, docs/noise.md), each float widened to double exactly (so the values carry float32
    /// precision, about 7 digits).
    /// </summary>
    /// <param name="key">The stream's name.</param>
    /// <param name="destination">Receives numbers 0 … Length − 1 of the stream; any length, 0 included.</param>
    public static void Fill(NoiseKey key, Span<double> destination) => Fill(key, destination, BestPath);

    /// <summary>
    /// The most numbers <see cref="Sample"/> and <see cref="SampleSingle"/> return in one array: 2²⁸ (1 GiB as float,
    /// 2 GiB as double). A larger count is refused before allocating; <c>Fill</c> writes any length into the caller's span.
    /// </summary>
    public const int MaxSampleCount = 1 << 28;

    /// <summary>
    /// Numbers 0 … <paramref name="count"/> − 1 of the standard normal stream named by <paramref name="key"/>, in float32
    /// (Box &amp; Muller 1958 over xoshiro128+, Blackman &amp; Vigna 2018; docs/noise.md).
    /// </summary>
    /// <param name="key">The stream's name.</param>
    /// <param name="count">How many numbers. Range: 0 ≤ count ≤ <see cref="MaxSampleCount"/>.</param>
    /// <returns>A new array; equal to what <see cref="Fill(NoiseKey, Span{float})"/> writes.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or above <see cref="MaxSampleCount"/>.</exception>
    public static float[] SampleSingle(NoiseKey key, int count)
    {
        var result = new float[CheckCount(count)];
        Fill(key, result);
        return result;
    }

    /// <summary>
    /// Numbers 0 … <paramref name="count"/> − 1 of the standard normal stream named by <paramref name="key"/>,
    /// the float32 values of <see cref="SampleSingle"/> widened exactly (the generator of docs/noise.md).
    /// </summary>
    /// <param name="key">The stream's name.</param>
    /// <param name="count">How many numbers. Range: 0 ≤ count ≤ <see cref="MaxSampleCount"/>.</param>
    /// <returns>A new array; equal to what <see cref="Fill(NoiseKey, Span{double})"/> writes.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or above <see cref="MaxSampleCount"/>.</exception>
    public static double[] Sample(NoiseKey key, int count)
    {
        var result = new double[CheckCount(count)];
        Fill(key, result);
        return result;
    }

    /// <summary><see cref="Fill(NoiseKey, Span{float})"/> on a chosen path (tests force each one).</summary>
    internal static void Fill(NoiseKey key, Span<float> destination, NoisePath path)
    {
        switch (path)
        {
            case NoisePath.Vector512:
                RequireSupported(NoisePaths.HasVector512, path);
                Fill512(key, destination);
                break;
            case NoisePath.Vector256:
                Fill256(key, destination);
                break;
            case NoisePath.Scalar:
                FillScalar(key, destination);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(path), path, "Unknown noise path.");
        }
    }

    /// <summary><see cref="Fill(NoiseKey, Span{double})"/> on a chosen path (tests force each one).</summary>
    internal static void Fill(NoiseKey key, Span<double> destination, NoisePath path)
    {
        switch (path)
        {
            case NoisePath.Vector512:
                RequireSupported(NoisePaths.HasVector512, path);
                Fill512(key, destination);
                break;
            case NoisePath.Vector256:
                Fill256(key, destination);
                break;
            case NoisePath.Scalar:
                FillScalar(key, destination);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(path), path, "Unknown noise path.");
        }
    }

    private static int CheckCount(int count) => count is >= 0 and <= MaxSampleCount
        ? count
        : throw new ArgumentOutOfRangeException(nameof(count), count,
            $"count = {count} is outside 0..{MaxSampleCount}: one call returns at most 2²⁸ numbers (2 GiB as double); fill your own span with Fill for more.");

    private static void RequireSupported(bool supported, NoisePath path)
    {
        if (!supported)
        {
            throw new PlatformNotSupportedException($"The {path} noise path needs hardware this machine lacks.");
        }
    }

    // Each path is its own non-inlined method: inlined into a caller, the 30-register kernel spills.

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Fill512(NoiseKey key, Span<float> destination)
    {
        var stream = new GaussianStream512(key);
        ref float d = ref MemoryMarshal.GetReference(destination);
        int n = destination.Length;
        for (int i = 0; i < n; i += 32)   // one call site of the generator: the JIT inlines it once
        {
            stream.Next(out var a, out var b);
            if (i <= n - 32)
            {
                a.StoreUnsafe(ref d, (nuint)i);
                b.StoreUnsafe(ref d, (nuint)(i + 16));
                continue;
            }

            // The last < 32: a whole vector where 16 are left (784 = 24·32 + 16 needs nothing else), the stack only
            // for the rest (docs/performance.md, "The tails").
            if (i <= n - 16)
            {
                a.StoreUnsafe(ref d, (nuint)i);
                if (i + 16 < n)
                {
                    CopyHead(VectorLanes.Of(ref b), destination[(i + 16)..]);
                }
            }
            else
            {
                CopyHead(VectorLanes.Of(ref a), destination[i..]);
            }

            break;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Fill512(NoiseKey key, Span<double> destination)
    {
        var stream = new GaussianStream512(key);
        ref double d = ref MemoryMarshal.GetReference(destination);
        int n = destination.Length;
        for (int i = 0; i < n; i += 32)   // one call site of the generator: the JIT inlines it once
        {
            stream.Next(out var a, out var b);
            var (a0, a1) = Vector512.Widen(a);
            if (i <= n - 32)
            {
                var (b0, b1) = Vector512.Widen(b);
                a0.StoreUnsafe(ref d, (nuint)i);
                a1.StoreUnsafe(ref d, (nuint)(i + 8));
                b0.StoreUnsafe(ref d, (nuint)(i + 16));
                b1.StoreUnsafe(ref d, (nuint)(i + 24));
                continue;
            }

            if (i <= n - 16)
            {
                a0.StoreUnsafe(ref d, (nuint)i);
                a1.StoreUnsafe(ref d, (nuint)(i + 8));
                if (i + 16 < n)
                {
                    CopyHead(VectorLanes.Of(ref b), destination[(i + 16)..]);
                }
            }
            else
            {
                CopyHead(VectorLanes.Of(ref a), destination[i..]);
            }

            break;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Fill256(NoiseKey key, Span<float> destination)
    {
        var stream = new GaussianStream256(key);
        ref float d = ref MemoryMarshal.GetReference(destination);
        int n = destination.Length;
        for (int i = 0; i < n; i += 32)   // every block in one loop, as in FusedKernels.Forward256
        {
            for (int h = 0; h < 16; h += 8)
            {
                stream.NextHalf(h, out var c, out var s);
                if (i <= n - 32)
                {
                    c.StoreUnsafe(ref d, (nuint)(i + h));
                    s.StoreUnsafe(ref d, (nuint)(i + 16 + h));
                    continue;
                }

                // The last block: the cosines at i + h, then the sines at i + 16 + h, each whole where it fits.
                var numbers = c;
                for (int k = i + h; k < n; k += 16, numbers = s)
                {
                    if (k <= n - 8)
                    {
                        numbers.StoreUnsafe(ref d, (nuint)k);
                    }
                    else
                    {
                        CopyHead(VectorLanes.Of(ref numbers), destination[k..]);
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Fill256(NoiseKey key, Span<double> destination)
    {
        var stream = new GaussianStream256(key);
        ref double d = ref MemoryMarshal.GetReference(destination);
        int n = destination.Length;
        for (int i = 0; i < n; i += 32)
        {
            for (int h = 0; h < 16; h += 8)
            {
                stream.NextHalf(h, out var c, out var s);
                if (i <= n - 32)
                {
                    StoreWidened(c, ref d, i + h);
                    StoreWidened(s, ref d, i + 16 + h);
                    continue;
                }

                var numbers = c;
                for (int k = i + h; k < n; k += 16, numbers = s)
                {
                    if (k <= n - 8)
                    {
                        StoreWidened(numbers, ref d, k);
                    }
                    else
                    {
                        CopyHead(VectorLanes.Of(ref numbers), destination[k..]);
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FillScalar(NoiseKey key, Span<float> destination)
    {
        var stream = new GaussianStreamScalar(key);
        Span<float> block = stackalloc float[32];
        for (int i = 0; i < destination.Length; i += 32)
        {
            if (destination.Length - i >= 32)
            {
                stream.Next(destination[i..]);
            }
            else
            {
                stream.Next(block);
                block[..(destination.Length - i)].CopyTo(destination[i..]);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FillScalar(NoiseKey key, Span<double> destination)
    {
        var stream = new GaussianStreamScalar(key);
        Span<float> block = stackalloc float[32];
        for (int i = 0; i < destination.Length; i += 32)
        {
            stream.Next(block);
            Widen(block[..Math.Min(32, destination.Length - i)], destination[i..]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreWidened(Vector256<float> numbers, ref double destination, int offset)
    {
        var (low, high) = Vector256.Widen(numbers);
        low.StoreUnsafe(ref destination, (nuint)offset);
        high.StoreUnsafe(ref destination, (nuint)(offset + 4));
    }

    // The head of a last, partial vector, through a span over it: no stackalloc in a loop (a dynamic allocation, about
    // 250 ns a call in a process pinned to one core) and no Vector256 passed to a call (docs/performance.md, "The tails").

    /// <summary>The first destination.Length (&lt; numbers.Length) of <paramref name="numbers"/>.</summary>
    private static void CopyHead(ReadOnlySpan<float> numbers, Span<float> destination) => numbers[..destination.Length].CopyTo(destination);

    /// <summary>The first destination.Length (&lt; numbers.Length) of <paramref name="numbers"/>, widened.</summary>
    private static void CopyHead(ReadOnlySpan<float> numbers, Span<double> destination) => Widen(numbers[..destination.Length], destination);

    private static void Widen(ReadOnlySpan<float> source, Span<double> destination)
    {
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = source[i];
        }
    }
}
