using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Plots.Drawing;
using Diffusion.Functional.Processes;
using Diffusion.Functional.Sampling;
using ScottPlot;
using Image = Diffusion.Functional.Images.Image;
using static Diffusion.Functional.Plots.Drawing.Notation;

namespace Diffusion.Functional.Plots.Figures;

/// <summary>
/// Generation from pure noise: DDPM ancestral sampling (Ho et al. 2020, Algorithm 2, σ² = β̃) on T/10 evenly spaced
/// steps of the generation schedule, with the empirical denoiser of the figure's digits. For a few samples, the state
/// x_t and the denoiser's x̂_0 = E[x_0 | x_t] at t = T, 0.8T, 0.6T, 0.5T, 0.4T, 0.3T, 0.2T, 0.1T, and the end x_0 beside
/// the training digit it is.
/// </summary>
internal static class GenerationStripFigure
{
    /// <summary>How many samples the figure shows.</summary>
    public const int Samples = 3;

    private static readonly double[] Fractions = [1, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1];

    /// <summary>Sample r runs <see cref="ReverseSampler.RunFromNoise"/> with <c>key.Child(r)</c>.</summary>
    public static Multiplot Build(FigureData data, NoiseKey key)
    {
        var schedule = data.GenerationSchedule;
        var training = new EmpiricalData(data.Digits);
        Denoiser denoiser = training.Denoiser(schedule, PredictionTarget.X0);
        RespacedSchedule plan = RespacedSchedule.Uniform(schedule, schedule.Steps / 10);
        var settings = new DdpmSampler(DdpmVariance.FixedSmall);
        // The kept steps nearest to the fractions of T (for T = 1000 they are the fractions themselves), then the data.
        int[] shown = [.. Fractions.Select(f => plan.Timesteps.MinBy(t => Math.Abs(t - f * schedule.Steps))).Distinct(), 0];

        var chains = new ChainState[Samples][];
        var nearest = new int[Samples];
        for (int r = 0; r < Samples; r++)
        {
            chains[r] = ReverseSampler.RunFromNoise(plan, denoiser, settings, data.Digits.Width, data.Digits.Height, key.Child((ulong)r))
                .Where(s => shown.Contains(s.Step)).ToArray();
            nearest[r] = training.NearestIndex(chains[r][^1].X);
        }

        var layout = new TitledGridLayout(2 * Samples, shown.Length, headerHeight: 90, rowLabelWidth: 140, columnLabelHeight: 56);
        Multiplot figure = Panels.Figure(layout,
            $"From pure noise to a digit: DDPM (σ² = β̃) on {plan.Count} of T = {schedule.Steps} steps, with the empirical denoiser of {data.Digits.Count} MNIST digits\n"
            + "x̂₀ = E[x₀ | xₜ] goes from the mean of all digits to one training digit; xₜ scaled to its own range, x̂₀ and x₀ to [−1, 1]");
        foreach (int t in shown)
            figure.AddPlot(Panels.Label(t == 0 ? "t = 0: x₀, and the\ntraining digit it is" : $"t = {t}\nᾱ = {NumberOrPower(schedule.AlphaBar(t))}", FigureStyle.PanelTitleSize));
        for (int r = 0; r < Samples; r++)
        {
            figure.AddPlot(Panels.Label($"sample {r + 1}\nxₜ", FigureStyle.PanelTitleSize));
            figure.AddPlot(Panels.Label($"x̂₀(xₜ)\n→ digit {nearest[r]}", FigureStyle.PanelTitleSize));
        }
        for (int r = 0; r < Samples; r++)
        {
            foreach (ChainState state in chains[r])
                figure.AddPlot(Panels.Image(state.X, "", state.Step == 0 ? (-1, 1) : Panels.OwnRange(state.X)));
            foreach (ChainState state in chains[r])
            {
                Image shownX0 = state.Step == 0 ? data.Digits.ToImage(nearest[r]) : denoiser.Predict(state.X, state.Step).Value;
                figure.AddPlot(Panels.Image(shownX0, "", (-1, 1)));
            }
        }
        return figure;
    }
}
