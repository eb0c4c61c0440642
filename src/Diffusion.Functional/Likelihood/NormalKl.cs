using Diffusion.Functional.Images;
using Diffusion.Functional.Numerics;

namespace Diffusion.Functional.Likelihood;

/// <summary>
/// The Kullback–Leibler divergence between normal distributions, in nats:
/// KL(N(μ₁, σ₁²) ‖ N(μ₂, σ₂²)) = ½·(e^(−d) − 1 + d + (μ₁ − μ₂)²/σ₂²) with d = log σ₂² − log σ₁² (the form of
/// improved-diffusion's <c>normal_kl</c>, DDPM eq. 5's terms). e^(−d) − 1 + d is summed as a series for |d| &lt; 1,
/// where the direct form cancels, so the result is never negative and is 0 only for equal Gaussians.
/// </summary>
public static class NormalKl
{
    /// <summary>
    /// KL(N(μ₁, e^(λ₁)) ‖ N(μ₂, e^(λ₂))) = ½·(e^(−d) − 1 + d + (μ₁ − μ₂)²·e^(−λ₂)), d = λ₂ − λ₁, for one dimension, in
    /// nats, ≥ 0: the closed form of DDPM eq. 5's KL terms (docs/likelihood.md). All four arguments finite.
    /// </summary>
    /// <param name="mean1">μ₁.</param>
    /// <param name="logVariance1">λ₁ = log σ₁².</param>
    /// <param name="mean2">μ₂.</param>
    /// <param name="logVariance2">λ₂ = log σ₂².</param>
    public static double Between(double mean1, double logVariance1, double mean2, double logVariance2)
    {
        Guard.Finite(mean1, nameof(mean1));
        Guard.Finite(logVariance1, nameof(logVariance1));
        Guard.Finite(mean2, nameof(mean2));
        Guard.Finite(logVariance2, nameof(logVariance2));
        return Unchecked(mean1, logVariance1, mean2, logVariance2);
    }

    /// <summary>
    /// Σ over pixels of KL(N(μ₁[p], e^(λ₁[p])) ‖ N(μ₂[p], e^(λ₂[p]))): the divergence between two diagonal Gaussians over
    /// images, in nats, as DDPM eq. 5's terms sum it (docs/likelihood.md). All four images of one shape.
    /// </summary>
    public static double Between(Image mean1, Image logVariance1, Image mean2, Image logVariance2)
    {
        ArgumentNullException.ThrowIfNull(mean1);
        mean1.RequireSameShape(logVariance1, nameof(logVariance1));
        mean1.RequireSameShape(mean2, nameof(mean2));
        mean1.RequireSameShape(logVariance2, nameof(logVariance2));
        double total = 0.0;
        for (int p = 0; p < mean1.PixelCount; p++)
            total += Unchecked(mean1.Pixels[p], logVariance1.Pixels[p], mean2.Pixels[p], logVariance2.Pixels[p]);
        return total;
    }

    private static double Unchecked(double mean1, double logVariance1, double mean2, double logVariance2)
    {
        double d = logVariance2 - logVariance1, difference = mean1 - mean2;
        return 0.5 * (ExpMinusOnePlus(d) + difference * difference * Math.Exp(-logVariance2));
    }

    /// <summary>g(d) = e^(−d) − 1 + d ≥ 0: Σ_{k≥2} (−d)^k/k! for |d| &lt; 1 (17 terms reach 2⁻⁵³), else expm1(−d) + d.</summary>
    internal static double ExpMinusOnePlus(double d)
    {
        if (Math.Abs(d) >= 1.0) return AccurateMath.ExpM1(-d) + d;
        double term = d * d / 2.0, sum = 0.0;
        for (int k = 3; term != 0.0 && k <= 20; k++)
        {
            sum += term;
            term *= -d / k;
        }
        return sum;
    }
}
