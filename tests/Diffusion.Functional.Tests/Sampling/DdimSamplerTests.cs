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

/// <summary>DDIM: η = 1 is the DDPM fixed-small step, η = 0 is deterministic and exactly invertible, and the chain ends at x̂_0.</summary>
public class DdimSamplerTests
{
    [Property(MaxTest = 300)]
    public Property Ddim_WithEtaOne_IsTheDdpmFixedSmallStep_InMeanAndVariance() => Prop.ForAll(SamplingGenerators.Cases.ToArbitrary(), c =>
    {
        // Song et al. 2021, eq. 16 with η = 1: σ² = β̃_i and √(1 − ᾱ_{i−1} − σ²)·ε̂ + √ᾱ_{i−1}·x̂_0 = μ̃_i(x̂_0, x_t).
        ReverseTransition ddim = DdimSampler.Transition(c.Plan, c.Denoiser, new DdimSampler(1.0), c.Step, c.Xt);
        ReverseTransition ddpm = DdpmSampler.Transition(c.Plan, c.Denoiser, new DdpmSampler(DdpmVariance.FixedSmall), c.Step, c.Xt);
        // Both build on the same (x̂_0, ε̂); the two forms of the mean differ by a few roundings of terms ≤ |x_t| + |x̂_0|
        // + |ε̂| (≤ 20 here), and ε̂ itself carries the conversion's error 1e-13/s when it was derived from x̂_0.
        double s = c.Plan.Schedule.SqrtOneMinusAlphaBar(c.Step.Index);
        double tolerance = 1e-13 + 1e-13 / s;
        Assert.True(ddpm.Mean.MaxAbsDifference(ddim.Mean) <= tolerance, $"{c}: means differ by {ddpm.Mean.MaxAbsDifference(ddim.Mean):E2}");
        for (int k = 0; k < ddpm.Variance.PixelCount; k++)
            Approx.Relative(ddpm.Variance.Pixels[k], ddim.Variance.Pixels[k], 1e-14, $"{c}: variance");
    });

    [Fact]
    public void Ddim_WithEtaOne_IsTheDdpmStep_OnACoarseStepFromNearPureNoise()
    {
        // A counterexample FsCheck found (pinned): 2 trailing steps of a sigmoid schedule, the step 281 → 140 with
        // ᾱ_281/ᾱ_140 ≈ 1e-3. The textbook √((1 − ᾱ_{i−1})(1 − η²β_i/(1 − ᾱ_i))) cancels there and the DDIM mean missed
        // the DDPM mean by 4.4e-13; the rewritten coefficient agrees to a few roundings.
        NoiseSchedule schedule = NoiseSchedule.Sigmoid(281, 0.00411558901212565, 0.14513614903734626);
        RespacedSchedule plan = RespacedSchedule.Uniform(schedule, 2);
        Denoiser denoiser = new GaussianData(Image.Filled(3, 1, 0.5), 0.04264675586336406).Denoiser(schedule, PredictionTarget.V);
        Image xt = Image.FromPixels(3, 1, [-2.9, 0.4, 2.7]);
        ReverseStep step = plan.StepAt(281);
        ReverseTransition ddim = DdimSampler.Transition(plan, denoiser, new DdimSampler(1.0), step, xt);
        ReverseTransition ddpm = DdpmSampler.Transition(plan, denoiser, new DdpmSampler(DdpmVariance.FixedSmall), step, xt);
        Assert.True(ddpm.Mean.MaxAbsDifference(ddim.Mean) <= 2e-15, $"means differ by {ddpm.Mean.MaxAbsDifference(ddim.Mean):E2}");
    }

    [Property(MaxTest = 200)]
    public Property Ddim_Variance_IsEtaSquaredTimesBetaTilde_AndTheLastStepReturnsX0Hat() => Prop.ForAll(
        SamplingGenerators.Cases.ToArbitrary(), Generators.Uniform(0, 1).ToArbitrary(), (c, eta) =>
        {
            ReverseTransition ddim = DdimSampler.Transition(c.Plan, c.Denoiser, new DdimSampler(eta), c.Step, c.Xt);
            double expected = eta * eta * c.Plan.Schedule.PosteriorVariance(c.Step.Index);
            Assert.All(ddim.Variance.ToArray(), v => Assert.Equal(expected, v));
            if (c.Step.ProducesData)
            {
                // ᾱ_0 = 1 and β̃_1 = 0: the step to the data is x̂_0 itself, deterministic, whatever η.
                Assert.Equal(ddim.PredictedX0, ddim.Mean);
                Assert.True(ddim.IsDeterministic);
            }
        });

