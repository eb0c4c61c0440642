using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Diffusion.Functional.Noise;

namespace Diffusion.Functional.Batches;

/// <summary>
/// The per-image float32 kernels of the batch API, with the Gaussian generator fused in so that ε never goes through
/// memory. Each computes one image: element j of the output from element j of the inputs and number j of the stream
/// named by the key (<see cref="GaussianNoise"/>).
/// </summary>
/// <remarks>
/// <para>
/// The formulas, fixed operation by operation so that every path gives the same bits (fma = one correctly rounded
/// fused multiply-add, <c>MathF.FusedMultiplyAdd</c> and <c>Vector*.FusedMultiplyAdd</c> alike):
/// </para>
/// <list type="bullet">
/// <item>forward: y = fma(s, ε, a·x₀) (DDPM eq. 4 with a = √ᾱ_t, s = √(1 − ᾱ_t));</item>
/// <item>posterior: y = fma(σ, ε, fma(c_xt, x_t, c_x0·x₀)) (DDPM eqs. 6–7), and y = fma(c_xt, x_t, c_x0·x₀) with no
/// noise drawn when σ = 0 (the step t = 1 → 0, as the core's <c>OracleChain</c> does).</item>
/// </list>
/// <para>
/// Each vector path is its own non-inlined method: inlined into a caller, the generator's ~30 live vectors spill
/// (measured at 4× in issue 5). None of them may run as tier-0 code, which runs the kernel about 10× slower (0.25 M
/// against 2.2 M images/s in the first 50 ms of <c>diffusion bench</c>, docs/performance.md): the AVX2 path is
/// precompiled (ReadyToRun for x86-64-v3, see the project file), and the paths crossgen2 cannot precompile (AVX-512:
/// the compiler targets AVX2; scalar: a machine without AVX2 ignores the precompiled image) are compiled fully
/// optimised at their first call (<see cref="MethodImplOptions.AggressiveOptimization"/>, which crossgen2 skips).
/// Lengths that are not a multiple of 32 finish in whole vectors (16 or 8 numbers), and only the last &lt; 16 or &lt; 8
/// elements go through a block of numbers on the stack.
/// </para>
/// </remarks>
internal static class FusedKernels
{
    /// <summary>Forward noising of one image: y_j = fma(s, ε_j, a·x0_j), ε = stream <paramref name="key"/>.</summary>
    /// <param name="path">The instruction set; every path gives the same bits.</param>
    /// <param name="key">The stream of ε.</param>
    /// <param name="a">√ᾱ_t as a float.</param>
    /// <param name="s">√(1 − ᾱ_t) as a float.</param>
    /// <param name="x0">The clean image; as long as <paramref name="y"/>.</param>
    /// <param name="y">The output; must not overlap <paramref name="x0"/>.</param>
    public static void Forward(NoisePath path, NoiseKey key, float a, float s, ReadOnlySpan<float> x0, Span<float> y)
    {
        switch (path)
        {
            case NoisePath.Vector512:
                Forward512(key, a, s, x0, y);
                break;
            case NoisePath.Vector256:
                Forward256(key, a, s, x0, y);
                break;
            case NoisePath.Scalar:
                ForwardScalar(key, a, s, x0, y);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(path), path, "Unknown noise path.");
        }
    }

    /// <summary>
    /// One posterior step of one image: y_j = fma(σ, ε_j, fma(c_xt, xt_j, c_x0·x0_j)), ε = stream <paramref name="key"/>;
    /// for σ = 0 the mean alone, and no noise is drawn.
    /// </summary>
    /// <param name="path">The instruction set; every path gives the same bits.</param>
    /// <param name="key">The stream of ε.</param>
    /// <param name="cx0">c_x0 of DDPM eq. 7 as a float.</param>
    /// <param name="cxt">c_xt of DDPM eq. 7 as a float.</param>
    /// <param name="sigma">√β̃_t as a float, ≥ 0.</param>
    /// <param name="x0">The clean image; as long as <paramref name="y"/>; must not overlap it.</param>
    /// <param name="xt">The current state; as long as <paramref name="y"/>; may be <paramref name="y"/> itself (in place), not partly overlap it.</param>
    /// <param name="y">The output.</param>
    public static void Posterior(
        NoisePath path, NoiseKey key, float cx0, float cxt, float sigma, ReadOnlySpan<float> x0, ReadOnlySpan<float> xt, Span<float> y)
    {
        if (sigma == 0f)
        {
            Mean(path, cx0, cxt, x0, xt, y);
            return;
        }

        switch (path)
        {
            case NoisePath.Vector512:
                Posterior512(key, cx0, cxt, sigma, x0, xt, y);
                break;
            case NoisePath.Vector256:
                Posterior256(key, cx0, cxt, sigma, x0, xt, y);
                break;
            case NoisePath.Scalar:
                PosteriorScalar(key, cx0, cxt, sigma, x0, xt, y);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(path), path, "Unknown noise path.");
        }
    }

    /// <summary>y_j = fma(c_xt, xt_j, c_x0·x0_j): the posterior mean, for the noiseless step.</summary>
    private static void Mean(NoisePath path, float cx0, float cxt, ReadOnlySpan<float> x0, ReadOnlySpan<float> xt, Span<float> y)
    {
        int n = y.Length, j = 0;
        ref float r0 = ref MemoryMarshal.GetReference(x0);
        ref float rt = ref MemoryMarshal.GetReference(xt);
        ref float ry = ref MemoryMarshal.GetReference(y);
        if (path != NoisePath.Scalar && Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(cx0);
            var vb = Vector256.Create(cxt);
            for (; j <= n - 8; j += 8)
            {
                var p = va * Vector256.LoadUnsafe(ref r0, (nuint)j);
                Vector256.FusedMultiplyAdd(vb, Vector256.LoadUnsafe(ref rt, (nuint)j), p).StoreUnsafe(ref ry, (nuint)j);
            }
        }

        for (; j < n; j++)
        {
            y[j] = MathF.FusedMultiplyAdd(cxt, xt[j], cx0 * x0[j]);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Forward noising.

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Forward512(NoiseKey key, float a, float s, ReadOnlySpan<float> x0, Span<float> y)
    {
        var stream = new GaussianStream512(key);
        var va = Vector512.Create(a);
        var vs = Vector512.Create(s);
        ref float r0 = ref MemoryMarshal.GetReference(x0);
        ref float ry = ref MemoryMarshal.GetReference(y);
        int n = y.Length, j = 0;
        // One call site of the generator, so the JIT inlines it once (1.2 KB of code instead of 1.6, less to compile
        // in a process's first call), and a tail call only when elements are left (784 = 24·32 + 16 leaves none;
        // calling the empty tail compiled it, 1.7 ms of call 1 on Zen 4: docs/performance.md, "An AVX-512 machine").
        for (; j < n; j += 32)
        {
            stream.Next(out var e0, out var e1);
            if (j <= n - 32)
            {
                var p0 = va * Vector512.LoadUnsafe(ref r0, (nuint)j);
                var p1 = va * Vector512.LoadUnsafe(ref r0, (nuint)(j + 16));
                Vector512.FusedMultiplyAdd(vs, e0, p0).StoreUnsafe(ref ry, (nuint)j);
                Vector512.FusedMultiplyAdd(vs, e1, p1).StoreUnsafe(ref ry, (nuint)(j + 16));
                continue;
            }

            if (j <= n - 16)
            {
                var p0 = va * Vector512.LoadUnsafe(ref r0, (nuint)j);
                Vector512.FusedMultiplyAdd(vs, e0, p0).StoreUnsafe(ref ry, (nuint)j);
                if (j + 16 < n)
                {
                    ForwardTail(e1, a, s, x0[(j + 16)..], y[(j + 16)..]);
                }
            }
            else
            {
                ForwardTail(e0, a, s, x0[j..], y[j..]);
            }

            break;
        }
    }

    /// <summary>The last &lt; 16 elements from the first numbers of <paramref name="noise"/>.</summary>
    /// <remarks>
    /// The tails store with StoreUnsafe into their exact-size block, not CopyTo: CopyTo(Span) checks the length and its
    /// exception loads the open Vector512&lt;T&gt; and the resource strings in a process's first call.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardTail(Vector512<float> noise, float a, float s, ReadOnlySpan<float> x0, Span<float> y)
    {
        Span<float> block = stackalloc float[16];
        noise.StoreUnsafe(ref MemoryMarshal.GetReference(block));
        for (int j = 0; j < y.Length; j++)
        {
            y[j] = MathF.FusedMultiplyAdd(s, block[j], a * x0[j]);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Forward256(NoiseKey key, float a, float s, ReadOnlySpan<float> x0, Span<float> y)
    {
        var stream = new GaussianStream256(key);
        var va = Vector256.Create(a);
        var vs = Vector256.Create(s);
        ref float r0 = ref MemoryMarshal.GetReference(x0);
        ref float ry = ref MemoryMarshal.GetReference(y);
        int n = y.Length;
        // One loop for every block, the last partial one included: the generator's only call site is inlined, and
        // the tail makes no call of the out-of-line transform (two such calls cost a 784-pixel image about 200 ns in a
        // process pinned to one core, where tiering did not replace the precompiled code; docs/performance.md, "The tails").
        for (int j = 0; j < n; j += 32)
        {
            for (int h = 0; h < 16; h += 8)
            {
                stream.NextHalf(h, out var cosines, out var sines);
                if (j <= n - 32)
                {
                    Vector256.FusedMultiplyAdd(vs, cosines, va * Vector256.LoadUnsafe(ref r0, (nuint)(j + h))).StoreUnsafe(ref ry, (nuint)(j + h));
                    Vector256.FusedMultiplyAdd(vs, sines, va * Vector256.LoadUnsafe(ref r0, (nuint)(j + 16 + h))).StoreUnsafe(ref ry, (nuint)(j + 16 + h));
                    continue;
                }

                // The last block: the cosines at j + h, then the sines at j + 16 + h (j + h + 32 > n ends the loop),
                // each vector of 8 whole where it fits, the last < 8 through the stack (784 = 24·32 + 16: two whole vectors).
                var noise = cosines;
                for (int k = j + h; k < n; k += 16, noise = sines)
                {
                    if (k <= n - 8)
                    {
                        Vector256.FusedMultiplyAdd(vs, noise, va * Vector256.LoadUnsafe(ref r0, (nuint)k)).StoreUnsafe(ref ry, (nuint)k);
                    }
                    else
                    {
                        ForwardScalarBlock(VectorLanes.Of(ref noise), a, s, x0[k..], y[k..]);
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardScalar(NoiseKey key, float a, float s, ReadOnlySpan<float> x0, Span<float> y)
    {
        var stream = new GaussianStreamScalar(key);
        Span<float> block = stackalloc float[GaussianStreamScalar.BlockLength];
        for (int j = 0; j < y.Length; j += GaussianStreamScalar.BlockLength)
        {
            stream.Next(block);
            int count = Math.Min(GaussianStreamScalar.BlockLength, y.Length - j);
            ForwardScalarBlock(block, a, s, x0.Slice(j, count), y.Slice(j, count));
        }
    }

    /// <summary>The reference formula, element by element: y_j = fma(s, ε_j, a·x0_j) for j &lt; y.Length ≤ 32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardScalarBlock(ReadOnlySpan<float> noise, float a, float s, ReadOnlySpan<float> x0, Span<float> y)
    {
        for (int j = 0; j < y.Length; j++)
        {
            y[j] = MathF.FusedMultiplyAdd(s, noise[j], a * x0[j]);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Posterior steps.

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Posterior512(
        NoiseKey key, float cx0, float cxt, float sigma, ReadOnlySpan<float> x0, ReadOnlySpan<float> xt, Span<float> y)
    {
        var stream = new GaussianStream512(key);
        var va = Vector512.Create(cx0);
        var vb = Vector512.Create(cxt);
        var vs = Vector512.Create(sigma);
        ref float r0 = ref MemoryMarshal.GetReference(x0);
        ref float rt = ref MemoryMarshal.GetReference(xt);
        ref float ry = ref MemoryMarshal.GetReference(y);
        int n = y.Length, j = 0;
        for (; j < n; j += 32)   // one call site of the generator, as in Forward512
        {
            stream.Next(out var e0, out var e1);
            if (j <= n - 32)
            {
                Step512(va, vb, vs, e0, ref r0, ref rt, ref ry, j);
                Step512(va, vb, vs, e1, ref r0, ref rt, ref ry, j + 16);
                continue;
            }

            if (j <= n - 16)
            {
                Step512(va, vb, vs, e0, ref r0, ref rt, ref ry, j);
                if (j + 16 < n)
                {
                    PosteriorTail(e1, cx0, cxt, sigma, x0[(j + 16)..], xt[(j + 16)..], y[(j + 16)..]);
                }
            }
            else
            {
                PosteriorTail(e0, cx0, cxt, sigma, x0[j..], xt[j..], y[j..]);
            }

            break;
        }
    }

    /// <summary>y[j … j + 15] = fma(σ, ε, fma(c_xt, xt, c_x0·x0)) on 16 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step512(
        Vector512<float> va, Vector512<float> vb, Vector512<float> vs, Vector512<float> noise,
        ref float r0, ref float rt, ref float ry, int j)
    {
        var mean = Vector512.FusedMultiplyAdd(vb, Vector512.LoadUnsafe(ref rt, (nuint)j), va * Vector512.LoadUnsafe(ref r0, (nuint)j));
        Vector512.FusedMultiplyAdd(vs, noise, mean).StoreUnsafe(ref ry, (nuint)j);
    }

    /// <summary>The last &lt; 16 elements from the first numbers of <paramref name="noise"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PosteriorTail(
        Vector512<float> noise, float cx0, float cxt, float sigma, ReadOnlySpan<float> x0, ReadOnlySpan<float> xt, Span<float> y)
    {
        Span<float> block = stackalloc float[16];
        noise.StoreUnsafe(ref MemoryMarshal.GetReference(block));
        PosteriorScalarBlock(block, cx0, cxt, sigma, x0, xt, y);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Posterior256(
        NoiseKey key, float cx0, float cxt, float sigma, ReadOnlySpan<float> x0, ReadOnlySpan<float> xt, Span<float> y)
    {
        var stream = new GaussianStream256(key);
        var va = Vector256.Create(cx0);
        var vb = Vector256.Create(cxt);
        var vs = Vector256.Create(sigma);
        ref float r0 = ref MemoryMarshal.GetReference(x0);
        ref float rt = ref MemoryMarshal.GetReference(xt);
        ref float ry = ref MemoryMarshal.GetReference(y);
        int n = y.Length;
        for (int j = 0; j < n; j += 32)   // every block in one loop, as in Forward256
        {
            for (int h = 0; h < 16; h += 8)
            {
                stream.NextHalf(h, out var cosines, out var sines);
                if (j <= n - 32)
                {
                    Step256(va, vb, vs, cosines, ref r0, ref rt, ref ry, j + h);
                    Step256(va, vb, vs, sines, ref r0, ref rt, ref ry, j + 16 + h);
                    continue;
                }

                var noise = cosines;
                for (int k = j + h; k < n; k += 16, noise = sines)
                {
                    if (k <= n - 8)
                    {
                        Step256(va, vb, vs, noise, ref r0, ref rt, ref ry, k);
                    }
                    else
                    {
                        PosteriorScalarBlock(VectorLanes.Of(ref noise), cx0, cxt, sigma, x0[k..], xt[k..], y[k..]);
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step256(
        Vector256<float> va, Vector256<float> vb, Vector256<float> vs, Vector256<float> noise,
        ref float r0, ref float rt, ref float ry, int j)
    {
        var mean = Vector256.FusedMultiplyAdd(vb, Vector256.LoadUnsafe(ref rt, (nuint)j), va * Vector256.LoadUnsafe(ref r0, (nuint)j));
        Vector256.FusedMultiplyAdd(vs, noise, mean).StoreUnsafe(ref ry, (nuint)j);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PosteriorScalar(
        NoiseKey key, float cx0, float cxt, float sigma, ReadOnlySpan<float> x0, ReadOnlySpan<float> xt, Span<float> y)
    {
        var stream = new GaussianStreamScalar(key);
        Span<float> block = stackalloc float[GaussianStreamScalar.BlockLength];
        for (int j = 0; j < y.Length; j += GaussianStreamScalar.BlockLength)
        {
            stream.Next(block);
            int count = Math.Min(GaussianStreamScalar.BlockLength, y.Length - j);
            PosteriorScalarBlock(block, cx0, cxt, sigma, x0.Slice(j, count), xt.Slice(j, count), y.Slice(j, count));
        }
    }

    /// <summary>The reference formula, element by element: y_j = fma(σ, ε_j, fma(c_xt, xt_j, c_x0·x0_j)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PosteriorScalarBlock(
        ReadOnlySpan<float> noise, float cx0, float cxt, float sigma, ReadOnlySpan<float> x0, ReadOnlySpan<float> xt, Span<float> y)
    {
        for (int j = 0; j < y.Length; j++)
        {
            y[j] = MathF.FusedMultiplyAdd(sigma, noise[j], MathF.FusedMultiplyAdd(cxt, xt[j], cx0 * x0[j]));
        }
    }
}
