using Diffusion.Functional.Numerics;

namespace Diffusion.Functional.Likelihood;

/// <summary>
/// The standard normal CDF Φ and its logarithm, exact to rounding over the whole real line: Φ(x) = ½·erfc(−x/√2) from
/// Cody's erfc, and log Φ(x) = −x²/2 + log(erfcx(−x/√2)/2) in the lower tail, where Φ itself underflows below
/// x ≈ −38.5. (improved-diffusion and diffusers' tutorials use the tanh approximation of Φ, off by up to 2e-4, and
/// clamp probabilities at 1e-12; see docs/likelihood.md.)
/// </summary>
public static class StandardNormal
{
    // 1/√2 = InverseSqrt2 + InverseSqrt2Low to about 2⁻¹⁰⁶ (mpmath): the low part corrects the rounding of x/√2.
    private const double InverseSqrt2 = 0.7071067811865476;
    private const double InverseSqrt2Low = -4.8336466567264565e-17;
    private const double Ln2 = 0.69314718055994530942;

    /// <summary>
    /// Φ(x) = P(Z ≤ x) = ½·erfc(−x/√2) for Z ~ N(0, 1), with Cody's erfc (Cody 1969): the normal CDF whose differences
    /// are the bins of DDPM eq. 13 (docs/likelihood.md). Range of x: any number but NaN (±∞ give 0 and 1).
    /// </summary>
    public static double Cdf(double x)
    {
        RequireNumber(x);
        return 0.5 * ErfcOverSqrt2(-x);
    }

    /// <summary>
    /// log Φ(x), accurate to a few units in the last place for every x: log1p(−½·erfc(x/√2)) for x ≥ 0, log(½·erfc(−x/√2))
    /// for −5 ≤ x &lt; 0, and −x²/2 + log(erfcx(−x/√2)/2) below, with Cody's erfc and erfcx (Cody 1969; derived in
    /// docs/likelihood.md). Range of x: any number but NaN (−∞ gives −∞).
    /// </summary>
    public static double LogCdf(double x)
    {
        RequireNumber(x);
        if (x >= 0.0) return AccurateMath.Log1P(-0.5 * ErfcOverSqrt2(x));
        if (x >= -5.0) return Math.Log(0.5 * ErfcOverSqrt2(-x));
        if (double.IsNegativeInfinity(x)) return double.NegativeInfinity;
        return -0.5 * x * x + Math.Log(ErrorFunction.Erfcx(-x * InverseSqrt2)) - Ln2;
    }

    /// <summary>
    /// log(Φ(b) − Φ(a)) for a &lt; b, the log-probability of the interval (a, b] (either end may be infinite): one bin of
    /// DDPM eq. 13's decoder, with standardised edges (docs/likelihood.md). It never forms the difference of two nearly
    /// equal probabilities: intervals in the upper half are mirrored into the lower half, then
    /// log Φ(b) + log(1 − exp(log Φ(a) − log Φ(b))) with log(1 − e^(−d)) evaluated as Mächler (2012) advises.
    /// </summary>
    public static double LogIntervalProbability(double a, double b)
    {
        RequireNumber(a);
        RequireNumber(b);
        if (!(a < b))
            throw new ArgumentException($"The interval ({a:R}, {b:R}] is empty; a must be below b.", nameof(a));
        if (double.IsNegativeInfinity(a)) return LogCdf(b);
        if (double.IsPositiveInfinity(b)) return LogCdf(-a);
        if (a + b > 0.0) (a, b) = (-b, -a); // Φ(b) − Φ(a) = Φ(−a) − Φ(−b): work where Φ is small and relatively accurate
        double upper = LogCdf(b);
        return upper + LogOneMinusExp(upper - LogCdf(a));
    }

    /// <summary>
    /// erfc(y/√2) without the error of rounding y/√2: erfc has relative condition number 2z² at z, so the half-ulp of
    /// z = fl(y/√2) would cost y²·u relative (3e-15 at y = 5). The rounding error dz of z is recovered exactly with a
    /// fused multiply-add and the low part of 1/√2, and erfc(z + dz) = erfc(z)·(1 − 2z·dz) to second order.
    /// </summary>
    private static double ErfcOverSqrt2(double y)
    {
        double z = y * InverseSqrt2;
        if (double.IsInfinity(z)) return ErrorFunction.Erfc(z);
        double dz = Math.FusedMultiplyAdd(y, InverseSqrt2, -z) + y * InverseSqrt2Low;
        return ErrorFunction.Erfc(z) * (1.0 - 2.0 * z * dz);
    }

    /// <summary>log(1 − e^(−d)) for d ≥ 0 (Mächler 2012, "Accurately computing log(1 − exp(−|a|))").</summary>
    internal static double LogOneMinusExp(double d) =>
        d <= Ln2 ? Math.Log(-AccurateMath.ExpM1(-d)) : AccurateMath.Log1P(-Math.Exp(-d));

    private static void RequireNumber(double x)
    {
        if (double.IsNaN(x)) throw new ArgumentOutOfRangeException(nameof(x), x, "x is NaN; Φ needs a number (±∞ are allowed).");
    }
}
