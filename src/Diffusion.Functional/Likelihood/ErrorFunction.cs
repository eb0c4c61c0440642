namespace Diffusion.Functional.Likelihood;

/// <summary>
/// erfc(x) and the scaled erfcx(x) = exp(x²)·erfc(x) to about one unit in the last place, from W. J. Cody's rational
/// Chebyshev approximations ("Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969)
/// 631–637; coefficients as in his CALERF, Netlib SPECFUN): x·R(x²) for |x| ≤ 0.46875, R(x) for 0.46875 &lt; x ≤ 4 and
/// (1/√π − x⁻²·R(x⁻²))/x beyond, each near-minimax to at least 18 significant digits. erfcx never underflows, which
/// is what log Φ needs in the far lower tail.
/// </summary>
internal static class ErrorFunction
{
    private const double InverseSqrtPi = 0.56418958354775628695;
    private const double SmallLimit = 0.46875;

    // erf(x) = x·(a₄ + a₀z + … )/(b₃ + …), z = x², |x| ≤ 0.46875.
    private static readonly double[] A = [3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03, 1.85777706184603153e-1];
    private static readonly double[] B = [2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03];

    // erfcx(x) for 0.46875 < x ≤ 4.
    private static readonly double[] C =
    [
        5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02, 8.81952221241769090e02,
        1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8,
    ];
    private static readonly double[] D =
    [
        1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03, 3.29079923573345963e03,
        4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03,
    ];

    // erfcx(x) for x > 4, in z = 1/x².
    private static readonly double[] P = [3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2];
    private static readonly double[] Q = [2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1, 6.05183413124413191e-2, 2.33520497626869185e-3];

    /// <summary>erfc(x) = 1 − erf(x) for any x; 0 beyond x ≈ 26.5 (underflow), 2 below x ≈ −6.</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        if (double.IsInfinity(x)) return x > 0.0 ? 0.0 : 2.0;
        double y = Math.Abs(x);
        double upper = y <= SmallLimit ? 1.0 - Erf(y) : ExpMinusSquare(y) * ScaledAbove(y);
        return x < 0.0 ? 2.0 - upper : upper;
    }

    /// <summary>erfcx(x) = exp(x²)·erfc(x) for x ≥ 0 (it falls like 1/(x√π) and never underflows).</summary>
    public static double Erfcx(double x)
    {
        if (!(x >= 0.0)) throw new ArgumentOutOfRangeException(nameof(x), x, $"x = {x} is not allowed; erfcx is implemented for x ≥ 0.");
        return x <= SmallLimit ? Math.Exp(x * x) * (1.0 - Erf(x)) : ScaledAbove(x);
    }

    /// <summary>erf(x) for |x| ≤ 0.46875.</summary>
    private static double Erf(double x)
    {
        double z = x * x;
        double numerator = A[4] * z, denominator = z;
        for (int i = 0; i < 3; i++)
        {
            numerator = (numerator + A[i]) * z;
            denominator = (denominator + B[i]) * z;
        }
        return x * (numerator + A[3]) / (denominator + B[3]);
    }

    /// <summary>erfcx(y) for y &gt; 0.46875.</summary>
    private static double ScaledAbove(double y)
    {
        if (y <= 4.0)
        {
            double numerator = C[8] * y, denominator = y;
            for (int i = 0; i < 7; i++)
            {
                numerator = (numerator + C[i]) * y;
                denominator = (denominator + D[i]) * y;
            }
            return (numerator + C[7]) / (denominator + D[7]);
        }
        if (double.IsPositiveInfinity(y)) return 0.0;
        double z = 1.0 / (y * y);
        double num = P[5] * z, den = z;
        for (int i = 0; i < 4; i++)
        {
            num = (num + P[i]) * z;
            den = (den + Q[i]) * z;
        }
        double correction = z * (num + P[4]) / (den + Q[4]);
        return (InverseSqrtPi - correction) / y;
    }

    /// <summary>exp(−y²) without the rounding of y² spoiling it: y = h + r with h a multiple of 1/16, y² = h² + (y − h)(y + h).</summary>
    private static double ExpMinusSquare(double y)
    {
        double head = Math.Truncate(y * 16.0) / 16.0;
        double rest = (y - head) * (y + head);
        return Math.Exp(-head * head) * Math.Exp(-rest);
    }
}
