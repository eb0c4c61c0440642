using System.Diagnostics;
using Diffusion.Functional.Batches;
using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

namespace Diffusion.Cli.Commands;

/// <summary>
/// What <c>diffusion bench</c> times: the workload of docs/performance.md (256 float32 images of 28 × 28, DDPM's linear
/// schedule with T = 1000) and the timing loop, which warms each kernel up until its rate is stable and then reports
/// the median and spread of several timed rounds. The same workload as benchmarks/Diffusion.Benchmarks (Workload.cs).
/// </summary>
internal sealed class BenchMeasurement
{
    /// <summary>Images in the batch.</summary>
    public const int Images = 256;

    /// <summary>Pixels per image: 28 × 28, as MNIST.</summary>
    public const int Pixels = 28 * 28;

    /// <summary>The chain runs t = 100 → 50: 50 steps, each drawing noise.</summary>
    public const int ChainStart = 100;

    /// <summary>The step the chain stops at.</summary>
    public const int ChainStop = 50;

    /// <summary>D samples on DDPM's 1000 steps respaced to 50.</summary>
    public const int SamplerSteps = 50;

    /// <summary>Timed rounds per kernel after the warm-up; the median is reported, min and max as the spread.</summary>
    public const int Rounds = 7;

    /// <summary>
    /// Warm: the last <see cref="StableWindow"/> warm-up rounds are within this fraction of each other (max/min − 1).
    /// 5 % is above the round-to-round noise of a quiet machine (1–3 % in BenchmarkDotNet's iterations) and far below
    /// the 2–20× of code that tiered compilation has not yet optimised.
    /// </summary>
    public const double StableTolerance = 0.05;

    /// <summary>Consecutive warm-up rounds that must agree.</summary>
    public const int StableWindow = 3;

    /// <summary>Forward-noising calls of one 784-pixel image timed by <c>--first-calls</c> (issue 13).</summary>
    public const int FirstCalls = 1000;

    private readonly NoiseSchedule _schedule = NoiseSchedule.Linear(1000, 1e-4, 0.02);
    private readonly float[] _x0, _xt, _destination;
    private readonly int[] _timesteps;
    private readonly RespacedSchedule _plan;
    private readonly IBatchDenoiser<float> _denoiser;
    private readonly ImageBatch<float> _start, _one;
    private ulong _seed;

    public BenchMeasurement()
    {
        var random = new Random(20200619);
        _x0 = new float[Images * Pixels];
        for (int i = 0; i < _x0.Length; i++) _x0[i] = (float)((2 * random.NextDouble()) - 1);
        _timesteps = new int[Images];
        for (int i = 0; i < Images; i++) _timesteps[i] = random.Next(1, _schedule.Steps + 1);
        _xt = new float[_x0.Length];
        ForwardBatch.Sample(_schedule, _x0, Pixels, Enumerable.Repeat(ChainStart, Images).ToArray(), NoiseKey.FromSeed(1), _xt);
        _destination = new float[_x0.Length];
        // D: DDPM (fixed-small) on 50 of the 1000 steps, with the exact x_0-denoiser of Gaussian data N(x0, diag(v)).
        var mean = new double[Pixels];
        var variance = new double[Pixels];
        for (int j = 0; j < Pixels; j++)
        {
            mean[j] = _x0[j];
            variance[j] = 0.05 + (0.1 * (j % 7));
        }
        _denoiser = new DiagonalGaussianData(1, 28, 28, mean, variance).Denoiser<float>(_schedule, PredictionTarget.X0);
        _plan = RespacedSchedule.Uniform(_schedule, SamplerSteps);
        _start = ImageBatch<float>.FromValues(Images, 1, 28, 28, _xt);
        _one = _start.Slice(0, 1);
    }

    /// <summary>One kernel of the bench: its JSON name, unit, units per call and the call at a thread count.</summary>
    public sealed record Kernel(string Name, string Label, string Unit, double UnitsPerCall, Action Call);

