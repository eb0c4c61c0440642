namespace Diffusion.Functional.Schedules;

/// <summary>The schedules the project's commands, figures and docs are built on, made once.</summary>
public static class CanonicalSchedules
{
    /// <summary>The seed notebook's schedule: linear, T = 200, β from 10⁻⁴ to 0.02 (ᾱ_200 ≈ 0.1322).</summary>
    public static NoiseSchedule Seed { get; } = NoiseSchedule.Linear(200, 1e-4, 0.02);

    /// <summary>DDPM's schedule (Ho et al. 2020, §4): linear, T = 1000, β from 10⁻⁴ to 0.02.</summary>
    public static NoiseSchedule Ddpm { get; } = NoiseSchedule.Linear(1000, 1e-4, 0.02);
}
