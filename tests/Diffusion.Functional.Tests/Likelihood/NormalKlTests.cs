using Diffusion.Functional.Images;
using Diffusion.Functional.Likelihood;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace Diffusion.Functional.Tests.Likelihood;

/// <summary>KL between normals: non-negative, zero only for equal Gaussians, and the integral it stands for.</summary>
public class NormalKlTests
{
    [Property(MaxTest = 1000)]
    public Property Kl_IsNonNegative_AndZeroForEqualGaussians() => Prop.ForAll(
        DiffusionGenerators.Gaussians.ToArbitrary(), DiffusionGenerators.Gaussians.ToArbitrary(), (p, q) =>
        {
            Assert.True(NormalKl.Between(p.Mean, p.LogVariance, q.Mean, q.LogVariance) >= 0.0);
            Assert.Equal(0.0, NormalKl.Between(p.Mean, p.LogVariance, p.Mean, p.LogVariance));
        });

    [Property(MaxTest = 1000)]
    public Property Kl_IsPositive_ForGaussiansThatDiffer_EvenByALittle() => Prop.ForAll(
        DiffusionGenerators.Gaussians.ToArbitrary(), Generators.LogUniform(1e-9, 1.0).ToArbitrary(), Gen.Elements(0, 1, 2).ToArbitrary(),
        (p, delta, which) =>
        {
            // Move the mean by δσ, the log-variance by δ, or both: KL ≈ δ²/2, δ²/4 or their sum to leading order — tiny
            // but positive. The textbook form −1 + d + e^(−d) returns 0 or a negative number here once δ < 1e-8.
            double sigma = Math.Exp(p.LogVariance / 2);
            double mean = which != 1 ? p.Mean + delta * sigma : p.Mean;
            double logVariance = which != 0 ? p.LogVariance + delta : p.LogVariance;
            double kl = NormalKl.Between(p.Mean, p.LogVariance, mean, logVariance);
            // The moves actually made (p + δ rounds; the differences of nearby doubles are exact), to leading order:
            // KL = ½(Δμ²/σ₂² + d²/2) + O(d³).
            double dm = mean - p.Mean, d = logVariance - p.LogVariance;
            double leading = 0.5 * (dm * dm * Math.Exp(-logVariance) + d * d / 2);
            Assert.True(kl > 0.0, $"KL = {kl} for δ = {delta}");
            Approx.Relative(leading, kl, 3 * delta + 1e-12, $"KL for δ = {delta}, case {which}");
        });

    [Property(MaxTest = 300)]
    public Property Kl_IsTheIntegralOfPLogPOverQ() => Prop.ForAll(
        DiffusionGenerators.Gaussians.ToArbitrary(), DiffusionGenerators.Gaussians.ToArbitrary(), (p, q) =>
        {
            // ∫ p log(p/q) dx with MathNet's log-densities, Gauss–Legendre of order 512 over μ_p ± 14σ_p (the tails beyond
            // carry less than 1e-40 of p); exact to ~1e-12 relative for these smooth integrands.
            double sp = Math.Exp(p.LogVariance / 2), sq = Math.Exp(q.LogVariance / 2);
            double integral = Integrate.GaussLegendre(
                x => Normal.PDF(p.Mean, sp, x) * (Normal.PDFLn(p.Mean, sp, x) - Normal.PDFLn(q.Mean, sq, x)),
                p.Mean - 14 * sp, p.Mean + 14 * sp, 512);
            double kl = NormalKl.Between(p.Mean, p.LogVariance, q.Mean, q.LogVariance);
            Approx.Absolute(integral, kl, 1e-10 * (1 + kl), $"KL(N({p.Mean}, e^{p.LogVariance}) ‖ N({q.Mean}, e^{q.LogVariance}))");
        });

    [Fact]
    public void Kl_OfImages_IsTheSumOverPixels()
    {
        Image m1 = Image.FromPixels(3, 1, [0.1, -0.5, 2.0]), l1 = Image.FromPixels(3, 1, [-2.0, 0.0, 1.0]);
        Image m2 = Image.FromPixels(3, 1, [0.0, -0.4, 2.5]), l2 = Image.FromPixels(3, 1, [-1.0, 0.3, 1.0]);
        double expected = Enumerable.Range(0, 3).Sum(k => NormalKl.Between(m1.Pixels[k], l1.Pixels[k], m2.Pixels[k], l2.Pixels[k]));
        Assert.Equal(expected, NormalKl.Between(m1, l1, m2, l2));
        Assert.Throws<ArgumentOutOfRangeException>(() => NormalKl.Between(0, double.NaN, 0, 0));
        Assert.Throws<ArgumentException>(() => NormalKl.Between(m1, l1, Image.Filled(1, 1, 0), l2));
    }
}
