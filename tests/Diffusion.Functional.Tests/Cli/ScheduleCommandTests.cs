using System.Globalization;
using Diffusion.Cli.Commands;
using Diffusion.Functional.Tests.Support;

namespace Diffusion.Functional.Tests.Cli;

public class ScheduleCommandTests
{
    private static double[][] ParseCsv(string csv, out string header)
    {
        string[] lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        header = lines[0];
        return lines.Skip(1).Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
    }

    /// <summary>
    /// Provenance of the reference: the textbook float64 formulas evaluated here, independently of the core and
    /// naively (cumprod for ᾱ, 1 − ᾱ by subtraction, the cosine β as a ratio of squared cosines). The naive forms lose
    /// up to 1e-16/β relative (≈ 1e-12 for β ≥ 4e-5), so 1e-9 relative bounds the disagreement of correct formulas.
    /// </summary>
    private static double[][] Reference(double[] betas)
    {
        var rows = new double[betas.Length][];
        double alphaBar = 1.0;
        for (int i = 0; i < betas.Length; i++)
        {
            double beta = betas[i], alpha = 1 - beta, previous = alphaBar;
            alphaBar *= alpha;
            double variance = (1 - previous) / (1 - alphaBar) * beta;
            double nextVariance = i + 1 < betas.Length ? (1 - alphaBar) / (1 - alphaBar * (1 - betas[i + 1])) * betas[i + 1] : beta;
            rows[i] =
            [
                i + 1, beta, alpha, alphaBar, Math.Sqrt(alphaBar), Math.Sqrt(1 - alphaBar), variance,
                Math.Log(i == 0 ? nextVariance : variance),
                Math.Sqrt(previous) * beta / (1 - alphaBar), Math.Sqrt(alpha) * (1 - previous) / (1 - alphaBar),
                alphaBar / (1 - alphaBar), Math.Log(alphaBar / (1 - alphaBar)),
            ];
        }
        return rows;
    }

    private static void AssertAgrees(double[][] expected, double[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        string[] names = ScheduleCommand.CsvHeader.Split(',');
        for (int i = 0; i < expected.Length; i++)
            for (int c = 0; c < names.Length; c++)
                Approx.Relative(expected[i][c], actual[i][c], 1e-9, $"row t = {i + 1}, column {names[c]}");
    }

    [Fact]
    public void Csv_ForTheSeedLinearSchedule_AgreesWithAnIndependentFloat64Computation()
    {
        var result = CliRunner.Run("schedule", "--format", "csv");
        Assert.Equal(0, result.ExitCode);
        double[][] rows = ParseCsv(result.Output, out string header);
        Assert.Equal(ScheduleCommand.CsvHeader, header);
        double[] betas = Enumerable.Range(0, 200).Select(i => 1e-4 + (0.02 - 1e-4) * i / 199).ToArray();
        AssertAgrees(Reference(betas), rows);
    }

    [Fact]
    public void Csv_ForTheCosineScheduleWith1000Steps_AgreesWithAnIndependentFloat64Computation()
    {
        var result = CliRunner.Run("schedule", "--kind", "cosine", "--steps", "1000", "--format", "csv");
        Assert.Equal(0, result.ExitCode);
        double[][] rows = ParseCsv(result.Output, out _);
        double F(double t) => Math.Pow(Math.Cos((t / 1000 + 0.008) / 1.008 * Math.PI / 2), 2);
        double[] betas = Enumerable.Range(1, 1000).Select(t => Math.Min(1 - F(t) / F(t - 1), 0.999)).ToArray();
        AssertAgrees(Reference(betas), rows);
    }

    [Fact]
    public void Csv_PrintsRoundTripNumbers_InInvariantCulture()
    {
        var result = CliRunner.Run("schedule", "--kind", "sigmoid", "--steps", "3", "--format", "csv");
        string[] lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("1,", lines[1]);
        Assert.Equal(12, lines[2].Split(',').Length);
    }

    [Fact]
    public void Table_IsTheDefaultFormat_AndNamesTheSchedule()
    {
        var result = CliRunner.Run("schedule", "--kind", "scaled-linear", "--steps", "5", "--beta-start", "0.00085", "--beta-end", "0.012");
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("# scaled-linear(T=5, β 0.00085→0.012)", result.Output);
        Assert.Equal(7, result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Theory]
    [InlineData("--kind", "quadratic")]
    [InlineData("--steps", "0")]
    [InlineData("--steps", "ten")]
    [InlineData("--beta-start", "1.5")]
    [InlineData("--beta-end", "NaN")]
    [InlineData("--format", "json")]
    public void BadValue_PrintsWhatIsWrongToStderr_AndExitsWith2(string option, string value)
    {
        var result = CliRunner.Run("schedule", option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Output);
        Assert.Contains("error:", result.Error);
        Assert.Contains(value == "0" ? "--steps 0" : value, result.Error);
    }

    [Fact]
    public void BetaOptions_WithCosine_AreRefusedWithExit2()
    {
        var result = CliRunner.Run("schedule", "--kind", "cosine", "--beta-start", "0.001");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("do not apply to the cosine schedule", result.Error);
    }

    [Fact]
    public void UnknownOption_ExitsWith2()
    {
        var result = CliRunner.Run("schedule", "--colour", "red");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--colour", result.Error);
    }

    [Fact]
    public void Help_ExplainsEveryOption()
    {
        var result = CliRunner.Run("schedule", "--help");
        Assert.Equal(0, result.ExitCode);
        foreach (string option in new[] { "--kind", "--steps", "--beta-start", "--beta-end", "--cosine-offset", "--max-beta", "--format" })
            Assert.Contains(option, result.Output);
    }
}
