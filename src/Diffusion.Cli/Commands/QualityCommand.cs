using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text;
using Diffusion.Cli.Infrastructure;
using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Images;
using Diffusion.Functional.Metrics;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Onnx;
using Diffusion.Functional.Sampling;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>diffusion quality</c>: the shipped UNet's samples measured, sampler × NFE on a fixed key: the Fréchet distance
/// between the classifier's 128 penultimate features of generated and held-out digits (Heusel et al. 2017, eq. 6),
/// the fraction classified as the requested class, and the nearest-neighbour distance to the 8,000 training digits.
/// </summary>
internal static class QualityCommand
{
    /// <summary>One row of the plan: a sampler at an NFE and a guidance scale, on <c>Digits</c> digits (a tenth of each class).</summary>
    internal sealed record Row(string Sampler, int Nfe, double Guidance, int Digits);

    /// <summary>
    /// The measured plan, sized to about 300,000 image-evaluations of the UNet (about 11 minutes of one core at the
    /// ~450 per second measured here): 1,000 digits up to 20 NFE, fewer at 50 and 100, and 1000 NFE for DDPM only.
    /// </summary>
    internal static IReadOnlyList<Row> Plan { get; } =
    [
        .. new[] { "ddim", "dpmpp-2m", "ddpm" }.SelectMany(s => new Row[]
        {
            new(s, 5, 1.0, 1000), new(s, 10, 1.0, 1000), new(s, 20, 1.0, 1000), new(s, 50, 1.0, 300), new(s, 100, 1.0, 200),
        }),
        new("ddpm", 1000, 1.0, 50),
        new("ddim", 20, 0.0, 500), new("ddim", 20, 2.0, 500), new("ddim", 20, 4.0, 500),
    ];

    /// <summary>The CSV's header.</summary>
    internal const string Header = "sampler,nfe,guidance,digits,fd,fd_floor,accuracy,nn_distance,heldout_nn_distance";

