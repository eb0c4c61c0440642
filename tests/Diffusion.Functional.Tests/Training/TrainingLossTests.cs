using Diffusion.Functional.Images;
using Diffusion.Functional.Likelihood;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;
using Diffusion.Functional.Tests.Support;
using Diffusion.Functional.Training;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Training;

/// <summary>
/// The bound's terms as a weighting of the ε-MSE (DDPM eq. 12) and improved DDPM's hybrid loss: checked against the
/// existing <see cref="VariationalBound"/> terms on random predictions.
/// </summary>
public class TrainingLossTests
{
    private const double U = 1.1102230246251565e-16;

    /// <summary>A chain with ≥ 2 steps, a step of it with a previous step, x_0 ∈ [−1, 1], a seed, and 0.01 ≤ |δ| ≤ 1 per pixel.</summary>
    private static readonly Gen<(RespacedSchedule Plan, ReverseStep Step, Image X0, ulong Seed, double[] Delta)> Cases =
        from plan in SamplingGenerators.Plans.Where(p => p.Count >= 2)
        from index in Gen.Choose(2, plan.Count)
        from x0 in Generators.Images(-1, 1)
        from seed in Gen.Choose(0, 1_000_000)
        from magnitude in Gen.ArrayOf(Generators.LogUniform(0.01, 1.0), x0.PixelCount)
        from sign in Gen.ArrayOf(Gen.Elements(-1.0, 1.0), x0.PixelCount)
        select (plan, plan.Step(index), x0, (ulong)seed, magnitude.Zip(sign, (m, s) => m * s).ToArray());

    /// <summary>x_t = √ᾱ·x_0 + s·ε at the case's step, an ε-model off by δ there, and that model's transition term in nats.</summary>
    private static (Image Eps, Image Xt, Image EpsHat, double Nats) OffByDelta((RespacedSchedule Plan, ReverseStep Step, Image X0, ulong Seed, double[] Delta) c)
    {
        NoiseSchedule original = c.Plan.Original;
        int tau = c.Step.Timestep;
        Image eps = NoiseImage.StandardNormalLike(NoiseKey.FromSeed(c.Seed), c.X0);
        Image xt = Image.Combine(original.SqrtAlphaBar(tau), c.X0, original.SqrtOneMinusAlphaBar(tau), eps);
        Image epsHat = Image.Combine(1.0, eps, 1.0, Image.FromPixels(c.X0.Width, c.X0.Height, c.Delta));
        Denoiser model = Denoiser.Create(original, PredictionTarget.Epsilon, (x, t) => epsHat);
        return (eps, xt, epsHat, VariationalBound.TransitionTerm(c.Plan, model, new DdpmSampler(DdpmVariance.FixedSmall), c.Step, c.X0, xt));
    }

    [Property(MaxTest = 200)]
    public Property TransitionTerm_OfAFixedSmallEpsilonModel_IsTheVlbWeightTimesTheSquaredError() => Prop.ForAll(Cases.ToArbitrary(), c =>
    {
        // An ε-model that is off by δ at this x_t: L_{i−1} = KL(q ‖ p_θ) = Σ (μ̃ − μ_θ)²/(2β̃) = w_vlb·Σ δ² (DDPM eq. 12).
        NoiseSchedule original = c.Plan.Original;
        var (eps, xt, epsHat, nats) = OffByDelta(c);
        double squared = TrainingLoss.MeanSquaredError(epsHat, eps) * c.X0.PixelCount;
        double w = TrainingLoss.VlbEpsilonWeight(c.Plan, c.Step);

        // Rounding: both means are sums of terms of size M_p = |μ̃_p| + |x_t,p|/√α_i + |x_0,p| (the model's mean goes
        // through x̂_0 = (x_t − s·ε̂)/a, whose error u·|x_t|/a enters μ_θ times c_0 = √ᾱ_{i−1}β_i/(1 − ᾱ_i)), while their
        // difference is Δμ_p = β_i·δ_p/(√α_i·s). Each of the ≤ 10 operations rounds by u: relative error per pixel
        // ≤ 10u·(M_p + c_0·(|x_t| + s|ε̂|)/a)/|Δμ_p|, doubled by the square; δ = ε̂ − ε adds 2u|ε̂|/|δ|. 4× margin.
        NoiseSchedule chain = c.Plan.Schedule;
        int i = c.Step.Index;
        double a = chain.SqrtAlphaBar(i), s = chain.SqrtOneMinusAlphaBar(i), c0 = chain.PosteriorMeanCoefX0(i);
        double tol = 0;
        for (int p = 0; p < xt.PixelCount; p++)
        {
            double dMu = chain.Beta(i) * Math.Abs(c.Delta[p]) / (Math.Sqrt(chain.Alpha(i)) * s);
            double magnitude = Math.Abs(xt.Pixels[p]) / Math.Sqrt(chain.Alpha(i)) + Math.Abs(c.X0.Pixels[p]) + c0 * (Math.Abs(xt.Pixels[p]) + s * Math.Abs(epsHat.Pixels[p])) / a;
            tol = Math.Max(tol, 4 * (2 * 10 * U * magnitude / dMu + 2 * U * Math.Abs(epsHat.Pixels[p]) / Math.Abs(c.Delta[p])));
        }
        double ratio = nats / (w * squared);
        Assert.True(Math.Abs(ratio - 1) <= tol + 16 * U, $"{c.Plan}, step {c.Step}: L/(w·Σδ²) = 1 + {ratio - 1:E3} (allowed {tol:E2})");
    });

