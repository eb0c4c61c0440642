using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Plots.Drawing;
using Diffusion.Functional.Sampling;
using ScottPlot;
using Image = Diffusion.Functional.Images.Image;

namespace Diffusion.Functional.Plots.Figures;

/// <summary>
/// DDPM (Ho et al. 2020, Algorithm 2, σ² = β̃) against DDIM with η = 0 (Song et al. 2021, eq. 12) on T/100, T/20 and
/// T/5 evenly spaced steps of the generation schedule (10, 50 and 200 of T = 1000), each row from one starting noise
/// x_T, with the empirical denoiser of the figure's digits. Every output is captioned with the training digit it is.
/// </summary>
internal static class SamplerComparisonFigure
{
    /// <summary>How many starting noises (rows) the figure shows.</summary>
    public const int Samples = 4;

    private static readonly double[] StepFractions = [0.01, 0.05, 0.2];

    /// <summary>
    /// Row r starts from x_T drawn from <c>ReverseSampler.StartKey(key.Child(r))</c> and runs every chain with
    /// <c>key.Child(r)</c> (DDPM's step from τ draws from <c>key.Child(r).Child(τ)</c>).
    /// </summary>
    public static Multiplot Build(FigureData data, NoiseKey key)
    {
        var schedule = data.GenerationSchedule;
        var training = new EmpiricalData(data.Digits);
        Denoiser denoiser = training.Denoiser(schedule, PredictionTarget.X0);
        int[] counts = StepFractions.Select(f => Math.Max(1, (int)Math.Round(f * schedule.Steps))).Distinct().ToArray();
        (string Name, ISampler Settings)[] samplers = [("DDPM", new DdpmSampler(DdpmVariance.FixedSmall)), ("DDIM", new DdimSampler(0.0))];
        var columns = samplers.SelectMany(s => counts.Select(n => (s.Name, s.Settings, Plan: RespacedSchedule.Uniform(schedule, n)))).ToArray();

        var layout = new TitledGridLayout(Samples, 1 + columns.Length, headerHeight: 90, columnLabelHeight: 56);
        Multiplot figure = Panels.Figure(layout,
            $"DDPM (σ² = β̃) against DDIM (η = 0) from the same noise {Notation.X(schedule.Steps)}, on {string.Join(", ", counts)} of T = {schedule.Steps} steps, with the empirical\n"
            + $"denoiser of {data.Digits.Count} MNIST digits: each output is the training digit named above it; {Notation.X(schedule.Steps)} in its own range, outputs in [−1, 1]");
        figure.AddPlot(Panels.Label($"{Notation.X(schedule.Steps)} ~ N(0, I)", FigureStyle.PanelTitleSize));
        foreach (var column in columns)
            figure.AddPlot(Panels.Label($"{column.Name}\n{column.Plan.Count} steps", FigureStyle.PanelTitleSize));
        for (int r = 0; r < Samples; r++)
        {
            NoiseKey sampleKey = key.Child((ulong)r);
            Image start = NoiseImage.StandardNormal(ReverseSampler.StartKey(sampleKey), data.Digits.Width, data.Digits.Height);
            figure.AddPlot(Panels.Image(start, " ", Panels.OwnRange(start)));
            foreach (var column in columns)
            {
                Image x0 = ReverseSampler.Run(column.Plan, denoiser, column.Settings, start, sampleKey).Last().X;
                figure.AddPlot(Panels.Image(x0, $"digit {training.NearestIndex(x0)}", (-1, 1)));
            }
        }
        return figure;
    }
}
