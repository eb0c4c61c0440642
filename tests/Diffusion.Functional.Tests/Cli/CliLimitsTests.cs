using System.Text.Json;
using Diffusion.Cli.Commands;
using Diffusion.Cli.Infrastructure;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Tests.Cli;

/// <summary>
/// Issue 14 in the CLI: stated limits refused with the option's name (case 2), culture-safe numbers (case 3),
/// all-or-nothing multi-file outputs (case 8) and messages in the CLI's words (case 10).
/// </summary>
public sealed class CliLimitsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("diffusion-limits-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    /// <summary>Asserts exit code 2 with one clean message that contains <paramref name="expected"/>.</summary>
    internal static void AssertUsageError(CliRunner.Result result, string expected)
    {
        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}, stderr: {result.Error}");
        Assert.Contains(expected, result.Error);
        AssertNoBoilerplate(result.Error);
    }

    /// <summary>No .NET type names, parameter suffixes, "Actual value" lines or stack traces reach the user.</summary>
    internal static void AssertNoBoilerplate(string error)
    {
        foreach (string leak in new[] { "System.", "Exception", "(Parameter '", "Actual value was", "   at ", ".tmp" })
            Assert.False(error.Contains(leak, StringComparison.Ordinal), $"stderr shows '{leak}': {error}");
    }

    // Case 2: sizes past the limits.
    [Fact]
    public void Schedule_WithMoreStepsThanTheLimit_ExitsWith2_NamingTheLimit()
    {
        AssertUsageError(CliRunner.Run("schedule", "--steps", "2147483647"), $"--steps 2147483647 is more than a schedule may have (at most {NoiseSchedule.MaxSteps})");
        AssertUsageError(CliRunner.Run("schedule", "--steps", "2147483648"), $"--steps 2147483648 is outside 1..{NoiseSchedule.MaxSteps}");
    }

    [Theory]
    [InlineData("2147483647", "s.npy", "--count 2147483647 is more than 10000")]
    [InlineData("100000000", "s.npy", "--count 100000000 is more than 10000")]
    [InlineData("24000", "s.png", "--count 24000 is more than 10000")]
    [InlineData("257", "s.png", "--count 257 is more than a .png grid shows (256)")]
    public void Sample_WithTooManyDigits_ExitsWith2_BeforeAnyWork(string count, string file, string expected)
    {
        var result = CliRunner.Run("sample", "--sampler", "ddim", "--steps", "10", "--count", count, "--out", PathOf(file));
        AssertUsageError(result, expected);
        Assert.False(File.Exists(PathOf(file)));
    }

    [Fact]
    public void Schedule_Csv_IsStreamed_RowByRow()
    {
        // Issue 14: 10⁷ cosine steps were built as one 5 GB string. Here no single write is longer than a row.
        var output = new LongestWriteWriter();
        int code = Diffusion.Cli.DiffusionCli.Run(["schedule", "--kind", "cosine", "--steps", "200000", "--format", "csv"], output, TextWriter.Null);
        Assert.Equal(0, code);
        Assert.Equal(200_001, output.Lines);
        Assert.True(output.Longest < 1000, $"one write of {output.Longest} characters");
    }

    private sealed class LongestWriteWriter : TextWriter
    {
        public int Longest { get; private set; }
        public int Lines { get; private set; }
        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;
        public override void Write(char value)
        {
            Longest = Math.Max(Longest, 1);
            if (value == '\n') Lines++;
        }
        public override void Write(string? value)
        {
            Longest = Math.Max(Longest, value?.Length ?? 0);
            Lines += value?.Count(c => c == '\n') ?? 0;
        }
        public override void Write(ReadOnlySpan<char> buffer)
        {
            Longest = Math.Max(Longest, buffer.Length);
            Lines += buffer.Count('\n');
        }
        public override void Write(System.Text.StringBuilder? value) => Write(value?.ToString());
    }

    [Fact]
    public void Bench_WithAThreadCountFarAboveTheCores_MeasuresOnTheCores_AndSaysSo()
    {
        // Issue 14: --threads 33554432 overflowed threads·64; every kernel did nothing and reported 1.9·10¹³ pixel-steps/s.
        var result = CliRunner.Run("bench", "--threads", "33554432", "--seconds", "0.01", "--json");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"more than this machine's {Environment.ProcessorCount} cores", result.Error);
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal(Environment.ProcessorCount, json.RootElement.GetProperty("threads").GetInt32());
        // One core does about 10⁹ pixel-steps/s (docs/performance.md); 10¹¹ per core would be a kernel doing nothing.
        Assert.True(json.RootElement.GetProperty("chain_pixel_steps_per_s").GetDouble() < 1e11 * Environment.ProcessorCount, result.Output);
    }

    // Case 3: culture-safe numbers.
    [Theory]
    [InlineData("sample", "--eta", "0,1")]
    [InlineData("sample", "--eta", "1.000,5")]
    [InlineData("bench", "--seconds", "0,05")]
    [InlineData("schedule", "--beta-start", "1,5e-4")]
    [InlineData("schedule", "--steps", "1,000")]
    [InlineData("schedule", "--steps", "1 000")]
    [InlineData("schedule", "--steps", "1_000")]
    [InlineData("schedule", "--steps", "1e3")]
    [InlineData("schedule", "--steps", "١٠")] // Arabic-Indic digits
    [InlineData("schedule", "--steps", "１０")] // full-width digits
    [InlineData("schedule", "--max-beta", "NaN")]
    [InlineData("schedule", "--max-beta", "Infinity")]
    [InlineData("schedule", "--max-beta", "1e400")]
    [InlineData("bench", "--threads", "0x10")]
    public void Numbers_WithGroupSeparatorsDecimalCommasOrOtherScripts_AreRefused_SayingWhatANumberLooksLike(string command, string option, string value)
    {
        string[] args = command switch
        {
            "sample" => ["sample", "--sampler", "ddim", "--steps", "10", option, value, "--out", PathOf("s.npy")],
            "schedule" when option == "--max-beta" => ["schedule", "--kind", "cosine", option, value],
            _ => [command, option, value],
        };
        var result = CliRunner.Run(args);
        AssertUsageError(result, option);
        Assert.Matches(@"is not a (whole )?number|too large for a number", result.Error);
        Assert.Matches(@"e\.g\. |allowed", result.Error);
    }

    [Theory]
    [InlineData("0.1")]
    [InlineData(".5")]
    [InlineData("1.")]
    [InlineData("1e-1")]
    [InlineData("+0.25")]
    public void Numbers_InPlainDecimalOrExponentForm_AreAccepted(string value)
    {
        var result = CliRunner.Run("schedule", "--beta-start", value, "--beta-end", "0.99", "--steps", "3", "--format", "csv");
        Assert.True(result.ExitCode == 0 || result.Error.Contains("--beta-start"), result.Error);
        var eta = CliRunner.Run("sample", "--sampler", "ddim", "--steps", "10", "--eta", value, "--out", PathOf("s.npy"), "--mnist", PathOf("none"));
        AssertUsageError(eta, "no such folder"); // the number was read; the run stops at the missing folder
    }

    // Case 10: messages in the CLI's words.
    [Fact]
    public void ALibraryArgumentError_IsReportedWithTheOptionsName_AndNoDotNetBoilerplate()
    {
        var result = CliRunner.Run("schedule", "--beta-start", "0");
        AssertUsageError(result, "error: --beta-start 0 is outside the allowed range (0, 1).");
        Assert.DoesNotContain("betaStart", result.Error);
        AssertUsageError(CliRunner.Run("schedule", "--beta-start", "0.5", "--beta-end", "0.1"), "--beta-start 0.5 is larger than --beta-end 0.1");
        AssertUsageError(CliRunner.Run("schedule", "--kind", "cosine", "--max-beta", "1e-320"), "--max-beta");
        AssertUsageError(CliRunner.Run("schedule", "--kind", "cosine", "--steps", "10", "--max-beta", "1e-18"), "ᾱ_T = 1");
    }

    [Fact]
    public void AParseError_NamesTheOptionAndItsRange_NotADotNetType()
    {
        var result = CliRunner.Run("schedule", "--steps", "abc");
        AssertUsageError(result, $"--steps abc is not a whole number");
        Assert.Contains($"1..{NoiseSchedule.MaxSteps}", result.Error);
        AssertUsageError(CliRunner.Run("digit", "--digit", "5.5", "--out", PathOf("d.npy")), "--digit 5.5 is not a whole number");
        AssertUsageError(CliRunner.Run("forward", "--digit", "1", "--t", "x1", "--out", PathOf("f.npy")), "--t");
        AssertUsageError(CliRunner.Run("forward", "--digit", "1", "--t", "10", "--seed", "-1", "--out", PathOf("f.npy")), "--seed -1 is not a whole number in 0..18446744073709551615");
    }

    [Fact]
    public void Mnist_ThatIsAFile_SaysItIsNotAFolder()
    {
        File.WriteAllText(PathOf("passwd"), "root:x:0:0");
        AssertUsageError(CliRunner.Run("digit", "--digit", "0", "--out", PathOf("d.npy"), "--mnist", PathOf("passwd")), "is a file, not a folder");
        AssertUsageError(CliRunner.Run("digit", "--digit", "0", "--out", PathOf("d.npy"), "--mnist", ""), "--mnist is empty");
    }

    [Fact]
    public void AnOutputNameOf255Characters_IsWritten()
    {
        // Issue 14: the temporary name added 35 characters, so names of 217–255 characters failed as "too long".
        string name = new string('n', 251) + ".npy";
        var result = CliRunner.Run("digit", "--digit", "3", "--out", PathOf(name));
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.True(File.Exists(PathOf(name)));
        Assert.Single(Directory.GetFiles(_folder));
    }

    [Fact]
    public void AWriteError_NamesTheFinalFile_NotTheTemporaryOne()
    {
        string target = PathOf("x.npy");
        using var set = new AtomicFileSet();
        var e = Assert.Throws<IOException>(() => set.Add(target, stream => throw new IOException($"No space left on device : '{((FileStream)stream).Name}'")));
        Assert.Contains($"cannot write {target}", e.Message);
        Assert.DoesNotContain(".tmp", e.Message);
        Assert.Contains($"'{target}'", e.Message);
        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Fact]
    public void ReplacingAReadOnlyFile_KeepsItsMode()
    {
        if (OperatingSystem.IsWindows()) return;
        string target = PathOf("d.npy");
        File.WriteAllBytes(target, [1, 2, 3]);
        var mode = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        File.SetUnixFileMode(target, mode);
        var result = CliRunner.Run("digit", "--digit", "3", "--out", target);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(mode, File.GetUnixFileMode(target));
        Assert.True(new FileInfo(target).Length > 3);
    }

    // Case 8: all or nothing.
    [Fact]
    public void Reverse_WithOutAnExistingFolder_FailsBeforeWritingAnyFrame()
    {
        Directory.CreateDirectory(PathOf("r.npy"));
        var result = CliRunner.Run("reverse", "--digit", "5", "--from", "10", "--frames", PathOf("fr"), "--out", PathOf("r.npy"));
        AssertUsageError(result, "is a folder");
        Assert.False(Directory.Exists(PathOf("fr")), "frames were written although the run failed");
    }

    [Fact]
    public void Reverse_WithOutInsideFramesAsChainNpy_IsRefused_AsOutputsThatOverwriteEachOther()
    {
        var result = CliRunner.Run("reverse", "--digit", "5", "--from", "10", "--frames", PathOf("same"), "--out", Path.Combine(PathOf("same"), "chain.npy"));
        AssertUsageError(result, "one output would overwrite the other");
        Assert.False(Directory.Exists(PathOf("same")));
        var png = CliRunner.Run("reverse", "--digit", "5", "--from", "10", "--frames", PathOf("same"), "--out", Path.Combine(PathOf("same"), "x_004.png"));
        AssertUsageError(png, "one output would overwrite the other");
    }

    [Fact]
    public void Reverse_WithAnEmptyFramesFolder_IsRefused()
    {
        AssertUsageError(CliRunner.Run("reverse", "--digit", "5", "--from", "10", "--frames", "", "--out", PathOf("r.npy")), "--frames is empty");
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public void AFileSet_ThatFailsPartWay_LeavesNothing_NotEvenTheFolderItCreated()
    {
        string frames = PathOf("frames");
        File.WriteAllBytes(PathOf("kept.npy"), [9]);
        using (var set = new AtomicFileSet())
        {
            set.Add(Path.Combine(frames, "a.png"), [1]);
            set.Add(Path.Combine(frames, "b.png"), [2]);
            set.Add(PathOf("kept.npy"), [3]);
            Assert.Throws<IOException>(() => set.Add(Path.Combine(frames, "c.png"), _ => throw new IOException("No space left on device")));
        }
        Assert.False(Directory.Exists(frames));
        Assert.Equal([PathOf("kept.npy")], Directory.GetFileSystemEntries(_folder));
        Assert.Equal(new byte[] { 9 }, File.ReadAllBytes(PathOf("kept.npy")));
    }

    [Fact]
    public void AFileSet_WritesEveryFileOnCommit_AndRefusesTheSameFileTwice()
    {
        using var set = new AtomicFileSet();
        set.Add(PathOf("a"), [1]);
        Assert.Throws<UsageException>(() => set.Add(Path.Combine(_folder, ".", "a"), [2]));
        Assert.False(File.Exists(PathOf("a")), "visible before the commit");
        set.Commit();
        Assert.Equal(new byte[] { 1 }, File.ReadAllBytes(PathOf("a")));
        Assert.Single(Directory.GetFiles(_folder));
    }

    [Fact]
    public void Plots_IntoAFile_IsRefused_BeforeDrawing()
    {
        File.WriteAllText(PathOf("images"), "");
        AssertUsageError(CliRunner.Run("plots", "--out", PathOf("images")), "is a file, not a folder");
        AssertUsageError(CliRunner.Run("plots", "--out", ""), "--out is empty");
    }

    [Fact]
    public void InCliWords_DropsDotNetsSuffixes_AndNamesOptions()
    {
        var e = new ArgumentOutOfRangeException("maxBeta", 2.0, "maxBeta = 2 is outside the allowed range (0, 1).");
        Assert.Equal("--max-beta 2 is outside the allowed range (0, 1).", CliConsole.InCliWords(e));
        var plain = new ArgumentException("a is wrong.", "unknownName");
        Assert.Equal("a is wrong.", CliConsole.InCliWords(plain));
        var unnamed = new ArgumentOutOfRangeException("steps", "T is too large.");
        Assert.Equal("--steps: T is too large.", CliConsole.InCliWords(unnamed));
    }
}

