using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Diffusion.Functional.Noise;

/// <summary>The lanes of a vector local as a span, for the tails of the kernels (the last &lt; 8 or 16 elements).</summary>
/// <remarks>
/// A precompiled kernel must not pass a Vector256 to a call: crossgen2 then leaves the whole kernel to the JIT ("Abi
/// unstable type Vector256 calling …"), which costs a process's first call about 1 ms and, in a one-CPU process, runs
/// it as instrumented tier-0 code for good (docs/performance.md, "The tails"). A span over the local passes the same
/// numbers.
/// </remarks>
internal static class VectorLanes
{
    /// <summary>The 8 lanes of <paramref name="vector"/>, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<float> Of(ref Vector256<float> vector) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<Vector256<float>, float>(ref vector), Vector256<float>.Count);

    /// <summary>The 16 lanes of <paramref name="vector"/>, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<float> Of(ref Vector512<float> vector) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<Vector512<float>, float>(ref vector), Vector512<float>.Count);
}
