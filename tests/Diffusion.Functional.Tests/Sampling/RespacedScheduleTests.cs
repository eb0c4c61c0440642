using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Sampling;

/// <summary>Respacing keeps ᾱ at the kept steps, reproduces the original when it keeps every step, and ends explicitly.</summary>
public class RespacedScheduleTests
{
    private const double Unit = 1.1102230246251565e-16;

    /// <summary>A schedule and a random non-empty subset of its steps.</summary>
    private static readonly Gen<(NoiseSchedule Schedule, int[] Kept)> ScheduleAndSubset =
        from schedule in Generators.Schedules
        from density in Generators.Uniform(0.01, 1.0)
        from flags in Gen.ArrayOf(Generators.Uniform(0, 1), schedule.Steps)
        from forced in Gen.Choose(1, schedule.Steps)
        select (schedule, Enumerable.Range(1, schedule.Steps).Where(t => flags[t - 1] < density || t == forced).ToArray());

    [Property(MaxTest = 200)]
    public Property Respaced_KeepsAlphaBarAtEveryKeptStep() => Prop.ForAll(ScheduleAndSubset.ToArbitrary(), c =>
    {
        var (schedule, kept) = c;
        RespacedSchedule respaced = RespacedSchedule.FromTimesteps(schedule, kept);
        Assert.Equal(kept, respaced.Timesteps);
        // Rounding budget: the original keeps ᾱ_τ as a product (≤ 2τ roundings) and log ᾱ_τ as a sum (absolute error
        // ≤ τ·u·|log ᾱ_τ|); the respaced ᾱ' is the product of exp of differences of those logarithms (N more roundings).
        // Nothing depends on β' itself: a step with α' far below the roundoff of 1 − β' keeps its ᾱ as well.
        for (int i = 1; i <= respaced.Count; i++)
        {
            int t = kept[i - 1];
            double logError = (t + i + 2) * Unit * Math.Abs(schedule.LogAlphaBar(t));
            double budget = (2 * t + 2 * i + 8) * Unit + logError;
            Approx.Relative(schedule.AlphaBar(t), respaced.Schedule.AlphaBar(i), budget, $"{schedule}: ᾱ at kept step τ_{i} = {t}");
            double oneMinusBudget = (t + i + 8) * Unit + logError * schedule.AlphaBar(t) / schedule.OneMinusAlphaBar(t);
            Approx.Relative(schedule.OneMinusAlphaBar(t), respaced.Schedule.OneMinusAlphaBar(i), oneMinusBudget, $"{schedule}: 1 − ᾱ at kept step τ_{i} = {t}");
        }
    });

    [Property(MaxTest = 200)]
    public Property Full_IsTheOriginalBitForBit() => Prop.ForAll(Generators.Schedules.ToArbitrary(), schedule =>
    {
        RespacedSchedule full = RespacedSchedule.Full(schedule);
        Assert.Equal(schedule.Betas(), full.Schedule.Betas());
        Assert.Equal(ScheduleKind.Respaced, full.Schedule.Kind);
        Assert.Equal(full, RespacedSchedule.Uniform(schedule, schedule.Steps, TimestepSpacing.Trailing));
        Assert.Equal(full, RespacedSchedule.Uniform(schedule, schedule.Steps, TimestepSpacing.Leading));
        Assert.Equal(full, RespacedSchedule.Uniform(schedule, schedule.Steps, TimestepSpacing.Linspace));
        for (int t = 0; t <= schedule.Steps; t++)
            Assert.Equal(schedule.AlphaBar(t), full.Schedule.AlphaBar(t));
    });

