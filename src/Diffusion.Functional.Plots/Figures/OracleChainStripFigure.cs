using Diffusion.Functional.Noise;
using Diffusion.Functional.Plots.Drawing;
using Diffusion.Functional.Processes;
using ScottPlot;
using Image = Diffusion.Functional.Images.Image;
using static Diffusion.Functional.Plots.Drawing.Notation;

namespace Diffusion.Functional.Plots.Figures;

/// <summary>
/// The oracle reverse chain x_{t−1} ~ q(x_{t−1} | x_t, x_0) (DDPM eqs. 6–7) from x_{T/4} to x_0, as frames at
/// t = 50, 40, 30, 20, 10, 5, 1, 0 for T = 200.
/// </summary>
internal static class OracleChainStripFigure
{
    /// <summary>The start x_{T/4} draws ε from <c>key.Child(0)</c>; the chain runs on <c>key.Child(1)</c>.</summary>
    public static Multiplot Build(FigureData data, NoiseKey key)
    {
        int from = Steps.At(data.Schedule.Steps, 0.25);
        int[] shown = new[] { from, (int)Math.Round(0.8 * from), (int)Math.Round(0.6 * from), (int)Math.Round(0.4 * from),
            (int)Math.Round(0.2 * from), (int)Math.Round(0.1 * from), 1, 0 }.Distinct().OrderDescending().ToArray();
        Image start = ForwardProcess.Sample(data.Schedule, data.Digit, from, key.Child(0));
        var frames = OracleChain.Run(data.Schedule, data.Digit, start, from, key.Child(1))
            .Where(state => shown.Contains(state.Step))
            .ToArray();
        Multiplot figure = Panels.Figure(new TitledGridLayout(1, frames.Length, headerHeight: 60),
            $"Oracle reverse chain: xₜ₋₁ ~ q(xₜ₋₁ | xₜ, x₀) (DDPM eqs. 6–7) from {X(from)} down to x₀; each frame scaled to its own range");
        foreach (ChainState state in frames)
        {
            string second = state.Step == 0 ? "= the data x₀" : $"√(1 − ᾱ{Sub(state.Step)}) = {Number(data.Schedule.SqrtOneMinusAlphaBar(state.Step))}";
            figure.AddPlot(Panels.Image(state.X, $"{X(state.Step)}\n{second}", Panels.OwnRange(state.X)));
        }
        return figure;
    }
}
