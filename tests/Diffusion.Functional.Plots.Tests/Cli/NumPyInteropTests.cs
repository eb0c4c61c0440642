using Diffusion.Functional.Schedules;
using System.Globalization;
using Diffusion.Cli;
using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Processes;
using Diffusion.Functional.TestSupport;
using Xunit.Abstractions;

namespace Diffusion.Functional.Plots.Tests.Cli;

/// <summary>
/// The .npy files of the CLI, loaded by NumPy itself (<c>numpy.load</c>), not by our own reader: dtype, shape and every
/// value, and the orientation (row-major, rows first) on a digit that is not square. NumPy is not a .NET package, so
/// these tests need a Python with NumPy: <c>.ci/run</c> installs Debian's python3-numpy and sets
/// <c>DIFFUSION_TEST_REQUIRE_NUMPY=1</c>, which turns a missing NumPy into a failure; elsewhere they say that they
/// were not run and pass.
/// </summary>
public sealed class NumPyInteropTests(ITestOutputHelper output) : IDisposable
{
    private const string LoadScript =
        "import sys, numpy as np\n" +
        "for path in sys.argv[1:]:\n" +
        "    a = np.load(path)\n" +
        "    print(a.dtype.str, ','.join(map(str, a.shape)), ' '.join(repr(float(v)) for v in a.ravel(order='C')))\n";

    private readonly string _folder = Directory.CreateTempSubdirectory("diffusion-numpy-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static void RunCli(params string[] args)
    {
        var error = new StringWriter();
        int code = DiffusionCli.Run(args, new StringWriter(), error);
        Assert.True(code == 0, $"diffusion {string.Join(' ', args)} exited with {code}: {error}");
    }

    private static float[] AsFloats(Image image) => image.Pixels.ToArray().Select(v => (float)v).ToArray();

    [Fact]
    public void Forward_Npy_LoadsInNumPy_As28By28Float32_WithTheCoresValues()
    {
        RunCli("forward", "--digit", "5", "--t", "100", "--seed", "3", "--out", PathOf("x100.npy"));
        if (LoadWithNumPy(PathOf("x100.npy")) is not [var loaded]) return;

        Image expected = ForwardProcess.Sample(CanonicalSchedules.Seed, MnistSample.Load().Image(5), 100, NoiseKey.FromSeed(3));
        Assert.Equal("<f4", loaded.DType);
        Assert.Equal([28, 28], loaded.Shape);
        Assert.Equal(AsFloats(expected), loaded.Values);
    }

    [Fact]
    public void ChainFrames_Npy_LoadsInNumPy_AsStepsByRowsByColumns()
    {
        RunCli("reverse", "--digit", "5", "--from", "20", "--out", PathOf("x0.npy"), "--frames", PathOf("frames"));
        if (LoadWithNumPy(PathOf(Path.Combine("frames", "chain.npy"))) is not [var loaded]) return;

        NoiseKey root = NoiseKey.FromSeed(FigureCatalogue.DefaultSeed);
        Image x0 = MnistSample.Load().Image(5);
        Image x20 = ForwardProcess.Sample(CanonicalSchedules.Seed, x0, 20, root.Child(0));
        ChainState[] chain = OracleChain.Run(CanonicalSchedules.Seed, x0, x20, 20, root.Child(1)).ToArray();
        Assert.Equal("<f4", loaded.DType);
        Assert.Equal([21, 28, 28], loaded.Shape);
        Assert.Equal(chain.SelectMany(state => AsFloats(state.X)), loaded.Values);
    }

    [Fact]
    public void ANonSquareDigit_LoadsInNumPy_RowsFirst()
    {
        string mnist = PathOf("mnist");
        Directory.CreateDirectory(mnist);
        // Two rows of three pixels: NumPy must see shape (2, 3) and a[1, 0] = the first byte of the second row.
        File.WriteAllBytes(Path.Combine(mnist, "train-images-idx3-ubyte"), IdxFile.Encode(IdxImages.FromBytes(1, 2, 3, [0, 51, 102, 153, 204, 255])));
        File.WriteAllBytes(Path.Combine(mnist, "train-labels-idx1-ubyte"), IdxFile.Encode(IdxLabels.FromBytes([4])));
        RunCli("digit", "--digit", "0", "--mnist", mnist, "--out", PathOf("tiny.npy"));
        if (LoadWithNumPy(PathOf("tiny.npy")) is not [var loaded]) return;

        Assert.Equal("<f4", loaded.DType);
        Assert.Equal([2, 3], loaded.Shape);
        float[] expected = new byte[] { 0, 51, 102, 153, 204, 255 }.Select(b => (float)PixelRange.SignedUnit.FromByte(b)).ToArray();
        Assert.Equal(expected, loaded.Values);
    }

    private sealed record Loaded(string DType, int[] Shape, float[] Values);

    /// <summary>The arrays as numpy.load reads them, or null (after saying so) when no Python with NumPy is here.</summary>
    private Loaded[]? LoadWithNumPy(params string[] paths)
    {
        string? python = PythonWithNumPy();
        if (python is null)
        {
            Assert.False(Environment.GetEnvironmentVariable("DIFFUSION_TEST_REQUIRE_NUMPY") == "1",
                "DIFFUSION_TEST_REQUIRE_NUMPY=1 but neither python3 nor /usr/bin/python3 imports numpy (Debian: apt-get install python3-numpy).");
            output.WriteLine("Not run: no python3 with NumPy on this machine (.ci/run installs one).");
            return null;
        }
        var (code, stdout, stderr) = ChildProcess.Run(python, ["-c", LoadScript, .. paths]);
        Assert.True(code == 0, $"numpy.load failed with exit code {code}: {stderr}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            string[] parts = line.Split(' ');
            int[] shape = parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
            // repr of a float32 widened to double is exact, so the parsed double narrows back to the same float.
            float[] values = parts.Skip(2).Select(v => (float)double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            return new Loaded(parts[0], shape, values);
        }).ToArray();
    }

    private static string? PythonWithNumPy() =>
        new[] { "python3", "/usr/bin/python3" }.FirstOrDefault(candidate => ChildProcess.Succeeds(candidate, "-c", "import numpy"));
}
