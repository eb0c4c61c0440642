using Diffusion.Cli;
using Diffusion.Functional.Plots.Tests.Support;

namespace Diffusion.Functional.Plots.Tests.Figures;

/// <summary>
/// docs/images is exactly what the README's main command writes: the test runs <c>diffusion plots</c> in-process into
/// a temporary folder and compares every PNG, decoded, with the committed one (and the set of files with the catalogue).
/// </summary>
public class DocsImagesTests
{
    [Fact]
    public void DocsImages_AreWhatDiffusionPlotsWritesWithTheDefaultSeed()
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
                PngComparison comparison = PngComparison.Of(File.ReadAllBytes(Path.Combine(docs, figure.FileName)), File.ReadAllBytes(Path.Combine(folder, figure.FileName)));
                Assert.True(comparison.Identical,
                    $"docs/images/{figure.FileName} is not what 'diffusion plots' writes: {comparison.Describe()}. Run the README's main command.");
            }
            Assert.Contains($"[{FigureCatalogue.All.Count}/{FigureCatalogue.All.Count}]", output.ToString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
