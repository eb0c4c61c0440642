using Diffusion.Functional.Schedules;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Schedules;

/// <summary>Invariants of every valid schedule, over generated schedules of all kinds (Generators.Schedules).</summary>
public class NoiseSchedulePropertyTests
{
    // Identities below mix a handful of correctly rounded operations on values of one sign: a few ulps at most.
    private const double IdentityTolerance = 1e-12;

    private static readonly Arbitrary<NoiseSchedule> AnySchedule = Generators.Schedules.ToArbitrary();

    [Property(MaxTest = 200)]
    public Property AlphaBar_IsStrictlyDecreasingWithinZeroOne() => Prop.ForAll(AnySchedule, schedule =>
    {
        Assert.Equal(1.0, schedule.AlphaBar(0));
        for (int t = 1; t <= schedule.Steps; t++)
        {
            double previous = schedule.AlphaBar(t - 1), current = schedule.AlphaBar(t);
            Assert.True(current > 0.0 && current < previous,
                $"{schedule}: ᾱ_{t} = {current:R} is not in (0, ᾱ_{t - 1} = {previous:R}).");
        }
    });

    [Property(MaxTest = 200)]
    public Property OneMinusAlphaBar_IsTheComplementOfAlphaBar() => Prop.ForAll(AnySchedule, schedule =>
    {
        // ᾱ_t is a product of t rounded factors and 1 − ᾱ_t an expm1 of a sum of t rounded logarithms: each carries
        // at most about t units of roundoff u = 2⁻⁵³, hence the bound 4·(t + 1)·u on their sum's distance from 1.
        for (int t = 0; t <= schedule.Steps; t++)
            Approx.Absolute(1.0, schedule.AlphaBar(t) + schedule.OneMinusAlphaBar(t), 4.0 * (t + 1) * Math.Pow(2, -53), $"{schedule}: ᾱ_{t} + (1 − ᾱ_{t})");
    });

    [Property(MaxTest = 200)]
    public Property PosteriorVariance_IsBetweenZeroAndBeta_AndZeroAtTheFirstStep() => Prop.ForAll(AnySchedule, schedule =>
    {
        Assert.Equal(0.0, schedule.PosteriorVariance(1));
        for (int t = 1; t <= schedule.Steps; t++)
        {
            double variance = schedule.PosteriorVariance(t), beta = schedule.Beta(t);
            Assert.True(variance >= 0.0 && variance <= beta, $"{schedule}: β̃_{t} = {variance:R} is outside [0, β_{t} = {beta:R}].");
        }
    });

    [Property(MaxTest = 200)]
    public Property PosteriorMean_IsConsistentWithTheMarginalMeans() => Prop.ForAll(AnySchedule, schedule =>
    {
        // E[x_{t−1} | x_0] two ways: c_x0 + c_xt·√ᾱ_t = √ᾱ_{t−1}.
        for (int t = 1; t <= schedule.Steps; t++)
        {
            double lhs = schedule.PosteriorMeanCoefX0(t) + schedule.PosteriorMeanCoefXt(t) * schedule.SqrtAlphaBar(t);
            Approx.Relative(schedule.SqrtAlphaBar(t - 1), lhs, IdentityTolerance, $"{schedule}: c_x0 + c_xt·√ᾱ at t = {t}");
        }
    });

    [Property(MaxTest = 200)]
    public Property PosteriorVariance_IsConsistentWithTheMarginalVariances() => Prop.ForAll(AnySchedule, schedule =>
    {
        // Var[x_{t−1} | x_0] two ways (law of total variance): c_xt²·(1 − ᾱ_t) + β̃_t = 1 − ᾱ_{t−1}.
        for (int t = 1; t <= schedule.Steps; t++)
        {
            double c = schedule.PosteriorMeanCoefXt(t);
            double lhs = c * c * schedule.OneMinusAlphaBar(t) + schedule.PosteriorVariance(t);
            Approx.Relative(schedule.OneMinusAlphaBar(t - 1), lhs, IdentityTolerance, $"{schedule}: total variance at t = {t}");
        }
    });

