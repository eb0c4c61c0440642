using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Diffusion.Functional.Noise;

/// <summary>
/// One stream of <see cref="GaussianNoise"/> held in eight Vector256 registers, for kernels on machines with AVX2
/// but without AVX-512; the same numbers as <see cref="GaussianStream512"/>.
/// </summary>
/// <remarks>
/// Each <see cref="Next"/> returns numbers 32b … 32b + 31 of the stream for its b-th call, in four vectors of 8.
/// The state is two <see cref="GaussianLanes256"/> halves (lanes 0–7 and 8–15); a hot loop should copy them into
/// locals (<see cref="Low"/>, <see cref="High"/>) rather than use the eight-field struct, which the JIT spills.
/// Only portable Vector256 operations are used (vpermps when AVX2 is there), so the path is correct anywhere. The
/// words are Vector256&lt;int&gt; (the transform needs signed shifts and conversions), never Vector256&lt;uint&gt;: each
/// further element type costs a process's first call about 1 ms of type loading (docs/performance.md).
/// </remarks>
internal struct GaussianStream256
{
    /// <summary>Positions a generator at number 0 of the stream named by <paramref name="key"/>.</summary>
    /// <remarks>
    /// The reference's hashed words (<see cref="StreamSeeding.HashWords"/>) hold word w of lanes 0–7 and 8–15 as eight
    /// consecutive words each, so the halves are loaded from them as they are and guarded in vectors. The 32 scalar
    /// hashes replace Vector256&lt;ulong&gt; arithmetic (AVX2 emulates its 64-bit multiply) and keep that type's load out
    /// of a process's first call (docs/performance.md, "No warm-up cliff").
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public GaussianStream256(NoiseKey key)
    {
        var words = default(StreamSeeding.State);
        StreamSeeding.HashWords(key, words);
        ref int w = ref Unsafe.As<uint, int>(ref words[0]);
        var s1Lo = Vector256.LoadUnsafe(ref w, 16);
        var s2Lo = Vector256.LoadUnsafe(ref w, 32);
        var s3Lo = Vector256.LoadUnsafe(ref w, 48);
        var s1Hi = Vector256.LoadUnsafe(ref w, 24);
        var s2Hi = Vector256.LoadUnsafe(ref w, 40);
        var s3Hi = Vector256.LoadUnsafe(ref w, 56);
        Low = new GaussianLanes256(StreamSeeding.GuardZeroLanes(Vector256.LoadUnsafe(ref w, 0), s1Lo, s2Lo, s3Lo), s1Lo, s2Lo, s3Lo);
        High = new GaussianLanes256(StreamSeeding.GuardZeroLanes(Vector256.LoadUnsafe(ref w, 8), s1Hi, s2Hi, s3Hi), s1Hi, s2Hi, s3Hi);
    }

    /// <summary>Lanes 0–7: numbers 32b … 32b + 7 (cosines) and 32b + 16 … 32b + 23 (sines).</summary>
    public GaussianLanes256 Low;

    /// <summary>Lanes 8–15: numbers 32b + 8 … 32b + 15 (cosines) and 32b + 24 … 32b + 31 (sines).</summary>
    public GaussianLanes256 High;

    /// <summary>The next 32 numbers, in order: <paramref name="n0"/> (8), <paramref name="n8"/>, <paramref name="n16"/>, <paramref name="n24"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Next(out Vector256<float> n0, out Vector256<float> n8, out Vector256<float> n16, out Vector256<float> n24)
    {
        Low.Next(out n0, out n16);
        High.Next(out n8, out n24);
    }

    /// <summary>The next raw 32-bit output of lanes 0–7 (<paramref name="lo"/>) and 8–15 (for tests).</summary>
    internal void NextBits(out Vector256<uint> lo, out Vector256<uint> hi)
    {
        lo = Low.NextBits().AsUInt32();
        hi = High.NextBits().AsUInt32();
    }
}

/// <summary>Eight of a stream's 16 xoshiro128+ lanes (Blackman &amp; Vigna 2018) in four Vector256 registers.</summary>
internal struct GaussianLanes256
{
    private Vector256<int> _s0, _s1, _s2, _s3;

    /// <summary>Eight lanes with the given state words (from <see cref="StreamSeeding"/>).</summary>
    public GaussianLanes256(Vector256<int> s0, Vector256<int> s1, Vector256<int> s2, Vector256<int> s3)
    {
        _s0 = s0;
        _s1 = s1;
        _s2 = s2;
        _s3 = s3;
    }

    /// <summary>Advances each lane twice and returns its Box–Muller pair (r·cos θ, r·sin θ).</summary>
    /// <remarks>
    /// Not inlined on purpose: with AVX2's 16 registers, the JIT spills the inlined transform of both halves
    /// (measured on this machine with AVX-512 disabled: 0.80 G samples/s inlined, 1.10 G with the call). The state is
    /// copied into locals for the two steps and written back once: on the fields (behind <c>this</c>) every xor was a
    /// load and a store, 26 memory moves in a chain of store-to-load forwards (DOTNET_JitDisasm, issue 13).
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Next(out Vector256<float> cosines, out Vector256<float> sines)
    {
        var s0 = _s0;
        var s1 = _s1;
        var s2 = _s2;
        var s3 = _s3;
        var x1 = Step(ref s0, ref s1, ref s2, ref s3);
        var x2 = Step(ref s0, ref s1, ref s2, ref s3);
        _s0 = s0;
        _s1 = s1;
        _s2 = s2;
        _s3 = s3;
        BoxMuller.Transform(x1, x2, out cosines, out sines);
    }

    /// <summary>The state words s₀…s₃ of the eight lanes (for tests).</summary>
    internal readonly (Vector256<int> S0, Vector256<int> S1, Vector256<int> S2, Vector256<int> S3) Words => (_s0, _s1, _s2, _s3);

    /// <summary>One xoshiro128+ step of the eight lanes: returns s₀ + s₃ (two's complement, the same bits as uint), then updates the state.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<int> NextBits() => Step(ref _s0, ref _s1, ref _s2, ref _s3);

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
