using Diffusion.Functional.Plots.Drawing;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;
using ScottPlot;

namespace Diffusion.Functional.Plots.Figures;

/// <summary>
/// The exact W₂ distance between the output law of each stochastic sampler and the data law N(μ, v), against NFE,
/// log-log (docs/samplers.md, "Stochastic sampler"): every step is affine in x and its noise, so the law is exactly
/// Gaussian (<see cref="SamplerConvergence.GaussianLaw"/>); the same 721-level Karras ρ = 7 grid as the sampler-order figure.
/// </summary>
internal static class StochasticLawFigure
{
    private static readonly string[] Names = ["ddpm", "euler-ancestral", "dpmpp-2m-sde", "dpmpp-3m-sde"];

    private static readonly Color[] Colors = [Color.FromHex("#7f7f7f"), Color.FromHex("#1f77b4"), Color.FromHex("#2ca02c"), Color.FromHex("#d62728")];

    private static readonly int[] Strides = [240, 180, 120, 80, 60, 40, 30, 24, 20, 16, 12, 10, 8, 6, 5, 4, 3, 2, 1];

    /// <summary>No noise is drawn: every point is an exact distance.</summary>
    public static Multiplot Build()
    {
        const double mean = 0.3, variance = 0.25;
        NoiseSchedule schedule = SigmaSpace.ScheduleOfSigmas(SigmaSpace.KarrasSigmas(721, 0.002, 80.0)[..721].Reverse().ToArray());
        Multiplot figure = Panels.Figure(new TitledGridLayout(1, 1, headerHeight: 60),
            "Exact distance of the stochastic samplers' output law to the data law N(0.3, 0.25)");
        var plot = new Plot();
        for (int s = 0; s < Names.Length; s++)
        {
            SamplerEntry entry = SamplerRegistry.Find(Names[s]);
            ISampler sampler = entry.Create(new SamplerOptions());
            var nfe = new List<double>();
            var distance = new List<double>();
            foreach (int d in Strides)
            {
                var plan = RespacedSchedule.FromTimesteps(schedule, Enumerable.Range(0, 720 / d + 1).Select(k => 1 + k * d));
                var (m, v) = SamplerConvergence.GaussianLaw(sampler, plan, mean, variance);
                double w2 = Math.Sqrt((m - mean) * (m - mean) + Math.Pow(Math.Sqrt(v) - Math.Sqrt(variance), 2));
                nfe.Add(Math.Log10(plan.Count * sampler.EvaluationsPerStep));
                distance.Add(Math.Log10(w2));
            }
            var line = plot.Add.ScatterLine(nfe.ToArray(), distance.ToArray(), Colors[s]);
            // ddpm's curve is drawn first and wide: euler-ancestral's nearly covers it
            line.LineWidth = s == 0 ? 7f : 2.5f;
            line.MarkerSize = s == 0 ? 0 : 6;
            line.LegendText = entry.Name;
        }
        // reference slopes fanning out from one point below the curves
        for (int p = 1; p <= 2; p++)
        {
            double x0 = 2.3, x1 = 3.0, y0 = -5.4, y1 = y0 - p * (x1 - x0);
            var reference = plot.Add.ScatterLine(new[] { x0, x1 }, new[] { y0, y1 }, FigureStyle.Reference);
            reference.LinePattern = LinePattern.Dashed;
            reference.LineWidth = 1.2f;
            reference.MarkerSize = 0;
            var label = plot.Add.Text($"slope −{p}", x1 + 0.02, y1);
            label.LabelFontSize = 14;
        }
        plot.Title("W₂(output law, data law) against denoiser evaluations (NFE), log-log", FigureStyle.PanelTitleSize);
        plot.Axes.Title.Label.Bold = false;
        plot.XLabel("NFE", FigureStyle.AxisLabelSize);
        plot.YLabel("W₂", FigureStyle.AxisLabelSize);
        var xticks = new ScottPlot.TickGenerators.NumericManual();
        for (int e = 0; e <= 3; e++) xticks.AddMajor(e, e == 0 ? "1" : $"10{Superscript(e)}");
        var yticks = new ScottPlot.TickGenerators.NumericManual();
        for (int e = -7; e <= 0; e++) yticks.AddMajor(e, e == 0 ? "1" : $"10{Superscript(e)}");
        plot.Axes.Bottom.TickGenerator = xticks;
        plot.Axes.Left.TickGenerator = yticks;
        plot.Axes.SetLimitsX(0.5, 3.3);
        plot.Axes.SetLimitsY(-7.0, 0.8);
        plot.ShowLegend(Alignment.LowerLeft);
        plot.Legend.FontSize = FigureStyle.LegendSize;
        figure.AddPlot(plot);
        return figure;
    }

    private static string Superscript(int n) =>
        string.Concat(n.ToString(System.Globalization.CultureInfo.InvariantCulture).Select(c => c == '-' ? '⁻' : "⁰¹²³⁴⁵⁶⁷⁸⁹"[c - '0']));
}
