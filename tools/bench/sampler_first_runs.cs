// The first runs of a sampler in a fresh process against its warm runs: run 1 (the JIT), runs 2–101, and the median of
// 9 × 100 runs after 3 s, for one 28×28 image, 50 of DDPM's 1000 steps, the exact denoiser of Gaussian data (float32).
// Generic code is never precompiled, and in a process on one core it runs as tier-0 code for seconds unless it is
// marked to be optimised at its first call (docs/performance.md, "The samplers' first runs"):
//
//   for s in ddim euler heun dpmpp-2m unipc; do taskset -c 0 dotnet run -c Release tools/bench/sampler_first_runs.cs -- $s; done
#:project ../../src/Diffusion.Functional/Diffusion.Functional.csproj
#:property PublishAot=false

using System.Diagnostics;
using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

const int Pixels = 784;
var schedule = NoiseSchedule.Linear(1000, 1e-4, 0.02);
var mean = new double[Pixels]; var variance = new double[Pixels];
for (int j = 0; j < Pixels; j++) { mean[j] = (j % 11) / 5.0 - 1; variance[j] = 0.05 + 0.1 * (j % 7); }
var denoiser = new DiagonalGaussianData(1, 28, 28, mean, variance).Denoiser<float>(schedule, PredictionTarget.X0);
var plan = RespacedSchedule.Uniform(schedule, 50);
var startBatch = ImageBatch<float>.FromValues(1, 1, 28, 28, new float[Pixels].Select((_, i) => (float)Math.Sin(i)).ToArray());
var sampler = SamplerRegistry.Find(args[0]).Create(new SamplerOptions());
ulong n = 0;
void Call() => sampler.Run(new SamplerRun<float>(plan, denoiser, startBatch, [NoiseKey.FromSeed(n++)]));
double MicrosecondsPerRun(int runs)
{
    long start = Stopwatch.GetTimestamp();
    for (int i = 0; i < runs; i++) Call();
    return Stopwatch.GetElapsedTime(start).TotalMicroseconds / runs;
}

double first = MicrosecondsPerRun(1);
double next = MicrosecondsPerRun(100);
var warmUp = Stopwatch.StartNew();
while (warmUp.Elapsed.TotalSeconds < 3) Call();
var w = Enumerable.Range(0, 9).Select(_ => MicrosecondsPerRun(100)).Order().ToArray();
Console.WriteLine($"{args[0],-18} run 1 {first / 1000,6:F1} ms; runs 2-101 {next,7:F1} us/run; warm {w[4],7:F1} us/run; runs 2-101 / warm {next / w[4]:F2}x");
