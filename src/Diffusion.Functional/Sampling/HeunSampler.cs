using System.Numerics;
using Diffusion.Functional.Images;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// Heun's second-order method for the probability-flow ODE dx̃/dσ = (x̃ − D(x̃; σ))/σ with the stochastic churn of
/// Karras et al. 2022, Algorithm 2 (k-diffusion's <c>sample_heun</c>): where S_tmin ≤ σ_i ≤ S_tmax, the step first raises
/// the noise level to σ̂ = (1 + γ)σ_i, γ = min(S_churn/N, √2 − 1), by adding S_noise·√(σ̂² − σ_i²)·z, then takes an Euler
/// step from σ̂ to σ_{i−1} and the trapezoidal correction with the slope there; the step onto σ_0 = 0 is the Euler step
/// alone (Algorithm 2, line 8). S_churn = 0 (the default) is Algorithm 1, deterministic and evaluated on the grid only;
/// churn evaluates D at σ̂, off the grid, and needs an <see cref="IContinuousDenoiser{T}"/>.
/// </summary>
/// <param name="Churn">S_churn ≥ 0, the total churn over the chain (Karras et al. use 0–80; 0 is deterministic).</param>
/// <param name="ChurnSigmaMin">S_tmin ≥ 0: no churn below this σ.</param>
/// <param name="ChurnSigmaMax">S_tmax ≥ S_tmin: no churn above this σ (∞ for none).</param>
/// <param name="ChurnNoise">S_noise ≥ 0, the standard deviation of the added noise relative to 1 (Karras et al. 1.003–1.007).</param>
public sealed record HeunSampler(double Churn = 0.0, double ChurnSigmaMin = 0.0, double ChurnSigmaMax = double.PositiveInfinity, double ChurnNoise = 1.0) : ISampler
{
    /// <summary>S_churn ≥ 0 (Karras et al. 2022, Algorithm 2).</summary>
    public double Churn { get; } = KarrasChurn.RequireChurn(Churn, nameof(Churn));

    /// <summary>S_tmin ≥ 0 (Karras et al. 2022, Algorithm 2).</summary>
    public double ChurnSigmaMin { get; } = KarrasChurn.RequireSigmaMin(ChurnSigmaMin, nameof(ChurnSigmaMin));

    /// <summary>S_tmax ≥ S_tmin (Karras et al. 2022, Algorithm 2).</summary>
    public double ChurnSigmaMax { get; } = KarrasChurn.RequireSigmaMax(ChurnSigmaMax, ChurnSigmaMin, nameof(ChurnSigmaMax));

    /// <summary>S_noise ≥ 0 (Karras et al. 2022, Algorithm 2).</summary>
    public double ChurnNoise { get; } = KarrasChurn.RequireNoise(ChurnNoise, nameof(ChurnNoise));

    private KarrasChurn Settings => new(Churn, ChurnSigmaMin, ChurnSigmaMax, ChurnNoise);

    /// <summary>Two evaluations per step, one on the last (Karras et al. 2022, Algorithms 1 and 2): 2N − 1 in all.</summary>
    public int EvaluationsPerStep => 2;

    /// <summary>Any denoiser of the chain's schedule without churn; with S_churn &gt; 0 an <see cref="IContinuousDenoiser{T}"/> (D at σ̂, Karras et al. 2022, Algorithm 2).</summary>
    public void RequireCompatible<T>(IBatchDenoiser<T> denoiser) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        if (Churn > 0.0) SigmaChain<T>.RequireContinuous(denoiser, "heun (with churn)");
    }

    /// <summary>γ_i = min(S_churn/N, √2 − 1) where S_tmin ≤ σ_i ≤ S_tmax, else 0 (Karras et al. 2022, Algorithm 2, line 4).</summary>
    public double Gamma(double sigma, int steps) => Settings.Gamma(sigma, steps);

    /// <summary>
    /// With γ_i &gt; 0: x̂ = x̃_i + S_noise·σ_i√(γ(2 + γ))·z (= √(σ̂² − σ_i²) without cancelling), z from <c>ImageKeys[k].Child(τ_i)</c>;
    /// then d = (x̂ − D(x̂; σ̂))/σ̂, x̃' = x̂ + (σ_{i−1} − σ̂)·d, and for σ_{i−1} &gt; 0
    /// x̃_{i−1} = x̂ + (σ_{i−1} − σ̂)·(d + (x̃' − D(x̃'; σ_{i−1}))/σ_{i−1})/2 (Karras et al. 2022, Algorithm 2, lines 5–10).
    /// </summary>
    public ImageBatch<T> Run<T>(SamplerRun<T> run) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(run);
        var chain = new SigmaChain<T>(run, "heun (with churn)", offGrid: Churn > 0.0);
        int length = chain.Length;
        T[] x = chain.StartState(), denoised = new T[length], euler = new T[length], corrected = new T[length], next = new T[length];
        (T[], T[])? churnWork = null;
        KarrasChurn churn = Settings;
        for (int i = chain.Count; i >= 1; i--)
        {
            // x̂ = x̃ + S_noise·√(σ̂² − σ²)·z at σ̂ = (1 + γ)σ where γ > 0, and the step continues from (x̂, σ̂)
            var (start, sigma) = churn.DenoiseAfterChurn(chain, i, x, denoised, ref churnWork);
            double sigmaNext = chain.Sigma(i - 1);
            SigmaChain<T>.Combine(sigmaNext / sigma, start, (sigma - sigmaNext) / sigma, denoised, euler);
            if (sigmaNext == 0.0)
            {
                chain.Report(i, x, denoised, euler);
                (x, euler) = (euler, x);
                continue;
            }
            chain.Denoise(euler, i - 1, corrected);
            // x̂ + h/2·((x̂ − D)/σ̂ + (x̃' − D')/σ') with h = σ' − σ̂, as one combination of x̂, D, x̃' and D'.
            double h = sigmaNext - sigma;
            double cx = 1.0 + 0.5 * h / sigma, cd = -0.5 * h / sigma, ce = 0.5 * h / sigmaNext, cc = -0.5 * h / sigmaNext;
            SigmaChain<T>.Combine([cx, cd, ce, cc], [start, denoised, euler, corrected], next);
            chain.Report(i, x, denoised, next);
            (x, next) = (next, x);
        }
        return chain.Batch(x);
    }
}
