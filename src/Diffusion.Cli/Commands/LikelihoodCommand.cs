using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Diffusion.Cli.Infrastructure;
using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Images;
using Diffusion.Functional.Likelihood;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Onnx;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Processes;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;
using Diffusion.Functional.Training;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>diffusion likelihood</c>: the shipped (or a given) MNIST UNet's variational bound in bits/dim on held-out digits
/// (DDPM eq. 5, full chain and respaced) and its loss per t under the training weightings (docs/likelihood.md), as two
/// CSV files.
/// </summary>
internal static class LikelihoodCommand
{
    /// <summary>The bound's CSV file name in the output folder.</summary>
    public const string BoundFile = "mnist-unet-bpd.csv";

    /// <summary>The loss-per-t CSV file name in the output folder.</summary>
    public const string LossFile = "mnist-unet-loss-per-t.csv";

    /// <summary>The held-out split's files (tools/mnist-model/train.py split).</summary>
    private const string HeldOutImages = "mnist-heldout-images-idx3-ubyte.gz", HeldOutLabels = "mnist-heldout-labels-idx1-ubyte.gz";

    /// <summary>The unconditional ("null") label of the shipped UNet (docs/network.md).</summary>
    private const int NullLabel = 10;

    /// <summary>The timesteps of the loss table: dense where SNR changes fast at both ends.</summary>
    internal static readonly int[] LossTimesteps = [1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 400, 500, 600, 700, 800, 900, 950, 1000];

    /// <summary>The weightings of the loss table, in its column order.</summary>
    internal static readonly (string Column, LossWeighting Weighting)[] Weightings =
    [
        ("eps", LossWeighting.EpsilonMse), ("x0", LossWeighting.X0Mse), ("v", LossWeighting.VMse), ("min_snr_5", LossWeighting.MinSnr(5.0)),
        ("p2", LossWeighting.P2(1.0, 1.0)), ("edm", LossWeighting.Edm(0.5)),
    ];

