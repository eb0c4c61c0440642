using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Processes;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Plots.Explore;

/// <summary>
/// The generation view's runs: DDPM (Ho et al. 2020, Algorithm 2, σ² = β̃) and DDIM (Song et al. 2021, eq. 12, η = 0)
/// on a few step counts, all from the same pure noise x_T, with the empirical denoiser E[x_0 | x_t] of the training
/// digits. The only place the page calls the sampling API, so that a change of that API touches one function.
/// </summary>
internal static class GenerationRuns
{
    /// <summary>The step counts of the precomputed runs (of DDPM's T = 1000), for each sampler.</summary>
    public static IReadOnlyList<int> StepCounts { get; } = [10, 20, 50];

    /// <summary>
    /// For each sampler and step count, the states of <see cref="ReverseSampler.RunFromNoise"/> with
    /// <paramref name="key"/> (so every run starts at the same x_T) and, at each t ≥ 1, the x̂_0 of the step from x_t
    /// (<see cref="ReverseTransition.PredictedX0"/>).
    /// </summary>
    public static IReadOnlyList<GenerationRun> Compute(NoiseSchedule schedule, ImageBatch training, NoiseKey key)
    {
        var data = new EmpiricalData(training);
        Denoiser denoiser = data.Denoiser(schedule, PredictionTarget.X0);
        (string Name, SamplerSettings Settings)[] samplers =
        [
            ("DDPM (σ² = β̃)", new DdpmSettings(DdpmVariance.FixedSmall)),
            ("DDIM (η = 0)", new DdimSettings(0.0)),
        ];
        var runs = new List<GenerationRun>();
        foreach (var (name, settings) in samplers)
        {
            foreach (int count in StepCounts)
            {
                RespacedSchedule plan = RespacedSchedule.Uniform(schedule, count);
                ChainState[] states = ReverseSampler.RunFromNoise(plan, denoiser, settings, training.Width, training.Height, key).ToArray();
                GenerationFrame[] frames = states.Select(state => new GenerationFrame(state.Step, state.X,
                    state.Step == 0 ? null : ReverseSampler.Transition(plan, denoiser, settings, plan.StepAt(state.Step), state.X).PredictedX0)).ToArray();
                runs.Add(new GenerationRun(name, count, frames, data.NearestIndex(states[^1].X)));
            }
        }
        return runs;
    }
}