/// <summary>Issue 14, case 4: the sample command's training set is built straight into one batch, with the same bits.</summary>
public sealed class TrainingSetTests
{
    [Fact]
    public void TrainingSet_IsEveryDigitAsTheCoreSeesIt_BitForBit()
    {
        var digits = Diffusion.Functional.Data.Mnist.MnistSample.Load();
        var direct = Diffusion.Cli.Infrastructure.DigitSource.TrainingSet(digits);
        var viaImages = Diffusion.Functional.Images.ImageBatch<double>.FromImages(Enumerable.Range(0, digits.Count).Select(i => digits.Image(i)).ToArray());
        Assert.Equal(viaImages, direct);
    }

    [Fact]
    public void ImageBatchCreate_RefusesNonFinitePixels_AndSizesPastOneArray()
    {
        var e = Assert.Throws<ArgumentException>(() => Diffusion.Functional.Images.ImageBatch<double>.Create(3, 1, 2, 2, (pixels, i) => pixels.Fill(i == 2 ? double.NaN : 0.5)));
        Assert.Contains("image 2, value 0 is NaN", e.Message);
        Assert.Throws<ArgumentException>(() => Diffusion.Functional.Images.ImageBatch<double>.Create(1 << 20, 1, 1 << 10, 1 << 10, (_, _) => { }));
    }
}
