using Diffusion.Functional.Images;
using Diffusion.Functional.Onnx;
using Diffusion.Functional.Plots.Figures;
using Diffusion.Functional.Plots.Tests.Support;
using Xunit.Abstractions;

namespace Diffusion.Functional.Plots.Tests.Figures;

/// <summary>
/// The network figures with the shipped UNet, checked by a property that survives last-bit differences of ONNX Runtime
/// between CPUs (their snapshots use exact Gaussian classes instead, see <see cref="FigureInputs"/>): the shipped
/// classifier must recognise the grid's digits as their row's class as often as docs/data/mnist-unet-quality.csv
/// measured for the same sampler, NFE and guidance, within three standard errors.
/// </summary>
public class NetworkFigureTests(ITestOutputHelper output)
{
    [Fact]
    public void NetworkDigits_WithTheShippedUNet_AreMostlyOfTheirRowsClass()
    {
        // The measured accuracy p̂ of the figure's setting (ddim, 20 NFE, w = 2) from n_csv digits; the grid has 100 others
        // of the same law, so its count of right digits has mean 100·p and, with p estimated, a standard error of
        // √(p̂(1 − p̂)·(1/n_csv + 1/100)) as a fraction. The bound is p̂ − 3 SE. A p̂ of 1 (every measured digit right) would
        // make that 0 and the bound 100 of 100, which one borderline digit moved by another CPU's last bits could fail: the
        // variance is floored at one grid digit's, 1/100 (as QualityCommandTests floors it at 1/50).
        var row = QualityFigure.Parse(QualityFigure.ShippedCsv()).Single(m =>
            m.Sampler == NetworkDigitsFigure.Sampler && m.Nfe == NetworkDigitsFigure.Nfe && m.Guidance == NetworkDigitsFigure.Guidance);
        int digits = 10 * NetworkDigitsFigure.PerClass;
        double p = row.Accuracy, standardError = Math.Sqrt(Math.Max(p * (1 - p), 1.0 / digits) * (1.0 / row.Digits + 1.0 / digits));
        int atLeast = (int)Math.Ceiling(digits * (p - 3 * standardError));

        using OnnxDenoiser network = OnnxDenoiser.LoadMnistUNet();
        FigureData data = FigureInputs.FromShippedSample.WithNetwork(OnnxConditionalDenoiser.MnistUNet(network), "the shipped MNIST UNet");
        ImageBatch<float>[] rows = NetworkDigitsFigure.Sample(data, FigureCatalogue.KeyFor(FigureId.NetworkDigits, FigureCatalogue.DefaultSeed));
        using var classifier = OnnxClassifier.LoadMnist();
        int right = 0;
        for (int y = 0; y < rows.Length; y++)
        {
            ClassifierOutput result = classifier.Classify(rows[y].Values.ToArray().Select(v => Math.Clamp(v, -1f, 1f)).ToArray());
            int rowRight = Enumerable.Range(0, result.Count).Count(i => result.PredictedClass(i) == y);
            output.WriteLine($"class {y}: {rowRight}/{result.Count}");
            right += rowRight;
        }
        output.WriteLine($"{right}/{digits} of their row's class; bound {atLeast} (p̂ = {p} from {row.Digits} digits)");
        Assert.True(right >= atLeast, $"the classifier recognises {right} of the grid's {digits} digits as their row's class; ddim at 20 NFE with w = 2 measured {p:P0} (bound {atLeast}).");
    }

    [Theory]
    [InlineData(FigureId.NetworkDigits)]
    [InlineData(FigureId.NetworkSamplers)]
    public void NetworkFigures_WithoutANetwork_SayWhatIsMissing(FigureId id)
    {
        FigureData withoutNetwork = DiffusionCliData();
        var error = Assert.Throws<InvalidOperationException>(() => FigureCatalogue.Get(id).Build(withoutNetwork, FigureCatalogue.KeyFor(id, 42)));
        Assert.Contains("WithNetwork", error.Message);
        Assert.True(FigureCatalogue.Get(id).SamplesNetwork);
    }

    [Fact]
    public void OnlyTheNetworkFigures_SampleTheNetwork() =>
        Assert.Equal([FigureId.NetworkDigits, FigureId.NetworkSamplers], FigureCatalogue.All.Where(f => f.SamplesNetwork).Select(f => f.Id));

    private static FigureData DiffusionCliData() => Diffusion.Cli.Infrastructure.DigitSource.FigureData(Data.Mnist.MnistSample.Load());
}
