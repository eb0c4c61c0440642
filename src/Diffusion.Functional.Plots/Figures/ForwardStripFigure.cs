using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Plots.Drawing;
using Diffusion.Functional.Processes;
using ScottPlot;
using Image = Diffusion.Functional.Images.Image;
using static Diffusion.Functional.Plots.Drawing.Notation;

namespace Diffusion.Functional.Plots.Figures;

/// <summary>
/// One trajectory of the forward Markov chain x_t = √(1 − β_t)·x_{t−1} + √β_t·ε_t (DDPM eq. 2), shown at
/// t = 0, 10, 25, 50, 100, 150, 200 for T = 200 (the same fractions of any T).
/// </summary>
internal static class ForwardStripFigure
{
    /// <summary>ε_t of step t comes from <c>key.Child(t)</c>.</summary>
    public static Multiplot Build(FigureData data, NoiseKey key)
    {
        int[] shown = Steps.AtAll(data.Schedule.Steps, 0, 0.05, 0.125, 0.25, 0.5, 0.75, 1);
        var frames = new Dictionary<int, Image> { [0] = data.Digit };
        Image x = data.Digit;
        for (int t = 1; t <= shown[^1]; t++)
        {
            x = ForwardProcess.SampleStep(data.Schedule, x, t, NoiseImage.StandardNormalLike(key.Child((ulong)t), x));
            if (shown.Contains(t)) frames[t] = x;
        }
        Multiplot figure = Panels.Figure(new TitledGridLayout(1, shown.Length, headerHeight: 60),
            "One trajectory of the forward chain xₜ = √(1 − βₜ)·xₜ₋₁ + √βₜ·εₜ (DDPM eq. 2); each frame scaled to its own range");
        foreach (int t in shown)
        {
            Image frame = frames[t];
            string second = t == 0 ? "the data" : $"ᾱ{Sub(t)} = {Number(data.Schedule.AlphaBar(t))}";
            figure.AddPlot(Panels.Image(frame, $"{X(t)}\n{second}", Panels.OwnRange(frame)));
        }
        return figure;
    }
}
