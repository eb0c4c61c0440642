using Diffusion.Functional.Noise;
using Diffusion.Functional.Plots.Drawing;
using Diffusion.Functional.Plots.Statistics;
using Diffusion.Functional.Processes;
using ScottPlot;
using static Diffusion.Functional.Plots.Drawing.Notation;

namespace Diffusion.Functional.Plots.Figures;

/// <summary>
/// At t = 10, 50, 100, 200 (for T = 200): the histogram of every pixel of x_t ~ q(x_t | x_0) over the digits, the
/// exact density of such a pixel (a mixture of Gaussians N(√ᾱ_t·v, 1 − ᾱ_t) over the data's pixel values v, DDPM
/// eq. 4), and N(0, 1), the limit as ᾱ_t → 0.
/// </summary>
internal static class PixelHistogramFigure
{
    private const double Lo = -4, Hi = 4;
    private const int Bins = 400;

    /// <summary>Digit i at step t draws ε from <c>key.Child(t).Child(i)</c>.</summary>
    public static Multiplot Build(FigureData data, NoiseKey key)
    {
        int[] shown = Steps.AtAll(data.Schedule.Steps, 0.05, 0.25, 0.5, 1);
        var digits = data.Digits;
        Multiplot figure = Panels.Figure(new TitledGridLayout(1, shown.Length, headerHeight: 60),
            $"Pixels of xₜ ~ q(xₜ | x₀) over {digits.Count} MNIST digits: as ᾱₜ falls, xₜ tends to N(0, 1)");
        double width = (Hi - Lo) / Bins;
        double[] centres = Enumerable.Range(0, Bins).Select(b => Lo + (b + 0.5) * width).ToArray();
        double[] grid = Enumerable.Range(0, 401).Select(i => Lo + (Hi - Lo) * i / 400).ToArray();
        bool first = true;
        foreach (int t in shown)
        {
            var values = new double[digits.Values.Length];
            for (int i = 0; i < digits.Count; i++)
            {
                var xt = ForwardProcess.Sample(data.Schedule, digits.ToImage(i), t, key.Child((ulong)t).Child((ulong)i));
                xt.Pixels.CopyTo(values.AsSpan(i * digits.ValuesPerImage));
            }
            double[] histogram = PixelDensity.Histogram(values, Lo, Hi, Bins);
            Func<double, double> exact = PixelDensity.Marginal(digits, data.Schedule.AlphaBar(t));

            var plot = new Plot();
            var bars = plot.Add.Bars(centres, histogram);
            foreach (var bar in bars.Bars)
            {
                bar.Size = width;
                bar.FillColor = FigureStyle.Bars;
                bar.LineWidth = 0;
            }
            bars.LegendText = $"histogram: {values.Length:N0} pixels of {X(t)}";
            var density = plot.Add.ScatterLine(grid, grid.Select(exact).ToArray(), FigureStyle.Cosine);
            density.LineWidth = 2;
            density.LegendText = $"exact density of a pixel of {X(t)}";
            var normal = plot.Add.ScatterLine(grid, grid.Select(PixelDensity.StandardNormal).ToArray(), FigureStyle.Reference);
            normal.LineWidth = 2;
            normal.LinePattern = LinePattern.Dashed;
            normal.LegendText = "N(0, 1)";
            plot.Axes.SetLimitsX(Lo, Hi);
            plot.Axes.SetLimitsY(0, 1.35 * Math.Max(histogram.Max(), grid.Select(exact).Max())); // room for the legend
            plot.Title($"t = {t}: ᾱ{Sub(t)} = {Number(data.Schedule.AlphaBar(t))}", FigureStyle.PanelTitleSize);
            plot.Axes.Title.Label.Bold = false;
            plot.XLabel($"pixel value of {X(t)}", FigureStyle.AxisLabelSize);
            plot.YLabel("density", FigureStyle.AxisLabelSize);
            if (first) plot.ShowLegend(Alignment.UpperRight);
            else plot.HideLegend();
            plot.Legend.FontSize = FigureStyle.LegendSize;
            first = false;
            figure.AddPlot(plot);
        }
        return figure;
    }
}
