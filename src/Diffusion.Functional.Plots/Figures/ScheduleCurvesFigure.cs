using Diffusion.Functional.Plots.Drawing;
using Diffusion.Functional.Schedules;
using ScottPlot;

namespace Diffusion.Functional.Plots.Figures;

/// <summary>
/// The figure's schedule (the seed's linear one) against the cosine schedule of the same T (Nichol &amp; Dhariwal 2021,
/// eq. 17): β_t on a log scale, ᾱ_t, the posterior variance over the forward variance β̃_t / β_t (DDPM eq. 7), and the
/// log signal-to-noise ratio log(ᾱ_t / (1 − ᾱ_t)).
/// </summary>
internal static class ScheduleCurvesFigure
{
    /// <summary>No noise: the curves are exact functions of the schedules.</summary>
    public static Multiplot Build(FigureData data)
    {
        NoiseSchedule linear = data.Schedule;
        NoiseSchedule cosine = NoiseSchedule.Cosine(linear.Steps);
        int steps = linear.Steps;
        double[] t = Enumerable.Range(1, steps).Select(i => (double)i).ToArray();
        Multiplot figure = Panels.Figure(new TitledGridLayout(2, 2, headerHeight: 60),
            $"Noise schedules with T = {steps}: the seed's linear (β 10⁻⁴ → 0.02) against cosine (Nichol & Dhariwal 2021)");

        figure.AddPlot(Curves("βₜ, the variance each step adds (log scale)", "βₜ", t, linear, cosine,
            s => Enumerable.Range(1, steps).Select(i => Math.Log10(s.Beta(i))).ToArray(), logScale: true));
        figure.AddPlot(Curves("ᾱₜ, the signal left in xₜ", "ᾱₜ", t, linear, cosine,
            s => Enumerable.Range(1, steps).Select(i => s.AlphaBar(i)).ToArray(), legend: Alignment.UpperRight));
        figure.AddPlot(Curves("posterior β̃ₜ against forward βₜ: β̃ₜ / βₜ = (1 − ᾱₜ₋₁) / (1 − ᾱₜ)", "β̃ₜ / βₜ", t, linear, cosine,
            s => Enumerable.Range(1, steps).Select(i => s.PosteriorVariance(i) / s.Beta(i)).ToArray()));
        figure.AddPlot(Curves("log-SNR = log(ᾱₜ / (1 − ᾱₜ))", "log-SNR", t, linear, cosine,
            s => Enumerable.Range(1, steps).Select(i => s.LogSnr(i)).ToArray(), legend: Alignment.UpperRight));
        return figure;
    }

    private static Plot Curves(string title, string yLabel, double[] t, NoiseSchedule linear, NoiseSchedule cosine,
        Func<NoiseSchedule, double[]> values, bool logScale = false, Alignment legend = Alignment.LowerRight)
    {
        var plot = new Plot();
        double[] a = values(linear), b = values(cosine);
        var first = plot.Add.ScatterLine(t, a, FigureStyle.Linear);
        first.LineWidth = 2.5f;
        first.LegendText = "linear";
        var second = plot.Add.ScatterLine(t, b, FigureStyle.Cosine);
        second.LineWidth = 2.5f;
        second.LegendText = "cosine";
        plot.Title(title, FigureStyle.PanelTitleSize);
        plot.Axes.Title.Label.Bold = false;
        plot.XLabel("t", FigureStyle.AxisLabelSize);
        plot.YLabel(yLabel, FigureStyle.AxisLabelSize);
        plot.Axes.SetLimitsX(0, t[^1] + 1);
        if (logScale)
        {
            int lo = (int)Math.Floor(Math.Min(a.Min(), b.Min())), hi = (int)Math.Ceiling(Math.Max(a.Max(), b.Max()));
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            for (int e = lo; e <= hi; e++) ticks.AddMajor(e, e == 0 ? "1" : $"10{Superscript(e)}");
            plot.Axes.Left.TickGenerator = ticks;
            plot.Axes.SetLimitsY(lo - 0.1, hi + 0.1);
        }
        plot.ShowLegend(legend);
        plot.Legend.FontSize = FigureStyle.LegendSize;
        return plot;
    }

    private static string Superscript(int n) =>
        string.Concat(n.ToString(System.Globalization.CultureInfo.InvariantCulture).Select(c => c == '-' ? '⁻' : "⁰¹²³⁴⁵⁶⁷⁸⁹"[c - '0']));
}
