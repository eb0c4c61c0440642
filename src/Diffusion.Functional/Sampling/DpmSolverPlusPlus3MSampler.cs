using System.Numerics;
using Diffusion.Functional.Images;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// DPM-Solver++(3M), the third-order multistep exponential integrator in data prediction (Lu et al. 2022b, §4 and
/// Appendix B; k-diffusion's <c>sample_dpmpp_3m_sde</c> with η = 0): with h = λ_{i−1} − λ_i and D(λ_i + τ) replaced by its
/// quadratic interpolant p(τ) = D_i + p₁τ + p₂τ² through the last three evaluations,
/// x̃_{i−1} = e^{−h}·x̃_i + (1 − e^{−h})·D_i + (h − 1 + e^{−h})·p₁ + (h² − 2h + 2 − 2e^{−h})·p₂, the exact integral of
/// dx̃/dλ = p − x̃. The first step is first order, the second uses the linear interpolant (p₂ = 0), and the step onto
/// σ_0 = 0 gives D_1 exactly (docs/samplers.md).
/// </summary>
public sealed record DpmSolverPlusPlus3MSampler : ISampler
{
    /// <summary>One evaluation per step (Lu et al. 2022b, §4, multistep).</summary>
    public int EvaluationsPerStep => 1;

    /// <summary>DPM-Solver++ runs with any denoiser of the chain's schedule (Lu et al. 2022b, eq. 9 needs only D = x̂_0).</summary>
    public void RequireCompatible<T>(IBatchDenoiser<T> denoiser) where T : unmanaged, IFloatingPointIeee754<T> => ArgumentNullException.ThrowIfNull(denoiser);

    /// <summary>The 3M chain (Lu et al. 2022b, §4) on the chain's σ grid, one denoiser call per step for the batch.</summary>
    public ImageBatch<T> Run<T>(SamplerRun<T> run) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(run);
        var chain = new SigmaChain<T>(run, "dpmpp-3m");
        int length = chain.Length;
        T[] x = chain.StartState(), d0 = new T[length], d1 = new T[length], d2 = new T[length], next = new T[length];
        int done = 0; // steps taken so far: how many earlier D are held
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
                double h = chain.Lambda(i - 1) - chain.Lambda(i);
                double decay = sigmaNext / sigma, weight = (sigma - sigmaNext) / sigma; // e^{−h}, 1 − e^{−h}
                var (c1, c2) = IntegralWeights(h);
                if (done == 0)
                {
                    SigmaChain<T>.Combine(decay, x, weight, d0, next);
                }
                else if (done == 1)
                {
                    double h1 = chain.Lambda(i) - chain.Lambda(i + 1);
                    // p₁ = (D_i − D_{i+1})/h₁.
                    SigmaChain<T>.Combine([decay, weight + c1 / h1, -c1 / h1], [x, d0, d1], next);
                }
                else
                {
                    double h1 = chain.Lambda(i) - chain.Lambda(i + 1), h2 = chain.Lambda(i + 1) - chain.Lambda(i + 2);
                    // Newton form: p(τ) = D_i + f₀₁·τ + f₀₁₂·τ(τ + h₁), so p₁ = f₀₁ + h₁f₀₁₂ and p₂ = f₀₁₂; w collects f₀₁₂'s weight.
                    double w = c1 * h1 + c2, span = h1 + h2;
                    double a0 = weight + c1 / h1 + w / (h1 * span);
                    double a1 = -c1 / h1 - w / (h1 * span) - w / (h2 * span);
                    double a2 = w / (h2 * span);
                    SigmaChain<T>.Combine([decay, a0, a1, a2], [x, d0, d1, d2], next);
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
    /// (h − 1 + e^{−h}, h² − 2h + 2 − 2e^{−h}) = (∫₀^h e^{−(h−τ)}τ dτ, ∫₀^h e^{−(h−τ)}τ² dτ): by their series
    /// Σ_{k≥2} (−h)^k/k! and −2·Σ_{k≥3} (−h)^k/k! below h = 1, where the closed forms cancel.
    /// </summary>
    internal static (double Linear, double Quadratic) IntegralWeights(double h)
    {
        if (h >= 1.0)
        {
            double e = Math.Exp(-h);
            return (h - 1.0 + e, h * h - 2.0 * h + 2.0 - 2.0 * e);
        }
        double term = 0.5 * h * h, linear = term, quadratic = 0.0; // term = (−h)^k/k!, k = 2
        for (int k = 3; k <= 30; k++)
        {
            term *= -h / k;
            linear += term;
            quadratic -= 2.0 * term;
        }
        return (linear, quadratic);
    }
}
