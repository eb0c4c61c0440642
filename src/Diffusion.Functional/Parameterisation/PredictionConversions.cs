using Diffusion.Functional.Images;

namespace Diffusion.Functional.Parameterisation;

/// <summary>
/// Exact conversions between the three parameterisations of a denoiser's output, given x_t and its noise level
/// (a, s) = (√ᾱ_t, √(1 − ᾱ_t)), from x_t = a·x_0 + s·ε (DDPM eq. 4) and v = a·ε − s·x_0 (Salimans &amp; Ho 2022, §4):
/// x_0 = (x_t − s·ε)/a = a·x_t − s·v, ε = (x_t − a·x_0)/s = s·x_t + a·v, v = (ε − s·x_t)/a = (a·x_t − x_0)/s.
/// The forms with v use a² + s² = 1. Converting from ε needs a &gt; 0 and converting from x_0 needs s &gt; 0; v is
/// defined everywhere (this is why zero-terminal-SNR models predict v, Lin et al. 2024, §3.2).
/// </summary>
public static class PredictionConversions
{
    /// <summary>
    /// The estimate of x_0 implied by a prediction of <paramref name="target"/> for one pixel x_t: x_0 = (x_t − s·ε)/a
    /// (DDPM eq. 4 solved for x_0) or x_0 = a·x_t − s·v (Salimans &amp; Ho 2022, §4).
    /// </summary>
    /// <param name="target">What <paramref name="prediction"/> estimates.</param>
    /// <param name="prediction">The predicted value, any finite number.</param>
    /// <param name="xt">The pixel of x_t, any finite number.</param>
    /// <param name="level">(√ᾱ_t, √(1 − ᾱ_t)); from ε it needs √ᾱ_t &gt; 0.</param>
    public static double ToX0(PredictionTarget target, double prediction, double xt, NoiseLevel level) =>
        Convert(target, PredictionTarget.X0, prediction, xt, level);

    /// <summary>
    /// The estimate of ε implied by a prediction for one pixel: ε = (x_t − a·x_0)/s (DDPM eq. 4 solved for ε) or
    /// ε = s·x_t + a·v (Salimans &amp; Ho 2022, §4); from x_0 it needs s = √(1 − ᾱ_t) &gt; 0.
    /// </summary>
    public static double ToEpsilon(PredictionTarget target, double prediction, double xt, NoiseLevel level) =>
        Convert(target, PredictionTarget.Epsilon, prediction, xt, level);

    /// <summary>
    /// The estimate of v = √ᾱ_t·ε − √(1 − ᾱ_t)·x_0 (Salimans &amp; Ho 2022, §4) implied by a prediction for one pixel:
    /// v = (ε − s·x_t)/a or v = (a·x_t − x_0)/s, with x_t = a·x_0 + s·ε (DDPM eq. 4).
    /// </summary>
    public static double ToV(PredictionTarget target, double prediction, double xt, NoiseLevel level) =>
        Convert(target, PredictionTarget.V, prediction, xt, level);

    /// <summary>
    /// Converts one pixel's prediction of <paramref name="from"/> into the equivalent prediction of <paramref name="to"/>,
    /// by x_t = a·x_0 + s·ε (DDPM eq. 4) and v = a·ε − s·x_0 (Salimans &amp; Ho 2022, §4): the table in docs/sampling.md.
    /// </summary>
    public static double Convert(PredictionTarget from, PredictionTarget to, double prediction, double xt, NoiseLevel level)
    {
        RequireConvertible(from, to, level);
        return ConvertUnchecked(from, to, prediction, xt, level.SqrtAlphaBar, level.SqrtOneMinusAlphaBar);
    }

