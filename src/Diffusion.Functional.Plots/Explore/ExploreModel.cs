using Diffusion.Functional.Images;
using Diffusion.Functional.Processes;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Plots.Explore;

/// <summary>Everything the explorer page shows, computed by the library; the page only displays it.</summary>
/// <param name="Seed">The user's seed the noise keys come from.</param>
/// <param name="Digits">The selectable digits x_0.</param>
/// <param name="Views">The forward and reverse views, one per schedule (the seed's and DDPM's).</param>
/// <param name="Curves">Linear against cosine curves, one set per T of <paramref name="Views"/>.</param>
/// <param name="Generation">The sampler runs from pure noise.</param>
internal sealed record ExploreModel(
    ulong Seed,
    IReadOnlyList<ExploreDigit> Digits,
    IReadOnlyList<ScheduleView> Views,
    IReadOnlyList<CurveSet> Curves,
    GenerationView Generation);

/// <summary>A selectable digit: its name on the page and x_0 in [−1, 1].</summary>
internal sealed record ExploreDigit(string Name, Image X0);

/// <summary>The forward and reverse views of one schedule, at the precomputed steps, for every digit.</summary>
/// <param name="Name">How the page names the schedule.</param>
/// <param name="Schedule">The schedule.</param>
/// <param name="Steps">The slider's steps t, ascending, from 0 to T.</param>
/// <param name="Digits">One entry per <see cref="ExploreModel.Digits"/>, in order.</param>
internal sealed record ScheduleView(string Name, NoiseSchedule Schedule, IReadOnlyList<int> Steps, IReadOnlyList<DigitView> Digits);

/// <summary>One digit under one schedule: the noise ε shared by every x_t, and the views at each slider step.</summary>
internal sealed record DigitView(Image Noise, IReadOnlyList<StepView> Steps);

/// <summary>
/// The views at one step t: x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε (x_0 itself at t = 0), the posterior q(x_{t−1} | x_t, x_0)
/// (null at t = 0), and frames of the oracle chain from this x_t down to x_0 (always its first and last state).
/// </summary>
internal sealed record StepView(int T, Image Xt, GaussianImage? Posterior, IReadOnlyList<ChainState> ChainFrames);

/// <summary>Curves of two schedules with the same T: the views' linear one and the cosine one.</summary>
internal sealed record CurveSet(NoiseSchedule Linear, NoiseSchedule Cosine);

/// <summary>Sampler runs from the same pure noise, with the empirical denoiser of the training digits.</summary>
/// <param name="Schedule">The schedule the runs generate with (DDPM's, T = 1000).</param>
/// <param name="TrainingCount">How many digits the empirical denoiser averages over.</param>
/// <param name="Runs">The runs, in the order the page lists them.</param>
internal sealed record GenerationView(NoiseSchedule Schedule, int TrainingCount, IReadOnlyList<GenerationRun> Runs);

/// <summary>One run: its sampler, its number of steps, every state with the denoiser's x̂_0, and the training digit it ends at.</summary>
internal sealed record GenerationRun(string Sampler, int StepCount, IReadOnlyList<GenerationFrame> Frames, int NearestTrainingDigit);

/// <summary>One state x_t of a run and x̂_0, the denoiser's estimate that the step from it used (null at t = 0).</summary>
internal sealed record GenerationFrame(int T, Image Xt, Image? PredictedX0);