    [Property(MaxTest = 100)]
    public Property Ddim_EtaZero_IsDeterministic_AndDrawsNoNoise() => Prop.ForAll(SamplingGenerators.Cases.ToArbitrary(), c =>
    {
        int drawn = 0;
        Image noise(int t) { drawn++; return NoiseImage.StandardNormalLike(NoiseKey.FromSeed((ulong)t), c.Xt); }
        ChainState[] states = ReverseSampler.Run(c.Plan, c.Denoiser, new DdimSampler(0.0), c.Xt, noise).ToArray();
        Assert.Equal(0, drawn);
        Assert.Equal(states, ReverseSampler.Run(c.Plan, c.Denoiser, new DdimSampler(0.0), c.Xt, NoiseKey.FromSeed(5)).ToArray());
        Assert.Equal(c.Plan.Count + 1, states.Length);
        Assert.Equal(0, states[^1].Step);
    });

    /// <summary>Chains of 1..60 steps of schedules with T ≤ 300 whose noisiest kept step has ᾱ ≥ 1e-6 (realistic chains).</summary>
    private static readonly Gen<SamplingGenerators.ChainCase> InversionCases =
        SamplingGenerators.Cases.Where(c => c.Plan.Original.Steps <= 300 && c.Plan.Count <= 60 && c.Plan.Schedule.AlphaBar(c.Plan.Count) >= 1e-6);

    [Property(MaxTest = 60)]
    public Property Ddim_Inversion_ThenSampling_ReturnsTheStart() => Prop.ForAll(InversionCases.ToArbitrary(), c =>
    {
        // x_0 → x_{τ_N} by inversion, then deterministic DDIM back down: the start again, to rounding. Each inverted
        // state meets its step to 32 roundoffs of the step's terms, amplified by at most 1/√ᾱ_i for an ε-prediction;
        // the chain down carries an error at step i to x_0 with a gain of at most about 1/√ᾱ_i too. With √ᾱ ≥ 1e-3 and
        // |x| ≤ 10, N·32u·10·(1/√ᾱ_N)² ≤ N·3.6e-8; we allow N·1e-7.
        Image x0 = c.Data.Sample(NoiseKey.FromSeed(11));
        ChainState[] up = DdimSampler.Invert(c.Plan, c.Denoiser, x0).ToArray();
        Assert.Equal(new[] { 0 }.Concat(c.Plan.Timesteps), up.Select(s => s.Step));
        ChainState[] down = ReverseSampler.Run(c.Plan, c.Denoiser, new DdimSampler(0.0), up[^1].X, NoiseKey.FromSeed(0)).ToArray();
        double gain = 1.0 / c.Plan.Schedule.SqrtAlphaBar(c.Plan.Count);
        double tolerance = c.Plan.Count * 32 * 1.1e-16 * 10 * gain * gain;
        for (int k = 0; k < up.Length; k++)
        {
            ChainState expected = up[up.Length - 1 - k];
            Assert.Equal(expected.Step, down[k].Step);
            double error = expected.X.MaxAbsDifference(down[k].X);
            Assert.True(error <= tolerance, $"{c}: state at t = {expected.Step} comes back off by {error:E2} (allowed {tolerance:E2})");
        }
    });

    [Fact]
    public void Ddim_Inversion_OfGaussianData_IsTheInverseOfTheAffineChain()
    {
        // For Gaussian data the η = 0 chain is affine, x_0 = A·x_T + B (A and B from two runs down), so the inversion of
        // x_0 must be (x_0 − B)/A — even where the usual one-evaluation inversion is far off (10 steps of T = 1000).
        NoiseSchedule schedule = NoiseSchedule.Linear(1000, 1e-4, 0.02);
        RespacedSchedule plan = RespacedSchedule.Uniform(schedule, 10);
        Denoiser denoiser = new GaussianData(Image.Filled(2, 1, 0.3), 0.25).Denoiser(schedule, PredictionTarget.Epsilon);
        Image down = ReverseSampler.Run(plan, denoiser, new DdimSampler(0.0), Image.FromPixels(2, 1, [0.0, 1.0]), NoiseKey.FromSeed(0)).Last().X;
        double b = down.Pixels[0], a = down.Pixels[1] - b;
        Image x0 = Image.FromPixels(2, 1, [0.9, -0.05]);
        Image xT = DdimSampler.Invert(plan, denoiser, x0).Last().X;
        Approx.Absolute((0.9 - b) / a, xT.Pixels[0], 1e-12 / a, "x_T of x_0 = 0.9");
        Approx.Absolute((-0.05 - b) / a, xT.Pixels[1], 1e-12 / a, "x_T of x_0 = −0.05");
    }

