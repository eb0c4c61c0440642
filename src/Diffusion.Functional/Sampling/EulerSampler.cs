using System.Numerics;
using Diffusion.Functional.Images;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// Euler's method for the probability-flow ODE dx̃/dσ = (x̃ − D(x̃; σ))/σ (Karras et al. 2022, eq. 4 and Algorithm 1;
/// k-diffusion's <c>sample_euler</c>): x̃_{i−1} = x̃_i + (σ_{i−1} − σ_i)·(x̃_i − D_i)/σ_i, on the chain's σ grid. This is
/// DDIM with η = 0 (Song et al. 2021, eq. 12) in the coordinates x̃ = x/√ᾱ; the step onto σ_0 = 0 gives D_1 exactly.
/// With S_churn &gt; 0 each step first takes the churn of Karras et al. 2022, Algorithm 2 (as k-diffusion's sample_euler
/// does) and the Euler step then runs from (x̂, σ̂), D evaluated off the grid (an <see cref="IContinuousDenoiser{T}"/>).
/// </summary>
/// <param name="Churn">S_churn ≥ 0, the total churn over the chain (0, the default, is deterministic).</param>
/// <param name="ChurnSigmaMin">S_tmin ≥ 0: no churn below this σ.</param>
/// <param name="ChurnSigmaMax">S_tmax ≥ S_tmin: no churn above this σ (∞ for none).</param>
/// <param name="ChurnNoise">S_noise ≥ 0, the standard deviation of the added noise relative to 1.</param>
public sealed record EulerSampler(double Churn = 0.0, double ChurnSigmaMin = 0.0, double ChurnSigmaMax = double.PositiveInfinity, double ChurnNoise = 1.0) : ISampler
{
    /// <summary>S_churn ≥ 0 (Karras et al. 2022, Algorithm 2).</summary>
    public double Churn { get; } = KarrasChurn.RequireChurn(Churn, nameof(Churn));

    /// <summary>S_tmin ≥ 0 (Karras et al. 2022, Algorithm 2).</summary>
    public double ChurnSigmaMin { get; } = KarrasChurn.RequireSigmaMin(ChurnSigmaMin, nameof(ChurnSigmaMin));

    /// <summary>S_tmax ≥ S_tmin (Karras et al. 2022, Algorithm 2).</summary>
    public double ChurnSigmaMax { get; } = KarrasChurn.RequireSigmaMax(ChurnSigmaMax, ChurnSigmaMin, nameof(ChurnSigmaMax));

    /// <summary>S_noise ≥ 0 (Karras et al. 2022, Algorithm 2).</summary>
    public double ChurnNoise { get; } = KarrasChurn.RequireNoise(ChurnNoise, nameof(ChurnNoise));

    private string Name => Churn > 0.0 ? "euler (with churn)" : "euler";

    /// <summary>One evaluation per step (Karras et al. 2022, Algorithm 1).</summary>
    public int EvaluationsPerStep => 1;

    /// <summary>Any denoiser of the chain's schedule without churn (eq. 4 needs only D = x̂_0); with S_churn &gt; 0 an <see cref="IContinuousDenoiser{T}"/> (D at σ̂, Karras et al. 2022, Algorithm 2).</summary>
    public void RequireCompatible<T>(IBatchDenoiser<T> denoiser) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        if (Churn > 0.0) SigmaChain<T>.RequireContinuous(denoiser, Name);
    }

    /// <summary>
    /// x̃_{i−1} = (σ_{i−1}/σ̂)·x̂ + (1 − σ_{i−1}/σ̂)·D(x̂; σ̂) for i = N..1 with (x̂, σ̂) = (x̃_i, σ_i) unless step i churns
    /// (Karras et al. 2022, Algorithm 1 with its Euler step only, and Algorithm 2, lines 4–6), one denoiser call per step.
    /// </summary>
    public ImageBatch<T> Run<T>(SamplerRun<T> run) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(run);
        var chain = new SigmaChain<T>(run, Name, offGrid: Churn > 0.0);
        T[] x = chain.StartState(), denoised = new T[chain.Length], next = new T[chain.Length];
        var churn = new KarrasChurn(Churn, ChurnSigmaMin, ChurnSigmaMax, ChurnNoise);
        (T[], T[])? churnWork = null;
        for (int i = chain.Count; i >= 1; i--)
        {
            var (start, sigma) = churn.DenoiseAfterChurn(chain, i, x, denoised, ref churnWork);
            double sigmaNext = chain.Sigma(i - 1);
            SigmaChain<T>.Combine(sigmaNext / sigma, start, (sigma - sigmaNext) / sigma, denoised, next);
            chain.Report(i, x, denoised, next);
            (x, next) = (next, x);
        }
        return chain.Batch(x);
    }
}
