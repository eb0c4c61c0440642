using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Onnx;

/// <summary>
/// A class-conditional ONNX network as the core's <see cref="IConditionalBatchDenoiser{T}"/> in float32 (Ho &amp; Salimans
/// 2022, §3.2): one network run per call with each image's own label, t − 1 as the network's timestep
/// (docs/conventions.md); the input to <see cref="ClassifierFreeGuidance{T}"/>. Made by <see cref="Create"/>: for a
/// network whose timestep input is float32 or float64 it is also an <see cref="IFractionalConditionalDenoiser{T}"/>, so
/// that <see cref="ConditionalBatchDenoiser.WithLabel{T}"/> and <see cref="ClassifierFreeGuidance.Create{T}"/> give the
/// off-grid samplers a continuous denoiser; for an int64 or int32 one it is defined on the training grid only.
/// </summary>
public class OnnxConditionalDenoiser : IConditionalBatchDenoiser<float>
{
    private readonly OnnxDenoiser _network;

    private OnnxConditionalDenoiser(OnnxDenoiser network, NoiseSchedule schedule, PredictionTarget target, int classCount, int unconditionalLabel)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(schedule);
        if (!network.IsClassConditional)
            throw new ArgumentException($"{network.Model} takes no class label: it is not a class-conditional model.", nameof(network));
        NetworkAdapter.RequireFits(network, schedule);
        if (classCount < 1)
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, $"classCount = {classCount}; a conditional model has at least one class.");
        if (unconditionalLabel >= 0 && unconditionalLabel < classCount)
            throw new ArgumentOutOfRangeException(nameof(unconditionalLabel), unconditionalLabel, $"the unconditional label {unconditionalLabel} is one of the classes 0..{classCount - 1}.");
        int largest = Math.Max(classCount - 1, unconditionalLabel);
        if (unconditionalLabel < 0 || network.Options.ClassLabelCount is { } count && largest >= count)
            throw new ArgumentOutOfRangeException(nameof(unconditionalLabel), unconditionalLabel,
                $"labels 0..{classCount - 1} and {unconditionalLabel} do not fit {network.Model}, which takes labels 0..{(network.Options.ClassLabelCount ?? 1) - 1}.");
        _network = network;
        Schedule = schedule;
        Target = target;
        ClassCount = classCount;
        UnconditionalLabel = unconditionalLabel;
    }

    /// <summary>
    /// The network as a conditional denoiser of <paramref name="schedule"/> predicting <paramref name="target"/> (Ho et al.
    /// 2020, eq. 11; Ho &amp; Salimans 2022, §3.2); an <see cref="IFractionalConditionalDenoiser{T}"/> when
    /// <see cref="OnnxDenoiser.TakesFractionalTimesteps"/>.
    /// </summary>
    /// <param name="network">A loaded class-conditional model; its TrainingSteps must be the schedule's T.</param>
    /// <param name="schedule">The schedule it was trained on.</param>
    /// <param name="target">What it predicts.</param>
    /// <param name="classCount">K: the classes are the labels 0..K − 1.</param>
    /// <param name="unconditionalLabel">The null label of its label dropout (K for the shipped MNIST UNet, 10).</param>
    public static OnnxConditionalDenoiser Create(OnnxDenoiser network, NoiseSchedule schedule, PredictionTarget target, int classCount, int unconditionalLabel)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.TakesFractionalTimesteps
            ? new Fractional(network, schedule, target, classCount, unconditionalLabel)
            : new OnnxConditionalDenoiser(network, schedule, target, classCount, unconditionalLabel);
    }

    /// <summary>The shipped MNIST UNet's convention (docs/network.md): ε-prediction on DDPM's linear schedule, classes 0..9, 10 unconditional.</summary>
    public static OnnxConditionalDenoiser MnistUNet(OnnxDenoiser network) =>
        Create(network, CanonicalSchedules.Ddpm, PredictionTarget.Epsilon, 10, 10);

    /// <summary>The schedule the network was trained on.</summary>
    public NoiseSchedule Schedule { get; }

    /// <summary>What the network predicts.</summary>
    public PredictionTarget Target { get; }

    /// <summary>False: the adapter passes C output channels (no learned-range variance).</summary>
    public bool PredictsVariance => false;

    /// <summary>K, the classes 0..K − 1.</summary>
    public int ClassCount { get; }

    /// <summary>The null label.</summary>
    public int UnconditionalLabel { get; }

    /// <summary>Whether the network is defined between integer timesteps (its timestep input is float32 or float64), so that this is an <see cref="IFractionalConditionalDenoiser{T}"/>.</summary>
    public bool TakesFractionalTimesteps => _network.TakesFractionalTimesteps;

    /// <summary>The network's prediction for each image at its label (Ho &amp; Salimans 2022, §3.2), with t − 1 as its timestep (docs/conventions.md): <see cref="PredictAt"/> at the integer t.</summary>
    public void Predict(ImageBatch<float> xt, ReadOnlySpan<int> timesteps, ReadOnlySpan<int> labels, Span<float> prediction, Span<float> varianceInterpolation) =>
        PredictAt(xt, NetworkAdapter.Widened(timesteps), labels, prediction);

    /// <summary>
    /// The network's prediction for each image at its label and its real 1-based timestep t ∈ [1, T] (Ho &amp; Salimans
    /// 2022, §3.2), t − 1 handed to the network; a t between integers needs <see cref="TakesFractionalTimesteps"/>.
    /// </summary>
    public void PredictAt(ImageBatch<float> xt, ReadOnlySpan<double> timesteps, ReadOnlySpan<int> labels, Span<float> prediction)
    {
        NetworkAdapter.RequireShape(_network, xt);
        for (int i = 0; i < labels.Length; i++)
            if ((labels[i] < 0 || labels[i] >= ClassCount) && labels[i] != UnconditionalLabel)
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"label {labels[i]} of image {i} is neither a class 0..{ClassCount - 1} nor the unconditional label {UnconditionalLabel}.");
        _network.RunAt(xt.Values, NetworkAdapter.NetworkTimesteps(timesteps), labels, prediction);
    }

    /// <inheritdoc />
    public override string ToString() => $"{_network.Model} ({Target}-prediction, T = {Schedule.Steps}, classes 0..{ClassCount - 1}, unconditional {UnconditionalLabel})";

    // The same adapter, declaring what a real timestep input makes it: defined at every t ∈ [1, T].
    private sealed class Fractional(OnnxDenoiser network, NoiseSchedule schedule, PredictionTarget target, int classCount, int unconditionalLabel)
        : OnnxConditionalDenoiser(network, schedule, target, classCount, unconditionalLabel), IFractionalConditionalDenoiser<float>;
}
