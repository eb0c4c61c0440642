using Diffusion.Functional.Plots.Drawing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using ScottPlot;

namespace Diffusion.Functional.Plots.Tests.Drawing;

/// <summary>
/// The layout every figure uses: a header across the top, label bands, and a grid of equal cells that stays inside the
/// figure with a free margin, so that no panel of a figure touches its edge.
/// </summary>
public class TitledGridLayoutTests
{
    private const float Margin = 12;

    private static PixelRect[] Place(TitledGridLayout layout, int width, int height)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(layout.SubplotCount);
        return layout.GetSubplotRectangles(multiplot.Subplots, new PixelRect(0, width, 0, height));
    }

    private static readonly Arbitrary<(int Rows, int Columns, int Header, int RowLabels, int ColumnLabels, int Width)> Layouts =
        (from rows in Gen.Choose(1, 6)
         from columns in Gen.Choose(1, 10)
         from header in Gen.Elements(0, 60, 90)
         from rowLabels in Gen.Elements(0, 120)
         from columnLabels in Gen.Elements(0, 56)
         from width in Gen.Choose(600, 2000)
         select (rows, columns, header, rowLabels, columnLabels, width)).ToArbitrary();

    [Property(MaxTest = 300)]
    public Property Cells_AreEqual_DoNotOverlap_AndKeepAMarginFromTheEdges() => Prop.ForAll(Layouts, shape =>
        {
            var (rows, columns, header, rowLabels, columnLabels, width) = shape;
            int height = width / 2;
            var layout = new TitledGridLayout(rows, columns, header, rowLabels, columnLabels);
            PixelRect[] rectangles = Place(layout, width, height);
            PixelRect[] cells = rectangles[^(rows * columns)..];

            Assert.Equal(new PixelRect(0, width, 0, header), rectangles[0]);
            float left = rowLabels > 0 ? rowLabels : Margin;
            Assert.All(cells, cell => Assert.True(
                cell.Left >= left && cell.Right <= width - Margin && cell.Top >= header + columnLabels && cell.Bottom <= height - Margin,
                $"cell {cell} leaves the area ({left}, {width - Margin}) × ({header + columnLabels}, {height - Margin})"));
            // Equal to the pixel (edges are rounded to whole pixels) and side by side without overlap.
            Assert.All(cells, cell => Assert.InRange(cell.Width - cells[0].Width, -1, 1));
            Assert.All(cells, cell => Assert.InRange(cell.Height - cells[0].Height, -1, 1));
            for (int r = 0; r < rows; r++)
                for (int c = 1; c < columns; c++)
                    Assert.Equal(cells[r * columns + c - 1].Right, cells[r * columns + c].Left);
            // The grid uses all the room it is given: the last cell ends within a pixel of the margin.
            Assert.InRange(cells[^1].Right, width - Margin - 1, width - Margin);
            Assert.InRange(cells[^1].Bottom, height - Margin - 1, height - Margin);
        });

    [Fact]
    public void RowAndColumnLabels_SitBesideAndAboveTheirCells()
    {
        var layout = new TitledGridLayout(rows: 2, columns: 3, headerHeight: 90, rowLabelWidth: 120, columnLabelHeight: 56);
        PixelRect[] rectangles = Place(layout, 1200, 800);
        PixelRect[] columnLabels = rectangles[1..4], rowLabels = rectangles[4..6], cells = rectangles[6..];
        for (int c = 0; c < 3; c++)
            Assert.Equal((cells[c].Left, cells[c].Right, cells[c].Top), (columnLabels[c].Left, columnLabels[c].Right, columnLabels[c].Bottom));
        for (int r = 0; r < 2; r++)
            Assert.Equal((0f, cells[r * 3].Left, cells[r * 3].Top, cells[r * 3].Bottom), (rowLabels[r].Left, rowLabels[r].Right, rowLabels[r].Top, rowLabels[r].Bottom));
    }

    [Fact]
    public void AFigureWithADifferentNumberOfSubplots_IsRefused()
    {
        var layout = new TitledGridLayout(rows: 2, columns: 2, headerHeight: 60);
        var multiplot = new Multiplot();
        multiplot.AddPlots(layout.SubplotCount + 1);
        var error = Assert.Throws<InvalidOperationException>(() => layout.GetSubplotRectangles(multiplot.Subplots, new PixelRect(0, 800, 0, 600)));
        Assert.Contains("places 5 subplots but the figure has 6", error.Message);
    }
}
