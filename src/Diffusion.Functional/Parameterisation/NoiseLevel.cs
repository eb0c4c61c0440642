using Diffusion.Functional.Numerics;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Parameterisation;

/// <summary>
/// The two weights of q(x_t | x_0) (DDPM eq. 4): x_t = a·x_0 + s·ε with a = √ᾱ_t (signal) and s = √(1 − ᾱ_t) (noise),
/// a² + s² = 1. Everything that converts between ε, x_0 and v needs only these two numbers.
/// </summary>
public readonly record struct NoiseLevel
{
    /// <summary>a = √ᾱ_t, range [0, 1]; 0 at zero terminal SNR (Lin et al. 2024).</summary>
    public double SqrtAlphaBar { get; }

    /// <summary>s = √(1 − ᾱ_t), range [0, 1]; 0 at t = 0 (the data).</summary>
    public double SqrtOneMinusAlphaBar { get; }

    private NoiseLevel(double sqrtAlphaBar, double sqrtOneMinusAlphaBar)
    {
        SqrtAlphaBar = sqrtAlphaBar;
        SqrtOneMinusAlphaBar = sqrtOneMinusAlphaBar;
    }

    /// <summary>
    /// The level (a, s) = (√ᾱ_t, √(1 − ᾱ_t)) of timestep t of a schedule (DDPM eq. 4), from its accurate √ᾱ_t and
    /// √(1 − ᾱ_t). Range of t: 0..T.
    /// </summary>
    public static NoiseLevel At(NoiseSchedule schedule, int t)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return new NoiseLevel(schedule.SqrtAlphaBar(t), schedule.SqrtOneMinusAlphaBar(t));
    }

    /// <summary>
    /// The level (a, s) = (√ᾱ, √(1 − ᾱ)) for a given ᾱ ∈ [0, 1] (DDPM eq. 4); s = √(1 − ᾱ) loses relative accuracy when
    /// ᾱ ≈ 1, so prefer <see cref="At"/>.
    /// </summary>
    public static NoiseLevel FromAlphaBar(double alphaBar)
    {
        Guard.ClosedInterval(alphaBar, 0.0, 1.0, nameof(alphaBar));
        return new NoiseLevel(Math.Sqrt(alphaBar), Math.Sqrt(1.0 - alphaBar));
    }

    /// <inheritdoc />
    public override string ToString() => $"√ᾱ = {SqrtAlphaBar:R}, √(1 − ᾱ) = {SqrtOneMinusAlphaBar:R}";
}
