using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;

namespace Diffusion.Functional.Processes;

/// <summary>
/// An isotropic Gaussian over images, N(μ, σ² I): the form of q(x_t | x_0), q(x_t | x_{t−1}) and
/// q(x_{t−1} | x_t, x_0) alike (DDPM eqs. 2, 4, 6).
/// </summary>
/// <param name="Mean">μ, an image.</param>
/// <param name="Variance">σ², shared by every pixel; σ² ≥ 0.</param>
public sealed record GaussianImage(Image Mean, double Variance)
{
    /// <summary>μ, an image.</summary>
    public Image Mean { get; } = Mean ?? throw new ArgumentNullException(nameof(Mean));

    /// <summary>σ², shared by every pixel; σ² ≥ 0.</summary>
    public double Variance { get; } = Variance >= 0.0 && double.IsFinite(Variance)
        ? Variance
        : throw new ArgumentOutOfRangeException(nameof(Variance), Variance, $"Variance = {Variance} is not allowed; a variance must be finite and ≥ 0.");

    /// <summary>σ = √σ².</summary>
    public double StandardDeviation => Math.Sqrt(Variance);

    /// <summary>
    /// The reparameterised sample μ + σ·ε for a standard normal image ε of the same shape, pixel by pixel (as DDPM
    /// eq. 4 is sampled in Algorithm 1; Kingma &amp; Welling 2014, §2.4).
    /// </summary>
    public Image Sample(Image noise) => Image.Combine(1.0, Mean, StandardDeviation, noise);

    /// <summary>
    /// The sample μ + σ·ε with ε drawn from the keyed stream <paramref name="key"/>, one number per pixel (see
    /// <see cref="NoiseImage"/>; the generator: docs/noise.md).
    /// </summary>
    public Image Sample(NoiseKey key) => Sample(NoiseImage.StandardNormal(key, Mean.Width, Mean.Height));
}
