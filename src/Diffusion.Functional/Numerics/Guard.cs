using System.Globalization;

namespace Diffusion.Functional.Numerics;

/// <summary>
/// Argument checks shared by the core. Every message names the parameter, the value it got and what is allowed,
/// so that a CLI user or a research script sees at once what to change.
/// </summary>
internal static class Guard
{
    private static string Show(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Requires a finite number (not NaN, not ±∞).</summary>
    public static double Finite(double value, string name)
    {
        if (!double.IsFinite(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} = {Show(value)} is not a finite number; a finite value is required.");
        return value;
    }

    /// <summary>
    /// The index of the first value that is not finite, or −1 when all are. x·0 is 0 for a finite x and NaN for NaN
    /// and ±∞, so one vector sum of x·0 answers for all of them with no branch per value; only a non-zero sum is
    /// searched for its index.
    /// </summary>
    public static int FirstNonFinite(ReadOnlySpan<double> values)
    {
        ReadOnlySpan<System.Numerics.Vector<double>> vectors = System.Runtime.InteropServices.MemoryMarshal.Cast<double, System.Numerics.Vector<double>>(values);
        var products = System.Numerics.Vector<double>.Zero;
        foreach (var v in vectors) products += v * System.Numerics.Vector<double>.Zero;
        double tail = 0.0;
        for (int i = vectors.Length * System.Numerics.Vector<double>.Count; i < values.Length; i++) tail += values[i] * 0.0;
        if (System.Numerics.Vector.EqualsAll(products, System.Numerics.Vector<double>.Zero) && tail == 0.0) return -1;
        for (int i = 0; i < values.Length; i++)
            if (!double.IsFinite(values[i])) return i;
        return -1;
    }

    /// <summary>Requires lower &lt; value &lt; upper.</summary>
    public static double OpenInterval(double value, double lower, double upper, string name)
    {
        Finite(value, name);
        if (!(value > lower && value < upper))
            throw new ArgumentOutOfRangeException(name, value, $"{name} = {Show(value)} is outside the allowed range ({Show(lower)}, {Show(upper)}).");
        return value;
    }

    /// <summary>Requires lower ≤ value ≤ upper.</summary>
    public static double ClosedInterval(double value, double lower, double upper, string name)
    {
        Finite(value, name);
        if (!(value >= lower && value <= upper))
            throw new ArgumentOutOfRangeException(name, value, $"{name} = {Show(value)} is outside the allowed range [{Show(lower)}, {Show(upper)}].");
        return value;
    }

    /// <summary>Requires an integer of at least <paramref name="minimum"/>.</summary>
    public static int AtLeast(int value, int minimum, string name)
    {
        if (value < minimum)
            throw new ArgumentOutOfRangeException(name, value, $"{name} = {value} is too small; it must be at least {minimum}.");
        return value;
    }

    /// <summary>Requires a 1-based timestep t ∈ 1..T (DDPM's convention; t = 0 is the data x_0).</summary>
    public static int Timestep(int t, int steps, string name = "t")
    {
        if (t < 1 || t > steps)
            throw new ArgumentOutOfRangeException(name, t, $"{name} = {t} is outside 1..{steps}: timesteps are 1-based as in DDPM (Ho et al. 2020), and this schedule has T = {steps} steps.");
        return t;
    }

    /// <summary>Requires a timestep t ∈ 0..T, where t = 0 stands for the data x_0 (ᾱ_0 = 1).</summary>
    public static int TimestepOrZero(int t, int steps, string name = "t")
    {
        if (t < 0 || t > steps)
            throw new ArgumentOutOfRangeException(name, t, $"{name} = {t} is outside 0..{steps}: t = 0 is the data x_0 and T = {steps} is the last step of this schedule.");
        return t;
    }
}
