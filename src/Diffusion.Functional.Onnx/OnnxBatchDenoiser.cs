using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Onnx;

/// <summary>
/// An ONNX network as the core's batched denoiser (<see cref="IBatchDenoiser{T}"/> in float32): one network run per
/// evaluation for the whole batch (split to <see cref="OnnxDenoiserOptions.MaxBatchSize"/> inside), the samplers'
/// 1-based t handed to it as t − 1, the 0-based index diffusers and improved-diffusion train with (docs/conventions.md).
/// Made by <see cref="Create"/>: for a network whose timestep input is float32 or float64 it is also an
/// <see cref="IContinuousDenoiser{T}"/> (<see cref="ContinuousDenoiser.FromFractionalNetwork{T}"/>: σ ↦ k-diffusion's
/// fractional timestep), so every sampler runs it, the off-grid ones included; for an int64 or int32 one it is defined
/// on the training grid only.
/// </summary>
public class OnnxBatchDenoiser : IBatchDenoiser<float>
{
    private readonly OnnxDenoiser _network;
    // The one path to the network: on the grid its Predict hands the network the integer t − 1, off it Denoise the fractional one.
    private readonly IContinuousDenoiser<float> _fractional;

    private OnnxBatchDenoiser(OnnxDenoiser network, NoiseSchedule schedule, PredictionTarget target, int? classLabel)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(schedule);
        NetworkAdapter.RequireFits(network, schedule);
        if (network.IsClassConditional && classLabel is null)
            throw new ArgumentException($"{network.Model} is class-conditional: give the class label of the images (or its null label).", nameof(classLabel));
        if (!network.IsClassConditional && classLabel is not null)
            throw new ArgumentException($"{network.Model} takes no class label, but classLabel = {classLabel} was given.", nameof(classLabel));
        _network = network;
        Schedule = schedule;
        Target = target;
        _fractional = ContinuousDenoiser.FromFractionalNetwork<float>(schedule, target, (xt, zeroBased, prediction) =>
        {
            int[] labels = classLabel is int label ? Enumerable.Repeat(label, xt.Count).ToArray() : [];
            network.RunAt(xt.Values, zeroBased, labels, prediction);
        });
    }

    /// <summary>
    /// The network as a denoiser of <paramref name="schedule"/> predicting <paramref name="target"/> (Ho et al. 2020,
    /// eq. 11); an <see cref="IContinuousDenoiser{T}"/> (Karras et al. 2022, eq. 3) when <see cref="OnnxDenoiser.TakesFractionalTimesteps"/>.
    /// </summary>
    /// <param name="network">The loaded model; its TrainingSteps must be the schedule's T.</param>
    /// <param name="schedule">The schedule it was trained on.</param>
    /// <param name="target">What it predicts (ε for the shipped MNIST UNet).</param>
    /// <param name="classLabel">For a class-conditional model, the label of every image (the null label for unconditional); null otherwise.</param>
    public static OnnxBatchDenoiser Create(OnnxDenoiser network, NoiseSchedule schedule, PredictionTarget target, int? classLabel = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.TakesFractionalTimesteps
            ? new Continuous(network, schedule, target, classLabel)
            : new OnnxBatchDenoiser(network, schedule, target, classLabel);
    }

    /// <summary>The schedule the network was trained on (its T steps).</summary>
    public NoiseSchedule Schedule { get; }

    /// <summary>What the network predicts.</summary>
    public PredictionTarget Target { get; }

    /// <summary>False: the adapter passes C output channels (no learned-range variance).</summary>
    public bool PredictsVariance => false;

    /// <summary>Whether the network is defined between integer timesteps (its timestep input is float32 or float64), so that this is an <see cref="IContinuousDenoiser{T}"/>.</summary>
    public bool TakesFractionalTimesteps => _network.TakesFractionalTimesteps;

    /// <summary>The network's prediction for the batch (Ho et al. 2020, eq. 11), with t − 1 as its timestep (docs/conventions.md).</summary>
    public void Predict(ImageBatch<float> xt, ReadOnlySpan<int> timesteps, Span<float> prediction, Span<float> varianceInterpolation)
    {
        NetworkAdapter.RequireShape(_network, xt);
        _fractional.Predict(xt, timesteps, prediction, varianceInterpolation);
    }

    /// <inheritdoc />
    public override string ToString() => $"{_network.Model} ({Target}-prediction, T = {Schedule.Steps})";

    // The same adapter with the off-grid contract that a real timestep input gives it.
    private sealed class Continuous(OnnxDenoiser network, NoiseSchedule schedule, PredictionTarget target, int? classLabel)
        : OnnxBatchDenoiser(network, schedule, target, classLabel), IContinuousDenoiser<float>
    {
        public void Denoise(ImageBatch<float> xTilde, ReadOnlySpan<double> sigmas, Span<float> denoised)
        {
            NetworkAdapter.RequireShape(_network, xTilde);
            _fractional.Denoise(xTilde, sigmas, denoised);
        }
    }
}
