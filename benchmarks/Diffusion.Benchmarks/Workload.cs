using Diffusion.Functional.Batches;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Schedules;

namespace Diffusion.Benchmarks;

/// <summary>
/// The workload: a batch of 256 MNIST-sized images (28×28 = 784 pixels) in float32, DDPM's linear schedule
/// with T = 1000, a random t per image for the forward process, and a 50-step oracle chain t = 100 → 50 (every step
/// draws noise; the noiseless last step t = 1 → 0 would flatter the figure).
/// </summary>
public sealed class Workload
{
    public const int Images = 256;
    public const int Pixels = 784;
    public const int ChainStart = 100;
    public const int ChainStop = 50;
    public const int ChainSteps = ChainStart - ChainStop;

    public NoiseSchedule Schedule { get; } = NoiseSchedule.Linear(1000, 1e-4, 0.02);

    public float[] X0 { get; } = new float[Images * Pixels];

    public float[] Xt { get; } = new float[Images * Pixels];

    public int[] Timesteps { get; } = new int[Images];

    public float[] Destination { get; } = new float[Images * Pixels];

    public Workload()
    {
        var random = new Random(20200619);
        for (int i = 0; i < X0.Length; i++) X0[i] = (float)((2 * random.NextDouble()) - 1);
        for (int i = 0; i < Images; i++) Timesteps[i] = random.Next(1, Schedule.Steps + 1);
        int[] start = Enumerable.Repeat(ChainStart, Images).ToArray();
        ForwardBatch.Sample(Schedule, X0, Pixels, start, NoiseKey.FromSeed(1), Xt);
    }

    /// <summary>Options for <paramref name="threads"/> threads.</summary>
    public static ParallelOptions Parallel(int threads) => new() { MaxDegreeOfParallelism = threads };

    /// <summary>1 and, on a machine with more cores, all of them.</summary>
    public static IEnumerable<int> ThreadCounts() => new[] { 1, Environment.ProcessorCount }.Distinct();
}
