// Sampling from pure noise with denoisers whose optimum is known exactly, so no network is needed: Gaussian data
// N(μ, σ²), whose samples must come back with mean μ and variance σ², and the 1,000 MNIST digits shipped with the
// library, whose samples are digits.
//
//   dotnet run docs/examples/sampling-exact-denoiser.cs -- [digits.png]
//
// Outside this repository, replace the two #:project lines by
//   #:package Diffusion.Functional.Data@1.0.0
//   #:package Diffusion.Functional.Plots@1.0.0
#:project ../../src/Diffusion.Functional.Data/Diffusion.Functional.Data.csproj
#:project ../../src/Diffusion.Functional.Plots/Diffusion.Functional.Plots.csproj

using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Plots;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

// ## The model's schedule: DDPM's, T = 1000
// ᾱ_1000 = 4.0e-5, so x_1000 is pure noise to within √ᾱ = 0.006 of the data: a chain may start from N(0, I).
NoiseSchedule schedule = NoiseSchedule.Linear(1000, 1e-4, 0.02);
Console.WriteLine($"Schedule: {schedule}, ᾱ_T = {schedule.AlphaBar(1000):G3}");

// ## Gaussian data N(μ, σ²)
// Its optimal denoiser is linear and known exactly: E[x_0 | x_t] = μ + √ᾱ·σ²/(ᾱσ² + 1 − ᾱ)·(x_t − √ᾱ·μ). Every pixel of
// an image runs its own chain with its own noise, so one 100 × 100 image from pure noise is n = 10,000 independent
// samples. Their mean and variance must be μ and σ² to within the sampling error (4 standard errors: σ/√n for the
// mean, σ²·√(2/(n − 1)) for the variance) plus the chain's own small error from its finite steps (docs/sampling.md
// tabulates it: DDPM's variance comes out as 0.2461 here, DDIM's as 0.2485, against 0.25).
const double mu = 0.3, sigma2 = 0.25;
const int side = 100, n = side * side;
var data = new GaussianData(Image.Filled(side, side, mu), sigma2);
Denoiser gaussianDenoiser = data.Denoiser(schedule, PredictionTarget.Epsilon);
RespacedSchedule allSteps = RespacedSchedule.Full(schedule);
double meanTolerance = 4 * Math.Sqrt(sigma2 / n), varianceTolerance = 4 * sigma2 * Math.Sqrt(2.0 / (n - 1));
(string Name, ISampler Settings)[] samplers =
[
    ("DDPM (σ² = β̃)", new DdpmSampler(DdpmVariance.FixedSmall)),   // Ho et al. 2020, Algorithm 2
    ("DDIM (η = 0)", new DdimSampler(Eta: 0.0)),                   // Song et al. 2021, eq. 12: deterministic
    ("DDIM (η = 1)", new DdimSampler(Eta: 1.0)),                   // the same law as DDPM's
];
Console.WriteLine($"Gaussian data N({mu}, {sigma2}): n = {n} samples per sampler, tolerances ±{meanTolerance:F4} (mean) and ±{varianceTolerance:F4} (variance)");
for (int s = 0; s < samplers.Length; s++)
{
    Image x0 = ReverseSampler.Generate(allSteps, gaussianDenoiser, samplers[s].Settings, side, side, NoiseKey.FromSeed(7).Child((ulong)s));
    double[] values = x0.ToArray();
    double mean = values.Average();
    double variance = values.Sum(v => (v - mean) * (v - mean)) / (n - 1);
    bool reproduces = Math.Abs(mean - mu) <= meanTolerance && Math.Abs(variance - sigma2) <= varianceTolerance;
    Console.WriteLine($"  {samplers[s].Name}, {allSteps.Count} steps: mean {mean:F4}, variance {variance:F4}: " +
                      (reproduces ? "reproduces N(μ, σ²)" : "DOES NOT reproduce N(μ, σ²)"));
}

// ## MNIST digits from pure noise
// The empirical distribution of a training set x^(1..M) also has a closed-form optimal denoiser: E[x_0 | x_t] is a
// softmax-weighted average of the training images (EmpiricalData). It is what a network trained to perfection on these
// digits would compute, and it memorises them: every sample ends on one training digit. DDIM with 50 of the 1000 steps.
MnistDigits digits = MnistSample.Load();
var training = new EmpiricalData(ImageBatch<double>.FromImages(Enumerable.Range(0, digits.Count).Select(i => digits.Image(i)).ToArray()));
Denoiser digitDenoiser = training.Denoiser(schedule, PredictionTarget.X0);
RespacedSchedule fiftySteps = RespacedSchedule.Uniform(schedule, 50);   // t = 20, 40, …, 1000
ImageBatch<double> samples = ReverseSampler.GenerateMany(fiftySteps, digitDenoiser, new DdimSampler(Eta: 0.0), 28, 28, 8, NoiseKey.FromSeed(42));
Console.WriteLine($"MNIST: {samples.Count} digits from pure noise, DDIM (η = 0) on {fiftySteps.Count} steps, empirical denoiser of {digits.Count} digits");
var captions = new List<string>();
for (int k = 0; k < samples.Count; k++)
{
    int nearest = training.NearestIndex(samples[k]);
    double distance = samples[k].MaxAbsDifference(training.Images[nearest]);
    captions.Add($"{k}: {nearest}");
    Console.WriteLine($"  sample {k}: training digit {nearest} (class {digits.Label(nearest)}), max |x_0 − digit| = {distance:G3}");
}

// The samples as one picture, each captioned with the training digit it is.
string path = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "sampling-exact-denoiser.png");
File.WriteAllBytes(path, ImagePicture.RenderGridPng(samples.Images().ToArray(), "8 digits from pure noise: DDIM (η = 0), 50 steps\n“k: m” = sample k is training digit m", captions));
Console.WriteLine($"Picture: {path}");
