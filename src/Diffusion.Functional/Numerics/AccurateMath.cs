namespace Diffusion.Functional.Numerics;

/// <summary>
/// log(1 + x) and exp(x) − 1 to a few units in the last place, also for tiny x where the naive forms cancel.
/// .NET's <c>double.LogP1</c> and <c>double.ExpM1</c> are the naive forms (<c>Log(x + 1)</c>, <c>Exp(x) − 1</c>),
/// which lose every digit of 1 − ᾱ_1 = β_1 when β_1 ≈ 1e-4 is stored in float32 and several digits in double.
/// </summary>
public static class AccurateMath
{
    /// <summary>log(1 + x) for x &gt; −1, accurate for small |x| (Goldberg 1991, "What every computer scientist…", Thm 4).</summary>
    /// <param name="x">Range: x ≥ −1 (−1 gives −∞).</param>
    public static double Log1P(double x)
    {
        double u = 1.0 + x;
        if (u == 1.0) return x;            // |x| below half an ulp of 1: log(1 + x) = x to double precision
        if (double.IsPositiveInfinity(u)) return u;
        // log(u) is exact for the rounded u; x / (u − 1) corrects for the rounding of 1 + x.
        return Math.Log(u) * x / (u - 1.0);
    }

    /// <summary>exp(x) − 1, accurate for small |x| (Kahan's trick, as in Higham, "Accuracy and Stability…", §1.14.1).</summary>
    /// <param name="x">Any double; large x overflows to +∞ as exp does.</param>
    public static double ExpM1(double x)
    {
        double u = Math.Exp(x);
        if (u == 1.0) return x;
        double um1 = u - 1.0;
        if (um1 == -1.0) return -1.0;
        if (double.IsPositiveInfinity(u)) return u;
        return um1 * x / Math.Log(u);
    }
}
