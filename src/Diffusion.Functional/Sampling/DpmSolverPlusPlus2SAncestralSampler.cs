using System.Numerics;
using Diffusion.Functional.Images;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// DPM-Solver++(2S) ancestral (k-diffusion's <c>sample_dpmpp_2s_ancestral</c>): the ancestral split (σ_down, σ_up) of
/// Euler ancestral (Song et al. 2021, eq. 16 in σ), a singlestep second-order data-prediction step (Lu et al. 2022b,
/// Algorithm 1, r = 1/2) from σ_i to σ_down — with h = log(σ_i/σ_down) and σ_s = σ_i·e^{−h/2},
/// u = (σ_s/σ_i)·x̃ + (1 − σ_s/σ_i)·D(x̃; σ_i), x̃' = (σ_down/σ_i)·x̃ + (1 − σ_down/σ_i)·D(u; σ_s) — then fresh noise σ_up·z.
/// The step onto σ_0 = 0 gives D_1. The midpoint σ_s is off the grid: it needs an <see cref="IContinuousDenoiser{T}"/>.
/// </summary>
/// <param name="Eta">η ∈ [0, 1]; 0 is the deterministic DPM-Solver++(2S).</param>
public sealed record DpmSolverPlusPlus2SAncestralSampler(double Eta = 1.0) : ISampler
{
    private readonly EulerAncestralSampler _split = new(Eta);

    /// <summary>η ∈ [0, 1] (Song et al. 2021, eq. 16).</summary>
    public double Eta => _split.Eta;

    /// <summary>Two evaluations per step, one on the last (Lu et al. 2022b, Algorithm 1).</summary>
    public int EvaluationsPerStep => 2;

    /// <summary>Needs an <see cref="IContinuousDenoiser{T}"/>: D at σ_s = √(σ_i·σ_down) (Lu et al. 2022b, Algorithm 1).</summary>
    public void RequireCompatible<T>(IBatchDenoiser<T> denoiser) where T : unmanaged, IFloatingPointIeee754<T> =>
        SigmaChain<T>.RequireContinuous(denoiser, "dpmpp-2s-ancestral");

    /// <summary>
    /// x̃_{i−1} = DPM-Solver++(2S)(x̃_i; σ_i → σ_down) + σ_up·z, z from <c>ImageKeys[k].Child(τ_i)</c> (Lu et al. 2022b,
    /// Algorithm 1; k-diffusion's <c>sample_dpmpp_2s_ancestral</c>).
    /// </summary>
    public ImageBatch<T> Run<T>(SamplerRun<T> run) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(run);
        var chain = new SigmaChain<T>(run, "dpmpp-2s-ancestral", offGrid: true);
        int length = chain.Length;
        T[] x = chain.StartState(), denoised = new T[length], u = new T[length], denoisedMid = new T[length], next = new T[length], z = new T[length];
        for (int i = chain.Count; i >= 1; i--)
        {
            chain.Denoise(x, i, denoised);
            double sigma = chain.Sigma(i);
            var (down, up) = _split.AncestralStep(sigma, chain.Sigma(i - 1));
            if (down == 0.0)
            {
                SigmaChain<T>.Combine(0.0, x, 1.0, denoised, next);
            }
            else
            {
                double mid = Math.Sqrt(sigma * down); // σ_i·e^{−h/2}
                SigmaChain<T>.Combine(mid / sigma, x, (sigma - mid) / sigma, denoised, u);
                chain.DenoiseAt(u, mid, denoisedMid);
                if (up > 0.0)
                {
                    chain.Noise(i, z);
                    SigmaChain<T>.Combine([down / sigma, (sigma - down) / sigma, up], [x, denoisedMid, z], next);
                }
                else
                {
                    SigmaChain<T>.Combine(down / sigma, x, (sigma - down) / sigma, denoisedMid, next);
                }
            }
            chain.Report(i, x, denoised, next);
            (x, next) = (next, x);
        }
        return chain.Batch(x);
    }
}
