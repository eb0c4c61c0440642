using System.Globalization;
using Diffusion.Functional.Plots.Drawing;
using ScottPlot;

namespace Diffusion.Functional.Plots.Figures;

/// <summary>
/// The shipped UNet's Fréchet distance to the held-out digits (Heusel et al. 2017, eq. 6, on the MNIST classifier's
/// features) against NFE per sampler, log-log, read from the committed docs/data/mnist-unet-quality.csv (written by
/// <c>diffusion quality</c>; embedded in this assembly), with the floor of as many training digits at each point.
/// </summary>
internal static class QualityFigure
{
    private static readonly Color[] Colors = [Color.FromHex("#1f77b4"), Color.FromHex("#ff7f0e"), Color.FromHex("#2ca02c"), Color.FromHex("#d62728")];

    /// <summary>One row of the CSV.</summary>
    internal sealed record Measurement(string Sampler, int Nfe, double? Guidance, int Digits, double Fd, double Floor, double Accuracy);

    /// <summary>The rows of a quality CSV (the header of <c>diffusion quality</c>).</summary>
    internal static IReadOnlyList<Measurement> Parse(string csv) =>
        csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line =>
        {
            string[] f = line.Split(',');
            double Number(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
            return new Measurement(f[0], int.Parse(f[1], CultureInfo.InvariantCulture), f[2].Length == 0 ? null : Number(2),
                int.Parse(f[3], CultureInfo.InvariantCulture), Number(4), Number(5), Number(6));
        }).ToArray();

    /// <summary>The embedded table.</summary>
    internal static string ShippedCsv()
    {
        using Stream stream = typeof(QualityFigure).Assembly.GetManifestResourceStream("mnist-unet-quality.csv")
            ?? throw new InvalidOperationException("mnist-unet-quality.csv is not embedded in Diffusion.Functional.Plots.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>No noise: the figure is the committed table.</summary>
    public static Multiplot Build(string csv)
    {
        IReadOnlyList<Measurement> rows = Parse(csv);
        Measurement floor = rows.Single(r => r.Sampler == "held-out");
        var unguided = rows.Where(r => r.Guidance == 1.0).ToArray();
        Multiplot figure = Panels.Figure(new TitledGridLayout(1, 1, headerHeight: 60),
            "The shipped MNIST UNet: Fréchet distance to the 2,000 held-out digits against NFE (w = 1)");
        var plot = new Plot();
        string[] samplers = unguided.Select(r => r.Sampler).Distinct().ToArray();
        for (int s = 0; s < samplers.Length; s++)
        {
            var points = unguided.Where(r => r.Sampler == samplers[s]).OrderBy(r => r.Nfe).ToArray();
            var line = plot.Add.ScatterLine(points.Select(p => Math.Log10(p.Nfe)).ToArray(), points.Select(p => Math.Log10(p.Fd)).ToArray(), Colors[s % Colors.Length]);
            line.LineWidth = 2.5f;
            line.MarkerSize = 7;
            line.LegendText = samplers[s];
        }
        var byNfe = unguided.GroupBy(r => r.Nfe).Select(g => g.First()).OrderBy(r => r.Nfe).ToArray();
        var floors = plot.Add.ScatterPoints(byNfe.Select(p => Math.Log10(p.Nfe)).ToArray(), byNfe.Select(p => Math.Log10(p.Floor)).ToArray(), FigureStyle.Reference);
        floors.MarkerSize = 8;
        floors.MarkerShape = MarkerShape.OpenSquare;
        floors.LegendText = "floor: as many training digits";
        var full = plot.Add.HorizontalLine(Math.Log10(floor.Fd), 1.2f, FigureStyle.Reference, LinePattern.Dashed);
        full.LegendText = string.Create(CultureInfo.InvariantCulture, $"floor: 8,000 training digits ({floor.Fd:F1})");
        foreach (var p in byNfe)
        {
            var count = plot.Add.Text(string.Create(CultureInfo.InvariantCulture, $"n = {p.Digits}"), Math.Log10(p.Nfe), Math.Log10(p.Floor) - 0.12);
            count.LabelFontSize = 12;
            count.LabelAlignment = Alignment.UpperCenter;
        }
        plot.Title("FD of the classifier's 128 features against network evaluations (NFE), log-log; n generated digits per point", FigureStyle.PanelTitleSize);
        plot.Axes.Title.Label.Bold = false;
        plot.XLabel("NFE", FigureStyle.AxisLabelSize);
        plot.YLabel("Fréchet distance", FigureStyle.AxisLabelSize);
        var xTicks = new ScottPlot.TickGenerators.NumericManual();
        foreach (int n in byNfe.Select(p => p.Nfe)) xTicks.AddMajor(Math.Log10(n), n.ToString(CultureInfo.InvariantCulture));
        plot.Axes.Bottom.TickGenerator = xTicks;
        var yTicks = new ScottPlot.TickGenerators.NumericManual();
        foreach (double v in new[] { 1, 3, 10, 30, 100, 300, 1000, 3000 }) yTicks.AddMajor(Math.Log10(v), v.ToString(CultureInfo.InvariantCulture));
        plot.Axes.Left.TickGenerator = yTicks;
        double lowest = Math.Min(floor.Fd, byNfe.Min(p => p.Floor)), highest = unguided.Max(r => r.Fd);
        plot.Axes.SetLimitsX(Math.Log10(byNfe.Min(p => p.Nfe)) - 0.15, Math.Log10(byNfe.Max(p => p.Nfe)) + 0.15);
        plot.Axes.SetLimitsY(Math.Log10(lowest) - 0.3, Math.Log10(highest) + 0.15);
        plot.ShowLegend(Alignment.MiddleRight);
        plot.Legend.FontSize = FigureStyle.LegendSize;
        figure.AddPlot(plot);
        return figure;
    }
}
