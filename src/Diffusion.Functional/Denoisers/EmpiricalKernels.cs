using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Diffusion.Functional.Noise;

namespace Diffusion.Functional.Denoisers;

/// <summary>
/// The two loops of <see cref="EmpiricalData"/> over the training set, vectorised so that every path gives the same
/// bits (a sample drawn with the empirical denoiser is then the same on every machine):
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>
/// <see cref="SquaredDistance"/> Σ_p (x_p − a·y_p)²: each term is rounded as written (a multiply, a subtract, a
/// multiply; no fused multiply-add) and added into one of 16 partial sums, pixel p into sum p mod 16, in pixel order;
/// the 16 sums are then added pairwise (sum j + sum j + 8, then j + 4, j + 2, j + 1), and the pixels after the last full
/// block of 16 one by one after that. Vector512 holds the 16 sums in two registers, Vector256 in four, the scalar path eight
/// at a time in locals: the same additions in the same order. The 16 independent sums also let the additions overlap, which
/// a single running sum (its latency on every pixel) did not.
/// </item>
/// <item>
/// <see cref="AddScaled"/> m_p ← m_p + w·y_p: pixel by pixel, so any vector width gives the scalar loop's bits.
/// </item>
/// </list>
/// </remarks>
internal static class EmpiricalKernels
{
    /// <summary>The number of partial sums of <see cref="SquaredDistance"/>.</summary>
    public const int Lanes = 16;

    /// <summary>The fastest path this machine runs (all give the same bits).</summary>
    public static NoisePath BestPath { get; } =
        Vector512.IsHardwareAccelerated ? NoisePath.Vector512
        : Vector256.IsHardwareAccelerated ? NoisePath.Vector256
        : NoisePath.Scalar;