    /// <summary>A, B, C, D and D for one image, run with <paramref name="threads"/> threads (1: on the calling thread, as BenchmarkDotNet's 1-thread figures).</summary>
    public IReadOnlyList<Kernel> Kernels(int threads)
    {
        ParallelOptions? parallel = threads == 1 ? null : new ParallelOptions { MaxDegreeOfParallelism = threads };
        var sampler = new DdpmSampler();
        return
        [
            new("forward", "A  forward noising q(x_t | x_0), a random t per image", "images/s", Images, () =>
            {
                if (parallel is null) ForwardBatch.Sample(_schedule, _x0, Pixels, _timesteps, NextKey(), _destination);
                else ForwardBatch.Sample(_schedule, _x0, Pixels, _timesteps, NextKey(), _destination, parallel);
            }),
            new("chain", $"B  oracle posterior chain, {ChainStart - ChainStop} steps (t = {ChainStart} → {ChainStop})", "pixel-steps/s",
                (double)Images * Pixels * (ChainStart - ChainStop), () =>
            {
                if (parallel is null) OracleChainBatch.Run(_schedule, _x0, _xt, Pixels, ChainStart, ChainStop, NextKey(), _destination);
                else OracleChainBatch.Run(_schedule, _x0, _xt, Pixels, ChainStart, ChainStop, NextKey(), _destination, parallel);
            }),
            new("noise", "C  N(0, 1) noise, one stream per image", "samples/s", (double)Images * Pixels, () =>
            {
                if (parallel is null) NoiseBatch.Fill(NextKey(), Pixels, _destination);
                else NoiseBatch.Fill(NextKey(), Pixels, _destination, parallel);
            }),
            new("sampler", $"D  DDPM sampler, exact Gaussian denoiser, {SamplerSteps} steps", "pixel-steps/s",
                (double)Images * Pixels * SamplerSteps, () => sampler.Run(
                    new SamplerRun<float>(_plan, _denoiser, _start, ReverseSampler.ImageKeys(NextKey(), Images)) { Parallel = parallel })),
            new("sampler_one_image", "   D, a batch of one image: steps per second", "steps/s", SamplerSteps,
                () => sampler.Run(new SamplerRun<float>(_plan, _denoiser, _one, [NextKey()]))),
        ];
    }

    private NoiseKey NextKey() => NoiseKey.FromSeed(++_seed);

    /// <summary>The rate of one kernel: median, min and max of the timed rounds, and how the warm-up went.</summary>
    /// <param name="Median">Units per second, the median of <see cref="Rounds"/> rounds.</param>
    /// <param name="Min">The slowest round.</param>
    /// <param name="Max">The fastest round.</param>
    /// <param name="WarmUpSeconds">Time spent warming up before the timed rounds.</param>
    /// <param name="Stable">Whether the warm-up ended because the rate was stable (false: the time ran out first).</param>
    /// <param name="MedianPerCpuSecond">
    /// Units per second of this process's CPU time (all its threads), the median over the same rounds: on a machine
    /// shared with other work and a 1-thread run pinned to one core, this is the rate while the kernel actually ran.
    /// </param>
    public sealed record Rate(double Median, double Min, double Max, double WarmUpSeconds, bool Stable, double MedianPerCpuSecond)
    {
        /// <summary>(max − min) / median.</summary>
        public double Spread => Median > 0 ? (Max - Min) / Median : 0;
    }

    /// <summary>
    /// Units per second of <paramref name="call"/>: warm-up rounds of <paramref name="seconds"/>/(2·Rounds) until the
    /// last <see cref="StableWindow"/> agree within <see cref="StableTolerance"/> or <paramref name="seconds"/> have
    /// gone by, then <see cref="Rounds"/> rounds of <paramref name="seconds"/>/Rounds each.
    /// </summary>
    public static Rate Measure(double unitsPerCall, double seconds, Action call)
    {
        double round = seconds / Rounds;
        var warmUp = new List<double>();
        var clock = Stopwatch.StartNew();
        bool stable = false;
        while (!stable && clock.Elapsed.TotalSeconds < seconds)
        {
            warmUp.Add(RoundRate(unitsPerCall, round / 2, call).Wall);
            stable = IsStable(warmUp);
        }
        double warmUpSeconds = clock.Elapsed.TotalSeconds;
        var rates = new double[Rounds];
        var cpuRates = new double[Rounds];
        for (int r = 0; r < Rounds; r++) (rates[r], cpuRates[r]) = RoundRate(unitsPerCall, round, call);
        Array.Sort(rates);
        Array.Sort(cpuRates);
        return new Rate(rates[Rounds / 2], rates[0], rates[^1], warmUpSeconds, stable, cpuRates[Rounds / 2]);
    }

    /// <summary>Whether the last <see cref="StableWindow"/> rates agree within <see cref="StableTolerance"/>.</summary>
    public static bool IsStable(IReadOnlyList<double> rates)
    {
        if (rates.Count < StableWindow) return false;
        double min = double.MaxValue, max = 0;
        for (int i = rates.Count - StableWindow; i < rates.Count; i++)
        {
            min = Math.Min(min, rates[i]);
            max = Math.Max(max, rates[i]);
        }
        return min > 0 && max / min - 1 <= StableTolerance;
    }

