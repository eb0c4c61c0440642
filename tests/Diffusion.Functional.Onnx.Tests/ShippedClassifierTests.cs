using System.Text.Json;
using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Onnx.Tests.Support;
using Xunit.Abstractions;

namespace Diffusion.Functional.Onnx.Tests;

/// <summary>The shipped MNIST classifier: PyTorch's outputs at export, and its held-out accuracy as train.py measured it.</summary>
public class ShippedClassifierTests(ITestOutputHelper output)
{
    // As for the UNet (ShippedUNetTests): reordered float32 sums, K ≤ 9·64 = 576 or 3,136 inputs per output, 6 layers.
    private const double PyTorchTolerance = 1e-4;

    [Fact]
    public void OnnxRuntime_GivesPyTorchsOutputAtExport_ToTheStatedTolerance()
    {
        var reference = Reference.Read("mnist-classifier-reference.json");
        using var classifier = OnnxClassifier.LoadMnist();
        Assert.Equal((10, 128), (classifier.Classes, classifier.FeatureCount));
        var result = classifier.Classify(reference.Floats("image"));
        foreach (var (name, actual) in new[] { ("logits", result.Logits), ("features", result.Features) })
        {
            float[] expected = reference.Floats(name);
            Assert.Equal(expected.Length, actual.Length);
            double worst = expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max();
            output.WriteLine($"{name}: max |ONNX Runtime − PyTorch| = {worst:E3} (values up to {expected.Max(Math.Abs):F2})");
            Assert.True(worst <= PyTorchTolerance * Math.Max(1, expected.Max(Math.Abs)), $"{name} differ from PyTorch's by {worst:E3}.");
        }
    }

    [Fact]
    public void HeldOutAccuracy_IsWhatTrainPyMeasured()
    {
        var images = IdxFile.ReadImages(Repository.PathOf("data", "mnist-heldout-images-idx3-ubyte.gz"));
        var labels = IdxFile.ReadLabels(Repository.PathOf("data", "mnist-heldout-labels-idx1-ubyte.gz"));
        // train.py's pixels: byte/127.5 − 1, two float32 roundings, as here.
        float[] x = images.Pixels.ToArray().Select(b => b / 127.5f - 1f).ToArray();
        using var classifier = OnnxClassifier.LoadMnist();
        var result = classifier.Classify(x);
        int correct = Enumerable.Range(0, result.Count).Count(i => result.PredictedClass(i) == labels.Values[i]);
        // Only a near tie between the two largest logits can be decided differently by ONNX Runtime and PyTorch.
        int nearTies = Enumerable.Range(0, result.Count).Count(i =>
        {
            var row = result.Logits.AsSpan(i * 10, 10).ToArray().OrderDescending().ToArray();
            return row[0] - row[1] < 1e-3;
        });
        using var provenance = JsonDocument.Parse(File.ReadAllText(Repository.PathOf("tools", "mnist-model", "provenance-classifier.json")));
        double measured = provenance.RootElement.GetProperty("heldout_accuracy").GetDouble();
        int expected = (int)Math.Round(measured * 2000);
        output.WriteLine($"held-out accuracy {correct}/2000 = {correct / 2000.0:P2}; train.py measured {measured:P2}; near ties {nearTies}");
        Assert.InRange(correct, expected - nearTies, expected + nearTies);
    }
}
