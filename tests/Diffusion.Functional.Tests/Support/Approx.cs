namespace Diffusion.Functional.Tests.Support;

/// <summary>
/// Relative and absolute comparisons with messages that say by how much a value missed (in the spirit of
/// Math.NET's AssertHelpers.AlmostEqualRelative): one helper, so every tolerance in the suite is visible.
/// </summary>
public static class Approx
{
    /// <summary>|actual − expected| ≤ relative·max(|expected|, |actual|), or both exactly equal.</summary>
    public static void Relative(double expected, double actual, double relative, string what)
    {
        if (expected == actual) return;
        Assert.True(double.IsFinite(expected) && double.IsFinite(actual),
            $"{what}: expected {expected:R}, got {actual:R}; unequal values that are not both finite never agree.");
        double scale = Math.Max(Math.Abs(expected), Math.Abs(actual));
        double error = Math.Abs(actual - expected);
        Assert.True(error <= relative * scale,
            $"{what}: expected {expected:R}, got {actual:R}; relative error {error / scale:E3} exceeds {relative:E1}.");
    }

    /// <summary>|actual − expected| ≤ absolute.</summary>
    public static void Absolute(double expected, double actual, double absolute, string what)
    {
        double error = Math.Abs(actual - expected);
        Assert.True(expected == actual || error <= absolute,
            $"{what}: expected {expected:R}, got {actual:R}; error {error:E3} exceeds {absolute:E1}.");
    }

    /// <summary>The relative error |a − b|/max(|a|, |b|), 0 when both are 0.</summary>
    public static double RelativeError(double a, double b)
    {
        if (a == b) return 0.0;
        return Math.Abs(a - b) / Math.Max(Math.Abs(a), Math.Abs(b));
    }
}
