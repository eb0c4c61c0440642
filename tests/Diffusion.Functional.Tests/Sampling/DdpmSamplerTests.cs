using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Processes;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Sampling;

/// <summary>The DDPM ancestral step: its mean, its three variances, its end, and its agreement with the oracle chain.</summary>
public class DdpmSamplerTests
{
    [Property(MaxTest = 60)]
    public Property Ddpm_WithTheOracleDenoiser_IsTheOracleChain_BitForBit() => Prop.ForAll(
        Generators.ScheduleAndStep.ToArbitrary(), Generators.Images(-1, 1).ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(),
        (pair, x0, seed) =>
        {
            // A respaced chain of all steps is the original, the oracle knows x_0, and the keys are the oracle chain's:
            // fixed-small DDPM sampling is then q(x_{t−1} | x_t, x_0) step for step, to the last bit, ending at x_0.
            var (schedule, t) = pair;
            NoiseKey key = NoiseKey.FromSeed((ulong)seed);
            Image xT = ForwardProcess.Sample(schedule, x0, schedule.Steps, key.Child(7));
            ChainState[] oracle = OracleChain.Run(schedule, x0, xT, schedule.Steps, key).ToArray();
            ChainState[] ddpm = ReverseSampler.Run(RespacedSchedule.Full(schedule), OracleDenoiser.Create(schedule, x0, PredictionTarget.X0),
                new DdpmSampler(DdpmVariance.FixedSmall), xT, key).ToArray();
            Assert.Equal(oracle, ddpm);
            Assert.Equal(x0, ddpm[^1].X);
        });

    [Property(MaxTest = 200)]
    public Property Transition_MeanIsThePosteriorMeanAtTheDenoisersX0() => Prop.ForAll(SamplingGenerators.Cases.ToArbitrary(), c =>
    {
        // μ_θ(x_t) = μ̃_i(x̂_0, x_t) on the respaced chain (improved-diffusion's p_mean_variance), whatever the target.
        ReverseTransition transition = DdpmSampler.Transition(c.Plan, c.Denoiser, new DdpmSampler(), c.Step, c.Xt);
        Image x0 = c.Data.PosteriorMean(c.Plan.Original, c.Xt, c.Step.Timestep);
        PosteriorKernel kernel = Posterior.Kernel(c.Plan.Schedule, c.Step.Index);
        Image expected = kernel.Apply(x0, c.Xt).Mean;
        // x̂_0 goes through one exact conversion when the target is not x_0 (budget: PredictionConversionsTests, with
        // |x_t| ≤ 3), then it is weighted by the posterior's x_0 weight, which is at most 1.
        double tolerance = 1e-12 / Math.Min(c.Plan.Schedule.SqrtAlphaBar(c.Step.Index), c.Plan.Schedule.SqrtOneMinusAlphaBar(c.Step.Index));
        Assert.True(x0.MaxAbsDifference(transition.PredictedX0) <= tolerance, $"{c}: x̂_0 off by {x0.MaxAbsDifference(transition.PredictedX0):E2}");
        Assert.True(expected.MaxAbsDifference(transition.Mean) <= tolerance, $"{c}: mean off by {expected.MaxAbsDifference(transition.Mean):E2}");
    });

    [Property(MaxTest = 200)]
    public Property Transition_Variance_IsBetaTildeOrBeta_AndZeroAtTheLastStep() => Prop.ForAll(SamplingGenerators.Cases.ToArbitrary(), c =>
    {
        NoiseSchedule chain = c.Plan.Schedule;
        int i = c.Step.Index;
        ReverseTransition small = DdpmSampler.Transition(c.Plan, c.Denoiser, new DdpmSampler(DdpmVariance.FixedSmall), c.Step, c.Xt);
        ReverseTransition large = DdpmSampler.Transition(c.Plan, c.Denoiser, new DdpmSampler(DdpmVariance.FixedLarge), c.Step, c.Xt);
        double expectedSmall = c.Step.ProducesData ? 0.0 : chain.PosteriorVariance(i);
        double expectedLarge = c.Step.ProducesData ? 0.0 : chain.Beta(i);
        Assert.All(small.Variance.ToArray(), v => Assert.Equal(expectedSmall, v));
        Assert.All(large.Variance.ToArray(), v => Assert.Equal(expectedLarge, v));
        Assert.Equal(c.Step.ProducesData, small.IsDeterministic);
        Assert.Equal(small.Mean, large.Mean);
    });

