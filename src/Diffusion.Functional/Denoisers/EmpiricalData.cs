using System.Runtime.CompilerServices;
using Diffusion.Functional.Images;
using Diffusion.Functional.Numerics;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Denoisers;

/// <summary>
/// The empirical distribution of a training set x^(1..M), each image with probability 1/M. Its optimal denoiser is
/// known in closed form: q(x_t) = (1/M)·Σ_m N(√ᾱ_t·x^(m), (1 − ᾱ_t) I), so E[x_0 | x_t] = Σ_m w_m·x^(m) with
/// w = softmax(−‖x_t − √ᾱ_t·x^(m)‖²/(2(1 − ᾱ_t))) (Bayes' rule; e.g. Karras et al. 2022, App. B.3). The weights are
/// computed in log space (the largest logit subtracted), so they never overflow, and at small t they are one-hot:
/// the denoiser returns the training image nearest to x_t/√ᾱ_t. Sampling with it from pure noise reproduces training images.
/// </summary>
/// <param name="Images">The training set, at least one image, in the data range (e.g. MNIST digits in [−1, 1]).</param>
public sealed record EmpiricalData(ImageBatch<double> Images)
{
    /// <summary>The training set.</summary>
    public ImageBatch<double> Images { get; } = Images ?? throw new ArgumentNullException(nameof(Images));

