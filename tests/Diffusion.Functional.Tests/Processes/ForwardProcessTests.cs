using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Processes;
using Diffusion.Functional.Schedules;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Processes;

/// <summary>q(x_t | x_0) and q(x_t | x_{t−1}): the reparameterisation, its sign, and its statistics.</summary>
public class ForwardProcessTests
{
    [Property(MaxTest = 150)]
    public Property Sample_AddsNoiseWithAPlusSign_XtMinusSignalOverStdIsTheNoise() => Prop.ForAll(
        Generators.ScheduleAndStep.ToArbitrary(), Generators.Images(-1, 1).ToArbitrary(), Gen.Choose(0, 100000).ToArbitrary(),
        (pair, x0, seed) =>
        {
            // x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε (DDPM eq. 4): recover ε exactly up to rounding. The seed notebook's minus
            // sign gives −ε here and fails.
            var (schedule, t) = pair;
            Image noise = NoiseImage.StandardNormalLike(NoiseKey.FromSeed((ulong)seed), x0);
            Image xt = ForwardProcess.Sample(schedule, x0, t, noise);
            double scale = Math.Sqrt(schedule.AlphaBar(t)), std = Math.Sqrt(1 - schedule.AlphaBar(t));
            for (int i = 0; i < x0.PixelCount; i++)
            {
                double recovered = (xt.Pixels[i] - scale * x0.Pixels[i]) / std;
                Approx.Absolute(noise.Pixels[i], recovered, 1e-9 / std, $"{schedule}, t = {t}: ε at pixel {i}");
            }
        });

    [Property(MaxTest = 150)]
    public Property ScalarKernels_SampleIsMeanPlusStandardDeviationTimesNoise() => Prop.ForAll(
        Generators.ScheduleAndStep.ToArbitrary(), Generators.DataValue.ToArbitrary(), Generators.Uniform(-4, 4).ToArbitrary(),
        (pair, x, z) =>
        {
            // The scalar forms of both forward kernels: x_out = Scale·x + √Variance·z, plus sign included.
            var (schedule, t) = pair;
            foreach (LinearGaussianKernel kernel in new[] { ForwardProcess.Marginal(schedule, t), ForwardProcess.Step(schedule, t) })
            {
                ScalarGaussian law = kernel.Apply(x);
                Approx.Absolute(law.Mean + Math.Sqrt(law.Variance) * z, kernel.Sample(x, z), 1e-15, $"{kernel}");
                Approx.Absolute(law.Sample(z), kernel.Sample(x, z), 1e-15, $"{kernel}");
            }
            Approx.Absolute(Math.Sqrt(schedule.AlphaBar(t)) * x + Math.Sqrt(schedule.OneMinusAlphaBar(t)) * z,
                ForwardProcess.Marginal(schedule, t).Sample(x, z), 1e-15, "x_t = √ᾱ·x_0 + √(1 − ᾱ)·z");
        });

    [Property(MaxTest = 100)]
    public Property Marginal_HasMeanSqrtAlphaBarX0_AndVarianceOneMinusAlphaBar() => Prop.ForAll(
        Generators.ScheduleAndStep.ToArbitrary(), Generators.Images(-1, 1).ToArbitrary(), (pair, x0) =>
        {
            var (schedule, t) = pair;
            GaussianImage marginal = ForwardProcess.Marginal(schedule, x0, t);
            // The reference 1 − ᾱ_t by subtraction inherits ᾱ_t's absolute error, at most about (t + 1)·u with u = 2⁻⁵³.
            Approx.Absolute(1 - schedule.AlphaBar(t), marginal.Variance, 4.0 * (t + 1) * Math.Pow(2, -53), "variance");
            for (int i = 0; i < x0.PixelCount; i++)
                Approx.Absolute(Math.Sqrt(schedule.AlphaBar(t)) * x0.Pixels[i], marginal.Mean.Pixels[i], 1e-15, $"mean at pixel {i}");
        });

    [Property(MaxTest = 100)]
    public Property Step_HasScaleSqrtAlpha_AndVarianceBeta() => Prop.ForAll(Generators.ScheduleAndStep.ToArbitrary(), pair =>
    {
        var (schedule, t) = pair;
        LinearGaussianKernel step = ForwardProcess.Step(schedule, t);
        Assert.Equal((t - 1, t), (step.From, step.To));
        Approx.Relative(Math.Sqrt(1 - schedule.Beta(t)), step.Scale, 1e-15, "scale");
        Assert.Equal(schedule.Beta(t), step.Variance);
    });

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(200)]
    public void Samples_HaveTheMeanAndVarianceOfTheMarginal(int t)
    {
        // 4000 keyed samples of a 4×4 image: per pixel, n = 4000 draws of q(x_t | x_0); tolerances from n.
        NoiseSchedule schedule = NoiseSchedule.Linear(200, 1e-4, 0.02);
        Image x0 = Image.FromPixels(4, 4, Enumerable.Range(0, 16).Select(i => -1 + 2 * i / 15.0).ToArray());
        NoiseKey root = NoiseKey.FromSeed(2024);
        Image[] samples = Enumerable.Range(0, 4000).Select(i => ForwardProcess.Sample(schedule, x0, t, root.Child((ulong)i))).ToArray();
        for (int p = 0; p < 16; p++)
        {
            double[] draws = samples.Select(s => s.Pixels[p]).ToArray();
            SampleMoments.AssertGaussianMoments(draws, Math.Sqrt(schedule.AlphaBar(t)) * x0.Pixels[p], 1 - schedule.AlphaBar(t), $"t = {t}, pixel {p}");
        }
    }

    [Fact]
    public void Sample_Throws_WhenNoiseHasAnotherShape()
    {
        NoiseSchedule schedule = NoiseSchedule.Linear(10, 1e-4, 0.02);
        var error = Assert.Throws<ArgumentException>(() => ForwardProcess.Sample(schedule, Image.Filled(4, 4, 0), 3, Image.Filled(4, 5, 0)));
        Assert.Equal("noise", error.ParamName);
        Assert.Contains("4×5", error.Message);
    }

    [Fact]
    public void Sample_Throws_WhenTimestepIsZeroBased()
    {
        // The seed's index i is our step t = i + 1; t = 0 is x_0 itself, not a noising step.
        NoiseSchedule schedule = NoiseSchedule.Linear(200, 1e-4, 0.02);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ForwardProcess.Sample(schedule, Image.Filled(2, 2, 0), 0, NoiseKey.FromSeed(1)));
        Assert.Contains("1..200", error.Message);
    }
}