    [Property(MaxTest = 200)]
    public Property Steps_RunFromTauNToTheData_WithAnExplicitEnd() => Prop.ForAll(ScheduleAndSubset.ToArbitrary(), c =>
    {
        var (schedule, kept) = c;
        RespacedSchedule respaced = RespacedSchedule.FromTimesteps(schedule, kept);
        ReverseStep[] steps = respaced.Steps().ToArray();
        Assert.Equal(Enumerable.Range(1, kept.Length).Reverse(), steps.Select(s => s.Index));
        Assert.Equal(kept.Reverse(), steps.Select(s => s.Timestep));
        for (int k = 0; k + 1 < steps.Length; k++)
        {
            Assert.Equal(steps[k + 1].Timestep, steps[k].PreviousTimestep);
            Assert.False(steps[k].ProducesData);
        }
        // The last step has no previous step — not −1, not a clamp to step 1 — and lands on the data, ᾱ = 1.
        Assert.Null(steps[^1].PreviousTimestep);
        Assert.True(steps[^1].ProducesData);
        Assert.Equal(0, steps[^1].Destination);
        Assert.Equal(1.0, respaced.Schedule.AlphaBar(steps[^1].Index - 1));
        Assert.All(steps, s => Assert.Equal(s, respaced.StepAt(s.Timestep)));
    });

    [Property(MaxTest = 200)]
    public Property Uniform_KeepsNDistinctStepsWithTheRightEnds() => Prop.ForAll(
        Generators.Schedules.ToArbitrary(), Gen.Choose(1, 1000).ToArbitrary(), Gen.Elements(TimestepSpacing.Trailing, TimestepSpacing.Leading, TimestepSpacing.Linspace).ToArbitrary(),
        (schedule, wanted, spacing) =>
        {
            int count = 1 + (wanted - 1) % schedule.Steps;
            RespacedSchedule respaced = RespacedSchedule.Uniform(schedule, count, spacing);
            Assert.Equal(count, respaced.Count);
            Assert.All(respaced.Timesteps, t => Assert.InRange(t, 1, schedule.Steps));
            Assert.Equal(count, respaced.Timesteps.Distinct().Count());
            switch (spacing)
            {
                case TimestepSpacing.Trailing:
                    Assert.Equal(schedule.Steps, respaced.Timesteps[^1]);
                    break;
                case TimestepSpacing.Leading:
                    Assert.Equal(1, respaced.Timesteps[0]);
                    Assert.Equal(schedule.Steps / count, count > 1 ? respaced.Timesteps[1] - respaced.Timesteps[0] : schedule.Steps / count);
                    break;
                case TimestepSpacing.Linspace:
                    Assert.Equal(1, respaced.Timesteps[0]);
                    if (count > 1) Assert.Equal(schedule.Steps, respaced.Timesteps[^1]);
                    break;
            }
        });

    [Fact]
    public void Uniform_Trailing_MatchesDiffusersTrailingTimesteps()
    {
        // diffusers issue #9261 lists DDPMScheduler's "trailing" timesteps for T = 1000, 13 steps (0-based):
        // 999, 922, 845, 768, 691, 614, 537, 461, 384, 307, 230, 153, 76 — our 1-based steps are those plus one.
        RespacedSchedule respaced = RespacedSchedule.Uniform(NoiseSchedule.Linear(1000, 1e-4, 0.02), 13);
        int[] diffusers = [999, 922, 845, 768, 691, 614, 537, 461, 384, 307, 230, 153, 76];
        Assert.Equal(diffusers.Select(j => j + 1).Reverse(), respaced.Timesteps);
        // … and each step's predecessor is the next kept step, not t − ⌊T/N⌋ (the bug of #9261: 999 → 923).
        Assert.Equal(923, respaced.StepAt(1000).PreviousTimestep);
    }

    [Fact]
    public void Respaced_KeepsAlphaBar_WhereTheStepsAlphaIsBelowRoundoff()
    {
        // Two kept steps of a long, steep chain: α'_2 = ᾱ_T/ᾱ_1 ≈ 3e-17 is below the roundoff of 1 − β'_2 (β'_2 rounds to
        // 1), so a schedule stored as β alone would have ᾱ'_2 = 0 — a zero-terminal-SNR chain nobody asked for.
        NoiseSchedule schedule = NoiseSchedule.Linear(252, 0.0148, 0.266);
        RespacedSchedule respaced = RespacedSchedule.FromTimesteps(schedule, [1, 252]);
        Assert.Equal(1.0, respaced.Schedule.Beta(2));
        Assert.True(schedule.AlphaBar(252) < 1e-16);
        Approx.Relative(schedule.AlphaBar(252), respaced.Schedule.AlphaBar(2), 1e-12, "ᾱ'_2");
    }

