using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text.Json;
using System.Text.Json.Serialization;
using Diffusion.Cli.Infrastructure;
using Diffusion.Functional.Batches;
using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Schedules;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>diffusion bench</c>: a quick in-process measurement of the batch kernels on this machine, on the workload of
/// docs/performance.md (256 MNIST-sized float32 images), so that anyone can compare with PyTorch on their hardware.
/// BenchmarkDotNet (benchmarks/Diffusion.Benchmarks) gives the published figures; this is the two-minute version.
/// </summary>
internal static class BenchCommand
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

    private const double MinSeconds = 0.01, MaxSeconds = 8.0;

    /// <summary>Timed rounds per kernel; the median is reported, so a burst of other work on the machine is ignored.</summary>
    private const int Rounds = 5;

    /// <summary>What <c>diffusion bench</c> measured; the JSON names are part of the CLI's contract.</summary>
    /// <param name="ForwardImagesPerSecond">A: images noised per second by q(x_t | x_0) with a random t each.</param>
    /// <param name="ChainPixelStepsPerSecond">B: pixel-steps per second of the oracle posterior chain.</param>
    /// <param name="NoiseSamplesPerSecond">C: N(0, 1) float32 samples per second.</param>
    /// <param name="SamplerPixelStepsPerSecond">D: pixel-steps per second of batched float32 DDPM sampling with an exact denoiser.</param>
    /// <param name="SamplerStepMicrosecondsOneImage">D for a batch of one 28×28 image: microseconds per step (the fixed cost of a step).</param>
    /// <param name="Threads">The number of threads the kernels were allowed.</param>
    /// <param name="NoisePath">The instruction set of the generator: Vector512, Vector256 or Scalar.</param>
    public sealed record Result(
        [property: JsonPropertyName("forward_images_per_s")] double ForwardImagesPerSecond,
        [property: JsonPropertyName("chain_pixel_steps_per_s")] double ChainPixelStepsPerSecond,
        [property: JsonPropertyName("noise_samples_per_s")] double NoiseSamplesPerSecond,
        [property: JsonPropertyName("sampler_pixel_steps_per_s")] double SamplerPixelStepsPerSecond,
        [property: JsonPropertyName("sampler_step_us_one_image")] double SamplerStepMicrosecondsOneImage,
        [property: JsonPropertyName("threads")] int Threads,
        [property: JsonPropertyName("noise_path")] string NoisePath);

    /// <summary>Builds the command.</summary>
    public static Command Create(CliConsole console)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object (forward_images_per_s, chain_pixel_steps_per_s, noise_samples_per_s, sampler_pixel_steps_per_s, sampler_step_us_one_image, threads, noise_path) instead of a table." };
        var threads = new Option<int>("--threads")
        {
            Description = "Threads the kernels may use, ≥ 1; default: one per core. Use 1 to compare with single-threaded figures.",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        }.AsWholeNumber($"≥ 1 (above this machine's {Environment.ProcessorCount} cores it is clamped to them)");
        var seconds = new Option<double>("--seconds")
        {
            Description = $"Measuring time per kernel in seconds, in [{MinSeconds}, {MaxSeconds}] (plus half as much warm-up); default 2, about 10 s in all. Short times measure before the JIT has optimised the kernels.",
            DefaultValueFactory = _ => 2.0,
        }.AsRealNumber($"[{MinSeconds}, {MaxSeconds}]");

        var command = new Command("bench",
            $"Measure the batch kernels on this machine: A forward noising ({Images} images of 28×28, a random t each), B the oracle posterior chain ({ChainStart - ChainStop} steps), C N(0, 1) noise, D the batched DDPM sampler with an exact denoiser. Prints images/s, pixel-steps/s and samples/s.")
        {
            json, threads, seconds,
        };
        command.SetAction(parsed => console.Run(() =>
        {
            int threadCount = parsed.GetValue(threads);
            if (threadCount < 1)
                throw new UsageException($"--threads {threadCount} is not allowed; give at least 1 thread.");
            double duration = parsed.GetValue(seconds);
            if (!(duration >= MinSeconds && duration <= MaxSeconds))
                throw new UsageException($"--seconds {duration.ToString(CultureInfo.InvariantCulture)} is outside [{MinSeconds}, {MaxSeconds}].");
            if (threadCount > Environment.ProcessorCount)
            {
                // More threads than cores cannot run at once; the kernels clamp to the cores, and the result says so.
                console.Error.WriteLine($"note: --threads {threadCount} is more than this machine's {Environment.ProcessorCount} cores; measuring with {Environment.ProcessorCount}.");
                threadCount = Environment.ProcessorCount;
            }

            Result result = Measure(threadCount, duration);
            console.Output.Write(parsed.GetValue(json) ? ToJson(result) : ToText(result));
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Measures A, B and C with <paramref name="threads"/> threads, each for <paramref name="seconds"/> after a warm-up of half that.</summary>
    public static Result Measure(int threads, double seconds)
    {
        var schedule = NoiseSchedule.Linear(1000, 1e-4, 0.02);
        var random = new Random(20200619);
        float[] x0 = Enumerable.Range(0, Images * Pixels).Select(_ => (float)((2 * random.NextDouble()) - 1)).ToArray();
        int[] timesteps = Enumerable.Range(0, Images).Select(_ => random.Next(1, schedule.Steps + 1)).ToArray();
        var xt = new float[x0.Length];
        ForwardBatch.Sample(schedule, x0, Pixels, Enumerable.Repeat(ChainStart, Images).ToArray(), NoiseKey.FromSeed(1), xt);
        var destination = new float[x0.Length];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
        ulong seed = 0;

        double forward = Throughput(Images, seconds, () => ForwardBatch.Sample(
            schedule, x0, Pixels, timesteps, NoiseKey.FromSeed(++seed), destination, parallel));
        double chain = Throughput((double)Images * Pixels * (ChainStart - ChainStop), seconds, () => OracleChainBatch.Run(
            schedule, x0, xt, Pixels, ChainStart, ChainStop, NoiseKey.FromSeed(++seed), destination, parallel));
        double noise = Throughput((double)Images * Pixels, seconds, () => NoiseBatch.Fill(
            NoiseKey.FromSeed(++seed), Pixels, destination, parallel));
        // D: DDPM (fixed-small) on 50 of the 1000 steps, with the exact x_0-denoiser of Gaussian data N(x0, diag(v)).
        var mean = x0.AsSpan(0, Pixels).ToArray().Select(v => (double)v).ToArray();
        var variance = Enumerable.Range(0, Pixels).Select(j => 0.05 + 0.1 * (j % 7)).ToArray();
        IBatchDenoiser<float> denoiser = new DiagonalGaussianData(1, 28, 28, mean, variance).Denoiser<float>(schedule, PredictionTarget.X0);
        RespacedSchedule plan = RespacedSchedule.Uniform(schedule, SamplerSteps);
        var start = ImageBatch<float>.FromValues(Images, 1, 28, 28, xt);
        ImageBatch<float> one = start.Slice(0, 1);
        var sampler = new DdpmSampler();
        double sampling = Throughput((double)Images * Pixels * SamplerSteps, seconds, () => sampler.Run(
            new SamplerRun<float>(plan, denoiser, start, ReverseSampler.ImageKeys(NoiseKey.FromSeed(++seed), Images)) { Parallel = threads == 1 ? null : parallel }));
        double stepsOfOne = Throughput(SamplerSteps, seconds, () => sampler.Run(new SamplerRun<float>(plan, denoiser, one, [NoiseKey.FromSeed(++seed)])));
        return new Result(Math.Round(forward), Math.Round(chain), Math.Round(noise), Math.Round(sampling), Math.Round(1e6 / stepsOfOne, 2), threads, NoisePathName());
    }

    /// <summary>
    /// Units per second of <paramref name="call"/>: a warm-up of seconds/2 (so that tiered compilation has optimised the
    /// kernel: measuring before that costs about 4×), then the median of <see cref="Rounds"/> rounds of seconds/Rounds.
    /// </summary>
    private static double Throughput(double unitsPerCall, double seconds, Action call)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds / 2) call();
        var rates = new double[Rounds];
        for (int round = 0; round < Rounds; round++)
        {
            long calls = 0;
            clock.Restart();
            do
            {
                call();
                calls++;
            }
            while (clock.Elapsed.TotalSeconds < seconds / Rounds);
            rates[round] = calls * unitsPerCall / clock.Elapsed.TotalSeconds;
        }
        Array.Sort(rates);
        return rates[Rounds / 2];
    }

    /// <summary>The generator's path on this machine (the same test as <c>GaussianStream512.IsSupported</c> and its Vector256 fallback).</summary>
    private static string NoisePathName() =>
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Avx512DQ.IsSupported ? "Vector512"
        : Vector256.IsHardwareAccelerated ? "Vector256"
        : "Scalar";

    /// <summary>The result as one indented JSON object.</summary>
    public static string ToJson(Result result) =>
        JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }) + "\n";

    /// <summary>The result as a short table, with the PyTorch figures of issue 5 for comparison.</summary>
    public static string ToText(Result r)
    {
        static string Si(double value) => value >= 1e9
            ? (value / 1e9).ToString("F2", CultureInfo.InvariantCulture) + " G"
            : (value / 1e6).ToString("F2", CultureInfo.InvariantCulture) + " M";
        string Row(string label, double value, string unit) => $"  {label,-58}{Si(value),10} {unit}";
        return string.Join('\n',
            $"diffusion bench: {Images} float32 images of 28×28, DDPM linear schedule (T = 1000), {r.Threads} thread{(r.Threads == 1 ? "" : "s")}, {r.NoisePath} noise path",
            Row("A  forward noising q(x_t | x_0), a random t per image", r.ForwardImagesPerSecond, "images/s"),
            Row($"B  oracle posterior chain, {ChainStart - ChainStop} steps (t = {ChainStart} → {ChainStop})", r.ChainPixelStepsPerSecond, "pixel-steps/s"),
            Row("C  N(0, 1) noise, one stream per image", r.NoiseSamplesPerSecond, "samples/s"),
            Row($"D  DDPM sampler, exact Gaussian denoiser, {SamplerSteps} steps", r.SamplerPixelStepsPerSecond, "pixel-steps/s"),
            $"  {"   one image: microseconds per step",-58}{r.SamplerStepMicrosecondsOneImage.ToString("F2", CultureInfo.InvariantCulture),10} µs",
            "PyTorch 1.13 / TorchSharp 0.107 on one thread of a 2-core AMD EPYC (Zen 4), as measured for issue 5:",
            "     0.38 M images/s, 0.30 G pixel-steps/s, 0.33 G samples/s. See docs/performance.md.",
            "");
    }
}
