using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Schedules;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Parameterisation;

/// <summary>ε ↔ x_0 ↔ v: each conversion recovers the true quantity, round trips return the start, images agree with scalars.</summary>
public class PredictionConversionsTests
{
    private const double Unit = 1.1102230246251565e-16; // u = 2⁻⁵³, the unit roundoff of double

    private static readonly PredictionTarget[] All = [PredictionTarget.Epsilon, PredictionTarget.X0, PredictionTarget.V];

    private static readonly Gen<(PredictionTarget From, PredictionTarget To)> TargetPairs =
        from a in DiffusionGenerators.Targets from b in DiffusionGenerators.Targets select (a, b);

    /// <summary>
    /// The rounding budget of one conversion: a handful of roundings of terms of size |x_t| + |x_0| + |ε|, divided
    /// by the smaller of a and s (a conversion divides by one of them at most once).
    /// </summary>
    private static double Tolerance(NoiseLevel level, double magnitude) =>
        16 * Unit * (1 + magnitude) / Math.Min(level.SqrtAlphaBar, level.SqrtOneMinusAlphaBar);

    [Property(MaxTest = 500)]
    public Property Convert_FromAnyTargetToAny_RecoversTheTrueTriple() => Prop.ForAll(
        DiffusionGenerators.NoiseLevels.ToArbitrary(), Generators.DataValue.ToArbitrary(), Generators.Uniform(-4, 4).ToArbitrary(),
        (level, x0, eps) =>
        {
            // Build x_t and v from their definitions (DDPM eq. 4 with a plus sign; Salimans & Ho 2022, §4), then every
            // conversion must land on the third quantity. The seed's minus sign, or v with the opposite sign, fail here.
            double a = level.SqrtAlphaBar, s = level.SqrtOneMinusAlphaBar;
            double xt = a * x0 + s * eps, v = a * eps - s * x0;
            var truth = new Dictionary<PredictionTarget, double> { [PredictionTarget.Epsilon] = eps, [PredictionTarget.X0] = x0, [PredictionTarget.V] = v };
            double tolerance = Tolerance(level, Math.Abs(xt) + Math.Abs(x0) + Math.Abs(eps));
            foreach (PredictionTarget from in All)
                foreach (PredictionTarget to in All)
                    Approx.Absolute(truth[to], PredictionConversions.Convert(from, to, truth[from], xt, level), tolerance, $"{from} → {to} at {level}");
        });

    [Property(MaxTest = 500)]
    public Property Convert_ThereAndBack_ReturnsTheStart() => Prop.ForAll(
        DiffusionGenerators.NoiseLevels.ToArbitrary(), TargetPairs.ToArbitrary(),
        Generators.Uniform(-4, 4).Two().ToArbitrary(),
        (level, targets, values) =>
        {
            var (from, to) = targets;
            var (prediction, xt) = values;
            // Any prediction, not only a consistent one: the maps are affine bijections for 0 < ᾱ < 1.
            double there = PredictionConversions.Convert(from, to, prediction, xt, level);
            double back = PredictionConversions.Convert(to, from, there, xt, level);
            double tolerance = Tolerance(level, Math.Abs(prediction) + Math.Abs(xt) + Math.Abs(there)) / Math.Min(level.SqrtAlphaBar, level.SqrtOneMinusAlphaBar);
            Approx.Absolute(prediction, back, tolerance, $"{from} → {to} → {from} at {level}");
        });

    [Property(MaxTest = 100)]
    public Property Convert_OfAnImage_IsThePixelwiseScalarConversion() => Prop.ForAll(
        DiffusionGenerators.NoiseLevels.ToArbitrary(), TargetPairs.ToArbitrary(), Generators.Images(-3, 3).ToArbitrary(),
        (level, targets, xt) =>
        {
            var (from, to) = targets;
            Image predicted = xt.Scaled(-0.5);
            Prediction converted = PredictionConversions.Convert(new Prediction(from, predicted), to, xt, level);
            Assert.Equal(to, converted.Target);
            for (int i = 0; i < xt.PixelCount; i++)
                Assert.Equal(PredictionConversions.Convert(from, to, predicted.Pixels[i], xt.Pixels[i], level), converted.Value.Pixels[i]);
        });

    [Property(MaxTest = 200)]
    public Property NoiseLevel_At_HasUnitNorm() => Prop.ForAll(Generators.ScheduleAndStep.ToArbitrary(), pair =>
    {
        NoiseLevel level = NoiseLevel.At(pair.Schedule, pair.T);
        double norm = level.SqrtAlphaBar * level.SqrtAlphaBar + level.SqrtOneMinusAlphaBar * level.SqrtOneMinusAlphaBar;
        // ᾱ_t is a running product of t factors (relative error ≤ 2t·u) and 1 − ᾱ_t is −expm1 of a sum of t logarithms
        // (about the same), computed independently, so a² + s² = 1 only to about 4t roundings.
        Approx.Absolute(1.0, norm, (4 * pair.T + 8) * Unit, $"{pair.Schedule}, t = {pair.T}: a² + s²");
    });

    [Fact]
    public void Convert_FromEpsilon_Throws_WhereAlphaBarIsZero_AndVStillWorks()
    {
        // Zero terminal SNR: x_t = ε carries no information about x_0 (diffusers issue #3851 divides by zero here).
        NoiseLevel pureNoise = NoiseLevel.FromAlphaBar(0.0);
        var error = Assert.Throws<ArgumentException>(() => PredictionConversions.ToX0(PredictionTarget.Epsilon, 0.3, 0.3, pureNoise));
        Assert.Equal("level", error.ParamName);
        Assert.Contains("#3851", error.Message);
        Assert.Throws<ArgumentException>(() => PredictionConversions.ToV(PredictionTarget.Epsilon, 0.3, 0.3, pureNoise));
        Assert.Equal(0.3, PredictionConversions.ToEpsilon(PredictionTarget.Epsilon, 0.3, 0.3, pureNoise));

        // With a = 0, s = 1: x_0 = −v and ε = x_t.
        Assert.Equal(-0.7, PredictionConversions.ToX0(PredictionTarget.V, 0.7, 1.5, pureNoise));
        Assert.Equal(1.5, PredictionConversions.ToEpsilon(PredictionTarget.V, 0.7, 1.5, pureNoise));
    }

    [Fact]
    public void Convert_FromX0_Throws_AtTheData()
    {
        NoiseLevel data = NoiseLevel.At(NoiseSchedule.Linear(10, 1e-4, 0.02), 0);
        var error = Assert.Throws<ArgumentException>(() => PredictionConversions.ToEpsilon(PredictionTarget.X0, 0.3, 0.3, data));
        Assert.Contains("t = 0", error.Message);
        Assert.Equal(0.3, PredictionConversions.ToX0(PredictionTarget.X0, 0.3, 0.3, data));
    }

    [Fact]
    public void Convert_Throws_WhenShapesDiffer()
    {
        var error = Assert.Throws<ArgumentException>(() => PredictionConversions.Convert(
            new Prediction(PredictionTarget.V, Image.Filled(2, 3, 0)), PredictionTarget.X0, Image.Filled(3, 2, 0), NoiseLevel.FromAlphaBar(0.5)));
        Assert.Contains("2×3", error.Message);
    }
}
