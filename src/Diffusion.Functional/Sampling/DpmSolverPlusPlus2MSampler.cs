using System.Numerics;
using Diffusion.Functional.Images;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// DPM-Solver++(2M) (Lu et al. 2022b, "DPM-Solver++", Algorithm 2; k-diffusion's <c>sample_dpmpp_2m</c>): the
/// exponential integrator of dx̃/dλ = D − x̃ in λ = −log σ with D extrapolated linearly from the last two
/// evaluations, x̃_{i−1} = (σ_{i−1}/σ_i)·x̃_i + (1 − σ_{i−1}/σ_i)·((1 + 1/(2r))·D_i − D_{i+1}/(2r)), r = h_{i+1}/h_i.
/// The first step is DPM-Solver++(1) (r undefined) and the step onto σ_0 = 0 (h = ∞) gives D_1 exactly.
/// </summary>
public sealed record DpmSolverPlusPlus2MSampler : ISampler
{
    /// <summary>One evaluation per step (Lu et al. 2022b, Algorithm 2).</summary>
    public int EvaluationsPerStep => 1;

    /// <summary>DPM-Solver++ runs with any denoiser of the chain's schedule (Lu et al. 2022b, eq. 9 needs only D = x̂_0).</summary>
    public void RequireCompatible<T>(IBatchDenoiser<T> denoiser) where T : unmanaged, IFloatingPointIeee754<T> => ArgumentNullException.ThrowIfNull(denoiser);

    /// <summary>The 2M chain of Lu et al. 2022b, Algorithm 2 on the chain's σ grid, one denoiser call per step for the batch.</summary>
    public ImageBatch<T> Run<T>(SamplerRun<T> run) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(run);
        var chain = new SigmaChain<T>(run, "dpmpp-2m");
        int length = chain.Length;
        T[] x = chain.StartState(), denoised = new T[length], previous = new T[length], next = new T[length];
        for (int i = chain.Count; i >= 1; i--)
        {
            chain.Denoise(x, i, denoised);
            double sigma = chain.Sigma(i), sigmaNext = chain.Sigma(i - 1);
            double ratio = sigmaNext / sigma, weight = (sigma - sigmaNext) / sigma; // e^{−h} and 1 − e^{−h}
            if (i == chain.Count || sigmaNext == 0.0)
            {
                SigmaChain<T>.Combine(ratio, x, weight, denoised, next);
            }
            else
            {
                double h = chain.Lambda(i - 1) - chain.Lambda(i), hLast = chain.Lambda(i) - chain.Lambda(i + 1);
                double r = hLast / h;
                SigmaChain<T>.Combine([ratio, weight * (1.0 + 0.5 / r), -weight * 0.5 / r], [x, denoised, previous], next);
            }
            chain.Report(i, x, denoised, next);
            (x, next) = (next, x);
            (previous, denoised) = (denoised, previous);
        }
        return chain.Batch(x);
    }
}
