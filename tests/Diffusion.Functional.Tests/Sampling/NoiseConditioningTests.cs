using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Sampling;

public class NoiseConditioningTests
{
    [Fact]
    public void VpNoise_InvertsTheVpGrid_ToTheNetworksTime()
    {
        // k-diffusion's VP grid is σ(t_i) at t_i from 1 down to ε_s; c_noise at those σ must give back (M − 1)·t_i.
        const int n = 50;
        double[] sigmas = SigmaSpace.VpSigmas(n);
        for (int i = 0; i < n; i++)
        {
            double t = i == n - 1 ? 1e-3 : 1.0 + i / (double)(n - 1) * (1e-3 - 1.0);
            double expected = 999.0 * t;
            Assert.True(Math.Abs(NoiseConditioning.VpNoise(sigmas[i]) - expected) <= 1e-12 * expected, $"i = {i}: {NoiseConditioning.VpNoise(sigmas[i]):R} against {expected:R}");
        }
    }

    [Property(MaxTest = 200)]
    public Property VpNoise_IsIncreasingInSigma_AndZeroTimeAtZeroNoise() => Prop.ForAll(
        Gen.Choose(-6000, 2000).Select(k => Math.Pow(10, k / 1000.0)).ToArbitrary(),
        sigma =>
        {
            double c = NoiseConditioning.VpNoise(sigma), larger = NoiseConditioning.VpNoise(sigma * 1.001);
            // near σ = 0, t ≈ σ²/β_min, so c_noise vanishes like σ² (no cancellation: the root is rationalised)
            double small = 999.0 * sigma * sigma / 0.1;
            return (c > 0 && larger > c && (sigma > 1e-4 || Math.Abs(c - small) <= 1e-3 * small)).Label($"σ = {sigma:R}: {c:R}, {larger:R}");
        });

    [Fact]
    public void VeAndEdmNoise_AreTheirLogarithms()
    {
        Assert.Equal(Math.Log(40.0), NoiseConditioning.VeNoise(80.0), 15);
        Assert.Equal(0.25 * Math.Log(0.002), NoiseConditioning.EdmNoise(0.002), 15);
        Assert.Equal(0.0, NoiseConditioning.EdmNoise(1.0));
    }

    [Fact]
    public void VePreconditioning_IsTheIdentitySkipWithSigmaOut()
    {
        Preconditioning c = NoiseConditioning.VePreconditioning(3.0);
        Assert.Equal(new Preconditioning(1.0, 3.0, 1.0), c);
        Assert.Equal(2.0 + 3.0 * 0.5, c.Denoised(2.0, 0.5));
    }

    [Fact]
    public void IddpmSigmas_FallToZero_AndObeyTheirRecursion()
    {
        double[] u = NoiseConditioning.IddpmSigmas();
        Assert.Equal(1001, u.Length);
        Assert.Equal(0.0, u[1000]);
        for (int j = 1000; j >= 1; j--)
        {
            Assert.True(u[j - 1] > u[j], $"u_{j - 1} = {u[j - 1]} is not above u_{j} = {u[j]}");
            double a = Math.Pow(Math.Sin(0.5 * Math.PI * (j - 1) / (1000 * 1.008)), 2), b = Math.Pow(Math.Sin(0.5 * Math.PI * j / (1000 * 1.008)), 2);
            double ratio = Math.Max(a / b, 0.001);
            double lhs = (u[j - 1] * u[j - 1] + 1.0) * ratio, rhs = u[j] * u[j] + 1.0;
            Assert.True(Math.Abs(lhs - rhs) <= 1e-12 * rhs, $"j = {j}: {lhs:R} against {rhs:R}");
        }
        // Karras et al. 2022 give this model's smallest level as σ_min = 0.0064 (two digits: 0.00635..0.00645)
        Assert.InRange(u[999], 0.00635, 0.00645);
    }

    [Fact]
    public void IddpmNoise_IsTheNearestLevelsTimestep()
    {
        double[] u = NoiseConditioning.IddpmSigmas();
        for (int j = 0; j < 1000; j++)
        {
            Assert.Equal(999 - j, NoiseConditioning.IddpmNoise(u[j], u));
            // just off a level it still picks that level
            Assert.Equal(999 - j, NoiseConditioning.IddpmNoise(u[j] * (1 + 1e-9), u));
        }
        // below the smallest level there is no timestep −1: u_M = 0 is the data
        Assert.Equal(0, NoiseConditioning.IddpmNoise(1e-9, u));
        Assert.Equal(999, NoiseConditioning.IddpmNoise(1e6, u));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Noise_RefusesSigmasThatAreNotPositive(double sigma)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => NoiseConditioning.VpNoise(sigma));
        Assert.Contains("σ > 0", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => NoiseConditioning.VeNoise(sigma));
        Assert.Throws<ArgumentOutOfRangeException>(() => NoiseConditioning.EdmNoise(sigma));
        Assert.Throws<ArgumentOutOfRangeException>(() => NoiseConditioning.IddpmNoise(sigma, [1.0, 0.0]));
    }

    [Fact]
    public void IddpmSigmas_RefusesATableTooLargeBeforeAllocating()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => NoiseConditioning.IddpmSigmas(NoiseConditioning.MaxTrainingSteps + 1));
        Assert.Contains("trainingSteps", e.Message);
    }
}
