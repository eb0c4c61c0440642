using System.CommandLine;
using System.Diagnostics;
using Diffusion.Cli.Infrastructure;
using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Onnx;
using Diffusion.Functional.Plots;
using Diffusion.Functional.Plots.Explore;

namespace Diffusion.Cli.Commands;

/// <summary><c>diffusion plots</c>: writes every figure of the catalogue as a PNG, deterministically for a seed.</summary>
internal static class PlotsCommand
{
    /// <summary>Where the figures go by default: the documentation's image folder.</summary>
    public const string DefaultFolder = "docs/images";

    /// <summary>Builds the command.</summary>
    public static Command Create(CliConsole console)
    {
        var output = new Option<string>("--out") { Description = "The folder to write the PNGs into (created if needed).", DefaultValueFactory = _ => DefaultFolder };
        var mnist = DigitSource.MnistOption();
        var seed = DigitSource.SeedOption();
        var command = new Command("plots",
            "Write every documentation figure as a PNG, and the explorer page explore.html, drawn from real MNIST digits with the seed notebook's schedule "
            + "(linear, T = 200, β 1e-4 → 0.02). The same seed gives the same images on every machine.")
        {
            output, mnist, seed,
        };
        command.SetAction(parsed => console.Run(() =>
        {
            string folder = parsed.GetValue(output)!;
            if (string.IsNullOrWhiteSpace(folder))
                throw new UsageException("--out is empty; give the folder for the figures (default docs/images).");
            if (File.Exists(folder))
                throw new UsageException($"--out {folder} is a file, not a folder.");
            AtomicFileSet.RequireDistinctFiles(FigureCatalogue.All.Select(f => (Path.Combine(folder, f.FileName), "--out")).Append((Path.Combine(folder, ExplorePage.FileName), "--out")));
            MnistDigits digits = DigitSource.Load(parsed.GetValue(mnist));
            // The network figures sample the shipped UNet (offline: it is embedded in the Onnx assembly).
            using OnnxDenoiser network = OnnxDenoiser.LoadMnistUNet();
            FigureData data = DigitSource.FigureData(digits).WithNetwork(OnnxConditionalDenoiser.MnistUNet(network), "the shipped MNIST UNet");
            ulong seedValue = parsed.GetValue(seed);
            console.Output.WriteLine($"Drawing {FigureCatalogue.All.Count} figures from {digits.Source}, seed {seedValue}, into {folder}");
            int index = 0;
            // All or nothing: every figure is staged beside its final name and renamed into place once all are drawn.
            using var files = new AtomicFileSet();
            foreach (Figure figure in FigureCatalogue.All)
            {
                var clock = Stopwatch.StartNew();
                byte[] png = figure.RenderPng(data, FigureCatalogue.KeyFor(figure.Id, seedValue));
                string path = Path.Combine(folder, figure.FileName);
                files.Add(path, png);
                console.Output.WriteLine($"[{++index}/{FigureCatalogue.All.Count}] {path} ({png.Length / 1024} KiB, {clock.ElapsedMilliseconds} ms): {figure.Caption}");
            }
            // The explorer page is the main job's one figure that is not a PNG (diffusion explore writes it alone); it joins
            // the set, so the figures and the page land together or not at all.
            byte[] html = ExplorePage.RenderHtml(data, seedValue);
            files.Add(Path.Combine(folder, ExplorePage.FileName), html);
            files.Commit();
            console.Output.WriteLine($"wrote all {FigureCatalogue.All.Count} figures to {folder}");
            console.Output.WriteLine($"wrote {Path.Combine(folder, ExplorePage.FileName)} ({html.Length / 1024} KiB), seed {seedValue}: open it in a browser");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
