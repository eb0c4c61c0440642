using System.Runtime.CompilerServices;
using Diffusion.Functional.Images;
using Diffusion.Functional.Numerics;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// What a sampler does to the predicted x̂_0 before using it: nothing, clip it to the data range (DDPM's and
/// improved-diffusion's <c>clip_denoised</c>), or dynamic thresholding (Saharia et al. 2022, Imagen, §2.3). When x̂_0 is
/// changed, the sampler re-derives ε̂ = (x_t − √ᾱ_t·x̂_0)/√(1 − ᾱ_t) from it, as improved-diffusion does.
/// A closed set: <see cref="None"/>, <see cref="Clip"/>, <see cref="DynamicThreshold"/>.
/// </summary>
public abstract record X0Processing
{
    private X0Processing()
    {
    }

    /// <summary>x̂_0 as predicted.</summary>
    public sealed record None : X0Processing;

    /// <summary>Each pixel of x̂_0 clamped to the data range.</summary>
    /// <param name="Range">The data range, e.g. [−1, 1].</param>
    public sealed record Clip(PixelRange Range) : X0Processing
    {
        /// <summary>The data range.</summary>
        public PixelRange Range { get; } = RequireRange(Range);
    }

    /// <summary>
    /// Dynamic thresholding (Saharia et al. 2022, §2.3), per image: with x̂_0 mapped to [−1, 1] (centre and half-width of
    /// the range), s = the <see cref="Percentile"/>-quantile of |x̂_0| (linear interpolation between order statistics, as
    /// torch.quantile), s ← min(max(s, 1), <see cref="MaxThreshold"/>), then x̂_0 ← clamp(x̂_0, −s, s)/s, mapped back.
    /// s = 1 is plain clipping; large s pulls saturated pixels back inside the range.
    /// </summary>
    /// <param name="Range">The data range.</param>
    /// <param name="Percentile">p, range 0 &lt; p ≤ 1; Imagen uses 0.995.</param>
    /// <param name="MaxThreshold">The largest s, range ≥ 1 (+∞ allowed: no cap; diffusers' sample_max_value).</param>
    public sealed record DynamicThreshold(PixelRange Range, double Percentile = 0.995, double MaxThreshold = double.PositiveInfinity) : X0Processing
    {
        /// <summary>The data range.</summary>
        public PixelRange Range { get; } = RequireRange(Range);

        /// <summary>p ∈ (0, 1].</summary>
        public double Percentile { get; } = Percentile > 0.0 && Percentile <= 1.0
            ? Percentile
            : throw new ArgumentOutOfRangeException(nameof(Percentile), Percentile, $"Percentile = {Percentile} is outside (0, 1]; it is the quantile of |x̂_0| used as the threshold.");

        /// <summary>The cap on s, ≥ 1.</summary>
        public double MaxThreshold { get; } = MaxThreshold >= 1.0
            ? MaxThreshold
            : throw new ArgumentOutOfRangeException(nameof(MaxThreshold), MaxThreshold, $"MaxThreshold = {MaxThreshold} is not allowed; it must be ≥ 1 (or +∞).");
    }

    /// <summary>
    /// The processed x̂_0: as predicted (the same instance for <see cref="None"/>), clamped to the data range
    /// (<see cref="Clip"/>), or dynamically thresholded (<see cref="DynamicThreshold"/>; Saharia et al. 2022, §2.3).
    /// </summary>
    public Image Apply(Image x0)
    {
        ArgumentNullException.ThrowIfNull(x0);
        if (this is None) return x0;
        var result = new double[x0.PixelCount];
        ApplyTo(x0.Pixels, result);
        return Image.Own(x0.Width, x0.Height, result);
    }

    /// <summary>
    /// Writes the processed x̂_0 of one image into <paramref name="destination"/>: a copy (<see cref="None"/>), clamped to
    /// the data range (<see cref="Clip"/>), or dynamically thresholded (<see cref="DynamicThreshold"/>; Saharia et al. 2022,
    /// §2.3), computed in double and rounded once to T. Returns false for <see cref="None"/> (x̂_0 is unchanged).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool ApplyTo<T>(ReadOnlySpan<T> x0, Span<T> destination) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        switch (this)
        {
            case None:
                x0.CopyTo(destination);
                return false;
            case Clip clip:
            {
                var (min, max) = clip.Range.Bounds();
                T low = T.CreateTruncating(min), high = T.CreateTruncating(max);
                for (int i = 0; i < x0.Length; i++) destination[i] = T.Clamp(x0[i], low, high);
                return true;
            }
            case DynamicThreshold threshold:
            {
                var (min, max) = threshold.Range.Bounds();
                double centre = (min + max) / 2.0, halfWidth = (max - min) / 2.0;
                var scaled = new double[x0.Length];
                for (int i = 0; i < scaled.Length; i++) scaled[i] = (double.CreateTruncating(x0[i]) - centre) / halfWidth;
                double s = Math.Min(Math.Max(Quantile(scaled, threshold.Percentile), 1.0), threshold.MaxThreshold);
                for (int i = 0; i < scaled.Length; i++) destination[i] = T.CreateTruncating(centre + halfWidth * (Math.Clamp(scaled[i], -s, s) / s));
                return true;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(X0Processing), this, $"{this} is not an X0Processing (None, Clip or DynamicThreshold).");
        }
    }

    private static PixelRange RequireRange(PixelRange range)
    {
        _ = range.Bounds(); // throws for a value that is not a PixelRange
        return range;
    }

    /// <summary>The p-quantile of |values| with linear interpolation between order statistics (torch.quantile's default).</summary>
    internal static double Quantile(ReadOnlySpan<double> values, double p)
    {
        var magnitudes = new double[values.Length];
        for (int i = 0; i < magnitudes.Length; i++) magnitudes[i] = Math.Abs(values[i]);
        Array.Sort(magnitudes);
        double position = p * (magnitudes.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, magnitudes.Length - 1);
        double fraction = position - below;
        return magnitudes[below] + fraction * (magnitudes[above] - magnitudes[below]);
    }
}
