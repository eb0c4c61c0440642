namespace Diffusion.Functional.Schedules;

/// <summary>How a <see cref="NoiseSchedule"/>'s β were made; every factory of the schedule has one kind.</summary>
public enum ScheduleKind
{
    /// <summary>β linear in t (Ho et al. 2020, §4): <see cref="NoiseSchedule.Linear"/>.</summary>
    Linear,

    /// <summary>ᾱ a squared cosine in t (Nichol &amp; Dhariwal 2021, eq. 17): <see cref="NoiseSchedule.Cosine"/>.</summary>
    Cosine,

    /// <summary>√β linear in t (Stable Diffusion; diffusers' "scaled_linear"): <see cref="NoiseSchedule.ScaledLinear"/>.</summary>
    ScaledLinear,

    /// <summary>β a sigmoid of a linear ramp on [−6, 6] (diffusers' "sigmoid"): <see cref="NoiseSchedule.Sigmoid"/>.</summary>
    Sigmoid,

    /// <summary>β given by the user: <see cref="NoiseSchedule.FromBetas"/>.</summary>
    Custom,

    /// <summary>
    /// The chain on a subsequence τ_1 &lt; … &lt; τ_N of another schedule's steps, β recomputed so that ᾱ is kept at every
    /// kept step (Nichol &amp; Dhariwal 2021, §4; <see cref="Sampling.RespacedSchedule"/>).
    /// </summary>
    Respaced,

    /// <summary>
    /// Another schedule with √ᾱ shifted and scaled so that ᾱ_T = 0 (Lin et al. 2024, Algorithm 1;
    /// <see cref="Sampling.ZeroTerminalSnr"/>); β_T = 1.
    /// </summary>
    ZeroTerminalSnr,
}
