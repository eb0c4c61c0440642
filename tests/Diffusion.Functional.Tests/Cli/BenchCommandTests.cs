using System.Text.Json;
using System.Text.Json.Nodes;
using Diffusion.Cli.Commands;

namespace Diffusion.Functional.Tests.Cli;

/// <summary>
/// <c>diffusion bench</c>: the shape of its output and its option checks. Speed is not tested here (it is shown by
/// BenchmarkDotNet, docs/performance.md); the runs are as short as the command allows, in this process, on its path
/// only (<see cref="PrecompiledKernelsTests"/> starts the tool in a fresh process, for what only a first call shows).
/// </summary>
public class BenchCommandTests
{
    private static readonly string[] Kernels = ["forward", "chain", "noise", "sampler", "sampler_one_image"];

    [Fact]
    public void Json_HasTheDocumentedKeys_WithPositiveRates_AndTheThreadCount()
    {
        var result = CliRunner.Run("bench", "--json", "--threads", "2", "--seconds", "0.01", "--paths", "this");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        foreach (string key in new[] { "forward_images_per_s", "chain_pixel_steps_per_s", "noise_samples_per_s", "sampler_pixel_steps_per_s", "sampler_step_us_one_image" })
        {
            Assert.Equal(JsonValueKind.Number, root.GetProperty(key).ValueKind);
            Assert.True(root.GetProperty(key).GetDouble() > 0, $"{key} = {root.GetProperty(key)}");
        }
        int threads = Math.Min(2, Environment.ProcessorCount);
        Assert.Equal(threads, root.GetProperty("threads").GetInt32());
        Assert.Contains(root.GetProperty("noise_path").GetString(), new[] { "Vector512", "Vector256", "Scalar" });
        Assert.Equal(BenchCommand.ThisPath(), root.GetProperty("noise_path").GetString());
        Assert.True(root.GetProperty("stable").ValueKind is JsonValueKind.True or JsonValueKind.False);
        Assert.Equal(Environment.ProcessorCount, root.GetProperty("machine").GetProperty("processor_count").GetInt32());
        Assert.Equal(0, root.GetProperty("skipped_paths").GetArrayLength());
    }

    [Fact]
    public void Json_Runs_GiveMedianWithinMinAndMax_ForEveryKernel_AndTheTopLevelIsTheFirstRun()
    {
        var result = CliRunner.Run("bench", "--json", "--threads", "1", "--seconds", "0.01", "--paths", "this");
        Assert.Equal(0, result.ExitCode);
        JsonObject root = JsonNode.Parse(result.Output)!.AsObject();
        JsonArray runs = root["runs"]!.AsArray();
        JsonObject run = Assert.Single(runs)!.AsObject();
        Assert.Equal(1, run["threads"]!.GetValue<int>());
        JsonObject kernels = run["kernels"]!.AsObject();
        Assert.Equal(Kernels, kernels.Select(k => k.Key));
        foreach (var (name, kernel) in kernels)
        {
            double min = kernel!["min"]!.GetValue<double>(), median = kernel["median"]!.GetValue<double>(), max = kernel["max"]!.GetValue<double>();
            Assert.True(0 < min && min <= median && median <= max, $"{name}: {min} {median} {max}");
            Assert.Equal(Math.Round((max - min) / median, 4), kernel["spread"]!.GetValue<double>(), 3);
            Assert.True(kernel["warm_up_s"]!.GetValue<double>() >= 0);
            _ = kernel["stable"]!.GetValue<bool>();
        }
        Assert.Equal(kernels["chain"]!["median"]!.GetValue<double>(), root["chain_pixel_steps_per_s"]!.GetValue<double>());
        Assert.Equal(Math.Round(1e6 / kernels["sampler_one_image"]!["median"]!.GetValue<double>(), 2), root["sampler_step_us_one_image"]!.GetValue<double>());
    }

    [Fact]
    public void WithoutThreads_MeasuresOneThread_ThenAllCores()
    {
        var result = CliRunner.Run("bench", "--json", "--seconds", "0.01", "--paths", "this");
        Assert.Equal(0, result.ExitCode);
        JsonArray runs = JsonNode.Parse(result.Output)!["runs"]!.AsArray();
        Assert.Equal(new[] { 1, Environment.ProcessorCount }.Distinct(), runs.Select(r => r!["threads"]!.GetValue<int>()));
    }