    [Property(MaxTest = 200)]
    public Property PosteriorPrecision_IsTheSumOfPriorAndLikelihoodPrecisions() => Prop.ForAll(AnySchedule, schedule =>
    {
        // Product of Gaussians: 1/β̃_t = 1/(1 − ᾱ_{t−1}) + α_t/β_t, for t ≥ 2 (β̃_1 = 0).
        for (int t = 2; t <= schedule.Steps; t++)
        {
            double rhs = 1.0 / schedule.OneMinusAlphaBar(t - 1) + schedule.Alpha(t) / schedule.Beta(t);
            Approx.Relative(rhs, 1.0 / schedule.PosteriorVariance(t), IdentityTolerance, $"{schedule}: 1/β̃ at t = {t}");
        }
    });

    [Property(MaxTest = 200)]
    public Property PosteriorLogVarianceClipped_IsLogBetaTilde_WithTheFirstStepReplacedByTheSecond() => Prop.ForAll(AnySchedule, schedule =>
    {
        for (int t = 2; t <= schedule.Steps; t++)
            Approx.Relative(Math.Log(schedule.PosteriorVariance(t)), schedule.PosteriorLogVarianceClipped(t), 1e-15, $"log β̃_{t}");
        double expectedFirst = schedule.Steps >= 2 ? Math.Log(schedule.PosteriorVariance(2)) : Math.Log(schedule.Beta(1));
        Assert.Equal(expectedFirst, schedule.PosteriorLogVarianceClipped(1));
    });

    [Property(MaxTest = 200)]
    public Property LogSnr_IsTheLogOfSnr_AndStrictlyDecreasing() => Prop.ForAll(AnySchedule, schedule =>
    {
        for (int t = 1; t <= schedule.Steps; t++)
        {
            Approx.Relative(schedule.AlphaBar(t) / schedule.OneMinusAlphaBar(t), schedule.Snr(t), 1e-13, $"SNR at t = {t}");
            // SNR uses the running product ᾱ_t (relative error ≤ t·u, u = 2⁻⁵³, so ≤ t·u after the log) and log SNR the
            // running sum log ᾱ_t = Σ log1p(−β_s), whose t roundings each err by at most u·|partial sum| ≤ u·|log ᾱ_t|.
            // Hence |difference| ≤ (t + 4)·u·(2 + |log ᾱ_t|) + 4u·|log SNR| (log's own rounding). Absolute, because
            // near SNR = 1 a relative comparison of log SNR ≈ 0 would be meaningless.
            double u = Math.Pow(2, -53);
            double bound = (t + 4) * u * (2 + Math.Abs(schedule.LogAlphaBar(t))) + 4 * u * Math.Abs(schedule.LogSnr(t));
            Approx.Absolute(Math.Log(schedule.Snr(t)), schedule.LogSnr(t), bound, $"log SNR at t = {t}");
            if (t > 1) Assert.True(schedule.LogSnr(t) < schedule.LogSnr(t - 1), $"{schedule}: log SNR does not decrease at t = {t}.");
        }
    });

    [Property(MaxTest = 200)]
    public Property ComposingOneStepKernels_GivesTheMarginal() => Prop.ForAll(AnySchedule, schedule =>
    {
        // q(x_t | x_0) from q(x_1 | x_0) … q(x_t | x_{t−1}): scale ∏√α_s = √ᾱ_t, variance v_t = α_t·v_{t−1} + β_t = 1 − ᾱ_t.
        double scale = 1.0, variance = 0.0;
        for (int t = 1; t <= schedule.Steps; t++)
        {
            scale *= Math.Sqrt(schedule.Alpha(t));
            variance = schedule.Alpha(t) * variance + schedule.Beta(t);
            Approx.Relative(schedule.SqrtAlphaBar(t), scale, 1e-12, $"{schedule}: composed scale at t = {t}");
            Approx.Relative(schedule.OneMinusAlphaBar(t), variance, 1e-12, $"{schedule}: composed variance at t = {t}");
        }
    });

    [Property(MaxTest = 100)]
    public Property Row_CarriesTheSameValuesAsTheAccessors() => Prop.ForAll(Generators.ScheduleAndStep.ToArbitrary(), pair =>
    {
        var (schedule, t) = pair;
        ScheduleRow row = schedule.Row(t);
        Assert.Equal(
            new ScheduleRow(t, schedule.Beta(t), schedule.Alpha(t), schedule.AlphaBar(t), schedule.SqrtAlphaBar(t),
                schedule.SqrtOneMinusAlphaBar(t), schedule.PosteriorVariance(t), schedule.PosteriorLogVarianceClipped(t),
                schedule.PosteriorMeanCoefX0(t), schedule.PosteriorMeanCoefXt(t), schedule.Snr(t), schedule.LogSnr(t)),
            row);
    });
}
