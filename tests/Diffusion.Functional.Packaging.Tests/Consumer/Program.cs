// A research project that uses the packages and nothing else: it is copied out of the repository and built against
// Diffusion.Functional, .Data and .Plots restored from a local folder (ConsumerTests). Argument: where to write a PNG.
using System.Globalization;
using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Plots;
using Diffusion.Functional.Processes;
using Diffusion.Functional.Schedules;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// The core: the seed notebook's schedule.
NoiseSchedule schedule = NoiseSchedule.Linear(200, 1e-4, 0.02);
Console.WriteLine($"alpha_bar_200 = {schedule.AlphaBar(200):F4} ({schedule.AlphaBar(200):R})");

// Which copy of the core the runtime loaded: on linux-x64 the package's precompiled runtimes/linux-x64 one (issue 13).
string core = Path.GetRelativePath(AppContext.BaseDirectory, typeof(NoiseKey).Assembly.Location).Replace('\\', '/');
Console.WriteLine($"core loaded from {core}");

// The data package: the MNIST sample embedded in Diffusion.Functional.Data.dll.
MnistDigits digits = MnistSample.Load();
int five = digits.IndexOfFirst(5);
Image x0 = digits.Image(five);
Console.WriteLine($"sample: {digits.Count} digits; digit {five} has class {digits.Label(five)}, {x0.Width}x{x0.Height}");

// The core again: the oracle chain ends at x_0.
Image x50 = ForwardProcess.Sample(schedule, x0, 50, NoiseKey.FromSeed(1));
ChainState end = OracleChain.Run(schedule, x0, x50, 50, NoiseKey.FromSeed(2)).Last();
Console.WriteLine($"oracle chain from t = 50 ends at t = {end.Step}, equal to x_0: {end.X.Equals(x0)}");

// The plots package: ScottPlot, SkiaSharp's native library and the embedded font, with no file from the repository.
Image[] images = Enumerable.Range(0, digits.Count).Select(i => digits.Image(i)).ToArray();
int[] labels = Enumerable.Range(0, digits.Count).Select(digits.Label).ToArray();
FigureData data = FigureData.Create(CanonicalSchedules.Seed, images, labels, five);
Figure figure = FigureCatalogue.Get(FigureId.SeedReverse);
byte[] png = figure.RenderPng(data, FigureCatalogue.KeyFor(FigureId.SeedReverse, FigureCatalogue.DefaultSeed));
File.WriteAllBytes(args[0], png);
Console.WriteLine($"figure {figure.FileName}: {png.Length} bytes");
