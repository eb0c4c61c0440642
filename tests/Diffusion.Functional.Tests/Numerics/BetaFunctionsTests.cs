using Diffusion.Functional.Numerics;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MathNetSpecial = MathNet.Numerics.SpecialFunctions;

namespace Diffusion.Functional.Tests.Numerics;

/// <summary>log Γ, I_x(a, b) and its inverse: the closed forms where one exists, symmetry, the round trip, monotonicity, and MathNet as an independent reference.</summary>
public class BetaFunctionsTests
{
    private const double Ulp = 2.220446049250313e-16;

    // Shapes from 0.05 to 40 (log-uniform), probabilities log-uniform down to 1e-12 on either tail.
    private static readonly Gen<double> Shape = Generators.LogUniform(0.05, 40.0);
    private static readonly Gen<double> Probability = Generators.LogUniform(1e-12, 0.5).SelectMany(q => Gen.Elements(q, 1.0 - q));
    private static readonly Gen<(double A, double B, double P)> Case =
        from a in Shape from b in Shape from p in Probability select (a, b, p);

    /// <summary>
    /// The rounding a value of I_x(a, b) near p carries, from its parts: e^{a log x + b log(1 − x) − log B} turns an absolute
    /// error of an ulp or so in each log term (and in the three log Γ of log B) into that relative error of the tail the
    /// continued fraction computes (the lower one for x &lt; (a + 1)/(a + b + 2), else the upper, Numerical Recipes §6.4);
    /// the other tail is its complement, one more absolute ulp; and the rounding of x itself (ulp(x) ≤ 2ε·x) moves I by
    /// I′(x)·ulp(x). 16 ulps of each part (measured over 3000 draws against 90-digit mpmath: at most 2.8 for the round trip, 7.6 for I).
    /// </summary>
    private static double Tolerance(double x, double a, double b, double p)
    {
        double logTerms = 1.0 + Math.Abs(a * Math.Log(x)) + Math.Abs(b * Math.Log(1.0 - x))
            + Math.Abs(MathNetSpecial.GammaLn(a)) + Math.Abs(MathNetSpecial.GammaLn(b)) + Math.Abs(MathNetSpecial.GammaLn(a + b));
        double density = Math.Exp((a - 1) * Math.Log(x) + (b - 1) * Math.Log(1.0 - x) - MathNetSpecial.BetaLn(a, b));
        bool lowerByFraction = x < (a + 1) / (a + b + 2);
        return 16.0 * Ulp * (logTerms * (lowerByFraction ? p : 1.0 - p) + 2.0 * x * density + (lowerByFraction ? 0.0 : 1.0));
    }

    /// <summary>The error in x that <see cref="Tolerance"/> allows in I at the quantile x: that bound over I′(x), plus the rounding of x.</summary>
    private static double QuantileTolerance(double x, double a, double b, double p) =>
        Tolerance(x, a, b, p) / Math.Exp((a - 1) * Math.Log(x) + (b - 1) * Math.Log(1.0 - x) - MathNetSpecial.BetaLn(a, b)) + 4 * Ulp * x;

    [Property(MaxTest = 300)]
    public Property LogGamma_SatisfiesTheRecurrence() => Prop.ForAll(Generators.LogUniform(1e-3, 200.0).ToArbitrary(), z =>
    {
        // Γ(z + 1) = z·Γ(z); Lanczos' series is evaluated afresh at both arguments (≥ ½), so this is no tautology.
        double scale = 2.0 + Math.Abs(Math.Log(z)) + Math.Abs(BetaFunctions.LogGamma(z)) + Math.Abs(BetaFunctions.LogGamma(z + 1.0));
        Approx.Absolute(BetaFunctions.LogGamma(z) + Math.Log(z), BetaFunctions.LogGamma(z + 1.0), 16 * Ulp * scale, $"log Γ({z:R} + 1)");
    });

