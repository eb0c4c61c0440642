using Diffusion.Functional.Images;

namespace Diffusion.Functional.Processes;

/// <summary>
/// A Gaussian kernel that scales its input and adds noise: x_out ~ N(Scale·x_in, Variance·I). Both forward
/// kernels have this form: q(x_t | x_0) with Scale = √ᾱ_t, Variance = 1 − ᾱ_t (DDPM eq. 4), and
/// q(x_t | x_{t−1}) with Scale = √α_t, Variance = β_t (DDPM eq. 2).
/// </summary>
/// <param name="From">The timestep of the input (0 for x_0).</param>
/// <param name="To">The timestep of the output.</param>
/// <param name="Scale">The factor on the input, in [0, 1].</param>
/// <param name="Variance">The added variance, in [0, 1].</param>
public sealed record LinearGaussianKernel(int From, int To, double Scale, double Variance)
{
    /// <summary>√Variance.</summary>
    public double StandardDeviation => Math.Sqrt(Variance);

    /// <summary>The law N(Scale·x_in, Variance) of x_out for a scalar input (DDPM eq. 2 or eq. 4, whichever this kernel is).</summary>
    public ScalarGaussian Apply(double input) => new(Scale * input, Variance);

    /// <summary>The law N(Scale·x_in, Variance·I) of x_out for an image input (DDPM eq. 2 or eq. 4, whichever this kernel is).</summary>
    public GaussianImage Apply(Image input) => new(input.Scaled(Scale), Variance);

    /// <summary>
    /// The reparameterised sample Scale·x_in + √Variance·ε for a scalar input, e.g. x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε
    /// (DDPM eq. 4, as in Algorithm 1) or x_t = √α_t·x_{t−1} + √β_t·ε (DDPM eq. 2).
    /// </summary>
    public double Sample(double input, double standardNormal) => Scale * input + StandardDeviation * standardNormal;

    /// <summary>
    /// The reparameterised sample Scale·x_in + √Variance·ε, pixel by pixel, e.g. x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε
    /// (DDPM eq. 4, as in Algorithm 1) or x_t = √α_t·x_{t−1} + √β_t·ε (DDPM eq. 2).
    /// </summary>
    public Image Sample(Image input, Image noise) => Image.Combine(Scale, input, StandardDeviation, noise);
}
