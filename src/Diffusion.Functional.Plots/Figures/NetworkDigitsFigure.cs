using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Plots.Drawing;
using Diffusion.Functional.Sampling;
using ScottPlot;
using static Diffusion.Functional.Plots.Drawing.Notation;

namespace Diffusion.Functional.Plots.Figures;

/// <summary>
/// A 10 × 10 grid of digits sampled from the figure data's class-conditional network with classifier-free guidance
/// (Ho &amp; Salimans 2022, eq. 6, w = <see cref="Guidance"/>), by DDIM (Song et al. 2021, eq. 12, η = 0) at
/// <see cref="Nfe"/> evaluations: row y is class y, its digit j starts from <c>key.Child(y).Child(j)</c>.
/// </summary>
internal static class NetworkDigitsFigure
{
    /// <summary>The sampler: ddim, one evaluation per step.</summary>
    public const string Sampler = "ddim";

    /// <summary>Denoiser evaluations per digit (each one runs the network on the conditional and the unconditional half).</summary>
    public const int Nfe = 20;

    /// <summary>w in diffusers' convention (1 = the conditional model); docs/quality.md measures ddim at 20 NFE with w = 2.</summary>
    public const double Guidance = 2.0;

    /// <summary>Digits per class (columns).</summary>
    public const int PerClass = 10;

    /// <summary>The grid's digits, class by class: entry y holds class y's <see cref="PerClass"/> digits x_0 (unclipped).</summary>
    public static ImageBatch<float>[] Sample(FigureData data, NoiseKey key)
    {
        IConditionalBatchDenoiser<float> network = data.RequireNetwork(FigureId.NetworkDigits);
        ISampler sampler = SamplerRegistry.Find(Sampler).Create(new SamplerOptions());
        RespacedSchedule plan = RespacedSchedule.Uniform(network.Schedule, Nfe);
        return Enumerable.Range(0, 10).Select(y =>
        {
            NoiseKey[] keys = Enumerable.Range(0, PerClass).Select(j => key.Child((ulong)y).Child((ulong)j)).ToArray();
            return ReverseSampler.Generate(sampler, plan, new ClassifierFreeGuidance<float>(network, y, Guidance), keys, 1, data.Digits.Height, data.Digits.Width);
        }).ToArray();
    }

    /// <summary>The grid, with the class of each row at its left.</summary>
    public static Multiplot Build(FigureData data, NoiseKey key)
    {
        ImageBatch<float>[] rows = Sample(data, key);
        var layout = new TitledGridLayout(10, PerClass, headerHeight: 90, rowLabelWidth: 110);
        Multiplot figure = Panels.Figure(layout,
            $"Digits of {data.NetworkName}, classifier-free guidance w = {Number(Guidance, 1)}, {Sampler} (η = 0) at {Nfe} NFE\n"
            + "row y asks for class y; each digit from its own fixed noise; x₀ clipped to [−1, 1]");
        for (int y = 0; y < 10; y++) figure.AddPlot(Panels.Label($"class {y}", FigureStyle.PanelTitleSize));
        foreach (ImageBatch<float> row in rows)
            foreach (Images.Image x0 in row.Images())
                figure.AddPlot(Panels.Image(x0, "", (-1, 1)));
        return figure;
    }
}
