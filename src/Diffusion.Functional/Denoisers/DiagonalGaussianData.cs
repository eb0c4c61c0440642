using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Numerics;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Denoisers;

/// <summary>
/// Gaussian data x_0 ~ N(μ, diag(v)) on images of C channels × H × W, each value with its own mean and variance: the
/// data whose optimal denoiser is known in closed form for any shape. With a = √ᾱ_t, s = √(1 − ᾱ_t), value j of
/// E[x_0 | x_t] is μ_j + g_j·(x_t,j − a·μ_j) with g_j = a·v_j/(a²·v_j + s²) (conjugate-Gaussian Bayes' rule, prior
/// N(μ_j, v_j), likelihood q(x_t | x_0) of DDPM eq. 4), and q(x_t) = N(a·μ, diag(a²·v + s²)).
/// </summary>
public sealed class DiagonalGaussianData
{
    private readonly double[] _mean, _variance;

    /// <summary>Data of the given image shape with mean μ and variance v per value (C·H·W numbers each, in N×C×H×W order).</summary>
    /// <param name="channels">C ≥ 1.</param>
    /// <param name="height">H ≥ 1.</param>
    /// <param name="width">W ≥ 1.</param>
    /// <param name="mean">μ, finite.</param>
    /// <param name="variance">v, each finite and ≥ 0.</param>
    public DiagonalGaussianData(int channels, int height, int width, ReadOnlySpan<double> mean, ReadOnlySpan<double> variance)
    {
        int values = ImageBatch<double>.CheckShape(1, channels, height, width);
        if (mean.Length != values || variance.Length != values)
            throw new ArgumentException($"mean has {mean.Length} and variance {variance.Length} numbers, but an image of {channels}×{height}×{width} has {values}.", nameof(mean));
        for (int j = 0; j < values; j++)
        {
            Guard.Finite(mean[j], $"mean[{j}]");
            if (!(variance[j] >= 0.0) || !double.IsFinite(variance[j]))
                throw new ArgumentOutOfRangeException(nameof(variance), variance[j], $"variance[{j}] = {variance[j]} is not allowed; a variance must be finite and ≥ 0.");
        }
        (Channels, Height, Width) = (channels, height, width);
        _mean = mean.ToArray();
        _variance = variance.ToArray();
    }

    /// <summary>C.</summary>
    public int Channels { get; }

    /// <summary>H.</summary>
    public int Height { get; }

    /// <summary>W.</summary>
    public int Width { get; }

    /// <summary>μ, one number per value of an image.</summary>
    public ReadOnlySpan<double> Mean => _mean;

    /// <summary>v, one number per value of an image.</summary>
    public ReadOnlySpan<double> Variance => _variance;

