using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Diffusion.Functional.Noise;

/// <summary>
/// One stream of <see cref="GaussianNoise"/> for kernels on machines with AVX2 but without AVX-512: the same numbers
/// as <see cref="GaussianStream512"/>, drawn eight lanes at a time.
/// </summary>
/// <remarks>
/// <see cref="NextHalf"/> for lanes 0–7 returns numbers 32b … 32b + 7 and 32b + 16 … 32b + 23 of block b, and for lanes
/// 8–15 the other eight of each; a kernel calls it for both halves, in that order, once per block of 32.
/// The state is the 64 words in the seeding's layout (word w of lane ℓ at 16·w + ℓ), seeded in place and kept as
/// ints: four Vector256&lt;int&gt; fields per half were what the kernels had before, but a field's type is resolved
/// through the metadata, which loaded the System.Runtime.Intrinsics facade assembly in a process's first call (about
/// 0.2 ms on Zen 1; the precompiled methods name their Vector256 types through CoreLib itself), and copying the halves
/// out of the seeding cost each stream about 30 instructions (docs/performance.md, "No warm-up cliff").
/// Only portable Vector256 operations are used (vpermps when AVX2 is there), so the path is correct anywhere. The
/// words are Vector256&lt;int&gt; (the transform needs signed shifts and conversions), never Vector256&lt;uint&gt;: each
/// further element type costs a process's first call about 1 ms of type loading.
/// </remarks>
internal struct GaussianStream256
{
    private StreamSeeding.State _words;

    /// <summary>Positions a generator at number 0 of the stream named by <paramref name="key"/>.</summary>
    /// <remarks>
    /// The reference's hashed words (<see cref="StreamSeeding.HashWords"/>) are the state as they are; only s₀ of each
    /// half is guarded in vectors. The 32 scalar hashes replace Vector256&lt;ulong&gt; arithmetic (AVX2 emulates its
    /// 64-bit multiply) and keep that type's load out of a process's first call.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public GaussianStream256(NoiseKey key)
    {
        StreamSeeding.HashWords(key, ref _words);
        GuardZeroLanes();
    }

    /// <summary>A generator on the given unguarded words (word w of lane ℓ at 16·w + ℓ), guarded as a key's are (for tests).</summary>
    internal static GaussianStream256 FromWords(ReadOnlySpan<uint> words)
    {
        var stream = default(GaussianStream256);
        words[..64].CopyTo(stream._words);
        stream.GuardZeroLanes();
        return stream;
    }

    /// <summary>
    /// Lanes <paramref name="first"/> … <paramref name="first"/> + 7 (0 or 8) inlined: numbers 32b + first … + 7
    /// (<paramref name="cosines"/>) and 32b + 16 + first … + 7 (<paramref name="sines"/>) when called for both halves of block b.
    /// </summary>
    /// <remarks>
    /// For the kernels' loops over every block (the last partial one included), called in a loop over the two halves,
    /// not twice in a row: one transform's values are live at a time, which AVX2's 16 registers hold, and the loop has
    /// no call boundary to pass the results through memory (1.41 → 1.48 G samples/s on Zen 4; docs/performance.md).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void NextHalf(int first, out Vector256<float> cosines, out Vector256<float> sines) => Lanes256.Advance(ref Half(first), out cosines, out sines);

    /// <summary>The next raw 32-bit output of lanes 0–7 (<paramref name="lo"/>) and 8–15 (for tests).</summary>
    internal void NextBits(out Vector256<uint> lo, out Vector256<uint> hi)
    {
        lo = Lanes256.NextBits(ref Half(0)).AsUInt32();
        hi = Lanes256.NextBits(ref Half(8)).AsUInt32();
    }

    /// <summary>The state words s₀…s₃ of lanes <paramref name="first"/> … <paramref name="first"/> + 7 (0 or 8; for tests).</summary>
    internal (Vector256<int> S0, Vector256<int> S1, Vector256<int> S2, Vector256<int> S3) Words(int first)
    {
        Lanes256.Load(ref Half(first), out var s0, out var s1, out var s2, out var s3);
        return (s0, s1, s2, s3);
    }

