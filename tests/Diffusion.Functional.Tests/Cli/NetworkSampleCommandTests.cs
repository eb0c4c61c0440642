using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Onnx;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Tests.Support;

namespace Diffusion.Functional.Tests.Cli;

/// <summary>
/// <c>diffusion sample --model</c>: the .npy is the core's guided sampling through the shipped UNet, bit for bit; bad
/// model files exit with 2, name --model and write nothing; redirected output carries no progress bar.
/// </summary>
public sealed class NetworkSampleCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("diffusion-network-sample-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static string Fixture(string name) => Path.Combine(Repository.Root(), "tests", "Diffusion.Functional.Onnx.Tests", "Fixtures", name);

    private static float[] NpyValues(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(8));
        var values = new float[(file.Length - 10 - headerLength) / 4];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(10 + headerLength + 4 * i));
        return values;
    }

    [Theory]
    [InlineData("dpmpp-2m", 2.5, 0.0)]
    [InlineData("ddpm", 3.0, 0.7)]
    [InlineData("euler", 1.0, 0.0)]
    public void Npy_IsTheCoresGuidedSamplingThroughTheShippedUNet(string sampler, double w, double phi)
    {
        string path = PathOf("guided.npy");
        var result = CliRunner.Run("sample", "--model", "default", "--class", "4", "--guidance", w.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--guidance-rescale", phi.ToString(System.Globalization.CultureInfo.InvariantCulture), "--sampler", sampler, "--steps", "3", "--count", "2", "--seed", "9", "--out", path);
        Assert.True(result.ExitCode == 0, result.Error);
        using OnnxDenoiser network = OnnxDenoiser.LoadMnistUNet();
        var model = OnnxConditionalDenoiser.MnistUNet(network);
        IBatchDenoiser<float> denoiser = w == 1.0 && phi == 0.0 ? ConditionalBatchDenoiser.WithLabel(model, 4) : new ClassifierFreeGuidance<float>(model, 4, w, phi);
        ImageBatch<float> expected = ReverseSampler.Generate(SamplerRegistry.Find(sampler).Create(new SamplerOptions()), RespacedSchedule.Uniform(model.Schedule, 3),
            denoiser, 2, 1, 28, 28, NoiseKey.FromSeed(9));
        Assert.Equal(expected.Values.ToArray(), NpyValues(path));
    }

    [Theory]
    [InlineData("dpm2")]
    [InlineData("dpm-solver")]
    [InlineData("heun")]
    public void ASamplerBetweenTheGridsTimesteps_WithTheShippedUNet_GivesFiniteDigitsTheClassifierRecognises(string sampler)
    {
        // One digit per class at w = 2 and 10 steps (19 NFE for dpm2 and heun, 28 for dpm-solver; dpm2 and dpm-solver
        // evaluate the UNet at fractional timesteps, heun with S_churn = 0 on the grid through the same continuous path).
        // The classifier's measured rate for DDIM at 20 NFE, w = 2 (docs/data/mnist-unet-quality.csv) is the reference:
        // a sampler of the same probability-flow ODE (or, ancestral, of the same law) at the same budget. Its count of
        // right digits out of K = 10 has standard error √(p̂(1 − p̂)·(1/n_csv + 1/K)), the variance floored at one
        // digit's 1/K (as NetworkFigureTests does); the bound is p̂ − 3 SE. A sampler whose fractional timesteps or
        // c_in were wrong gives noise or blank images, which the classifier does not recognise.
        string[] row = File.ReadAllLines(Path.Combine(Repository.Root(), "docs", "data", "mnist-unet-quality.csv"))
            .Select(line => line.Split(',')).Single(f => f[0] == "ddim" && f[1] == "20" && f[2] == "2");
        int tableDigits = int.Parse(row[3], System.Globalization.CultureInfo.InvariantCulture);
        double p = double.Parse(row[6], System.Globalization.CultureInfo.InvariantCulture);
        const int K = 10;
        double standardError = Math.Sqrt(Math.Max(p * (1 - p), 1.0 / K) * (1.0 / tableDigits + 1.0 / K));
        int atLeast = (int)Math.Ceiling(K * (p - 3 * standardError));

        var pixels = new float[K * 784];
        for (int y = 0; y < K; y++)
        {
            string path = PathOf($"digit-{y}.npy");
            var result = CliRunner.Run("sample", "--model", "default", "--class", y.ToString(System.Globalization.CultureInfo.InvariantCulture), "--guidance", "2",
                "--sampler", sampler, "--steps", "10", "--seed", (40 + y).ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", path);
            Assert.True(result.ExitCode == 0, result.Error);
            float[] digit = NpyValues(path);
            Assert.Equal(784, digit.Length);
            Assert.All(digit, v => Assert.True(float.IsFinite(v)));
            for (int j = 0; j < 784; j++) pixels[y * 784 + j] = Math.Clamp(digit[j], -1f, 1f);
        }
        using OnnxClassifier classifier = OnnxClassifier.LoadMnist();
        ClassifierOutput classes = classifier.Classify(pixels);
        int right = Enumerable.Range(0, K).Count(y => classes.PredictedClass(y) == y);
        Assert.True(right >= atLeast, $"{sampler}: the classifier recognises {right} of {K} digits as their class; DDIM at 20 NFE, w = 2 measured {p:P0} of {tableDigits} (bound {atLeast}).");
    }

    [Theory]
    [InlineData("dpm2")]
    [InlineData("dpm2-ancestral")]
    [InlineData("dpmpp-2s-ancestral")]
    [InlineData("dpm-solver")]
    public void ASamplerBetweenTheGridsTimesteps_WithAnInt64TimestepModel_ExitsWith2_SayingWhy_AndWritesNothing(string sampler)
    {
        // The echo fixture of the shipped UNet's shape with an int64 timestep (tools/mnist-model/float_timestep.py fixtures).
        string model = Fixture("timestep-echo-int64-28.onnx"), path = PathOf("out.npy");
        var result = CliRunner.Run("sample", "--model", model, "--class", "1", "--sampler", sampler, "--steps", "4", "--out", path);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"error: --sampler {sampler} evaluates the denoiser between the training grid's timesteps, but --model {model} takes int64 timesteps (its input 'timestep'), so it is defined only at integer ones.", result.Error);
        Assert.Contains("float32 or float64", result.Error);
        Assert.Contains("a sampler that stays on the grid: ddpm, ddim,", result.Error);
        Assert.DoesNotContain($" {sampler},", result.Error[result.Error.IndexOf("stays on the grid", StringComparison.Ordinal)..]);
        Assert.Empty(Directory.GetFiles(_folder));
        // the same model runs an on-grid sampler
        Assert.Equal(0, CliRunner.Run("sample", "--model", model, "--class", "1", "--sampler", "ddim", "--steps", "4", "--out", path).ExitCode);
    }

    [Theory]
    [InlineData("missing.onnx", "does not exist")]
    [InlineData("not-onnx.onnx", "is not an ONNX model")]
    [InlineData("bad-input-names.onnx", "no input 'sample'")]
    [InlineData("bad-sample-dtype.onnx", "sample")]
    [InlineData("bad-output-channels.onnx", "out_sample")]
    [InlineData("gaussian-eps-class.onnx", "28")]
    public void ABadModelFile_ExitsWith2_NamesTheOption_AndWritesNothing(string model, string detail)
    {
        string path = PathOf("out.png");
        var result = CliRunner.Run("sample", "--model", Fixture(model), "--class", "1", "--sampler", "ddim", "--steps", "2", "--out", path);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"error: --model {Fixture(model)}: ", result.Error);
        Assert.Contains(detail, result.Error);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Theory]
    [InlineData("--class", "3")]
    [InlineData("--guidance", "2")]
    [InlineData("--guidance-rescale", "0.5")]
    public void NetworkOptions_WithoutAModel_ExitWith2(string option, string value)
    {
        var result = CliRunner.Run("sample", option, value, "--sampler", "ddim", "--steps", "2", "--out", PathOf("x.npy"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{option} applies only with --model", result.Error);
        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Theory]
    [InlineData("--class 10 is not a digit class", "--class", "10")]
    [InlineData("--guidance-rescale 1.5 is outside [0, 1]", "--class", "2", "--guidance-rescale", "1.5")]
    [InlineData("give --class 0..9", "--guidance", "3")]
    public void BadNetworkOptions_ExitWith2_AndWriteNothing(string message, params string[] options)
    {
        var result = CliRunner.Run(["sample", "--model", "default", .. options, "--sampler", "ddim", "--steps", "2", "--out", PathOf("x.npy")]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error);
        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Fact]
    public async Task RedirectedOutput_HasNoProgressBar()
    {
        // The real process, both streams redirected (as in a pipe or a CI log): no ANSI escape, no carriage return.
        string path = PathOf("one.npy");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "diffusion.dll"), "sample", "--model", "default", "--class", "5", "--guidance", "2",
            "--sampler", "ddim", "--steps", "4", "--out", path }) start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        Task<string> reading = process.StandardOutput.ReadToEndAsync(), readingError = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(limit.Token);
        string output = await reading, error = await readingError;
        Assert.True(process.ExitCode == 0, error);
        Assert.StartsWith($"wrote {path}", output);
        Assert.DoesNotContain('\u001b', output + error);
        Assert.DoesNotContain('\r', output + error);
        Assert.Equal("", error);
    }
}