    [Fact]
    public void LogGamma_IsExactAtIntegersAndHalfIntegers()
    {
        // Γ(n) = (n − 1)! and Γ(n − ½) = Γ(½)·Π_{k<n}(k − ½), summed as logs
        double logFactorial = 0.0, logHalf = 0.5 * Math.Log(Math.PI);
        for (int n = 1; n <= 60; n++)
        {
            Approx.Absolute(logFactorial, BetaFunctions.LogGamma(n), 8 * Ulp * (n + logFactorial), $"log Γ({n}) = log {n - 1}!");
            Approx.Absolute(logHalf, BetaFunctions.LogGamma(n - 0.5), 8 * Ulp * (n + Math.Abs(logHalf)), $"log Γ({n} − ½)");
            logFactorial += Math.Log(n);
            logHalf += Math.Log(n - 0.5);
        }
    }

    [Property(MaxTest = 200)]
    public Property ShapesOne_AreTheIdentity() => Prop.ForAll(Generators.Uniform(0.0, 1.0).ToArbitrary(), x =>
    {
        Approx.Absolute(x, BetaFunctions.RegularizedIncompleteBeta(x, 1.0, 1.0), 4 * Ulp, "I_x(1, 1) = x");
        Approx.Absolute(x, BetaFunctions.InverseRegularizedIncompleteBeta(x, 1.0, 1.0), 4 * Ulp, "I⁻¹_p(1, 1) = p");
    });

    [Property(MaxTest = 300)]
    public Property ShapeAOne_HasTheClosedForm_OneMinusOneMinusPToTheOneOverB() => Prop.ForAll(
        (from b in Shape from p in Probability select (b, p)).ToArbitrary(), c =>
        {
            var (b, p) = c;
            // I_x(1, b) = 1 − (1 − x)^b, so x = 1 − (1 − p)^{1/b} = −expm1(log1p(−p)/b)
            double expected = -AccurateMath.ExpM1(AccurateMath.Log1P(-p) / b);
            double x = BetaFunctions.InverseRegularizedIncompleteBeta(p, 1.0, b);
            Approx.Absolute(expected, x, QuantileTolerance(expected, 1.0, b, p) + 8 * Ulp * expected * (1.0 + Math.Abs(AccurateMath.Log1P(-p) / b)), $"I⁻¹_{p:R}(1, {b:R})");
            Approx.Absolute(-AccurateMath.ExpM1(b * AccurateMath.Log1P(-expected)), BetaFunctions.RegularizedIncompleteBeta(expected, 1.0, b), Tolerance(expected, 1.0, b, p), $"I_x(1, {b:R})");
        });

    [Property(MaxTest = 300)]
    public Property ShapeBOne_HasTheClosedForm_PToTheOneOverA() => Prop.ForAll(
        (from a in Shape from p in Probability select (a, p)).ToArbitrary(), c =>
        {
            var (a, p) = c;
            double expected = Math.Pow(p, 1.0 / a);
            double x = BetaFunctions.InverseRegularizedIncompleteBeta(p, a, 1.0);
            Approx.Absolute(expected, x, QuantileTolerance(expected, a, 1.0, p) + 8 * Ulp * expected * (1.0 + Math.Abs(Math.Log(p) / a)), $"I⁻¹_{p:R}({a:R}, 1)");
            Approx.Absolute(Math.Pow(expected, a), BetaFunctions.RegularizedIncompleteBeta(expected, a, 1.0), Tolerance(expected, a, 1.0, p), $"I_x({a:R}, 1)");
        });

    [Property(MaxTest = 300)]
    public Property Symmetry_OneMinusXWithSwappedShapes_IsTheComplement() => Prop.ForAll(
        (from a in Shape from b in Shape from x in Generators.Uniform(1e-6, 1.0 - 1e-6) select (a, b, x)).ToArbitrary(), c =>
        {
            var (a, b, x) = c;
            double p = BetaFunctions.RegularizedIncompleteBeta(x, a, b);
            double q = BetaFunctions.RegularizedIncompleteBeta(1.0 - x, b, a);
            // 1 − x is exact only to an ulp of 1, which moves I by at most I′·ulp; plus both values' own rounding.
            double tolerance = Tolerance(x, a, b, p) + Tolerance(1.0 - x, b, a, q) + 2 * Ulp;
            Approx.Absolute(1.0, p + q, tolerance, $"I_x({a:R}, {b:R}) + I_(1−x)({b:R}, {a:R})");
        });