    [Property(MaxTest = 300)]
    public Property VlbWeight_IsHalfTheSnrRatioMinusOne_AndDdpmEq12sCoefficient() => Prop.ForAll(
        SamplingGenerators.Plans.Where(p => p.Count >= 2).ToArbitrary(), plan =>
        {
            NoiseSchedule chain = plan.Schedule;
            foreach (ReverseStep step in plan.Steps().Where(s => !s.ProducesData))
            {
                int i = step.Index;
                double w = TrainingLoss.VlbEpsilonWeight(plan, step);
                // ½(SNR(τ_{i−1})/SNR(τ_i) − 1) cancels when the ratio r is near 1: its relative error is ≤ 6u·r/(r − 1).
                double r = chain.Snr(i - 1) / chain.Snr(i);
                double vdm = 0.5 * (r - 1);
                Assert.True(Math.Abs(w - vdm) <= 4 * (6 * U * r / (r - 1) + 6 * U) * w, $"{plan}, step {step}: {w:R} vs ½(r − 1) = {vdm:R}, r = {r:R}");
                // DDPM eq. 12 with σ² = β̃_i: β_i²/(2σ²·α_i·(1 − ᾱ_i)).
                double eq12 = chain.Beta(i) * chain.Beta(i) / (2 * chain.PosteriorVariance(i) * chain.Alpha(i) * chain.OneMinusAlphaBar(i));
                Assert.True(Math.Abs(w - eq12) <= 16 * U * w, $"{plan}, step {step}: {w:R} vs DDPM eq. 12 {eq12:R}");
                Assert.True(w > 0 && double.IsFinite(w));
            }
        });

    [Property(MaxTest = 100)]
    public Property Hybrid_OfAFixedSmallModel_IsItsEpsilonWeightTimesTheMse() => Prop.ForAll(Cases.ToArbitrary(), c =>
    {
        NoiseSchedule original = c.Plan.Original;
        var (eps, _, epsHat, nats) = OffByDelta(c);
        double mse = TrainingLoss.MeanSquaredError(epsHat, eps);
        double hybrid = TrainingLoss.Hybrid(mse, nats, c.X0.PixelCount, original.Steps);
        double expected = mse * TrainingLoss.HybridEpsilonWeight(c.Plan, c.Step, original.Steps);
        // The bound part λ·T·L/(D·ln 2) carries the transition term's rounding, |L/(w·Σδ²) − 1| (bounded in the property
        // above); the sum and the products add a few u of the whole.
        double w = TrainingLoss.VlbEpsilonWeight(c.Plan, c.Step);
        double boundPart = TrainingLoss.HybridLambda * original.Steps * w * mse / Math.Log(2);
        double allowed = boundPart * Math.Abs(nats / (w * mse * c.X0.PixelCount) - 1) + 8 * U * expected;
        Assert.True(Math.Abs(hybrid - expected) <= allowed, $"{c.Plan}, step {c.Step}: hybrid {hybrid:R} vs {expected:R} (allowed {allowed:E2})");
        Assert.Equal(mse, TrainingLoss.Hybrid(mse, nats, c.X0.PixelCount, original.Steps, lambda: 0.0));
    });

    [Fact]
    public void Hybrid_IsImprovedDiffusionsRescaledMse()
    {
        // improved-diffusion: loss = mean((ε − ε̂)²) + vb·T/1000 with vb = mean(KL)/ln 2 in bits per dimension.
        double mse = 0.03, nats = 123.0;
        int d = 784, T = 4000;
        Assert.Equal(mse + nats / (d * Math.Log(2)) * T / 1000.0, TrainingLoss.Hybrid(mse, nats, d, T), 15);
    }

    [Fact]
    public void DecoderStep_HasNoVlbWeight_AndBadArgumentsAreNamed()
    {
        RespacedSchedule plan = RespacedSchedule.Uniform(CanonicalSchedules.Ddpm, 10);
        Assert.Contains("decoder", Assert.Throws<ArgumentException>(() => TrainingLoss.VlbEpsilonWeight(plan, plan.Step(1))).Message);
        Assert.Contains("epsilonMse", Assert.ThrowsAny<ArgumentException>(() => TrainingLoss.Hybrid(-1.0, 0.0, 784, 1000)).Message);
        Assert.Contains("vlbTermNats", Assert.ThrowsAny<ArgumentException>(() => TrainingLoss.Hybrid(0.1, double.NaN, 784, 1000)).Message);
        Assert.Contains("trainingSteps", Assert.ThrowsAny<ArgumentException>(() => TrainingLoss.Hybrid(0.1, 1.0, 784, 0)).Message);
        Assert.ThrowsAny<ArgumentException>(() => TrainingLoss.MeanSquaredError(Image.Filled(2, 2, 0), Image.Filled(2, 3, 0)));
    }
}
