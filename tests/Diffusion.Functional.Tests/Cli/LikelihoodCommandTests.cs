using System.Globalization;

namespace Diffusion.Functional.Tests.Cli;

/// <summary>
/// <c>diffusion likelihood</c>: bad options and model files exit 2 and write nothing; a small real run writes both
/// tables, whose columns obey the identities of docs/likelihood.md (x_0-MSE = ε-MSE/SNR, loss = w·ε-MSE).
/// </summary>
public sealed class LikelihoodCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("diffusion-likelihood-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string DataFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "data", "mnist-heldout-images-idx3-ubyte.gz"))) return Path.Combine(dir.FullName, "data");
        throw new InvalidOperationException("The repository's data/ folder with the held-out split was not found above the test's folder.");
    }

    [Theory]
    [InlineData("--model", "no-such-model.onnx", "--model")]
    [InlineData("--digits", "0", "--digits")]
    [InlineData("--digits", "2001", "--digits")]
    [InlineData("--steps", "0", "--steps")]
    public void BadOptions_ExitTwo_NameTheOption_AndWriteNothing(string option, string value, string named)
    {
        var result = CliRunner.Run("likelihood", option, value, "--data", DataFolder(), "--out", _folder);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(named, result.Error);
        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Fact]
    public void MissingHeldOutSplit_ExitsTwo_AndWritesNothing()
    {
        var result = CliRunner.Run("likelihood", "--data", _folder, "--out", _folder);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--data", result.Error);
        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Fact]
    public void OneDigit_WritesBothTables_WhoseColumnsObeyTheIdentities()
    {
        var result = CliRunner.Run("likelihood", "--digits", "1", "--steps", "4", "--data", DataFolder(), "--out", _folder);
        Assert.True(result.ExitCode == 0, result.Error);
        string[] bound = File.ReadAllLines(Path.Combine(_folder, "mnist-unet-bpd.csv"));
        Assert.Equal(3, bound.Length);
        Assert.StartsWith("full,1000,1,", bound[1]);
        Assert.StartsWith("respaced,4,1,", bound[2]);
        string[] lines = File.ReadAllLines(Path.Combine(_folder, "mnist-unet-loss-per-t.csv"));
        string[] header = lines[0].Split(',');
        Assert.Equal(24, lines.Length);
        double Cell(string[] row, string column) => row[Array.IndexOf(header, column)] is { Length: > 0 } c ? double.Parse(c, CultureInfo.InvariantCulture) : double.NaN;
        // Each value is printed to 6 significant digits (relative 5e-6); a quotient of two printed values is within 1e-5.
        static void Near(double expected, double actual, string what) =>
            Assert.True(Math.Abs(actual - expected) <= 2e-5 * Math.Abs(expected), $"{what}: {actual:R} vs {expected:R}");
        foreach (string line in lines[1..])
        {
            string[] row = line.Split(',');
            double t = Cell(row, "t"), snr = Cell(row, "snr"), eps = Cell(row, "eps_mse");
            Near(eps / snr, Cell(row, "x0_mse"), $"x_0-MSE at t = {t}");
            Near(eps * (1 + 1 / snr), Cell(row, "v_mse"), $"v-MSE at t = {t}");
            foreach (string w in new[] { "eps", "x0", "v", "min_snr_5", "p2", "edm" })
                Near(Cell(row, $"w_{w}") * eps, Cell(row, $"loss_{w}"), $"loss_{w} at t = {t}");
            Near(Cell(row, "w_hybrid") * eps, Cell(row, "hybrid"), $"hybrid at t = {t}");
            if (t >= 2) Near(1 + 1.0 * Cell(row, "w_vlb") / Math.Log(2), Cell(row, "w_hybrid"), $"hybrid's weight at t = {t} (λ·T = 1)");
        }
    }
}
