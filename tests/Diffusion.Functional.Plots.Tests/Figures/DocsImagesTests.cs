using Diffusion.Cli;
using Diffusion.Functional.Plots.Explore;
using Diffusion.Functional.Plots.Tests.Support;

namespace Diffusion.Functional.Plots.Tests.Figures;

/// <summary>
/// docs/images is exactly what the README's main command writes: the test runs <c>diffusion plots</c> in-process into
/// a temporary folder and compares every PNG, decoded, with the committed one (and the set of files with the catalogue),
/// and the explorer page byte for byte; the network figures only by size (their digits follow ONNX Runtime's last bits).
/// </summary>
public class DocsImagesTests
{
    [Fact]
    public void DocsImages_AreWhatDiffusionPlotsWritesWithTheDefaultSeed_TheExplorerPageToo()
    {
        string folder = Directory.CreateTempSubdirectory("diffusion-plots-").FullName;
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            int code = DiffusionCli.Run(["plots", "--out", folder], output, error);
            Assert.True(code == 0, $"diffusion plots exited {code}: {error}");

            string docs = Repository.PathOf("docs", "images");
            string[] committed = Directory.GetFiles(docs, "*.png").Select(Path.GetFileName).OfType<string>().Order().ToArray();
            Assert.Equal(FigureCatalogue.All.Select(f => f.FileName).Order(), committed);
            foreach (Figure figure in FigureCatalogue.All)
            {
                if (figure.SamplesNetwork)
                {
                    // The UNet's digits may differ in the last bits between CPUs (AVX2 against AVX-512): here only the size;
                    // NetworkFigureTests checks the digits, FigureSnapshotTests the layout.
                    using var committedImage = SkiaSharp.SKBitmap.Decode(Path.Combine(docs, figure.FileName));
                    Assert.Equal((figure.Width, figure.Height), (committedImage.Width, committedImage.Height));
                    continue;
                }
                PngComparison comparison = PngComparison.Of(File.ReadAllBytes(Path.Combine(docs, figure.FileName)), File.ReadAllBytes(Path.Combine(folder, figure.FileName)));
                Assert.True(comparison.Identical,
                    $"docs/images/{figure.FileName} is not what 'diffusion plots' writes: {comparison.Describe()}. Run the README's main command.");
            }
            Assert.Contains($"[{FigureCatalogue.All.Count}/{FigureCatalogue.All.Count}]", output.ToString());

            // The explorer page, the one figure that is not a PNG: byte for byte, and nothing else beside the PNGs.
            string[] others = Directory.GetFiles(docs).Where(f => !f.EndsWith(".png", StringComparison.Ordinal)).Select(Path.GetFileName).OfType<string>().ToArray();
            Assert.Equal([ExplorePage.FileName], others);
            Assert.True(File.ReadAllBytes(Path.Combine(docs, ExplorePage.FileName)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(folder, ExplorePage.FileName))),
                $"docs/images/{ExplorePage.FileName} is not what 'diffusion plots' writes. Run the README's main command.");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
