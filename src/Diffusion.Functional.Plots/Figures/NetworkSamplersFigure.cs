using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Plots.Drawing;
using Diffusion.Functional.Sampling;
using ScottPlot;
using static Diffusion.Functional.Plots.Drawing.Notation;

namespace Diffusion.Functional.Plots.Figures;

/// <summary>
/// The same starting noise through several samplers at <see cref="Nfe"/> evaluations with the figure data's
/// class-conditional network and classifier-free guidance (Ho &amp; Salimans 2022, eq. 6): one row per sampler
/// (NFE-matched: a sampler of k evaluations a step takes Nfe/k steps), column y asks for class y from the noise of
/// <c>key.Child(y)</c>, the same in every row.
/// </summary>
internal static class NetworkSamplersFigure
{
    /// <summary>The rows: registry names of samplers that evaluate the network only on its integer timesteps.</summary>
    public static readonly string[] Samplers = ["ddpm", "ddim", "euler", "heun", "dpmpp-2m", "dpmpp-3m", "unipc", "deis", "lms"];

    /// <summary>Denoiser evaluations per digit and sampler.</summary>
    public const int Nfe = 10;

    /// <summary>One column per class 0–9.</summary>
    public const int Columns = 10;

    /// <summary>The figure, with each row's sampler and step count at its left.</summary>
    public static Multiplot Build(FigureData data, NoiseKey key)
    {
        IConditionalBatchDenoiser<float> network = data.RequireNetwork(FigureId.NetworkSamplers);
        double w = NetworkDigitsFigure.Guidance;
        var layout = new TitledGridLayout(Samplers.Length, Columns, headerHeight: 120, rowLabelWidth: 150, columnLabelHeight: 36);
        Multiplot figure = Panels.Figure(layout,
            $"The same noise through {Samplers.Length} samplers at {Nfe} NFE (heun: {Nfe / 2} steps of 2)\n"
            + $"with {data.NetworkName} and classifier-free guidance w = {Number(w, 1)}\n"
            + "column y asks for class y from one fixed noise, the same in every row; x₀ clipped to [−1, 1]");
        for (int y = 0; y < Columns; y++) figure.AddPlot(Panels.Label($"class {y}", FigureStyle.PanelTitleSize));
        var entries = Samplers.Select(SamplerRegistry.Find).ToArray();
        foreach (SamplerEntry entry in entries)
            figure.AddPlot(Panels.Label($"{entry.Name}\n{Nfe / entry.EvaluationsPerStep} steps", FigureStyle.PanelTitleSize));
        foreach (SamplerEntry entry in entries)
        {
            ISampler sampler = entry.Create(new SamplerOptions());
            RespacedSchedule plan = RespacedSchedule.Uniform(network.Schedule, Nfe / entry.EvaluationsPerStep);
            for (int y = 0; y < Columns; y++)
            {
                ImageBatch<float> x0 = ReverseSampler.Generate(sampler, plan, new ClassifierFreeGuidance<float>(network, y, w), [key.Child((ulong)y)], 1, data.Digits.Height, data.Digits.Width);
                figure.AddPlot(Panels.Image(x0.Images().Single(), "", (-1, 1)));
            }
        }
        return figure;
    }
}
