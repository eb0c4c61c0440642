using System.Numerics;
using Diffusion.Functional.Images;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// SDE-DPM-Solver++(2M) (Lu et al. 2022b, §5, the second-order multistep solver of the reverse SDE in data prediction;
/// k-diffusion's <c>sample_dpmpp_2m_sde</c> with the midpoint correction and η = 1): with h = λ_{i−1} − λ_i,
/// x̃_{i−1} = (σ_{i−1}/σ_i)·e^{−h}·x̃_i + (1 − e^{−2h})·D_i + ½(1 − e^{−2h})·(D_i − D_{i+1})/r + σ_{i−1}·√(1 − e^{−2h})·z,
/// r = h_{i+1}/h; the first step has no correction, and the step onto σ_0 = 0 gives D_1 without noise.
/// </summary>
public sealed record DpmSolverPlusPlus2MSdeSampler : ISampler
{
    /// <summary>One evaluation per step (Lu et al. 2022b, §5, multistep).</summary>
    public int EvaluationsPerStep => 1;

    /// <summary>Runs with any denoiser of the chain's schedule (Lu et al. 2022b, eq. 9 needs only D = x̂_0).</summary>
    public void RequireCompatible<T>(IBatchDenoiser<T> denoiser) where T : unmanaged, IFloatingPointIeee754<T> => ArgumentNullException.ThrowIfNull(denoiser);

    /// <summary>The SDE-DPM-Solver++(2M) chain (Lu et al. 2022b, §5) on the chain's σ grid, z from <c>ImageKeys[k].Child(τ_i)</c>.</summary>
    public ImageBatch<T> Run<T>(SamplerRun<T> run) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(run);
        var chain = new SigmaChain<T>(run, "dpmpp-2m-sde");
        int length = chain.Length;
        T[] x = chain.StartState(), denoised = new T[length], previous = new T[length], next = new T[length], z = new T[length];
        for (int i = chain.Count; i >= 1; i--)
        {
            chain.Denoise(x, i, denoised);
            double sigma = chain.Sigma(i), sigmaNext = chain.Sigma(i - 1);
            if (sigmaNext == 0.0)
            {
                denoised.CopyTo(next, 0);
            }
            else
            {
                double ratio = sigmaNext / sigma; // e^{−h}
                double weight = (1.0 - ratio) * (1.0 + ratio); // 1 − e^{−2h}, without cancelling
                double noise = sigmaNext * Math.Sqrt(weight);
                chain.Noise(i, z);
                if (i == chain.Count)
                {
                    SigmaChain<T>.Combine([ratio * ratio, weight, noise], [x, denoised, z], next);
                }
                else
                {
                    double h = chain.Lambda(i - 1) - chain.Lambda(i), r = (chain.Lambda(i) - chain.Lambda(i + 1)) / h;
                    double correction = 0.5 * weight / r;
                    SigmaChain<T>.Combine([ratio * ratio, weight + correction, -correction, noise], [x, denoised, previous, z], next);
                }
            }
            chain.Report(i, x, denoised, next);
            (x, next) = (next, x);
            (previous, denoised) = (denoised, previous);
        }
        return chain.Batch(x);
    }
}