    /// <summary>
    /// The posterior weights w_m = q(x_0 = x^(m) | x_t), m = 0..M−1: a softmax of −‖x_t − √ᾱ_t·x^(m)‖²/(2(1 − ᾱ_t)),
    /// Bayes' rule with the uniform prior 1/M and the likelihood q(x_t | x^(m)) = N(√ᾱ_t·x^(m), (1 − ᾱ_t) I) of DDPM eq. 4.
    /// They sum to 1; uniform where ᾱ_t = 0. Range of t: 1..T; x_t of the training images' shape.
    /// </summary>
    public double[] PosteriorWeights(NoiseSchedule schedule, Image xt, int t)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(xt);
        Guard.Timestep(t, schedule.Steps);
        RequireShape(xt, nameof(xt));
        return Weights(xt.Pixels, schedule.SqrtAlphaBar(t), 2.0 * schedule.OneMinusAlphaBar(t));
    }

    /// <summary>
    /// The posterior weights at a noise level σ &gt; 0 in σ-space scaling, x̃ = x_0 + σ·ε: softmax of −‖x̃ − x^(m)‖²/(2σ²)
    /// (Bayes' rule with q(x̃ | x^(m)) = N(x^(m), σ²I); Karras et al. 2022, eq. 2). At σ = σ_t and x̃ = x_t/√ᾱ_t these are
    /// <see cref="PosteriorWeights"/>: the same exponent, ᾱ_t‖x̃ − x^(m)‖²/(2(1 − ᾱ_t)).
    /// </summary>
    public double[] PosteriorWeightsAt(Image xTilde, double sigma)
    {
        ArgumentNullException.ThrowIfNull(xTilde);
        RequireShape(xTilde, nameof(xTilde));
        if (!(sigma > 0.0) || !double.IsFinite(sigma))
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, $"sigma = {sigma} is not allowed; the posterior at a noise level needs a finite σ > 0.");
        return Weights(xTilde.Pixels, 1.0, 2.0 * sigma * sigma);
    }

    /// <summary>D(x̃; σ) = E[x_0 | x̃] = Σ_m w_m·x^(m) with the weights of <see cref="PosteriorWeightsAt"/> (Karras et al. 2022, eq. 3).</summary>
    public Image PosteriorMeanAt(Image xTilde, double sigma) => WeightedMean(PosteriorWeightsAt(xTilde, sigma));

    // softmax of −‖x − a·x^(m)‖²/twoNoiseVariance: both the VP form (a = √ᾱ_t, 2(1 − ᾱ_t)) and the σ form (1, 2σ²)
    private double[] Weights(ReadOnlySpan<double> x, double a, double twoNoiseVariance)
    {
        var logits = new double[Images.Count];
        double largest = double.NegativeInfinity;
        for (int m = 0; m < logits.Length; m++)
        {
            // The squared distance itself, not ‖x_t‖² − 2a⟨x_t, x^(m)⟩ + a²‖x^(m)‖², which cancels when x_t is near a·x^(m).
            double distance = EmpiricalKernels.SquaredDistance(EmpiricalKernels.BestPath, x, a, Images.ImageValues(m));
            logits[m] = -distance / twoNoiseVariance;
            largest = Math.Max(largest, logits[m]);
        }
        // Every logit −∞: the distances (or their quotients by 2(1 − ᾱ_t)) overflowed, e.g. at |x_t| ≈ 1e200; the
        // softmax is then taken from distances rescaled to stay finite.
        if (largest == double.NegativeInfinity) return WeightsFromScaledDistances(x, a, twoNoiseVariance);
        double total = 0.0;
        for (int m = 0; m < logits.Length; m++)
        {
            logits[m] = Math.Exp(logits[m] - largest); // the largest becomes exp(0) = 1: no overflow, total ≥ 1
            total += logits[m];
        }
        for (int m = 0; m < logits.Length; m++) logits[m] /= total;
        return logits;
    }

    /// <summary>
    /// The softmax of −d_m/(2(1 − ᾱ_t)) where the distances d_m overflow (|x_t| beyond about 1e154). Only the differences
    /// between the d_m matter, and d_m − ‖x_t‖² = −2a⟨x_t, x^(m)⟩ + a²‖x^(m)‖² has no cancellation there (x_t is far from
    /// every a·x^(m)); with x_t divided by a power of two 2^k (exact), g_m = 2a⟨x_t/2^k, x^(m)⟩ − a²‖x^(m)‖²/2^k is finite,
    /// and w_m ∝ exp((g_m − max g)·2^k/(2(1 − ᾱ_t))): the largest g gets exp(0) = 1, the others a weight that may
    /// underflow to 0 (never NaN when the factor is ∞).
    /// </summary>
    private double[] WeightsFromScaledDistances(ReadOnlySpan<double> x, double a, double twoNoiseVariance)
    {
        var (g, exponent) = Alignments(x, a);
        double largest = g.Max();
        double factor = Math.ScaleB(1.0, exponent) / twoNoiseVariance;
        double total = 0.0;
        for (int m = 0; m < g.Length; m++)
        {
            double gap = largest - g[m];
            g[m] = gap == 0.0 ? 1.0 : Math.Exp(-gap * factor);
            total += g[m];
        }
        for (int m = 0; m < g.Length; m++) g[m] /= total;
        return g;
    }

    // g_m = 2a⟨x/2^k, x^(m)⟩ − a²‖x^(m)‖²/2^k with 2^k above max|x|: the part of −‖x − a·x^(m)‖²/2^k that depends on m.
    private (double[] G, int Exponent) Alignments(ReadOnlySpan<double> x, double a)
    {
        double largest = 0.0;
        foreach (double p in x) largest = Math.Max(largest, Math.Abs(p));
        int exponent = largest > 0.0 ? Math.ILogB(largest) + 1 : 0;
        var scaled = new double[x.Length];
        for (int p = 0; p < x.Length; p++) scaled[p] = Math.ScaleB(x[p], -exponent);
        var g = new double[Images.Count];
        for (int m = 0; m < g.Length; m++)
        {
            ReadOnlySpan<double> y = Images.ImageValues(m);
            double dot = 0.0, norm = 0.0;
            for (int p = 0; p < y.Length; p++)
            {
                dot += scaled[p] * y[p];
                norm += y[p] * y[p];
            }
            g[m] = 2.0 * a * dot - Math.ScaleB(a * a * norm, -exponent);
        }
        return (g, exponent);
    }

    /// <summary>
    /// E[x_0 | x_t] = Σ_m w_m·x^(m), the optimal x_0-prediction of this data set: the mean under the posterior weights
    /// of <see cref="PosteriorWeights"/> (Bayes' rule on DDPM eq. 4). Range of t: 1..T.
    /// </summary>
    public Image PosteriorMean(NoiseSchedule schedule, Image xt, int t) => WeightedMean(PosteriorWeights(schedule, xt, t));

    private Image WeightedMean(double[] weights)
    {
        var mean = new double[Images.ValuesPerImage];
        for (int m = 0; m < weights.Length; m++)
        {
            double w = weights[m];
            if (w == 0.0) continue; // underflowed weights (most of them at small t) contribute exactly nothing
            EmpiricalKernels.AddScaled(EmpiricalKernels.BestPath, mean, w, Images.ImageValues(m));
        }
        return Image.Own(Images.Width, Images.Height, mean);
    }

    /// <summary>
    /// The index m of the training image x^(m) nearest to <paramref name="image"/>, argmin_m ‖image − x^(m)‖ in Euclidean
    /// distance (the first of equally near ones): which training image a sample drawn with the <see cref="Denoiser"/>
    /// reproduced, since at small t the weights are one-hot on the nearest image (docs/sampling.md).
    /// </summary>
    /// <param name="image">An image of the training images' shape.</param>
    public int NearestIndex(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        RequireShape(image, nameof(image));
        int nearest = Nearest(image.Pixels, 1.0, out double smallest);
        if (double.IsPositiveInfinity(smallest))
        {
            // Every distance overflowed (an image beyond about 1e154): the nearest has the largest alignment g_m.
            double[] g = Alignments(image.Pixels, 1.0).G;
            nearest = 0;
            for (int m = 1; m < g.Length; m++)
                if (g[m] > g[nearest]) nearest = m;
        }
        return nearest;
    }

    private int Nearest(ReadOnlySpan<double> x, double a, out double smallest)
    {
        int nearest = 0;
        smallest = double.PositiveInfinity;
        for (int m = 0; m < Images.Count; m++)
        {
            double distance = EmpiricalKernels.SquaredDistance(EmpiricalKernels.BestPath, x, a, Images.ImageValues(m));
            if (distance < smallest)
            {
                smallest = distance;
                nearest = m;
            }
        }
        return nearest;
    }

    /// <summary>
    /// The optimal denoiser of this data set for <paramref name="schedule"/>, predicting <paramref name="target"/>: x̂_0 =
    /// E[x_0 | x_t] (<see cref="PosteriorMean"/>, Bayes' rule on DDPM eq. 4), converted exactly to
    /// ε̂ = (x_t − √ᾱ_t·x̂_0)/√(1 − ᾱ_t) (DDPM eq. 4) or v̂ = √ᾱ_t·ε̂ − √(1 − ᾱ_t)·x̂_0 (Salimans &amp; Ho 2022) by
    /// <see cref="PredictionConversions"/>.
    /// </summary>
    public Denoiser Denoiser(NoiseSchedule schedule, PredictionTarget target)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        PredictionConversions.RequireDefined(target, nameof(target));
        return Sampling.Denoiser.Create(schedule, target, (xt, t) =>
        {
            var x0 = new Prediction(PredictionTarget.X0, PosteriorMean(schedule, xt, t));
            return PredictionConversions.Convert(x0, target, xt, NoiseLevel.At(schedule, t)).Value;
        });
    }

    /// <summary>
    /// The optimal x_0-denoiser of this data set at any noise level (<see cref="IContinuousDenoiser{T}"/>): D(x̃; σ) =
    /// <see cref="PosteriorMeanAt"/> (Karras et al. 2022, eq. 3), and on the grid of <paramref name="schedule"/> exactly
    /// <see cref="PosteriorMean"/> (so the on-grid samplers give the bits of <see cref="Denoiser"/> with x_0-prediction);
    /// one-channel images of the training set's shape, computed in double and rounded once to T.
    /// </summary>
    public IContinuousDenoiser<T> ContinuousDenoiser<T>(NoiseSchedule schedule) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        new ContinuousPosterior<T>(this, schedule ?? throw new ArgumentNullException(nameof(schedule)));

    private sealed class ContinuousPosterior<T>(EmpiricalData data, NoiseSchedule schedule) : IContinuousDenoiser<T>
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        public NoiseSchedule Schedule => schedule;

        public PredictionTarget Target => PredictionTarget.X0;

        public bool PredictsVariance => false;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Predict(ImageBatch<T> xt, ReadOnlySpan<int> timesteps, Span<T> prediction, Span<T> varianceInterpolation)
        {
            RequireOneChannel(xt);
            for (int k = 0; k < xt.Count; k++)
                Write(data.PosteriorMean(schedule, xt.ToImage(k), timesteps[k]).Pixels, prediction.Slice(k * xt.ValuesPerImage, xt.ValuesPerImage));
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Denoise(ImageBatch<T> xTilde, ReadOnlySpan<double> sigmas, Span<T> denoised)
        {
            RequireOneChannel(xTilde);
            Sampling.ContinuousDenoiser.RequireSigmas(sigmas, xTilde.Count);
            for (int k = 0; k < xTilde.Count; k++)
                Write(data.PosteriorMeanAt(xTilde.ToImage(k), sigmas[k]).Pixels, denoised.Slice(k * xTilde.ValuesPerImage, xTilde.ValuesPerImage));
        }

        private static void RequireOneChannel(ImageBatch<T> batch)
        {
            ArgumentNullException.ThrowIfNull(batch);
            if (batch.Channels != 1)
                throw new ArgumentException($"The empirical denoiser works on one-channel images; the batch has {batch.Channels} channels.", nameof(batch));
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Write(ReadOnlySpan<double> source, Span<T> destination)
        {
            for (int j = 0; j < source.Length; j++) destination[j] = T.CreateTruncating(source[j]);
        }

        public override string ToString() => $"empirical x₀-denoiser of {data.Images.Count} images for {schedule.Description}, at any σ";
    }

    private void RequireShape(Image image, string name)
    {
        if (image.Width != Images.Width || image.Height != Images.Height)
            throw new ArgumentException($"{name} is {image.Width}×{image.Height} but the training images are {Images.Width}×{Images.Height}.", name);
    }
}