    /// <summary>
    /// Converts an image prediction into the equivalent prediction of <paramref name="to"/>, pixel by pixel, by
    /// x_t = a·x_0 + s·ε (DDPM eq. 4) and v = a·ε − s·x_0 (Salimans &amp; Ho 2022, §4): the table in docs/sampling.md.
    /// </summary>
    /// <param name="prediction">The prediction, of x_t's shape.</param>
    /// <param name="to">The parameterisation wanted.</param>
    /// <param name="xt">x_t.</param>
    /// <param name="level">(√ᾱ_t, √(1 − ᾱ_t)) of x_t.</param>
    public static Prediction Convert(Prediction prediction, PredictionTarget to, Image xt, NoiseLevel level)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(xt);
        xt.RequireSameShape(prediction.Value, nameof(prediction));
        RequireConvertible(prediction.Target, to, level);
        if (prediction.Target == to) return prediction;
        ReadOnlySpan<double> p = prediction.Value.Pixels, x = xt.Pixels;
        var result = new double[p.Length];
        double a = level.SqrtAlphaBar, s = level.SqrtOneMinusAlphaBar;
        for (int i = 0; i < result.Length; i++) result[i] = ConvertUnchecked(prediction.Target, to, p[i], x[i], a, s);
        return new Prediction(to, Image.Own(xt.Width, xt.Height, result));
    }

    /// <summary>
    /// The x_0 image implied by a prediction: (x_t − s·ε)/a (DDPM eq. 4) or a·x_t − s·v (Salimans &amp; Ho 2022, §4), pixel
    /// by pixel (see <see cref="ToX0(PredictionTarget, double, double, NoiseLevel)"/>).
    /// </summary>
    public static Image ToX0(Prediction prediction, Image xt, NoiseLevel level) => Convert(prediction, PredictionTarget.X0, xt, level).Value;

    /// <summary>
    /// The ε image implied by a prediction: (x_t − a·x_0)/s (DDPM eq. 4) or s·x_t + a·v (Salimans &amp; Ho 2022, §4), pixel
    /// by pixel (see <see cref="ToEpsilon(PredictionTarget, double, double, NoiseLevel)"/>).
    /// </summary>
    public static Image ToEpsilon(Prediction prediction, Image xt, NoiseLevel level) => Convert(prediction, PredictionTarget.Epsilon, xt, level).Value;

    /// <summary>
    /// The v image v = a·ε − s·x_0 (Salimans &amp; Ho 2022, §4) implied by a prediction, pixel by pixel (see
    /// <see cref="ToV(PredictionTarget, double, double, NoiseLevel)"/>).
    /// </summary>
    public static Image ToV(Prediction prediction, Image xt, NoiseLevel level) => Convert(prediction, PredictionTarget.V, xt, level).Value;

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> that explains why, when a prediction of <paramref name="from"/> does
    /// not determine <paramref name="to"/> at this noise level, because solving x_t = a·x_0 + s·ε (DDPM eq. 4) divides by
    /// zero: from ε where a = √ᾱ_t = 0 (zero terminal SNR, Lin et al. 2024, §3.2), or from x_0 where s = √(1 − ᾱ_t) = 0
    /// (t = 0, the data). See docs/sampling.md.
    /// </summary>
    public static void RequireConvertible(PredictionTarget from, PredictionTarget to, NoiseLevel level)
    {
        RequireDefined(from, nameof(from));
        RequireDefined(to, nameof(to));
        if (from == to) return;
        if (from == PredictionTarget.Epsilon && level.SqrtAlphaBar == 0.0)
            throw new ArgumentException(
                $"An ε-prediction does not determine {Symbol(to)} where ᾱ_t = 0: x_0 = (x_t − √(1 − ᾱ_t)·ε)/√ᾱ_t divides by zero. " +
                "This is the last step of a zero-terminal-SNR schedule (Lin et al. 2024; diffusers issue #3851); " +
                "use a denoiser that predicts x_0 or v there.", nameof(level));
        if (from == PredictionTarget.X0 && level.SqrtOneMinusAlphaBar == 0.0)
            throw new ArgumentException(
                $"An x_0-prediction does not determine {Symbol(to)} where ᾱ_t = 1 (t = 0, the data): " +
                "ε = (x_t − √ᾱ_t·x_0)/√(1 − ᾱ_t) divides by zero.", nameof(level));
    }

    internal static PredictionTarget RequireDefined(PredictionTarget target, string name) => target switch
    {
        PredictionTarget.Epsilon or PredictionTarget.X0 or PredictionTarget.V => target,
        _ => throw new ArgumentOutOfRangeException(name, target, $"{name} = {target} is not a PredictionTarget (Epsilon, X0 or V)."),
    };

    internal static string Symbol(PredictionTarget target) => target switch
    {
        PredictionTarget.Epsilon => "ε",
        PredictionTarget.X0 => "x_0",
        PredictionTarget.V => "v",
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, $"target = {target} is not a PredictionTarget (Epsilon, X0 or V)."),
    };

    /// <summary>
    /// The scalar conversion over spans, with the pair of targets chosen once and the same IEEE operations per
    /// element in vector and scalar form (so every element has the scalar formula's bits). <paramref name="destination"/>
    /// may not overlap the inputs unless it is one of them exactly.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static void ConvertUnchecked<T>(PredictionTarget from, PredictionTarget to, ReadOnlySpan<T> p, ReadOnlySpan<T> x, T a, T s, Span<T> destination)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int n = destination.Length, j = 0;
        if (from == to)
        {
            p.CopyTo(destination);
            return;
        }
        if (System.Numerics.Vector.IsHardwareAccelerated && System.Numerics.Vector<T>.IsSupported)
        {
            var va = new System.Numerics.Vector<T>(a);
            var vs = new System.Numerics.Vector<T>(s);
            int width = System.Numerics.Vector<T>.Count;
            for (; j <= n - width; j += width)
            {
                var vp = new System.Numerics.Vector<T>(p[j..]);
                var vx = new System.Numerics.Vector<T>(x[j..]);
                System.Numerics.Vector<T> result = (from, to) switch
                {
                    (PredictionTarget.Epsilon, PredictionTarget.X0) => (vx - vs * vp) / va,
                    (PredictionTarget.Epsilon, PredictionTarget.V) => (vp - vs * vx) / va,
                    (PredictionTarget.X0, PredictionTarget.Epsilon) => (vx - va * vp) / vs,
                    (PredictionTarget.X0, PredictionTarget.V) => (va * vx - vp) / vs,
                    (PredictionTarget.V, PredictionTarget.X0) => va * vx - vs * vp,
                    (PredictionTarget.V, PredictionTarget.Epsilon) => vs * vx + va * vp,
                    _ => throw new ArgumentOutOfRangeException(nameof(from), (from, to), $"({from} → {to}) is not a pair of PredictionTargets."),
                };
                result.CopyTo(destination[j..]);
            }
        }
        for (; j < n; j++) destination[j] = ConvertUnchecked(from, to, p[j], x[j], a, s);
    }

    /// <summary>The conversion of one value, in T's arithmetic (the one formula for the double and float paths).</summary>
    internal static T ConvertUnchecked<T>(PredictionTarget from, PredictionTarget to, T p, T x, T a, T s)
        where T : System.Numerics.IFloatingPointIeee754<T> => (from, to) switch
    {
        (PredictionTarget.Epsilon, PredictionTarget.Epsilon) or (PredictionTarget.X0, PredictionTarget.X0) or (PredictionTarget.V, PredictionTarget.V) => p,
        (PredictionTarget.Epsilon, PredictionTarget.X0) => (x - s * p) / a,
        (PredictionTarget.Epsilon, PredictionTarget.V) => (p - s * x) / a,
        (PredictionTarget.X0, PredictionTarget.Epsilon) => (x - a * p) / s,
        (PredictionTarget.X0, PredictionTarget.V) => (a * x - p) / s,
        (PredictionTarget.V, PredictionTarget.X0) => a * x - s * p,
        (PredictionTarget.V, PredictionTarget.Epsilon) => s * x + a * p,
        _ => throw new ArgumentOutOfRangeException(nameof(from), (from, to), $"({from} → {to}) is not a pair of PredictionTargets."),
    };
}
