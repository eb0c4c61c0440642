using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Data.Tests.Support;

namespace Diffusion.Functional.Data.Tests.Mnist;

/// <summary>Finding a user's MNIST files, and pairing images with labels.</summary>
public class MnistFilesTests
{
    private static readonly IdxImages ThreeImages = IdxImages.FromBytes(3, 2, 2, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);

    private static void WriteSet(TemporaryFolder folder, string set, IdxImages images, byte[] labels, bool gzip, string under = "")
    {
        string suffix = gzip ? ".gz" : "";
        byte[] Maybe(byte[] bytes) => gzip ? IdxGenerators.Gzip(bytes) : bytes;
        folder.Write(Path.Combine(under, $"{set}-images-idx3-ubyte{suffix}"), Maybe(IdxFile.Encode(images)));
        folder.Write(Path.Combine(under, $"{set}-labels-idx1-ubyte{suffix}"), Maybe(IdxFile.Encode(IdxLabels.FromBytes(labels))));
    }

    [Fact]
    public void LoadDirectory_PrefersTheTrainingSet_AsTheSeedNotebookUsesIt()
    {
        using var folder = new TemporaryFolder();
        WriteSet(folder, "t10k", ThreeImages, [1, 1, 1], gzip: false);
        WriteSet(folder, "train", ThreeImages, [5, 0, 4], gzip: true);
        MnistDigits digits = MnistFiles.LoadDirectory(folder.Path);
        Assert.Equal([5, 0, 4], Enumerable.Range(0, 3).Select(digits.Label));
        Assert.Contains("train-images-idx3-ubyte.gz", digits.Source);
    }

    [Fact]
    public void LoadDirectory_FindsTorchvisionsLayout_AndTheOnlySetThere()
    {
        using var folder = new TemporaryFolder();
        WriteSet(folder, "t10k", ThreeImages, [7, 2, 1], gzip: false, under: Path.Combine("MNIST", "raw"));
        MnistDigits digits = MnistFiles.LoadDirectory(folder.Path);
        Assert.Equal(7, digits.Label(0));
        Assert.Equal(ThreeImages.Image(2).ToArray(), digits.PixelBytes(2).ToArray());
    }

    [Fact]
    public void LoadDirectory_WithoutAPair_NamesWhatItLookedFor()
    {
        using var folder = new TemporaryFolder();
        folder.Write("train-images-idx3-ubyte", IdxFile.Encode(ThreeImages)); // labels missing
        var e = Assert.Throws<FileNotFoundException>(() => MnistFiles.LoadDirectory(folder.Path));
        Assert.Contains("train-images-idx3-ubyte[.gz]", e.Message);
        Assert.Throws<DirectoryNotFoundException>(() => MnistFiles.LoadDirectory(Path.Combine(folder.Path, "absent")));
    }

    [Fact]
    public void Load_ImagesAndLabelsOfDifferentCounts_IsInvalidData_NamingBothFiles()
    {
        using var folder = new TemporaryFolder();
        WriteSet(folder, "train", ThreeImages, [1, 2], gzip: false);
        var e = Assert.Throws<InvalidDataException>(() => MnistFiles.LoadDirectory(folder.Path));
        Assert.Contains("3 images but the label file holds 2 labels", e.Message);
        Assert.Contains("train-images-idx3-ubyte and ", e.Message);
        Assert.Contains("train-labels-idx1-ubyte", e.Message);
    }

    [Fact]
    public void Load_ALabelThatIsNotADigit_IsInvalidData()
    {
        using var folder = new TemporaryFolder();
        WriteSet(folder, "train", ThreeImages, [1, 10, 2], gzip: false);
        var e = Assert.Throws<InvalidDataException>(() => MnistFiles.LoadDirectory(folder.Path));
        Assert.Contains("label 1 is 10, not a digit 0–9", e.Message);
    }
}
