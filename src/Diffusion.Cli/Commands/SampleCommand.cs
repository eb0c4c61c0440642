using System.CommandLine;
using System.Globalization;
using Diffusion.Cli.Infrastructure;
using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Data.Npy;
using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Plots;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>diffusion sample</c>: digits generated from pure noise by DDPM (Ho et al. 2020, Algorithm 2) or DDIM (Song et al.
/// 2021, eq. 12) with the empirical denoiser of MNIST digits, E[x_0 | x_t] over the training set (no network): the
/// optimal denoiser of a finite data set, so every sample is one of its digits.
/// </summary>
internal static class SampleCommand
{
    /// <summary>
    /// The most digits one run generates: 10,000 (a 31 MB .npy). Each costs N steps × M training digits × H·W pixels
    /// (10 steps of the 1,000-digit sample take about 0.1 s a digit, of a 60,000-digit MNIST about 6 s).
    /// </summary>
    public const int MaxCount = 10_000;

    /// <summary>The most digits a .png grid shows: 256, a 16 × 16 grid of 2400 × 2900 pixels; more is an .npy's job.</summary>
    public const int MaxGridCount = 256;

    /// <summary>
    /// The largest training set, in pixels: 2²⁸ (2 GiB as the doubles the empirical denoiser computes with; about
    /// 342,000 digits of 28 × 28). MNIST's 60,000 digits take 376 MB.
    /// </summary>
    public const long MaxTrainingPixels = 1L << 28;

    /// <summary>Builds the command.</summary>
    public static Command Create(CliConsole console)
    {
        NoiseSchedule schedule = CanonicalSchedules.Ddpm;
        var sampler = new Option<string>("--sampler")
        {
            Description = $"The sampler, one of {string.Join(", ", SamplerRegistry.Names)} ('diffusion samplers' lists what each does).",
            Required = true,
        };
        var steps = new Option<int>("--steps")
        {
            Description = $"N, the steps of the chain, 1..{schedule.Steps}: N of DDPM's {schedule.Steps} steps, evenly spaced and ending at t = {schedule.Steps} "
                + "(round(i·T/N), i = 1..N; diffusers' \"trailing\"). The last step outputs x̂_0 at the smallest kept step, round(1000/N): from N = 10 "
                + "on the samples are single training digits; with fewer steps some are blends of several, and N = 1 gives nearly the mean of all digits.",
            Required = true,
        }.AsWholeNumber($"1..{schedule.Steps}");
        var samplerSettings = new SamplerSettingsOptions();
        var count = new Option<int>("--count")
        {
            Description = $"K, how many digits, 1..{MaxCount} (at most {MaxGridCount} in a .png grid); sample k uses the key FromSeed(seed).Child(k).",
            DefaultValueFactory = _ => 1,
        }.AsWholeNumber($"1..{MaxCount}");
        var seed = DigitSource.SeedOption();
        var mnist = DigitSource.MnistOption();
        var output = new Option<string>("--out")
        {
            Description = "The file: .png for a picture (a grid of the K samples, each captioned with the training digit it reproduced), "
                + ".npy for the float32 array (K, 28, 28) in [−1, 1].",
            Required = true,
        };
        NetworkSampling.Options network = NetworkSampling.CreateOptions();
        var command = new Command("sample",
            $"Generate digits from pure noise x_T ~ N(0, I) with DDPM's schedule (linear, T = {schedule.Steps}, β 1e-4 → 0.02) and the empirical denoiser "
            + "x̂_0 = E[x_0 | x_t] = Σ_m softmax(−‖x_t − √ᾱ_t·x^(m)‖²/(2(1 − ᾱ_t)))·x^(m) of the training digits (the shipped sample's 1,000, or every digit "
            + "of --mnist DIR): the optimal denoiser of a finite data set, which reproduces its digits. Each digit also names the training digit it is.")
        {
            sampler, steps, count, seed, mnist, output,
        };
        foreach (Option option in samplerSettings.All) command.Options.Add(option);
        var chainOptions = new SampleChainOptions();
        foreach (Option option in chainOptions.All) command.Options.Add(option);
        foreach (Option option in network.All) command.Options.Add(option);
        command.SetAction(parsed => console.Run(() =>
        {
            string path = parsed.GetValue(output)!;
            ImageFileKind kind = ImageOutput.KindOf(path);
            SamplerEntry entry = SamplerRegistry.TryFind(parsed.GetValue(sampler))
                ?? throw new UsageException($"--sampler '{parsed.GetValue(sampler)}' is not a sampler; the samplers are: {string.Join(", ", SamplerRegistry.Names)}.");
            int n = parsed.GetValue(steps), k = parsed.GetValue(count);
            if (n < 1 || n > schedule.Steps)
                throw new UsageException($"--steps {n} is outside 1..{schedule.Steps}: the chain keeps N of DDPM's {schedule.Steps} steps.");
            SamplerOptions options = samplerSettings.Read(parsed, entry);
            if (k < 1)
                throw new UsageException($"--count {k} is less than 1: give how many digits to generate.");
            if (k > MaxCount)
                throw new UsageException($"--count {k} is more than {MaxCount}: each digit runs the whole chain against every training digit; run several seeds for more.");
            if (kind == ImageFileKind.Png && k > MaxGridCount)
                throw new UsageException($"--count {k} is more than a .png grid shows ({MaxGridCount}); write an .npy for more digits.");
            AtomicFileSet.RequireDistinctFiles([(path, "--out")]);
            var (plan, chainText) = chainOptions.Plan(parsed, schedule, n);
            if (NetworkSampling.Requested(parsed, network))
            {
                if (parsed.GetResult(mnist) is { Implicit: false })
                    throw new UsageException("--mnist sets the empirical denoiser's training digits; with --model the network is the denoiser.");
                return NetworkSampling.Run(console, parsed, network, entry, entry.Create(options), plan, chainText, k, parsed.GetValue(seed), path, kind);
            }
            NetworkSampling.RejectWithoutModel(parsed, network);

            MnistDigits digits = DigitSource.Load(parsed.GetValue(mnist));
            long trainingPixels = (long)digits.Count * digits.Width * digits.Height;
            if (trainingPixels > MaxTrainingPixels)
                throw new UsageException($"--mnist {parsed.GetValue(mnist)}: {digits.Count} digits of {digits.Width}×{digits.Height} are {trainingPixels} pixels, "
                    + $"more than the empirical denoiser takes ({MaxTrainingPixels}, {MaxTrainingPixels * sizeof(double) >> 30} GiB as doubles).");
            var training = new EmpiricalData(DigitSource.TrainingSet(digits));
            ISampler settings = entry.Create(options);
            ulong seedValue = parsed.GetValue(seed);
            // the exact posterior mean at any σ: on the grid the bits of training.Denoiser, between levels for dpm2 & co.
            IContinuousDenoiser<double> denoiser = training.ContinuousDenoiser<double>(schedule);
            ImageBatch<double> samples = ReverseSampler.Generate(settings, plan, denoiser, k, 1, digits.Height, digits.Width, NoiseKey.FromSeed(seedValue));

            Image[] images = Enumerable.Range(0, samples.Count).Select(i => samples.ToImage(i)).ToArray();
            int[] nearest = images.Select(training.NearestIndex).ToArray();
            string settingsText = SamplerSettingsOptions.Describe(options);
            string what = $"{Describe(entry, options.Eta)}{(settingsText.Length == 0 ? "" : $" ({settingsText})")}, {n} steps" + (chainText.Length == 0 ? "" : $" ({chainText})");
            byte[] bytes = kind switch
            {
                ImageFileKind.Npy => NpyFile.Encode(images),
                ImageFileKind.Png when k == 1 => ImagePicture.RenderPng(images[0], $"x₀: {what}, seed {seedValue}\n= training digit {nearest[0]}"),
                ImageFileKind.Png => ImagePicture.RenderGridPng(images,
                    $"{k} digits from pure noise: {what}, seed {seedValue}\nempirical denoiser of {digits.Count} digits; “k: m” = sample k is training digit m",
                    nearest.Select((m, i) => $"{i}: {m}").ToArray()),
                _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"{kind} is not an ImageFileKind."),
            };
            AtomicFile.WriteAllBytes(path, bytes);

            console.Output.WriteLine($"wrote {path}: {k} digit{(k == 1 ? "" : "s")} from pure noise by {what} of {schedule.Steps}, with the empirical denoiser of {digits.Count} digits of {digits.Source}, seed {seedValue}");
            for (int i = 0; i < images.Length; i++)
            {
                double distance = images[i].MaxAbsDifference(training.Images.ToImage(nearest[i]));
                console.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"sample {i}: training digit {nearest[i]} (class {digits.Label(nearest[i])}), max |x_0 − digit| = {distance:G3}"));
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string Describe(SamplerEntry entry, double eta) => entry.Name switch
    {
        "ddpm" => "DDPM (σ² = β̃)",
        "ddim" => $"DDIM (η = {eta.ToString(CultureInfo.InvariantCulture)})",
        _ => entry.Name,
    };
}
