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
    /// For each sampler and step count, the chain of <see cref="ReverseSampler.Generate{T}(ISampler, RespacedSchedule, IBatchDenoiser{T}, IReadOnlyList{NoiseKey}, int, int, int, ParallelOptions?, ISamplerObserver{T}?)"/>
    /// with the one key <paramref name="key"/> (so every run starts at the same x_T) and, at each t ≥ 1, the x̂_0 the step
    /// from x_t used, as the sampler reported it (the denoiser is never run again for the picture).
    /// </summary>
    public static IReadOnlyList<GenerationRun> Compute(NoiseSchedule schedule, ImageBatch<double> training, NoiseKey key)
    {
        var data = new EmpiricalData(training);
        Denoiser denoiser = data.Denoiser(schedule, PredictionTarget.X0);
        (string Name, ISampler Sampler)[] samplers =
        [
            ("DDPM (σ² = β̃)", new DdpmSampler(DdpmVariance.FixedSmall)),
            ("DDIM (η = 0)", new DdimSampler(0.0)),
        ];
        var runs = new List<GenerationRun>();
        foreach (var (name, sampler) in samplers)
        {
            foreach (int count in StepCounts)
            {
                RespacedSchedule plan = RespacedSchedule.Uniform(schedule, count);
                var steps = new Steps();
                ImageBatch<double> x0 = ReverseSampler.Generate<double>(sampler, plan, denoiser, [key], 1, training.Height, training.Width, observer: steps);
                var frames = steps.Reports.Select(r => new GenerationFrame(r.Step.Timestep, r.Xt.ToImage(0), r.PredictedX0.ToImage(0))).ToList();
                frames.Add(new GenerationFrame(0, x0.ToImage(0), null));
                runs.Add(new GenerationRun(name, count, frames.ToArray(), data.NearestIndex(frames[^1].Xt)));
            }
        }
        return runs;
    }

    private sealed class Steps : ISamplerObserver<double>
    {
        public List<SamplerStepReport<double>> Reports { get; } = [];

        public void OnStep(SamplerStepReport<double> report) => Reports.Add(report);
    }
}
