using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Diffusion.Functional.Noise;

/// <summary>
/// The instruction sets <see cref="GaussianNoise"/> can run on; every path gives the same bits, so the choice only
/// changes the speed. Tests force each path to check that.
/// </summary>
internal enum NoisePath
{
    /// <summary>Plain scalar code, <see cref="GaussianStreamScalar"/>: the reference.</summary>
    Scalar,

    /// <summary>Two Vector256 halves per state word, <see cref="GaussianStream256"/> (AVX2).</summary>
    Vector256,

    /// <summary>One Vector512 per state word, <see cref="GaussianStream512"/> (AVX-512).</summary>
    Vector512,
}

/// <summary>Which <see cref="NoisePath"/>s this machine runs.</summary>
/// <remarks>
/// A static class of its own, not statics of the stream structs: calling a static of <see cref="GaussianStream512"/>
/// loads that struct and so its Vector512&lt;uint&gt; fields, a type load of about 1.5 ms on an AVX2 machine that never
/// runs the path (docs/performance.md, "No warm-up cliff").
/// </remarks>
internal static class NoisePaths
{
    /// <summary>Whether the Vector512 path runs here (AVX-512F and DQ, with hardware-accelerated Vector512).</summary>
    public static bool HasVector512 => Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Avx512DQ.IsSupported;

    /// <summary>Whether the Vector256 path is hardware accelerated here (AVX2 on x64); it is correct anywhere.</summary>
    public static bool HasVector256 => Vector256.IsHardwareAccelerated;
}
