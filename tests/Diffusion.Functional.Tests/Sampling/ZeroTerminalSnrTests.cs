using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Sampling;

/// <summary>Lin et al. 2024's rescaling: √ᾱ is shifted and scaled so that ᾱ_T = 0, ᾱ_1 is kept, and β stays in (0, 1].</summary>
public class ZeroTerminalSnrTests
{
    private const double Unit = 1.1102230246251565e-16;

    [Property(MaxTest = 200)]
    public Property Rescale_MakesTheLastAlphaBarZero_KeepsTheFirst_AndIsAffineInTheRoot() => Prop.ForAll(
        Generators.Schedules.Where(s => s.Steps >= 2).ToArbitrary(), schedule =>
        {
            NoiseSchedule rescaled = ZeroTerminalSnr.Rescale(schedule);
            int steps = schedule.Steps;
            Assert.Equal(ScheduleKind.ZeroTerminalSnr, rescaled.Kind);
            Assert.Equal(0.0, rescaled.AlphaBar(steps));
            Assert.Equal(1.0, rescaled.Beta(steps));
            Assert.Equal(schedule.Beta(1), rescaled.Beta(1));
            Assert.All(rescaled.Betas(), b => Assert.InRange(b, double.Epsilon, 1.0));

            // Lin et al. 2024, Algorithm 1: √ᾱ'_t = (√ᾱ_t − √ᾱ_T)·√ᾱ_1/(√ᾱ_1 − √ᾱ_T). Rounding budget: the reference
            // subtracts two roots that carry ≈ 2t roundings each (absolute, times the scale); the schedule stores β', so each
            // factor α' = 1 − β' of its running product loses u·β'/(1 − β') relative when β' is near 1 (the last steps).
            double first = schedule.SqrtAlphaBar(1), last = schedule.SqrtAlphaBar(steps), scale = first / (first - last);
            double relative = 0.0;
            for (int t = 1; t < steps; t++) // t = T is exactly 0, checked above
            {
                relative += 4 * Unit / (1 - rescaled.Beta(t)) + 2 * Unit;
                double expected = (schedule.SqrtAlphaBar(t) - last) * scale;
                double tolerance = (4 * t + 16) * Unit * scale + relative * rescaled.SqrtAlphaBar(t);
                Approx.Absolute(expected, rescaled.SqrtAlphaBar(t), tolerance, $"{schedule}: √ᾱ'_{t}");
            }
        });

    [Fact]
    public void Rescale_Throws_ForOneStep_AndForALastStepThatDoesNotMove()
    {
        var error = Assert.Throws<ArgumentException>(() => ZeroTerminalSnr.Rescale(NoiseSchedule.Linear(1, 1e-4, 1e-4)));
        Assert.Equal("schedule", error.ParamName);
        Assert.Contains("T ≥ 2", error.Message);
        // β_3 = 1e-300 leaves ᾱ_3 = ᾱ_2 in double precision: the rescaled ᾱ_2 would be 0 too and β'_3 = 0/0.
        error = Assert.Throws<ArgumentException>(() => ZeroTerminalSnr.Rescale(NoiseSchedule.FromBetas([0.1, 0.2, 1e-300])));
        Assert.Contains("√ᾱ_2 = √ᾱ_3", error.Message);
    }

    [Fact]
    public void Rescale_OfTheStableDiffusionSchedule_MatchesLinEtAlsTerminalValues()
    {
        // Stable Diffusion's scaled-linear schedule (T = 1000, 0.00085 → 0.012) has √ᾱ_T ≈ 0.068265 (Lin et al. 2024,
        // §3.1 quote SNR(T) = 0.004682, i.e. √ᾱ_T = √(0.004682/1.004682) = 0.06826). After rescaling: ᾱ_T = 0 and
        // ᾱ_1 = 1 − β_1 exactly as before.
        NoiseSchedule sd = NoiseSchedule.ScaledLinear(1000, 0.00085, 0.012);
        Approx.Relative(0.004682, sd.Snr(1000), 1e-3, "SNR(T) of Stable Diffusion's schedule, as quoted by Lin et al. 2024");
        NoiseSchedule rescaled = ZeroTerminalSnr.Rescale(sd);
        Assert.Equal(0.0, rescaled.Snr(1000));
        Assert.Equal(sd.AlphaBar(1), rescaled.AlphaBar(1));
    }
}
