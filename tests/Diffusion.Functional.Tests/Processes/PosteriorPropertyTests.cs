using Diffusion.Functional.Images;
using Diffusion.Functional.Processes;
using Diffusion.Functional.Schedules;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace Diffusion.Functional.Tests.Processes;

/// <summary>q(x_{t−1} | x_t, x_0) and q(x_s | x_t, x_0) against Bayes' rule, against each other, and under composition.</summary>
public class PosteriorPropertyTests
{
    private static readonly Gen<(NoiseSchedule Schedule, int T, double X0, double Xt, double Z)> BayesCase =
        from pair in Generators.ScheduleAndStep.Where(p => p.T >= 2)
        from x0 in Generators.DataValue
        from k in Generators.Uniform(-3, 3)
        from z in Generators.Uniform(-3, 3)
        // x_t where q(x_t | x_0) puts its mass, so that densities stay representable.
        select (pair.Schedule, pair.T, x0, pair.Schedule.SqrtAlphaBar(pair.T) * x0 + pair.Schedule.SqrtOneMinusAlphaBar(pair.T) * k, z);

    [Property(MaxTest = 150)]
    public Property Posterior_DensityIsTheNormalisedProductOfStepAndMarginal_ByNumericalIntegration() =>
        Prop.ForAll(BayesCase.ToArbitrary(), c =>
        {
            // Bayes: q(y | x_t, x_0) = q(x_t | y)·q(y | x_0) / ∫ q(x_t | y')·q(y' | x_0) dy', with the densities from
            // MathNet's Normal (independent of the core) and the normaliser by Gauss–Legendre quadrature.
            var (schedule, t, x0, xt, z) = c;
            double stepStd = Math.Sqrt(schedule.Beta(t)), stepScale = Math.Sqrt(schedule.Alpha(t));
            double priorMean = schedule.SqrtAlphaBar(t - 1) * x0, priorStd = schedule.SqrtOneMinusAlphaBar(t - 1);
            double LogJoint(double y) => Normal.PDFLn(stepScale * y, stepStd, xt) + Normal.PDFLn(priorMean, priorStd, y);

            ScalarGaussian posterior = Posterior.Kernel(schedule, t).Apply(x0, xt);
            double peak = LogJoint(posterior.Mean);
            double width = 12 * posterior.StandardDeviation;
            double normaliser = Integrate.GaussLegendre(y => Math.Exp(LogJoint(y) - peak), posterior.Mean - width, posterior.Mean + width, order: 256);

            double y = posterior.Mean + z * posterior.StandardDeviation;
            double bayes = LogJoint(y) - peak - Math.Log(normaliser);
            Approx.Absolute(bayes, posterior.LogDensity(y), 1e-9, $"{schedule}, t = {t}: log q(x_{{t−1}} = {y:R} | x_t, x_0)");

            // The normaliser itself is the marginal q(x_t | x_0) (Chapman–Kolmogorov), DDPM eq. 4.
            double marginal = Normal.PDFLn(schedule.SqrtAlphaBar(t) * x0, schedule.SqrtOneMinusAlphaBar(t), xt);
            Approx.Absolute(marginal, peak + Math.Log(normaliser), 1e-9, $"{schedule}, t = {t}: log q(x_t | x_0)");
        });

    [Property(MaxTest = 200)]
    public Property Jump_ToThePreviousStep_IsTheOneStepPosterior() => Prop.ForAll(Generators.ScheduleAndStep.ToArbitrary(), pair =>
    {
        var (schedule, t) = pair;
        PosteriorKernel jump = Posterior.Jump(schedule, t, t - 1), step = Posterior.Kernel(schedule, t);
        Assert.Equal((step.From, step.To), (jump.From, jump.To));
        Approx.Relative(step.CoefX0, jump.CoefX0, 1e-12, $"{schedule}: x_0 weight at t = {t}");
        Approx.Relative(step.CoefXt, jump.CoefXt, 1e-12, $"{schedule}: x_t weight at t = {t}");
        Approx.Relative(step.Variance, jump.Variance, 1e-12, $"{schedule}: variance at t = {t}");
    });

    [Property(MaxTest = 200)]
    public Property Jumps_Compose_tToSToR_IsTheJumpTToR() => Prop.ForAll(Generators.ScheduleAndThreeSteps.ToArbitrary(), c =>
    {
        // The posterior chain given x_0 is Markov: sampling x_s then x_r has the law of the direct jump to x_r.
        var (schedule, t, s, r) = c;
        PosteriorKernel composed = Posterior.Jump(schedule, t, s).Then(Posterior.Jump(schedule, s, r));
        PosteriorKernel direct = Posterior.Jump(schedule, t, r);
        Assert.Equal((t, r), (composed.From, composed.To));
        Approx.Relative(direct.CoefX0, composed.CoefX0, 1e-11, $"{schedule}: x_0 weight {t}→{s}→{r}");
        Approx.Relative(direct.CoefXt, composed.CoefXt, 1e-11, $"{schedule}: x_t weight {t}→{s}→{r}");
        Approx.Relative(direct.Variance, composed.Variance, 1e-11, $"{schedule}: variance {t}→{s}→{r}");
    });

    [Property(MaxTest = 100)]
    public Property Jump_ToZero_IsThePointMassAtX0() => Prop.ForAll(Generators.ScheduleAndStep.ToArbitrary(), pair =>
    {
        var (schedule, t) = pair;
        Assert.Equal(new PosteriorKernel(t, 0, 1.0, 0.0, 0.0), Posterior.Jump(schedule, t, 0));
        PosteriorKernel lastStep = Posterior.Kernel(schedule, 1);
        Assert.Equal((1.0, 0.0, 0.0), (lastStep.CoefX0, lastStep.CoefXt, lastStep.Variance));
    });

    [Property(MaxTest = 100)]
    public Property Sample_IsTheMeanPlusStandardDeviationTimesNoise() => Prop.ForAll(
        Generators.ScheduleAndStep.ToArbitrary(), Generators.Images(-1, 1).ToArbitrary(), (pair, x0) =>
        {
            var (schedule, t) = pair;
            Image xt = Image.Filled(x0.Width, x0.Height, 0.25), noise = Image.Filled(x0.Width, x0.Height, -1.5);
            Image sample = Posterior.Sample(schedule, xt, x0, t, noise);
            double mu = schedule.PosteriorMeanCoefX0(t), nu = schedule.PosteriorMeanCoefXt(t), sigma = Math.Sqrt(schedule.PosteriorVariance(t));
            for (int i = 0; i < x0.PixelCount; i++)
                Approx.Absolute(mu * x0.Pixels[i] + nu * 0.25 - 1.5 * sigma, sample.Pixels[i], 1e-14, $"pixel {i}");
        });

    [Fact]
    public void Jump_Throws_WhenSIsNotBeforeT()
    {
        NoiseSchedule schedule = NoiseSchedule.Linear(10, 1e-4, 0.02);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Posterior.Jump(schedule, 5, 5));
        Assert.Equal("s", error.ParamName);
        Assert.Contains("0..4", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Posterior.Jump(schedule, 5, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Posterior.Jump(schedule, 11, 3));
    }

    [Fact]
    public void Of_Throws_WhenShapesDiffer()
    {
        NoiseSchedule schedule = NoiseSchedule.Linear(10, 1e-4, 0.02);
        var error = Assert.Throws<ArgumentException>(() =>
            Posterior.Of(schedule, Image.Filled(3, 2, 0), Image.Filled(2, 3, 0), 5));
        Assert.Contains("3×2", error.Message);
        Assert.Contains("2×3", error.Message);
    }
}
