using Diffusion.Functional.Plots.Drawing;
using ScottPlot;
using Image = Diffusion.Functional.Images.Image;

namespace Diffusion.Functional.Plots;

/// <summary>One image, or a grid of images, as a titled picture, the way the figures draw them (grey, square pixels).</summary>
public static class ImagePicture
{
    /// <summary>Default picture width in pixels.</summary>
    public const int DefaultWidth = 480;

    /// <summary>Default picture height in pixels.</summary>
    public const int DefaultHeight = 540;

    // A cell of the grid (its caption and its image), and the narrowest grid, so that a title of two lines fits.
    private const int GridCellWidth = 150, GridCellHeight = 176, GridMinWidth = 960;

    /// <summary>
    /// PNG bytes of <paramref name="image"/> drawn black (its minimum) to white (its maximum), with
    /// <paramref name="title"/> and a line naming the window, at width × height pixels (each ≥ 64).
    /// </summary>
    public static byte[] RenderPng(Image image, string title, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(title);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 64);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 64);
        var window = Panels.OwnRange(image);
        Plot plot = Panels.Image(image, $"{title}\n{Panels.WindowNote(window)}", window);
        ShippedFont.ApplyTo(plot);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>
    /// PNG bytes of <paramref name="images"/> as a grid, row by row, ⌈√K⌉ columns for K images, each titled with its
    /// caption, all drawn in one window (black = the smallest pixel of them all, white = the largest) so that they can
    /// be compared; the header shows <paramref name="title"/> and the window. The size is <see cref="GridSize"/>(K).
    /// </summary>
    /// <param name="images">At least one image.</param>
    /// <param name="title">The picture's title (one or more lines).</param>
    /// <param name="captions">One caption per image (one line each), or null for none.</param>
    public static byte[] RenderGridPng(IReadOnlyList<Image> images, string title, IReadOnlyList<string>? captions = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(title);
        ArgumentOutOfRangeException.ThrowIfLessThan(images.Count, 1, "images.Count");
        if (captions is not null && captions.Count != images.Count)
            throw new ArgumentException($"captions has {captions.Count} entries but images has {images.Count}; give one caption per image.", nameof(captions));
        var (columns, rows) = GridShape(images.Count);
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (Image image in images)
        {
            ArgumentNullException.ThrowIfNull(image, nameof(images));
            foreach (double v in image.Pixels)
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
        }
        var window = max > min ? (min, max) : (min - 1, max + 1); // as Panels.OwnRange, over all images
        Multiplot figure = Panels.Figure(new TitledGridLayout(rows, columns, HeaderHeight(title)), $"{title}\n{Panels.WindowNote(window)}");
        for (int i = 0; i < rows * columns; i++)
            figure.AddPlot(i < images.Count ? Panels.Image(images[i], captions?[i] ?? "", window) : Panels.Label("", FigureStyle.PanelTitleSize));
        var (width, height) = GridSize(images.Count, title);
        return Panels.Png(figure, width, height);
    }

    /// <summary>The size in pixels of <see cref="RenderGridPng"/>'s picture of <paramref name="count"/> images with <paramref name="title"/>.</summary>
    public static (int Width, int Height) GridSize(int count, string title)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var (columns, rows) = GridShape(count);
        return (Math.Max(columns * GridCellWidth, GridMinWidth), HeaderHeight(title) + rows * GridCellHeight);
    }

    private static (int Columns, int Rows) GridShape(int count)
    {
        int columns = (int)Math.Ceiling(Math.Sqrt(count));
        return (columns, (count + columns - 1) / columns);
    }

    // The title's lines and the window's line, at the header's font size.
    private static int HeaderHeight(string title) => 24 + 30 * (title.Split('\n').Length + 1);
}