    /// <summary>Builds the command.</summary>
    public static Command Create(CliConsole console)
    {
        var output = new Option<string>("--out") { Description = "The CSV to write (docs/data/mnist-unet-quality.csv for the docs).", Required = true };
        var data = new Option<string>("--data")
        {
            Description = "The folder with the split: mnist-train-*-ubyte.gz (8,000 digits) and mnist-heldout-*-ubyte.gz (2,000); 'data' of the repository by default.",
            DefaultValueFactory = _ => "data",
        };
        var seed = new Option<ulong>("--seed") { Description = "The key of the run: class y's digit j starts from FromSeed(seed).Child(y).Child(j).", DefaultValueFactory = _ => 12UL };
        var maxDigits = new Option<int>("--max-digits") { Description = "At most this many digits per row (a quick check; the table uses the plan's counts).", DefaultValueFactory = _ => 1000 }
            .AsWholeNumber("10..1000");
        var maxNfe = new Option<int>("--max-nfe") { Description = "Only rows of at most this NFE (a quick check).", DefaultValueFactory = _ => 1000 }.AsWholeNumber("1..1000");
        var command = new Command("quality",
            "Measure the shipped UNet (docs/quality.md): for each sampler × NFE of a fixed plan, on a fixed key, the Fréchet distance of the classifier's "
            + "features of generated digits to the held-out digits' (and the floor: the same number of training digits against them), the fraction classified "
            + "as the requested class, and the mean nearest-neighbour L2 distance to the training digits (against the held-out digits' own).")
        {
            output, data, seed, maxDigits, maxNfe,
        };
        command.SetAction(parsed => console.Run(() =>
        {
            string path = parsed.GetValue(output)!;
            int cap = parsed.GetValue(maxDigits), nfeCap = parsed.GetValue(maxNfe);
            if (cap is < 10 or > 1000) throw new UsageException($"--max-digits {cap} is outside 10..1000.");
            if (nfeCap is < 1 or > 1000) throw new UsageException($"--max-nfe {nfeCap} is outside 1..1000.");
            AtomicFileSet.RequireDistinctFiles([(path, "--out")]);
            string folder = parsed.GetValue(data)!;
            MnistDigits training = LoadSplit(folder, "train"), heldOut = LoadSplit(folder, "heldout");
            var rows = Plan.Where(r => r.Nfe <= nfeCap).Select(r => r with { Digits = Math.Min(r.Digits, cap) / 10 * 10 }).ToArray();
            string csv = Measure(console, rows, training, heldOut, parsed.GetValue(seed));
            AtomicFile.WriteAllBytes(path, Encoding.UTF8.GetBytes(csv));
            console.Output.WriteLine($"wrote {path}: {rows.Length} rows");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static MnistDigits LoadSplit(string folder, string set)
    {
        string images = Path.Combine(folder, $"mnist-{set}-images-idx3-ubyte.gz"), labels = Path.Combine(folder, $"mnist-{set}-labels-idx1-ubyte.gz");
        if (!File.Exists(images) || !File.Exists(labels))
            throw new UsageException($"--data {folder}: there is no {Path.GetFileName(images)} and {Path.GetFileName(labels)} there (the repository's data/ folder has them).");
        return MnistFiles.Load(images, labels);
    }

    /// <summary>Runs every row and returns the CSV.</summary>
    internal static string Measure(CliConsole console, IReadOnlyList<Row> rows, MnistDigits training, MnistDigits heldOut, ulong seed)
    {
        using OnnxDenoiser network = OnnxDenoiser.LoadMnistUNet();
        using OnnxClassifier classifier = OnnxClassifier.LoadMnist();
        var model = OnnxConditionalDenoiser.MnistUNet(network);
        float[] trainPixels = Pixels(training), heldOutPixels = Pixels(heldOut);
        ClassifierOutput heldOutOut = classifier.Classify(heldOutPixels);
        float[] trainFeatures = classifier.Classify(trainPixels).Features;
        double floor = FrechetDistance.Between(trainFeatures, heldOutOut.Features, heldOutOut.FeatureCount);
        var nearest = new NearestNeighbours(trainPixels, 784);
        double heldOutNn = nearest.MeanDistance(heldOutPixels);
        int heldOutCorrect = Enumerable.Range(0, heldOut.Count).Count(i => heldOutOut.PredictedClass(i) == heldOut.Label(i));

        var csv = new StringBuilder(Header).Append('\n');
        csv.Append(Line("held-out", 0, double.NaN, heldOut.Count, floor, floor, (double)heldOutCorrect / heldOut.Count, heldOutNn, heldOutNn));
        console.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"held-out vs training: FD {floor:F3}, accuracy {(double)heldOutCorrect / heldOut.Count:F4}, NN distance {heldOutNn:F3}"));
        foreach (Row row in rows)
        {
            var clock = Stopwatch.StartNew();
            int perClass = row.Digits / 10;
            var (generated, labels) = Generate(model, row, seed);
            ClassifierOutput classes = classifier.Classify(generated);
            double fd = FrechetDistance.Between(classes.Features, heldOutOut.Features, classes.FeatureCount);
            double rowFloor = FrechetDistance.Between(TrainingSubset(trainFeatures, training, perClass, classes.FeatureCount), heldOutOut.Features, classes.FeatureCount);
            double accuracy = (double)Enumerable.Range(0, row.Digits).Count(i => classes.PredictedClass(i) == labels[i]) / row.Digits;
            double nn = nearest.MeanDistance(generated);
            csv.Append(Line(row.Sampler, row.Nfe, row.Guidance, row.Digits, fd, rowFloor, accuracy, nn, heldOutNn));
            console.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{row.Sampler} NFE {row.Nfe} w {row.Guidance} ({row.Digits} digits): FD {fd:F3} (floor {rowFloor:F3}), accuracy {accuracy:F4}, NN distance {nn:F3}; {clock.Elapsed.TotalSeconds:F0} s"));
        }
        return csv.ToString();
    }

    /// <summary>
    /// The row's digits, a tenth of each class: class y's digit j starts from the key FromSeed(seed).Child(y).Child(j)
    /// (the same start for every sampler), clipped to [−1, 1] (the classifier's range; a network's x_0 may overshoot it).
    /// </summary>
    internal static (float[] Pixels, int[] Labels) Generate(OnnxConditionalDenoiser model, Row row, ulong seed)
    {
        int perClass = row.Digits / 10;
        var generated = new float[row.Digits * 784];
        var labels = new int[row.Digits];
        ISampler sampler = SamplerRegistry.Find(row.Sampler).Create(new SamplerOptions());
        RespacedSchedule plan = RespacedSchedule.Uniform(model.Schedule, row.Nfe / sampler.EvaluationsPerStep);
        for (int y = 0; y < 10; y++)
        {
            IBatchDenoiser<float> denoiser = row.Guidance == 1.0 ? ConditionalBatchDenoiser.WithLabel(model, y) : ClassifierFreeGuidance.Create(model, y, row.Guidance);
            NoiseKey[] keys = Enumerable.Range(0, perClass).Select(j => NoiseKey.FromSeed(seed).Child((ulong)y).Child((ulong)j)).ToArray();
            ImageBatch<float> batch = ReverseSampler.Generate(sampler, plan, denoiser, keys, 1, 28, 28);
            for (int v = 0; v < batch.Values.Length; v++) generated[y * perClass * 784 + v] = Math.Clamp(batch.Values[v], -1f, 1f);
            labels.AsSpan(y * perClass, perClass).Fill(y);
        }
        return (generated, labels);
    }

    private static string Line(string sampler, int nfe, double w, int digits, double fd, double floor, double accuracy, double nn, double heldOutNn) =>
        string.Create(CultureInfo.InvariantCulture, $"{sampler},{nfe},{(double.IsNaN(w) ? "" : w.ToString("R", CultureInfo.InvariantCulture))},{digits},{fd:F4},{floor:F4},{accuracy:F4},{nn:F4},{heldOutNn:F4}\n");

    internal static float[] Pixels(MnistDigits digits)
    {
        var pixels = new float[digits.Count * 784];
        for (int i = 0; i < digits.Count; i++)
        {
            Image image = digits.Image(i);
            for (int p = 0; p < 784; p++) pixels[i * 784 + p] = (float)image.Pixels[p];
        }
        return pixels;
    }

    /// <summary>The features of the first <paramref name="perClass"/> training digits of each class: the floor at the row's own sample size.</summary>
    private static float[] TrainingSubset(float[] features, MnistDigits training, int perClass, int dimension)
    {
        var taken = new List<float>();
        for (int y = 0; y < 10; y++)
        {
            int first = training.IndexOfFirst(y);
            for (int j = 0; j < perClass; j++) taken.AddRange(features.AsSpan((first + j) * dimension, dimension).ToArray());
        }
        return taken.ToArray();
    }

    /// <summary>Mean L2 distance from each image to its nearest reference image, by ‖a − b‖² = ‖a‖² + ‖b‖² − 2a·b.</summary>
    internal sealed class NearestNeighbours(float[] reference, int per)
    {
        private readonly double[] _norms = Enumerable.Range(0, reference.Length / per).Select(i => Dot(reference.AsSpan(i * per, per), reference.AsSpan(i * per, per))).ToArray();

        public double MeanDistance(float[] images) => Distances(images).Average();

        public double[] Distances(float[] images)
        {
            int n = images.Length / per;
            var distances = new double[n];
            Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = 1 }, i =>
            {
                ReadOnlySpan<float> x = images.AsSpan(i * per, per);
                double own = Dot(x, x), best = double.PositiveInfinity;
                for (int m = 0; m < _norms.Length; m++) best = Math.Min(best, own + _norms[m] - 2 * Dot(x, reference.AsSpan(m * per, per)));
                distances[i] = Math.Sqrt(Math.Max(best, 0.0));
            });
            return distances;
        }

        private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        {
            var sum = Vector<float>.Zero;
            int i = 0;
            for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count) sum += new Vector<float>(a[i..]) * new Vector<float>(b[i..]);
            double total = Vector.Sum(sum);
            for (; i < a.Length; i++) total += a[i] * b[i];
            return total;
        }
    }
}
