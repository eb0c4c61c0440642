using System.Numerics;
using Diffusion.Functional.Images;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// DPM-2 ancestral (k-diffusion's <c>sample_dpm_2_ancestral</c>): the ancestral split of Euler ancestral (σ_down, σ_up
/// with σ_down² + σ_up² = σ_{i−1}², Song et al. 2021, eq. 16 in σ), a DPM-Solver-2 step (Lu et al. 2022, Algorithm 1,
/// r₁ = 1/2; midpoint √(σ_i·σ_down) in log σ) from σ_i to σ_down, then fresh noise σ_up·z. The step onto σ_0 = 0 gives
/// D_1 without noise. The midpoint is off the grid: it needs an <see cref="IContinuousDenoiser{T}"/>.
/// </summary>
/// <param name="Eta">η ∈ [0, 1]; 0 is <c>dpm2</c>, 1 DDPM's ancestral variance.</param>
public sealed record Dpm2AncestralSampler(double Eta = 1.0) : ISampler
{
    private readonly EulerAncestralSampler _split = new(Eta);

    /// <summary>η ∈ [0, 1] (Song et al. 2021, eq. 16).</summary>
    public double Eta => _split.Eta;

    /// <summary>Two evaluations per step, one on the last (Lu et al. 2022, Algorithm 1).</summary>
    public int EvaluationsPerStep => 2;

    /// <summary>Needs an <see cref="IContinuousDenoiser{T}"/>: D at √(σ_i·σ_down) (Lu et al. 2022, Algorithm 1).</summary>
    public void RequireCompatible<T>(IBatchDenoiser<T> denoiser) where T : unmanaged, IFloatingPointIeee754<T> =>
        SigmaChain<T>.RequireContinuous(denoiser, "dpm2-ancestral");

    /// <summary>
    /// x̃_{i−1} = DPM-Solver-2(x̃_i; σ_i → σ_down) + σ_up·z, z from <c>ImageKeys[k].Child(τ_i)</c> (k-diffusion's
    /// <c>sample_dpm_2_ancestral</c>; Lu et al. 2022, Algorithm 1; Song et al. 2021, eq. 16).
    /// </summary>
    public ImageBatch<T> Run<T>(SamplerRun<T> run) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(run);
        var chain = new SigmaChain<T>(run, "dpm2-ancestral", offGrid: true);
        var work = new DpmSolverSampler.Workspace<T>(chain.Length);
        T[] x = chain.StartState(), next = new T[chain.Length], z = new T[chain.Length];
        for (int i = chain.Count; i >= 1; i--)
        {
            chain.Denoise(x, i, work.Denoised);
            double sigma = chain.Sigma(i);
            var (down, up) = _split.AncestralStep(sigma, chain.Sigma(i - 1));
            if (down == 0.0)
            {
                SigmaChain<T>.Combine(0.0, x, 1.0, work.Denoised, next);
            }
            else
            {
                DpmSolverSampler.SecondOrderStep(chain, x, sigma, down, work, next);
                if (up > 0.0)
                {
                    chain.Noise(i, z);
                    SigmaChain<T>.Combine(1.0, next, up, z, next);
                }
            }
            chain.Report(i, x, work.Denoised, next);
            (x, next) = (next, x);
        }
        return chain.Batch(x);
    }
}