    [Property(MaxTest = 200)]
    public Property LearnedRange_InterpolatesLogBetaTildeAndLogBeta() => Prop.ForAll(
        SamplingGenerators.Cases.ToArbitrary(), Generators.Uniform(-1, 1).ToArbitrary(), (c, v) =>
        {
            // Nichol & Dhariwal 2021, eq. 15: v = 1 gives β_i, v = −1 gives β̃_i (clipped at i = 1), and in between the
            // geometric interpolation β_i^((v+1)/2)·β̃_i^((1−v)/2).
            NoiseSchedule chain = c.Plan.Schedule;
            int i = c.Step.Index;
            Denoiser learned = Denoiser.CreateWithLearnedVariance(c.Plan.Original, c.Denoiser.Target, (x, t) =>
                new DenoiserOutput(c.Denoiser.Evaluate(x, t).Prediction, Image.Filled(x.Width, x.Height, v)));
            Image logVariance = DdpmSampler.Evaluate(c.Plan, learned, new DdpmSampler(DdpmVariance.LearnedRange), c.Step, c.Xt).LogVariance;
            double expected = (v + 1) / 2 * Math.Log(chain.Beta(i)) + (1 - v) / 2 * chain.PosteriorLogVarianceClipped(i);
            Assert.All(logVariance.ToArray(), lv => Approx.Absolute(expected, lv, 1e-13 * (1 + Math.Abs(expected)), $"{c}: log σ² at v = {v}"));

            ReverseTransition transition = DdpmSampler.Transition(c.Plan, learned, new DdpmSampler(DdpmVariance.LearnedRange), c.Step, c.Xt);
            Assert.All(transition.Variance.ToArray(), s => Approx.Relative(c.Step.ProducesData ? 0.0 : Math.Exp(expected), s, 1e-13, $"{c}: σ²"));
        });

    [Fact]
    public void LogVariance_AtTheFirstStep_FollowsImprovedDiffusion()
    {
        // improved-diffusion: fixed-small uses log β̃ clipped to log β̃_2 at t = 1; fixed-large uses β̃_2 at t = 1 and β_t
        // after ("np.append(posterior_variance[1], betas[1:])"); learned range spans [log β̃_2, log β_1] at t = 1.
        NoiseSchedule schedule = NoiseSchedule.Linear(100, 1e-4, 0.02);
        Image like = Image.Filled(1, 1, 0);
        Assert.Equal(Math.Log(schedule.PosteriorVariance(2)), DdpmSampler.LogVariance(schedule, 1, DdpmVariance.FixedSmall, null, like).Pixels[0]);
        Assert.Equal(Math.Log(schedule.PosteriorVariance(2)), DdpmSampler.LogVariance(schedule, 1, DdpmVariance.FixedLarge, null, like).Pixels[0]);
        Assert.Equal(Math.Log(schedule.Beta(5)), DdpmSampler.LogVariance(schedule, 5, DdpmVariance.FixedLarge, null, like).Pixels[0]);
        Assert.Equal(Math.Log(schedule.Beta(1)), DdpmSampler.LogVariance(schedule, 1, DdpmVariance.LearnedRange, Image.Filled(1, 1, 1.0), like).Pixels[0]);
    }

