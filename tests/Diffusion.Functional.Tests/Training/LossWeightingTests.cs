using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Schedules;
using Diffusion.Functional.Tests.Support;
using Diffusion.Functional.Training;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Training;

/// <summary>
/// The loss weightings as weights on the ε-MSE: the MSE identities between ε, x_0 and v, each weighting's published form
/// in its own parameterisation, positivity, monotonicity in SNR (so in t) and the limits.
/// </summary>
public class LossWeightingTests
{
    private const double U = 1.1102230246251565e-16; // 2⁻⁵³, the unit roundoff of double

    private static readonly LossWeighting[] All =
    [
        LossWeighting.EpsilonMse, LossWeighting.X0Mse, LossWeighting.VMse, LossWeighting.MinSnr(), LossWeighting.MinSnr(1.0),
        LossWeighting.P2(), LossWeighting.P2(0.5), LossWeighting.Edm(), LossWeighting.Edm(1.0),
    ];

    /// <summary>SNR log-uniform from 1e-9 to 1e9 (the DDPM schedule spans 4e-5 … 1e4).</summary>
    private static readonly Gen<double> Snrs = Generators.LogUniform(1e-9, 1e9);

    /// <summary>A noise level, x_0 ∈ [−1, 1], ε ∈ [−3, 3] and an error δ = ε̂ − ε with 0.01 ≤ |δ| ≤ 1 per pixel.</summary>
    private static readonly Gen<(NoiseLevel Level, Image X0, Image Epsilon, Image Delta)> Predictions =
        from level in DiffusionGenerators.NoiseLevels
        from x0 in Generators.Images(-1, 1)
        from eps in Gen.ArrayOf(Generators.Uniform(-3, 3), x0.PixelCount)
        from magnitude in Gen.ArrayOf(Generators.LogUniform(0.01, 1.0), x0.PixelCount)
        from sign in Gen.ArrayOf(Gen.Elements(-1.0, 1.0), x0.PixelCount)
        select (level, x0, Image.FromPixels(x0.Width, x0.Height, eps),
            Image.FromPixels(x0.Width, x0.Height, magnitude.Zip(sign, (m, s) => m * s).ToArray()));

    [Property(MaxTest = 300)]
    public Property MseOfX0AndV_IsTheEpsilonMseTimesTheRatio_ExactlyToRounding() => Prop.ForAll(Predictions.ToArbitrary(), c =>
    {
        // x_t = a·x_0 + s·ε; ε̂ = ε + δ; x̂_0 and v̂ by the library's conversions; v = a·ε − s·x_0 (Salimans & Ho 2022).
        double a = c.Level.SqrtAlphaBar, s = c.Level.SqrtOneMinusAlphaBar, snr = a * a / (s * s);
        Image xt = Image.Combine(a, c.X0, s, c.Epsilon);
        Image epsHat = Image.Combine(1.0, c.Epsilon, 1.0, c.Delta);
        var prediction = new Prediction(PredictionTarget.Epsilon, epsHat);
        Image x0Hat = PredictionConversions.ToX0(prediction, xt, c.Level);
        Image vHat = PredictionConversions.ToV(prediction, xt, c.Level);
        Image v = Image.Combine(a, c.Epsilon, -s, c.X0);
        double epsMse = TrainingLoss.MeanSquaredError(epsHat, c.Epsilon);

        // Rounding: x̂_0 = (x_t − s·ε̂)/a is within ~4u·(|x_t| + s|ε̂|)/a of exact while x̂_0 − x_0 = −(s/a)·δ, so the pixel's
        // relative error is ≤ 4u·(|x_t| + s|ε̂| + a|x_0|)/(s|δ|) (x_t itself carries 2u·(a|x_0| + s|ε|)); v̂ − v = δ/a likewise
        // with 4u·(|ε̂| + s|x_t| + a|ε| + s|x_0|)/|δ|. A squared error doubles it; δ = ε̂ − ε adds 2u|ε̂|/|δ|. 4× margin.
        double x0Tol = 0, vTol = 0;
        for (int p = 0; p < xt.PixelCount; p++)
        {
            double d = Math.Abs(c.Delta.Pixels[p]);
            double common = 2 * U * (Math.Abs(epsHat.Pixels[p]) + Math.Abs(c.Epsilon.Pixels[p])) / d;
            x0Tol = Math.Max(x0Tol, 4 * (2 * 6 * U * (Math.Abs(xt.Pixels[p]) + s * Math.Abs(epsHat.Pixels[p]) + a * Math.Abs(c.X0.Pixels[p])) / (s * d) + common));
            vTol = Math.Max(vTol, 4 * (2 * 6 * U * (Math.Abs(epsHat.Pixels[p]) + s * Math.Abs(xt.Pixels[p]) + a * Math.Abs(c.Epsilon.Pixels[p]) + s * Math.Abs(c.X0.Pixels[p])) / d + common));
        }
        double x0Ratio = TrainingLoss.MeanSquaredError(x0Hat, c.X0) / (epsMse * TrainingLoss.MseRatio(PredictionTarget.X0, snr));
        double vRatio = TrainingLoss.MeanSquaredError(vHat, v) / (epsMse * TrainingLoss.MseRatio(PredictionTarget.V, snr));
        Assert.True(Math.Abs(x0Ratio - 1) <= x0Tol + 8 * U, $"{c.Level}: x_0-MSE/(ε-MSE/SNR) = 1 + {x0Ratio - 1:E3} (allowed {x0Tol:E2})");
        Assert.True(Math.Abs(vRatio - 1) <= vTol + 8 * U, $"{c.Level}: v-MSE/(ε-MSE·(1 + 1/SNR)) = 1 + {vRatio - 1:E3} (allowed {vTol:E2})");
        Assert.Equal(1.0, TrainingLoss.MseRatio(PredictionTarget.Epsilon, snr));
    });

