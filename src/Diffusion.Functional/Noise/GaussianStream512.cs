using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Diffusion.Functional.Noise;

/// <summary>
/// One stream of <see cref="GaussianNoise"/> held in four Vector512 registers, for kernels that consume ε one
/// vector at a time without writing it to memory (AVX-512 only: check <see cref="NoisePaths.HasVector512"/>).
/// </summary>
/// <remarks>
/// Each <see cref="Next"/> returns numbers 32b … 32b + 31 of the stream for its b-th call: the 16 cosine outputs,
/// then the 16 sine outputs, exactly the values <see cref="GaussianNoise.Fill(NoiseKey, Span{float})"/> writes
/// there. The state is 16 xoshiro128+ generators (Blackman &amp; Vigna 2018), one per lane; each call advances
/// every lane twice and applies <see cref="BoxMuller"/>. Copy the struct into a local before a loop so that the
/// JIT keeps it in registers; a copy continues the stream independently of the original.
/// </remarks>
internal struct GaussianStream512
{
    private Vector512<uint> _s0, _s1, _s2, _s3;

    /// <summary>Positions a generator at number 0 of the stream named by <paramref name="key"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public GaussianStream512(NoiseKey key) => StreamSeeding.Seed(key, out _s0, out _s1, out _s2, out _s3);

    /// <summary>The next 32 numbers: <paramref name="first"/> holds the first 16, <paramref name="second"/> the rest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Next(out Vector512<float> first, out Vector512<float> second)
    {
        var x1 = Step(ref _s0, ref _s1, ref _s2, ref _s3);
        var x2 = Step(ref _s0, ref _s1, ref _s2, ref _s3);
        BoxMuller.Transform(x1, x2, out first, out second);
    }

    /// <summary>The next raw 32-bit output of each lane (for tests that rebuild the uniforms).</summary>
    internal Vector512<uint> NextBits() => Step(ref _s0, ref _s1, ref _s2, ref _s3);

    /// <summary>One xoshiro128+ step on 16 lanes: returns s₀ + s₃, then updates the state (Blackman &amp; Vigna 2018).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Step(
        ref Vector512<uint> s0, ref Vector512<uint> s1, ref Vector512<uint> s2, ref Vector512<uint> s3)
    {
        // The reference's sequence of xors, regrouped into three-input xors (vpternlogd) of the old words.
        var result = s0 + s3;
        var t = s1 << 9;
        var n0 = s0 ^ s3 ^ s1;
        var n1 = s1 ^ s2 ^ s0;
        var n2 = s2 ^ s0 ^ t;
        var n3 = s3 ^ s1;
        s0 = n0;
        s1 = n1;
        s2 = n2;
        s3 = Avx512F.RotateLeft(n3, 11);
        return result;
    }
}