    [Property(MaxTest = 100)]
    public Property Clipping_KeepsX0InTheDataRange_AndTheMeanUsesTheClippedX0() => Prop.ForAll(SamplingGenerators.Cases.ToArbitrary(), c =>
    {
        // Data of variance up to 1 around μ ∈ [−1, 1] makes x̂_0 leave [−1, 1] often.
        var settings = new DdpmSampler(DdpmVariance.FixedSmall, new X0Processing.Clip(PixelRange.SignedUnit));
        ReverseTransition transition = DdpmSampler.Transition(c.Plan, c.Denoiser, settings, c.Step, c.Xt);
        Assert.All(transition.PredictedX0.ToArray(), p => Assert.InRange(p, -1.0, 1.0));
        Image expected = Posterior.Kernel(c.Plan.Schedule, c.Step.Index).Apply(transition.PredictedX0, c.Xt).Mean;
        Assert.Equal(expected, transition.Mean);
        // ε̂ is re-derived from the clipped x̂_0, so (x̂_0, ε̂) still reproduce x_t.
        NoiseLevel level = NoiseLevel.At(c.Plan.Schedule, c.Step.Index);
        Image rebuilt = Image.Combine(level.SqrtAlphaBar, transition.PredictedX0, level.SqrtOneMinusAlphaBar, transition.PredictedEpsilon);
        Assert.True(rebuilt.MaxAbsDifference(c.Xt) <= 1e-12, $"{c}: a·x̂_0 + s·ε̂ misses x_t by {rebuilt.MaxAbsDifference(c.Xt):E2}");
    });

    [Fact]
    public void Sampling_Rejects_EpsilonPrediction_AtZeroTerminalSnr_AndAcceptsV()
    {
        NoiseSchedule schedule = ZeroTerminalSnr.Rescale(NoiseSchedule.Linear(100, 1e-4, 0.02));
        var data = new GaussianData(Image.Filled(3, 3, 0.2), 0.3);
        RespacedSchedule plan = RespacedSchedule.Uniform(schedule, 10);
        var error = Assert.Throws<ArgumentException>(() =>
            ReverseSampler.RunFromNoise(plan, data.Denoiser(schedule, PredictionTarget.Epsilon), new DdpmSampler(), 3, 3, NoiseKey.FromSeed(1)));
        Assert.Equal("denoiser", error.ParamName);
        Assert.Contains("#3851", error.Message);
        Assert.Throws<ArgumentException>(() =>
            ReverseSampler.RunFromNoise(plan, data.Denoiser(schedule, PredictionTarget.Epsilon), new DdimSampler(), 3, 3, NoiseKey.FromSeed(1)));

        // v- and x_0-prediction sample fine, and the first step starts from x_T = ε exactly.
        foreach (PredictionTarget target in new[] { PredictionTarget.V, PredictionTarget.X0 })
        {
            Image x0 = ReverseSampler.Generate(plan, data.Denoiser(schedule, target), new DdpmSampler(), 3, 3, NoiseKey.FromSeed(1));
            Assert.All(x0.ToArray(), p => Assert.True(double.IsFinite(p)));
        }
        // With the leading spacing the chain starts below T, where ᾱ > 0, and ε-prediction is fine again.
        RespacedSchedule leading = RespacedSchedule.Uniform(schedule, 10, TimestepSpacing.Leading);
        Assert.True(double.IsFinite(ReverseSampler.Generate(leading, data.Denoiser(schedule, PredictionTarget.Epsilon), new DdpmSampler(), 3, 3, NoiseKey.FromSeed(1)).Pixels[0]));
    }

