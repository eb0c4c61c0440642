using ScottPlot;

namespace Diffusion.Functional.Plots.Drawing;

/// <summary>
/// An axis rule that shows a width × height image whole, centred, with square pixels, in whatever data area the
/// layout leaves (ScottPlot's SquareZoomOut did not account for the title's space in a multiplot, and cut images).
/// </summary>
internal sealed class SquarePixelsRule(IXAxis x, IYAxis y, double width, double height) : IAxisRule
{
    public void Apply(RenderPack rp, bool beforeLayout)
    {
        float pixelsWide = rp.DataRect.Width, pixelsHigh = rp.DataRect.Height;
        if (pixelsWide <= 0 || pixelsHigh <= 0) return;
        double unitsPerPixel = Math.Max(width / pixelsWide, height / pixelsHigh);
        double spanX = pixelsWide * unitsPerPixel, spanY = pixelsHigh * unitsPerPixel;
        x.Range.Set(width / 2 - spanX / 2, width / 2 + spanX / 2);
        y.Range.Set(height / 2 - spanY / 2, height / 2 + spanY / 2);
    }
}
