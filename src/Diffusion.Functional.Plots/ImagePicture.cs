using Diffusion.Functional.Plots.Drawing;
using ScottPlot;
using Image = Diffusion.Functional.Images.Image;

namespace Diffusion.Functional.Plots;

/// <summary>One image as a titled picture, the way the figures draw it (grey, square pixels, its own range).</summary>
public static class ImagePicture
{
    /// <summary>Default picture width in pixels.</summary>
    public const int DefaultWidth = 480;

    /// <summary>Default picture height in pixels.</summary>
    public const int DefaultHeight = 540;

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
}
