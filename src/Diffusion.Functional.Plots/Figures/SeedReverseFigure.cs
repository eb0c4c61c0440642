using Diffusion.Functional.Noise;
using Diffusion.Functional.Plots.Drawing;
using Diffusion.Functional.Processes;
using ScottPlot;
using Image = Diffusion.Functional.Images.Image;
using static Diffusion.Functional.Plots.Drawing.Notation;

namespace Diffusion.Functional.Plots.Figures;

/// <summary>
/// The seed notebook's reverse figure, fixed: x_0; the chain's start x_{T/4} ~ q(x_{T/4} | x_0); its end after all
/// T/4 steps of q(x_{t−1} | x_t, x_0) (DDPM eqs. 6–7), which is x_0 exactly; and the noise removed, start − end.
/// </summary>
internal static class SeedReverseFigure
{
    /// <summary>The start draws ε from <c>key.Child(0)</c>; the chain runs on <c>key.Child(1)</c>.</summary>
    public static Multiplot Build(FigureData data, NoiseKey key)
    {
        int from = Steps.At(data.Schedule.Steps, 0.25);
        Image x0 = data.Digit;
        Image start = ForwardProcess.Sample(data.Schedule, x0, from, key.Child(0));
        ChainState end = OracleChain.Run(data.Schedule, x0, start, from, key.Child(1)).Last();
        Image removed = start.Minus(end.X);
        bool exact = end.X.Equals(x0);
        Multiplot figure = Panels.Figure(new TitledGridLayout(1, 4, headerHeight: 90),
            $"Oracle reverse chain (DDPM eqs. 6–7): {X(from)} → {X(from - 1)} → … → x₀, each step xₜ₋₁ ~ q(xₜ₋₁ | xₜ, x₀)\n" +
            "The seed's loop stopped at x₁; the last step has β̃₁ = 0 and mean x₀, so the chain ends at x₀ itself.");
        var w0 = Panels.OwnRange(x0);
        var wStart = Panels.OwnRange(start);
        var wEnd = Panels.OwnRange(end.X);
        var wRemoved = Panels.OwnRange(removed);
        figure.AddPlot(Panels.Image(x0, $"original x₀\n{Panels.WindowNote(w0)}", w0));
        figure.AddPlot(Panels.Image(start, $"start: {X(from)} ~ q({X(from)} | x₀)\n{Panels.WindowNote(wStart)}", wStart));
        figure.AddPlot(Panels.Image(end.X,
            $"end: {X(end.Step)} after {from} steps{(exact ? ", = x₀ exactly" : "")}\n{Panels.WindowNote(wEnd)}", wEnd));
        figure.AddPlot(Panels.Image(removed, $"noise removed: {X(from)} − {X(end.Step)}\n{Panels.WindowNote(wRemoved)}", wRemoved));
        return figure;
    }
}