    [Fact]
    public void AllPaths_InATestHost_SaysWhichLowerPathsWereNotMeasured_AndWhy()
    {
        var result = CliRunner.Run("bench", "--json", "--threads", "1", "--seconds", "0.01");
        Assert.Equal(0, result.ExitCode);
        JsonArray skipped = JsonNode.Parse(result.Output)!["skipped_paths"]!.AsArray();
        Assert.Equal(BenchCommand.LowerPaths(BenchCommand.ThisPath()).Select(p => p.Path), skipped.Select(s => s!["noise_path"]!.GetValue<string>()));
        Assert.All(skipped, s => Assert.Contains("not run as the diffusion tool", s!["reason"]!.GetValue<string>()));
    }

    [Fact]
    public void LowerPaths_AreSelectedByTheDotNet10Knobs()
    {
        // .NET 10 ignores DOTNET_EnableAVX512F (measured: Vector512 stayed on); DOTNET_EnableAVX512 is the knob.
        Assert.Equal(new[] { ("Vector256", "DOTNET_EnableAVX512"), ("Scalar", "DOTNET_EnableAVX2") }, BenchCommand.LowerPaths("Vector512"));
        Assert.Equal(new[] { ("Scalar", "DOTNET_EnableAVX2") }, BenchCommand.LowerPaths("Vector256"));
        Assert.Empty(BenchCommand.LowerPaths("Scalar"));
    }

    [Theory]
    [InlineData(new[] { 100.0, 100.0, 100.0 }, true)]
    [InlineData(new[] { 10.0, 100.0, 104.0, 101.0 }, true)]
    [InlineData(new[] { 100.0, 104.9, 100.0 }, true)]
    [InlineData(new[] { 100.0, 105.1, 100.0 }, false)]
    [InlineData(new[] { 100.0, 100.0 }, false)]
    [InlineData(new[] { 50.0, 100.0, 100.0, 100.0, 30.0 }, false)]
    public void Stable_MeansTheLastThreeRoundsAgreeWithin5Percent(double[] rates, bool stable) =>
        Assert.Equal(stable, BenchMeasurement.IsStable(rates));

    [Fact]
    public void Text_NamesTheRates_TheUnits_AndThePath()
    {
        var result = CliRunner.Run("bench", "--threads", "1", "--seconds", "0.01", "--paths", "this");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"{BenchCommand.ThisPath()} path, 1 thread,", result.Output);
        foreach (string unit in new[] { "images/s", "pixel-steps/s", "samples/s", "µs" })
            Assert.Contains(unit, result.Output);
    }

    [Fact]
    public void FirstCalls_Json_ComparesTheFirst1000CallsWithWarmOnes()
    {
        var result = CliRunner.Run("bench", "--first-calls", "--json", "--paths", "this");
        Assert.Equal(0, result.ExitCode);
        JsonObject run = Assert.Single(JsonNode.Parse(result.Output)!["first_calls"]!.AsArray())!.AsObject();
        Assert.Equal(BenchCommand.ThisPath(), run["noise_path"]!.GetValue<string>());
        double first = run["first_1000_calls_us"]!.GetValue<double>(), steady = run["steady_1000_calls_us"]!.GetValue<double>();
        Assert.True(first > 0 && steady > 0);
        Assert.Equal(Math.Round(first / steady, 3), run["ratio"]!.GetValue<double>(), 2);
        Assert.True(Math.Abs(first - run["first_call_us"]!.GetValue<double>() - run["calls_2_to_1000_us"]!.GetValue<double>()) <= 0.2, result.Output);
    }

    [Theory]
    [InlineData("--threads", "0", "--threads 0")]
    [InlineData("--seconds", "0", "--seconds 0")]
    [InlineData("--seconds", "60", "--seconds 60")]
    [InlineData("--seconds", "NaN", "--seconds NaN")]
    [InlineData("--threads", "many", "many")]
    [InlineData("--paths", "some", "some")]
    public void BadValue_PrintsWhatIsWrongToStderr_AndExitsWith2(string option, string value, string expected)
    {
        var result = CliRunner.Run("bench", option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Output);
        Assert.Contains(expected, result.Error);
    }
}
