using System.Runtime.CompilerServices;
using Diffusion.Functional.Images;
using Diffusion.Functional.Numerics;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// What a denoiser returns for one x_t: its prediction (of the denoiser's <see cref="Denoiser.Target"/>) and, for a
/// model with learned variance, the per-pixel interpolation value of improved-diffusion's "learned range"
/// (Nichol &amp; Dhariwal 2021, eq. 15).
/// </summary>
/// <param name="Prediction">The predicted ε, x_0 or v, of x_t's shape.</param>
/// <param name="VarianceInterpolation">
/// v ∈ [−1, 1] per pixel (values outside extrapolate, as in improved-diffusion): log σ² = ((v + 1)/2)·log β_t +
/// ((1 − v)/2)·log β̃_t. Null for a denoiser without learned variance.
/// </param>
public sealed record DenoiserOutput(Image Prediction, Image? VarianceInterpolation = null)
{
    /// <summary>The predicted ε, x_0 or v.</summary>
    public Image Prediction { get; } = Prediction ?? throw new ArgumentNullException(nameof(Prediction));
}

/// <summary>
/// A denoiser: a pure function (x_t, t) ↦ prediction of ε, x_0 or v (Ho et al. 2020, eq. 11; Salimans &amp; Ho 2022),
/// for the schedule it was trained on, which fixes what t means. The samplers call it with that schedule's timestep
/// t ∈ 1..T, also on a respaced chain. Evaluating it must not depend on anything but (x_t, t).
/// </summary>
public sealed class Denoiser : IBatchDenoiser<double>, IBatchDenoiser<float>
{
    private readonly Func<Image, int, DenoiserOutput> _evaluate;

    /// <summary>The schedule the denoiser was trained on; t ∈ 1..T refers to its steps.</summary>
    public NoiseSchedule Schedule { get; }

    /// <summary>What the denoiser predicts.</summary>
    public PredictionTarget Target { get; }

    /// <summary>True when every output carries a <see cref="DenoiserOutput.VarianceInterpolation"/> (learned-range models).</summary>
    public bool PredictsVariance { get; }

