using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Schedules;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Limits;

/// <summary>
/// Issue 14, cases 2 and 7 in the core: sizes past the stated limits are refused before allocating (not an
/// OutOfMemoryException), schedules whose noise a double cannot hold are refused, and operations documented to give
/// finite images never return NaN or ∞.
/// </summary>
public sealed class CoreLimitsTests
{
    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(NoiseSchedule.MaxSteps + 1)]
    public void ScheduleFactories_RefuseMoreStepsThanTheLimit_BeforeAllocating(int steps)
    {
        foreach (Func<NoiseSchedule> make in new Func<NoiseSchedule>[]
        {
            () => NoiseSchedule.Linear(steps, 1e-4, 0.02), () => NoiseSchedule.ScaledLinear(steps, 1e-4, 0.02),
            () => NoiseSchedule.Sigmoid(steps, 1e-4, 0.02), () => NoiseSchedule.Cosine(steps),
        })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(make);
            Assert.Equal("steps", e.ParamName);
            Assert.Contains($"at most {NoiseSchedule.MaxSteps}", e.Message);
        }
        var custom = Assert.Throws<ArgumentOutOfRangeException>(() => NoiseSchedule.FromBetas(Enumerable.Repeat(0.01, NoiseSchedule.MaxSteps + 1)));
        Assert.Contains($"at most {NoiseSchedule.MaxSteps}", custom.Message);
        Assert.Equal(NoiseSchedule.MaxSteps, NoiseSchedule.FromBetas(new double[NoiseSchedule.MaxSteps].Select(_ => 1e-5)).Steps);
    }

    [Theory]
    [InlineData(1e-320)]
    [InlineData(double.Epsilon)]
    [InlineData(2.2250738585072009E-308)] // the largest denormal
    public void FromBetas_RefusesADenormalBeta_WhoseSnrWouldBeInfinite(double beta)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => NoiseSchedule.FromBetas([beta, 0.1]));
        Assert.Equal("betas", e.ParamName);
        Assert.Contains("β_1", e.Message);
        Assert.Contains("smallest normal double", e.Message);
        Assert.True(double.IsFinite(NoiseSchedule.FromBetas([NoiseSchedule.MinBeta, 0.1]).Snr(1)));
    }

    [Fact]
    public void Cosine_WithATinyMaxBeta_IsRefused_RatherThanGivingNoNoise()
    {
        // Issue 14: max β = 1e-320 once printed a schedule with ᾱ_T = 1, x_T = x_0.
        var denormal = Assert.Throws<ArgumentOutOfRangeException>(() => NoiseSchedule.Cosine(1000, 0.008, 1e-320));
        Assert.Equal("maxBeta", denormal.ParamName);
        var noNoise = Assert.Throws<ArgumentOutOfRangeException>(() => NoiseSchedule.Cosine(10, 0.008, 1e-18));
        Assert.Equal("maxBeta", noNoise.ParamName);
        Assert.Contains("ᾱ_T = 1", noNoise.Message);
        var linear = Assert.Throws<ArgumentOutOfRangeException>(() => NoiseSchedule.Linear(3, 1e-18, 1e-18));
        Assert.Equal("betaStart", linear.ParamName);
    }

    // β_t = 10^(−e) with e uniform in [0.1, 330]: from ordinary values down through the denormals.
    private static readonly Gen<double[]> WideBetas =
        from steps in Gen.Choose(1, 40)
        from exponents in Gen.ArrayOf(Gen.Choose(10, 33_000), steps)
        select exponents.Select(e => Math.Pow(10, -e / 100.0)).ToArray();

    [Property(MaxTest = 300)]
    public Property EveryAcceptedSchedule_HasAlphaBarBelowOne_AndFiniteSnrAndPosterior() => Prop.ForAll(WideBetas.ToArbitrary(), betas =>
    {
        NoiseSchedule schedule;
        try
        {
            schedule = NoiseSchedule.FromBetas(betas);
        }
        catch (ArgumentOutOfRangeException e)
        {
            // Refused only for a denormal β or a product ᾱ_T that rounds to 1.
            return (betas.Any(b => b < NoiseSchedule.MinBeta) || e.Message.Contains("ᾱ_T = 1")).Label(e.Message);
        }
        return (schedule.AlphaBar(schedule.Steps) < 1.0
            && schedule.Rows().All(r => double.IsFinite(r.Snr) && double.IsFinite(r.PosteriorLogVarianceClipped)
                && double.IsFinite(r.PosteriorMeanCoefX0) && double.IsFinite(r.PosteriorMeanCoefXt))).Label(schedule.ToString());
    });

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(GaussianNoise.MaxSampleCount + 1)]
    public void GaussianNoiseSample_RefusesACountAboveTheLimit_BeforeAllocating(int count)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => GaussianNoise.Sample(NoiseKey.FromSeed(1), count));
        Assert.Contains($"0..{GaussianNoise.MaxSampleCount}", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussianNoise.SampleSingle(NoiseKey.FromSeed(1), count));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(1e308)] // finite, but 1e308·2 overflows
    public void Scaled_NeverReturnsANonFiniteImage(double factor)
    {
        Image x = Image.FromPixels(2, 1, [0.5, 2.0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Scaled(double.NaN));
        var e = Assert.ThrowsAny<ArgumentException>(() => x.Scaled(factor));
        Assert.DoesNotContain("(Parameter", e.Message.Split('\n')[0].Replace(" (Parameter 'factor')", ""));
    }

    [Fact]
    public void Combine_NeverReturnsANonFiniteImage()
    {
        Image x = Image.FromPixels(3, 1, [1.0, -1.0, 1.5]);
        var two = Assert.Throws<ArgumentException>(() => Image.Combine(1e308, x, 1e308, x));
        Assert.Contains("overflows at pixel 0", two.Message);
        Assert.Throws<ArgumentException>(() => Image.Combine(1.0, x, 1e308, x, 1e308, x));
        Assert.Throws<ArgumentOutOfRangeException>(() => Image.Combine(double.NaN, x, 1.0, x));
        Assert.Throws<ArgumentOutOfRangeException>(() => Image.Combine(1.0, x, 1.0, x, double.NegativeInfinity, x));
        // Large but representable results still pass: 1e308·1 − 1e308·1 = 0.
        Assert.Equal(0.0, Image.Combine(1e308, x, -1e308, x).Pixels[0]);
    }

    [Theory]
    [InlineData(1e200)]
    [InlineData(-1e300)]
    [InlineData(1e155)]
    public void EmpiricalData_AtAHugeXt_GivesFiniteWeightsThatPickTheNearestImage(double scale)
    {
        // Three images; x_t = scale·(image 2 direction): every distance overflows a double, yet the weights are one-hot
        // on the image most aligned with x_t, as they are in exact arithmetic.
        var images = new[] { Image.FromPixels(2, 1, [-1.0, -1.0]), Image.FromPixels(2, 1, [0.0, 0.5]), Image.FromPixels(2, 1, [1.0, 1.0]) };
        var data = new EmpiricalData(ImageBatch<double>.FromImages(images));
        var schedule = NoiseSchedule.Linear(1000, 1e-4, 0.02);
        Image xt = Image.FromPixels(2, 1, [scale, scale]);
        int nearest = scale > 0 ? 2 : 0;
        foreach (int t in new[] { 1, 500, 1000 })
        {
            double[] weights = data.PosteriorWeights(schedule, xt, t);
            Assert.All(weights, w => Assert.True(double.IsFinite(w), $"t = {t}: a weight is {w}"));
            Assert.Equal(1.0, weights.Sum(), 12);
            Assert.Equal(1.0, weights[nearest]);
            Image mean = data.PosteriorMean(schedule, xt, t);
            Assert.Equal(images[nearest], mean);
        }
        Assert.Equal(nearest, data.NearestIndex(xt));
    }

    [Fact]
    public void EmpiricalData_AtOrdinaryXt_IsUnchangedByTheOverflowPath()
    {
        // The rescaled path only runs when every logit is −∞; an ordinary x_t gives the weights of the plain softmax.
        var images = new[] { Image.FromPixels(2, 1, [-1.0, 0.25]), Image.FromPixels(2, 1, [0.5, 0.5]) };
        var data = new EmpiricalData(ImageBatch<double>.FromImages(images));
        var schedule = NoiseSchedule.Linear(10, 1e-4, 0.02);
        Image xt = Image.FromPixels(2, 1, [0.1, 0.2]);
        double a = schedule.SqrtAlphaBar(10), v = 2 * schedule.OneMinusAlphaBar(10);
        double d0 = Math.Pow(0.1 - a * -1.0, 2) + Math.Pow(0.2 - a * 0.25, 2), d1 = Math.Pow(0.1 - a * 0.5, 2) + Math.Pow(0.2 - a * 0.5, 2);
        double l0 = -d0 / v, l1 = -d1 / v, top = Math.Max(l0, l1);
        double e0 = Math.Exp(l0 - top), e1 = Math.Exp(l1 - top);
        Assert.Equal(new[] { e0 / (e0 + e1), e1 / (e0 + e1) }, data.PosteriorWeights(schedule, xt, 10));
    }
}
