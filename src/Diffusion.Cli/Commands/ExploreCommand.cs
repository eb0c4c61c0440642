using System.CommandLine;
using Diffusion.Cli.Infrastructure;
using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Plots;
using Diffusion.Functional.Plots.Explore;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>diffusion explore</c>: writes the explorer, one self-contained HTML page (no server, no network) with a slider over
/// t for q(x_t | x_0), the posterior and the oracle chain, the schedule curves and sampler runs, computed here.
/// </summary>
internal static class ExploreCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(CliConsole console)
    {
        var output = new Option<string>("--out") { Description = $"The folder to write {ExplorePage.FileName} into (created if needed).", Required = true };
        var mnist = DigitSource.MnistOption();
        var seed = DigitSource.SeedOption();
        var command = new Command("explore",
            $"Write {ExplorePage.FileName}, a page that opens from disk in any browser (its data inside, no server, no network): a slider over t "
            + "shows x_0, the noise and x_t ~ q(x_t | x_0) of real MNIST digits with ᾱ_t, √ᾱ_t, √(1 − ᾱ_t) and the SNR, the posterior mean and √β̃_t, "
            + "the oracle chain from x_t down to x_0, linear against cosine schedule curves, and DDPM and DDIM runs from pure noise with the "
            + "empirical denoiser. Schedules: the seed notebook's (linear, T = 200, β 1e-4 → 0.02) and DDPM's (T = 1000). The same seed gives the same bytes.")
        {
            output, mnist, seed,
        };
        command.SetAction(parsed => console.Run(() =>
        {
            string folder = parsed.GetValue(output)!;
            MnistDigits digits = DigitSource.Load(parsed.GetValue(mnist));
            ulong seedValue = parsed.GetValue(seed);
            Write(console, DigitSource.FigureData(digits), seedValue, folder);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Writes the page for <paramref name="data"/> into <paramref name="folder"/> atomically and says so; returns its path.</summary>
    public static string Write(CliConsole console, FigureData data, ulong seed, string folder)
    {
        byte[] html = ExplorePage.RenderHtml(data, seed);
        string path = Path.Combine(folder, ExplorePage.FileName);
        AtomicFile.WriteAllBytes(path, html);
        console.Output.WriteLine($"wrote {path} ({html.Length / 1024} KiB), seed {seed}: open it in a browser");
        return path;
    }
}
