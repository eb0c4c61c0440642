using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Diffusion.Functional.Packaging.Tests.Support;
using Xunit.Abstractions;

namespace Diffusion.Functional.Packaging.Tests;

/// <summary>
/// The tool installed with <c>dotnet tool install --tool-path … --add-source …</c> runs as <c>diffusion</c>, from a
/// folder outside the repository, and finds the MNIST sample inside itself.
/// </summary>
[Collection(PackagingCollection.Name)]
public class ToolTests(PackagingWorkspace workspace, ITestOutputHelper log)
{
    // See ConsumerTests: ᾱ_200 of the seed's schedule, exact to the last bit of a double.
    private const double SeedAlphaBar200 = 0.13218275425061779;

    private ProcessResult Diffusion(string workingFolder, params string[] arguments) =>
        workspace.RunOk(workspace.ToolCommand, arguments, workingFolder, $"diffusion {string.Join(' ', arguments)}");

    [Fact]
    public void InstalledTool_PrintsHelpListingEveryCommand_AndItsVersion()
    {
        string folder = workspace.NewFolder("tool-help");
        string help = Diffusion(folder, "--help").Output;
        Assert.Contains("Usage:", help);
        Assert.Contains("diffusion [command] [options]", help);
        foreach (string command in new[] { "schedule", "plots", "forward", "reverse", "digit", "sample" })
            Assert.Matches($@"(?m)^\s+{command}\s", help);
        Assert.StartsWith($"{Repository.Version}+", Diffusion(folder, "--version").Output.Trim());
        foreach (string timing in workspace.Timings) log.WriteLine(timing);
    }

    [Fact]
    public void InstalledTool_PrintsTheSeedSchedule_AsATableAndAsExactCsv()
    {
        string folder = workspace.NewFolder("tool-schedule");
        string[] table = Diffusion(folder, "schedule").Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("# linear(T=200, β 0.0001→0.02)", table[0]);
        Assert.Equal(1 + 1 + 200, table.Length); // description, header, t = 1..200
        string[] last = table[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["200", "0.02", "0.98", "0.132183"], last[..4]);

        string[] csv = Diffusion(folder, "schedule", "--format", "csv").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] header = csv[0].Split(',');
        string[] row200 = csv[200].Split(',');
        Assert.Equal("200", row200[0]);
        double alphaBar = double.Parse(row200[Array.IndexOf(header, "alpha_bar")], CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(alphaBar - SeedAlphaBar200) <= 1e-13 * SeedAlphaBar200, $"ᾱ_200 = {alphaBar:R}, expected {SeedAlphaBar200:R} to 1e-13.");
    }

    [Fact]
    public void InstalledTool_ExportsTheSeedsDigitFromTheSampleInsideItself()
    {
        // A folder with nothing in it: the digit can only come from the tool's own assemblies.
        string folder = workspace.NewFolder("tool-digit");
        string npy = Path.Combine(folder, "x0.npy");
        Assert.Contains("digit 5 (class 5)", Diffusion(folder, "digit", "--digit", "5", "--out", npy).Output);

        byte[] bytes = File.ReadAllBytes(npy);
        Assert.Equal([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'], bytes[..6]);
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8, 2));
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.Contains("'descr': '<f4'", header);
        Assert.Contains("'shape': (28, 28)", header);
        ReadOnlySpan<byte> data = bytes.AsSpan(10 + headerLength);
        Assert.Equal(28 * 28 * 4, data.Length);
        // MNIST's training image 0, row 5 from column 12 (docs/data.md), as x_0 = 2b/255 − 1.
        byte[] row5 = [3, 18, 18, 18, 126, 136, 175, 26, 166, 255, 247, 127];
        for (int i = 0; i < row5.Length; i++)
        {
            float pixel = BinaryPrimitives.ReadSingleLittleEndian(data[(4 * (5 * 28 + 12 + i))..]);
            Assert.True(Math.Abs(pixel - (2.0 * row5[i] / 255.0 - 1.0)) < 1e-6, $"pixel (5, {12 + i}) is {pixel}, not the byte {row5[i]} mapped to [−1, 1].");
        }
    }

    [Fact]
    public void InstalledTool_GeneratesDigitsFromPureNoise_WithTheSampleInsideItself()
    {
        // The empirical denoiser of the tool's own 1,000 digits: every sample is one of them (max |x_0 − digit| = 0).
        string folder = workspace.NewFolder("tool-sample");
        string npy = Path.Combine(folder, "digits.npy");
        string[] lines = Diffusion(folder, "sample", "--sampler", "ddpm", "--steps", "10", "--count", "3", "--out", npy).Output
            .Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Count(l => l.StartsWith("sample ", StringComparison.Ordinal) && l.EndsWith("max |x_0 − digit| = 0", StringComparison.Ordinal)));
        byte[] bytes = File.ReadAllBytes(npy);
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8, 2));
        Assert.Contains("'shape': (3, 28, 28)", Encoding.ASCII.GetString(bytes, 10, headerLength));
        Assert.Equal(3 * 28 * 28 * 4, bytes.Length - 10 - headerLength);
    }

    [Fact]
    public void InstalledTool_SamplesWithTheShippedUNet_SoItCarriesOnnxRuntimesNativeLibrary()
    {
        // ONNX Runtime's libonnxruntime.so (linux-x64) must travel in the tool package, or loading the model fails.
        string folder = workspace.NewFolder("tool-network-sample");
        string npy = Path.Combine(folder, "guided.npy");
        string output = Diffusion(folder, "sample", "--model", "default", "--class", "3", "--guidance", "2", "--sampler", "ddim", "--steps", "2", "--count", "2", "--out", npy).Output;
        Assert.StartsWith($"wrote {npy}: 2 digits", output);
        byte[] bytes = File.ReadAllBytes(npy);
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8, 2));
        Assert.Contains("'shape': (2, 28, 28)", Encoding.ASCII.GetString(bytes, 10, headerLength));
    }
}