    [Property(MaxTest = 500)]
    public Property Inverse_RoundTrips_ToTheRoundingOfX() => Prop.ForAll(Case.ToArbitrary(), c =>
    {
        var (a, b, p) = c;
        double x = BetaFunctions.InverseRegularizedIncompleteBeta(p, a, b);
        Assert.InRange(x, 0.0, 1.0);
        if (x is 0.0 or 1.0) return; // the quantile is below the smallest double or within an ulp of 1
        Approx.Absolute(p, BetaFunctions.RegularizedIncompleteBeta(x, a, b), Tolerance(x, a, b, p), $"I_(I⁻¹_{p:R})({a:R}, {b:R})");
    });

    [Property(MaxTest = 300)]
    public Property RegularizedIncompleteBeta_MatchesMathNet() => Prop.ForAll(
        (from a in Shape from b in Shape from x in Generators.Uniform(1e-4, 1.0 - 1e-4) select (a, b, x)).ToArbitrary(), c =>
        {
            var (a, b, x) = c;
            double ours = BetaFunctions.RegularizedIncompleteBeta(x, a, b), theirs = MathNetSpecial.BetaRegularized(a, b, x);
            // MathNet evaluates the same continued fraction with its own log Γ: both carry the rounding of Tolerance.
            Approx.Absolute(theirs, ours, 2 * Tolerance(x, a, b, theirs), $"I_{x:R}({a:R}, {b:R})");
        });

    [Property(MaxTest = 200)]
    public Property BothDirections_AreMonotone() => Prop.ForAll(
        (from a in Shape from b in Shape from p in Generators.Uniform(1e-9, 1 - 1e-9) from q in Generators.Uniform(1e-9, 1 - 1e-9) select (a, b, Math.Min(p, q), Math.Max(p, q))).ToArbitrary(), c =>
        {
            var (a, b, low, high) = c;
            double xLow = BetaFunctions.InverseRegularizedIncompleteBeta(low, a, b), xHigh = BetaFunctions.InverseRegularizedIncompleteBeta(high, a, b);
            Assert.True(xLow <= xHigh, $"I⁻¹ not monotone at a = {a:R}, b = {b:R}: {low:R} → {xLow:R}, {high:R} → {xHigh:R}");
            Assert.True(BetaFunctions.RegularizedIncompleteBeta(low, a, b) <= BetaFunctions.RegularizedIncompleteBeta(high, a, b), $"I not monotone at a = {a:R}, b = {b:R} between {low:R} and {high:R}");
        });

    [Fact]
    public void Endpoints_AndBadArguments()
    {
        Assert.Equal(0.0, BetaFunctions.InverseRegularizedIncompleteBeta(0.0, 0.6, 0.6));
        Assert.Equal(1.0, BetaFunctions.InverseRegularizedIncompleteBeta(1.0, 0.6, 0.6));
        Assert.Equal(0.0, BetaFunctions.RegularizedIncompleteBeta(0.0, 0.6, 0.6));
        Assert.Equal(1.0, BetaFunctions.RegularizedIncompleteBeta(1.0, 0.6, 0.6));
        // a = b: the law is symmetric about ½
        Approx.Absolute(0.5, BetaFunctions.InverseRegularizedIncompleteBeta(0.5, 0.6, 0.6), 4 * Ulp, "median of Beta(0.6, 0.6)");
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => BetaFunctions.InverseRegularizedIncompleteBeta(1.5, 0.6, 0.6));
        Assert.Contains("p = 1.5", error.Message);
        Assert.Contains("a = 0", Assert.Throws<ArgumentOutOfRangeException>(() => BetaFunctions.RegularizedIncompleteBeta(0.5, 0.0, 1.0)).Message);
        Assert.Contains("b = NaN", Assert.Throws<ArgumentOutOfRangeException>(() => BetaFunctions.LogBeta(1.0, double.NaN)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => BetaFunctions.RegularizedIncompleteBeta(-0.1, 1.0, 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => BetaFunctions.LogGamma(0.0));
    }
}