    /// <summary>Σ_p (x_p − a·y_p)² over equally long spans, in the order described on the class.</summary>
    public static double SquaredDistance(NoisePath path, ReadOnlySpan<double> x, double a, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length)
            throw new ArgumentException($"x has {x.Length} values but y has {y.Length}; they must be equally long.", nameof(y));
        Span<double> sums = stackalloc double[Lanes];
        int blocks = x.Length / Lanes;
        switch (path)
        {
            case NoisePath.Vector512:
                PartialSums512(x, a, y, blocks, sums);
                break;
            case NoisePath.Vector256:
                PartialSums256(x, a, y, blocks, sums);
                break;
            case NoisePath.Scalar:
                PartialSumsScalar(x, a, y, blocks, sums);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(path), path, $"path = {path} is not a NoisePath (Scalar, Vector256 or Vector512).");
        }
        for (int width = Lanes / 2; width >= 1; width /= 2)
            for (int j = 0; j < width; j++) sums[j] += sums[j + width];
        double total = sums[0];
        for (int p = blocks * Lanes; p < x.Length; p++)
        {
            double d = x[p] - a * y[p];
            total += d * d;
        }
        return total;
    }

    /// <summary>m_p ← m_p + w·y_p for every p (the product rounded, then the sum), over equally long spans.</summary>
    public static void AddScaled(NoisePath path, Span<double> m, double w, ReadOnlySpan<double> y)
    {
        if (m.Length != y.Length)
            throw new ArgumentException($"m has {m.Length} values but y has {y.Length}; they must be equally long.", nameof(y));
        int p = 0;
        ref double mRef = ref MemoryMarshal.GetReference(m);
        ref double yRef = ref MemoryMarshal.GetReference(y);
        if (path == NoisePath.Vector512)
        {
            var weight = Vector512.Create(w);
            for (; p <= m.Length - Vector512<double>.Count; p += Vector512<double>.Count)
            {
                var sum = Vector512.LoadUnsafe(ref mRef, (nuint)p) + weight * Vector512.LoadUnsafe(ref yRef, (nuint)p);
                sum.StoreUnsafe(ref mRef, (nuint)p);
            }
        }
        else if (path == NoisePath.Vector256)
        {
            var weight = Vector256.Create(w);
            for (; p <= m.Length - Vector256<double>.Count; p += Vector256<double>.Count)
            {
                var sum = Vector256.LoadUnsafe(ref mRef, (nuint)p) + weight * Vector256.LoadUnsafe(ref yRef, (nuint)p);
                sum.StoreUnsafe(ref mRef, (nuint)p);
            }
        }
        else if (path != NoisePath.Scalar)
        {
            throw new ArgumentOutOfRangeException(nameof(path), path, $"path = {path} is not a NoisePath (Scalar, Vector256 or Vector512).");
        }
        for (; p < m.Length; p++) m[p] += w * y[p];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PartialSums512(ReadOnlySpan<double> x, double a, ReadOnlySpan<double> y, int blocks, Span<double> sums)
    {
        ref double xRef = ref MemoryMarshal.GetReference(x);
        ref double yRef = ref MemoryMarshal.GetReference(y);
        var scale = Vector512.Create(a);
        Vector512<double> low = Vector512<double>.Zero, high = Vector512<double>.Zero; // sums 0–7 and 8–15
        for (int b = 0; b < blocks; b++)
        {
            nuint p = (nuint)(b * Lanes);
            var d0 = Vector512.LoadUnsafe(ref xRef, p) - scale * Vector512.LoadUnsafe(ref yRef, p);
            var d1 = Vector512.LoadUnsafe(ref xRef, p + 8) - scale * Vector512.LoadUnsafe(ref yRef, p + 8);
            low += d0 * d0;
            high += d1 * d1;
        }
        low.CopyTo(sums);
        high.CopyTo(sums[8..]);
    }

    private static void PartialSums256(ReadOnlySpan<double> x, double a, ReadOnlySpan<double> y, int blocks, Span<double> sums)
    {
        ref double xRef = ref MemoryMarshal.GetReference(x);
        ref double yRef = ref MemoryMarshal.GetReference(y);
        var scale = Vector256.Create(a);
        Vector256<double> s0 = Vector256<double>.Zero, s1 = Vector256<double>.Zero, s2 = Vector256<double>.Zero, s3 = Vector256<double>.Zero;
        for (int b = 0; b < blocks; b++)
        {
            nuint p = (nuint)(b * Lanes);
            var d0 = Vector256.LoadUnsafe(ref xRef, p) - scale * Vector256.LoadUnsafe(ref yRef, p);
            var d1 = Vector256.LoadUnsafe(ref xRef, p + 4) - scale * Vector256.LoadUnsafe(ref yRef, p + 4);
            var d2 = Vector256.LoadUnsafe(ref xRef, p + 8) - scale * Vector256.LoadUnsafe(ref yRef, p + 8);
            var d3 = Vector256.LoadUnsafe(ref xRef, p + 12) - scale * Vector256.LoadUnsafe(ref yRef, p + 12);
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        s0.CopyTo(sums);
        s1.CopyTo(sums[4..]);
        s2.CopyTo(sums[8..]);
        s3.CopyTo(sums[12..]);
    }

    // Eight sums at a time (as many independent additions as a vector path has in flight): sum j adds pixels j, j + 16,
    // j + 32, … in that order, as a vector lane does.
    private static void PartialSumsScalar(ReadOnlySpan<double> x, double a, ReadOnlySpan<double> y, int blocks, Span<double> sums)
    {
        ref double xRef = ref MemoryMarshal.GetReference(x);
        ref double yRef = ref MemoryMarshal.GetReference(y);
        for (int j = 0; j < Lanes; j += 8)
        {
            double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0;
            for (int b = 0; b < blocks; b++)
            {
                ref double xp = ref Unsafe.Add(ref xRef, b * Lanes + j);
                ref double yp = ref Unsafe.Add(ref yRef, b * Lanes + j);
                double d0 = xp - a * yp;
                double d1 = Unsafe.Add(ref xp, 1) - a * Unsafe.Add(ref yp, 1);
                double d2 = Unsafe.Add(ref xp, 2) - a * Unsafe.Add(ref yp, 2);
                double d3 = Unsafe.Add(ref xp, 3) - a * Unsafe.Add(ref yp, 3);
                double d4 = Unsafe.Add(ref xp, 4) - a * Unsafe.Add(ref yp, 4);
                double d5 = Unsafe.Add(ref xp, 5) - a * Unsafe.Add(ref yp, 5);
                double d6 = Unsafe.Add(ref xp, 6) - a * Unsafe.Add(ref yp, 6);
                double d7 = Unsafe.Add(ref xp, 7) - a * Unsafe.Add(ref yp, 7);
                s0 += d0 * d0;
                s1 += d1 * d1;
                s2 += d2 * d2;
                s3 += d3 * d3;
                s4 += d4 * d4;
                s5 += d5 * d5;
                s6 += d6 * d6;
                s7 += d7 * d7;
            }
            sums[j] = s0;
            sums[j + 1] = s1;
            sums[j + 2] = s2;
            sums[j + 3] = s3;
            sums[j + 4] = s4;
            sums[j + 5] = s5;
            sums[j + 6] = s6;
            sums[j + 7] = s7;
        }
    }
}