    [Property(MaxTest = 300)]
    public Property EachWeighting_InItsOwnParameterisation_IsThePublishedFormula() => Prop.ForAll(Snrs.ToArbitrary(), snr =>
    {
        // A weight on the target's MSE is w/r; three operations each within u, so 8u relative.
        static void Near(double expected, double actual, string what) =>
            Assert.True(Math.Abs(actual - expected) <= 8 * U * Math.Abs(expected), $"{what}: {actual:R}, expected {expected:R}");
        const double gamma = 5.0;
        Near(Math.Min(snr, gamma), LossWeighting.MinSnr(gamma).TargetWeight(PredictionTarget.X0, snr), $"min-SNR on x_0 at SNR {snr}");          // Hang et al. 2023
        Near(Math.Min(snr, gamma) / (snr + 1), LossWeighting.MinSnr(gamma).TargetWeight(PredictionTarget.V, snr), $"min-SNR on v at SNR {snr}");
        double sigma = 1 / Math.Sqrt(snr);
        Near(LossWeighting.EdmLambda(sigma), LossWeighting.Edm().TargetWeight(PredictionTarget.X0, snr), $"EDM λ(σ) at σ = {sigma}");             // Table 1, "Ours"
        Near(1 / (sigma * sigma), LossWeighting.EpsilonMse.TargetWeight(PredictionTarget.X0, snr), $"VP's λ(σ) = 1/σ² at σ = {sigma}");          // Table 1, VP
        Near(1.0, LossWeighting.X0Mse.TargetWeight(PredictionTarget.X0, snr), "x_0-MSE on x_0");
        Near(1.0, LossWeighting.VMse.TargetWeight(PredictionTarget.V, snr), "v-MSE on v");
        Near(1 / (1 + snr), LossWeighting.P2().EpsilonWeight(snr), "P2 γ = 1, k = 1");                                                           // Choi et al. 2022
        foreach (LossWeighting w in All) Near(w.EpsilonWeight(snr), w.TargetWeight(PredictionTarget.Epsilon, snr), $"{w} on ε");
    });

    [Fact]
    public void EdmLambda_IsTable1sFormula_AtSigmaData()
    {
        // λ(σ_data) = 2σ²/σ⁴ = 2/σ_data²: 8 for σ_data = 0.5; and λ·c_out² = 1 with c_out = σ·σ_data/√(σ² + σ_data²) (Table 1).
        Assert.Equal(8.0, LossWeighting.EdmLambda(0.5), 15);
        foreach (double sigma in new[] { 0.002, 0.1, 1.0, 80.0 })
        {
            double cOut = sigma * 0.5 / Math.Sqrt(sigma * sigma + 0.25);
            Assert.Equal(1.0, LossWeighting.EdmLambda(sigma) * cOut * cOut, 14);
        }
    }

