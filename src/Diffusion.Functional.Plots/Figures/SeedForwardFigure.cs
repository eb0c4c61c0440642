using Diffusion.Functional.Noise;
using Diffusion.Functional.Plots.Drawing;
using Diffusion.Functional.Processes;
using ScottPlot;
using Image = Diffusion.Functional.Images.Image;
using static Diffusion.Functional.Plots.Drawing.Notation;

namespace Diffusion.Functional.Plots.Figures;

/// <summary>The seed notebook's forward figure: x_0 beside x_t ~ q(x_t | x_0) at t = T/2 (DDPM eq. 4).</summary>
internal static class SeedForwardFigure
{
    /// <summary>x_{T/2} = √ᾱ·x_0 + √(1 − ᾱ)·ε with ε from <c>key.Child(0)</c>.</summary>
    public static Multiplot Build(FigureData data, NoiseKey key)
    {
        int t = Steps.At(data.Schedule.Steps, 0.5);
        Image x0 = data.Digit;
        Image xt = ForwardProcess.Sample(data.Schedule, x0, t, key.Child(0));
        var window0 = Panels.OwnRange(x0);
        var windowT = Panels.OwnRange(xt);
        Multiplot figure = Panels.Figure(new TitledGridLayout(1, 2, headerHeight: 90),
            $"Forward process (DDPM eq. 4): {X(t)} = √ᾱ{Sub(t)}·x₀ + √(1 − ᾱ{Sub(t)})·ε,  ε ~ N(0, I)\n" +
            $"linear schedule β 10⁻⁴ → 0.02, T = {data.Schedule.Steps}: ᾱ{Sub(t)} = {Number(data.Schedule.AlphaBar(t))}");
        figure.AddPlot(Panels.Image(x0, $"x₀: a real MNIST “{data.DigitClass}”\n{Panels.WindowNote(window0)}", window0));
        figure.AddPlot(Panels.Image(xt, $"{X(t)} ~ q({X(t)} | x₀)\n{Panels.WindowNote(windowT)}", windowT));
        return figure;
    }
}
