using System.CommandLine;
using System.Globalization;
using Diffusion.Cli.Infrastructure;
using Diffusion.Functional.Data.Npy;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Onnx;
using Diffusion.Functional.Plots;
using Diffusion.Functional.Sampling;
using Spectre.Console;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>diffusion sample --model</c>: digits from a class-conditional ε-prediction ONNX network of the shipped UNet's
/// convention (docs/network.md), optionally with classifier-free guidance (Ho &amp; Salimans 2022, eq. 6, w = diffusers'
/// guidance_scale; rescale φ of Lin et al. 2023, eq. 16), through any registered sampler.
/// </summary>
internal static class NetworkSampling
{
    /// <summary>The options this part adds to <c>diffusion sample</c>.</summary>
    public sealed record Options(Option<string> Model, Option<int?> Class, Option<double> Guidance, Option<double> Rescale)
    {
        public IEnumerable<Option> All => [Model, Class, Guidance, Rescale];
    }

    /// <summary>Builds the options.</summary>
    public static Options CreateOptions() => new(
        new Option<string>("--model")
        {
            Description = "A denoising network instead of the empirical denoiser: 'default' for the shipped class-conditional MNIST UNet "
                + "(docs/network.md), or the path of an ONNX model of its convention (sample [N,1,28,28], timestep [N] 0-based, "
                + "class_labels [N] with 0..9 and 10 = unconditional; ε-prediction on DDPM's linear schedule). The samplers that evaluate "
                + "the denoiser between the grid's timesteps ('off-grid D' in `diffusion samplers`) need a float32 or float64 timestep input, "
                + "as the shipped UNet has; a model with an int64 one runs the others.",
        },
        new Option<int?>("--class")
        {
            Description = "With --model: the class 0..9 of every digit. Without it the digits are unconditional (label 10).",
        },
        new Option<double>("--guidance")
        {
            Description = "With --model and --class: classifier-free guidance scale w, ε̂ = ε_∅ + w·(ε_y − ε_∅) (diffusers' guidance_scale; "
                + "Ho & Salimans' w + 1): 1 (the default) is the conditional model alone, 0 the unconditional one, > 1 guided; "
                + "w ≠ 1 runs both in one batched call per evaluation.",
            DefaultValueFactory = _ => 1.0,
        }.AsRealNumber("a finite number"),
        new Option<double>("--guidance-rescale")
        {
            Description = "With --guidance: φ ∈ [0, 1] of Lin et al. 2023, eq. 16, pulling each guided ε̂ toward the conditional ε's standard deviation; 0 (the default) is none.",
            DefaultValueFactory = _ => 0.0,
        }.AsRealNumber("[0, 1]")
        );

    /// <summary>True when --model was given.</summary>
    public static bool Requested(ParseResult parsed, Options options) => parsed.GetResult(options.Model) is { Implicit: false };

    /// <summary>The network options make sense only with --model.</summary>
    public static void RejectWithoutModel(ParseResult parsed, Options options)
    {
        foreach (Option option in new Option[] { options.Class, options.Guidance, options.Rescale })
            if (parsed.GetResult(option) is { Implicit: false })
                throw new UsageException($"{option.Name} applies only with --model (a class-conditional network); the empirical denoiser has no classes.");
    }

