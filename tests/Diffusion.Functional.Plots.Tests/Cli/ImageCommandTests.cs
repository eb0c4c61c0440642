using Diffusion.Functional.Schedules;
using System.Buffers.Binary;
using System.Text;
using Diffusion.Cli;
using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Processes;

namespace Diffusion.Functional.Plots.Tests.Cli;

/// <summary>
/// <c>diffusion forward</c>, <c>reverse</c> and <c>digit</c>: the .npy they write holds exactly the core's result in
/// float32, the .png is a picture, bad arguments exit with 2 and leave nothing behind.
/// </summary>
public sealed class ImageCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("diffusion-cli-").FullName;
    private static readonly MnistDigits Sample = MnistSample.Load();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = DiffusionCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private string PathOf(string name) => Path.Combine(_folder, name);

    /// <summary>Reads a little-endian float32 .npy written by the CLI: its shape and values.</summary>
    private static (int[] Shape, float[] Values) ReadNpy(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(8));
        string header = Encoding.ASCII.GetString(file, 10, headerLength);
        Assert.StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (", header);
        string sizes = header[(header.IndexOf("'shape': (", StringComparison.Ordinal) + 10)..header.IndexOf(')')];
        int[] shape = sizes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        float[] values = new float[(file.Length - 10 - headerLength) / 4];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(10 + headerLength + 4 * i));
        return (shape, values);
    }

    private static float[] AsFloats(Image image) => image.Pixels.ToArray().Select(v => (float)v).ToArray();

    [Fact]
    public void Forward_Npy_IsTheCoresSampleOfQxtGivenX0_InFloat32()
    {
        var result = Run("forward", "--digit", "5", "--t", "100", "--seed", "3", "--out", PathOf("x100.npy"));
        Assert.Equal(0, result.Code);
        var (shape, values) = ReadNpy(PathOf("x100.npy"));
        Assert.Equal([28, 28], shape);
        Image expected = ForwardProcess.Sample(CanonicalSchedules.Seed, Sample.Image(5), 100, NoiseKey.FromSeed(3));
        Assert.Equal(AsFloats(expected), values);
    }

    [Fact]
    public void Reverse_ToOne_IsTheSeedsLastState_AndFramesHoldTheWholeChain()
    {
        var result = Run("reverse", "--digit", "5", "--from", "50", "--to", "1", "--out", PathOf("x1.npy"), "--frames", PathOf("frames"));
        Assert.Equal(0, result.Code);
        NoiseKey root = NoiseKey.FromSeed(FigureCatalogue.DefaultSeed);
        Image x0 = Sample.Image(5);
        Image x50 = ForwardProcess.Sample(CanonicalSchedules.Seed, x0, 50, root.Child(0));
        ChainState[] chain = OracleChain.Run(CanonicalSchedules.Seed, x0, x50, 50, root.Child(1)).ToArray();
        Assert.Equal(AsFloats(chain[49].X), ReadNpy(PathOf("x1.npy")).Values);

        var (shape, values) = ReadNpy(PathOf(Path.Combine("frames", "chain.npy")));
        Assert.Equal([50, 28, 28], shape);
        Assert.Equal(chain.Take(50).SelectMany(s => AsFloats(s.X)), values);
        Assert.True(File.Exists(PathOf(Path.Combine("frames", "x_050.png"))));
        Assert.True(File.Exists(PathOf(Path.Combine("frames", "x_001.png"))));
        Assert.Equal(51, Directory.GetFiles(PathOf("frames")).Length); // 50 pictures and chain.npy
    }

    [Fact]
    public void Reverse_ByDefault_EndsAtTheDigitItself()
    {
        Assert.Equal(0, Run("reverse", "--digit", "7", "--from", "30", "--out", PathOf("end.npy")).Code);
        Assert.Equal(AsFloats(Sample.Image(7)), ReadNpy(PathOf("end.npy")).Values);
    }

    [Fact]
    public void Digit_Npy_IsTheCleanDigitInMinusOneToOne()
    {
        Assert.Equal(0, Run("digit", "--digit", "3", "--out", PathOf("three.npy")).Code);
        float[] values = ReadNpy(PathOf("three.npy")).Values;
        Assert.Equal(AsFloats(Sample.Image(3)), values);
        Assert.Equal(-1f, values.Min());
        Assert.Equal(1f, values.Max());
    }

    [Theory]
    [InlineData("digit", "--digit", "0")]
    [InlineData("forward", "--digit", "0", "--t", "10")]
    [InlineData("reverse", "--digit", "0", "--from", "10")]
    public void Png_IsAPictureOfTheDefaultSize(params string[] args)
    {
        Assert.Equal(0, Run([.. args, "--out", PathOf("picture.png")]).Code);
        using var bitmap = SkiaSharp.SKBitmap.Decode(File.ReadAllBytes(PathOf("picture.png")));
        Assert.Equal((ImagePicture.DefaultWidth, ImagePicture.DefaultHeight), (bitmap.Width, bitmap.Height));
    }

    [Theory]
    [InlineData("outside 1..200", "forward", "--digit", "5", "--t", "0")]
    [InlineData("outside 1..200", "forward", "--digit", "5", "--t", "201")]
    [InlineData("--digit 1000 is outside 0..999", "forward", "--digit", "1000", "--t", "5")]
    [InlineData("--digit -1 is outside 0..999", "digit", "--digit", "-1")]
    [InlineData("--to 50 is outside 0..49", "reverse", "--digit", "5", "--from", "50", "--to", "50")]
    [InlineData("--from 0 is outside 1..200", "reverse", "--digit", "5", "--from", "0")]
    [InlineData("no such folder", "digit", "--digit", "5", "--mnist", "/no/such/folder")]
    [InlineData("'--digit' is required", "forward", "--t", "5")]
    public void BadArguments_ExitWith2_SayWhatIsWrong_AndWriteNothing(string message, params string[] args)
    {
        var result = Run([.. args, "--out", PathOf("out.npy")]);
        Assert.Equal(2, result.Code);
        Assert.Contains(message, result.Error);
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void AnOutputThatIsNeitherPngNorNpy_ExitsWith2()
    {
        var result = Run("digit", "--digit", "5", "--out", PathOf("digit.jpg"));
        Assert.Equal(2, result.Code);
        Assert.Contains("must end in .png (a picture) or .npy", result.Error);
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void Mnist_PointsAnyCommandAtAUsersCopy_AndACorruptCopyExitsWith1NamingTheFile()
    {
        string mnist = PathOf("mnist");
        Directory.CreateDirectory(mnist);
        File.WriteAllBytes(Path.Combine(mnist, "t10k-images-idx3-ubyte"), IdxFile.Encode(IdxImages.FromBytes(1, 2, 3, [0, 51, 102, 153, 204, 255])));
        File.WriteAllBytes(Path.Combine(mnist, "t10k-labels-idx1-ubyte"), IdxFile.Encode(IdxLabels.FromBytes([4])));
        Assert.Equal(0, Run("digit", "--digit", "0", "--mnist", mnist, "--out", PathOf("tiny.npy")).Code);
        var (shape, values) = ReadNpy(PathOf("tiny.npy"));
        Assert.Equal([2, 3], shape);
        Assert.Equal([-1f, -0.6f, -0.2f, 0.2f, 0.6f, 1f], values);

        File.WriteAllBytes(Path.Combine(mnist, "t10k-images-idx3-ubyte"), [0, 0, 8, 3, 0, 0]);
        var result = Run("digit", "--digit", "0", "--mnist", mnist, "--out", PathOf("corrupt.npy"));
        Assert.Equal(1, result.Code);
        Assert.Contains("t10k-images-idx3-ubyte is truncated", result.Error);
        Assert.False(File.Exists(PathOf("corrupt.npy")));
    }
}
