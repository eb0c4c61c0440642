using Diffusion.Functional.Schedules;
using System.Text.Json;
using Diffusion.Cli;
using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Plots.Explore;
using Diffusion.Functional.Plots.Tests.Support;
using Diffusion.Functional.TestSupport;
using Xunit.Abstractions;

namespace Diffusion.Functional.Plots.Tests.Explore;

/// <summary>
/// The explorer page in a real browser: tests/browser/explore.test.mjs drives Debian's headless Chromium
/// (/usr/bin/chromium) with the npm package playwright-core pinned in tests/browser/package-lock.json. It moves the
/// slider by keyboard and by value, and compares what the page shows with what this side exports: ᾱ_t, √ᾱ_t, √(1 − ᾱ_t)
/// and the SNR with <c>diffusion schedule --format csv</c>, x_0's pixels with the MNIST bytes, the image at t = 0 and the
/// oracle chain's last frame with x_0; it also takes screenshots at 1280 × 800 and 390 px into tests/browser/screenshots.
/// Node, Chromium and the npm package are not .NET packages: <c>.ci/run</c> installs them, and with <c>CI</c> set (as CI
/// runs) or <c>DIFFUSION_TEST_REQUIRE_BROWSER=1</c> a missing one fails the test; elsewhere the test says that it did not run.
/// </summary>
public sealed class ExploreBrowserTests(ITestOutputHelper output) : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly string _folder = Directory.CreateTempSubdirectory("diffusion-explore-browser-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static bool Required =>
        Environment.GetEnvironmentVariable("CI") is { Length: > 0 } ci && !ci.Equals("false", StringComparison.OrdinalIgnoreCase)
        || Environment.GetEnvironmentVariable("DIFFUSION_TEST_REQUIRE_BROWSER") == "1";

    [Fact]
    public void ExplorerPage_InHeadlessChromium_ShowsTheSchedulesValues_X0AtTZero_AndChainsEndingAtX0()
    {
        string browserTests = Repository.PathOf("tests", "browser");
        string? missing = !File.Exists(Chromium) ? $"{Chromium} (Debian: apt-get install chromium)"
            : !ChildProcess.Succeeds("node", "--version") ? "node (Debian: apt-get install nodejs npm)"
            : !Directory.Exists(Path.Combine(browserTests, "node_modules", "playwright-core")) ? "tests/browser/node_modules/playwright-core (npm ci in tests/browser)"
            : null;
        if (missing is not null)
        {
            Assert.False(Required, $"CI is set but the browser test cannot run: no {missing}. .ci/run installs it.");
            output.WriteLine($"Not run: no {missing} on this machine (.ci/run installs it).");
            return;
        }

        string page = Path.Combine(_folder, "site");
        RunCli("explore", "--out", page);
        var schedules = new[] { CanonicalSchedules.Seed.Steps, CanonicalSchedules.Ddpm.Steps }.Select(steps =>
        {
            string csv = Path.Combine(_folder, $"schedule-{steps}.csv");
            File.WriteAllText(csv, RunCli("schedule", "--format", "csv", "--steps", steps.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            return new { steps, csv };
        }).ToArray();
        MnistDigits sample = MnistSample.Load();
        // The page's digits, in its order: the seed's 5, then the first 0 and the first 7 (ExploreDataTests pins the order).
        var digits = new[] { 5, 0, 7 }.Select(c => new { name = c.ToString(System.Globalization.CultureInfo.InvariantCulture), bytes = sample.PixelBytes(sample.IndexOfFirst(c)).ToArray().Select(b => (int)b).ToArray() }).ToArray();
        string expectations = Path.Combine(_folder, "expectations.json");
        File.WriteAllText(expectations, JsonSerializer.Serialize(new { page = Path.Combine(page, ExplorePage.FileName), schedules, digits }));

        // Inside the repository (git-ignored), for a person to look at; docs/screenshots holds copies of two of them.
        string screenshots = Path.Combine(browserTests, "screenshots");
        var (code, stdout, stderr) = ChildProcess.Run("node", [Path.Combine(browserTests, "explore.test.mjs"), expectations, screenshots], browserTests, TimeSpan.FromMinutes(3),
            new Dictionary<string, string> { ["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1" });
        output.WriteLine(stdout);
        output.WriteLine($"Screenshots: {screenshots}");
        Assert.True(code == 0, $"the browser test failed (exit code {code}):\n{stderr}\n{stdout}");
        Assert.Contains("checks passed", stdout);
    }

    private static string RunCli(params string[] args)
    {
        var stdout = new StringWriter();
        var error = new StringWriter();
        int code = DiffusionCli.Run(args, stdout, error);
        Assert.True(code == 0, $"diffusion {string.Join(' ', args)} exited with {code}: {error}");
        return stdout.ToString();
    }
}
