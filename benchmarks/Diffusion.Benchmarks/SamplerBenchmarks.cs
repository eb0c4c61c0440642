using BenchmarkDotNet.Attributes;
using Diffusion.Functional.Batches;
using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;

namespace Diffusion.Benchmarks;

/// <summary>
/// D. Batched float32 DDPM sampling (fixed-small variance) with a cheap exact denoiser: Gaussian data N(μ, diag(v)) on
/// 28 × 28, whose x_0-prediction is one fma per value. 256 images over 50 steps; one operation = one pixel-step, so the
/// figure compares directly with B (the fused oracle chain kernel): the difference is the sampler's overhead (the
/// denoiser call, its finite check, the x̂_0/ε̂ conversion) on top of the same fused step kernel.
/// </summary>
public class SamplerBenchmarks : BatchBenchmarks
{
    /// <summary>The chain's steps (DDPM's 1000 respaced to 50, trailing).</summary>
    public const int Steps = 50;

    private const int PixelSteps = Workload.Images * Workload.Pixels * Steps;

    private readonly RespacedSchedule _plan;
    private readonly IBatchDenoiser<float> _denoiser;
    private readonly ImageBatch<float> _start, _one;

    public SamplerBenchmarks()
    {
        _plan = RespacedSchedule.Uniform(Work.Schedule, Steps);
        var mean = new double[Workload.Pixels];
        var variance = new double[Workload.Pixels];
        for (int j = 0; j < mean.Length; j++)
        {
            mean[j] = Work.X0[j];
            variance[j] = 0.05 + 0.1 * (j % 7);
        }
        _denoiser = new DiagonalGaussianData(1, 28, 28, mean, variance).Denoiser<float>(Work.Schedule, PredictionTarget.X0);
        _start = ImageBatch<float>.FromValues(Workload.Images, 1, 28, 28, Work.Xt);
        _one = _start.Slice(0, 1);
    }

    [Benchmark(OperationsPerInvoke = PixelSteps)]
    public ImageBatch<float> DdpmSamplerBatch() => new DdpmSampler().Run(
        new SamplerRun<float>(_plan, _denoiser, _start, ReverseSampler.ImageKeys(NextKey(), Workload.Images))
        {
            Parallel = Threads == 1 ? null : Workload.Parallel(Threads),
        });

    /// <summary>
    /// B's kernel in D's order: one posterior step for the whole batch at a time (PosteriorBatch), 50 times, so that the
    /// cost of stepping the batch step by step (as any batched denoiser forces) is seen apart from the sampler's own work.
    /// </summary>
    [Benchmark(OperationsPerInvoke = PixelSteps)]
    public void PosteriorStepsBatchMajor()
    {
        NoiseKey key = NextKey();
        float[] state = _stateA, next = _stateB;
        Work.Xt.CopyTo(state, 0);
        for (int step = Workload.ChainStart; step > Workload.ChainStart - Steps; step--)
        {
            PosteriorBatch.Sample(Work.Schedule, state, Work.X0, Workload.Pixels, step, key.Child((ulong)step), next);
            (state, next) = (next, state);
        }
    }

    /// <summary>
    /// D's denoiser alone: its 50 batch evaluations at the plan's timesteps and nothing else (the exact denoiser's cost
    /// does not depend on the values), so that D minus this is the sampler's own cost per pixel-step.
    /// </summary>
    [Benchmark(OperationsPerInvoke = PixelSteps)]
    public void DenoiserAlone()
    {
        foreach (ReverseStep step in _plan.Steps())
        {
            Array.Fill(_timesteps, step.Timestep);
            _denoiser.Predict(_start, _timesteps, _prediction, Span<float>.Empty);
        }
    }

    private readonly int[] _timesteps = new int[Workload.Images];
    private readonly float[] _prediction = new float[Workload.Images * Workload.Pixels];

    private readonly float[] _stateA = new float[Workload.Images * Workload.Pixels], _stateB = new float[Workload.Images * Workload.Pixels];

    /// <summary>One 28 × 28 image: the fixed cost of a step; one operation = one step.</summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    public ImageBatch<float> DdpmSamplerOneImage() => new DdpmSampler().Run(new SamplerRun<float>(_plan, _denoiser, _one, [NextKey()]));
}
