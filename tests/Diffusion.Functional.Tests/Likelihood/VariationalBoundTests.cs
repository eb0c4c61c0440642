using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Likelihood;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Processes;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Likelihood;

/// <summary>The variational bound's terms: the oracle zeroes every L_{t−1}, and the parts add up.</summary>
public class VariationalBoundTests
{
    /// <summary>An 8-bit image (1..6 × 1..6) in [−1, 1].</summary>
    private static readonly Gen<Image> ByteImages =
        from w in Gen.Choose(1, 6)
        from h in Gen.Choose(1, 6)
        from bytes in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), w * h)
        select PixelRange.SignedUnit.ImageFromBytes(w, h, bytes);

    [Property(MaxTest = 100)]
    public Property Oracle_MakesEveryTransitionTermZero() => Prop.ForAll(
        SamplingGenerators.Plans.ToArbitrary(), ByteImages.ToArbitrary(), DiffusionGenerators.Targets.ToArbitrary(), (plan, x0, target) =>
        {
            // The oracle's x̂_0 is x_0, so μ_θ = μ̃ and, with fixed-small variance, σ_θ² = β̃: KL = 0. For x_0-prediction
            // both means are the same arithmetic on the same numbers (exactly 0); ε- and v-predictions go through a
            // conversion with error δ ≤ 1e-12/min(√ᾱ, √(1 − ᾱ)) per pixel (PredictionConversionsTests), so KL ≤ D·δ²/(2β̃).
            Denoiser oracle = OracleDenoiser.Create(plan.Original, x0, target);
            VariationalBoundTerms terms = VariationalBound.Evaluate(plan, oracle, new DdpmSampler(DdpmVariance.FixedSmall), x0, NoiseKey.FromSeed(3));
            foreach (VlbTerm term in terms.Steps.Where(s => !s.Step.ProducesData))
            {
                int i = term.Step.Index;
                double delta = 1e-12 / Math.Min(plan.Schedule.SqrtAlphaBar(i), plan.Schedule.SqrtOneMinusAlphaBar(i));
                double bound = target == PredictionTarget.X0 ? 0.0 : x0.PixelCount * delta * delta / (2 * plan.Schedule.PosteriorVariance(i));
                Assert.True(term.Nats >= 0 && term.Nats <= bound, $"{plan}, {target}: L at step {term.Step} = {term.Nats:E3} (allowed {bound:E3})");
            }
            // With β_t instead of β̃_t the same oracle is penalised at every step with a previous step, since β̃_t < β_t
            // there — except where ᾱ is so small that 1 − ᾱ rounds to 1 on both sides and β̃_t = β_t in double precision.
            VariationalBoundTerms large = VariationalBound.Evaluate(plan, oracle, new DdpmSampler(DdpmVariance.FixedLarge), x0, NoiseKey.FromSeed(3));
            Assert.All(large.Steps.Where(s => !s.Step.ProducesData), s =>
            {
                bool varianceDiffers = plan.Schedule.PosteriorLogVarianceClipped(s.Step.Index) != Math.Log(plan.Schedule.Beta(s.Step.Index));
                Assert.True(s.Nats > 0 || !varianceDiffers, $"{plan}: L at {s.Step} = {s.Nats}");
            });
        });

    [Property(MaxTest = 100)]
    public Property Terms_AddUp_AndEachIsTheDocumentedQuantity() => Prop.ForAll(
        SamplingGenerators.Plans.ToArbitrary(), ByteImages.ToArbitrary(), (plan, x0) =>
        {
            var data = new GaussianData(Image.Filled(x0.Width, x0.Height, 0.0), 0.3);
            Denoiser denoiser = data.Denoiser(plan.Original, PredictionTarget.V);
            var settings = new DdpmSampler(DdpmVariance.FixedLarge, new X0Processing.Clip(PixelRange.SignedUnit));
            NoiseKey key = NoiseKey.FromSeed(9);
            VariationalBoundTerms terms = VariationalBound.Evaluate(plan, denoiser, settings, x0, key);

            Assert.Equal(plan.Steps().ToArray(), terms.Steps.Select(s => s.Step).ToArray());
            Approx.Relative(terms.Prior + terms.Steps.Sum(s => s.Nats), terms.Total, 1e-15, "total");
            Approx.Relative(terms.Total / (x0.PixelCount * Math.Log(2)), terms.BitsPerDimension, 1e-15, "bits/dim");

            // Each term from its definition, with x_{τ_i} drawn from key.Child(τ_i).
            foreach (VlbTerm term in terms.Steps)
            {
                Image xt = ForwardProcess.Sample(plan.Original, x0, term.Step.Timestep, key.Child((ulong)term.Step.Timestep));
                double expected = term.Step.ProducesData
                    ? VariationalBound.DecoderTerm(plan, denoiser, settings, x0, xt)
                    : VariationalBound.TransitionTerm(plan, denoiser, settings, term.Step, x0, xt);
                Assert.Equal(expected, term.Nats);
                Assert.True(term.Nats >= 0);
            }
            // L_T in closed form: KL(N(√ᾱ·x, 1 − ᾱ) ‖ N(0, 1)) = ½(ᾱ·x² − ᾱ − log(1 − ᾱ)) per pixel, with the schedule's
            // accurate 1 − ᾱ_N; a few roundings of terms of size |log(1 − ᾱ_N)| + 1 per pixel.
            double alphaBar = plan.Schedule.AlphaBar(plan.Count), logNoise = Math.Log(plan.Schedule.OneMinusAlphaBar(plan.Count));
            double prior = x0.ToArray().Sum(p => 0.5 * (alphaBar * p * p - alphaBar - logNoise));
            Approx.Absolute(prior, terms.Prior, 1e-15 * x0.PixelCount * (2 + Math.Abs(logNoise)), "L_T");
        });

    [Fact]
    public void Decoder_OfTheOracle_IsTheDiscretizedLikelihoodOfX0AroundItself()
    {
        // The step to the data has the point-mass posterior at x̂_0 = x_0, so the decoder's mean is x_0 and its variance
        // β̃_2 (improved-diffusion's clipped log-variance at t = 1): L_0 = −Σ log P(level | N(x_0, β̃_2)).
        NoiseSchedule schedule = NoiseSchedule.Linear(1000, 1e-4, 0.02);
        Image x0 = PixelRange.SignedUnit.ImageFromBytes(2, 2, [0, 17, 128, 255]);
        RespacedSchedule plan = RespacedSchedule.Full(schedule);
        Image x1 = ForwardProcess.Sample(schedule, x0, 1, NoiseKey.FromSeed(1));
        double decoder = VariationalBound.DecoderTerm(plan, OracleDenoiser.Create(schedule, x0, PredictionTarget.X0), new DdpmSampler(), x0, x1);
        double expected = -DiscretizedGaussian.LogLikelihood(x0, x0, Image.Filled(2, 2, Math.Log(schedule.PosteriorVariance(2))));
        Assert.Equal(expected, decoder);
    }

    [Fact]
    public void Terms_Reject_TheWrongStepOrData()
    {
        NoiseSchedule schedule = NoiseSchedule.Linear(20, 1e-4, 0.02);
        RespacedSchedule plan = RespacedSchedule.Uniform(schedule, 4);
        Image x0 = Image.Filled(2, 2, 0.0); // 0 is not one of the 256 levels of [−1, 1] (127.5)
        Denoiser oracle = OracleDenoiser.Create(schedule, x0, PredictionTarget.X0);
        Assert.Equal("step", Assert.Throws<ArgumentException>(() => VariationalBound.TransitionTerm(plan, oracle, new DdpmSampler(), plan.Step(1), x0, x0)).ParamName);
        Assert.Equal("x0", Assert.Throws<ArgumentException>(() => VariationalBound.Evaluate(plan, oracle, new DdpmSampler(), x0, NoiseKey.FromSeed(1))).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => VariationalBound.BitsPerDimension(1.0, 0));
    }
}
