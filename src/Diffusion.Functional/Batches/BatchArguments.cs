using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Batches;

/// <summary>
/// Argument checks shared by the batch kernels: shapes, timesteps and the rule that a kernel never writes into its
/// inputs. Every message names the parameter, its value and what is allowed.
/// </summary>
/// <remarks>
/// The checks are inlined into each kernel's validation: every further precompiled method a first call enters costs
/// it an entry-point lookup and fixups, 10–40 µs each on Zen 1 (docs/performance.md, "No warm-up cliff").
/// </remarks>
internal static class BatchArguments
{
    /// <summary>The number of images in a batch of <paramref name="length"/> floats; requires pixelsPerImage ≥ 1 dividing it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ImageCount(int length, int pixelsPerImage, string name)
    {
        if (pixelsPerImage < 1)
            throw new ArgumentOutOfRangeException(nameof(pixelsPerImage), pixelsPerImage, $"pixelsPerImage = {pixelsPerImage} is too small; an image has at least 1 pixel.");
        if (length % pixelsPerImage != 0)
            throw new ArgumentException(
                $"{name} has {length} values, which is not a whole number of images of pixelsPerImage = {pixelsPerImage} pixels.", name);
        return length / pixelsPerImage;
    }

    /// <summary>Requires <paramref name="length"/> = <paramref name="expected"/> (a second input or the destination).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SameLength(int length, int expected, string name, string expectedName)
    {
        if (length != expected)
            throw new ArgumentException($"{name} has {length} values but {expectedName} has {expected}; they must be equally long.", name);
    }

    /// <summary>Requires one timestep per image, each in 1..T.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Timesteps(ReadOnlySpan<int> timesteps, int images, NoiseSchedule schedule)
    {
        if (timesteps.Length != images)
            throw new ArgumentException(
                $"timesteps has {timesteps.Length} values but the batch has {images} images; give one timestep per image.", nameof(timesteps));
        for (int i = 0; i < timesteps.Length; i++)
        {
            int t = timesteps[i];
            if (t < 1 || t > schedule.Steps)
                throw new ArgumentOutOfRangeException(nameof(timesteps), t,
                    $"timesteps[{i}] = {t} is outside 1..{schedule.Steps}: timesteps are 1-based as in DDPM (Ho et al. 2020), and this schedule has T = {schedule.Steps} steps.");
        }
    }

    /// <summary>Requires 0 ≤ s &lt; t (a chain from t down to s).</summary>
    public static void StopStep(int s, int t)
    {
        if (s < 0 || s >= t)
            throw new ArgumentOutOfRangeException(nameof(s), s, $"s = {s} is outside 0..{t - 1}: the chain runs from t = {t} down to an earlier step s, 0 ≤ s < t.");
    }

    /// <summary>Kernels are pure at the boundary: the destination must not share memory with an input.</summary>
    /// <remarks>
    /// The address test of MemoryExtensions.Overlaps, written out: that generic method is not precompiled for float,
    /// so calling it cost a process's first call a JIT compile and an assembly load, about 1 ms (docs/performance.md).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void NoOverlap<T>(Span<T> destination, ReadOnlySpan<T> input, string inputName)
    {
        if (destination.IsEmpty || input.IsEmpty) return;
        nint offset = Unsafe.ByteOffset(
            ref destination.GetPinnableReference(), ref Unsafe.AsRef(in input.GetPinnableReference()));
        nuint size = (nuint)Unsafe.SizeOf<T>();
        if ((nuint)offset < (nuint)destination.Length * size || (nuint)(-offset) < (nuint)input.Length * size)
            throw new ArgumentException(
                $"destination overlaps {inputName}; batch kernels never write into their inputs, so pass a separate destination.", nameof(destination));
    }

    /// <summary>
    /// Requires every value finite (not NaN, not ±∞), as the kernels' docs state. x·0 is 0 for a finite x and NaN
    /// otherwise, so a sum of x·0 finds any non-finite value in a single pass with no branch per value; only when it
    /// is not 0 is the first bad index searched for, to name it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Finite(ReadOnlySpan<float> values, string name)
    {
        if (Vector256.IsHardwareAccelerated ? AllFinite256(values) : AllFiniteScalar(values)) return;
        for (int j = 0; j < values.Length; j++)
        {
            if (!float.IsFinite(values[j]))
                throw new ArgumentException(
                    $"{name}[{j}] = {values[j].ToString(CultureInfo.InvariantCulture)} is not finite; every value must be a finite number.", name);
        }
    }

    /// <summary>Whether Σ x·0 over <paramref name="values"/> is 0, i.e. every value is finite, in Vector256 sums.</summary>
    /// <remarks>
    /// Four sums, so that the adds do not wait on each other: with one, every vector waited for the previous add
    /// (3–4 cycles), about 85 ns of a 784-pixel image's forward noising on Zen 4 (docs/performance.md).
    /// Vector256&lt;float&gt; loaded from a ref, not Vector&lt;T&gt; or a span of vectors: the kernels load
    /// Vector256&lt;float&gt; anyway, and each further type costs a process's first call a type load (docs/performance.md,
    /// "No warm-up cliff").
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool AllFinite256(ReadOnlySpan<float> values)
    {
        ref float first = ref Unsafe.AsRef(in values.GetPinnableReference());
        int n = values.Length, i = 0;
        var zero = Vector256<float>.Zero;
        Vector256<float> s0 = zero, s1 = zero, s2 = zero, s3 = zero;
        for (; i <= n - 32; i += 32)
        {
            s0 += Vector256.LoadUnsafe(ref first, (nuint)i) * zero;
            s1 += Vector256.LoadUnsafe(ref first, (nuint)(i + 8)) * zero;
            s2 += Vector256.LoadUnsafe(ref first, (nuint)(i + 16)) * zero;
            s3 += Vector256.LoadUnsafe(ref first, (nuint)(i + 24)) * zero;
        }

        for (; i <= n - 8; i += 8)
            s0 += Vector256.LoadUnsafe(ref first, (nuint)i) * zero;
        float tail = 0f;
        for (; i < n; i++) tail += Unsafe.Add(ref first, i) * 0f;
        return (s0 + s1) + (s2 + s3) == zero && tail == 0f;
    }

    /// <summary><see cref="AllFinite256"/> in four scalar sums, where Vector256 is not hardware-accelerated.</summary>
    /// <remarks>
    /// Without AVX2 (and on Arm64) every Vector256 operation is CoreLib's managed fallback, a call in tier-0 code,
    /// and there the vector sums cost the scalar path's forward call more than its noise did in a process's first
    /// calls (docs/performance.md, "The floor of call 1").
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool AllFiniteScalar(ReadOnlySpan<float> values)
    {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        int i = 0;
        for (; i <= values.Length - 4; i += 4)
        {
            s0 += values[i] * 0f;
            s1 += values[i + 1] * 0f;
            s2 += values[i + 2] * 0f;
            s3 += values[i + 3] * 0f;
        }

        for (; i < values.Length; i++) s0 += values[i] * 0f;
        return (s0 + s1) + (s2 + s3) == 0f;
    }

    /// <summary>How many threads <paramref name="options"/> allows (−1 means one per core).</summary>
    public static int Threads(ParallelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.MaxDegreeOfParallelism == -1 ? Environment.ProcessorCount : options.MaxDegreeOfParallelism;
    }
}
