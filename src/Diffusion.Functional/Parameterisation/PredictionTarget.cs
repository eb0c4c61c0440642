namespace Diffusion.Functional.Parameterisation;

/// <summary>
/// What a denoiser predicts from x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε (DDPM eq. 4). The three are exact reparameterisations of
/// one another given x_t and ᾱ_t (see <see cref="PredictionConversions"/>).
/// </summary>
public enum PredictionTarget
{
    /// <summary>The noise ε (Ho et al. 2020, eq. 11 and Algorithm 1; diffusers' "epsilon").</summary>
    Epsilon,

    /// <summary>The clean data x_0 (diffusers' "sample", improved-diffusion's START_X).</summary>
    X0,

    /// <summary>The velocity v = √ᾱ_t·ε − √(1 − ᾱ_t)·x_0 (Salimans &amp; Ho 2022, §4; diffusers' "v_prediction").</summary>
    V,
}