    private Denoiser(NoiseSchedule schedule, PredictionTarget target, bool predictsVariance, Func<Image, int, DenoiserOutput> evaluate)
    {
        Schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));
        Target = PredictionConversions.RequireDefined(target, nameof(target));
        PredictsVariance = predictsVariance;
        _evaluate = evaluate ?? throw new ArgumentNullException(nameof(evaluate));
    }

    /// <summary>
    /// A denoiser (x_t, t) ↦ prediction of <paramref name="target"/> only: ε_θ (DDPM eq. 11), x_0, or v = √ᾱ_t·ε − √(1 − ᾱ_t)·x_0
    /// (Salimans &amp; Ho 2022).
    /// </summary>
    /// <param name="schedule">The schedule it was trained on.</param>
    /// <param name="target">What it predicts.</param>
    /// <param name="predict">(x_t, t) ↦ prediction, x_t's shape, t ∈ 1..T; pure.</param>
    public static Denoiser Create(NoiseSchedule schedule, PredictionTarget target, Func<Image, int, Image> predict)
    {
        ArgumentNullException.ThrowIfNull(predict);
        return new Denoiser(schedule, target, false, (xt, t) => new DenoiserOutput(predict(xt, t)));
    }

    /// <summary>
    /// A denoiser that also predicts the learned-range variance interpolation v per pixel, log σ_t² = ((v + 1)/2)·log β_t +
    /// ((1 − v)/2)·log β̃_t (Nichol &amp; Dhariwal 2021, eq. 15; improved-diffusion's learned sigma).
    /// </summary>
    /// <param name="schedule">The schedule it was trained on.</param>
    /// <param name="target">What it predicts.</param>
    /// <param name="predict">(x_t, t) ↦ output with a non-null <see cref="DenoiserOutput.VarianceInterpolation"/>; pure.</param>
    public static Denoiser CreateWithLearnedVariance(NoiseSchedule schedule, PredictionTarget target, Func<Image, int, DenoiserOutput> predict) =>
        new(schedule, target, true, predict);

    /// <summary>
    /// The denoiser's output at (x_t, t) — its prediction of ε (DDPM eq. 11), x_0 or v (Salimans &amp; Ho 2022), and for a
    /// learned-variance model the interpolation of Nichol &amp; Dhariwal 2021, eq. 15 — checked for shape. Range of t: 1..T
    /// of <see cref="Schedule"/>.
    /// </summary>
    public DenoiserOutput Evaluate(Image xt, int t)
    {
        ArgumentNullException.ThrowIfNull(xt);
        Guard.Timestep(t, Schedule.Steps);
        DenoiserOutput output = _evaluate(xt, t)
            ?? throw new InvalidOperationException($"The denoiser returned null at t = {t}; it must return a prediction.");
        if (!output.Prediction.HasShapeOf(xt))
            throw new InvalidOperationException(
                $"The denoiser returned a {output.Prediction.Width}×{output.Prediction.Height} prediction for a {xt.Width}×{xt.Height} x_t at t = {t}.");
        if (PredictsVariance)
        {
            Image interpolation = output.VarianceInterpolation
                ?? throw new InvalidOperationException($"The denoiser was created with learned variance but returned no variance interpolation at t = {t}.");
            if (!interpolation.HasShapeOf(xt))
                throw new InvalidOperationException($"The denoiser's variance interpolation at t = {t} is {interpolation.Width}×{interpolation.Height}, not x_t's {xt.Width}×{xt.Height}.");
        }
        return output;
    }

    /// <summary>
    /// The prediction at (x_t, t) as a typed <see cref="Parameterisation.Prediction"/>: ε (DDPM eq. 11), x_0 or v
    /// (Salimans &amp; Ho 2022), as <see cref="Target"/> says.
    /// </summary>
    public Prediction Predict(Image xt, int t) => new(Target, Evaluate(xt, t).Prediction);

    /// <summary>
    /// The batched form (<see cref="IBatchDenoiser{T}"/>): <see cref="Evaluate"/> on each one-channel image of the batch
    /// in turn, widened exactly to double, the result rounded back to T.
    /// </summary>
    void IBatchDenoiser<double>.Predict(ImageBatch<double> xt, ReadOnlySpan<int> timesteps, Span<double> prediction, Span<double> varianceInterpolation) =>
        PredictEach(xt, timesteps, prediction, varianceInterpolation);

    /// <inheritdoc cref="IBatchDenoiser{T}.Predict"/>
    void IBatchDenoiser<float>.Predict(ImageBatch<float> xt, ReadOnlySpan<int> timesteps, Span<float> prediction, Span<float> varianceInterpolation) =>
        PredictEach(xt, timesteps, prediction, varianceInterpolation);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PredictEach<T>(ImageBatch<T> xt, ReadOnlySpan<int> timesteps, Span<T> prediction, Span<T> varianceInterpolation)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(xt);
        if (xt.Channels != 1)
            throw new ArgumentException($"{this} works on one-channel images; the batch has {xt.Channels} channels. Use an IBatchDenoiser for several channels.", nameof(xt));
        int per = xt.ValuesPerImage;
        for (int k = 0; k < xt.Count; k++)
        {
            DenoiserOutput output = Evaluate(xt.ToImage(k), timesteps[k]);
            Write(output.Prediction.Pixels, prediction.Slice(k * per, per));
            if (PredictsVariance) Write(output.VarianceInterpolation!.Pixels, varianceInterpolation.Slice(k * per, per));
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        static void Write(ReadOnlySpan<double> source, Span<T> destination)
        {
            for (int j = 0; j < source.Length; j++) destination[j] = T.CreateTruncating(source[j]);
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{PredictionConversions.Symbol(Target)}-denoiser for {Schedule.Description}{(PredictsVariance ? " with learned variance" : "")}";
}