    /// <summary>The digits from the network: checks the options, loads the model, samples, writes <paramref name="path"/>.</summary>
    public static int Run(CliConsole console, ParseResult parsed, Options options, SamplerEntry entry, ISampler sampler, RespacedSchedule plan,
        string chainText, int count, ulong seed, string path, ImageFileKind kind)
    {
        int? label = parsed.GetValue(options.Class);
        double w = parsed.GetValue(options.Guidance), phi = parsed.GetValue(options.Rescale);
        if (label is < 0 or > 9)
            throw new UsageException($"--class {label} is not a digit class; give 0..9 (or leave it out for unconditional digits).");
        if (!double.IsFinite(w))
            throw new UsageException($"--guidance {w.ToString(CultureInfo.InvariantCulture)} is not a finite number; 1 is the conditional model, > 1 guided.");
        if (!(phi >= 0.0 && phi <= 1.0))
            throw new UsageException($"--guidance-rescale {phi.ToString(CultureInfo.InvariantCulture)} is outside [0, 1]: 0 is no rescale, 1 the conditional ε's standard deviation.");
        if (label is null && (parsed.GetResult(options.Guidance) is { Implicit: false } || phi > 0.0))
            throw new UsageException("--guidance and --guidance-rescale guide toward a class: give --class 0..9.");

        string model = parsed.GetValue(options.Model)!;
        using OnnxDenoiser network = Load(model);
        var conditional = OnnxConditionalDenoiser.MnistUNet(network);
        // A model with a float timestep input gives a continuous denoiser here (guided or not), so that every sampler runs it.
        IBatchDenoiser<float> denoiser = label is int y && (w != 1.0 || phi > 0.0)
            ? ClassifierFreeGuidance.Create(conditional, y, w, phi)
            : ConditionalBatchDenoiser.WithLabel(conditional, label ?? conditional.UnconditionalLabel);
        try
        {
            sampler.RequireCompatible(denoiser);
        }
        catch (ArgumentException) when (!network.TakesFractionalTimesteps)
        {
            string onGrid = string.Join(", ", SamplerRegistry.All.Where(other => Accepts(other, denoiser)).Select(other => other.Name));
            throw new UsageException(
                $"--sampler {entry.Name} evaluates the denoiser between the training grid's timesteps, but --model {model} takes {network.TimestepInputType} timesteps " +
                $"(its input '{network.Options.TimestepInput}'), so it is defined only at integer ones. Give a model whose timestep input is float32 or float64 " +
                $"(docs/network.md), or a sampler that stays on the grid: {onGrid}.");
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--sampler {entry.Name} with --model {model}: {e.Message}");
        }
        ImageBatch<float> samples;
        try
        {
            samples = WithProgress(console, plan.Count, observer =>
                ReverseSampler.Generate(sampler, plan, denoiser, count, 1, 28, 28, NoiseKey.FromSeed(seed), observer: observer));
        }
        catch (OnnxModelException e)
        {
            throw new UsageException($"--model {model}: {e.Message}");
        }

        Image[] images = samples.Images().ToArray();
        string what = $"{entry.Name}, {plan.Count} steps" + (chainText.Length == 0 ? "" : $" ({chainText})") + $", {Conditioning(label, w, phi)}";
        string modelName = model == "default" ? "the shipped MNIST UNet" : Path.GetFileName(model);
        // A network's x_0 may stray outside the data range; the picture shows it clipped to [−1, 1], the .npy as computed.
        Image[] shown = kind == ImageFileKind.Png ? images.Select(image => Image.FromPixels(image.Width, image.Height, image.ToArray().Select(p => Math.Clamp(p, -1.0, 1.0)).ToArray())).ToArray() : images;
        byte[] bytes = kind switch
        {
            ImageFileKind.Npy => NpyFile.Encode(images),
            ImageFileKind.Png when count == 1 => ImagePicture.RenderPng(shown[0], $"x₀: {what}, seed {seed}\n{modelName}; clipped to [−1, 1]"),
            ImageFileKind.Png => ImagePicture.RenderGridPng(shown, $"{count} digits from pure noise: {what}, seed {seed}\n{modelName}; clipped to [−1, 1]"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"{kind} is not an ImageFileKind."),
        };
        AtomicFile.WriteAllBytes(path, bytes);
        console.Output.WriteLine($"wrote {path}: {count} digit{(count == 1 ? "" : "s")} from pure noise by {what}, with {modelName}, seed {seed}");
        return ExitCodes.Ok;
    }

    private static bool Accepts(SamplerEntry entry, IBatchDenoiser<float> denoiser)
    {
        try
        {
            entry.Create(new SamplerOptions()).RequireCompatible(denoiser);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static OnnxDenoiser Load(string model)
    {
        try
        {
            return model == "default" ? OnnxDenoiser.LoadMnistUNet() : OnnxDenoiser.Load(model, OnnxDenoiserOptions.MnistUNet);
        }
        catch (OnnxModelException e)
        {
            throw new UsageException($"--model {model}: {e.Message}");
        }
    }

    private static string Conditioning(int? label, double w, double phi) => label switch
    {
        null => "unconditional",
        int y when w == 1.0 && phi == 0.0 => $"class {y}",
        int y => string.Create(CultureInfo.InvariantCulture, $"class {y}, guidance w = {w}") + (phi > 0.0 ? string.Create(CultureInfo.InvariantCulture, $", rescale φ = {phi}") : ""),
    };

    /// <summary>Runs <paramref name="body"/> with a progress bar on standard error when both streams are a terminal, and with none otherwise.</summary>
    private static T WithProgress<T>(CliConsole console, int steps, Func<ISamplerObserver<float>?, T> body)
    {
        if (!console.IsTerminal) return body(null);
        IAnsiConsole terminal = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return terminal.Progress().Start(context =>
        {
            ProgressTask task = context.AddTask("sampling", maxValue: steps);
            return body(new StepCounter(task));
        });
    }

    private sealed class StepCounter(ProgressTask task) : ISamplerObserver<float>
    {
        public void OnStep(SamplerStepReport<float> report) => task.Increment(1);
    }
}
