using Diffusion.Functional.Plots.Tests.Support;
using ScottPlot;

namespace Diffusion.Functional.Plots.Tests.Figures;

/// <summary>What every figure promises besides its picture: a fixed size, reproducibility, keys, and the shipped font.</summary>
public class FigureTests
{
    public static TheoryData<FigureId> Ids => new(Enum.GetValues<FigureId>());

    [Theory]
    [MemberData(nameof(Ids))]
    public void Render_HasTheFiguresFixedSize(FigureId id)
    {
        Figure figure = FigureCatalogue.Get(id);
        using var bitmap = SkiaSharp.SKBitmap.Decode(FigureInputs.Render(id));
        Assert.Equal((figure.Width, figure.Height), (bitmap.Width, bitmap.Height));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Render_TwiceWithOneSeed_GivesTheSameBytes(FigureId id) =>
        Assert.Equal(FigureInputs.Render(id, seed: 7), FigureInputs.Render(id, seed: 7));

    [Theory]
    [InlineData(FigureId.SeedForward)]
    [InlineData(FigureId.SeedReverse)]
    [InlineData(FigureId.ForwardStrip)]
    [InlineData(FigureId.OracleChainStrip)]
    [InlineData(FigureId.PixelHistogram)]
    [InlineData(FigureId.DigitClassGrid)]
    [InlineData(FigureId.GenerationStrip)]
    [InlineData(FigureId.SamplerComparison)]
    public void Render_WithAnotherSeed_DrawsOtherNoise(FigureId id)
    {
        PngComparison comparison = PngComparison.Of(FigureInputs.Render(id, seed: 1), FigureInputs.Render(id, seed: 2));
        Assert.False(comparison.Identical, $"{id} does not depend on the seed.");
    }

    [Fact]
    public void ScheduleCurves_DrawNoNoise_SoTheSeedChangesNothing() =>
        Assert.True(PngComparison.Of(FigureInputs.Render(FigureId.ScheduleCurves, 1), FigureInputs.Render(FigureId.ScheduleCurves, 2)).Identical);

    [Fact]
    public void KeyFor_IsTheSeedsChildNamedByTheFiguresNumber()
    {
        Assert.Equal(Noise.NoiseKey.FromSeed(42).Child(3), FigureCatalogue.KeyFor(FigureId.ForwardStrip, 42));
        Assert.Equal(FigureCatalogue.All.Count, FigureCatalogue.All.Select(f => FigureCatalogue.KeyFor(f.Id, 42)).Distinct().Count());
        Assert.Equal(FigureCatalogue.All.Count, FigureCatalogue.All.Select(f => f.FileName).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void EveryTextElement_UsesTheShippedFont(FigureId id)
    {
        Figure figure = FigureCatalogue.Get(id);
        Multiplot built = figure.Build(FigureInputs.FromShippedSample, FigureCatalogue.KeyFor(id, 42));
        foreach (Plot plot in built.Subplots.GetPlots())
        {
            var names = new List<(string What, string Font)>
            {
                ("title", plot.Axes.Title.Label.FontName ?? "(none)"),
                ("legend", plot.Legend.FontName ?? "(none)"),
            };
            foreach (IAxis axis in plot.Axes.GetAxes())
            {
                names.Add(("axis label", axis.Label.FontName ?? "(none)"));
                names.Add(("tick labels", axis.TickLabelStyle.FontName ?? "(none)"));
            }
            names.AddRange(plot.GetPlottables<ScottPlot.Plottables.Text>().Select(t => ("text", t.LabelStyle.FontName ?? "(none)")));
            Assert.All(names, n => Assert.True(n.Font == ShippedFont.Family, $"{id}: the {n.What} uses {n.Font}, not {ShippedFont.Family}."));
            Assert.False(plot.Legend.SetBestFontOnEachRender, $"{id}: the legend would pick a machine font.");
        }
    }

    [Fact]
    public void ShippedFont_ResolvesToTheEmbeddedFile_NotAMachineFont()
    {
        ShippedFont.Register();
        using Stream stream = typeof(ShippedFont).Assembly.GetManifestResourceStream("DejaVuSans.ttf")!;
        var embedded = new MemoryStream();
        stream.CopyTo(embedded);
        // The committed file is the resource (Debian's fonts-dejavu-core, on this machine, is a different build).
        Assert.Equal(File.ReadAllBytes(Repository.PathOf("src", "Diffusion.Functional.Plots", "Fonts", "DejaVuSans.ttf")), embedded.ToArray());

        SkiaSharp.SKTypeface resolved = Fonts.GetTypeface(ShippedFont.Family, bold: false, italic: false);
        Assert.Equal("DejaVu Sans", resolved.FamilyName);
        using SkiaSharp.SKStreamAsset font = resolved.OpenStream();
        var bytes = new byte[font.Length];
        Assert.Equal(bytes.Length, font.Read(bytes, bytes.Length));
        Assert.Equal(embedded.ToArray(), bytes);
    }
}
