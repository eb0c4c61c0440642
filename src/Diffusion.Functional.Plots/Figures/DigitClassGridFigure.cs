using Diffusion.Functional.Noise;
using Diffusion.Functional.Plots.Drawing;
using Diffusion.Functional.Processes;
using ScottPlot;
using Image = Diffusion.Functional.Images.Image;
using static Diffusion.Functional.Plots.Drawing.Notation;

namespace Diffusion.Functional.Plots.Figures;

/// <summary>
/// One digit of each class 0–9 (columns) noised by q(x_t | x_0) (DDPM eq. 4) at t = 0, 25, 50, 100, 200 for T = 200
/// (rows). Each digit keeps one ε for all t, so down a column only the mix √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε changes.
/// </summary>
internal static class DigitClassGridFigure
{
    /// <summary>The ε of class c comes from <c>key.Child(c)</c>.</summary>
    public static Multiplot Build(FigureData data, NoiseKey key)
    {
        int[] rows = Steps.AtAll(data.Schedule.Steps, 0, 0.125, 0.25, 0.5, 1);
        int classes = data.DigitOfEachClass.Count;
        var layout = new TitledGridLayout(rows.Length, classes, headerHeight: 60, rowLabelWidth: 150, columnLabelHeight: 36);
        Multiplot figure = Panels.Figure(layout,
            "One MNIST digit of each class, noised: xₜ = √ᾱₜ·x₀ + √(1 − ᾱₜ)·ε (DDPM eq. 4), one ε per digit for every t");
        for (int c = 0; c < classes; c++) figure.AddPlot(Panels.Label($"“{c}”", FigureStyle.PanelTitleSize));
        foreach (int t in rows)
            figure.AddPlot(Panels.Label(t == 0 ? "t = 0\n(the data)" : $"t = {t}\nᾱ = {Number(data.Schedule.AlphaBar(t), 2)}", FigureStyle.PanelTitleSize));
        foreach (int t in rows)
        {
            for (int c = 0; c < classes; c++)
            {
                Image x0 = data.DigitOfEachClass[c];
                Image xt = t == 0 ? x0 : ForwardProcess.Sample(data.Schedule, x0, t, key.Child((ulong)c));
                figure.AddPlot(Panels.Image(xt, "", Panels.OwnRange(xt)));
            }
        }
        return figure;
    }
}
