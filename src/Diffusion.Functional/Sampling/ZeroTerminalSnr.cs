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
    /// The rescaled schedule (kind <see cref="ScheduleKind.ZeroTerminalSnr"/>). β'_1 = β_1, β'_T = 1, and for 2 ≤ t &lt; T
    /// β'_t = 1 − r²with r = (√ᾱ_t − √ᾱ_T)/(√ᾱ_{t−1} − √ᾱ_T), computed as (1 − r)(1 + r) with
    /// 1 − r = ᾱ_{t−1}β_t/((√ᾱ_{t−1} + √ᾱ_t)(√ᾱ_{t−1} − √ᾱ_T)), which does not cancel when β_t is small.
    /// </summary>
    /// <param name="schedule">T ≥ 2 steps, with √ᾱ_{T−1} &gt; √ᾱ_T in double precision (else the last step cannot be rescaled).</param>
    public static NoiseSchedule Rescale(NoiseSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        int steps = schedule.Steps;
        if (steps < 2)
            throw new ArgumentException(
                $"Zero-terminal-SNR rescaling needs T ≥ 2, but {schedule.Description} has T = 1: it keeps √ᾱ_1 and moves √ᾱ_T to 0, which is one step when T = 1.",
                nameof(schedule));
        double last = schedule.SqrtAlphaBar(steps);
        if (!(schedule.SqrtAlphaBar(steps - 1) > last))
            throw new ArgumentException(
                $"√ᾱ_{steps - 1} = √ᾱ_{steps} = {last:R} in double precision for {schedule.Description}: the rescaled ᾱ_{steps - 1} would also be 0, and step {steps} would divide 0 by 0.",
                nameof(schedule));

        var betas = new double[steps];
        betas[0] = schedule.Beta(1);
        for (int t = 2; t < steps; t++)
        {
            double rootPrevious = schedule.SqrtAlphaBar(t - 1), root = schedule.SqrtAlphaBar(t);
            double shiftedPrevious = rootPrevious - last;
            double oneMinusRatio = schedule.AlphaBar(t - 1) * schedule.Beta(t) / ((rootPrevious + root) * shiftedPrevious);
            double ratio = (root - last) / shiftedPrevious;
            betas[t - 1] = Math.Clamp(oneMinusRatio * (1.0 + ratio), double.Epsilon, 1.0);
        }
        betas[steps - 1] = 1.0; // r = 0 exactly: ᾱ'_T = 0
        return NoiseSchedule.FromCheckedBetas(ScheduleKind.ZeroTerminalSnr, betas, $"zero-terminal-snr({schedule.Description})");
    }
}
