namespace Diffusion.Functional.Sampling;

/// <summary>
/// The variance σ_t² of the DDPM reverse step p_θ(x_{t−1} | x_t) = N(μ_θ, σ_t² I) (Ho et al. 2020, §3.2;
/// Nichol &amp; Dhariwal 2021, §3.1), with improved-diffusion's conventions at t = 1.
/// </summary>
public enum DdpmVariance
{
    /// <summary>σ_t² = β̃_t, the posterior variance (DDPM's choice for x_0 deterministic); log β̃_1 clipped to log β̃_2.</summary>
    FixedSmall,

    /// <summary>σ_t² = β_t (DDPM's choice for x_0 ~ N(0, I)), with β̃_2 at t = 1 as improved-diffusion does.</summary>
    FixedLarge,

    /// <summary>log σ_t² = ((v + 1)/2)·log β_t + ((1 − v)/2)·log β̃_t with the model's v per pixel (Nichol &amp; Dhariwal 2021, eq. 15).</summary>
    LearnedRange,
}
