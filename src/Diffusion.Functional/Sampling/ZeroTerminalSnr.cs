using Diffusion.Functional.Numerics;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// Zero-terminal-SNR rescaling (Lin et al. 2024, "Common diffusion noise schedules and sample steps are flawed",
/// Algorithm 1): √ᾱ_t is shifted and scaled, √ᾱ'_t = (√ᾱ_t − √ᾱ_T)·√ᾱ_1/(√ᾱ_1 − √ᾱ_T), so that √ᾱ'_1 = √ᾱ_1 and ᾱ'_T = 0
/// exactly: x_T is pure noise, as sampling assumes. Then β'_T = 1, and an ε-prediction at T determines nothing
/// (every sampler here rejects it; diffusers issue #3851): such models must predict v or x_0.
/// </summary>
public static class ZeroTerminalSnr
{
    /// <summary>
    /// The rescaled schedule √ᾱ'_t = (√ᾱ_t − √ᾱ_T)·√ᾱ_1/(√ᾱ_1 − √ᾱ_T) (Lin et al. 2024, Algorithm 1; kind
    /// <see cref="ScheduleKind.ZeroTerminalSnr"/>), computed as β'_1 = β_1, β'_T = 1, and for 2 ≤ t &lt; T
    /// α'_t = r_t² with r_t = d_t/d_{t−1}, d_t = √ᾱ_t − √ᾱ_T. The d_t are summed from the top as d_{t−1} = d_t + g_t
    /// with the gaps g_t = √ᾱ_{t−1} − √ᾱ_t = ᾱ_{t−1}β_t/(√ᾱ_{t−1} + √ᾱ_t), all positive, so nothing cancels near T where
    /// √ᾱ_{t−1} ≈ √ᾱ_T; then β'_t = (1 − r)(1 + r) with 1 − r = g_t/d_{t−1}, and α'_t, log α'_t are kept as computed
    /// (not as 1 − β'_t, which loses relative accuracy where α'_t is small, near T).
    /// </summary>
    /// <param name="schedule">T ≥ 2 steps, with √ᾱ_1 &gt; √ᾱ_T in double precision.</param>
    public static NoiseSchedule Rescale(NoiseSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        int steps = schedule.Steps;
        if (steps < 2)
            throw new ArgumentException(
                $"Zero-terminal-SNR rescaling needs T ≥ 2, but {schedule.Description} has T = 1: it keeps √ᾱ_1 and moves √ᾱ_T to 0, which is one step when T = 1.",
                nameof(schedule));

        // distance[t] = d_t = √ᾱ_t − √ᾱ_T for t = 1..T, summed from the top.
        var distance = new double[steps + 1];
        var gap = new double[steps + 1];
        for (int t = steps; t >= 2; t--)
        {
            double rootPrevious = schedule.SqrtAlphaBar(t - 1), root = schedule.SqrtAlphaBar(t);
            gap[t] = schedule.AlphaBar(t - 1) * schedule.Beta(t) / (rootPrevious + root);
            distance[t - 1] = distance[t] + gap[t];
        }
        for (int t = 2; t <= steps; t++)
        {
            if (!(distance[t - 1] > 0.0) || !double.IsFinite(distance[t - 1]))
                throw new ArgumentException(
                    $"√ᾱ_{t - 1} − √ᾱ_{steps} = {distance[t - 1]:R} for {schedule.Description}: ᾱ does not move in double precision over its last steps, so the rescaled ᾱ_{t - 1} would be 0 and step {t} would divide 0 by 0.",
                    nameof(schedule));
        }

        double[] betas = new double[steps], alphas = new double[steps], logAlphas = new double[steps];
        betas[0] = schedule.Beta(1);
        alphas[0] = schedule.Alpha(1);
        logAlphas[0] = schedule.LogAlphaBar(1);
        for (int t = 2; t < steps; t++)
        {
            // r = d_t/d_{t−1}, 1 − r = g_t/d_{t−1}: α' = r², β' = (1 − r)(1 + r), log α' = 2·log r (log1p(−(1 − r)) when r ≥ ½).
            double r = distance[t] / distance[t - 1], oneMinusR = gap[t] / distance[t - 1];
            betas[t - 1] = Math.Clamp(oneMinusR * (1.0 + r), double.Epsilon, 1.0);
            alphas[t - 1] = r * r;
            logAlphas[t - 1] = 2.0 * (r >= 0.5 ? AccurateMath.Log1P(-oneMinusR) : Math.Log(r));
        }
        // d_T = 0: α'_T = 0, so ᾱ'_T = 0 exactly.
        betas[steps - 1] = 1.0;
        alphas[steps - 1] = 0.0;
        logAlphas[steps - 1] = double.NegativeInfinity;
        return NoiseSchedule.FromCheckedSteps(ScheduleKind.ZeroTerminalSnr, betas, alphas, logAlphas, $"zero-terminal-snr({schedule.Description})");
    }
}
