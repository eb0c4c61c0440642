using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Onnx;

/// <summary>
/// An ONNX network as the core's batched denoiser (<see cref="IBatchDenoiser{T}"/> in float32): one network run per
/// evaluation for the whole batch (split to <see cref="OnnxDenoiserOptions.MaxBatchSize"/> inside), the samplers'
/// 1-based t handed to it as t − 1, the 0-based index diffusers and improved-diffusion train with (docs/conventions.md).
/// </summary>
public sealed class OnnxBatchDenoiser : IBatchDenoiser<float>
{
    private readonly OnnxDenoiser _network;
    private readonly int? _classLabel;

    /// <summary>The network as a denoiser of <paramref name="schedule"/> predicting <paramref name="target"/> (Ho et al. 2020, eq. 11).</summary>
    /// <param name="network">The loaded model; its TrainingSteps must be the schedule's T.</param>
    /// <param name="schedule">The schedule it was trained on.</param>
    /// <param name="target">What it predicts (ε for the shipped MNIST UNet).</param>
    /// <param name="classLabel">For a class-conditional model, the label of every image (the null label for unconditional); null otherwise.</param>
    public OnnxBatchDenoiser(OnnxDenoiser network, NoiseSchedule schedule, PredictionTarget target, int? classLabel = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(schedule);
        NetworkAdapter.RequireFits(network, schedule);
        if (network.IsClassConditional && classLabel is null)
            throw new ArgumentException($"{network.Model} is class-conditional: give the class label of the images (or its null label).", nameof(classLabel));
        if (!network.IsClassConditional && classLabel is not null)
            throw new ArgumentException($"{network.Model} takes no class label, but classLabel = {classLabel} was given.", nameof(classLabel));
        _network = network;
        _classLabel = classLabel;
        Schedule = schedule;
        Target = target;
    }

    /// <summary>The schedule the network was trained on (its T steps).</summary>
    public NoiseSchedule Schedule { get; }

    /// <summary>What the network predicts.</summary>
    public PredictionTarget Target { get; }

    /// <summary>False: the adapter passes C output channels (no learned-range variance).</summary>
    public bool PredictsVariance => false;

    /// <summary>The network's prediction for the batch (Ho et al. 2020, eq. 11), with t − 1 as its timestep (docs/conventions.md).</summary>
    public void Predict(ImageBatch<float> xt, ReadOnlySpan<int> timesteps, Span<float> prediction, Span<float> varianceInterpolation)
    {
        NetworkAdapter.RequireShape(_network, xt);
        int[] networkTimesteps = NetworkAdapter.NetworkTimesteps(timesteps);
        int[] labels = _classLabel is int label ? Enumerable.Repeat(label, xt.Count).ToArray() : [];
        _network.Run(xt.Values, networkTimesteps, labels, prediction);
    }

    /// <inheritdoc />
    public override string ToString() => $"{_network.Model} ({Target}-prediction, T = {Schedule.Steps})";
}
