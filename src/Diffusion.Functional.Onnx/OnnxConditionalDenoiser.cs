using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Onnx;

/// <summary>
/// A class-conditional ONNX network as the core's <see cref="IConditionalBatchDenoiser{T}"/> in float32 (Ho &amp; Salimans
/// 2022, §3.2): one network run per call with each image's own label, t − 1 as the network's timestep
/// (docs/conventions.md); the input to <see cref="ClassifierFreeGuidance{T}"/>.
/// </summary>
public sealed class OnnxConditionalDenoiser : IConditionalBatchDenoiser<float>
{
    private readonly OnnxDenoiser _network;

    /// <summary>The network as a conditional denoiser of <paramref name="schedule"/> predicting <paramref name="target"/> (Ho et al. 2020, eq. 11; Ho &amp; Salimans 2022, §3.2).</summary>
    /// <param name="network">A loaded class-conditional model; its TrainingSteps must be the schedule's T.</param>
    /// <param name="schedule">The schedule it was trained on.</param>
    /// <param name="target">What it predicts.</param>
    /// <param name="classCount">K: the classes are the labels 0..K − 1.</param>
    /// <param name="unconditionalLabel">The null label of its label dropout (K for the shipped MNIST UNet, 10).</param>
    public OnnxConditionalDenoiser(OnnxDenoiser network, NoiseSchedule schedule, PredictionTarget target, int classCount, int unconditionalLabel)
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

    /// <summary>The shipped MNIST UNet's convention (docs/network.md): ε-prediction on DDPM's linear schedule, classes 0..9, 10 unconditional.</summary>
    public static OnnxConditionalDenoiser MnistUNet(OnnxDenoiser network) =>
        new(network, CanonicalSchedules.Ddpm, PredictionTarget.Epsilon, 10, 10);

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

    /// <summary>The network's prediction for each image at its label (Ho &amp; Salimans 2022, §3.2), with t − 1 as its timestep (docs/conventions.md).</summary>
    public void Predict(ImageBatch<float> xt, ReadOnlySpan<int> timesteps, ReadOnlySpan<int> labels, Span<float> prediction, Span<float> varianceInterpolation)
    {
        NetworkAdapter.RequireShape(_network, xt);
        for (int i = 0; i < labels.Length; i++)
            if ((labels[i] < 0 || labels[i] >= ClassCount) && labels[i] != UnconditionalLabel)
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"label {labels[i]} of image {i} is neither a class 0..{ClassCount - 1} nor the unconditional label {UnconditionalLabel}.");
        int[] networkTimesteps = NetworkAdapter.NetworkTimesteps(timesteps);
        _network.Run(xt.Values, networkTimesteps, labels, prediction);
    }

    /// <inheritdoc />
    public override string ToString() => $"{_network.Model} ({Target}-prediction, T = {Schedule.Steps}, classes 0..{ClassCount - 1}, unconditional {UnconditionalLabel})";
}
