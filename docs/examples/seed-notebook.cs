// The seed notebook "DDPM reverse transition kernel" (docs/seed.md), redone cell by cell with Diffusion.Functional.
//
//   dotnet run docs/examples/seed-notebook.cs -- [figure.png]
//
// Outside this repository, replace the two #:project lines by
//   #:package Diffusion.Functional.Data@1.0.0
//   #:package Diffusion.Functional.Plots@1.0.0
#:project ../../src/Diffusion.Functional.Data/Diffusion.Functional.Data.csproj
#:project ../../src/Diffusion.Functional.Plots/Diffusion.Functional.Plots.csproj

using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Plots;
using Diffusion.Functional.Processes;
using Diffusion.Functional.Schedules;

// ## Load a single image from MNIST
// The seed takes torchvision's dataset[0], a 5. The same digit ships inside Diffusion.Functional.Data, so nothing is
// downloaded: the first 5 of the sample is MNIST's training image 0. Pixels are scaled to [−1, 1] as in DDPM §3.3
// (the seed's ToTensor gives [0, 1]; pass PixelRange.Unit to get that).
MnistDigits digits = MnistSample.Load();
int five = digits.IndexOfFirst(5);
Image x0 = digits.Image(five);
Console.WriteLine($"x_0: digit {five} of the shipped sample, class {digits.Label(five)}, {x0.Width}×{x0.Height}, " +
                  $"pixels in [{x0.Pixels.ToArray().Min()}, {x0.Pixels.ToArray().Max()}]");

// ## Define the noise schedule
// β_t linear from 1e-4 to 0.02 over T = 200 steps. Steps are 1-based, as in the paper: x_t has been noised t times,
// so the seed's 0-based alpha_bar[-1] is our ᾱ_200.
NoiseSchedule schedule = NoiseSchedule.Linear(200, 1e-4, 0.02);
Console.WriteLine($"Schedule created for {schedule.Steps} timesteps: {schedule}");
Console.WriteLine($"ᾱ_200 = {schedule.AlphaBar(200):F4}");

// ## The forward diffusion, q(x_100 | x_0)
// x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε (DDPM eq. 4), with a plus sign (the seed subtracts ε, which breaks every identity
// that names ε). Randomness is explicit: ε is the stream named by a NoiseKey, the same numbers on every machine.
Image x100 = ForwardProcess.Sample(schedule, x0, 100, NoiseKey.FromSeed(42));
// The noise can be read back from x_100 exactly, because we know x_0: ε = (x_t − √ᾱ_t·x_0) / √(1 − ᾱ_t).
double[] epsilon = x100.Minus(x0.Scaled(schedule.SqrtAlphaBar(100))).Scaled(1 / schedule.SqrtOneMinusAlphaBar(100)).ToArray();
double mean = epsilon.Average();
double sd = Math.Sqrt(epsilon.Sum(e => (e - mean) * (e - mean)) / (epsilon.Length - 1));
Console.WriteLine($"x_100 = {schedule.SqrtAlphaBar(100):F4}·x_0 + {schedule.SqrtOneMinusAlphaBar(100):F4}·ε, " +
                  $"ε over {epsilon.Length} pixels: mean {mean:F3}, sd {sd:F3}");

// ## The reverse process, q(x_99 | x_100, x_0)
// The seed writes the posterior out by hand ("Lemma 2.2.2"); it is DDPM eq. 7. Posterior.Kernel holds the same two
// weights and variance, precomputed in double with 1 − ᾱ kept accurate (docs/posterior.md derives them).
double byHandX0 = Math.Sqrt(schedule.AlphaBar(99)) * schedule.Beta(100) / (1 - schedule.AlphaBar(100));
double byHandXt = Math.Sqrt(schedule.Alpha(100)) * (1 - schedule.AlphaBar(99)) / (1 - schedule.AlphaBar(100));
double byHandVariance = (1 - schedule.AlphaBar(99)) / (1 - schedule.AlphaBar(100)) * schedule.Beta(100);
PosteriorKernel kernel = Posterior.Kernel(schedule, 100);
GaussianImage x99 = Posterior.Of(schedule, x100, x0, 100);   // N(μ̃_100, β̃_100·I), pixel by pixel
Console.WriteLine($"q(x_99 | x_100, x_0): μ̃ = {kernel.CoefX0:F6}·x_0 + {kernel.CoefXt:F6}·x_100, β̃ = {x99.Variance:F6}");
Console.WriteLine($"  by hand (DDPM eq. 7):  {byHandX0:F6}·x_0 + {byHandXt:F6}·x_100, β̃ = {byHandVariance:F6}");

// ## Visualization: the oracle chain from x_50 down to x_0
// The seed starts at step 50 and loops `for t in range(50, 0, -1)`, which stops at x_1. OracleChain.Run takes every
// step down to x_0; the last has β̃_1 = 0 and mean x_0, so the chain lands on x_0 exactly. The keys are those of the
// catalogue's seed-reverse figure, so the figure below draws these very states.
NoiseKey figureKey = FigureCatalogue.KeyFor(FigureId.SeedReverse, FigureCatalogue.DefaultSeed);
Image x50 = ForwardProcess.Sample(schedule, x0, 50, figureKey.Child(0));
ChainState[] chain = OracleChain.Run(schedule, x0, x50, 50, figureKey.Child(1)).ToArray();
ChainState end = chain[^1];
Console.WriteLine($"Denoising from step {chain[0].Step} down to {end.Step}: {chain.Length - 1} steps");
Console.WriteLine($"  x_1, where the seed stopped: max |x_1 − x_0| = {chain[^2].X.MaxAbsDifference(x0):F4}");
Console.WriteLine($"  x_0 reached exactly: {end.X.Equals(x0)}");
Console.WriteLine($"  noise removed, x_50 − x_0: max |·| = {x50.Minus(end.X).Pixels.ToArray().Max(Math.Abs):F4}");

// The four panels: original, start, end, noise removed. FigureData holds what every catalogue figure is drawn from:
// the schedule, the digits with their labels, and which digit the seed's figures show.
Image[] images = Enumerable.Range(0, digits.Count).Select(i => digits.Image(i)).ToArray();
int[] labels = Enumerable.Range(0, digits.Count).Select(digits.Label).ToArray();
FigureData data = FigureData.Create(schedule, images, labels, five);
Figure figure = FigureCatalogue.Get(FigureId.SeedReverse);
string path = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "seed-notebook.png");
File.WriteAllBytes(path, figure.RenderPng(data, figureKey));
Console.WriteLine($"Figure ({figure.Width}×{figure.Height}): {path}");
