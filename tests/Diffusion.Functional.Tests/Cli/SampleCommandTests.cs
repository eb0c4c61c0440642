using System.Buffers.Binary;
using System.Text;
using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Plots;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Tests.Cli;

/// <summary>
/// <c>diffusion sample</c>: the .npy holds exactly the core's samples in float32 (so the schedule, the denoiser, the
/// sampler and the keys are the documented ones), every sample is a training digit, one seed gives the same bytes, and
/// bad arguments exit with 2 and write nothing. Each run uses few steps and few samples (10 steps of 4 samples is 40
/// evaluations of the 1000-digit denoiser, about 10 ms).
/// </summary>
public sealed class SampleCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("diffusion-sample-").FullName;
    private static readonly MnistDigits Sample = MnistSample.Load();
    private static readonly Image[] Training = Enumerable.Range(0, Sample.Count).Select(i => Sample.Image(i)).ToArray();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    /// <summary>Reads a little-endian float32 .npy: its shape and values.</summary>
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

    private static float[] Digit(float[] values, int k) => values.AsSpan(k * 784, 784).ToArray();

    private static double SquaredDistance(float[] sample, Image digit) =>
        sample.Select((v, p) => (v - digit.Pixels[p]) * (v - digit.Pixels[p])).Sum();

    public static TheoryData<string[], ISampler> Samplers => new()
    {
        { ["--sampler", "ddpm"], new DdpmSampler(DdpmVariance.FixedSmall) },
        { ["--sampler", "ddim"], new DdimSampler(0.0) },
        { ["--sampler", "ddim", "--eta", "0.5"], new DdimSampler(0.5) },
        { ["--sampler", "ddim", "--eta", "1"], new DdimSampler(1.0) },
    };

    [Theory]
    [MemberData(nameof(Samplers))]
    public void Npy_IsTheCoresGenerateMany_WithDdpmsScheduleAndTheEmpiricalDenoiser_InFloat32(string[] sampler, ISampler settings)
    {
        var result = CliRunner.Run(["sample", .. sampler, "--steps", "10", "--count", "3", "--seed", "5", "--out", PathOf("digits.npy")]);
        Assert.True(result.ExitCode == 0, result.Error);
        var (shape, values) = ReadNpy(PathOf("digits.npy"));
        Assert.Equal([3, 28, 28], shape);

        // Built here from the documented parts: DDPM's linear schedule, 10 trailing steps, the x_0-denoiser of the sample.
        NoiseSchedule schedule = NoiseSchedule.Linear(1000, 1e-4, 0.02);
        Denoiser denoiser = new EmpiricalData(ImageBatch<double>.FromImages(Training)).Denoiser(schedule, PredictionTarget.X0);
        ImageBatch<double> expected = ReverseSampler.GenerateMany(RespacedSchedule.Uniform(schedule, 10), denoiser, settings, 28, 28, 3, NoiseKey.FromSeed(5));
        Assert.Equal(expected.Values.ToArray().Select(v => (float)v), values);
    }

    [Fact]
    public void AnOffGridSampler_IsTheCoresGenerate_WithTheEmpiricalDenoiserAtAnyNoiseLevel()
    {
        // dpm2 evaluates D at √(σ_i·σ_{i−1}), between the grid's levels: the CLI's empirical denoiser is the exact posterior
        // mean there too (EmpiricalData.ContinuousDenoiser; docs/samplers.md, "Off the grid").
        var result = CliRunner.Run(["sample", "--sampler", "dpm2", "--steps", "6", "--count", "2", "--seed", "5", "--out", PathOf("dpm2.npy")]);
        Assert.True(result.ExitCode == 0, result.Error);
        NoiseSchedule schedule = NoiseSchedule.Linear(1000, 1e-4, 0.02);
        var denoiser = new EmpiricalData(ImageBatch<double>.FromImages(Training)).ContinuousDenoiser<double>(schedule);
        ImageBatch<double> expected = ReverseSampler.Generate(new DpmSolverSampler(2), RespacedSchedule.Uniform(schedule, 6), denoiser, 2, 1, 28, 28, NoiseKey.FromSeed(5));
        Assert.Equal(expected.Values.ToArray().Select(v => (float)v), ReadNpy(PathOf("dpm2.npy")).Values);
    }

    public static TheoryData<string[], ISampler> SettingsOfOffGridSamplers => new()
    {
        { ["--sampler", "heun", "--churn", "40", "--s-tmin", "0.05", "--s-tmax", "50", "--s-noise", "1.003"], new HeunSampler(40.0, 0.05, 50.0, 1.003) },
        { ["--sampler", "euler", "--churn", "10"], new EulerSampler(Churn: 10.0) },
        { ["--sampler", "dpm2", "--churn", "5", "--s-tmax", "20"], new DpmSolverSampler(2, Churn: 5.0, ChurnSigmaMax: 20.0) },
        { ["--sampler", "dpm-solver", "--order", "2"], new DpmSolverSampler(2) },
        { ["--sampler", "dpm-solver", "--order", "1"], new DpmSolverSampler(1) },
    };

    [Theory]
    [MemberData(nameof(SettingsOfOffGridSamplers))]
    public void SamplerSettings_ReachTheCoresSampler(string[] sampler, ISampler settings)
    {
        // --churn & co. (Karras et al. 2022, Algorithm 2) and --order: the .npy is the core's Generate with those settings.
        var result = CliRunner.Run(["sample", .. sampler, "--steps", "6", "--count", "2", "--seed", "5", "--out", PathOf("set.npy")]);
        Assert.True(result.ExitCode == 0, result.Error);
        NoiseSchedule schedule = NoiseSchedule.Linear(1000, 1e-4, 0.02);
        var denoiser = new EmpiricalData(ImageBatch<double>.FromImages(Training)).ContinuousDenoiser<double>(schedule);
        ImageBatch<double> expected = ReverseSampler.Generate(settings, RespacedSchedule.Uniform(schedule, 6), denoiser, 2, 1, 28, 28, NoiseKey.FromSeed(5));
        Assert.Equal(expected.Values.ToArray().Select(v => (float)v), ReadNpy(PathOf("set.npy")).Values);
    }

    [Theory]
    [InlineData("ddpm")]
    [InlineData("ddim")]
    [InlineData("euler")]
    [InlineData("euler-ancestral")]
    [InlineData("heun")]
    [InlineData("lms")]
    [InlineData("ipndm")]
    [InlineData("dpmpp-2m")]
    [InlineData("dpmpp-3m")]
    [InlineData("dpmpp-2m-sde")]
    [InlineData("dpm2")]
    [InlineData("dpm2-ancestral")]
    [InlineData("dpmpp-2s-ancestral")]
    [InlineData("dpm-solver")]
    public void EveryDigit_IsATrainingDigit_AndTheOutputNamesWhichOne(string sampler)
    {
        // The empirical denoiser is the optimal denoiser of the 1000 training digits: at the last kept step (t = 100,
        // ᾱ = 0.90) its softmax is one-hot to within 999·e^(−gap), the gap between the two largest logits being at least
        // 63 in 40 samples measured (docs/sampling.md), so x_0 is the nearest digit itself; the .npy rounds it to float32,
        // within 2⁻²⁴ of values in [−1, 1].
        var result = CliRunner.Run("sample", "--sampler", sampler, "--steps", "10", "--count", "4", "--seed", "11", "--out", PathOf("digits.npy"));
        Assert.True(result.ExitCode == 0, result.Error);
        float[] values = ReadNpy(PathOf("digits.npy")).Values;
        string[] lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (int k = 0; k < 4; k++)
        {
            float[] sample = Digit(values, k);
            double[] distances = Training.Select(x => SquaredDistance(sample, x)).ToArray();
            int nearest = Array.IndexOf(distances, distances.Min());
            double maxError = sample.Select((v, p) => Math.Abs(v - Training[nearest].Pixels[p])).Max();
            Assert.True(maxError <= Math.Pow(2, -24), $"sample {k} is {maxError:E2} from training digit {nearest}, its nearest");
            double nextNearest = distances.Where((_, m) => m != nearest).Min();
            Assert.True(nextNearest > 1.0, $"sample {k}: training digit {nearest} has a twin at squared distance {nextNearest}; the check proves nothing");
            Assert.Contains($"sample {k}: training digit {nearest} (class {Sample.Label(nearest)}), max |x_0 − digit| = 0", lines);
        }
    }

    [Fact]
    public void Mnist_MakesAUsersDigitsTheTrainingSet_AndTheirShapeTheSamplesShape()
    {
        // Three 2×3 digits: black, white and a checkerboard, each pair at squared distance Δ ≥ 12 in [−1, 1]. On 100 steps
        // the last kept step is t = 10 (ᾱ = 0.9981, s² = 1 − ᾱ = 0.0019); for x_t = a·x + s·z near digit x, the logit gap to
        // digit y is (a²Δ − 2as⟨z, y − x⟩)/(2s²), mean 3160 and standard deviation 2as·√Δ/(2s²) = 80: each sample is one
        // of the three exactly. (On 10 steps, t = 100, the mean is 52 and the deviation 10, and one sample of five came
        // out a blend, 7e-5 from white: too few pixels for the margin MNIST's 784 give.)
        string mnist = PathOf("mnist");
        Directory.CreateDirectory(mnist);
        byte[] pixels = [0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 255, 0, 255, 0, 255];
        File.WriteAllBytes(Path.Combine(mnist, "t10k-images-idx3-ubyte"), IdxFile.Encode(IdxImages.FromBytes(3, 2, 3, pixels)));
        File.WriteAllBytes(Path.Combine(mnist, "t10k-labels-idx1-ubyte"), IdxFile.Encode(IdxLabels.FromBytes([1, 7, 8])));
        var result = CliRunner.Run("sample", "--sampler", "ddpm", "--steps", "100", "--count", "5", "--mnist", mnist, "--out", PathOf("tiny.npy"));
        Assert.True(result.ExitCode == 0, result.Error);
        var (shape, values) = ReadNpy(PathOf("tiny.npy"));
        Assert.Equal([5, 2, 3], shape);
        float[][] digits = pixels.Chunk(6).Select(d => d.Select(b => b == 0 ? -1f : 1f).ToArray()).ToArray();
        for (int k = 0; k < 5; k++)
            Assert.Contains(digits, d => d.SequenceEqual(values.AsSpan(6 * k, 6).ToArray()));
        Assert.Contains("with the empirical denoiser of 3 digits", result.Output);
    }

    [Fact]
    public void OneSeed_GivesTheSameBytes_AndAnotherSeedOtherDigits()
    {
        string[] Run(string seed, string file) => ["sample", "--sampler", "ddpm", "--steps", "8", "--count", "2", "--seed", seed, "--out", PathOf(file)];
        foreach (string file in new[] { "a.npy", "b.npy", "a.png", "b.png" })
            Assert.Equal(0, CliRunner.Run(Run("3", file)).ExitCode);
        Assert.Equal(File.ReadAllBytes(PathOf("a.npy")), File.ReadAllBytes(PathOf("b.npy")));
        Assert.Equal(File.ReadAllBytes(PathOf("a.png")), File.ReadAllBytes(PathOf("b.png")));

        Assert.Equal(0, CliRunner.Run(Run("4", "c.npy")).ExitCode);
        Assert.NotEqual(File.ReadAllBytes(PathOf("a.npy")), File.ReadAllBytes(PathOf("c.npy")));
    }

    [Fact]
    public void Png_IsOnePictureForOneDigit_AndAGridForMore()
    {
        Assert.Equal(0, CliRunner.Run("sample", "--sampler", "ddim", "--steps", "5", "--out", PathOf("one.png")).ExitCode);
        using (var one = SkiaSharp.SKBitmap.Decode(File.ReadAllBytes(PathOf("one.png"))))
            Assert.Equal((ImagePicture.DefaultWidth, ImagePicture.DefaultHeight), (one.Width, one.Height));

        Assert.Equal(0, CliRunner.Run("sample", "--sampler", "ddim", "--steps", "5", "--count", "5", "--out", PathOf("five.png")).ExitCode);
        using var five = SkiaSharp.SKBitmap.Decode(File.ReadAllBytes(PathOf("five.png")));
        Assert.Equal(ImagePicture.GridSize(5, "a title of\ntwo lines"), (five.Width, five.Height));
    }

    [Theory]
    // The digits that the one-image double path (before the batch-first core, commit 1dba5bc) generated for seed 42,
    // 20 steps, 12 samples: the batched path must give the same ones (it gave the same .npy bytes when checked).
    [InlineData("ddpm", new[] { 18, 281, 682, 939, 574, 903, 298, 628, 391, 713, 490, 891 })]
    [InlineData("ddim", new[] { 746, 37, 671, 248, 702, 958, 338, 536, 330, 284, 555, 631 })]
    public void TheBatchedCore_GivesTheDigitsOfTheOneImagePath(string sampler, int[] digits)
    {
        var result = CliRunner.Run("sample", "--sampler", sampler, "--steps", "20", "--count", "12", "--seed", "42", "--out", PathOf("twelve.npy"));
        Assert.Equal(0, result.ExitCode);
        for (int k = 0; k < digits.Length; k++) Assert.Contains($"sample {k}: training digit {digits[k]} (", result.Output);
    }

    public static TheoryData<string[], int[]> Chains => new()
    {
        { ["--spacing", "leading", "--steps-offset", "1"], Enumerable.Range(0, 10).Select(i => 2 + 100 * i).ToArray() },
        { ["--spacing", "linspace"], RespacedSchedule.Uniform(CanonicalSchedules.Ddpm, 10, TimestepSpacing.Linspace).Timesteps.ToArray() },
        { ["--sigmas", "karras", "--rho", "5"], SigmaSpace.NearestTimesteps(CanonicalSchedules.Ddpm, SigmaSpace.KarrasSigmas(10, SigmaSpace.Sigma(CanonicalSchedules.Ddpm, 1), SigmaSpace.Sigma(CanonicalSchedules.Ddpm, 1000), 5.0)).Timesteps.ToArray() },
        { ["--sigmas", "polyexponential", "--rho", "2"], SigmaSpace.NearestTimesteps(CanonicalSchedules.Ddpm, SigmaSpace.PolyexponentialSigmas(10, SigmaSpace.Sigma(CanonicalSchedules.Ddpm, 1), SigmaSpace.Sigma(CanonicalSchedules.Ddpm, 1000), 2.0)).Timesteps.ToArray() },
        { ["--sigmas", "vp"], SigmaSpace.NearestTimesteps(CanonicalSchedules.Ddpm, SigmaSpace.VpSigmas(10)).Timesteps.ToArray() },
        { ["--sigmas", "beta"], SigmaSpace.NearestTimesteps(CanonicalSchedules.Ddpm, SigmaSpace.BetaSigmas(10, SigmaSpace.Sigma(CanonicalSchedules.Ddpm, 1), SigmaSpace.Sigma(CanonicalSchedules.Ddpm, 1000))).Timesteps.ToArray() },
        { ["--sigmas", "beta", "--beta-alpha", "0.5", "--beta-beta", "2"], SigmaSpace.NearestTimesteps(CanonicalSchedules.Ddpm, SigmaSpace.BetaSigmas(10, SigmaSpace.Sigma(CanonicalSchedules.Ddpm, 1), SigmaSpace.Sigma(CanonicalSchedules.Ddpm, 1000), 0.5, 2.0)).Timesteps.ToArray() },
    };

    [Theory]
    [MemberData(nameof(Chains))]
    public void ChainOptions_GiveTheCoresChain(string[] chain, int[] timesteps)
    {
        // The .npy is the core's GenerateMany on the chain the options name (diffusers' leading with steps_offset 1:
        // its t = 1 + 100i is our τ = t + 1).
        var result = CliRunner.Run(["sample", "--sampler", "unipc", "--steps", "10", "--count", "2", "--seed", "3", .. chain, "--out", PathOf("chain.npy")]);
        Assert.True(result.ExitCode == 0, result.Error);
        NoiseSchedule schedule = NoiseSchedule.Linear(1000, 1e-4, 0.02);
        Denoiser denoiser = new EmpiricalData(ImageBatch<double>.FromImages(Training)).Denoiser(schedule, PredictionTarget.X0);
        var plan = RespacedSchedule.FromTimesteps(schedule, timesteps);
        ImageBatch<double> expected = ReverseSampler.GenerateMany(plan, denoiser, new UniPcSampler(), 28, 28, 2, NoiseKey.FromSeed(3));
        Assert.Equal(expected.Values.ToArray().Select(v => (float)v), ReadNpy(PathOf("chain.npy")).Values);
    }

    [Theory]
    [InlineData("--eta applies only to --sampler ddim", "--sampler", "ddpm", "--steps", "10", "--eta", "0.5")]
    [InlineData("--eta 1.5 is outside [0, 1]", "--sampler", "ddim", "--steps", "10", "--eta", "1.5")]
    [InlineData("--eta -0.1 is outside [0, 1]", "--sampler", "ddim", "--steps", "10", "--eta", "-0.1")]
    [InlineData("--eta NaN is not a number", "--sampler", "ddim", "--steps", "10", "--eta", "NaN")]
    [InlineData("--steps 0 is outside 1..1000", "--sampler", "ddim", "--steps", "0")]
    [InlineData("--steps 1001 is outside 1..1000", "--sampler", "ddpm", "--steps", "1001")]
    [InlineData("--count 0 is less than 1", "--sampler", "ddpm", "--steps", "10", "--count", "0")]
    [InlineData("--count -3 is less than 1", "--sampler", "ddpm", "--steps", "10", "--count", "-3")]
    [InlineData("--sampler 'ddpm2' is not a sampler; the samplers are: ddpm, ddim", "--sampler", "ddpm2", "--steps", "10")]
    [InlineData("'--sampler' is required", "--steps", "10")]
    [InlineData("'--steps' is required", "--sampler", "ddim")]
    [InlineData("no such folder", "--sampler", "ddim", "--steps", "10", "--mnist", "/no/such/folder")]
    [InlineData("--sigmas 'kras' is not a grid; the grids are: schedule, karras", "--sampler", "euler", "--steps", "10", "--sigmas", "kras")]
    [InlineData("--spacing 'lead' is not a spacing; the spacings are: trailing, leading, linspace", "--sampler", "euler", "--steps", "10", "--spacing", "lead")]
    [InlineData("--spacing applies only to --sigmas schedule, not to karras", "--sampler", "euler", "--steps", "10", "--sigmas", "karras", "--spacing", "leading")]
    [InlineData("--rho applies only to --sigmas karras or polyexponential, not to vp", "--sampler", "euler", "--steps", "10", "--sigmas", "vp", "--rho", "3")]
    [InlineData("--rho 0 is not allowed", "--sampler", "euler", "--steps", "10", "--sigmas", "karras", "--rho", "0")]
    [InlineData("--steps-offset applies only to --spacing leading", "--sampler", "euler", "--steps", "10", "--steps-offset", "1")]
    [InlineData("--beta-alpha applies only to --sigmas beta, not to karras", "--sampler", "euler", "--steps", "10", "--sigmas", "karras", "--beta-alpha", "0.5")]
    [InlineData("--beta-beta 0 is not allowed: the Beta law's β must be > 0", "--sampler", "euler", "--steps", "10", "--sigmas", "beta", "--beta-beta", "0")]
    [InlineData("--churn applies only to --sampler euler, heun, dpm2, not to ddim", "--sampler", "ddim", "--steps", "10", "--churn", "1")]
    [InlineData("--s-noise applies only to --sampler euler, heun, dpm2, not to lms", "--sampler", "lms", "--steps", "10", "--s-noise", "1")]
    [InlineData("--order applies only to --sampler dpm-solver, not to heun", "--sampler", "heun", "--steps", "10", "--order", "2")]
    [InlineData("--eta applies only to --sampler ddim, not to heun", "--sampler", "heun", "--steps", "10", "--eta", "0.5")]
    [InlineData("--order 4 is outside 1..3", "--sampler", "dpm-solver", "--steps", "10", "--order", "4")]
    [InlineData("--churn -1 is outside [0, ∞)", "--sampler", "heun", "--steps", "10", "--churn", "-1")]
    [InlineData("--s-tmax 0.5 is below --s-tmin 1", "--sampler", "heun", "--steps", "10", "--churn", "10", "--s-tmin", "1", "--s-tmax", "0.5")]
    [InlineData("--s-noise -0.5 is outside [0, ∞)", "--sampler", "euler", "--steps", "10", "--churn", "10", "--s-noise", "-0.5")]
    [InlineData("--s-tmin applies only with --churn > 0", "--sampler", "heun", "--steps", "10", "--s-tmin", "0.5")]
    [InlineData("--steps-offset 901 is outside 0..99: with 10 leading steps of 100 the last kept timestep would be 1802 > 1000", "--sampler", "euler", "--steps", "10", "--spacing", "leading", "--steps-offset", "901")]
    public void BadArguments_ExitWith2_SayWhatIsWrong_AndWriteNothing(string message, params string[] args)
    {
        var result = CliRunner.Run(["sample", .. args, "--out", PathOf("out.npy")]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error);
        Assert.Equal("", result.Output);
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void AnOutputThatIsNeitherPngNorNpy_ExitsWith2()
    {
        var result = CliRunner.Run("sample", "--sampler", "ddim", "--steps", "10", "--out", PathOf("digits.csv"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("must end in .png (a picture) or .npy", result.Error);
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void Help_ExplainsEveryOption()
    {
        var result = CliRunner.Run("sample", "--help");
        Assert.Equal(0, result.ExitCode);
        foreach (string option in new[] { "--sampler", "--steps", "--eta", "--churn", "--s-tmin", "--s-tmax", "--s-noise", "--order", "--beta-alpha", "--beta-beta", "--count", "--seed", "--mnist", "--out" })
            Assert.Contains(option, result.Output);
    }
}
