using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;
using Xunit.Abstractions;

namespace Diffusion.Functional.Tests.Sampling;

/// <summary>
/// The exact output law of Euler ancestral sampling on Gaussian data: every step is affine in x̃ and in its noise, value by
/// value, so x_0 = B + A·x_{τ_N} + Σ_k c_k·z_k and one run with unit noise vectors recovers every coefficient; with
/// x_{τ_N} ~ q(x_{τ_N}) the output is N(B + A·m, A²·V + Σ c_k²) exactly, and its W₂ distance to the data law is exact.
/// </summary>
public class AncestralLawTests(ITestOutputHelper output)
{
    /// <summary>(mean, variance) of the sampler's x_0 for data N(μ, v) started from the exact marginal q(x_{τ_N}).</summary>
    internal static (double Mean, double Variance) Law(ISampler sampler, RespacedSchedule plan, double mu, double v) =>
        SamplerConvergence.GaussianLaw(sampler, plan, mu, v);

    /// <summary>W₂ between N(m₁, v₁) and N(m₂, v₂) in one dimension: √((m₁ − m₂)² + (√v₁ − √v₂)²).</summary>
    internal static double W2(double m1, double v1, double m2, double v2) => Math.Sqrt((m1 - m2) * (m1 - m2) + Math.Pow(Math.Sqrt(v1) - Math.Sqrt(v2), 2));

    [Fact]
    public void EulerAncestral_OutputLaw_ApproachesTheDataLaw_AtWeakOrderOne()
    {
        // Euler–Maruyama for the reverse SDE has weak order 1 (Kloeden & Platen 1992, Theorem 14.5.1): the exact W₂ to
        // N(μ, v) must fall like 1/N. Measured slope over N = 121..721 on the Karras ρ = 7 grid: see the output.
        var sampler = new EulerAncestralSampler();
        foreach (var (mu, v) in new[] { (0.3, 0.25), (-0.5, 2.5), (1.0, 0.04) })
        {
            var errors = SigmaSamplerOrderTests.Strides.Select(d =>
            {
                RespacedSchedule plan = SigmaSamplerOrderTests.Chain(SigmaSamplerOrderTests.KarrasSchedule, d);
                var (m, variance) = Law(sampler, plan, mu, v);
                return (Steps: plan.Count, Error: W2(m, variance, mu, v));
            }).ToArray();
            foreach (var (n, e) in errors) output.WriteLine($"μ = {mu}, v = {v}: N = {n}, W₂ = {e:E3}");
            double order = SigmaSamplerOrderTests.Order(errors, 121);
            output.WriteLine($"order {order:F3}");
            Assert.True(Math.Abs(order - 1.0) <= 0.2, $"μ = {mu}, v = {v}: weak order {order:F3}, expected 1");
        }
    }

    [Fact]
    public void Dpmpp2MSde_OutputLaw_ApproachesTheDataLaw_AtWeakOrderTwo_AndBelowEulerAncestral()
    {
        // Measured over N = 121..721: 2.09, 2.03 and 2.42 (the smallest variance, v = 0.04, not yet asymptotic); the
        // exact W₂ is below Euler ancestral's at every N ≥ 25 (ten times below at N = 121).
        var sampler = new DpmSolverPlusPlus2MSdeSampler();
        foreach (var (mu, v) in new[] { (0.3, 0.25), (-0.5, 2.5), (1.0, 0.04) })
        {
            var errors = SigmaSamplerOrderTests.Strides.Select(d =>
            {
                RespacedSchedule plan = SigmaSamplerOrderTests.Chain(SigmaSamplerOrderTests.KarrasSchedule, d);
                var (m, variance) = Law(sampler, plan, mu, v);
                var (ma, va) = Law(new EulerAncestralSampler(), plan, mu, v);
                return (Steps: plan.Count, Error: W2(m, variance, mu, v), Ancestral: W2(ma, va, mu, v));
            }).ToArray();
            foreach (var e in errors) output.WriteLine($"μ = {mu}, v = {v}: N = {e.Steps}, W₂ = {e.Error:E3} (euler-ancestral {e.Ancestral:E3})");
            double order = SigmaSamplerOrderTests.Order(errors.Select(e => (e.Steps, e.Error)), 121);
            output.WriteLine($"order {order:F3}");
            Assert.True(order >= 1.8, $"μ = {mu}, v = {v}: weak order {order:F3}, expected 2");
            Assert.All(errors.Where(e => e.Steps >= 25), e => Assert.True(e.Error < e.Ancestral, $"N = {e.Steps}: W₂ {e.Error:E3} ≥ euler-ancestral's {e.Ancestral:E3}"));
        }
    }

    [Fact]
    public void EulerAncestral_WithEtaZero_IsEuler_AndItsStepSplitsTheVarianceExactly()
    {
        RespacedSchedule plan = RespacedSchedule.Uniform(CanonicalSchedules.Ddpm, 20);
        var (m0, v0) = Law(new EulerAncestralSampler(0.0), plan, 0.3, 0.5);
        var (m1, v1) = Law(new EulerSampler(), plan, 0.3, 0.5);
        Assert.Equal(m1, m0, 14);
        Assert.Equal(v1, v0, 14);
        var sampler = new EulerAncestralSampler(0.7);
        foreach (var (s, sNext) in new[] { (80.0, 79.99999), (1.0, 0.5), (0.02, 1e-9), (3.0, 0.0), (1.0f, 1.0f - 6e-8f) })
        {
            var (down, up) = sampler.AncestralStep(s, sNext);
            Assert.True(double.IsFinite(down) && double.IsFinite(up) && up <= sNext, $"σ = {s}, σ' = {sNext}: down {down}, up {up}");
            Assert.Equal(sNext * sNext, down * down + up * up, 1e-14 * Math.Max(1.0, sNext * sNext));
        }
    }

    [Fact]
    public void EulerAncestral_InFloat32_WithNearlyEqualSigmas_HasNoNaN_DiffusersIssue14213()
    {
        // A chain on every timestep of a long schedule has σ_{i−1}/σ_i within float32's rounding of 1 near the data; the
        // split is computed in double without a difference of squares, so σ_down never becomes √(negative).
        RespacedSchedule plan = RespacedSchedule.Full(NoiseSchedule.Linear(4000, 1e-6, 0.02));
        double[] x0 = SamplerEdgeCaseTests.Run<float>(SamplerRegistry.Find("euler-ancestral"), plan);
        Assert.All(x0, v => Assert.True(double.IsFinite(v)));
    }
}