    [Fact]
    public void Sampling_Rejects_MismatchedInputs()
    {
        NoiseSchedule schedule = NoiseSchedule.Linear(50, 1e-4, 0.02);
        var data = new GaussianData(Image.Filled(2, 2, 0.0), 1.0);
        RespacedSchedule plan = RespacedSchedule.Uniform(schedule, 5);
        Denoiser denoiser = data.Denoiser(schedule, PredictionTarget.Epsilon);

        var other = Assert.Throws<ArgumentException>(() => DdpmSampler.Transition(RespacedSchedule.Uniform(NoiseSchedule.Cosine(50), 5), denoiser, new DdpmSampler(), plan.Step(1), Image.Filled(2, 2, 0)));
        Assert.Contains("was made for linear", other.Message);
        var learned = Assert.Throws<ArgumentException>(() => DdpmSampler.Transition(plan, denoiser, new DdpmSampler(DdpmVariance.LearnedRange), plan.Step(1), Image.Filled(2, 2, 0)));
        Assert.Equal("settings", learned.ParamName);
        var foreign = Assert.Throws<ArgumentException>(() => DdpmSampler.Transition(plan, denoiser, new DdpmSampler(), new ReverseStep(1, 3, null), Image.Filled(2, 2, 0)));
        Assert.Equal("step", foreign.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DdpmSampler((DdpmVariance)7));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DdimSampler(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DdimSampler(double.NaN));
    }

    [Fact]
    public void Run_IsLazy_AndDrawsNoiseOnlyForStepsWithVariance()
    {
        NoiseSchedule schedule = NoiseSchedule.Linear(100, 1e-4, 0.02);
        var data = new GaussianData(Image.Filled(2, 2, 0.0), 1.0);
        RespacedSchedule plan = RespacedSchedule.Uniform(schedule, 4); // 25, 50, 75, 100
        var requested = new List<int>();
        IEnumerable<ChainState> chain = ReverseSampler.Run(plan, data.Denoiser(schedule, PredictionTarget.X0), new DdpmSampler(), Image.Filled(2, 2, 0.5), t =>
        {
            requested.Add(t);
            return Image.Filled(2, 2, 0.1);
        });
        Assert.Empty(requested);
        ChainState[] states = chain.ToArray();
        Assert.Equal([100, 75, 50, 25, 0], states.Select(s => s.Step));
        Assert.Equal([100, 75, 50], requested); // the step 25 → data draws nothing
    }

    [Fact]
    public void GenerateMany_IsGenerateWithChildKeys()
    {
        NoiseSchedule schedule = NoiseSchedule.Linear(30, 1e-4, 0.02);
        RespacedSchedule plan = RespacedSchedule.Uniform(schedule, 6);
        Denoiser denoiser = new GaussianData(Image.Filled(3, 2, 0.1), 0.5).Denoiser(schedule, PredictionTarget.V);
        NoiseKey key = NoiseKey.FromSeed(99);
        ImageBatch<double> batch = ReverseSampler.GenerateMany(plan, denoiser, new DdimSampler(0.5), 3, 2, 3, key);
        for (int k = 0; k < 3; k++)
            Assert.Equal(ReverseSampler.Generate(plan, denoiser, new DdimSampler(0.5), 3, 2, key.Child((ulong)k)), batch[k]);
        Assert.NotEqual(batch[0], batch[1]);
    }

    [Fact]
    public void RunFromNoise_StartsFromKeyChildZero_AndStepTFromKeyChildT()
    {
        // The documented keys: x_{τ_N} from key.Child(0), the step from τ_i from key.Child(τ_i).
        NoiseSchedule schedule = NoiseSchedule.Linear(40, 1e-4, 0.02);
        RespacedSchedule plan = RespacedSchedule.Uniform(schedule, 4); // 10, 20, 30, 40
        Denoiser denoiser = new GaussianData(Image.Filled(2, 3, 0.1), 0.5).Denoiser(schedule, PredictionTarget.X0);
        NoiseKey key = NoiseKey.FromSeed(3);
        ChainState[] fromNoise = ReverseSampler.RunFromNoise(plan, denoiser, new DdpmSampler(), 2, 3, key).ToArray();
        Assert.Equal(NoiseImage.StandardNormal(key.Child(0), 2, 3), fromNoise[0].X);
        ChainState[] explicitNoise = ReverseSampler.Run(plan, denoiser, new DdpmSampler(), fromNoise[0].X,
            t => NoiseImage.StandardNormal(key.Child((ulong)t), 2, 3)).ToArray();
        Assert.Equal(fromNoise, explicitNoise);
    }
}
