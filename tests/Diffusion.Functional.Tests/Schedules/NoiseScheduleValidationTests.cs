using Diffusion.Functional.Schedules;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Schedules;

/// <summary>Bad input is refused with an error that names the parameter, its value and what is allowed.</summary>
public class NoiseScheduleValidationTests
{
    private static readonly Gen<double> BetaOutsideUnitInterval =
        Gen.Elements(0.0, -0.0, -1e-9, -0.5, 1.0, 1.0 + 1e-12, 7.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity);

    private static void AssertRefused(Action build, string parameter)
    {
        var error = Assert.ThrowsAny<ArgumentException>(build);
        Assert.Equal(parameter, error.ParamName);
        Assert.Contains(parameter, error.Message);
    }

    [Property(MaxTest = 60)]
    public Property Linear_Throws_WhenBetaOutsideUnitInterval() => Prop.ForAll(BetaOutsideUnitInterval.ToArbitrary(), beta =>
    {
        AssertRefused(() => NoiseSchedule.Linear(10, beta, 0.5), "betaStart");
        AssertRefused(() => NoiseSchedule.ScaledLinear(10, 1e-4, beta), "betaEnd");
        AssertRefused(() => NoiseSchedule.Sigmoid(10, beta, 0.5), "betaStart");
        AssertRefused(() => NoiseSchedule.FromBetas([0.1, beta]), "betas[1] (β_2)");
    });

    [Property(MaxTest = 60)]
    public Property Factories_Throw_WhenStepsBelowOne() => Prop.ForAll(Gen.Choose(-1000, 0).ToArbitrary(), steps =>
    {
        AssertRefused(() => NoiseSchedule.Linear(steps, 1e-4, 0.02), "steps");
        AssertRefused(() => NoiseSchedule.Cosine(steps), "steps");
    });

    [Fact]
    public void Linear_Throws_WhenBetaStartExceedsBetaEnd()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => NoiseSchedule.Linear(10, 0.02, 0.01));
        Assert.Contains("betaStart = 0.02", error.Message);
        Assert.Contains("betaEnd = 0.01", error.Message);
    }

    [Fact]
    public void Cosine_Throws_WhenOffsetOrMaxBetaOutOfRange()
    {
        AssertRefused(() => NoiseSchedule.Cosine(10, offset: -0.1), "offset");
        AssertRefused(() => NoiseSchedule.Cosine(10, maxBeta: 1.0), "maxBeta");
        AssertRefused(() => NoiseSchedule.Cosine(10, maxBeta: double.NaN), "maxBeta");
    }

    [Fact]
    public void FromBetas_Throws_WhenEmpty() => AssertRefused(() => NoiseSchedule.FromBetas([]), "betas.Count");

    [Property(MaxTest = 100)]
    public Property Accessors_Throw_WhenTimestepOutside1ToT() => Prop.ForAll(
        Generators.Schedules.ToArbitrary(), Gen.Choose(-5, 5).ToArbitrary(), (schedule, offset) =>
        {
            int outside = offset <= 0 ? offset : schedule.Steps + offset;
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => schedule.Beta(outside));
            Assert.Contains($"t = {outside}", error.Message);
            Assert.Contains($"1..{schedule.Steps}", error.Message);
            if (outside < 0) Assert.Throws<ArgumentOutOfRangeException>(() => schedule.AlphaBar(outside));
        });
}
