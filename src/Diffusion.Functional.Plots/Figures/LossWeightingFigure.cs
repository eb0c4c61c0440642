using System.Globalization;
using Diffusion.Functional.Plots.Drawing;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;
using Diffusion.Functional.Training;
using ScottPlot;

namespace Diffusion.Functional.Plots.Figures;

/// <summary>
/// The training weightings as weights w(t) on the ε-MSE of DDPM's schedule (docs/likelihood.md), and the shipped UNet's
/// measured loss per t under each, w(t)·ε-MSE(t), from the committed docs/data/mnist-unet-loss-per-t.csv
/// (<c>diffusion likelihood</c>), log-log.
/// </summary>
internal static class LossWeightingFigure
{
    /// <summary>The embedded copy of docs/data/mnist-unet-loss-per-t.csv.</summary>
    public const string ResourceName = "mnist-unet-loss-per-t.csv";

    private static readonly (string Label, string Column, Color Color)[] Lines =
    [
        ("ε-MSE (L_simple), dashed", "eps", Color.FromHex("#111111")),
        ("x₀-MSE", "x0", Color.FromHex("#ff7f0e")),
        ("v-MSE", "v", Color.FromHex("#2ca02c")),
        ("min-SNR-5", "min_snr_5", Color.FromHex("#d62728")),
        ("P2 (γ = 1, k = 1)", "p2", Color.FromHex("#9467bd")),
        ("EDM (σ_data = 0.5)", "edm", Color.FromHex("#8c564b")),
        ("hybrid L_simple + λ·L_vlb", "hybrid", Color.FromHex("#e377c2")),
    ];

    /// <summary>No noise: the weights are functions of the schedule and the losses are the shipped table's.</summary>
    public static Multiplot Build()
    {
        NoiseSchedule schedule = CanonicalSchedules.Ddpm;
        LossTable table = LossTable.Read();
        Multiplot figure = Panels.Figure(new TitledGridLayout(1, 2, headerHeight: 60),
            "Loss weightings as weights on the ε-MSE (DDPM's linear schedule, T = 1000), and the shipped UNet's loss per t under each");

        var weights = new Plot();
        LossWeighting[] weightings = [LossWeighting.EpsilonMse, LossWeighting.X0Mse, LossWeighting.VMse, LossWeighting.MinSnr(5.0), LossWeighting.P2(1.0, 1.0), LossWeighting.Edm(0.5)];
        double[] t = Enumerable.Range(1, schedule.Steps).Select(s => (double)s).ToArray();
        // L_simple last and dashed: it is the line w = 1 that min-SNR, P2, EDM, v-MSE and the hybrid approach.
        foreach (int w in Enumerable.Range(1, weightings.Length - 1))
            AddLine(weights, t, t.Select(s => weightings[w].EpsilonWeight(schedule, (int)s)).ToArray(), Lines[w].Color, Lines[w].Label);
        RespacedSchedule full = RespacedSchedule.Full(schedule);
        double[] tHybrid = t[1..]; // at t = 1 the bound's term is the decoder's −log p(x_0 | x_1), not a multiple of the ε-MSE
        AddLine(weights, tHybrid, tHybrid.Select(s => TrainingLoss.HybridEpsilonWeight(full, full.StepAt((int)s), schedule.Steps)).ToArray(), Lines[^1].Color, Lines[^1].Label);
        AddLine(weights, t, t.Select(_ => 1.0).ToArray(), Lines[0].Color, Lines[0].Label, dashed: true);
        Axes(weights, "weight w(t) on ‖ε̂ − ε‖²", "w(t)", -5, 5);
        weights.ShowLegend(Alignment.UpperLeft);
        weights.Legend.FontSize = FigureStyle.LegendSize;

        var losses = new Plot();
        foreach (int w in Enumerable.Range(1, Lines.Length - 1).Append(0))
        {
            string column = Lines[w].Column == "hybrid" ? "hybrid" : $"loss_{Lines[w].Column}";
            AddLine(losses, table.T, table.Column(column), Lines[w].Color, Lines[w].Label, markers: true, dashed: w == 0);
        }
        Axes(losses, $"the UNet's w(t)·ε-MSE(t) on {table.Digits} held-out digits (markers: measured t)", "weighted loss", -5, 2);

        figure.AddPlot(weights);
        figure.AddPlot(losses);
        return figure;
    }

