using ScottPlot;

namespace Diffusion.Functional.Plots.Drawing;

/// <summary>
/// A multiplot layout: a header band across the top for the figure's title, optional bands for column labels (above
/// the grid) and row labels (left of it), and a grid of equal cells. Subplots in order: the header, the column labels,
/// the row labels (each only if its band is &gt; 0), then the cells row by row.
/// </summary>
internal sealed class TitledGridLayout(int rows, int columns, float headerHeight, float rowLabelWidth = 0, float columnLabelHeight = 0)
    : IMultiplotLayout
{
    /// <summary>Space kept free around the grid (left of it only when there are no row labels), so that no panel touches the edge.</summary>
    private const float OuterMargin = 12;

    public int Rows { get; } = rows;

    public int Columns { get; } = columns;

    /// <summary>How many subplots the layout places.</summary>
    public int SubplotCount => 1 + (columnLabelHeight > 0 ? Columns : 0) + (rowLabelWidth > 0 ? Rows : 0) + Rows * Columns;

    public PixelRect[] GetSubplotRectangles(SubplotCollection subplots, PixelRect figure)
    {
        var rectangles = new List<PixelRect> { Rect(figure.Left, figure.Right, figure.Top, figure.Top + headerHeight) };
        float top = figure.Top + headerHeight + columnLabelHeight;
        float left = figure.Left + (rowLabelWidth > 0 ? rowLabelWidth : OuterMargin);
        float cellHeight = (figure.Bottom - OuterMargin - top) / Rows;
        float cellWidth = (figure.Right - OuterMargin - left) / Columns;
        if (columnLabelHeight > 0)
        {
            for (int c = 0; c < Columns; c++)
                rectangles.Add(Rect(left + c * cellWidth, left + (c + 1) * cellWidth, top - columnLabelHeight, top));
        }
        if (rowLabelWidth > 0)
        {
            for (int r = 0; r < Rows; r++)
                rectangles.Add(Rect(figure.Left, left, top + r * cellHeight, top + (r + 1) * cellHeight));
        }
        for (int r = 0; r < Rows; r++)
        {
            for (int c = 0; c < Columns; c++)
                rectangles.Add(Rect(left + c * cellWidth, left + (c + 1) * cellWidth, top + r * cellHeight, top + (r + 1) * cellHeight));
        }
        if (subplots.Count != rectangles.Count)
            throw new InvalidOperationException($"The layout places {rectangles.Count} subplots but the figure has {subplots.Count}.");
        return rectangles.ToArray();
    }

    // Whole pixels, so that panel edges do not depend on float rounding. PixelRect takes (left, right, top, bottom).
    private static PixelRect Rect(float left, float right, float top, float bottom) =>
        new(MathF.Round(left), MathF.Round(right), MathF.Round(top), MathF.Round(bottom));
}
