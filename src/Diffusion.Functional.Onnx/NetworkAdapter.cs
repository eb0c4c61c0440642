using Diffusion.Functional.Images;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Onnx;

/// <summary>What both denoiser adapters check of a network and hand it: its schedule, its output, the batch's shape,
/// and t − 1 as its timestep (docs/conventions.md).</summary>
internal static class NetworkAdapter
{
    /// <summary>The network was trained on the schedule's T steps and returns C channels (no learned-range variance).</summary>
    public static void RequireFits(OnnxDenoiser network, NoiseSchedule schedule)
    {
        if (network.Options.TrainingSteps != schedule.Steps)
            throw new ArgumentException(
                $"{network.Model} was trained on {network.Options.TrainingSteps} steps but the schedule has T = {schedule.Steps}; its timesteps would mean other noise levels.", nameof(schedule));
        if (network.OutputChannels != network.Options.Channels)
            throw new ArgumentException($"{network.Model} returns {network.OutputChannels} channels for {network.Options.Channels}; a learned-variance output is not supported by this adapter.", nameof(network));
    }

    /// <summary>x_t's images are the network's C × H × W.</summary>
    public static void RequireShape(OnnxDenoiser network, ImageBatch<float> xt)
    {
        ArgumentNullException.ThrowIfNull(xt);
        if (xt.Channels != network.Options.Channels || xt.Height != network.Options.Height || xt.Width != network.Options.Width)
            throw new ArgumentException($"x_t holds {xt.ShapeText} images but {network.Model} takes {network.Options.Channels}×{network.Options.Height}×{network.Options.Width}.", nameof(xt));
    }

    /// <summary>Our 1-based timesteps, real numbers in [1, T], as the network's 0-based ones, t − 1 (exact in double); a t below 1 is refused, the network checks the top.</summary>
    public static double[] NetworkTimesteps(ReadOnlySpan<double> timesteps)
    {
        var networkTimesteps = new double[timesteps.Length];
        for (int i = 0; i < networkTimesteps.Length; i++)
        {
            if (!(timesteps[i] >= 1.0))
                throw new ArgumentOutOfRangeException(nameof(timesteps), timesteps[i],
                    $"t = {timesteps[i].ToString(System.Globalization.CultureInfo.InvariantCulture)} (image {i}) is not a timestep of a reverse step; this library's timesteps are 1-based (1..T).");
            networkTimesteps[i] = timesteps[i] - 1.0;
        }
        return networkTimesteps;
    }

    /// <summary>Integer timesteps as the reals they are, so that the on-grid path is the fractional one at integer t.</summary>
    public static double[] Widened(ReadOnlySpan<int> timesteps)
    {
        var widened = new double[timesteps.Length];
        for (int i = 0; i < widened.Length; i++) widened[i] = timesteps[i];
        return widened;
    }
}
