using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Sampling;

/// <summary>σ, λ, the σ grids, their quantisation onto timesteps and the preconditioning D = c_skip·x̃ + c_out·F(c_in·x̃).</summary>
public class SigmaSpaceTests
{
    [Property(MaxTest = 200)]
    public Property Sigma_SquaredIsOneMinusAlphaBarOverAlphaBar_AndLambdaIsMinusItsLog() => Prop.ForAll(Generators.ScheduleAndStep.ToArbitrary(), c =>
    {
        var (schedule, t) = c;
        double sigma = SigmaSpace.Sigma(schedule, t);
        Approx.Relative(schedule.OneMinusAlphaBar(t) / schedule.AlphaBar(t), sigma * sigma, 1e-14, "σ²");
        Approx.Absolute(-Math.Log(sigma), SigmaSpace.Lambda(schedule, t), 1e-12, "λ = −log σ");
        Approx.Relative(schedule.AlphaBar(t), SigmaSpace.AlphaBarOfSigma(sigma), 1e-13, "ᾱ = 1/(1 + σ²)");
    });

    [Fact]
    public void Sigma_IsZeroAtTheData_AndInfiniteAtZeroTerminalSnr()
    {
        Assert.Equal(0.0, SigmaSpace.Sigma(CanonicalSchedules.Ddpm, 0));
        NoiseSchedule zero = ZeroTerminalSnr.Rescale(CanonicalSchedules.Ddpm);
        Assert.Equal(double.PositiveInfinity, SigmaSpace.Sigma(zero, zero.Steps));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(1000)]
    public void KarrasSigmas_RunFromSigmaMaxToSigmaMin_ThenZero_EvenlyInSigmaToTheOneOverRho(int count)
    {
        double[] sigmas = SigmaSpace.KarrasSigmas(count, 0.002, 80.0, 7.0);
        Assert.Equal(count + 1, sigmas.Length);
        Assert.Equal(80.0, sigmas[0], 12);
        Assert.Equal(0.0, sigmas[^1]);
        if (count > 1) Assert.Equal(0.002, sigmas[count - 1], 14);
        for (int i = 1; i < count; i++)
        {
            Assert.True(sigmas[i] < sigmas[i - 1]);
            // Karras et al. 2022, eq. 5: σ^{1/ρ} is linear in i.
            double step = Math.Pow(sigmas[i], 1 / 7.0) - Math.Pow(sigmas[i - 1], 1 / 7.0);
            Approx.Absolute((Math.Pow(0.002, 1 / 7.0) - Math.Pow(80.0, 1 / 7.0)) / (count - 1), step, 1e-13, "Δσ^{1/ρ}");
        }
    }

    [Fact]
    public void ExponentialSigmas_HaveEqualStepsInLambda()
    {
        double[] sigmas = SigmaSpace.ExponentialSigmas(12, 0.01, 50.0);
        double h = Math.Log(sigmas[0] / sigmas[1]);
        for (int i = 1; i < 11; i++) Approx.Relative(h, Math.Log(sigmas[i] / sigmas[i + 1]), 1e-12, "h");
        Assert.Equal(0.0, sigmas[^1]);
        Approx.Relative(0.01, sigmas[11], 1e-14, "σ_min");
    }

    [Theory]
    [InlineData(1, 1.0)]
    [InlineData(2, 0.5)]
    [InlineData(9, 1.0)]
    [InlineData(40, 2.5)]
    public void PolyexponentialSigmas_DescendFromSigmaMaxToSigmaMin_ThenZero_AsAPowerRampInLogSigma(int count, double rho)
    {
        double[] sigmas = SigmaSpace.PolyexponentialSigmas(count, 0.002, 80.0, rho);
        Assert.Equal(count + 1, sigmas.Length);
        Assert.Equal(80.0, sigmas[0]);
        Assert.Equal(0.0, sigmas[^1]);
        if (count > 1) Assert.Equal(0.002, sigmas[^2]);
        for (int i = 1; i < count; i++) Assert.True(sigmas[i] < sigmas[i - 1], $"σ_{i} = {sigmas[i]} ≥ σ_{i - 1}");
        for (int i = 1; i < count - 1; i++)
        {
            // (log σ_i − log σ_min)/(log σ_max − log σ_min) = (1 − i/(n − 1))^ρ
            double ramp = (Math.Log(sigmas[i]) - Math.Log(0.002)) / (Math.Log(80.0) - Math.Log(0.002));
            Approx.Relative(Math.Pow(1.0 - i / (double)(count - 1), rho), ramp, 1e-13, $"ramp at {i}");
        }
    }

