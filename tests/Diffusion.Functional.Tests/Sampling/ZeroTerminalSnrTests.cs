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

            // Lin et al. 2024, Algorithm 1: √ᾱ'_t = (√ᾱ_t − √ᾱ_T)·√ᾱ_1/(√ᾱ_1 − √ᾱ_T), here evaluated naively as the
            // reference. Its rounding: √ᾱ_t and √ᾱ_T carry ≤ (2t + 2) and (2T + 2) roundings of their size. The rescaled
            // ᾱ' is a product of t factors α' = r², each a few roundings, and its d_t are sums of up to T gaps.
            double first = schedule.SqrtAlphaBar(1), last = schedule.SqrtAlphaBar(steps), scale = first / (first - last);
            for (int t = 1; t < steps; t++) // t = T is exactly 0, checked above
            {
                double expected = (schedule.SqrtAlphaBar(t) - last) * scale;
                double reference = Unit * ((2 * t + 2) * schedule.SqrtAlphaBar(t) + (2 * steps + 2) * last + 2 * expected) * scale;
                double tolerance = reference + (4 * t + 2 * steps + 8) * Unit * rescaled.SqrtAlphaBar(t);
                Approx.Absolute(expected, rescaled.SqrtAlphaBar(t), tolerance, $"{schedule}: √ᾱ'_{t}");
            }
        });

    [Fact]
    public void Rescale_Throws_ForOneStep_AndForALastStepThatDoesNotMove()
    {
        var error = Assert.Throws<ArgumentException>(() => ZeroTerminalSnr.Rescale(NoiseSchedule.Linear(1, 1e-4, 1e-4)));
        Assert.Equal("schedule", error.ParamName);
        Assert.Contains("T ≥ 2", error.Message);
        // β_2 = β_3 = the smallest double would make the gap √ᾱ_2 − √ᾱ_3 = ᾱ_2·β_3/(√ᾱ_2 + √ᾱ_3) underflow to 0 (0.5·4.9e-324
        // rounds to 0); such a schedule is now refused where it is made (a denormal β has no noise, issue 14), and the
        // smallest β allowed, the smallest normal double, still leaves a gap. (Tiny gaps, e.g. β = 1e-300, rescale fine.)
        Assert.Throws<ArgumentOutOfRangeException>(() => NoiseSchedule.FromBetas([0.5, double.Epsilon, double.Epsilon]));
        Assert.Equal(1.0, ZeroTerminalSnr.Rescale(NoiseSchedule.FromBetas([0.5, NoiseSchedule.MinBeta, NoiseSchedule.MinBeta])).Beta(3));
        Assert.Equal(1.0, ZeroTerminalSnr.Rescale(NoiseSchedule.FromBetas([0.1, 1e-300, 1e-300])).Beta(3));
    }

    [Property(MaxTest = 100)]
    public Property Rescale_OfAZeroTerminalSchedule_ChangesNothing() => Prop.ForAll(
        Generators.Schedules.Where(s => s.Steps >= 2).ToArbitrary(), schedule =>
        {
            // √ᾱ_T = 0 already: the shift is 0 and the scale 1, so in exact arithmetic α' = α. In doubles, the second
            // rescaling rebuilds each √ᾱ_t as a sum of up to T gaps and each α' as a ratio of two such sums: a few
            // roundings per step of the chain.
            NoiseSchedule once = ZeroTerminalSnr.Rescale(schedule), twice = ZeroTerminalSnr.Rescale(once);
            for (int t = 1; t < schedule.Steps; t++)
                Approx.Relative(once.AlphaBar(t), twice.AlphaBar(t), (8 * schedule.Steps + 8) * Unit, $"{schedule}: ᾱ_{t}");
            Assert.Equal(0.0, twice.AlphaBar(schedule.Steps));
        });

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