    private static void AddLine(Plot plot, double[] t, double[] y, Color color, string label, bool markers = false, bool dashed = false)
    {
        var line = plot.Add.ScatterLine(t.Select(Math.Log10).ToArray(), y.Select(Math.Log10).ToArray(), color);
        line.LineWidth = 2.2f;
        line.MarkerSize = markers ? 6 : 0;
        line.LegendText = label;
        if (dashed) line.LinePattern = LinePattern.Dashed;
    }

    private static void Axes(Plot plot, string title, string yLabel, int yLo, int yHi)
    {
        plot.Title(title, FigureStyle.PanelTitleSize);
        plot.Axes.Title.Label.Bold = false;
        plot.XLabel("t", FigureStyle.AxisLabelSize);
        plot.YLabel(yLabel, FigureStyle.AxisLabelSize);
        plot.Axes.Bottom.TickGenerator = PowerTicks(0, 3);
        plot.Axes.Left.TickGenerator = PowerTicks(yLo, yHi);
        plot.Axes.SetLimitsX(-0.05, 3.05);
        plot.Axes.SetLimitsY(yLo - 0.2, yHi + 0.2);
    }

    private static ScottPlot.TickGenerators.NumericManual PowerTicks(int lo, int hi)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int e = lo; e <= hi; e++) ticks.AddMajor(e, e == 0 ? "1" : $"10{Superscript(e)}");
        return ticks;
    }

    private static string Superscript(int n) =>
        string.Concat(n.ToString(CultureInfo.InvariantCulture).Select(c => c == '-' ? '⁻' : "⁰¹²³⁴⁵⁶⁷⁸⁹"[c - '0']));

    /// <summary>The loss-per-t table as <c>diffusion likelihood</c> writes it: a header and one row per measured t.</summary>
    internal sealed class LossTable
    {
        private readonly string[] _header;
        private readonly double[][] _rows;

        private LossTable(string[] header, double[][] rows, int digits)
        {
            _header = header;
            _rows = rows;
            Digits = digits;
        }

        /// <summary>How many held-out digits each row averages (from the bound's table beside it, or unknown).</summary>
        public int Digits { get; }

        /// <summary>The measured timesteps.</summary>
        public double[] T => Column("t");

        /// <summary>One column by its header name; an empty cell reads as NaN.</summary>
        public double[] Column(string name)
        {
            int index = Array.IndexOf(_header, name);
            if (index < 0) throw new InvalidDataException($"{ResourceName} has no column '{name}'; its columns are {string.Join(", ", _header)}.");
            return _rows.Select(r => r[index]).ToArray();
        }

        /// <summary>Reads the embedded copies of docs/data/mnist-unet-loss-per-t.csv and mnist-unet-bpd.csv.</summary>
        public static LossTable Read()
        {
            string[] lines = ReadResource(ResourceName).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            string[] header = lines[0].Split(',');
            double[][] rows = lines[1..].Select(l => l.Split(',').Select(c => c.Length == 0 ? double.NaN : double.Parse(c, CultureInfo.InvariantCulture)).ToArray()).ToArray();
            string[] bound = ReadResource("mnist-unet-bpd.csv").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            int digitsColumn = Array.IndexOf(bound[0].Split(','), "digits");
            int digits = int.Parse(bound[1].Split(',')[digitsColumn], CultureInfo.InvariantCulture);
            return new LossTable(header, rows, digits);
        }

        private static string ReadResource(string name)
        {
            using Stream stream = typeof(LossTable).Assembly.GetManifestResourceStream(name)
                ?? throw new InvalidOperationException($"{name} is not embedded in Diffusion.Functional.Plots: the assembly was built without docs/data/{name}.");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
    }
}
