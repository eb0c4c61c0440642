using System.Globalization;
using System.Text.RegularExpressions;
using Diffusion.Functional.Packaging.Tests.Support;
using Diffusion.Functional.Plots.Tests.Support;

namespace Diffusion.Functional.Packaging.Tests;

/// <summary>What each script of docs/examples must print and write. A script without an entry here fails its test.</summary>
public static partial class ExampleChecks
{
    /// <summary>The file a script writes (its argument), and how its output and that file are checked.</summary>
    public sealed record Check(string OutputFileName, Action<string[], string> Verify);

    /// <summary>Every check, by script file name.</summary>
    public static IReadOnlyDictionary<string, Check> All { get; } = new Dictionary<string, Check>
    {
        ["seed-notebook.cs"] = new("seed-notebook.png", SeedNotebook),
        ["schedule-comparison.cs"] = new("schedule-comparison.csv", ScheduleComparison),
        ["sampling-exact-denoiser.cs"] = new("sampling-exact-denoiser.png", SamplingExactDenoiser),
    };

    // The seed notebook redone: the numbers it prints, and the four-panel figure.
    private static void SeedNotebook(string[] lines, string png)
    {
        Assert.Contains("x_0: digit 5 of the shipped sample, class 5, 28×28, pixels in [-1, 1]", lines);
        Assert.Contains("ᾱ_200 = 0.1322", lines); // the seed prints alpha_bar[-1] = 0.1322
        // √ᾱ_100, √(1 − ᾱ_100), and q(x_99 | x_100, x_0)'s weights and variance (DDPM eq. 7), to 6 decimals, computed
        // from the exact rational schedule with 40-digit square roots (Python's fractions and decimal).
        Assert.Contains(lines, l => l.StartsWith("x_100 = 0.7762·x_0 + 0.6305·ε, ε over 784 pixels:", StringComparison.Ordinal));
        Assert.Contains("q(x_99 | x_100, x_0): μ̃ = 0.019624·x_0 + 0.979755·x_100, β̃ = 0.009847", lines);
        Assert.Contains("by hand (DDPM eq. 7):  0.019624·x_0 + 0.979755·x_100, β̃ = 0.009847", lines);
        Assert.Contains("Denoising from step 50 down to 0: 50 steps", lines);
        Assert.Contains("x_0 reached exactly: True", lines);
        Assert.Contains(lines, l => l.StartsWith("Figure (1600×520): ", StringComparison.Ordinal) && l.EndsWith(png, StringComparison.Ordinal));
        // The script draws the catalogue's seed-reverse figure with the states it computed: the approved snapshot.
        PngComparison comparison = PngComparison.Of(File.ReadAllBytes(Repository.PathOf("snapshots", "FigureSnapshotTests.SeedReverse.approved.png")), File.ReadAllBytes(png));
        Assert.True(comparison.Identical, $"The script's figure differs from the approved seed-reverse snapshot: {comparison.Describe()}.");
    }

    // ᾱ_1000 of DDPM's linear schedule (T = 1000, β 1e-4 → 0.02), computed exactly in rational arithmetic (Python's
    // fractions) and rounded once to double.
    private const double DdpmAlphaBar1000 = 4.0358297653756835e-05;

    private static readonly string[] ComparedSchedules = ["linear", "cosine", "scaled-linear", "sigmoid"];

