using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Plots.Drawing;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;
using ScottPlot;

namespace Diffusion.Functional.Plots.Figures;

/// <summary>
/// The exact global error of every deterministic sampler of the registry (but ddim, which is euler in x/√ᾱ, and the ddpm-mean test double) against the closed-form probability-flow solution
/// (Karras et al. 2022, eq. 4) for anisotropic diagonal Gaussian data, against the number of denoiser evaluations,
/// log-log, on a 721-level Karras ρ = 7 grid (chains on every d-th level), with reference slopes 1 to 4 (docs/samplers.md).
/// </summary>
internal static class SamplerOrderFigure
{
    // Two panels of one problem: the solvers in σ and of noise prediction (left), those of data prediction (right).
    private static readonly (string Title, string[] Names)[] Groups =
    [
        ("σ-space and noise-prediction solvers", ["euler", "heun", "dpm2", "lms", "ipndm", "deis-2", "deis", "dpm-solver-2m", "dpm-solver-3m", "dpm-solver"]),
        ("data-prediction solvers (DPM-Solver++, UniPC)", ["dpmpp-2m", "unip", "unipc-bh1", "unipc", "dpmpp-3m", "unipc-3"]),
    ];

    private static readonly Color[] Colors =
    [
        Color.FromHex("#1f77b4"), Color.FromHex("#ff7f0e"), Color.FromHex("#8c564b"), Color.FromHex("#9467bd"), Color.FromHex("#7f7f7f"),
        Color.FromHex("#17becf"), Color.FromHex("#2ca02c"), Color.FromHex("#bcbd22"), Color.FromHex("#d62728"), Color.FromHex("#e377c2"),
    ];

    private static readonly int[] Strides = [240, 180, 120, 80, 60, 40, 30, 24, 20, 16, 12, 10, 8, 6, 5, 4, 3, 2, 1];

    /// <summary>No noise: every point is an exact error.</summary>
    public static Multiplot Build()
    {
        NoiseSchedule schedule = SigmaSpace.ScheduleOfSigmas(SigmaSpace.KarrasSigmas(721, 0.002, 80.0)[..721].Reverse().ToArray());
        var data = new DiagonalGaussianData(1, 2, 2, [0.3, -0.5, 1.0, 0.0], [0.25, 1.0, 2.5, 0.04]);
        var start = ImageBatch<double>.FromValues(1, 1, 2, 2, [1.2, -0.7, 0.4, -1.5]);
        Multiplot figure = Panels.Figure(new TitledGridLayout(1, Groups.Length, headerHeight: 60),
            "Exact error of every deterministic sampler against the probability-flow ODE, Gaussian data (max over 4 values)");
        foreach (var (title, names) in Groups)
        {
            var plot = new Plot();
            for (int s = 0; s < names.Length; s++)
            {
                SamplerEntry entry = SamplerRegistry.Find(names[s]);
                ISampler sampler = entry.Create(new SamplerOptions());
                var nfe = new List<double>();
                var error = new List<double>();
                foreach (int d in Strides)
                {
                    var plan = RespacedSchedule.FromTimesteps(schedule, Enumerable.Range(0, 720 / d + 1).Select(k => 1 + k * d));
                    int evaluations = plan.Count * sampler.EvaluationsPerStep - (sampler.EvaluationsPerStep - 1);
                    nfe.Add(Math.Log10(evaluations));
                    error.Add(Math.Log10(SamplerConvergence.OdeError(sampler, data, plan, start)));
                }
                var line = plot.Add.ScatterLine(nfe.ToArray(), error.ToArray(), Colors[s]);
                line.LineWidth = 2.5f;
                line.MarkerSize = 6;
                line.LegendText = $"{entry.Name} (order {entry.Order})";
            }
            // reference slopes through a common point at NFE = 1000
            for (int p = 1; p <= 4; p++)
            {
                double x0 = 2.0, x1 = 3.2, y1 = -2.0 - 2.0 * p;
                var reference = plot.Add.ScatterLine(new[] { x0, x1 }, new[] { y1 + p * (x1 - x0), y1 }, FigureStyle.Reference);
                reference.LinePattern = LinePattern.Dashed;
                reference.LineWidth = 1.2f;
                reference.MarkerSize = 0;
                var label = plot.Add.Text($"slope −{p}", x1 + 0.02, y1);
                label.LabelFontSize = 14;
            }
            plot.Title($"{title}: global error |x₀ − x₀*| against NFE", FigureStyle.PanelTitleSize);
            plot.Axes.Title.Label.Bold = false;
            plot.XLabel("NFE", FigureStyle.AxisLabelSize);
            plot.YLabel("error", FigureStyle.AxisLabelSize);
            plot.Axes.Bottom.TickGenerator = PowerTicks(0, 4);
            plot.Axes.Left.TickGenerator = PowerTicks(-12, 1);
            plot.Axes.SetLimitsX(0.5, 3.6);
            plot.Axes.SetLimitsY(-11, 0.8);
            plot.ShowLegend(Alignment.LowerLeft);
            plot.Legend.FontSize = FigureStyle.LegendSize;
            figure.AddPlot(plot);
        }
        return figure;
    }

    private static ScottPlot.TickGenerators.NumericManual PowerTicks(int lo, int hi)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int e = lo; e <= hi; e++) ticks.AddMajor(e, e == 0 ? "1" : $"10{Superscript(e)}");
        return ticks;
    }

    private static string Superscript(int n) =>
        string.Concat(n.ToString(System.Globalization.CultureInfo.InvariantCulture).Select(c => c == '-' ? '⁻' : "⁰¹²³⁴⁵⁶⁷⁸⁹"[c - '0']));
}
