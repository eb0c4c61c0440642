using ScottPlot;
using SkiaSharp;

namespace Diffusion.Functional.Plots;

/// <summary>
/// The one font of every figure: DejaVu Sans 2.37, embedded in this assembly (Bitstream Vera licence, docs/data.md),
/// registered with ScottPlot under <see cref="Family"/>. Figures never fall back to a machine's fonts, so a figure
/// is the same image on every machine.
/// </summary>
public static class ShippedFont
{
    /// <summary>The family name under which the shipped font is registered.</summary>
    public const string Family = "DejaVu Sans";

    private static readonly object Gate = new();
    private static SKData? _data;

    /// <summary>
    /// Puts a resolver for <see cref="Family"/> first in ScottPlot's resolvers, makes it ScottPlot's default font, and
    /// turns on ScottPlot's (process-wide) text shaping. Idempotent and thread-safe; the figure functions call it themselves.
    /// </summary>
    public static void Register()
    {
        lock (Gate)
        {
            if (_data is not null) return;
            using Stream stream = typeof(ShippedFont).Assembly.GetManifestResourceStream("DejaVuSans.ttf")
                ?? throw new InvalidOperationException("The font resource DejaVuSans.ttf is missing from Diffusion.Functional.Plots.");
            _data = SKData.Create(stream);
            Fonts.FontResolvers.Insert(0, new EmbeddedFontResolver(_data));
            Fonts.Default = Family;
            // Shape text with HarfBuzz, so that combining marks render: β̃ is β followed by U+0303 COMBINING TILDE.
            LabelStyle.RTLSupport = true;
        }
    }

    /// <summary>Sets the shipped font on every text element of <paramref name="plot"/>: title, axis labels, ticks, legend, texts.</summary>
    public static void ApplyTo(Plot plot)
    {
        ArgumentNullException.ThrowIfNull(plot);
        Register();
        plot.Font.Set(Family);
        plot.Legend.FontName = Family;
        plot.Legend.SetBestFontOnEachRender = false;
        plot.Axes.Title.Label.FontName = Family;
        foreach (IAxis axis in plot.Axes.GetAxes())
        {
            axis.Label.FontName = Family;
            axis.TickLabelStyle.FontName = Family;
        }
        foreach (var text in plot.GetPlottables<ScottPlot.Plottables.Text>()) text.LabelStyle.FontName = Family;
    }

    // Serves the embedded typeface for the family name, whatever weight or slant is asked (only one face is shipped).
    private sealed class EmbeddedFontResolver(SKData data) : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width) => Create(fontName);

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) => Create(fontName);

        private SKTypeface? Create(string fontName) => fontName == Family ? SKTypeface.FromData(data) : null;
    }
}
