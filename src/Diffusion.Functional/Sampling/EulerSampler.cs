using System.Numerics;
using Diffusion.Functional.Images;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// Euler's method for the probability-flow ODE dx̃/dσ = (x̃ − D(x̃; σ))/σ (Karras et al. 2022, eq. 4 and Algorithm 1;
/// k-diffusion's <c>sample_euler</c>): x̃_{i−1} = x̃_i + (σ_{i−1} − σ_i)·(x̃_i − D_i)/σ_i, on the chain's σ grid. This is
/// DDIM with η = 0 (Song et al. 2021, eq. 12) in the coordinates x̃ = x/√ᾱ; the step onto σ_0 = 0 gives D_1 exactly.
/// </summary>
public sealed record EulerSampler : ISampler
{
    /// <summary>One evaluation per step (Karras et al. 2022, Algorithm 1).</summary>
    public int EvaluationsPerStep => 1;

    /// <summary>Euler runs with any denoiser of the chain's schedule (Karras et al. 2022, eq. 4 needs only D = x̂_0).</summary>
    public void RequireCompatible<T>(IBatchDenoiser<T> denoiser) where T : unmanaged, IFloatingPointIeee754<T> => ArgumentNullException.ThrowIfNull(denoiser);

    /// <summary>
    /// x̃_{i−1} = (σ_{i−1}/σ_i)·x̃_i + (1 − σ_{i−1}/σ_i)·D(x̃_i; σ_i) for i = N..1 (Karras et al. 2022, Algorithm 1 with
    /// its Euler step only), one denoiser call per step for the batch.
    /// </summary>
    public ImageBatch<T> Run<T>(SamplerRun<T> run) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(run);
        var chain = new SigmaChain<T>(run, "euler");
        T[] x = chain.StartState(), denoised = new T[chain.Length], next = new T[chain.Length];
        for (int i = chain.Count; i >= 1; i--)
        {
            chain.Denoise(x, i, denoised);
            double sigma = chain.Sigma(i), sigmaNext = chain.Sigma(i - 1);
            SigmaChain<T>.Combine(sigmaNext / sigma, x, (sigma - sigmaNext) / sigma, denoised, next);
            chain.Report(i, x, denoised, next);
            (x, next) = (next, x);
        }
        return chain.Batch(x);
    }
}
