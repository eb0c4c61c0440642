using System.Diagnostics;

namespace Diffusion.Functional.Tests.Cli;

/// <summary>
/// Issue 14's fuzzing of the CLI's numeric options, kept: hostile values (separators, other scripts, signs, exponents,
/// NaN and ∞, the types' edges, very long digit strings, keyed random strings) for every numeric option of every
/// command. Each run must exit 0 or 2 within <see cref="SlowestRun"/>, and a refusal must be one clean message naming
/// the option, with no .NET type names or stack traces. Arguments after the fuzzed one make each run stop early (a
/// missing --mnist folder, an out-of-range partner option), so that valid values cost milliseconds.
/// DIFFUSION_FUZZ_SCALE multiplies the random values (tools/fuzz/run).
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class CliNumberFuzzTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("diffusion-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static readonly TimeSpan SlowestRun = TimeSpan.FromSeconds(5);

    private static readonly string[] Hostile =
    [
        "", " ", "0", "1", "-1", "+1", "-0", "00", "007", "1.", ".5", "0.5", "1e3", "1E-3", "1e400", "-1e400", "1e-400", "4.9e-324",
        "2.2250738585072014E-308", "1,5", "0,1", "1,000", "1.000,5", "1 000", "1_000", "1'000", "0x10", "0b1", "1e", "e1", "--",
        "-", "+", ".", "NaN", "nan", "Infinity", "-Infinity", "∞", "١٠", "１０", "१०", "2147483647", "2147483648", "-2147483648",
        "-2147483649", "9223372036854775808", "18446744073709551615", "18446744073709551616", new string('9', 400),
        "1\u00a0000", "\u20121", "1e+5", "5%", "3.14.15", "1e1e1", "0.999999999999999999999",
    ];

    private string Out(string name) => Path.Combine(_folder, name);

    /// <summary>(option, the command line with the value at {0}).</summary>
    private IEnumerable<(string Option, string[] Args)> Targets(string value)
    {
        string none = Out("no-such-folder");
        yield return ("--steps", ["schedule", "--steps", value, "--beta-start", "2"]);
        yield return ("--beta-start", ["schedule", "--beta-start", value, "--steps", "3"]);
        yield return ("--beta-end", ["schedule", "--beta-end", value, "--steps", "3"]);
        yield return ("--cosine-offset", ["schedule", "--kind", "cosine", "--cosine-offset", value, "--steps", "3"]);
        yield return ("--max-beta", ["schedule", "--kind", "cosine", "--max-beta", value, "--steps", "3"]);
        yield return ("--steps", ["sample", "--sampler", "ddim", "--steps", value, "--out", Out("s.npy"), "--mnist", none]);
        yield return ("--eta", ["sample", "--sampler", "ddim", "--steps", "10", "--eta", value, "--out", Out("s.npy"), "--mnist", none]);
        yield return ("--count", ["sample", "--sampler", "ddpm", "--steps", "10", "--count", value, "--out", Out("s.npy"), "--mnist", none]);
        yield return ("--seed", ["sample", "--sampler", "ddpm", "--steps", "10", "--seed", value, "--out", Out("s.npy"), "--mnist", none]);
        yield return ("--t", ["forward", "--digit", "0", "--t", value, "--out", Out("f.npy"), "--mnist", none]);
        yield return ("--digit", ["forward", "--digit", value, "--t", "5", "--out", Out("f.npy"), "--mnist", none]);
        yield return ("--from", ["reverse", "--digit", "0", "--from", value, "--out", Out("r.npy"), "--mnist", none]);
        yield return ("--to", ["reverse", "--digit", "0", "--from", "5", "--to", value, "--out", Out("r.npy"), "--mnist", none]);
        yield return ("--digit", ["digit", "--digit", value, "--out", Out("d.npy"), "--mnist", none]);
        yield return ("--seed", ["plots", "--seed", value, "--out", Out("plots"), "--mnist", none]);
        yield return ("--threads", ["bench", "--threads", value, "--seconds", "100"]);
        yield return ("--seconds", ["bench", "--seconds", value, "--threads", "0"]);
    }

    private static IEnumerable<string> RandomValues(int count)
    {
        var random = new Random(14);
        const string alphabet = "0123456789.,eE+-_ '٠١２x∞";
        for (int i = 0; i < count; i++)
            yield return new string(Enumerable.Range(0, 1 + random.Next(12)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
    }

    [Fact]
    public void EveryNumericOption_WithHostileValues_ExitsCleanly()
    {
        int runs = 0;
        foreach (string value in Hostile.Concat(RandomValues(60 * Diffusion.Functional.Tests.Cli.FuzzScale.Value)))
        {
            foreach (var (option, args) in Targets(value))
            {
                var clock = Stopwatch.StartNew();
                var result = CliRunner.Run(args);
                runs++;
                string what = $"{string.Join(' ', args)} → exit {result.ExitCode}: {result.Error}";
                Assert.True(clock.Elapsed < SlowestRun, $"took {clock.Elapsed}: {what}");
                Assert.True(result.ExitCode is 0 or 2, what);
                if (result.ExitCode == 2)
                {
                    Assert.StartsWith("error: ", result.Error);
                    CliLimitsTests.AssertNoBoilerplate(result.Error);
                }
            }
        }
        Assert.True(runs >= Hostile.Length * 17, $"{runs} runs");
    }
}

/// <summary>DIFFUSION_FUZZ_SCALE: how many times the default amount of fuzzing to do (1 in the suite).</summary>
internal static class FuzzScale
{
    public static int Value => int.TryParse(Environment.GetEnvironmentVariable("DIFFUSION_FUZZ_SCALE"), out int s) && s > 0 ? s : 1;
}