    /// <summary>Var[x_t,j] = ᾱ_t·v_j + 1 − ᾱ_t of q(x_t) (DDPM eq. 4 applied to N(μ, diag(v))); t ∈ 0..T.</summary>
    public double MarginalVariance(NoiseSchedule schedule, int t, int value)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        Guard.TimestepOrZero(t, schedule.Steps);
        return schedule.AlphaBar(t) * _variance[value] + schedule.OneMinusAlphaBar(t);
    }

    /// <summary>
    /// The optimal denoiser for <paramref name="schedule"/> (E[x_0 | x_t] by Bayes' rule for jointly Gaussian variables,
    /// DDPM eq. 4), predicting <paramref name="target"/>: every prediction is affine in x_t value by value, p_j = k_j·x_j + o_j,
    /// with (k, o) computed in double once per timestep and rounded once to T.
    /// </summary>
    /// <remarks>It is also the exact <see cref="IContinuousDenoiser{T}"/> at any σ &gt; 0 (<see cref="DenoisedAt"/>).</remarks>
    public IContinuousDenoiser<T> Denoiser<T>(NoiseSchedule schedule, PredictionTarget target) where T : unmanaged, IFloatingPointIeee754<T> =>
        new ExactDenoiser<T>(this, schedule ?? throw new ArgumentNullException(nameof(schedule)), PredictionConversions.RequireDefined(target, nameof(target)));

    /// <summary>(k_j, o_j) with prediction_j = k_j·x_t,j + o_j: x̂_0 = μ + g·(x − a·μ), ε̂ = (x − a·x̂_0)/s, v̂ = a·ε̂ − s·x̂_0 (Salimans &amp; Ho 2022).</summary>
    public (double Slope, double Offset) Affine(NoiseSchedule schedule, PredictionTarget target, int t, int j)
    {
        double a = schedule.SqrtAlphaBar(t), s = schedule.SqrtOneMinusAlphaBar(t), v = _variance[j], mu = _mean[j];
        double marginal = schedule.AlphaBar(t) * v + schedule.OneMinusAlphaBar(t);
        double gain = a * v / marginal;
        // x̂_0 = gain·x + μ·(1 − a·gain), and 1 − a·gain = s²/marginal without cancellation.
        double x0Slope = gain, x0Offset = mu * schedule.OneMinusAlphaBar(t) / marginal;
        // ε̂ = (x − a·x̂_0)/s: slope (1 − a·gain)/s = s/marginal, offset −a·x0Offset/s.
        double epsSlope = s / marginal, epsOffset = -a * x0Offset / s;
        return target switch
        {
            PredictionTarget.X0 => (x0Slope, x0Offset),
            PredictionTarget.Epsilon => (epsSlope, epsOffset),
            PredictionTarget.V => (a * epsSlope - s * x0Slope, a * epsOffset - s * x0Offset),
            _ => throw new ArgumentOutOfRangeException(nameof(target), target, $"target = {target} is not a PredictionTarget (Epsilon, X0 or V)."),
        };
    }

    /// <summary>
    /// (k_j, o_j) with D(x̃; σ)_j = k_j·x̃_j + o_j at any noise level σ &gt; 0: k = v_j/(v_j + σ²), o = μ_j·σ²/(v_j + σ²), the
    /// posterior mean E[x_0 | x_0 + σ·ε = x̃] of the prior N(μ_j, v_j) (Karras et al. 2022, eq. 3; conjugate-Gaussian Bayes' rule).
    /// </summary>
    public (double Slope, double Offset) DenoisedAt(double sigma, int j)
    {
        if (!(sigma > 0.0) || !double.IsFinite(sigma))
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, $"sigma = {sigma} is not allowed; D(x̃; σ) is evaluated at a finite σ > 0.");
        double v = _variance[j], noise = sigma * sigma, marginal = v + noise;
        return (v / marginal, _mean[j] * noise / marginal);
    }

    /// <summary>
    /// The exact probability-flow ODE map from timestep t to timestep s ≤ t for one value j: in x̃ = x/√ᾱ the ODE
    /// dx̃/dσ = (x̃ − D(x̃; σ))/σ (Karras et al. 2022, eq. 4) has D = μ_j + v_j/(v_j + σ²)·(x̃ − μ_j), so x̃ − μ_j grows as
    /// √(v_j + σ²) and x_s = √ᾱ_s·(μ_j + (x_t/√ᾱ_t − μ_j)·√((v_j + σ_s²)/(v_j + σ_t²))) (docs/samplers.md, "The exact solution").
    /// </summary>
    /// <param name="schedule">The schedule of t and s (σ_t = √((1 − ᾱ_t)/ᾱ_t), ᾱ_t &gt; 0).</param>
    /// <param name="t">The start, 0..T.</param>
    /// <param name="xt">x_t of value <paramref name="value"/>.</param>
    /// <param name="s">The end, 0..t.</param>
    /// <param name="value">j, the value's index in an image.</param>
    public double ProbabilityFlow(NoiseSchedule schedule, int t, double xt, int s, int value)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        Guard.TimestepOrZero(t, schedule.Steps);
        Guard.TimestepOrZero(s, schedule.Steps);
        if (s > t) throw new ArgumentOutOfRangeException(nameof(s), s, $"s = {s} is after t = {t}; the probability-flow map runs from t down to s ≤ t.");
        double a = schedule.SqrtAlphaBar(t);
        if (a == 0.0) throw new ArgumentOutOfRangeException(nameof(t), t, $"ᾱ_{t} = 0 (σ = ∞): the probability-flow map starts at a finite noise level.");
        double v = _variance[value], mu = _mean[value];
        double sigmaT = Sampling.SigmaSpace.Sigma(schedule, t), sigmaS = Sampling.SigmaSpace.Sigma(schedule, s);
        double growth = Math.Sqrt((v + sigmaS * sigmaS) / (v + sigmaT * sigmaT));
        return schedule.SqrtAlphaBar(s) * (mu + (xt / a - mu) * growth);
    }

    /// <summary><paramref name="count"/> samples x_0 = μ + √v ⊙ z of the data, image k's z from the stream <c>key.Child(k)</c> (docs/conventions.md).</summary>
    public ImageBatch<T> Sample<T>(int count, NoiseKey key) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int total = ImageBatch<T>.CheckShape(count, Channels, Height, Width);
        int per = _mean.Length;
        var values = new T[total];
        var z = new double[per];
        for (int k = 0; k < count; k++)
        {
            GaussianNoise.Fill(key.Child((ulong)k), z);
            for (int j = 0; j < per; j++) values[k * per + j] = T.CreateTruncating(_mean[j] + Math.Sqrt(_variance[j]) * z[j]);
        }
        return ImageBatch<T>.Own(count, Channels, Height, Width, values);
    }

    private sealed class ExactDenoiser<T>(DiagonalGaussianData data, NoiseSchedule schedule, PredictionTarget target) : IContinuousDenoiser<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // One table per timestep, made on first use; a race makes the same table twice, never a torn one (a reference write).
        private readonly AffineTable?[] _tables = new AffineTable?[schedule.Steps + 1];

        public NoiseSchedule Schedule => schedule;

        public PredictionTarget Target => target;

        public bool PredictsVariance => false;

        // The per-step methods are fully optimised at their first call: generic, they are not precompiled, and as tier-0
        // code (calls for every vector operation) they stay so in a process on one CPU, where tiering did not replace
        // them within seconds, nor did on-stack replacement (98 vectors per image is under its loop count;
        // docs/performance.md, "The tails").
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Predict(ImageBatch<T> xt, ReadOnlySpan<int> timesteps, Span<T> prediction, Span<T> varianceInterpolation)
        {
            ArgumentNullException.ThrowIfNull(xt);
            if (xt.Channels != data.Channels || xt.Height != data.Height || xt.Width != data.Width)
                throw new ArgumentException($"x_t holds {xt.ShapeText} images but the data's are {data.Channels}×{data.Height}×{data.Width}.", nameof(xt));
            int per = xt.ValuesPerImage;
            for (int k = 0; k < xt.Count; k++)
            {
                AffineTable table = Table(Guard.Timestep(timesteps[k], schedule.Steps, "timesteps"));
                MultiplyAdd(table.Slope, xt.ImageValues(k), table.Offset, prediction.Slice(k * per, per));
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Denoise(ImageBatch<T> xTilde, ReadOnlySpan<double> sigmas, Span<T> denoised)
        {
            ArgumentNullException.ThrowIfNull(xTilde);
            if (xTilde.Channels != data.Channels || xTilde.Height != data.Height || xTilde.Width != data.Width)
                throw new ArgumentException($"x̃ holds {xTilde.ShapeText} images but the data's are {data.Channels}×{data.Height}×{data.Width}.", nameof(xTilde));
            ContinuousDenoiser.RequireSigmas(sigmas, xTilde.Count);
            int per = xTilde.ValuesPerImage;
            var slope = new T[per];
            var offset = new T[per];
            for (int k = 0; k < xTilde.Count; k++)
            {
                for (int j = 0; j < per; j++)
                {
                    var (s, o) = data.DenoisedAt(sigmas[k], j);
                    slope[j] = T.CreateTruncating(s);
                    offset[j] = T.CreateTruncating(o);
                }
                MultiplyAdd(slope, xTilde.ImageValues(k), offset, denoised.Slice(k * per, per));
            }
        }

        private AffineTable Table(int t) => _tables[t] ??= Build(t);

        private AffineTable Build(int t)
        {
            int per = data._mean.Length;
            var slope = new T[per];
            var offset = new T[per];
            for (int j = 0; j < per; j++)
            {
                var (k, o) = data.Affine(schedule, target, t, j);
                slope[j] = T.CreateTruncating(k);
                offset[j] = T.CreateTruncating(o);
            }
            return new AffineTable(slope, offset);
        }

        /// <summary>y_j = fma(k_j, x_j, o_j): vector fma where the hardware has it, the same correctly rounded result per element.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void MultiplyAdd(ReadOnlySpan<T> k, ReadOnlySpan<T> x, ReadOnlySpan<T> o, Span<T> y)
        {
            int j = 0;
            if (Vector.IsHardwareAccelerated && typeof(T) == typeof(float))
            {
                // Checked once here, then unchecked loads and stores: slicing a span per vector cost a bounds check and a
                // span per operand, and made this loop more than half of the exact-denoiser sampler's time (docs/performance.md).
                if (k.Length < y.Length || x.Length < y.Length || o.Length < y.Length)
                    throw new ArgumentException($"The tables ({k.Length}, {o.Length}) and x ({x.Length}) are shorter than y ({y.Length}).");
                ref float kf = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(Cast<float>(k));
                ref float xf = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(Cast<float>(x));
                ref float of = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(Cast<float>(o));
                ref float yf = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(y));
                for (; j <= y.Length - Vector<float>.Count; j += Vector<float>.Count)
                    Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref kf, (nuint)j), Vector.LoadUnsafe(ref xf, (nuint)j), Vector.LoadUnsafe(ref of, (nuint)j))
                        .StoreUnsafe(ref yf, (nuint)j);
            }
            else if (Vector.IsHardwareAccelerated && typeof(T) == typeof(double))
            {
                ReadOnlySpan<double> kd = Cast<double>(k), xd = Cast<double>(x), od = Cast<double>(o);
                Span<double> yd = System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(y);
                for (; j <= y.Length - Vector<double>.Count; j += Vector<double>.Count)
                    Vector.FusedMultiplyAdd(new Vector<double>(kd[j..]), new Vector<double>(xd[j..]), new Vector<double>(od[j..])).CopyTo(yd[j..]);
            }
            for (; j < y.Length; j++) y[j] = T.FusedMultiplyAdd(k[j], x[j], o[j]);
        }

        private static ReadOnlySpan<TOut> Cast<TOut>(ReadOnlySpan<T> values) where TOut : struct =>
            System.Runtime.InteropServices.MemoryMarshal.Cast<T, TOut>(values);

        public override string ToString() => $"exact {PredictionConversions.Symbol(target)}-denoiser of diagonal Gaussian data for {schedule.Description}";

        private sealed record AffineTable(T[] Slope, T[] Offset);
    }
}
