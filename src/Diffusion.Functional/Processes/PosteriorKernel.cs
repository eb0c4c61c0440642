using Diffusion.Functional.Images;

namespace Diffusion.Functional.Processes;

/// <summary>
/// The forward-process posterior q(x_s | x_t, x_0) = N(CoefX0·x_0 + CoefXt·x_t, Variance·I) for s &lt; t
/// (DDPM eqs. 6–7 for s = t − 1; the general gap as in DDIM, Song et al. 2021, eq. 7 with σ² at its DDPM value).
/// </summary>
/// <param name="From">t, the step conditioned on.</param>
/// <param name="To">s, the step sampled, 0 ≤ s &lt; t.</param>
/// <param name="CoefX0">The weight of x_0 in the mean.</param>
/// <param name="CoefXt">The weight of x_t in the mean.</param>
/// <param name="Variance">The variance, ≥ 0 (0 when s = 0: the posterior of x_0 given x_0 is a point mass).</param>
public sealed record PosteriorKernel(int From, int To, double CoefX0, double CoefXt, double Variance)
{
    /// <summary>√Variance.</summary>
    public double StandardDeviation => Math.Sqrt(Variance);

    /// <summary>The mean CoefX0·x_0 + CoefXt·x_t for scalars: μ̃_t of DDPM eq. 7 when s = t − 1.</summary>
    public double Mean(double x0, double xt) => Math.FusedMultiplyAdd(CoefXt, xt, CoefX0 * x0);

    /// <summary>The law N(CoefX0·x_0 + CoefXt·x_t, Variance) of x_s for scalar x_0 and x_t (DDPM eqs. 6–7 when s = t − 1).</summary>
    public ScalarGaussian Apply(double x0, double xt) => new(Mean(x0, xt), Variance);

    /// <summary>
    /// The law N(CoefX0·x_0 + CoefXt·x_t, Variance·I) of x_s for images x_0 and x_t of one shape (DDPM eqs. 6–7 when
    /// s = t − 1).
    /// </summary>
    public GaussianImage Apply(Image x0, Image xt) => new(Combine(x0, xt, 0.0, null), Variance);

    /// <summary>
    /// The reparameterised sample fma(σ, ε, fma(CoefXt, x_t, CoefX0·x_0)) for scalars: x_{t−1} = μ̃_t + √β̃_t·ε when s = t − 1
    /// (DDPM eqs. 6–7).
    /// </summary>
    public double Sample(double x0, double xt, double standardNormal) => Math.FusedMultiplyAdd(StandardDeviation, standardNormal, Mean(x0, xt));

    /// <summary>
    /// The reparameterised sample fma(σ, ε, fma(CoefXt, x_t, CoefX0·x_0)), pixel by pixel: x_{t−1} = μ̃_t + √β̃_t·ε when
    /// s = t − 1 (DDPM eqs. 6–7).
    /// </summary>
    public Image Sample(Image x0, Image xt, Image noise)
    {
        ArgumentNullException.ThrowIfNull(noise);
        return Combine(x0, xt, StandardDeviation, noise);
    }

    // fma(σ, ε, fma(c_xt, x_t, c_x0·x_0)): the samplers' kernel (SamplerKernels.Affine), so that DDPM with the oracle
    // denoiser and this chain are the same bits, in float and double alike.
    private Image Combine(Image x0, Image xt, double sigma, Image? noise)
    {
        ArgumentNullException.ThrowIfNull(x0);
        x0.RequireSameShape(xt, nameof(xt));
        if (noise is not null) x0.RequireSameShape(noise, nameof(noise));
        var result = new double[x0.PixelCount];
        ReadOnlySpan<double> z = noise is null ? ReadOnlySpan<double>.Empty : noise.Pixels;
        ReadOnlySpan<double> a = x0.Pixels, b = xt.Pixels;
        for (int j = 0; j < result.Length; j++)
        {
            double mean = Math.FusedMultiplyAdd(CoefXt, b[j], CoefX0 * a[j]);
            result[j] = noise is null ? mean : Math.FusedMultiplyAdd(sigma, z[j], mean);
        }
        return Image.Own(x0.Width, x0.Height, result);
    }

    /// <summary>
    /// The kernel of x_r given (x_t, x_0) obtained by sampling x_s from this kernel and then x_r from
    /// <paramref name="next"/> (which must start at s): mean weights add up linearly and variances as
    /// CoefXt(next)²·Variance + Variance(next). For the DDPM posteriors (DDPM eqs. 6–7, and their jumps by Bayes' rule
    /// on eq. 4) this equals the direct jump t → r (the posterior chain is Markov given x_0; docs/posterior.md).
    /// </summary>
    public PosteriorKernel Then(PosteriorKernel next)
    {
        ArgumentNullException.ThrowIfNull(next);
        if (next.From != To)
            throw new ArgumentException($"next starts at step {next.From} but this kernel ends at step {To}; they do not compose.", nameof(next));
        return new PosteriorKernel(
            From,
            next.To,
            next.CoefX0 + next.CoefXt * CoefX0,
            next.CoefXt * CoefXt,
            next.CoefXt * next.CoefXt * Variance + next.Variance);
    }
}
