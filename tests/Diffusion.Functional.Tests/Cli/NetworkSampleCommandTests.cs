using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Onnx;
using Diffusion.Functional.Sampling;

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

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "Diffusion.Functional.sln"))) return folder.FullName;
        throw new InvalidOperationException($"No Diffusion.Functional.sln above {AppContext.BaseDirectory}: the tests run inside the repository.");
    }

    private static string Fixture(string name) => Path.Combine(RepositoryRoot(), "tests", "Diffusion.Functional.Onnx.Tests", "Fixtures", name);

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
