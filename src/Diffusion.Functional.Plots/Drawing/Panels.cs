using Diffusion.Functional.Images;
using ScottPlot;
using Image = Diffusion.Functional.Images.Image;

namespace Diffusion.Functional.Plots.Drawing;

/// <summary>The building blocks of a figure: header, label and image panels, and the multiplot that holds them.</summary>
internal static class Panels
{
    /// <summary>A multiplot with the given layout whose first subplot is a header showing <paramref name="title"/>.</summary>
    public static Multiplot Figure(TitledGridLayout layout, string title)
    {
        var figure = new Multiplot(Label(title, FigureStyle.HeaderSize)) { Layout = layout };
        return figure;
    }

    /// <summary>A plot that shows only <paramref name="text"/>, centred.</summary>
    public static Plot Label(string text, float size)
    {
        var plot = new Plot();
        var label = plot.Add.Text(text, 0, 0);
        label.LabelFontSize = size;
        label.LabelAlignment = Alignment.MiddleCenter;
        label.LabelFontColor = Colors.Black;
        plot.Axes.SetLimits(-1, 1, -1, 1);
        Blank(plot);
        return plot;
    }

    /// <summary>
    /// An image panel: <paramref name="image"/> in a grey colormap (black = <paramref name="window"/>.Min,
    /// white = Max; values outside are clipped), square pixels, row 0 at the top, no axes, titled.
    /// </summary>
    public static Plot Image(Image image, string title, (double Min, double Max) window)
    {
        var plot = new Plot();
        var intensities = new double[image.Height, image.Width];
        for (int r = 0; r < image.Height; r++)
            for (int c = 0; c < image.Width; c++)
                intensities[r, c] = image[r, c];
        var heatmap = plot.Add.Heatmap(intensities);
        heatmap.Colormap = new ScottPlot.Colormaps.Grayscale();
        heatmap.ManualRange = new ScottPlot.Range(window.Min, window.Max);
        heatmap.Extent = new CoordinateRect(0, image.Width, 0, image.Height);
        heatmap.Smooth = false;
        plot.Axes.SetLimits(0, image.Width, 0, image.Height);
        plot.Axes.Rules.Add(new SquarePixelsRule(plot.Axes.Bottom, plot.Axes.Left, image.Width, image.Height));
        Blank(plot);
        plot.Title(title, FigureStyle.PanelTitleSize);
        plot.Axes.Title.Label.Bold = false;
        // A fixed band for the title: the data area is then known before layout, and the square-pixel rule sees the
        // area the image is really drawn in.
        int lines = title.Length == 0 ? 0 : title.Split('\n').Length;
        plot.Layout.Fixed(new PixelPadding(2, 2, 2, 8 + lines * (FigureStyle.PanelTitleSize + 6)));
        return plot;
    }

    /// <summary>The window [min, max] of the image's own values (as matplotlib's imshow scales, which the seed uses).</summary>
    public static (double Min, double Max) OwnRange(Image image)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double v in image.Pixels)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        return max > min ? (min, max) : (min - 1, max + 1);
    }

    /// <summary>A line naming the window of an image panel: "black −2.9, white 3.1".</summary>
    public static string WindowNote((double Min, double Max) window) =>
        $"black {Notation.Fixed(window.Min, 2)}, white {Notation.Fixed(window.Max, 2)}";

    /// <summary>Hides axes, ticks, grid and frame.</summary>
    public static void Blank(Plot plot)
    {
        plot.HideAxesAndGrid();
        plot.Axes.Frameless();
    }

    /// <summary>Sets the shipped font on every plot of the figure and renders it as PNG bytes of a fixed size.</summary>
    public static byte[] Png(Multiplot figure, int width, int height)
    {
        foreach (Plot plot in figure.Subplots.GetPlots()) ShippedFont.ApplyTo(plot);
        ScottPlot.Image image = figure.Render(width, height);
        return image.GetImageBytes(ImageFormat.Png, 100);
    }
}
