using Diffusion.Functional.Schedules;
using Diffusion.Functional.Tests.Support;

namespace Diffusion.Functional.Tests.Schedules;

/// <summary>Schedules against reference values whose provenance each test names.</summary>
public class NoiseScheduleReferenceTests
{
    [Fact]
    public void Linear_SeedSchedule_HasAlphaBarAtTheLastStepOf0_1322()
    {
        // Provenance: the seed notebook prints "Alpha bar at last step: 0.1322" for linspace(1e-4, 0.02, 200)
        // (float32 torch.cumprod). Our double value must round to the same four decimals.
        NoiseSchedule seed = NoiseSchedule.Linear(200, 1e-4, 0.02);
        Assert.Equal(0.1322, Math.Round(seed.AlphaBar(200), 4));
    }

    [Fact]
    public void Linear_SeedSchedule_MatchesAnIndependentDecimalComputation()
    {
        // Provenance: System.Decimal (96-bit significand, ~28 digits) evaluates the same definition,
        // β_i = 1e-4 + (0.02 − 1e-4)·(i − 1)/199 and ᾱ_t = ∏(1 − β_i), with an error near 1e-26. The double schedule
        // differs only through the rounding of its inputs (relative 1e-16) and its own roundoff, a random walk of at
        // most 200 roundings (typically √200·2⁻⁵³ ≈ 1.6e-15), so 1e-14 relative leaves a margin; it must also hold for
        // 1 − ᾱ_t near t = 1, where a naive 1 − cumprod loses digits (relative error ≈ 1e-16/β_1 = 1e-12 there).
        NoiseSchedule schedule = NoiseSchedule.Linear(200, 1e-4, 0.02);
        decimal alphaBar = 1m;
        for (int t = 1; t <= 200; t++)
        {
            decimal beta = 0.0001m + 0.0199m * (t - 1) / 199m;
            alphaBar *= 1m - beta;
            Approx.Relative((double)beta, schedule.Beta(t), 1e-15, $"β_{t}");
            Approx.Relative((double)alphaBar, schedule.AlphaBar(t), 1e-14, $"ᾱ_{t}");
            Approx.Relative((double)(1m - alphaBar), schedule.OneMinusAlphaBar(t), 1e-14, $"1 − ᾱ_{t}");
        }
    }

    [Fact]
    public void Cosine_MatchesTheNaiveRatioOfSquaredCosines()
    {
        // Provenance: improved-diffusion's betas_for_alpha_bar, evaluated here independently as
        // min(1 − f(t)/f(t − 1), 0.999) with f(t) = cos²((t/T + s)/(1 + s)·π/2). The naive ratio cancels: at t = 1
        // (β ≈ 4e-5 for T = 1000) it keeps about 1e-16/4e-5 = 3e-12 relative accuracy, so 1e-9 bounds both.
        const int steps = 1000;
        const double s = 0.008;
        NoiseSchedule schedule = NoiseSchedule.Cosine(steps);
        double F(int t) => Math.Pow(Math.Cos(((double)t / steps + s) / (1 + s) * Math.PI / 2), 2);
        for (int t = 1; t <= steps; t++)
            Approx.Relative(Math.Min(1 - F(t) / F(t - 1), 0.999), schedule.Beta(t), 1e-9, $"cosine β_{t}");
        Assert.Equal(0.999, schedule.Beta(steps));
    }

    [Fact]
    public void ScaledLinear_And_Sigmoid_FollowDiffusersDefinitions()
    {
        // Provenance: diffusers' DDPMScheduler, beta_schedule "scaled_linear" = linspace(√β0, √β1, T)², and
        // "sigmoid" = sigmoid(linspace(−6, 6, T))·(β1 − β0) + β0, evaluated here in closed form per index.
        const int steps = 50;
        NoiseSchedule scaled = NoiseSchedule.ScaledLinear(steps, 0.00085, 0.012);
        NoiseSchedule sigmoid = NoiseSchedule.Sigmoid(steps, 1e-4, 0.02);
        for (int t = 1; t <= steps; t++)
        {
            double fraction = (t - 1) / (double)(steps - 1);
            double root = Math.Sqrt(0.00085) + (Math.Sqrt(0.012) - Math.Sqrt(0.00085)) * fraction;
            Approx.Relative(root * root, scaled.Beta(t), 1e-14, $"scaled-linear β_{t}");
            double x = -6 + 12 * fraction;
            Approx.Relative(1 / (1 + Math.Exp(-x)) * (0.02 - 1e-4) + 1e-4, sigmoid.Beta(t), 1e-14, $"sigmoid β_{t}");
        }
    }

    [Fact]
    public void Linear_WithOneStep_IsTheStartBeta()
    {
        NoiseSchedule schedule = NoiseSchedule.Linear(1, 0.01, 0.02);
        Assert.Equal(0.01, schedule.Beta(1));
        Assert.Equal(Math.Log(0.01), schedule.PosteriorLogVarianceClipped(1));
    }

    [Fact]
    public void FromBetas_KeepsTheGivenBetas_AndEqualityIsByValue()
    {
        double[] betas = [0.1, 0.2, 0.3];
        NoiseSchedule a = NoiseSchedule.FromBetas(betas), b = NoiseSchedule.FromBetas([0.1, 0.2, 0.3]);
        Assert.Equal(betas, a.Betas());
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, NoiseSchedule.FromBetas([0.1, 0.2, 0.31]));
        Approx.Relative(0.9 * 0.8 * 0.7, a.AlphaBar(3), 1e-15, "ᾱ_3");
    }
}