    [Fact]
    public void PolyexponentialSigmas_WithRhoOne_AreTheExponentialGrid()
    {
        double[] poly = SigmaSpace.PolyexponentialSigmas(25, 0.01, 50.0), exponential = SigmaSpace.ExponentialSigmas(25, 0.01, 50.0);
        for (int i = 0; i < poly.Length; i++) Approx.Relative(exponential[i], poly[i], 1e-14, $"σ_{i}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(30)]
    public void VpSigmas_AreTheVpSdesNoiseLevels_AtEquallySpacedTimes_ThenZero(int count)
    {
        // σ(t)² + 1 = exp(∫₀^t β(s) ds) with β(s) = β_min + β_d·s (Song et al. 2021b), at t_i equally spaced from 1 to ε_s.
        double[] sigmas = SigmaSpace.VpSigmas(count);
        Assert.Equal(count + 1, sigmas.Length);
        Assert.Equal(0.0, sigmas[^1]);
        Approx.Relative(Math.Sqrt(Math.Exp(19.9 / 2 + 0.1) - 1), sigmas[0], 1e-14, "σ at t = 1");
        for (int i = 1; i < count; i++) Assert.True(sigmas[i] < sigmas[i - 1], $"σ_{i} = {sigmas[i]} ≥ σ_{i - 1}");
        for (int i = 0; i < count; i++)
        {
            double t = count == 1 ? 1.0 : 1.0 + i * (1e-3 - 1.0) / (count - 1);
            Approx.Relative(0.5 * 19.9 * t * t + 0.1 * t, Math.Log(1.0 + sigmas[i] * sigmas[i]), 1e-12, $"∫β at t = {t}");
        }
        // no cancellation at tiny t: σ² = β_min·t + O(t²)
        double[] tiny = SigmaSpace.VpSigmas(2, epsilonS: 1e-12);
        Approx.Relative(0.1 * 1e-12, tiny[1] * tiny[1], 1e-9, "σ² at t = 1e-12");
    }

    /// <summary>
    /// scipy.stats.beta.ppf(p, α, β) independently of the core: MathNet's Beta.InvCDF (a root of its own I_x, to 1e-12 in x)
    /// polished by two Newton steps on MathNet's BetaRegularized and Beta.PDF (quadratic: the error squares each step).
    /// </summary>
    private static double ReferenceBetaQuantile(double p, double alpha, double beta)
    {
        if (p is 0.0 or 1.0) return p;
        double x = MathNet.Numerics.Distributions.Beta.InvCDF(alpha, beta, p);
        for (int k = 0; k < 2; k++)
            x -= (MathNet.Numerics.SpecialFunctions.BetaRegularized(alpha, beta, x) - p) / MathNet.Numerics.Distributions.Beta.PDF(alpha, beta, x);
        return x;
    }

    [Theory]
    [InlineData(2, 0.6, 0.6)]
    [InlineData(3, 0.6, 0.6)]
    [InlineData(10, 0.6, 0.6)]
    [InlineData(50, 0.6, 0.6)]
    [InlineData(1000, 0.6, 0.6)]
    [InlineData(25, 2.0, 0.5)]
    [InlineData(25, 0.3, 4.0)]
    public void BetaSigmas_AreDiffusersConvertToBeta_InFloat64(int count, double alpha, double beta)
    {
        // diffusers' _convert_to_beta: σ_min + ppf(1 − linspace(0, 1, n)[i], α, β)·(σ_max − σ_min), then the final 0
        // (final_sigmas_type = "zero"); σ_min, σ_max the schedule's own, as --sigmas beta takes them.
        double sigmaMin = SigmaSpace.Sigma(CanonicalSchedules.Ddpm, 1), sigmaMax = SigmaSpace.Sigma(CanonicalSchedules.Ddpm, 1000);
        double[] sigmas = SigmaSpace.BetaSigmas(count, sigmaMin, sigmaMax, alpha, beta);
        Assert.Equal(count + 1, sigmas.Length);
        Assert.Equal(0.0, sigmas[^1]);
        Assert.Equal(sigmaMax, sigmas[0]);
        Assert.Equal(sigmaMin, sigmas[count - 1]);
        double step = 1.0 / (count - 1);
        for (int i = 0; i < count; i++)
        {
            double expected = sigmaMin + ReferenceBetaQuantile(1.0 - (i == count - 1 ? 1.0 : i * step), alpha, beta) * (sigmaMax - sigmaMin);
            Approx.Relative(expected, sigmas[i], 1e-12, $"σ_{i} of {count}, Beta({alpha}, {beta})");
        }
        for (int i = 1; i < count; i++) Assert.True(sigmas[i] < sigmas[i - 1], $"σ_{i} = {sigmas[i]:R} ≥ σ_{i - 1} = {sigmas[i - 1]:R}");
    }

    [Fact]
    public void BetaSigmas_OfOneLevel_AreSigmaMaxThenZero_AndOfAUniformLawAreLinearInSigma()
    {
        Assert.Equal([80.0, 0.0], SigmaSpace.BetaSigmas(1, 0.002, 80.0));
        Assert.Equal([80.0, 0.002, 0.0], SigmaSpace.BetaSigmas(2, 0.002, 80.0));
        // Beta(1, 1) is uniform: I⁻¹_p = p, so the grid is evenly spaced in σ
        double[] uniform = SigmaSpace.BetaSigmas(9, 0.5, 8.5, 1.0, 1.0);
        for (int i = 0; i < 9; i++) Approx.Relative(8.5 - i, uniform[i], 1e-15, $"σ_{i}");
        // α = β: the quantiles are symmetric about ½, so σ_i + σ_{n−1−i} = σ_min + σ_max
        double[] symmetric = SigmaSpace.BetaSigmas(12, 0.03, 14.6);
        for (int i = 0; i < 12; i++) Approx.Relative(14.63, symmetric[i] + symmetric[11 - i], 1e-14, $"σ_{i} + σ_{11 - i}");
        // α = β = 0.6 is U-shaped: the levels crowd both ends (the first and last gaps are the smallest of the inner ones)
        double[] gaps = symmetric[..12].Zip(symmetric[1..12], (a, b) => a - b).ToArray();
        Assert.True(gaps[0] < gaps[5] && gaps[^1] < gaps[5], $"gaps {string.Join(", ", gaps)}");
        Assert.Contains("alpha", Assert.Throws<ArgumentOutOfRangeException>(() => SigmaSpace.BetaSigmas(5, 0.1, 1.0, alpha: 0.0)).Message);
        Assert.Contains("beta", Assert.Throws<ArgumentOutOfRangeException>(() => SigmaSpace.BetaSigmas(5, 0.1, 1.0, beta: double.PositiveInfinity)).Message);
        Assert.Contains("sigmaMax", Assert.Throws<ArgumentOutOfRangeException>(() => SigmaSpace.BetaSigmas(5, 0.1, 0.05)).Message);
    }

    [Fact]
    public void ScheduleOfSigmas_HasExactlyThoseNoiseLevelsAtItsTimesteps()
    {
        double[] levels = [0.01, 0.1, 0.5, 2.0, 30.0, 200.0];
        NoiseSchedule schedule = SigmaSpace.ScheduleOfSigmas(levels);
        for (int t = 1; t <= levels.Length; t++) Approx.Relative(levels[t - 1], SigmaSpace.Sigma(schedule, t), 1e-13, $"σ_{t}");
        Assert.Throws<ArgumentException>(() => SigmaSpace.ScheduleOfSigmas([0.5, 0.5]));
    }

    [Fact]
    public void NearestTimesteps_KeepsACollidingTimestepOnce_DiffusersIssue5687()
    {
        // 200 Karras levels on a 1000-step schedule: near σ_min the levels are closer than the schedule's own steps and
        // round onto the same timesteps; each is kept once and is the nearest in log σ to some requested level.
        NoiseSchedule schedule = CanonicalSchedules.Ddpm;
        double[] sigmas = SigmaSpace.KarrasSigmas(200, SigmaSpace.Sigma(schedule, 1), SigmaSpace.Sigma(schedule, 1000));
        RespacedSchedule plan = SigmaSpace.NearestTimesteps(schedule, sigmas);
        Assert.True(plan.Count < 200, $"expected collisions, got {plan.Count} distinct timesteps");
        Assert.Equal(1, plan.Timesteps[0]);
        Assert.Equal(1000, plan.Timesteps[^1]);
        Assert.Equal(plan.Count, plan.Timesteps.Distinct().Count());
        foreach (int t in plan.Timesteps)
        {
            double best = sigmas[..^1].Min(s => Math.Abs(Math.Log(s) - Math.Log(SigmaSpace.Sigma(schedule, t))));
            Assert.True(best <= 0.5 * Math.Abs(Math.Log(SigmaSpace.Sigma(schedule, Math.Min(t + 1, 1000)) / SigmaSpace.Sigma(schedule, Math.Max(t - 1, 1)))) + 1e-12, $"t = {t} is nearest to no requested σ");
        }
        // and every sampler runs on it without a NaN
        foreach (SamplerEntry entry in SamplerRegistry.All) Assert.All(SamplerEdgeCaseTests.Run(entry, plan), v => Assert.True(double.IsFinite(v)));
    }

    [Property(MaxTest = 300)]
    public Property Preconditioning_OfEachTarget_GivesTheDenoisedValueOfThePredictionConversions() => Prop.ForAll(
        (from level in DiffusionGenerators.NoiseLevels
         from target in DiffusionGenerators.Targets
         from xt in Generators.NoisyValue
         from prediction in Generators.NoisyValue
         select (level, target, xt, prediction)).ToArbitrary(),
        sample =>
        {
            var (level, target, xt, prediction) = sample;
            // x̃ = x_t/√ᾱ and σ = √(1 − ᾱ)/√ᾱ: D(x̃; σ) must be the x̂_0 that DDPM eq. 4 / Salimans & Ho 2022 give.
            double sigma = level.SqrtOneMinusAlphaBar / level.SqrtAlphaBar, xTilde = xt / level.SqrtAlphaBar;
            Preconditioning c = SigmaSpace.PreconditioningOf(target, sigma);
            Approx.Relative(level.SqrtAlphaBar, c.CIn, 1e-13, "c_in = 1/√(1 + σ²) = √ᾱ");
            double expected = PredictionConversions.ToX0(target, prediction, xt, level);
            Approx.Absolute(expected, c.Denoised(xTilde, prediction), 1e-11 * (1.0 + Math.Abs(xTilde) + sigma * Math.Abs(prediction)), $"{target}: D");
        });

    [Fact]
    public void Preconditioning_OfV_DividesByOnePlusSigmaSquared_NotItsSquareRoot()
    {
        // The bug named in issue 11: v-prediction's c_skip is 1/(σ² + 1) (Salimans & Ho 2022; Karras et al. 2022, Table 1).
        Preconditioning c = SigmaSpace.PreconditioningOf(PredictionTarget.V, 3.0);
        Assert.Equal(0.1, c.CSkip, 15);
        Assert.Equal(-3.0 / Math.Sqrt(10.0), c.COut, 15);
    }

    [Property(MaxTest = 200)]
    public Property EdmPreconditioning_HasUnitInputVariance_AndSkipPlusOutputSquaredIsOne() => Prop.ForAll(
        Generators.LogUniform(1e-3, 1e3).ToArbitrary(), Generators.LogUniform(0.05, 5).ToArbitrary(), (sigma, sigmaData) =>
        {
            Preconditioning c = SigmaSpace.EdmPreconditioning(sigma, sigmaData);
            Approx.Relative(1.0, c.CIn * c.CIn * (sigma * sigma + sigmaData * sigmaData), 1e-14, "c_in²(σ² + σ_d²)");
            Approx.Relative(1.0, c.CSkip + c.COut * c.COut / (sigmaData * sigmaData), 1e-14, "c_skip + c_out²/σ_d²");
        });

    [Fact]
    public void BadGrids_AreRefused_NamingTheValue()
    {
        Assert.Contains("sigmaMin", Assert.Throws<ArgumentOutOfRangeException>(() => SigmaSpace.KarrasSigmas(5, 0.0, 80.0)).Message);
        Assert.Contains("rho", Assert.Throws<ArgumentOutOfRangeException>(() => SigmaSpace.KarrasSigmas(5, 0.1, 80.0, -1.0)).Message);
        Assert.Contains("sigmaMax", Assert.Throws<ArgumentOutOfRangeException>(() => SigmaSpace.ExponentialSigmas(5, 1.0, 0.5)).Message);
        Assert.Contains("rho", Assert.Throws<ArgumentOutOfRangeException>(() => SigmaSpace.PolyexponentialSigmas(5, 0.1, 80.0, 0.0)).Message);
        Assert.Contains("epsilonS", Assert.Throws<ArgumentOutOfRangeException>(() => SigmaSpace.VpSigmas(5, epsilonS: 0.0)).Message);
        Assert.Contains("betaD", Assert.Throws<ArgumentOutOfRangeException>(() => SigmaSpace.VpSigmas(5, betaD: double.NaN)).Message);
        Assert.Throws<ArgumentException>(() => SigmaSpace.NearestTimesteps(CanonicalSchedules.Ddpm, [0.0]));
    }
}
