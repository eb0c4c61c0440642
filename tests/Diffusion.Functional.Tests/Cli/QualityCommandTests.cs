using System.Globalization;
using Diffusion.Cli.Commands;
using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Onnx;
using Diffusion.Functional.Tests.Support;

namespace Diffusion.Functional.Tests.Cli;

/// <summary>
/// The shipped UNet on a fixed key against its own measured table (docs/data/mnist-unet-quality.csv): 50 digits by
/// DDPM at 20 NFE must be as often of the requested class, and as far from the training digits, as the table's 1,000
/// within 4 standard errors; and <c>diffusion quality</c>'s argument errors.
/// </summary>
public sealed class QualityCommandTests
{
    [Fact]
    public void FiftyDigitsAt20Nfe_MatchTheMeasuredTable_WithinFourStandardErrors()
    {
        string root = Repository.Root();
        string[] row = File.ReadAllLines(Path.Combine(root, "docs", "data", "mnist-unet-quality.csv"))
            .Select(line => line.Split(',')).Single(f => f[0] == "ddpm" && f[1] == "20" && f[2] == "1");
        int tableDigits = int.Parse(row[3], CultureInfo.InvariantCulture);
        double tableAccuracy = double.Parse(row[6], CultureInfo.InvariantCulture), tableNn = double.Parse(row[7], CultureInfo.InvariantCulture);

        using OnnxDenoiser network = OnnxDenoiser.LoadMnistUNet();
        var (pixels, labels) = QualityCommand.Generate(OnnxConditionalDenoiser.MnistUNet(network), new QualityCommand.Row("ddpm", 20, 1.0, 50), 12);
        using OnnxClassifier classifier = OnnxClassifier.LoadMnist();
        ClassifierOutput classes = classifier.Classify(pixels);
        double accuracy = (double)Enumerable.Range(0, 50).Count(i => classes.PredictedClass(i) == labels[i]) / 50;
        MnistDigits training = MnistFiles.Load(Path.Combine(root, "data", "mnist-train-images-idx3-ubyte.gz"), Path.Combine(root, "data", "mnist-train-labels-idx1-ubyte.gz"));
        double[] distances = new QualityCommand.NearestNeighbours(QualityCommand.Pixels(training), 784).Distances(pixels);
        double nn = distances.Average();
        double sd = Math.Sqrt(distances.Sum(d => (d - nn) * (d - nn)) / (distances.Length - 1));

        // The test's 50 digits are the table's first 5 of each class (the same keys), so the two estimates differ by
        // less than independent samples would: 4 standard errors of the difference of independent means, √(1/50 + 1/n),
        // is a conservative bound (binomial for the accuracy, the sample sd for the distance); a CPU whose ONNX kernels
        // differ in the last bits moves a few digits, well inside it.
        double spread = Math.Sqrt(1.0 / 50 + 1.0 / tableDigits);
        double accuracyBound = 4 * Math.Sqrt(Math.Max(tableAccuracy * (1 - tableAccuracy), 1.0 / 50)) * spread;
        Assert.True(accuracy >= tableAccuracy - accuracyBound, $"accuracy {accuracy:F3} of 50 digits, table {tableAccuracy:F3} of {tableDigits}, allowed down to {tableAccuracy - accuracyBound:F3}");
        Assert.True(Math.Abs(nn - tableNn) <= 4 * sd * spread, $"mean nearest-neighbour distance {nn:F3} (sd {sd:F3}), table {tableNn:F3}, allowed ±{4 * sd * spread:F3}");
    }

    [Fact]
    public void AMissingDataFolder_ExitsWith2_AndNamesTheOption()
    {
        string output = Path.Combine(Path.GetTempPath(), $"quality-{Guid.NewGuid():N}.csv");
        var result = CliRunner.Run("quality", "--data", "/nonexistent-folder", "--out", output);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: --data /nonexistent-folder: there is no mnist-train-images-idx3-ubyte.gz", result.Error);
        Assert.False(File.Exists(output));
    }
}
