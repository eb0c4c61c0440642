using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Processes;
using Diffusion.Functional.Schedules;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace Diffusion.Functional.Tests.Denoisers;

/// <summary>The optimal denoiser of Gaussian data against Bayes' rule, computed independently by quadrature.</summary>
public class GaussianDataTests
{
    private static readonly Gen<(NoiseSchedule Schedule, int T, double Mu, double Sigma2, double Z)> Cases =
        from pair in Generators.ScheduleAndStep
        from mu in Generators.Uniform(-1, 1)
        from sigma2 in Generators.LogUniform(1e-3, 2.0)
        from z in Generators.Uniform(-3, 3)
        select (pair.Schedule, pair.T, mu, sigma2, z);

    [Property(MaxTest = 150)]
    public Property PosteriorMeanAndVariance_AreBayesRule_ByNumericalIntegration() => Prop.ForAll(Cases.ToArbitrary(), c =>
    {
        // p(x_0 | x_t) ∝ N(x_0; μ, σ²)·N(x_t; √ᾱ·x_0, 1 − ᾱ), with the densities from MathNet and the moments by
        // Gauss–Legendre quadrature over ±12 posterior standard deviations (the integrand is smooth and negligible
        // beyond; order 256 is exact to ~1e-13 relative here).
        var (schedule, t, mu, sigma2, z) = c;
        var data = new GaussianData(Image.Filled(1, 1, mu), sigma2);
        GaussianImage marginal = data.Marginal(schedule, t);
        double xt = marginal.Mean.Pixels[0] + z * marginal.StandardDeviation; // where q(x_t) puts its mass
        double a = schedule.SqrtAlphaBar(t), s = schedule.SqrtOneMinusAlphaBar(t);
        double LogJoint(double x0) => Normal.PDFLn(mu, Math.Sqrt(sigma2), x0) + Normal.PDFLn(a * x0, s, xt);

        double mean = data.PosteriorMean(schedule, Image.Filled(1, 1, xt), t).Pixels[0];
        double std = Math.Sqrt(data.PosteriorVariance(schedule, t));
        double peak = LogJoint(mean), lo = mean - 12 * std, hi = mean + 12 * std;
        double mass = Integrate.GaussLegendre(x => Math.Exp(LogJoint(x) - peak), lo, hi, 256);
        double first = Integrate.GaussLegendre(x => (x - mean) * Math.Exp(LogJoint(x) - peak), lo, hi, 256) / mass;
        double second = Integrate.GaussLegendre(x => (x - mean) * (x - mean) * Math.Exp(LogJoint(x) - peak), lo, hi, 256) / mass;
        Approx.Absolute(0.0, first, 1e-10 * std, $"{schedule}, t = {t}: E[x_0 − mean | x_t] (the mean is off)");
        Approx.Relative(std * std, second, 1e-9, $"{schedule}, t = {t}: Var[x_0 | x_t]");
        // The normaliser is q(x_t) itself (Chapman–Kolmogorov): N(√ᾱ·μ, ᾱσ² + 1 − ᾱ).
        Approx.Absolute(Normal.PDFLn(a * mu, marginal.StandardDeviation, xt), peak + Math.Log(mass), 1e-9, $"{schedule}, t = {t}: log q(x_t)");
    });

    [Property(MaxTest = 150)]
    public Property Denoiser_PredictsTheSameX0_InEveryParameterisation() => Prop.ForAll(
        Cases.ToArbitrary(), DiffusionGenerators.Targets.ToArbitrary(), (c, target) =>
        {
            var (schedule, t, mu, sigma2, z) = c;
            var data = new GaussianData(Image.Filled(2, 1, mu), sigma2);
            Image xt = Image.FromPixels(2, 1, [z, -z]);
            Image expected = data.PosteriorMean(schedule, xt, t);
            Image x0 = PredictionConversions.ToX0(data.Denoiser(schedule, target).Predict(xt, t), xt, NoiseLevel.At(schedule, t));
            double tolerance = 1e-13 / Math.Min(schedule.SqrtAlphaBar(t), schedule.SqrtOneMinusAlphaBar(t));
            Assert.True(expected.MaxAbsDifference(x0) <= tolerance, $"{schedule}, t = {t}, {target}: x̂_0 off by {expected.MaxAbsDifference(x0):E2}");
        });

    [Fact]
    public void PosteriorMean_IsThePriorMeanForPointData_AndXtOverRootAlphaBarForFlatData()
    {
        NoiseSchedule schedule = NoiseSchedule.Linear(100, 1e-4, 0.02);
        Image xt = Image.FromPixels(2, 1, [0.4, -1.3]);
        Assert.Equal(Image.Filled(2, 1, 0.25), new GaussianData(Image.Filled(2, 1, 0.25), 0.0).PosteriorMean(schedule, xt, 40));
        // σ² → ∞: the prior says nothing and x̂_0 → x_t/√ᾱ_t (the maximum-likelihood estimate).
        Image flat = new GaussianData(Image.Filled(2, 1, 0.0), 1e12).PosteriorMean(schedule, xt, 40);
        Assert.True(flat.MaxAbsDifference(xt.Scaled(1 / schedule.SqrtAlphaBar(40))) <= 1e-9);
    }
}
