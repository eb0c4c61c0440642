using System.Numerics;
using Diffusion.Functional.Images;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// SDE-DPM-Solver++(3M) (Lu et al. 2022b, §5 with the third-order multistep interpolant of §4; k-diffusion's
/// <c>sample_dpmpp_3m_sde</c>, η = 1): with h = λ_{i−1} − λ_i, H = 2h and p(τ) = D_i + p₁τ + p₂τ² the quadratic through
/// the last three evaluations, x̃_{i−1} = e^{−H}·x̃_i + (1 − e^{−H})·D_i + ½(H − 1 + e^{−H})·p₁ + ¼(H² − 2H + 2 − 2e^{−H})·p₂
/// + σ_{i−1}·√(1 − e^{−2h})·z, the exact integral of the drift ∫ 2e^{−2(λ_{i−1}−λ)}p dλ. The first step is first order,
/// the second linear (p₂ = 0), and the step onto σ_0 = 0 gives D_1 without noise (docs/samplers.md).
/// </summary>
public sealed record DpmSolverPlusPlus3MSdeSampler : ISampler
{
    /// <summary>The weight of p₂ relative to the exact integral: 1, or ½ for k-diffusion's coefficient (docs/comparison.md).</summary>
    internal double QuadraticShare { get; init; } = 1.0;

    /// <summary>One evaluation per step (Lu et al. 2022b, §5, multistep).</summary>
    public int EvaluationsPerStep => 1;

    /// <summary>Runs with any denoiser of the chain's schedule (Lu et al. 2022b, eq. 9 needs only D = x̂_0).</summary>
    public void RequireCompatible<T>(IBatchDenoiser<T> denoiser) where T : unmanaged, IFloatingPointIeee754<T> => ArgumentNullException.ThrowIfNull(denoiser);

    /// <summary>The SDE-DPM-Solver++(3M) chain (Lu et al. 2022b, §5) on the chain's σ grid, z from <c>ImageKeys[k].Child(τ_i)</c>.</summary>
    public ImageBatch<T> Run<T>(SamplerRun<T> run) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(run);
        var chain = new SigmaChain<T>(run, "dpmpp-3m-sde");
        int length = chain.Length;
        T[] x = chain.StartState(), d0 = new T[length], d1 = new T[length], d2 = new T[length], z = new T[length], next = new T[length];
        int done = 0;
        for (int i = chain.Count; i >= 1; i--)
        {
            chain.Denoise(x, i, d0);
            double sigma = chain.Sigma(i), sigmaNext = chain.Sigma(i - 1);
            if (sigmaNext == 0.0)
            {
                d0.CopyTo(next, 0);
            }
            else
            {
                double h = chain.Lambda(i - 1) - chain.Lambda(i), ratio = sigmaNext / sigma; // e^{−h}
                double decay = ratio * ratio, weight = (1.0 - ratio) * (1.0 + ratio); // e^{−2h}, 1 − e^{−2h}
                var (linear, quadratic) = StepWeights(h, QuadraticShare);
                chain.Noise(i, z);
                double noise = sigmaNext * Math.Sqrt(weight);
                if (done == 0)
                {
                    SigmaChain<T>.Combine([decay, weight, noise], [x, d0, z], next);
                }
                else if (done == 1)
                {
                    double h1 = chain.Lambda(i) - chain.Lambda(i + 1);
                    SigmaChain<T>.Combine([decay, weight + linear / h1, -linear / h1, noise], [x, d0, d1, z], next);
                }
                else
                {
                    double h1 = chain.Lambda(i) - chain.Lambda(i + 1), h2 = chain.Lambda(i + 1) - chain.Lambda(i + 2);
                    // The Newton form of DpmSolverPlusPlus3MSampler: p₁ = f₀₁ + h₁f₀₁₂, p₂ = f₀₁₂.
                    double w = linear * h1 + quadratic, span = h1 + h2;
                    double a0 = weight + linear / h1 + w / (h1 * span);
                    double a1 = -linear / h1 - w / (h1 * span) - w / (h2 * span);
                    double a2 = w / (h2 * span);
                    SigmaChain<T>.Combine([decay, a0, a1, a2, noise], [x, d0, d1, d2, z], next);
                }
            }
            chain.Report(i, x, d0, next);
            (x, next) = (next, x);
            (d2, d1, d0) = (d1, d0, d2);
            done++;
        }
        return chain.Batch(x);
    }

    /// <summary>
    /// (∫₀^h 2e^{−2(h−τ)}τ dτ, share·∫₀^h 2e^{−2(h−τ)}τ² dτ) = (½(H − 1 + e^{−H}), share·¼(H² − 2H + 2 − 2e^{−H})), H = 2h:
    /// the weights of p₁ and p₂ (substitute u = 2τ in <see cref="DpmSolverPlusPlus3MSampler.IntegralWeights"/>).
    /// </summary>
    internal static (double Linear, double Quadratic) StepWeights(double h, double quadraticShare = 1.0)
    {
        var (linear, quadratic) = DpmSolverPlusPlus3MSampler.IntegralWeights(2.0 * h);
        return (0.5 * linear, 0.25 * quadratic * quadraticShare);
    }
}
