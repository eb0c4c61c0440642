using System.Runtime.CompilerServices;
using System.Numerics;
using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Sampling;

/// <summary>Ways to make and use an <see cref="IConditionalBatchDenoiser{T}"/> (Ho &amp; Salimans 2022, §3.2).</summary>
public static class ConditionalBatchDenoiser
{
    /// <summary>
    /// The model at one fixed label ε(x_t, t, y) as a plain denoiser (Ho &amp; Salimans 2022, §3.2): a class, or the
    /// unconditional label. For an <see cref="IFractionalConditionalDenoiser{T}"/> without learned variance it is an
    /// <see cref="IContinuousDenoiser{T}"/> (<see cref="ContinuousDenoiser.FromFractionalNetwork{T}"/> of the model at
    /// that label), whose on-grid prediction is the model's at the integer t.
    /// </summary>
    public static IBatchDenoiser<T> WithLabel<T>(IConditionalBatchDenoiser<T> model, int label) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        RequireLabel(model, label, nameof(label));
        if (AsFractional(model) is { } fractional)
            return ContinuousDenoiser.FromFractionalNetwork<T>(model.Schedule, model.Target, (xt, zeroBased, prediction) =>
            {
                var labels = new int[xt.Count];
                labels.AsSpan().Fill(label);
                fractional.PredictAt(xt, OneBased(zeroBased), labels, prediction);
            });
        return new Labelled<T>(model, label);
    }

    /// <summary>The model as an <see cref="IFractionalConditionalDenoiser{T}"/> when it is one and predicts no learned variance (which a continuous denoiser has no place for); null otherwise.</summary>
    internal static IFractionalConditionalDenoiser<T>? AsFractional<T>(IConditionalBatchDenoiser<T> model) where T : unmanaged, IFloatingPointIeee754<T> =>
        model is IFractionalConditionalDenoiser<T> { PredictsVariance: false } fractional ? fractional : null;

    /// <summary>A network's 0-based timesteps as the 1-based ones of <see cref="IFractionalConditionalDenoiser{T}.PredictAt"/>: t_net + 1, exact in double for t_net ∈ [0, T − 1].</summary>
    internal static double[] OneBased(ReadOnlySpan<double> zeroBased)
    {
        var oneBased = new double[zeroBased.Length];
        for (int k = 0; k < oneBased.Length; k++) oneBased[k] = zeroBased[k] + 1.0;
        return oneBased;
    }

    /// <summary>
    /// A conditional denoiser made of one denoiser per label (Ho &amp; Salimans 2022, §3.2): <paramref name="classes"/>[y]
    /// for y = 0..K − 1 and <paramref name="unconditional"/> for the null label K; each call groups the images by label
    /// (an exact test double when each is an exact denoiser, e.g. of Gaussian data per class).
    /// </summary>
    public static IConditionalBatchDenoiser<T> FromClasses<T>(IReadOnlyList<IBatchDenoiser<T>> classes, IBatchDenoiser<T> unconditional)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(unconditional);
        if (classes.Count == 0) throw new ArgumentException("give at least one class denoiser.", nameof(classes));
        IBatchDenoiser<T>[] all = [.. classes, unconditional];
        for (int y = 0; y < all.Length; y++)
        {
            ArgumentNullException.ThrowIfNull(all[y], $"{nameof(classes)}[{y}]");
            if (!all[y].Schedule.Equals(all[0].Schedule) || all[y].Target != all[0].Target || all[y].PredictsVariance)
                throw new ArgumentException($"denoiser {y} ({all[y]}) differs from denoiser 0 ({all[0]}) in schedule or target, or predicts a variance; a conditional model has one schedule and target and, here, no learned variance.", nameof(classes));
        }
        return new PerClass<T>(all);
    }

    internal static void RequireLabel<T>(IConditionalBatchDenoiser<T> model, int label, string name) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if ((label < 0 || label >= model.ClassCount) && label != model.UnconditionalLabel)
            throw new ArgumentOutOfRangeException(name, label, $"label {label} is not a label of the model: its classes are 0..{model.ClassCount - 1} and its unconditional label is {model.UnconditionalLabel}.");
    }

    private sealed class Labelled<T>(IConditionalBatchDenoiser<T> model, int label) : IBatchDenoiser<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public NoiseSchedule Schedule => model.Schedule;
        public PredictionTarget Target => model.Target;
        public bool PredictsVariance => model.PredictsVariance;

        public void Predict(ImageBatch<T> xt, ReadOnlySpan<int> timesteps, Span<T> prediction, Span<T> varianceInterpolation)
        {
            ArgumentNullException.ThrowIfNull(xt);
            var labels = new int[xt.Count];
            labels.AsSpan().Fill(label);
            model.Predict(xt, timesteps, labels, prediction, varianceInterpolation);
        }

        public override string ToString() => $"{model} at label {label}";
    }

    private sealed class PerClass<T>(IBatchDenoiser<T>[] denoisers) : IConditionalBatchDenoiser<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public NoiseSchedule Schedule => denoisers[0].Schedule;
        public PredictionTarget Target => denoisers[0].Target;
        public bool PredictsVariance => false;
        public int ClassCount => denoisers.Length - 1;
        public int UnconditionalLabel => denoisers.Length - 1;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Predict(ImageBatch<T> xt, ReadOnlySpan<int> timesteps, ReadOnlySpan<int> labels, Span<T> prediction, Span<T> varianceInterpolation)
        {
            ArgumentNullException.ThrowIfNull(xt);
            if (labels.Length != xt.Count || timesteps.Length != xt.Count)
                throw new ArgumentException($"{labels.Length} labels and {timesteps.Length} timesteps for {xt.Count} images; give one of each per image.", nameof(labels));
            int per = xt.ValuesPerImage;
            for (int y = 0; y < denoisers.Length; y++)
            {
                var members = new List<int>();
                for (int i = 0; i < labels.Length; i++)
                {
                    if (labels[i] < 0 || labels[i] >= denoisers.Length)
                        throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"label {labels[i]} of image {i} is not 0..{denoisers.Length - 1}.");
                    if (labels[i] == y) members.Add(i);
                }
                if (members.Count == 0) continue;
                var values = new T[members.Count * per];
                var memberTimesteps = new int[members.Count];
                for (int m = 0; m < members.Count; m++)
                {
                    xt.ImageValues(members[m]).CopyTo(values.AsSpan(m * per, per));
                    memberTimesteps[m] = timesteps[members[m]];
                }
                var output = new T[values.Length];
                denoisers[y].Predict(ImageBatch<T>.Own(members.Count, xt.Channels, xt.Height, xt.Width, values), memberTimesteps, output, []);
                for (int m = 0; m < members.Count; m++) output.AsSpan(m * per, per).CopyTo(prediction.Slice(members[m] * per, per));
            }
        }

        public override string ToString() => $"a conditional denoiser of {ClassCount} classes ({denoisers[0]}, …)";
    }
}
