using System.Runtime.CompilerServices;
using System.Numerics;
using Diffusion.Functional.Images;
using Diffusion.Functional.Numerics;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// Classifier-free guidance as a denoiser (Ho &amp; Salimans 2022, eq. 6, in diffusers' guidance_scale convention):
/// p̂ = p_∅ + w·(p_y − p_∅), computed as w·p_y + (1 − w)·p_∅, so w = 1 is the conditional model and w = 0 the
/// unconditional one, exactly; Ho &amp; Salimans' w is this w − 1. With rescale φ &gt; 0, each image's guided prediction
/// is pulled toward the conditional one's standard deviation (Lin et al. 2023, eqs. 15–16):
/// p̂ ← φ·p̂·std(p_y)/std(p̂) + (1 − φ)·p̂. The conditional and unconditional halves are one call of the model on 2N images.
/// </summary>
/// <remarks>
/// The combination is taken in the model's own target (ε for the shipped MNIST UNet, as diffusers does). The guided
/// mean is the same whichever target the model predicts (ε, x_0 and v are affine in each other at fixed x_t and t,
/// and w + (1 − w) = 1); the rescale is not, since a standard deviation is not affine. A learned-range variance is
/// taken from the conditional half (as GLIDE does). An image whose guided prediction is constant (std 0) is left
/// unrescaled: its ratio is undefined.
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public sealed class ClassifierFreeGuidance<T> : IBatchDenoiser<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IConditionalBatchDenoiser<T> _model;

    /// <summary>Guides <paramref name="model"/> toward <paramref name="classLabel"/> with scale w (Ho &amp; Salimans 2022, eq. 6) and rescale φ (Lin et al. 2023, eq. 16).</summary>
    /// <param name="model">The class-conditional model, trained with label dropout so that its null label is the unconditional model.</param>
    /// <param name="classLabel">y, in 0..ClassCount − 1.</param>
    /// <param name="scale">w, finite: 1 = conditional, 0 = unconditional, &gt; 1 guided (diffusers' guidance_scale).</param>
    /// <param name="rescale">φ ∈ [0, 1]: 0 = no rescale.</param>
    public ClassifierFreeGuidance(IConditionalBatchDenoiser<T> model, int classLabel, double scale, double rescale = 0.0)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (classLabel < 0 || classLabel >= model.ClassCount)
            throw new ArgumentOutOfRangeException(nameof(classLabel), classLabel,
                $"class label {classLabel} is not a class of the model; its classes are 0..{model.ClassCount - 1} (label {model.UnconditionalLabel} is its unconditional model, which guidance compares against).");
        Guard.Finite(scale, nameof(scale));
        if (!(rescale >= 0.0 && rescale <= 1.0))
            throw new ArgumentOutOfRangeException(nameof(rescale), rescale, $"guidance rescale φ = {rescale} is outside [0, 1]: 0 is no rescale, 1 the conditional prediction's standard deviation.");
        _model = model;
        ClassLabel = classLabel;
        Scale = scale;
        Rescale = rescale;
    }

    /// <summary>y, the class guided toward.</summary>
    public int ClassLabel { get; }

    /// <summary>w (diffusers' guidance_scale; Ho &amp; Salimans' w + 1).</summary>
    public double Scale { get; }

    /// <summary>φ of Lin et al. 2023, eq. 16.</summary>
    public double Rescale { get; }

    /// <summary>The model's schedule.</summary>
    public NoiseSchedule Schedule => _model.Schedule;

    /// <summary>The model's target.</summary>
    public PredictionTarget Target => _model.Target;

    /// <summary>The model's: a learned variance is the conditional half's.</summary>
    public bool PredictsVariance => _model.PredictsVariance;

    /// <summary>
    /// The guided prediction for the batch (Ho &amp; Salimans 2022, eq. 6; Lin et al. 2023, eqs. 15–16): the model runs
    /// once on [x_t; x_t] with labels [y…y; ∅…∅] and timesteps [t; t].
    /// </summary>
    public void Predict(ImageBatch<T> xt, ReadOnlySpan<int> timesteps, Span<T> prediction, Span<T> varianceInterpolation) =>
        Guide(xt, timesteps, _model.Predict, prediction, varianceInterpolation);

    /// <summary>The model's prediction at each image's labels and timestep of type <typeparamref name="TStep"/> (an integer one, or a real one of a fractional model).</summary>
    internal delegate void ConditionalRun<TStep>(ImageBatch<T> xt, ReadOnlySpan<TStep> timesteps, ReadOnlySpan<int> labels, Span<T> prediction, Span<T> varianceInterpolation);

    /// <summary>
    /// The guided prediction (Ho &amp; Salimans 2022, eq. 6; Lin et al. 2023, eqs. 15–16) with <paramref name="run"/> as
    /// the model, at integer or real timesteps: the one implementation behind <see cref="Predict"/> and the continuous
    /// guidance of <see cref="ClassifierFreeGuidance.Create{T}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Guide<TStep>(ImageBatch<T> xt, ReadOnlySpan<TStep> timesteps, ConditionalRun<TStep> run, Span<T> prediction, Span<T> varianceInterpolation)
    {
        ArgumentNullException.ThrowIfNull(xt);
        int n = xt.Count, per = xt.ValuesPerImage, values = n * per;
        if (timesteps.Length != n)
            throw new ArgumentException($"{timesteps.Length} timesteps for {n} images; give one per image.", nameof(timesteps));
        if (prediction.Length != values)
            throw new ArgumentException($"the prediction holds {prediction.Length} values but the batch has {values}.", nameof(prediction));
        if (2L * values > ImageBatch<T>.MaxValues)
            throw new ArgumentException($"guiding {n} images of {xt.ShapeText} needs a batch of {2L * values} values, more than a batch holds ({ImageBatch<T>.MaxValues}); guide fewer images per call.", nameof(xt));

        var doubled = new T[2 * values];
        xt.Values.CopyTo(doubled);
        xt.Values.CopyTo(doubled.AsSpan(values));
        var doubledTimesteps = new TStep[2 * n];
        timesteps.CopyTo(doubledTimesteps);
        timesteps.CopyTo(doubledTimesteps.AsSpan(n));
        var labels = new int[2 * n];
        labels.AsSpan(0, n).Fill(ClassLabel);
        labels.AsSpan(n).Fill(_model.UnconditionalLabel);
        var both = new T[2 * values];
        T[] variance = PredictsVariance ? new T[2 * values] : [];

        run(ImageBatch<T>.Own(2 * n, xt.Channels, xt.Height, xt.Width, doubled), doubledTimesteps, labels, both, variance);

        Combine(both.AsSpan(0, values), both.AsSpan(values), T.CreateChecked(Scale), prediction);
        if (Rescale > 0.0)
            for (int i = 0; i < n; i++)
                RescaleImage(both.AsSpan(i * per, per), prediction.Slice(i * per, per), Rescale);
        if (PredictsVariance) variance.AsSpan(0, values).CopyTo(varianceInterpolation);
    }

    /// <summary>p̂ = w·p_y + (1 − w)·p_∅ value by value (Ho &amp; Salimans 2022, eq. 6, with w = their w + 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Combine(ReadOnlySpan<T> conditional, ReadOnlySpan<T> unconditional, T scale, Span<T> guided)
    {
        T other = T.One - scale;
        for (int j = 0; j < guided.Length; j++) guided[j] = scale * conditional[j] + other * unconditional[j];
    }

    /// <summary>p̂ ← φ·p̂·std(p_y)/std(p̂) + (1 − φ)·p̂ for one image (Lin et al. 2023, eqs. 15–16; the ratio is the same with n or n − 1 in the std).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RescaleImage(ReadOnlySpan<T> conditional, Span<T> guided, double rescale)
    {
        double guidedStd = StandardDeviation(guided);
        if (guidedStd == 0.0) return;
        double factor = rescale * StandardDeviation(conditional) / guidedStd + (1.0 - rescale);
        T f = T.CreateChecked(factor);
        for (int j = 0; j < guided.Length; j++) guided[j] *= f;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double StandardDeviation(ReadOnlySpan<T> values)
    {
        double mean = 0.0;
        foreach (T v in values) mean += double.CreateChecked(v);
        mean /= values.Length;
        double squares = 0.0;
        foreach (T v in values)
        {
            double d = double.CreateChecked(v) - mean;
            squares += d * d;
        }
        return Math.Sqrt(squares / values.Length);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"classifier-free guidance of {_model} toward class {ClassLabel}, w = {Scale.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
        + (Rescale > 0.0 ? $", rescale φ = {Rescale.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "");
}

/// <summary>Classifier-free guidance that keeps a fractional model continuous (Ho &amp; Salimans 2022, eq. 6; Lin et al. 2023, eq. 16).</summary>
public static class ClassifierFreeGuidance
{
    /// <summary>
    /// Guides <paramref name="model"/> toward <paramref name="classLabel"/> with scale w and rescale φ as
    /// <see cref="ClassifierFreeGuidance{T}"/> does (Ho &amp; Salimans 2022, eq. 6; Lin et al. 2023, eq. 16); for an
    /// <see cref="IFractionalConditionalDenoiser{T}"/> without learned variance the result is an
    /// <see cref="IContinuousDenoiser{T}"/> (<see cref="ContinuousDenoiser.FromFractionalNetwork{T}"/> of the guided
    /// prediction at real timesteps), whose on-grid prediction is the guided one at the integer t; otherwise it is the
    /// <see cref="ClassifierFreeGuidance{T}"/> itself.
    /// </summary>
    public static IBatchDenoiser<T> Create<T>(IConditionalBatchDenoiser<T> model, int classLabel, double scale, double rescale = 0.0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var guidance = new ClassifierFreeGuidance<T>(model, classLabel, scale, rescale);
        if (ConditionalBatchDenoiser.AsFractional(model) is not { } fractional) return guidance;
        return ContinuousDenoiser.FromFractionalNetwork<T>(model.Schedule, model.Target, (xt, zeroBased, prediction) =>
            guidance.Guide<double>(xt, ConditionalBatchDenoiser.OneBased(zeroBased),
                (both, timesteps, labels, output, _) => fractional.PredictAt(both, timesteps, labels, output), prediction, []));
    }
}
