using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.Intrinsics;
using Diffusion.Functional.Batches;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// The pieces every sampler's loop is built from, written once for float and double: one batched denoiser call with
/// its checks, and the affine Gaussian step y = c₁·u₁ + c₂·u₂ + σ·z evaluated as fma(σ, z, fma(c₂, u₂, c₁·u₁)).
/// DDPM's step (u₁ = x̂_0, u₂ = x_t: the posterior of DDPM eq. 7 at x̂_0), DDIM's (u₁ = x̂_0, u₂ = ε̂: Song et al. 2021,
/// eq. 12) and the oracle chain's (u₁ = x_0) are all this one kernel; for float with keyed noise it is the fused
/// float32 kernel of the batch API (<see cref="FusedKernels.Posterior"/>), which evaluates the same expression.
/// </summary>
internal static class SamplerKernels
{
    /// <summary>Calls the denoiser once for the whole batch at timestep <paramref name="timestep"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Evaluate<T>(IBatchDenoiser<T> denoiser, ImageBatch<T> xt, int timestep, int[] timesteps, T[] prediction, T[] interpolation)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Array.Fill(timesteps, timestep);
        denoiser.Predict(xt, timesteps, prediction, interpolation);
    }

    /// <summary>
    /// Checks that every value the denoiser wrote for image <paramref name="image"/> is finite, naming the step, the image
    /// and the value otherwise (done per image just after its step has read them, while they are in cache).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RequireFinite<T>(ReadOnlySpan<T> values, int image, int timestep, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (AllFinite(values)) return;
        for (int j = 0; j < values.Length; j++)
        {
            if (!T.IsFinite(values[j]))
                throw new InvalidOperationException(
                    $"The denoiser's {what} at timestep t = {timestep} is {values[j]} (image {image}, value {j}); " +
                    "a denoiser must return finite numbers.");
        }
    }

    /// <summary>
    /// Whether every value is finite: v − v is +0 for a finite v and NaN for NaN and ±∞, and a sum with a NaN in it stays
    /// NaN, so the sum of v − v over the span is 0 exactly when all are finite: in the widest vectors, with two
    /// accumulators and one comparison at the end instead of a compare-and-branch per vector of <see cref="Vector{T}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool AllFinite<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T r = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(values);
        int n = values.Length, j = 0;
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            int w = Vector512<T>.Count;
            Vector512<T> a0 = Vector512<T>.Zero, a1 = Vector512<T>.Zero;
            for (; j <= n - 2 * w; j += 2 * w)
            {
                var v0 = Vector512.LoadUnsafe(ref r, (nuint)j);
                var v1 = Vector512.LoadUnsafe(ref r, (nuint)(j + w));
                a0 += v0 - v0;
                a1 += v1 - v1;
            }
            if (!Vector512.EqualsAll(a0 + a1, Vector512<T>.Zero)) return false;
        }
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            int w = Vector256<T>.Count;
            Vector256<T> a0 = Vector256<T>.Zero, a1 = Vector256<T>.Zero;
            for (; j <= n - 2 * w; j += 2 * w)
            {
                var v0 = Vector256.LoadUnsafe(ref r, (nuint)j);
                var v1 = Vector256.LoadUnsafe(ref r, (nuint)(j + w));
                a0 += v0 - v0;
                a1 += v1 - v1;
            }
            for (; j <= n - w; j += w)
            {
                var v = Vector256.LoadUnsafe(ref r, (nuint)j);
                a0 += v - v;
            }
            if (!Vector256.EqualsAll(a0 + a1, Vector256<T>.Zero)) return false;
        }
        for (; j < n; j++)
        {
            if (!T.IsFinite(values[j])) return false;
        }
        return true;
    }

    /// <summary>
    /// y_j = fma(σ, z_j, fma(c₂, u₂_j, c₁·u₁_j)) for one image, with z the stream of <paramref name="key"/> (or
    /// <paramref name="noise"/> when given); σ = 0 draws nothing. <paramref name="scratch"/> holds z on the generic path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Affine<T>(
        T c1, ReadOnlySpan<T> u1, T c2, ReadOnlySpan<T> u2, T sigma, NoiseKey key, StepNoise<T>? noise, int image, int timestep,
        Span<T> scratch, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (sigma == T.Zero)
        {
            for (int j = 0; j < y.Length; j++) y[j] = T.FusedMultiplyAdd(c2, u2[j], c1 * u1[j]);
            return;
        }
        if (noise is null && typeof(T) == typeof(float))
        {
            FusedKernels.Posterior(
                GaussianNoise.BestPath, key, float.CreateTruncating(c1), float.CreateTruncating(c2), float.CreateTruncating(sigma),
                System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(u1), System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(u2),
                System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(y));
            return;
        }
        Span<T> z = scratch[..y.Length];
        FillNoise(key, noise, image, timestep, z);
        for (int j = 0; j < y.Length; j++) y[j] = T.FusedMultiplyAdd(sigma, z[j], T.FusedMultiplyAdd(c2, u2[j], c1 * u1[j]));
    }

    /// <summary>y_j = fma(σ_j, z_j, fma(c₂, u₂_j, c₁·u₁_j)) with a standard deviation per value (learned-range variance).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AffinePerValue<T>(
        T c1, ReadOnlySpan<T> u1, T c2, ReadOnlySpan<T> u2, ReadOnlySpan<T> sigma, NoiseKey key, StepNoise<T>? noise, int image, int timestep,
        Span<T> scratch, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> z = scratch[..y.Length];
        FillNoise(key, noise, image, timestep, z);
        for (int j = 0; j < y.Length; j++) y[j] = T.FusedMultiplyAdd(sigma[j], z[j], T.FusedMultiplyAdd(c2, u2[j], c1 * u1[j]));
    }

    /// <summary>z for one image and step: the keyed stream (float32 numbers, widened exactly for double) or the caller's noise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FillNoise<T>(NoiseKey key, StepNoise<T>? noise, int image, int timestep, Span<T> z)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (noise is not null)
        {
            noise(image, timestep, z);
            return;
        }
        if (typeof(T) == typeof(float)) GaussianNoise.Fill(key, System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(z));
        else GaussianNoise.Fill(key, System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(z));
    }
}