    private static (double Wall, double Cpu) RoundRate(double unitsPerCall, double seconds, Action call)
    {
        long calls = 0;
        TimeSpan cpuStart = Environment.CpuUsage.TotalTime;
        long start = Stopwatch.GetTimestamp();
        double elapsed;
        do
        {
            call();
            calls++;
            elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        while (elapsed < seconds);
        double cpu = (Environment.CpuUsage.TotalTime - cpuStart).TotalSeconds;
        return (calls * unitsPerCall / elapsed, cpu > 0 ? calls * unitsPerCall / cpu : 0);
    }

    /// <summary>
    /// What <c>--first-calls</c> measured: the first <see cref="FirstCalls"/> forward-noising calls of one 784-pixel
    /// image in this process, against the same number of calls once warm (median of 5 such runs).
    /// </summary>
    /// <param name="FirstCallMicroseconds">Call 1 alone (it includes compiling the code it runs).</param>
    /// <param name="FirstCallsMicroseconds">Calls 1 … 1000 together.</param>
    /// <param name="LaterCallsMicroseconds">Calls 2 … 1000 together.</param>
    /// <param name="SteadyMicroseconds">1000 calls once warm (the median of 5 runs, after at least 2 s and a stable rate).</param>
    /// <param name="SlowestHundred">The slowest of the first ten blocks of 100 calls, in µs per call.</param>
    /// <param name="FirstCallJitMicroseconds">Time the JIT spent compiling during call 1, on all threads (<c>JitInfo</c>).</param>
    /// <param name="FirstCallJitMethods">Methods compiled during call 1.</param>
    /// <param name="LaterCallsJitMethods">Methods compiled during calls 2 … 1000 (tiered compilation's re-compilations show here).</param>
    public sealed record FirstCallsResult(
        double FirstCallMicroseconds, double FirstCallsMicroseconds, double LaterCallsMicroseconds, double SteadyMicroseconds, double SlowestHundred,
        double FirstCallJitMicroseconds, long FirstCallJitMethods, long LaterCallsJitMethods)
    {
        /// <summary>The first 1000 calls over 1000 warm ones: issue 13 asks for at most 2.</summary>
        public double Ratio => FirstCallsMicroseconds / SteadyMicroseconds;

        /// <summary>Calls 2 … 1000 over 999 warm ones: the cost of running unoptimised code, without the one-time compilation.</summary>
        public double LaterRatio => LaterCallsMicroseconds / (SteadyMicroseconds * (FirstCalls - 1) / FirstCalls);
    }

    /// <summary>
    /// Times the first <see cref="FirstCalls"/> calls of <c>ForwardBatch.Sample</c> on one 28 × 28 image (on the calling
    /// thread, a new key each), then, once the rate of runs of 1000 is stable, 5 such runs; call it before anything else
    /// in the process has run the kernels.
    /// </summary>
    public static FirstCallsResult MeasureFirstCalls()
    {
        var schedule = NoiseSchedule.Linear(1000, 1e-4, 0.02);
        var x0 = new float[Pixels];
        var y = new float[Pixels];
        var random = new Random(20200619);
        for (int j = 0; j < Pixels; j++) x0[j] = (float)((2 * random.NextDouble()) - 1);
        int[] t = [500];
        NoiseKey root = NoiseKey.FromSeed(13);
        ulong n = 0;
        // Call 1 is timed alone and the others in blocks of 100, not one by one: two timestamps cost about 90 ns
        // here, 4 % of a warm call, which timing each call added to calls 2 … 1000 and not to the warm runs.
        const int Block = 100;
        var blocks = new double[FirstCalls / Block];
        TimeSpan jitBefore = System.Runtime.JitInfo.GetCompilationTime();
        long methodsBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
        long start = Stopwatch.GetTimestamp();
        ForwardBatch.Sample(schedule, x0, Pixels, t, root.Child(n++), y);
        double first = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        TimeSpan jitAfterFirst = System.Runtime.JitInfo.GetCompilationTime();
        long methodsAfterFirst = System.Runtime.JitInfo.GetCompiledMethodCount();
        for (int b = 0; b < blocks.Length; b++)
        {
            start = Stopwatch.GetTimestamp();
            for (int i = b == 0 ? 1 : 0; i < Block; i++) ForwardBatch.Sample(schedule, x0, Pixels, t, root.Child(n++), y);
            blocks[b] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        long methodsAfterAll = System.Runtime.JitInfo.GetCompiledMethodCount();
        // The warm reference: 2 s of calls, then runs of 1000 until three agree within 5 % (tiered compilation
        // re-compiles the kernels in these seconds, through a slower instrumented version; at most 10 s), then the
        // median of 5 runs.
        double Run()
        {
            long runStart = Stopwatch.GetTimestamp();
            for (int i = 0; i < FirstCalls; i++) ForwardBatch.Sample(schedule, x0, Pixels, t, root.Child(n++), y);
            return Stopwatch.GetElapsedTime(runStart).TotalMicroseconds;
        }

        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < 2) ForwardBatch.Sample(schedule, x0, Pixels, t, root.Child(n++), y);
        var warmRuns = new List<double>();
        while (!IsStable(warmRuns) && warm.Elapsed.TotalSeconds < 10) warmRuns.Add(1 / Run());
        var steady = new double[5];
        for (int r = 0; r < steady.Length; r++) steady[r] = Run();
        Array.Sort(steady);
        double later = blocks.Sum();
        double slowestHundred = Math.Max(first + blocks[0], blocks.Skip(1).Max()) / Block;   // block 0 holds calls 1 … 100
        return new FirstCallsResult(first, first + later, later, steady[steady.Length / 2], slowestHundred,
            (jitAfterFirst - jitBefore).TotalMicroseconds, methodsAfterFirst - methodsBefore, methodsAfterAll - methodsAfterFirst);
    }
}
