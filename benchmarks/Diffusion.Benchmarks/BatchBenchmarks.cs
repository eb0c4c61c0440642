using BenchmarkDotNet.Attributes;
using Diffusion.Functional.Batches;
using Diffusion.Functional.Noise;

namespace Diffusion.Benchmarks;

/// <summary>
/// Shared set-up: the workload, the thread count, and a fresh key per invocation. 5 warm-up and 15 measured
/// iterations of at least 0.5 s each: past tiered compilation, and about 8 minutes for the whole suite.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 5, iterationCount: 15)]
public abstract class BatchBenchmarks
{
    protected Workload Work { get; } = new();

    private ulong _seed;

    /// <summary>1 thread, and all cores.</summary>
    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    public static IEnumerable<int> ThreadCounts() => Workload.ThreadCounts();

    protected ulong NextSeed() => ++_seed;

    protected NoiseKey NextKey() => NoiseKey.FromSeed(++_seed);
}

/// <summary>A. Forward noising x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε of 256 images with a random t each; one operation = one image.</summary>
public class ForwardNoisingBenchmarks : BatchBenchmarks
{
    [Benchmark(Baseline = true, OperationsPerInvoke = Workload.Images)]
    public void NaiveBoxMuller()
    {
        ulong seed = NextSeed();
        NaiveKernels.ForEachImage(Workload.Images, Threads, i =>
            NaiveKernels.Forward(Work.Schedule, Work.X0, Work.Timesteps, Workload.Pixels, seed, Work.Destination, i));
    }

    [Benchmark(OperationsPerInvoke = Workload.Images)]
    public void FusedForwardBatch()
    {
        if (Threads == 1)
            ForwardBatch.Sample(Work.Schedule, Work.X0, Workload.Pixels, Work.Timesteps, NextKey(), Work.Destination);
        else
            ForwardBatch.Sample(Work.Schedule, Work.X0, Workload.Pixels, Work.Timesteps, NextKey(), Work.Destination, Workload.Parallel(Threads));
    }
}

/// <summary>B. The oracle posterior chain, 50 noisy steps (t = 100 → 50) of 256 images; one operation = one pixel-step.</summary>
public class OracleChainBenchmarks : BatchBenchmarks
{
    private const int PixelSteps = Workload.Images * Workload.Pixels * Workload.ChainSteps;

    [Benchmark(Baseline = true, OperationsPerInvoke = PixelSteps)]
    public void NaiveBoxMuller()
    {
        ulong seed = NextSeed();
        NaiveKernels.ForEachImage(Workload.Images, Threads, i => NaiveKernels.Chain(
            Work.Schedule, Work.X0, Work.Xt, Workload.Pixels, Workload.ChainStart, Workload.ChainStop, seed, Work.Destination, i));
    }

    [Benchmark(OperationsPerInvoke = PixelSteps)]
    public void FusedOracleChainBatch()
    {
        if (Threads == 1)
            OracleChainBatch.Run(Work.Schedule, Work.X0, Work.Xt, Workload.Pixels, Workload.ChainStart, Workload.ChainStop, NextKey(), Work.Destination);
        else
            OracleChainBatch.Run(
                Work.Schedule, Work.X0, Work.Xt, Workload.Pixels, Workload.ChainStart, Workload.ChainStop, NextKey(), Work.Destination,
                Workload.Parallel(Threads));
    }
}

/// <summary>C. N(0, 1) float32 noise for 256 images of 784 pixels; one operation = one sample.</summary>
public class NoiseBenchmarks : BatchBenchmarks
{
    private const int Samples = Workload.Images * Workload.Pixels;

    private readonly double[][] _scratch = Enumerable.Range(0, Workload.Images).Select(_ => new double[Workload.Pixels]).ToArray();

    [Benchmark(Baseline = true, OperationsPerInvoke = Samples)]
    public void NaiveBoxMuller()
    {
        ulong seed = NextSeed();
        NaiveKernels.ForEachImage(Workload.Images, Threads, i => NaiveKernels.FillNormal(
            NaiveKernels.Generator(seed, i), Work.Destination.AsSpan(i * Workload.Pixels, Workload.Pixels)));
    }

    [Benchmark(OperationsPerInvoke = Samples)]
    public void MathNetNormalSamples()
    {
        ulong seed = NextSeed();
        NaiveKernels.ForEachImage(Workload.Images, Threads, i => NaiveKernels.FillNormalMathNet(
            NaiveKernels.Generator(seed, i), _scratch[i], Work.Destination.AsSpan(i * Workload.Pixels, Workload.Pixels)));
    }

    [Benchmark(OperationsPerInvoke = Samples)]
    public void NoiseBatchFill()
    {
        if (Threads == 1)
            NoiseBatch.Fill(NextKey(), Workload.Pixels, Work.Destination);
        else
            NoiseBatch.Fill(NextKey(), Workload.Pixels, Work.Destination, Workload.Parallel(Threads));
    }
}

/// <summary>C on one stream: the whole batch's 200 704 samples from one key, one thread; one operation = one sample.</summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 5, iterationCount: 15)]
public class NoiseStreamBenchmarks
{
    private const int Samples = Workload.Images * Workload.Pixels;

    private readonly float[] _destination = new float[Samples];

    private ulong _seed;

    [Benchmark(Baseline = true, OperationsPerInvoke = Samples)]
    public void NaiveBoxMuller() => NaiveKernels.FillNormal(NaiveKernels.Generator(++_seed, 0), _destination);

    [Benchmark(OperationsPerInvoke = Samples)]
    public void GaussianNoiseFill() => GaussianNoise.Fill(NoiseKey.FromSeed(++_seed), _destination);
}