    [Property(MaxTest = 300)]
    public Property EveryWeighting_IsPositiveAndFinite_AndNonIncreasingInSnr() => Prop.ForAll(Snrs.ToArbitrary(), Snrs.ToArbitrary(), (p, q) =>
    {
        double lo = Math.Min(p, q), hi = Math.Max(p, q);
        foreach (LossWeighting w in All)
        {
            double wLo = w.EpsilonWeight(lo), wHi = w.EpsilonWeight(hi);
            Assert.True(double.IsFinite(wLo) && wLo > 0 && double.IsFinite(wHi) && wHi > 0, $"{w}: w({lo}) = {wLo}, w({hi}) = {wHi}");
            Assert.True(wLo >= wHi, $"{w} increases with SNR: w({lo}) = {wLo:R} < w({hi}) = {wHi:R}");
        }
    });

    [Theory]
    [InlineData(ScheduleKind.Linear)]
    [InlineData(ScheduleKind.Cosine)]
    public void OnASchedule_EveryWeighting_IsNonDecreasingInT(ScheduleKind kind)
    {
        // SNR(t) falls with t on every schedule, so a weighting non-increasing in SNR is non-decreasing in t.
        NoiseSchedule schedule = kind == ScheduleKind.Linear ? CanonicalSchedules.Ddpm : NoiseSchedule.Cosine(1000);
        foreach (LossWeighting w in All)
            for (int t = 2; t <= schedule.Steps; t++)
                Assert.True(w.EpsilonWeight(schedule, t) >= w.EpsilonWeight(schedule, t - 1), $"{w} on {schedule}: w({t}) < w({t - 1})");
    }

    [Fact]
    public void Limits_AreTheDocumentedOnes()
    {
        // min-SNR-γ is L_simple up to SNR = γ and γ/SNR above; at SNR = 0 it stays 1 while x_0-, v-MSE and EDM diverge.
        foreach (double snr in new[] { 0.0, 1e-12, 0.3, 4.999, 5.0 }) Assert.Equal(1.0, LossWeighting.MinSnr(5).EpsilonWeight(snr));
        Assert.Equal(5.0 / 7.0, LossWeighting.MinSnr(5).EpsilonWeight(7.0));
        Assert.Equal(double.PositiveInfinity, LossWeighting.X0Mse.EpsilonWeight(0.0));
        Assert.Equal(double.PositiveInfinity, LossWeighting.VMse.EpsilonWeight(0.0));
        Assert.Equal(double.PositiveInfinity, LossWeighting.Edm().EpsilonWeight(0.0));
        // P2 with γ = 0 is L_simple; P2 tends to k^−γ as SNR → 0 and to SNR^−γ as SNR → ∞.
        foreach (double snr in new[] { 0.0, 1e-6, 1.0, 1e6 }) Assert.Equal(1.0, LossWeighting.P2(0.0).EpsilonWeight(snr));
        Assert.Equal(0.5, LossWeighting.P2(1.0, 2.0).EpsilonWeight(0.0));
        Assert.Equal(1e-8, LossWeighting.P2(1.0, 1.0).EpsilonWeight(1e8), 1e-15);
        // EDM tends to L_simple as σ → 0 (SNR → ∞): w − 1 = 1/(SNR·σ_data²); v-MSE tends to ε-MSE the same way. w = 1 + x
        // is rounded to the double grid next to 1, so w − 1 is x within half an ulp of 1 (u).
        Assert.Equal(4e-8, LossWeighting.Edm().EpsilonWeight(1e8) - 1.0, U);
        Assert.Equal(1e-8, LossWeighting.VMse.EpsilonWeight(1e8) - 1.0, U);
    }

    [Fact]
    public void BadArguments_NameTheValueAndTheAllowedRange()
    {
        Assert.Contains("gamma", Assert.ThrowsAny<ArgumentException>(() => LossWeighting.MinSnr(0.0)).Message);
        Assert.Contains("gamma", Assert.ThrowsAny<ArgumentException>(() => LossWeighting.P2(-1.0)).Message);
        Assert.Contains("k", Assert.ThrowsAny<ArgumentException>(() => LossWeighting.P2(1.0, 0.0)).Message);
        Assert.Contains("sigmaData", Assert.ThrowsAny<ArgumentException>(() => LossWeighting.Edm(double.NaN)).Message);
        Assert.Contains("≥ 0", Assert.ThrowsAny<ArgumentException>(() => LossWeighting.EpsilonMse.EpsilonWeight(-1.0)).Message);
        Assert.Contains("finite", Assert.ThrowsAny<ArgumentException>(() => LossWeighting.P2().EpsilonWeight(double.PositiveInfinity)).Message);
        Assert.ThrowsAny<ArgumentException>(() => LossWeighting.Edm().TargetWeight(PredictionTarget.X0, 0.0));
        Assert.ThrowsAny<ArgumentException>(() => TrainingLoss.MseRatio((PredictionTarget)7, 1.0));
    }
}