    [Fact]
    public void Ddim_Inversion_Throws_WhenAStepHasNoPreimage()
    {
        // ε̂ = −1000·sign(x_t): the step F(x) = (a_{i−1}/a_i)·x + (s_{i−1} − a_{i−1}s_i/a_i)·ε̂ jumps from below −c to above c
        // at x = 0 (c > 0), so a small target has no preimage and there is nothing to converge to.
        NoiseSchedule schedule = NoiseSchedule.Linear(20, 1e-4, 0.02);
        Denoiser jumpy = Denoiser.Create(schedule, PredictionTarget.Epsilon,
            (xt, t) => Image.FromPixels(xt.Width, xt.Height, xt.ToArray().Select(p => p >= 0 ? -1000.0 : 1000.0).ToArray()));
        var error = Assert.Throws<ArgumentException>(() => DdimSampler.Invert(RespacedSchedule.Uniform(schedule, 4), jumpy, Image.Filled(2, 2, 0.01)).ToArray());
        Assert.Contains("did not converge", error.Message);
    }

    [Fact]
    public void Ddim_Inversion_ReachesPureNoise_OnAZeroTerminalSnrSchedule()
    {
        // ᾱ_T = 0: the top step is x_{τ_{N−1}} = a·x̂_0(x_T) + s·x_T with x̂_0 = −v̂; the solve still finds x_T, and the
        // chain back down returns x_0.
        NoiseSchedule schedule = ZeroTerminalSnr.Rescale(NoiseSchedule.Linear(200, 1e-4, 0.02));
        RespacedSchedule plan = RespacedSchedule.Uniform(schedule, 20);
        Denoiser denoiser = new GaussianData(Image.Filled(3, 1, 0.1), 0.5).Denoiser(schedule, PredictionTarget.V);
        Image x0 = Image.FromPixels(3, 1, [0.7, -0.2, 0.1]);
        Image xT = DdimSampler.Invert(plan, denoiser, x0).Last().X;
        Image back = ReverseSampler.Run(plan, denoiser, new DdimSampler(0.0), xT, NoiseKey.FromSeed(0)).Last().X;
        Assert.True(back.MaxAbsDifference(x0) <= 1e-12, $"back off by {back.MaxAbsDifference(x0):E2}");
    }

    public static TheoryData<int, int> OscillatingCases => new() { { 1000, 10 }, { 1000, 50 }, { 200, 20 }, { 200, 4 }, { 1000, 200 } };

    [Theory]
    [MemberData(nameof(OscillatingCases))]
    public void Ddim_Inversion_OfAnOscillatingDenoiser_ThrowsOrReturnsAnXTThatSamplesBackToX0(int steps, int kept)
    {
        // Issue 14, case 6: x̂_0 = sin(10⁶·x_t) changes faster than any step can resolve, so the solve diverges; its
        // tolerance once grew with |x| (to 2·10¹⁶), and a residual of 8 passed as rounding. Now the inversion either
        // throws, or its x_T samples back down to x_0 as the API promises.
        NoiseSchedule schedule = NoiseSchedule.Linear(steps, 1e-4, 0.02);
        RespacedSchedule plan = RespacedSchedule.Uniform(schedule, kept);
        Denoiser oscillating = Denoiser.Create(schedule, PredictionTarget.X0,
            (xt, t) => Image.FromPixels(xt.Width, xt.Height, xt.ToArray().Select(p => Math.Sin(1e6 * p)).ToArray()));
        Image x0 = Image.FromPixels(2, 2, [0.5, -0.25, 0.75, 0.1]);
        Image xT;
        try
        {
            xT = DdimSampler.Invert(plan, oscillating, x0).Last().X;
        }
        catch (ArgumentException e)
        {
            Assert.Contains("did not converge", e.Message);
            return;
        }
        Image back = ReverseSampler.Run(plan, oscillating, new DdimSampler(0.0), xT, NoiseKey.FromSeed(0)).Last().X;
        Assert.True(back.MaxAbsDifference(x0) <= 1e-6, $"inversion returned x_T (max |x_T| = {xT.Pixels.ToArray().Max(Math.Abs):E2}) whose DDIM chain misses x_0 by {back.MaxAbsDifference(x0):E2}");
    }
}
