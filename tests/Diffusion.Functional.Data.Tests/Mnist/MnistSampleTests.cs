using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Images;
using Diffusion.Functional.TestSupport;

namespace Diffusion.Functional.Data.Tests.Mnist;

/// <summary>The shipped sample: its layout, and that it is the same bytes as the files in data/.</summary>
public class MnistSampleTests
{
    private static readonly MnistDigits Sample = MnistSample.Load();

    [Fact]
    public void Sample_Holds100DigitsOfEachClass_28By28_ClassKMod10()
    {
        Assert.Equal(1000, Sample.Count);
        Assert.Equal((28, 28), (Sample.Width, Sample.Height));
        for (int k = 0; k < Sample.Count; k++) Assert.Equal(k % 10, Sample.Label(k));
        for (int c = 0; c < 10; c++) Assert.Equal(c, Sample.IndexOfFirst(c));
    }

    [Fact]
    public void FirstFive_IsMnistTrainingImage0_TheSeedNotebooksDigit()
    {
        // Row 5 of MNIST's training image 0 from column 12, as torchvision prints train[0] (and tools/mnist-sample checks).
        byte[] row5 = [3, 18, 18, 18, 126, 136, 175, 26, 166, 255, 247, 127];
        Assert.Equal(row5, Sample.PixelBytes(Sample.IndexOfFirst(5)).Slice(5 * 28 + 12, row5.Length).ToArray());
    }

    [Fact]
    public void Image_MapsBytesOntoTheDataRange_WithFullInkAndBackground()
    {
        Image x0 = Sample.Image(5);
        Assert.Equal(-1.0, x0.Pixels.ToArray().Min());
        Assert.Equal(1.0, x0.Pixels.ToArray().Max());
        Image seedRange = Sample.Image(5, PixelRange.Unit);
        Assert.Equal(3 / 255.0, seedRange[5, 12]);
    }

    [Fact]
    public void EmbeddedSample_IsTheFilesInData()
    {
        string data = Path.Combine(RepositoryRoot.Find(), "data");
        MnistDigits files = MnistFiles.Load(
            Path.Combine(data, "mnist-sample-images-idx3-ubyte.gz"), Path.Combine(data, "mnist-sample-labels-idx1-ubyte.gz"));
        Assert.Equal(files.Images, Sample.Images);
        Assert.Equal(files.Labels, Sample.Labels);
    }

    [Fact]
    public void Index_OutsideTheSample_SaysHowManyThereAre()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Sample.Image(1000));
        Assert.Contains("outside 0..999", e.Message);
    }
}
