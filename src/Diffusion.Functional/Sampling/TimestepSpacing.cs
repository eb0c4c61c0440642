namespace Diffusion.Functional.Sampling;

/// <summary>
/// How <see cref="RespacedSchedule.Uniform"/> picks N of the T original timesteps (in our 1-based steps; diffusers'
/// 0-based timestep j is our step j + 1). Lin et al. 2024 (§3.3, Table 2) show that sampling must start at t = T:
/// only <see cref="Trailing"/> and <see cref="Linspace"/> do.
/// </summary>
public enum TimestepSpacing
{
    /// <summary>τ_i = round(i·T/N), i = 1..N, rounding halves to even: always ends at T (diffusers' "trailing"; Lin et al. 2024).</summary>
    Trailing,

    /// <summary>τ_i = 1 + (i − 1)·⌊T/N⌋: starts at step 1 and stops short of T when N does not divide T (diffusers' "leading" with steps_offset = 0; DDIM's "uniform" skip).</summary>
    Leading,

    /// <summary>τ_i = 1 + round((i − 1)(T − 1)/(N − 1)), rounding halves to even: both 1 and T (diffusers' "linspace").</summary>
    Linspace,
}
