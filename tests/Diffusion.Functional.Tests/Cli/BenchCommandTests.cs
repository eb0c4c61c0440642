using System.Text.Json;

namespace Diffusion.Functional.Tests.Cli;

/// <summary>
/// <c>diffusion bench</c>: the shape of its output and its option checks. Speed is not tested here (it is shown by
/// BenchmarkDotNet, docs/performance.md); the runs are as short as the command allows.
/// </summary>
public class BenchCommandTests
{
    [Fact]
    public void Json_HasTheDocumentedKeys_WithPositiveRates_AndTheThreadCount()
    {
        var result = CliRunner.Run("bench", "--json", "--threads", "2", "--seconds", "0.01");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        foreach (string key in new[] { "forward_images_per_s", "chain_pixel_steps_per_s", "noise_samples_per_s", "sampler_pixel_steps_per_s", "sampler_step_us_one_image" })
        {
            Assert.Equal(JsonValueKind.Number, root.GetProperty(key).ValueKind);
            Assert.True(root.GetProperty(key).GetDouble() > 0, $"{key} = {root.GetProperty(key)}");
        }
        Assert.Equal(2, root.GetProperty("threads").GetInt32());
        Assert.Contains(root.GetProperty("noise_path").GetString(), new[] { "Vector512", "Vector256", "Scalar" });
    }

    [Fact]
    public void Text_NamesTheThreeRates_AndTheUnits()
    {
        var result = CliRunner.Run("bench", "--threads", "1", "--seconds", "0.01");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("1 thread,", result.Output);
        foreach (string unit in new[] { "images/s", "pixel-steps/s", "samples/s" })
            Assert.Contains(unit, result.Output);
    }

    [Theory]
    [InlineData("--threads", "0", "--threads 0")]
    [InlineData("--seconds", "0", "--seconds 0")]
    [InlineData("--seconds", "60", "--seconds 60")]
    [InlineData("--seconds", "NaN", "--seconds NaN")]
    [InlineData("--threads", "many", "many")]
    public void BadValue_PrintsWhatIsWrongToStderr_AndExitsWith2(string option, string value, string expected)
    {
        var result = CliRunner.Run("bench", option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Output);
        Assert.Contains(expected, result.Error);
    }
}