    /// <summary>Builds the command.</summary>
    public static Command Create(CliConsole console)
    {
        NoiseSchedule schedule = CanonicalSchedules.Ddpm;
        var model = new Option<string>("--model")
        {
            Description = "The ε-prediction network: 'default' for the shipped MNIST UNet, or the path of an ONNX model with its inputs and outputs (docs/network.md).",
            DefaultValueFactory = _ => "default",
        };
        var digits = new Option<int>("--digits")
        {
            Description = "How many held-out digits, 1..2000, spread evenly over the 2,000 (class-major, so every class is in); each costs 1000 + --steps network evaluations.",
            DefaultValueFactory = _ => 100,
        }.AsWholeNumber("1..2000");
        var steps = new Option<int>("--steps")
        {
            Description = $"N of the respaced chain's bound, 1..{schedule.Steps} (evenly spaced, trailing; the full {schedule.Steps}-step chain is always measured too).",
            DefaultValueFactory = _ => 100,
        }.AsWholeNumber($"1..{schedule.Steps}");
        var seed = DigitSource.SeedOption();
        var data = new Option<string>("--data")
        {
            Description = $"The folder with the held-out split {HeldOutImages} and {HeldOutLabels}.",
            DefaultValueFactory = _ => "data",
        };
        var output = new Option<string>("--out")
        {
            Description = $"The folder for {BoundFile} and {LossFile}.",
            DefaultValueFactory = _ => "docs/data",
        };
        var command = new Command("likelihood",
            $"The network's variational bound −log p(x_0) ≤ L_T + Σ L_(t−1) + L_0 in bits/dim on held-out MNIST digits (DDPM eq. 5; fixed-small variance, "
            + $"unconditional label), on the full {schedule.Steps}-step chain and a respaced one, and its ε-, x_0- and v-MSE per t with the weights of "
            + "min-SNR-5, P2, EDM and improved DDPM's hybrid loss (docs/likelihood.md). Writes two CSV files.")
        {
            model, digits, steps, seed, data, output,
        };
        command.SetAction(parsed => console.Run(() =>
        {
            int count = parsed.GetValue(digits), n = parsed.GetValue(steps);
            if (count < 1 || count > 2000) throw new UsageException($"--digits {count} is outside 1..2000, the held-out split's size.");
            if (n < 1 || n > schedule.Steps) throw new UsageException($"--steps {n} is outside 1..{schedule.Steps}.");
            string folder = parsed.GetValue(output)!, dataFolder = parsed.GetValue(data)!;
            if (string.IsNullOrWhiteSpace(folder)) throw new UsageException("--out is empty; give the folder for the CSV files.");
            if (File.Exists(folder)) throw new UsageException($"--out {folder} is a file, not a folder.");
            string imagesPath = Path.Combine(dataFolder, HeldOutImages), labelsPath = Path.Combine(dataFolder, HeldOutLabels);
            if (!File.Exists(imagesPath) || !File.Exists(labelsPath))
                throw new UsageException($"--data {dataFolder}: no {HeldOutImages} and {HeldOutLabels} there (the held-out split that tools/mnist-model/train.py wrote to data/).");
            string boundPath = Path.Combine(folder, BoundFile), lossPath = Path.Combine(folder, LossFile);
            AtomicFileSet.RequireDistinctFiles([(boundPath, "--out"), (lossPath, "--out")]);

            string modelName = parsed.GetValue(model)!;
            using OnnxDenoiser network = Load(modelName);
            MnistDigits heldOut = MnistFiles.Load(imagesPath, labelsPath);
            if (count > heldOut.Count) throw new UsageException($"--digits {count} is more than the {heldOut.Count} digits of {imagesPath}.");
            Image[] x0 = Enumerable.Range(0, count).Select(k => heldOut.Image((int)((long)k * heldOut.Count / count))).ToArray();
            var denoiser = OnnxBatchDenoiser.Create(network, schedule, PredictionTarget.Epsilon, network.IsClassConditional ? NullLabel : null);
            var settings = new DdpmSampler(DdpmVariance.FixedSmall);
            ulong seedValue = parsed.GetValue(seed);
            NoiseKey key = NoiseKey.FromSeed(seedValue);
            console.Output.WriteLine($"{count} held-out digits of {imagesPath}, {denoiser}, seed {seedValue}");

            var bound = new StringBuilder("chain,steps,digits,bits_per_dim,std_error,prior_bpd,transitions_bpd,decoder_bpd,wall_s\n");
            RespacedSchedule full = RespacedSchedule.Full(schedule);
            var clock = Stopwatch.StartNew();
            IReadOnlyList<VariationalBoundTerms> fullTerms = VariationalBound.EvaluateMany(full, denoiser, settings, x0, key.Child(1));
            bound.Append(BoundRow("full", full, fullTerms, clock.Elapsed.TotalSeconds));
            console.Output.WriteLine($"full chain: {fullTerms.Average(t => t.BitsPerDimension):F4} bits/dim ({clock.Elapsed.TotalSeconds:F0} s)");
            RespacedSchedule respaced = RespacedSchedule.Uniform(schedule, n);
            clock.Restart();
            IReadOnlyList<VariationalBoundTerms> respacedTerms = VariationalBound.EvaluateMany(respaced, denoiser, settings, x0, key.Child(2));
            bound.Append(BoundRow("respaced", respaced, respacedTerms, clock.Elapsed.TotalSeconds));
            console.Output.WriteLine($"{n}-step chain: {respacedTerms.Average(t => t.BitsPerDimension):F4} bits/dim ({clock.Elapsed.TotalSeconds:F0} s)");

            clock.Restart();
            string losses = LossTable(schedule, full, denoiser, x0, key.Child(1), fullTerms);
            console.Output.WriteLine($"loss per t at {LossTimesteps.Length} timesteps ({clock.Elapsed.TotalSeconds:F0} s)");

            using var files = new AtomicFileSet();
            files.Add(boundPath, Encoding.UTF8.GetBytes(bound.ToString()));
            files.Add(lossPath, Encoding.UTF8.GetBytes(losses));
            files.Commit();
            console.Output.WriteLine($"wrote {boundPath} and {lossPath}");
            return ExitCodes.Ok;
        }));
        return command;
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

    private static string BoundRow(string name, RespacedSchedule plan, IReadOnlyList<VariationalBoundTerms> terms, double seconds)
    {
        double[] bpd = terms.Select(t => t.BitsPerDimension).ToArray();
        double mean = bpd.Average();
        double stdError = bpd.Length > 1 ? Math.Sqrt(bpd.Sum(b => (b - mean) * (b - mean)) / (bpd.Length - 1) / bpd.Length) : double.NaN;
        int d = terms[0].Dimensions;
        double prior = terms.Average(t => VariationalBound.BitsPerDimension(t.Prior, d));
        double decoder = terms.Average(t => VariationalBound.BitsPerDimension(t.Decoder, d));
        double transitions = terms.Average(t => VariationalBound.BitsPerDimension(t.Steps.Where(s => !s.Step.ProducesData).Sum(s => s.Nats), d));
        return Csv(name, plan.Count, terms.Count, mean, stdError, prior, transitions, decoder, Math.Round(seconds, 1)) + "\n";
    }

    /// <summary>
    /// The loss table: at each t of <see cref="LossTimesteps"/>, the mean over the digits of the ε-, x_0- and v-MSE at
    /// the x_t that the full chain's bound drew (the same key, so the bound's L_t is of the same predictions), each
    /// weighting's w(t) and w(t)·ε-MSE, and improved DDPM's hybrid loss with that L_t.
    /// </summary>
    private static string LossTable(NoiseSchedule schedule, RespacedSchedule full, IBatchDenoiser<float> denoiser, Image[] x0, NoiseKey key,
        IReadOnlyList<VariationalBoundTerms> fullTerms)
    {
        var csv = new StringBuilder("t,snr,eps_mse,x0_mse,v_mse,vlb_bpd,w_vlb,hybrid,w_hybrid");
        foreach (var (column, _) in Weightings) csv.Append($",w_{column},loss_{column}");
        csv.Append('\n');
        int pixels = x0[0].PixelCount;
        var prediction = new float[x0.Length * pixels];
        foreach (int t in LossTimesteps)
        {
            var noise = new Image[x0.Length];
            var xt = new Image[x0.Length];
            for (int k = 0; k < x0.Length; k++)
            {
                // The draw of VariationalBound.EvaluateMany: image k's x_t from key.Child(k).Child(t).
                noise[k] = NoiseImage.StandardNormalLike(key.Child((ulong)k).Child((ulong)t), x0[k]);
                xt[k] = ForwardProcess.Sample(schedule, x0[k], t, noise[k]);
            }
            denoiser.Predict(ImageBatch<float>.FromImages(xt), Enumerable.Repeat(t, x0.Length).ToArray(), prediction, []);
            NoiseLevel level = NoiseLevel.At(schedule, t);
            double eps = 0, x0Mse = 0, vMse = 0;
            for (int k = 0; k < x0.Length; k++)
            {
                Image epsHat = ImageBatch<float>.FromFloats(1, 1, x0[k].Height, x0[k].Width, prediction.AsSpan(k * pixels, pixels)).ToImage(0);
                var predicted = new Prediction(PredictionTarget.Epsilon, epsHat);
                Image v = Image.Combine(level.SqrtAlphaBar, noise[k], -level.SqrtOneMinusAlphaBar, x0[k]);
                eps += TrainingLoss.MeanSquaredError(epsHat, noise[k]);
                x0Mse += TrainingLoss.MeanSquaredError(PredictionConversions.ToX0(predicted, xt[k], level), x0[k]);
                vMse += TrainingLoss.MeanSquaredError(PredictionConversions.ToV(predicted, xt[k], level), v);
            }
            eps /= x0.Length;
            x0Mse /= x0.Length;
            vMse /= x0.Length;
            ReverseStep step = full.StepAt(t);
            double vlbNats = fullTerms.Average(terms => terms.Steps.Single(s => s.Step.Timestep == t).Nats);
            double vlbBpd = VariationalBound.BitsPerDimension(vlbNats, pixels);
            double hybrid = TrainingLoss.Hybrid(eps, vlbNats, pixels, schedule.Steps);
            string wVlb = step.ProducesData ? "" : Csv(TrainingLoss.VlbEpsilonWeight(full, step));
            csv.Append(Csv(t, schedule.Snr(t), eps, x0Mse, vMse, vlbBpd)).Append(',').Append(wVlb).Append(',').Append(Csv(hybrid, hybrid / eps));
            foreach (var (_, weighting) in Weightings)
            {
                double w = weighting.EpsilonWeight(schedule, t);
                csv.Append(',').Append(Csv(w, w * eps));
            }
            csv.Append('\n');
        }
        return csv.ToString();
    }

    private static string Csv(params object[] values) => string.Join(',', values.Select(v => v switch
    {
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString(),
    }));
}