    /// <summary>Word s₀ of lane <paramref name="first"/>; s_w of the eight lanes from it are at 16·w on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    [UnscopedRef]
    private ref int Half(int first) =>
        ref Unsafe.Add(ref Unsafe.As<uint, int>(ref StreamSeeding.First(ref _words)), first);

    /// <summary><see cref="StreamSeeding.GuardZeroLanes(Span{uint})"/> on both halves, in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void GuardZeroLanes()
    {
        Lanes256.Load(ref Half(0), out var s0, out var s1, out var s2, out var s3);
        StreamSeeding.GuardZeroLanes(s0, s1, s2, s3).StoreUnsafe(ref Half(0));
        Lanes256.Load(ref Half(8), out s0, out s1, out s2, out s3);
        StreamSeeding.GuardZeroLanes(s0, s1, s2, s3).StoreUnsafe(ref Half(8));
    }
}

/// <summary>Eight of a stream's 16 xoshiro128+ lanes (Blackman &amp; Vigna 2018), word s_w of lane ℓ at 16·w + ℓ from a ref.</summary>
internal static class Lanes256
{
    /// <summary>Advances each lane twice and returns its Box–Muller pair (r·cos θ, r·sin θ), inlined into the kernels' loops.</summary>
    /// <remarks>
    /// The state is copied into locals for the two steps and written back once: through the ref every xor was a load
    /// and a store, 26 memory moves in a chain of store-to-load forwards (DOTNET_JitDisasm, issue 13).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Advance(ref int half, out Vector256<float> cosines, out Vector256<float> sines)
    {
        Load(ref half, out var s0, out var s1, out var s2, out var s3);
        var x1 = Step(ref s0, ref s1, ref s2, ref s3);
        var x2 = Step(ref s0, ref s1, ref s2, ref s3);
        Store(ref half, s0, s1, s2, s3);
        BoxMuller.Transform(x1, x2, out cosines, out sines);
    }

    /// <summary>One xoshiro128+ step of the eight lanes: returns s₀ + s₃ (two's complement, the same bits as uint), then updates the state.</summary>
    public static Vector256<int> NextBits(ref int half)
    {
        Load(ref half, out var s0, out var s1, out var s2, out var s3);
        var x = Step(ref s0, ref s1, ref s2, ref s3);
        Store(ref half, s0, s1, s2, s3);
        return x;
    }

    /// <summary>Words s₀…s₃ of the eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Load(ref int half, out Vector256<int> s0, out Vector256<int> s1, out Vector256<int> s2, out Vector256<int> s3)
    {
        s0 = Vector256.LoadUnsafe(ref half);
        s1 = Vector256.LoadUnsafe(ref half, 16);
        s2 = Vector256.LoadUnsafe(ref half, 32);
        s3 = Vector256.LoadUnsafe(ref half, 48);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref int half, Vector256<int> s0, Vector256<int> s1, Vector256<int> s2, Vector256<int> s3)
    {
        s0.StoreUnsafe(ref half);
        s1.StoreUnsafe(ref half, 16);
        s2.StoreUnsafe(ref half, 32);
        s3.StoreUnsafe(ref half, 48);
    }

    /// <summary>
    /// One xoshiro128+ step (Blackman &amp; Vigna 2018) on words held in locals: the reference's sequence of xors,
    /// regrouped (as <see cref="GaussianStream512"/> does) so that the new words depend on the old ones only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Step(
        ref Vector256<int> s0, ref Vector256<int> s1, ref Vector256<int> s2, ref Vector256<int> s3)
    {
        var result = s0 + s3;
        var t = s1 << 9;
        var n3 = s3 ^ s1;
        var n2 = s2 ^ s0;
        var n0 = s0 ^ n3;
        var n1 = s1 ^ n2;
        s0 = n0;
        s1 = n1;
        s2 = n2 ^ t;
        s3 = (n3 << 11) | (n3 >>> 21);   // a rotation: the right shift is the logical one
        return result;
    }
}
