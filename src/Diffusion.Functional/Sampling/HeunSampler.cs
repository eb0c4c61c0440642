using System.Numerics;
using Diffusion.Functional.Images;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// Heun's second-order method for the probability-flow ODE dx̃/dσ = (x̃ − D(x̃; σ))/σ (Karras et al. 2022, Algorithm 1,
/// the deterministic sampler; k-diffusion's <c>sample_heun</c> with S_churn = 0): an Euler step to σ_{i−1}, then the
/// trapezoidal correction with the slope there; the step onto σ_0 = 0 is the Euler step alone (Algorithm 1, line 6),
/// which gives D_1. The stochastic churn of Algorithm 2 needs D at σ off the training grid and is not offered.
/// </summary>
public sealed record HeunSampler : ISampler
{
    /// <summary>Two evaluations per step, one on the last (Karras et al. 2022, Algorithm 1): 2N − 1 in all.</summary>
    public int EvaluationsPerStep => 2;

    /// <summary>Heun runs with any denoiser of the chain's schedule (Karras et al. 2022, eq. 4 needs only D = x̂_0).</summary>
    public void RequireCompatible<T>(IBatchDenoiser<T> denoiser) where T : unmanaged, IFloatingPointIeee754<T> => ArgumentNullException.ThrowIfNull(denoiser);

    /// <summary>
    /// d_i = (x̃_i − D(x̃_i; σ_i))/σ_i, x̃' = x̃_i + (σ_{i−1} − σ_i)·d_i, and for σ_{i−1} &gt; 0
    /// x̃_{i−1} = x̃_i + (σ_{i−1} − σ_i)·(d_i + (x̃' − D(x̃'; σ_{i−1}))/σ_{i−1})/2 (Karras et al. 2022, Algorithm 1, lines 5–8).
    /// </summary>
    public ImageBatch<T> Run<T>(SamplerRun<T> run) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(run);
        var chain = new SigmaChain<T>(run, "heun");
        int length = chain.Length;
        T[] x = chain.StartState(), denoised = new T[length], euler = new T[length], corrected = new T[length], next = new T[length];
        for (int i = chain.Count; i >= 1; i--)
        {
            chain.Denoise(x, i, denoised);
            double sigma = chain.Sigma(i), sigmaNext = chain.Sigma(i - 1);
            SigmaChain<T>.Combine(sigmaNext / sigma, x, (sigma - sigmaNext) / sigma, denoised, euler);
            if (sigmaNext == 0.0)
            {
                chain.Report(i, x, denoised, euler);
                (x, euler) = (euler, x);
                continue;
            }
            chain.Denoise(euler, i - 1, corrected);
            // x̃ + h/2·((x̃ − D)/σ + (x̃' − D')/σ') with h = σ' − σ, as one combination of x̃, D, x̃' and D'.
            double h = sigmaNext - sigma;
            double cx = 1.0 + 0.5 * h / sigma, cd = -0.5 * h / sigma, ce = 0.5 * h / sigmaNext, cc = -0.5 * h / sigmaNext;
            SigmaChain<T>.Combine([cx, cd, ce, cc], [x, denoised, euler, corrected], next);
            chain.Report(i, x, denoised, next);
            (x, next) = (next, x);
        }
        return chain.Batch(x);
    }
}