    [Fact]
    public void Uniform_Leading_IsTheStrideFromStepOne()
    {
        RespacedSchedule respaced = RespacedSchedule.Uniform(NoiseSchedule.Linear(1000, 1e-4, 0.02), 50, TimestepSpacing.Leading);
        Assert.Equal(Enumerable.Range(0, 50).Select(k => 1 + 20 * k), respaced.Timesteps);
    }

    [Property(MaxTest = 200)]
    public Property Sections_KeepTheirCountsInsideEachSection_FirstAndLastIncluded() => Prop.ForAll(
        Generators.Schedules.Where(s => s.Steps >= 4).ToArbitrary(), Gen.Choose(1, 4).ToArbitrary(), Gen.ArrayOf(Generators.Uniform(0, 1), 4).ToArbitrary(),
        (schedule, sectionCount, fractions) =>
        {
            int steps = schedule.Steps;
            int[] sizes = Enumerable.Range(0, sectionCount).Select(k => steps / sectionCount + (k < steps % sectionCount ? 1 : 0)).ToArray();
            int[] counts = sizes.Select((size, k) => Math.Max(1, (int)Math.Round(fractions[k] * size))).ToArray();
            RespacedSchedule respaced = RespacedSchedule.Sections(schedule, counts);
            Assert.Equal(counts.Sum(), respaced.Count);
            int start = 1;
            for (int k = 0; k < sectionCount; k++)
            {
                int end = start + sizes[k] - 1;
                int[] inside = respaced.Timesteps.Where(t => t >= start && t <= end).ToArray();
                Assert.Equal(counts[k], inside.Length);
                Assert.Equal(start, inside[0]);
                if (counts[k] > 1) Assert.Equal(end, inside[^1]);
                start = end + 1;
            }
        });

    [Fact]
    public void Sections_ReproduceImprovedDiffusionsDocstringExample()
    {
        // improved-diffusion's space_timesteps docstring: 300 steps with counts [10, 15, 20] stride the first 100 steps
        // into 10, the next 100 into 15 and the last 100 into 20. The first section, worked by hand: stride 99/9 = 11,
        // steps 0, 11, …, 99 (0-based), i.e. 1, 12, …, 100.
        RespacedSchedule respaced = RespacedSchedule.Sections(NoiseSchedule.Linear(300, 1e-4, 0.02), [10, 15, 20]);
        Assert.Equal(45, respaced.Count);
        Assert.Equal(Enumerable.Range(0, 10).Select(k => 1 + 11 * k), respaced.Timesteps.Take(10));
        Assert.Equal(new[] { 101, 200, 201, 300 }, new[] { respaced.Timesteps[10], respaced.Timesteps[24], respaced.Timesteps[25], respaced.Timesteps[44] });
    }

    [Fact]
    public void Construction_Throws_OnBadSteps()
    {
        NoiseSchedule schedule = NoiseSchedule.Linear(10, 1e-4, 0.02);
        Assert.Equal("timesteps", Assert.Throws<ArgumentOutOfRangeException>(() => RespacedSchedule.FromTimesteps(schedule, [0, 5])).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => RespacedSchedule.FromTimesteps(schedule, [11]));
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => RespacedSchedule.FromTimesteps(schedule, [3, 5, 3])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => RespacedSchedule.FromTimesteps(schedule, []));
        Assert.Contains("1..10", Assert.Throws<ArgumentOutOfRangeException>(() => RespacedSchedule.Uniform(schedule, 11)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => RespacedSchedule.Uniform(schedule, 0));
        Assert.Contains("0..5", Assert.Throws<ArgumentOutOfRangeException>(() => RespacedSchedule.Sections(schedule, [6, 1])).Message);
        Assert.Throws<ArgumentException>(() => RespacedSchedule.Sections(schedule, [0, 0]));
        RespacedSchedule respaced = RespacedSchedule.Uniform(schedule, 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => respaced.Step(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => respaced.Step(6));
        Assert.Contains("not one of the 5 kept steps", Assert.Throws<ArgumentOutOfRangeException>(() => respaced.StepAt(3)).Message);
    }
}
