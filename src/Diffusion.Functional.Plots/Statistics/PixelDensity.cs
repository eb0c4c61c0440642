using Diffusion.Functional.Images;

namespace Diffusion.Functional.Plots.Statistics;

/// <summary>
/// The densities the pixel-histogram figure compares: the empirical density of pixel values (a histogram), and the
/// exact density of one pixel of x_t ~ q(x_t | x_0) when x_0's pixel is drawn from the data (DDPM eq. 4).
/// </summary>
internal static class PixelDensity
{
    /// <summary>
    /// Histogram densities on <paramref name="bins"/> equal bins over [lo, hi): count / (n · width), n = all values,
    /// so the bars integrate to the fraction of values inside [lo, hi).
    /// </summary>
    public static double[] Histogram(ReadOnlySpan<double> values, double lo, double hi, int bins)
    {
        if (!(hi > lo)) throw new ArgumentException($"hi = {hi} must be greater than lo = {lo}.", nameof(hi));
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        var counts = new long[bins];
        double width = (hi - lo) / bins;
        foreach (double v in values)
        {
            if (!(v >= lo && v < hi)) continue;
            int bin = Math.Min((int)((v - lo) / width), bins - 1);
            counts[bin]++;
        }
        int n = values.Length;
        return counts.Select(c => n == 0 ? 0.0 : c / (n * width)).ToArray();
    }

    /// <summary>
    /// The density (as a function of x) of one pixel of x_t = √ᾱ·x_0 + √(1 − ᾱ)·ε with x_0's pixel drawn uniformly
    /// from <paramref name="data"/>: the mixture Σ_v w_v·N(x; √ᾱ·v, 1 − ᾱ) over the distinct pixel values v with their
    /// frequencies w_v. Range: 0 ≤ ᾱ &lt; 1 (at ᾱ = 1 there is no density).
    /// </summary>
    public static Func<double, double> Marginal(ImageBatch<double> data, double alphaBar)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(alphaBar >= 0 && alphaBar < 1))
            throw new ArgumentOutOfRangeException(nameof(alphaBar), alphaBar, $"alphaBar = {alphaBar} is outside [0, 1).");
        var weights = new Dictionary<double, long>();
        foreach (double v in data.Values) weights[v] = weights.GetValueOrDefault(v) + 1;
        double total = data.Values.Length;
        var components = weights.OrderBy(kv => kv.Key).Select(kv => (Mean: Math.Sqrt(alphaBar) * kv.Key, Weight: kv.Value / total)).ToArray();
        double variance = 1 - alphaBar;
        double norm = 1 / Math.Sqrt(2 * Math.PI * variance);
        return x =>
        {
            double sum = 0;
            foreach (var (mean, weight) in components) sum += weight * Math.Exp(-(x - mean) * (x - mean) / (2 * variance));
            return norm * sum;
        };
    }

    /// <summary>The standard normal density φ(x).</summary>
    public static double StandardNormal(double x) => Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);
}
