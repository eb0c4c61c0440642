using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Processes;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Denoisers;

/// <summary>The oracle predicts the true x_0, ε and v of a forward sample.</summary>
public class OracleDenoiserTests
{
    [Property(MaxTest = 150)]
    public Property Oracle_PredictsTheTrueX0EpsilonAndV() => Prop.ForAll(
        Generators.ScheduleAndStep.ToArbitrary(), Generators.Images(-1, 1).ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), (pair, x0, seed) =>
        {
            var (schedule, t) = pair;
            Image eps = NoiseImage.StandardNormalLike(NoiseKey.FromSeed((ulong)seed), x0);
            Image xt = ForwardProcess.Sample(schedule, x0, t, eps);
            double a = schedule.SqrtAlphaBar(t), s = schedule.SqrtOneMinusAlphaBar(t);
            Image v = Image.Combine(a, eps, -s, x0);
            double tolerance = 1e-13 / Math.Min(a, s);
            Assert.Equal(x0, OracleDenoiser.Create(schedule, x0, PredictionTarget.X0).Predict(xt, t).Value);
            Assert.True(eps.MaxAbsDifference(OracleDenoiser.Create(schedule, x0, PredictionTarget.Epsilon).Predict(xt, t).Value) <= tolerance);
            Assert.True(v.MaxAbsDifference(OracleDenoiser.Create(schedule, x0, PredictionTarget.V).Predict(xt, t).Value) <= tolerance);
        });
}
