namespace Diffusion.Functional.Numerics;

/// <summary>
/// log Γ, log B and the regularized incomplete beta function I_x(a, b) = B(x; a, b)/B(a, b) with its inverse in x, in
/// double precision without a numerics library: the beta σ grid (Lee et al. 2024) places its levels at the quantiles
/// I⁻¹_p(α, β) of a Beta(α, β) law. I_x is its continued fraction evaluated by the modified Lentz method (Press et al.,
/// Numerical Recipes, 3rd ed., §5.2 and §6.4, eq. 6.4.5; DiDonato &amp; Morris 1992 for the choice of side), the inverse
/// a bracketed Halley iteration on the side where the target probability is at most ½ (Numerical Recipes §6.4, invbetai).
/// </summary>
public static class BetaFunctions
{
    // Lanczos' approximation with g = 7 and nine coefficients (Godfrey's set; Press et al. §6.1 uses the same form):
    // Γ(z + 1) = √(2π)·(z + g + ½)^{z+½}·e^{−(z+g+½)}·A_g(z), relative error below 2e-15 for Re z > 0.
    private const double LanczosG = 7.0;

    private static readonly double[] LanczosCoefficients =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ];

    private const double HalfLogTwoPi = 0.91893853320467274178;

    private const double Epsilon = 2.220446049250313e-16;

    // Below this the Lentz recurrence replaces a zero denominator (Press et al. §5.2: "a tiny number", here ≈ 1e-300).
    private const double Tiny = 1e-300;

    private const int MaxFractionTerms = 100_000;

    // The bracket halves at least every other step, geometrically below 1e-4: far more than the ≈ 2100 halvings from ½ to 1e-308.
    private const int MaxQuantileIterations = 5000;

    /// <summary>log Γ(z) for z &gt; 0 by Lanczos' approximation, g = 7 (Press et al., Numerical Recipes §6.1, eq. 6.1.5), to about 1e-15 absolute near z = 1, 2 and relative elsewhere.</summary>
    /// <param name="z">z &gt; 0, finite.</param>
    public static double LogGamma(double z)
    {
        if (!(z > 0.0) || !double.IsFinite(z))
            throw new ArgumentOutOfRangeException(nameof(z), z, $"z = {z} is not allowed; log Γ(z) is computed for finite z > 0.");
        // Γ(z) = Γ(z + 1)/z keeps the series' argument ≥ 1, where its error bound holds.
        if (z < 0.5) return LogGammaFromOne(z) - Math.Log(z);
        return LogGammaFromOne(z - 1.0);
    }

    // log Γ(w + 1) for w ≥ −½.
    private static double LogGammaFromOne(double w)
    {
        double series = LanczosCoefficients[0];
        for (int k = 1; k < LanczosCoefficients.Length; k++) series += LanczosCoefficients[k] / (w + k);
        double t = w + LanczosG + 0.5;
        return HalfLogTwoPi + (w + 0.5) * Math.Log(t) - t + Math.Log(series);
    }

    /// <summary>log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b) for a, b &gt; 0 (Press et al., Numerical Recipes §6.1, eq. 6.1.8).</summary>
    public static double LogBeta(double a, double b)
    {
        RequireShape(a, nameof(a));
        RequireShape(b, nameof(b));
        return LogGamma(a) + LogGamma(b) - LogGamma(a + b);
    }

    /// <summary>
    /// I_x(a, b) = (1/B(a, b))·∫₀ˣ t^{a−1}(1 − t)^{b−1} dt, the Beta(a, b) distribution function, by the continued fraction
    /// of Numerical Recipes §6.4, eq. 6.4.5 (modified Lentz), on the side x &lt; (a + 1)/(a + b + 2) where it converges
    /// fast, and through I_x(a, b) = 1 − I_{1−x}(b, a) on the other.
    /// </summary>
    /// <param name="x">x ∈ [0, 1].</param>
    /// <param name="a">a &gt; 0, finite.</param>
    /// <param name="b">b &gt; 0, finite.</param>
    public static double RegularizedIncompleteBeta(double x, double a, double b)
    {
        RequireShape(a, nameof(a));
        RequireShape(b, nameof(b));
        if (!(x >= 0.0 && x <= 1.0))
            throw new ArgumentOutOfRangeException(nameof(x), x, $"x = {x} is not allowed; I_x(a, b) is defined for x in [0, 1].");
        return Tails(x, a, b, LogBeta(a, b)).Lower;
    }

    /// <summary>
    /// The x ∈ [0, 1] with I_x(a, b) = p, the Beta(a, b) quantile function: Halley's iteration on I_x − p, kept inside a
    /// bracket that every evaluation narrows (a bisection where a step leaves it), for the smaller of x and 1 − x
    /// (through I_{1−x}(b, a) = 1 − p when x &gt; ½) against the smaller of p and 1 − p, so that neither is a rounded difference (Press et al., Numerical Recipes §6.4, invbetai).
    /// </summary>
    /// <param name="p">p ∈ [0, 1]; 0 gives 0 and 1 gives 1.</param>
    /// <param name="a">a &gt; 0, finite.</param>
    /// <param name="b">b &gt; 0, finite.</param>
    public static double InverseRegularizedIncompleteBeta(double p, double a, double b)
    {
        RequireShape(a, nameof(a));
        RequireShape(b, nameof(b));
        if (!(p >= 0.0 && p <= 1.0))
            throw new ArgumentOutOfRangeException(nameof(p), p, $"p = {p} is not allowed; the inverse of I_x(a, b) takes a probability p in [0, 1].");
        if (p == 0.0) return 0.0;
        if (p == 1.0) return 1.0;
        double logBeta = LogBeta(a, b);
        // The smaller of p and 1 − p is exact (Sterbenz), and the quantile is found as the smaller of x and 1 − x, where a
        // double resolves it to a relative ulp: x ≤ ½ exactly when p ≤ I_½(a, b).
        double lower = p, upper = 1.0 - p;
        var (halfLower, halfUpper) = Tails(0.5, a, b, logBeta);
        bool belowHalf = lower <= upper ? lower <= halfLower : upper >= halfUpper;
        return belowHalf ? QuantileBelowHalf(lower, upper, a, b, logBeta) : 1.0 - QuantileBelowHalf(upper, lower, b, a, logBeta);
    }

    // (I_x(a, b), 1 − I_x(a, b)): the tail that the continued fraction converges for computed directly, the other as its complement.
    private static (double Lower, double Upper) Tails(double x, double a, double b, double logBeta)
    {
        if (x == 0.0) return (0.0, 1.0);
        if (x == 1.0) return (1.0, 0.0);
        if (x < (a + 1.0) / (a + b + 2.0))
        {
            double lower = Fraction(x, a, b, logBeta);
            return (lower, 1.0 - lower);
        }
        double upper = Fraction(1.0 - x, b, a, logBeta);
        return (1.0 - upper, upper);
    }

    // I_x(a, b) = x^a (1 − x)^b / (a·B(a, b)) / (1 + d₁/(1 + d₂/(1 + …))) with
    // d_{2m+1} = −(a + m)(a + b + m)x/((a + 2m)(a + 2m + 1)) and d_{2m} = m(b − m)x/((a + 2m − 1)(a + 2m)) (NR eq. 6.4.5).
    private static double Fraction(double x, double a, double b, double logBeta)
    {
        double logFront = a * Math.Log(x) + b * AccurateMath.Log1P(-x) - logBeta;
        // the modified Lentz method for 1 + d₁/(1 + d₂/(1 + …)): f = C·D products, C and D kept away from 0.
        double f = 1.0, c = 1.0, d = 0.0;
        for (int j = 1; j <= MaxFractionTerms; j++)
        {
            int m = j / 2;
            double term = (j & 1) == 1
                ? -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1.0))
                : m * (b - m) * x / ((a + 2 * m - 1.0) * (a + 2 * m));
            d = 1.0 + term * d;
            if (Math.Abs(d) < Tiny) d = Tiny;
            c = 1.0 + term / c;
            if (Math.Abs(c) < Tiny) c = Tiny;
            d = 1.0 / d;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1.0) <= Epsilon) return Math.Exp(logFront) / (a * f);
        }
        throw new ArithmeticException($"The continued fraction of I_x(a, b) did not converge in {MaxFractionTerms} terms for x = {x}, a = {a}, b = {b}.");
    }

    // The x ∈ (0, ½] with I_x(a, b) = lower and 1 − I_x(a, b) = upper (lower + upper = 1, the smaller of the two exact).
    private static double QuantileBelowHalf(double lower, double upper, double a, double b, double logBeta)
    {
        // For small x, I_x ≈ x^a/(a·B(a, b)) (the fraction's first term; exact when b = 1): a start that is right in the tail.
        double x = Math.Exp((Math.Log(lower) + Math.Log(a) + logBeta) / a);
        double below = 0.0, above = 0.5;
        if (!(x > below && x < above)) x = 0.25;
        for (int iteration = 0; iteration < MaxQuantileIterations; iteration++)
        {
            // the residual of the smaller target tail, which both the target and the fraction carry to a relative rounding
            var (tailBelow, tailAbove) = Tails(x, a, b, logBeta);
            double residual = lower <= upper ? tailBelow - lower : upper - tailAbove;
            if (residual == 0.0) return x;
            if (residual < 0.0) below = x;
            else above = x;
            // I′(x) = x^{a−1}(1 − x)^{b−1}/B(a, b) and I″/I′ = (a − 1)/x − (b − 1)/(1 − x).
            double density = Math.Exp((a - 1.0) * Math.Log(x) + (b - 1.0) * AccurateMath.Log1P(-x) - logBeta);
            double newton = residual / density;
            double curvature = (a - 1.0) / x - (b - 1.0) / (1.0 - x);
            double denominator = 1.0 - 0.5 * newton * curvature;
            // Halley's step where its correction is moderate, Newton's where it is not.
            double step = denominator > 0.5 && denominator < 2.0 ? newton / denominator : newton;
            double next = x - step;
            if (!(next > below && next < above))
            {
                // bisect the bracket, geometrically while it spans orders of magnitude (the quantile may be 1e-100)
                next = below > 0.0 && above / below > 4.0 ? Math.Sqrt(below * above) : below == 0.0 ? above * 0.0625 : 0.5 * (below + above);
                if (!(next > below && next < above)) return x;
            }
            if (Math.Abs(next - x) <= 2.0 * Epsilon * next) return next;
            x = next;
        }
        return x;
    }

    private static void RequireShape(double value, string name)
    {
        if (!(value > 0.0) || !double.IsFinite(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} = {value} is not allowed; a Beta shape parameter must be finite and > 0.");
    }
}
