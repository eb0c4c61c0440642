using System.Globalization;

namespace Diffusion.Functional.Plots.Drawing;

/// <summary>Mathematical notation in figure text: x with a subscript step, numbers with a few significant digits.</summary>
internal static class Notation
{
    private const string SubscriptDigits = "₀₁₂₃₄₅₆₇₈₉";

    /// <summary>The digits of <paramref name="n"/> as Unicode subscripts: 100 ↦ ₁₀₀.</summary>
    public static string Sub(int n) =>
        string.Concat(n.ToString(CultureInfo.InvariantCulture).Select(c => c == '-' ? '₋' : SubscriptDigits[c - '0']));

    /// <summary>x_t with t as a subscript: x₁₀₀.</summary>
    public static string X(int t) => "x" + Sub(t);

    /// <summary>A number with <paramref name="digits"/> significant digits, invariant culture, a true minus sign.</summary>
    public static string Number(double value, int digits = 3) =>
        value.ToString("G" + digits, CultureInfo.InvariantCulture).Replace('-', '−');

    /// <summary>
    /// A number with <paramref name="digits"/> significant digits, as <see cref="Number"/> from 10⁻³ up and as a power of
    /// ten below (4.0·10⁻⁵ rather than 4E−05).
    /// </summary>
    public static string NumberOrPower(double value, int digits = 2)
    {
        if (value == 0 || Math.Abs(value) >= 1e-3) return Number(value, digits);
        int exponent = (int)Math.Floor(Math.Log10(Math.Abs(value)));
        double mantissa = value / Math.Pow(10, exponent);
        const string superscripts = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        string power = string.Concat(Math.Abs(exponent).ToString(CultureInfo.InvariantCulture).Select(c => superscripts[c - '0']));
        return $"{Fixed(mantissa, digits - 1)}·10⁻{power}";
    }

    /// <summary>A number with a fixed number of decimals, invariant culture, a true minus sign.</summary>
    public static string Fixed(double value, int decimals) =>
        value.ToString("F" + decimals, CultureInfo.InvariantCulture).Replace('-', '−');
}