    // The schedule comparison: a CSV of four schedules whose columns agree with each other, and the summary printed.
    private static void ScheduleComparison(string[] lines, string csvPath)
    {
        string[] csv = File.ReadAllLines(csvPath);
        Assert.Equal("schedule,t,beta,alpha_bar,sqrt_alpha_bar,sqrt_one_minus_alpha_bar,posterior_variance,log_snr", csv[0]);
        const int T = 1000;
        Assert.Equal(1 + ComparedSchedules.Length * T, csv.Length);
        Assert.Contains($"Wrote 4 schedules × 1000 steps to {csvPath}", lines);

        for (int k = 0; k < ComparedSchedules.Length; k++)
        {
            string name = ComparedSchedules[k];
            var rows = csv.Skip(1 + k * T).Take(T).Select(r => r.Split(',')).ToArray();
            double[] Column(int c) => rows.Select(r => double.Parse(r[c], CultureInfo.InvariantCulture)).ToArray();
            Assert.All(rows, r => Assert.Equal(name, r[0]));
            Assert.Equal(Enumerable.Range(1, T).Select(t => t.ToString(CultureInfo.InvariantCulture)), rows.Select(r => r[1]));
            double[] beta = Column(2), alphaBar = Column(3), sqrtAlphaBar = Column(4), sqrtOneMinus = Column(5), posteriorVariance = Column(6), logSnr = Column(7);

            double product = 1.0;
            for (int i = 0; i < T; i++)
            {
                string at = $"{name}, t = {i + 1}";
                Assert.True(beta[i] > 0 && beta[i] < 1, $"{at}: β = {beta[i]} is outside (0, 1).");
                product *= 1.0 - beta[i];
                Assert.True(Math.Abs(alphaBar[i] - product) <= 1e-12 * product, $"{at}: ᾱ = {alphaBar[i]:R} is not ∏(1 − β) = {product:R}.");
                Assert.True(Math.Abs(sqrtAlphaBar[i] * sqrtAlphaBar[i] - alphaBar[i]) <= 1e-12 * alphaBar[i], $"{at}: √ᾱ² ≠ ᾱ.");
                Assert.True(Math.Abs(sqrtOneMinus[i] * sqrtOneMinus[i] + alphaBar[i] - 1.0) <= 1e-12, $"{at}: √(1 − ᾱ)² + ᾱ ≠ 1.");
                Assert.True(posteriorVariance[i] >= 0 && posteriorVariance[i] <= beta[i], $"{at}: β̃ = {posteriorVariance[i]} is outside [0, β].");
                Assert.True(Math.Abs(logSnr[i] - Math.Log(alphaBar[i] / (1.0 - alphaBar[i]))) <= 1e-9, $"{at}: log SNR ≠ log(ᾱ / (1 − ᾱ)).");
            }
            Assert.Equal(0.0, posteriorVariance[0]); // β̃_1 = 0: the last reverse step is deterministic

            // The summary line: ᾱ at T/4, T/2, 3T/4, T and the first t with SNR < 1, as in the CSV.
            string summary = Assert.Single(lines, l => l.StartsWith(name + " ", StringComparison.Ordinal));
            string[] fields = summary.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string G4(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
            Assert.Equal([name, G4(alphaBar[249]), G4(alphaBar[499]), G4(alphaBar[749]), G4(alphaBar[999]), (Array.FindIndex(logSnr, l => l < 0) + 1).ToString(CultureInfo.InvariantCulture)], fields);
        }

        double linearAlphaBar = double.Parse(csv[T].Split(',')[3], CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(linearAlphaBar - DdpmAlphaBar1000) <= 1e-13 * DdpmAlphaBar1000, $"linear ᾱ_1000 = {linearAlphaBar:R}, expected {DdpmAlphaBar1000:R} to 1e-13.");
    }

    // Sampling with exact denoisers: Gaussian data comes back as N(μ, σ²) within tolerances derived here from n, and
    // every MNIST sample is a training digit of the class the shipped labels give it.
    private static void SamplingExactDenoiser(string[] lines, string png)
    {
        Assert.Contains("Schedule: linear(T=1000, β 0.0001→0.02), ᾱ_T = 4.04E-05", lines);

        const double mu = 0.3, sigma2 = 0.25;
        const int n = 10_000;
        double meanTolerance = 4 * Math.Sqrt(sigma2 / n), varianceTolerance = 4 * sigma2 * Math.Sqrt(2.0 / (n - 1)); // 4 standard errors
        Assert.Contains(FormattableString.Invariant($"Gaussian data N(0.3, 0.25): n = {n} samples per sampler, tolerances ±{meanTolerance:F4} (mean) and ±{varianceTolerance:F4} (variance)"), lines);
        foreach (string sampler in new[] { "DDPM (σ² = β̃)", "DDIM (η = 0)", "DDIM (η = 1)" })
        {
            string line = Assert.Single(lines, l => l.StartsWith(sampler + ", 1000 steps:", StringComparison.Ordinal));
            Match numbers = GaussianLine().Match(line);
            Assert.True(numbers.Success, $"'{line}' does not print a mean and a variance.");
            double mean = double.Parse(numbers.Groups["mean"].Value, CultureInfo.InvariantCulture);
            double variance = double.Parse(numbers.Groups["variance"].Value, CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(mean - mu) <= meanTolerance, $"{sampler}: mean {mean} is not within {meanTolerance:F4} of μ = {mu}.");
            Assert.True(Math.Abs(variance - sigma2) <= varianceTolerance, $"{sampler}: variance {variance} is not within {varianceTolerance:F4} of σ² = {sigma2}.");
            Assert.EndsWith(": reproduces N(μ, σ²)", line);
        }

        Assert.Contains("MNIST: 8 digits from pure noise, DDIM (η = 0) on 50 steps, empirical denoiser of 1000 digits", lines);
        byte[] labels = ShippedLabels();
        for (int k = 0; k < 8; k++)
        {
            string line = Assert.Single(lines, l => l.StartsWith($"sample {k}: training digit ", StringComparison.Ordinal));
            int digit = int.Parse(line.Split(' ')[4], CultureInfo.InvariantCulture);
            Assert.Equal($"sample {k}: training digit {digit} (class {labels[digit]}), max |x_0 − digit| = 0", line);
        }

        Assert.Contains($"Picture: {png}", lines);
        using var bitmap = SkiaSharp.SKBitmap.Decode(File.ReadAllBytes(png));
        Assert.NotNull(bitmap);
        Assert.Equal((960, 642), (bitmap.Width, bitmap.Height)); // ImagePicture.GridSize(8 images, a title of two lines)
    }

    // The labels of the MNIST sample in data/ (IDX: a 4-byte magic and a 4-byte count, then one byte per label).
    private static byte[] ShippedLabels()
    {
        using var file = new System.IO.Compression.GZipStream(File.OpenRead(Repository.PathOf("data", "mnist-sample-labels-idx1-ubyte.gz")), System.IO.Compression.CompressionMode.Decompress);
        var bytes = new MemoryStream();
        file.CopyTo(bytes);
        return bytes.ToArray()[8..];
    }

    [GeneratedRegex(@"mean (?<mean>-?\d+\.\d+), variance (?<variance>\d+\.\d+):")]
    private static partial Regex GaussianLine();
}
