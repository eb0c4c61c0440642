using System.Numerics;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// The stochastic churn of Karras et al. 2022, Algorithm 2, lines 4–6, shared by the σ-space samplers that offer it
/// (heun, euler, dpm2, as k-diffusion's sample_heun, sample_euler and sample_dpm_2): where S_tmin ≤ σ_i ≤ S_tmax the
/// step first raises the noise level to σ̂ = (1 + γ)σ_i, γ = min(S_churn/N, √2 − 1), by adding S_noise·√(σ̂² − σ_i²)·z,
/// and continues from (x̂, σ̂) with D evaluated there.
/// </summary>
internal readonly record struct KarrasChurn(double Churn, double SigmaMin, double SigmaMax, double Noise)
{
    /// <summary>S_churn ≥ 0 and finite, or the error naming <paramref name="name"/>.</summary>
    public static double RequireChurn(double value, string name) => value >= 0.0 && double.IsFinite(value)
        ? value
        : throw new ArgumentOutOfRangeException(name, value, $"{name} = {value} is not allowed; S_churn must be finite and ≥ 0 (0 is the deterministic method).");

    /// <summary>S_tmin ≥ 0 and finite.</summary>
    public static double RequireSigmaMin(double value, string name) => value >= 0.0 && double.IsFinite(value)
        ? value
        : throw new ArgumentOutOfRangeException(name, value, $"{name} = {value} is not allowed; S_tmin must be finite and ≥ 0.");

    /// <summary>S_tmax ≥ S_tmin (∞ for no upper limit).</summary>
    public static double RequireSigmaMax(double value, double sigmaMin, string name) => value >= sigmaMin
        ? value
        : throw new ArgumentOutOfRangeException(name, value, $"{name} = {value} is not allowed; S_tmax must be ≥ S_tmin = {sigmaMin}.");

    /// <summary>S_noise ≥ 0 and finite.</summary>
    public static double RequireNoise(double value, string name) => value >= 0.0 && double.IsFinite(value)
        ? value
        : throw new ArgumentOutOfRangeException(name, value, $"{name} = {value} is not allowed; S_noise must be finite and ≥ 0.");

    /// <summary>γ_i = min(S_churn/N, √2 − 1) where S_tmin ≤ σ_i ≤ S_tmax, else 0 (Karras et al. 2022, Algorithm 2, line 4).</summary>
    public double Gamma(double sigma, int steps) =>
        Churn > 0.0 && sigma >= SigmaMin && sigma <= SigmaMax ? Math.Min(Churn / steps, Math.Sqrt(2.0) - 1.0) : 0.0;

    /// <summary>
    /// Step i's start: with γ_i &gt; 0, x̂ = x̃_i + S_noise·σ_i√(γ(2 + γ))·z (= √(σ̂² − σ_i²) without cancelling; z from
    /// <c>ImageKeys[k].Child(τ_i)</c>) written into <paramref name="workspace"/>'s arrays, D(x̂; σ̂) into
    /// <paramref name="denoised"/>, and (x̂, σ̂) returned; with γ_i = 0, D(x̃_i; σ_i) on the grid and (x̃_i, σ_i).
    /// </summary>
    public (T[] Start, double Sigma) DenoiseAfterChurn<T>(SigmaChain<T> chain, int i, T[] x, T[] denoised, ref (T[] Z, T[] Churned)? workspace)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double sigma = chain.Sigma(i), gamma = Gamma(sigma, chain.Count);
        if (gamma == 0.0)
        {
            chain.Denoise(x, i, denoised);
            return (x, sigma);
        }
        workspace ??= (new T[chain.Length], new T[chain.Length]);
        var (z, churned) = workspace.Value;
        chain.Noise(i, z);
        SigmaChain<T>.Combine(1.0, x, Noise * sigma * Math.Sqrt(gamma * (2.0 + gamma)), z, churned);
        double raised = sigma * (1.0 + gamma);
        chain.DenoiseAt(churned, raised, denoised);
        return (churned, raised);
    }
}
