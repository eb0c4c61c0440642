namespace Diffusion.Functional.Plots;

/// <summary>
/// The figures of the catalogue. The numbers are fixed: each figure's noise key is <c>NoiseKey.FromSeed(seed).Child(id)</c>,
/// so adding or reordering figures never changes another figure's image.
/// </summary>
public enum FigureId
{
    /// <summary>The seed notebook's forward figure: x_0 beside x_t at t = T/2 (t = 100 for the seed's T = 200).</summary>
    SeedForward = 1,

    /// <summary>The seed notebook's reverse figure: x_0, the chain's start x_{T/4}, its end x_0, and the noise removed.</summary>
    SeedReverse = 2,

    /// <summary>One trajectory of the forward chain at t = 0, 10, 25, 50, 100, 150, 200 (fractions of T).</summary>
    ForwardStrip = 3,

    /// <summary>The oracle reverse chain as frames from t = T/4 down to 0.</summary>
    OracleChainStrip = 4,

    /// <summary>Linear against cosine: β_t, ᾱ_t, β̃_t/β_t and log-SNR against t.</summary>
    ScheduleCurves = 5,

    /// <summary>Pixel histograms of x_t against the exact density of q(x_t) and N(0, 1).</summary>
    PixelHistogram = 6,

    /// <summary>One digit of each class noised at a few t, as a grid.</summary>
    DigitClassGrid = 7,

    /// <summary>Generation from pure noise with the empirical denoiser: x_t and x̂_0 from t = T to the digit, for a few samples.</summary>
    GenerationStrip = 8,

    /// <summary>DDPM against DDIM (η = 0) on T/100, T/20 and T/5 steps from the same starting noise.</summary>
    SamplerComparison = 9,

    /// <summary>The exact error of the deterministic σ-space samplers against the probability-flow ODE, against NFE, log-log.</summary>
    SamplerOrder = 10,

    /// <summary>The training weightings as weights on the ε-MSE, and the shipped UNet's loss per t under each (docs/likelihood.md).</summary>
    LossWeighting = 11,

    /// <summary>The exact W₂ of the stochastic samplers' output law to the Gaussian data law, against NFE, log-log.</summary>
    StochasticLaw = 12,

    /// <summary>The shipped UNet's Fréchet distance against NFE per sampler, from docs/data/mnist-unet-quality.csv.</summary>
    NetworkQuality = 13,

    /// <summary>A 10 × 10 grid of the network's digits with classifier-free guidance, one row per class 0–9.</summary>
    NetworkDigits = 14,

    /// <summary>The same starting noise through several samplers at 10 NFE with the network and guidance, one row per sampler.</summary>
    NetworkSamplers = 15,
}
