using System.Numerics;
using Diffusion.Functional.Images;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// Euler ancestral sampling (k-diffusion's <c>sample_euler_ancestral</c>; the ancestral split of Song et al. 2021,
/// eq. 16 in σ coordinates, Karras et al. 2022, eq. 6): from σ_i an Euler step of the probability-flow ODE down to
/// σ_down, then fresh noise of standard deviation σ_up, with σ_up² = η²·σ_{i−1}²(σ_i² − σ_{i−1}²)/σ_i² and
/// σ_down² + σ_up² = σ_{i−1}². η = 1 is DDPM's ancestral variance; the step onto σ_0 = 0 gives D_1 without noise.
/// </summary>
/// <param name="Eta">η, range 0 ≤ η ≤ 1 (0 is <see cref="EulerSampler"/>).</param>
public sealed record EulerAncestralSampler(double Eta = 1.0) : ISampler
{
    /// <summary>η ∈ [0, 1].</summary>
    public double Eta { get; } = Eta >= 0.0 && Eta <= 1.0
        ? Eta
        : throw new ArgumentOutOfRangeException(nameof(Eta), Eta, $"Eta = {Eta} is outside [0, 1]; η = 0 is the Euler ODE step and η = 1 DDPM's ancestral variance.");

    /// <summary>One evaluation per step (Karras et al. 2022, eq. 6 discretised by Euler–Maruyama).</summary>
    public int EvaluationsPerStep => 1;

    /// <summary>Runs with any denoiser of the chain's schedule (Karras et al. 2022, eq. 6 needs only D = x̂_0).</summary>
    public void RequireCompatible<T>(IBatchDenoiser<T> denoiser) where T : unmanaged, IFloatingPointIeee754<T> => ArgumentNullException.ThrowIfNull(denoiser);

    /// <summary>
    /// (σ_down, σ_up) of the step σ → σ' (Song et al. 2021, eq. 16 in σ = √((1 − ᾱ)/ᾱ)): σ_up = η·σ'·√((σ − σ')(σ + σ'))/σ
    /// and σ_down = σ'·√((1 − η²) + η²σ'²/σ²), so that σ_down² + σ_up² = σ'² with neither a difference of squares nor a
    /// square root of a rounded negative (diffusers issue #14213: σ_up &gt; σ' in float32 made σ_down NaN).
    /// </summary>
    public (double Down, double Up) AncestralStep(double sigma, double sigmaNext)
    {
        if (!(sigma > 0.0) || !(sigmaNext >= 0.0) || !(sigmaNext <= sigma))
            throw new ArgumentOutOfRangeException(nameof(sigmaNext), sigmaNext, $"sigmaNext = {sigmaNext} is not allowed with sigma = {sigma}; an ancestral step needs 0 ≤ σ' ≤ σ and σ > 0.");
        double ratio = sigmaNext / sigma;
        double up = Eta * sigmaNext * Math.Sqrt((1.0 - ratio) * (1.0 + ratio));
        double down = sigmaNext * Math.Sqrt((1.0 - Eta * Eta) + Eta * Eta * ratio * ratio);
        return (down, Math.Min(up, sigmaNext));
    }

    /// <summary>
    /// x̃_{i−1} = (σ_down/σ_i)·x̃_i + (1 − σ_down/σ_i)·D(x̃_i; σ_i) + σ_up·z, z from <c>ImageKeys[k].Child(τ_i)</c>
    /// (Karras et al. 2022, eq. 6 by Euler–Maruyama; k-diffusion's <c>sample_euler_ancestral</c>), one denoiser call per step.
    /// </summary>
    public ImageBatch<T> Run<T>(SamplerRun<T> run) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(run);
        var chain = new SigmaChain<T>(run, "euler-ancestral");
        int length = chain.Length;
        T[] x = chain.StartState(), denoised = new T[length], next = new T[length], z = new T[length];
        for (int i = chain.Count; i >= 1; i--)
        {
            chain.Denoise(x, i, denoised);
            double sigma = chain.Sigma(i), sigmaNext = chain.Sigma(i - 1);
            var (down, up) = AncestralStep(sigma, sigmaNext);
            if (up > 0.0)
            {
                chain.Noise(i, z);
                SigmaChain<T>.Combine([down / sigma, (sigma - down) / sigma, up], [x, denoised, z], next);
            }
            else
            {
                SigmaChain<T>.Combine(down / sigma, x, (sigma - down) / sigma, denoised, next);
            }
            chain.Report(i, x, denoised, next);
            (x, next) = (next, x);
        }
        return chain.Batch(x);
    }
}
