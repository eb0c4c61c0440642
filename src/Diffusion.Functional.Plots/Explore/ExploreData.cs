using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Processes;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Plots.Explore;

/// <summary>
/// Computes the explorer page's data from the figure data: q(x_t | x_0) (DDPM eq. 4), the posterior q(x_{t−1} | x_t, x_0)
/// (DDPM eqs. 6–7), oracle chains, schedule curves and sampler runs, at a subset of the steps to keep the page small.
/// </summary>
internal static class ExploreData
{
    /// <summary>The most frames kept of one oracle chain: its first state x_t, its last x_0, and evenly spaced steps between.</summary>
    public const int MaxChainFrames = 12;

    /// <summary>
    /// The slider's steps for a schedule of T steps: 0, 1, 2, 3, 5, T/40, then every T/20 up to T (for T = 200:
    /// 0, 1, 2, 3, 5, 10, 20, …, 200; for T = 1000: 0, 1, 2, 3, 5, 25, 50, 100, …, 1000).
    /// </summary>
    public static int[] SliderSteps(int steps)
    {
        IEnumerable<int> small = new[] { 0, 1, 2, 3, 5 }.Where(t => t <= steps);
        IEnumerable<int> fractions = new[] { 1 }.Concat(Enumerable.Range(1, 20).Select(k => 2 * k)).Select(k => (int)Math.Round(steps * k / 40.0, MidpointRounding.AwayFromZero));
        return small.Concat(fractions).Append(steps).Where(t => t >= 0 && t <= steps).Distinct().Order().ToArray();
    }

    /// <summary>
    /// The steps of the oracle chain from t that the page keeps: all of t, t−1, …, 0 when there are at most
    /// <see cref="MaxChainFrames"/>, otherwise round(t·(1 − k/(F − 1))) for k = 0..F − 1, which starts at t and ends at 0.
    /// </summary>
    public static int[] ChainFrameSteps(int t)
    {
        if (t + 1 <= MaxChainFrames) return Enumerable.Range(0, t + 1).Reverse().ToArray();
        return Enumerable.Range(0, MaxChainFrames)
            .Select(k => (int)Math.Round(t * (1.0 - k / (double)(MaxChainFrames - 1)), MidpointRounding.AwayFromZero))
            .Distinct().ToArray();
    }

    /// <summary>
    /// The page's data. Keys: view v, digit d use <c>key.Child(v + 1).Child(d)</c>, whose <c>Child(0)</c> draws ε and
    /// whose <c>Child(1).Child(t)</c> keys the oracle chain from x_t; the generation runs all use <c>key.Child(100)</c>.
    /// </summary>
    public static ExploreModel Compute(FigureData data, NoiseKey key, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ExploreDigit[] digits = Digits(data);
        (string Name, NoiseSchedule Schedule)[] schedules =
        [
            ($"the seed's: linear, T = {data.Schedule.Steps}", data.Schedule),
            ($"DDPM's: linear, T = {data.GenerationSchedule.Steps}", data.GenerationSchedule),
        ];
        var views = new ScheduleView[schedules.Length];
        for (int v = 0; v < schedules.Length; v++)
        {
            var (name, schedule) = schedules[v];
            int[] steps = SliderSteps(schedule.Steps);
            DigitView[] perDigit = digits.Select((digit, d) => View(schedule, digit.X0, steps, key.Child((ulong)v + 1).Child((ulong)d))).ToArray();
            views[v] = new ScheduleView(name, schedule, steps, perDigit);
        }
        CurveSet[] curves = schedules.Select(s => new CurveSet(s.Schedule, NoiseSchedule.Cosine(s.Schedule.Steps))).ToArray();
        var generation = new GenerationView(data.GenerationSchedule, data.Digits.Count,
            GenerationRuns.Compute(data.GenerationSchedule, data.Digits, key.Child(100)));
        return new ExploreModel(seed, digits, views, curves, generation);
    }

    // The seed's digit first, then the first 0 and the first 7 of the figure data (other classes if the seed's is one of them).
    private static ExploreDigit[] Digits(FigureData data)
    {
        int[] others = new[] { 0, 7, 3 }.Where(c => c != data.DigitClass).Take(2).ToArray();
        return [new ExploreDigit($"{data.DigitClass} (the seed's digit)", data.Digit),
            .. others.Select(c => new ExploreDigit($"{c}", data.DigitOfEachClass[c]))];
    }

    private static DigitView View(NoiseSchedule schedule, Image x0, int[] steps, NoiseKey key)
    {
        Image noise = NoiseImage.StandardNormalLike(key.Child(0), x0);
        StepView[] views = steps.Select(t =>
        {
            if (t == 0) return new StepView(0, x0, null, [new ChainState(0, x0)]);
            Image xt = ForwardProcess.Sample(schedule, x0, t, noise);
            int[] kept = ChainFrameSteps(t);
            ChainState[] frames = OracleChain.Run(schedule, x0, xt, t, key.Child(1).Child((ulong)t)).Where(s => kept.Contains(s.Step)).ToArray();
            return new StepView(t, xt, Posterior.Of(schedule, xt, x0, t), frames);
        }).ToArray();
        return new DigitView(noise, views);
    }
}
