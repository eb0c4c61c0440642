using System.Numerics;
using Diffusion.Functional.Batches;
using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Sampling;

/// <summary>
/// The batch-first sampling core: one denoiser call per step for the whole batch, noise that never depends on the batch
/// or the thread count, several channels, float within a derived bound of double, and one kernel for every sampler.
/// </summary>
public class BatchSamplingTests
{
    private static readonly NoiseSchedule Ddpm = CanonicalSchedules.Ddpm;

    /// <summary>Colour-like data on 3 × 4 × 4: each value its own mean and variance (no two alike).</summary>
    private static DiagonalGaussianData ColourData(int height = 4, int width = 4)
    {
        int per = 3 * height * width;
        var mean = new double[per];
        var variance = new double[per];
        for (int j = 0; j < per; j++)
        {
            mean[j] = -0.6 + 1.2 * j / (per - 1);
            variance[j] = 0.02 + 0.3 * ((j * 7) % per) / per;
        }
        return new DiagonalGaussianData(3, height, width, mean, variance);
    }

    private static IEnumerable<ISampler> EverySampler() => SamplerRegistry.All.Select(entry => entry.Create(new SamplerOptions(Eta: 0.5)));

    /// <summary>Counts the batched calls and the images each one carried (off-grid calls of a continuous denoiser record t = 0).</summary>
    private sealed class CountingDenoiser<T>(IBatchDenoiser<T> inner) : IContinuousDenoiser<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Denoise(ImageBatch<T> xTilde, ReadOnlySpan<double> sigmas, Span<T> denoised)
        {
            BatchSizes.Add(xTilde.Count);
            Timesteps.Add(new int[sigmas.Length]);
            Assert.Single(sigmas.ToArray().Distinct());
            ((IContinuousDenoiser<T>)inner).Denoise(xTilde, sigmas, denoised);
        }

        public List<int> BatchSizes { get; } = [];
        public List<int[]> Timesteps { get; } = [];
        public NoiseSchedule Schedule => inner.Schedule;
        public PredictionTarget Target => inner.Target;
        public bool PredictsVariance => inner.PredictsVariance;

        public void Predict(ImageBatch<T> xt, ReadOnlySpan<int> timesteps, Span<T> prediction, Span<T> varianceInterpolation)
        {
            BatchSizes.Add(xt.Count);
            Timesteps.Add(timesteps.ToArray());
            inner.Predict(xt, timesteps, prediction, varianceInterpolation);
        }
    }

    [Fact]
    public void Generate_CallsTheDenoiserOncePerStep_WithEveryImage()
    {
        foreach (ISampler sampler in EverySampler())
        {
            var counting = new CountingDenoiser<float>(ColourData().Denoiser<float>(Ddpm, PredictionTarget.Epsilon));
            RespacedSchedule plan = RespacedSchedule.Uniform(Ddpm, 10);
            ReverseSampler.Generate(sampler, plan, counting, 7, 3, 4, 4, NoiseKey.FromSeed(1));
            // Every call carries all 7 images at one timestep; at most EvaluationsPerStep calls per step (Heun's last step,
            // onto σ = 0, is a single Euler evaluation), and a one-evaluation sampler calls once per step, in chain order.
            Assert.All(counting.BatchSizes, size => Assert.Equal(7, size));
            Assert.All(counting.Timesteps, t => Assert.Single(t.Distinct()));
            Assert.InRange(counting.BatchSizes.Count, 10, 10 * sampler.EvaluationsPerStep);
            if (sampler.EvaluationsPerStep == 1)
                Assert.Equal(plan.Steps().Select(step => step.Timestep), counting.Timesteps.Select(t => t.Distinct().Single()));
        }
    }

    [Fact]
    public void TheOneImageApi_CallsTheBatchedPathWithBatchesOfOne_AndGenerateManyWithAllK()
    {
        // The per-image Denoiser is itself an IBatchDenoiser: GenerateMany hands it all K images per step.
        int calls = 0;
        var data = new GaussianData(Image.Filled(2, 2, 0.1), 0.2);
        Denoiser inner = data.Denoiser(Ddpm, PredictionTarget.X0);
        Denoiser counted = Denoiser.Create(Ddpm, PredictionTarget.X0, (x, t) => { calls++; return inner.Predict(x, t).Value; });
        var counting = new CountingDenoiser<double>(counted);
        ReverseSampler.Generate(new DdpmSampler(), RespacedSchedule.Uniform(Ddpm, 5), counting, 4, 1, 2, 2, NoiseKey.FromSeed(3));
        Assert.Equal([4, 4, 4, 4, 4], counting.BatchSizes);
        Assert.Equal(20, calls);
    }

    [Property(MaxTest = 12)]
    public Property ImageK_IsTheSameBits_AloneOrInABatch_InFloatAndDouble() => Prop.ForAll(
        Gen.Elements(EverySampler().ToArray()).ToArbitrary(), Gen.Choose(1, 6).ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(),
        (sampler, count, seed) =>
        {
            AloneOrInABatch<float>(sampler, count, (ulong)seed);
            AloneOrInABatch<double>(sampler, count, (ulong)seed);
        });

    private static void AloneOrInABatch<T>(ISampler sampler, int count, ulong seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        RespacedSchedule plan = RespacedSchedule.Uniform(Ddpm, 8);
        IBatchDenoiser<T> denoiser = ColourData().Denoiser<T>(Ddpm, PredictionTarget.V);
        NoiseKey key = NoiseKey.FromSeed(seed);
        ImageBatch<T> batch = ReverseSampler.Generate(sampler, plan, denoiser, count, 3, 4, 4, key);
        for (int k = 0; k < count; k++)
        {
            ImageBatch<T> alone = ReverseSampler.Generate(sampler, plan, denoiser, [key.Child((ulong)k)], 3, 4, 4);
            Assert.True(alone.Values.SequenceEqual(batch.ImageValues(k)), $"{sampler}: image {k} of {count} differs from the same image alone ({typeof(T).Name})");
        }
        // The last k images as their own batch: the same bits again (position in the batch does not matter).
        NoiseKey[] tail = ReverseSampler.ImageKeys(key, count).Skip(count / 2).ToArray();
        ImageBatch<T> shifted = ReverseSampler.Generate(sampler, plan, denoiser, tail, 3, 4, 4);
        Assert.True(shifted.Values.SequenceEqual(batch.Slice(count / 2, tail.Length).Values), $"{sampler}: a sub-batch differs");
    }

    [Fact]
    public void Generate_IsTheSameBits_OnOneOrTwoThreads()
    {
        RespacedSchedule plan = RespacedSchedule.Uniform(Ddpm, 6);
        foreach (ISampler sampler in EverySampler())
        {
            IBatchDenoiser<float> denoiser = ColourData().Denoiser<float>(Ddpm, PredictionTarget.Epsilon);
            ImageBatch<float> one = ReverseSampler.Generate(sampler, plan, denoiser, 300, 3, 4, 4, NoiseKey.FromSeed(9), new ParallelOptions { MaxDegreeOfParallelism = 1 });
            ImageBatch<float> two = ReverseSampler.Generate(sampler, plan, denoiser, 300, 3, 4, 4, NoiseKey.FromSeed(9), new ParallelOptions { MaxDegreeOfParallelism = 2 });
            ImageBatch<float> none = ReverseSampler.Generate(sampler, plan, denoiser, 300, 3, 4, 4, NoiseKey.FromSeed(9));
            Assert.Equal(one, two);
            Assert.Equal(one, none);
        }
    }

    [Fact]
    public void FloatDdpmWithTheOracleDenoiser_IsTheFloatOracleChainBatchKernel_BitForBit()
    {
        // One implementation: the sampler's float step and the batch API's fused chain are the same kernel and keys.
        NoiseSchedule schedule = CanonicalSchedules.Seed;
        const int count = 5, width = 7, height = 5;
        NoiseKey key = NoiseKey.FromSeed(11);
        var x0s = Enumerable.Range(0, count).Select(k => Image.FromPixels(width, height, GaussianNoise.Sample(NoiseKey.FromSeed(100 + (ulong)k), width * height).Select(z => Math.Tanh(z)).ToArray())).ToArray();
        ImageBatch<float> x0 = ImageBatch<float>.FromImages(x0s);
        IBatchDenoiser<float> oracle = BatchDenoiser.Create<float>(schedule, PredictionTarget.X0, (batch, _, prediction) =>
        {
            for (int k = 0; k < batch.Count; k++) x0.ImageValues(k).CopyTo(prediction.Slice(k * batch.ValuesPerImage, batch.ValuesPerImage));
        });
        ImageBatch<float> xT = ImageBatch<float>.FromImages(x0s.Select((image, k) => Functional.Processes.ForwardProcess.Sample(schedule, image, 200, key.Child(98).Child((ulong)k))).ToArray());
        var full = new SamplerRun<float>(RespacedSchedule.Full(schedule), oracle, xT, ReverseSampler.ImageKeys(key, count));
        var fullExpected = new float[x0.Values.Length];
        OracleChainBatch.Run(schedule, x0.Values, full.Start.Values, width * height, 200, 0, key, fullExpected);
        ImageBatch<float> actual = new DdpmSampler().Run(full);
        Assert.True(actual.Values.SequenceEqual(fullExpected), "the float DDPM sampler with the oracle denoiser is not the oracle chain batch kernel");
        Assert.True(actual.Values.SequenceEqual(x0.Values), "the chain does not end at x_0");
    }

    [Fact]
    public void ThreeChannelGaussianData_DdpmAndDdim_GiveTheExactOutputLaw_WithinSampleSizeBounds()
    {
        // 3 × 8 × 8 Gaussian data, one (μ, v) per channel; K = 400 samples give 400 · 64 independent draws per channel.
        // Each sampler's output is exactly Gaussian (affine steps; AffineLaw below), so its sample moments must match that
        // law within 5 standard errors of the sample size (SampleMoments).
        double[] channelMean = [-0.5, 0.1, 0.6], channelVariance = [0.05, 0.2, 0.4];
        const int k = 400, h = 8, w = 8;
        var mean = Enumerable.Range(0, 3 * h * w).Select(j => channelMean[j / (h * w)]).ToArray();
        var variance = Enumerable.Range(0, 3 * h * w).Select(j => channelVariance[j / (h * w)]).ToArray();
        var data = new DiagonalGaussianData(3, h, w, mean, variance);
        RespacedSchedule plan = RespacedSchedule.Uniform(Ddpm, 50);
        foreach (ISampler sampler in new ISampler[] { new DdpmSampler(), new DdimSampler(0.0), new DdimSampler(0.7) })
        {
            ImageBatch<double> samples = ReverseSampler.Generate(sampler, plan, data.Denoiser<double>(Ddpm, PredictionTarget.Epsilon), k, 3, h, w, NoiseKey.FromSeed(2024));
            for (int c = 0; c < 3; c++)
            {
                var draws = new List<double>();
                for (int n = 0; n < k; n++) draws.AddRange(samples.ImageValues(n).Slice(c * h * w, h * w).ToArray());
                var (lawMean, lawVariance) = AffineLaw(sampler, plan, channelMean[c], channelVariance[c]);
                SampleMoments.AssertGaussianMoments(draws, lawMean, lawVariance, $"{sampler}, channel {c}");
                // And that law is the one-image path's for the same data (AffineSamplerLaw on GaussianData), to rounding.
                var (oneMean, oneVariance) = AffineSamplerLaw.Of(plan, width => new GaussianData(Image.Filled(width, 1, channelMean[c]), channelVariance[c]).Denoiser(Ddpm, PredictionTarget.Epsilon), sampler, 0.0, 1.0);
                Approx.Absolute(oneMean, lawMean, 1e-12, $"{sampler}, channel {c}: mean of the output law");
                Approx.Absolute(oneVariance, lawVariance, 1e-12, $"{sampler}, channel {c}: variance of the output law");
            }
        }
    }

    /// <summary>
    /// The exact law of a sampler's output for scalar Gaussian data N(μ, v) from x_T ~ N(0, 1): run on an image of N + 2
    /// values with the noise replaced by unit vectors (the method of <see cref="AffineSamplerLaw"/>, on the batched path).
    /// </summary>
    private static (double Mean, double Variance) AffineLaw(ISampler sampler, RespacedSchedule plan, double mu, double v)
    {
        int width = plan.Count + 2;
        var data = new DiagonalGaussianData(1, 1, width, Enumerable.Repeat(mu, width).ToArray(), Enumerable.Repeat(v, width).ToArray());
        var start = new double[width];
        start[1] = 1.0;
        int[] steps = plan.Steps().Select(s => s.Timestep).ToArray();
        var run = new SamplerRun<double>(plan, data.Denoiser<double>(plan.Original, PredictionTarget.Epsilon), ImageBatch<double>.FromValues(1, 1, 1, width, start), [NoiseKey.FromSeed(0)])
        {
            Noise = (_, t, z) => { z.Clear(); z[2 + Array.IndexOf(steps, t)] = 1.0; },
        };
        ReadOnlySpan<double> output = sampler.Run(run).Values;
        double b = output[0], a = output[1] - b, noise = 0.0;
        for (int j = 2; j < width; j++) noise += (output[j] - b) * (output[j] - b);
        return (b, a * a + noise);
    }

    [Fact]
    public void FloatSampling_IsWithinTheDerivedRoundingBound_OfDoubleSampling_OnTheSameNoise()
    {
        // Both runs draw the same float32 noise (double widens it exactly) and evaluate the same expressions. DDPM with an
        // x_0-predicting exact denoiser computes per value, in T: x̂ = fma(k, x, o), y = fma(σ, z, fma(c₂, x, c₁·x̂)). In
        // float, rounding the five coefficients (c₁, c₂, σ, k, o) and the four operations each errs by at most u = 2⁻²⁴ of
        // the terms it touches, so one step adds at most 5u·S, S = |c₁|(|k||x| + |o|) + |c₂||x| + σ|z| (|z| ≤ 6.660437, the
        // generator's largest), and an error e in x grows to |c₁k + c₂|·e. The double run's own error is 2⁻²⁹ of that.
        const double u = 1.0 / (1 << 24), largestZ = 6.660437;
        DiagonalGaussianData data = ColourData();
        RespacedSchedule plan = RespacedSchedule.Uniform(Ddpm, 40);
        NoiseKey key = NoiseKey.FromSeed(5);
        var doubleSteps = new List<SamplerStepReport<double>>();
        ImageBatch<double> reference = ReverseSampler.Generate(new DdpmSampler(), plan, data.Denoiser<double>(Ddpm, PredictionTarget.X0), 50, 3, 4, 4, key,
            observer: new Collect<double>(doubleSteps));
        ImageBatch<float> fast = ReverseSampler.Generate(new DdpmSampler(), plan, data.Denoiser<float>(Ddpm, PredictionTarget.X0), 50, 3, 4, 4, key);

        double bound = 0.0;
        NoiseSchedule chain = plan.Schedule;
        foreach (SamplerStepReport<double> report in doubleSteps)
        {
            int i = report.Step.Index;
            double c1 = chain.PosteriorMeanCoefX0(i), c2 = chain.PosteriorMeanCoefXt(i);
            double sigma = report.Step.ProducesData ? 0.0 : Math.Sqrt(chain.PosteriorVariance(i));
            double x = MaxAbs(report.Xt.Values) + bound, growth = 0.0, local = 0.0;
            for (int j = 0; j < data.Mean.Length; j++)
            {
                var (slope, offset) = data.Affine(Ddpm, PredictionTarget.X0, report.Step.Timestep, j);
                growth = Math.Max(growth, Math.Abs(c1 * slope + c2));
                local = Math.Max(local, Math.Abs(c1) * (Math.Abs(slope) * x + Math.Abs(offset)) + Math.Abs(c2) * x + sigma * largestZ);
            }
            bound = growth * bound + 5 * u * (1 + 1.0 / (1 << 29)) * local;
        }
        double error = 0.0;
        for (int j = 0; j < fast.Values.Length; j++) error = Math.Max(error, Math.Abs(fast.Values[j] - reference.Values[j]));
        Assert.True(error <= bound, $"float is {error:E3} from double, more than the derived bound {bound:E3}");
        // Not vacuous: 40 steps of values of size ~1 give a bound of a few hundred float roundoffs (a wrong coefficient or
        // a float-rounded noise would be off by far more).
        Assert.True(bound < 1e-4, $"the bound {bound:E3} is too loose to say anything (error {error:E3})");
        Assert.True(error > 0.0, "float and double agree exactly: the float path did not run in float");
    }

    private sealed class Collect<T>(List<SamplerStepReport<T>> into) : ISamplerObserver<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void OnStep(SamplerStepReport<T> report) => into.Add(report);
    }

    private static double MaxAbs<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double max = 0.0;
        foreach (T v in values) max = Math.Max(max, Math.Abs(double.CreateTruncating(v)));
        return max;
    }

    [Fact]
    public void TheObserver_SeesEveryStep_FromTheStartToTheResult()
    {
        RespacedSchedule plan = RespacedSchedule.Uniform(Ddpm, 7);
        var steps = new List<SamplerStepReport<float>>();
        IBatchDenoiser<float> denoiser = ColourData().Denoiser<float>(Ddpm, PredictionTarget.Epsilon);
        NoiseKey[] keys = ReverseSampler.ImageKeys(NoiseKey.FromSeed(4), 3);
        ImageBatch<float> result = ReverseSampler.Generate(new DdimSampler(0.3), plan, denoiser, keys, 3, 4, 4, observer: new Collect<float>(steps));
        Assert.Equal(plan.Steps().Select(s => s.Timestep), steps.Select(s => s.Step.Timestep));
        Assert.Equal(ReverseSampler.StartNoise<float>(keys, 3, 4, 4), steps[0].Xt);
        for (int i = 1; i < steps.Count; i++) Assert.Equal(steps[i - 1].Next, steps[i].Xt);
        Assert.Equal(result, steps[^1].Next);
        // At the last step DDIM's output is x̂_0 itself (ᾱ_0 = 1).
        Assert.Equal(steps[^1].PredictedX0, result);
    }

    [Fact]
    public void ANetwork_SeesZeroBasedTimesteps()
    {
        var seen = new List<int>();
        IBatchDenoiser<float> network = BatchDenoiser.FromNetwork<float>(Ddpm, PredictionTarget.Epsilon, (xt, t, prediction) =>
        {
            seen.AddRange(t.ToArray());
            prediction.Clear();
        });
        RespacedSchedule plan = RespacedSchedule.Uniform(Ddpm, 4);
        ReverseSampler.Generate(new DdimSampler(), plan, network, 2, 1, 2, 2, NoiseKey.FromSeed(0));
        Assert.Equal(plan.Steps().SelectMany(s => new[] { s.Timestep - 1, s.Timestep - 1 }), seen);
        Assert.Equal(999, BatchDenoiser.NetworkTimestep(1000));
        Assert.Equal(0, BatchDenoiser.NetworkTimestep(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchDenoiser.NetworkTimestep(0));
    }

    [Fact]
    public void ADenoiserThatReturnsNaN_StopsTheChain_NamingTheStep()
    {
        IBatchDenoiser<float> broken = BatchDenoiser.Create<float>(Ddpm, PredictionTarget.Epsilon, (xt, t, prediction) =>
        {
            prediction.Clear();
            if (t[0] < 500) prediction[3] = float.NaN;
        });
        var error = Assert.Throws<InvalidOperationException>(() =>
            ReverseSampler.Generate(new DdpmSampler(), RespacedSchedule.Uniform(Ddpm, 10), broken, 2, 1, 2, 2, NoiseKey.FromSeed(0)));
        Assert.Contains("t = 400", error.Message);
        Assert.Contains("NaN", error.Message);
    }

    [Fact]
    public void TheChainIsValidatedOnce_BeforeAnyCall()
    {
        IBatchDenoiser<float> other = ColourData().Denoiser<float>(CanonicalSchedules.Seed, PredictionTarget.Epsilon);
        var error = Assert.Throws<ArgumentException>(() =>
            ReverseSampler.Generate(new DdpmSampler(), RespacedSchedule.Uniform(Ddpm, 10), other, 2, 3, 4, 4, NoiseKey.FromSeed(0)));
        Assert.Contains("made for", error.Message);
        var learned = Assert.Throws<ArgumentException>(() =>
            ReverseSampler.Generate(new DdpmSampler(DdpmVariance.LearnedRange), RespacedSchedule.Uniform(Ddpm, 10), ColourData().Denoiser<float>(Ddpm, PredictionTarget.Epsilon), 2, 3, 4, 4, NoiseKey.FromSeed(0)));
        Assert.Contains("learned-range", learned.Message);
    }

    [Fact]
    public void ThePosteriorMeanSampler_IsDdpmWithZeroNoise_AndIgnoresTheKey()
    {
        RespacedSchedule plan = RespacedSchedule.Uniform(Ddpm, 12);
        IBatchDenoiser<double> denoiser = ColourData().Denoiser<double>(Ddpm, PredictionTarget.V);
        ImageBatch<double> start = ReverseSampler.StartNoise<double>(ReverseSampler.ImageKeys(NoiseKey.FromSeed(8), 3), 3, 4, 4);
        ImageBatch<double> mean = new PosteriorMeanSampler().Run(new SamplerRun<double>(plan, denoiser, start, ReverseSampler.ImageKeys(NoiseKey.FromSeed(1), 3)));
        ImageBatch<double> otherKeys = new PosteriorMeanSampler().Run(new SamplerRun<double>(plan, denoiser, start, ReverseSampler.ImageKeys(NoiseKey.FromSeed(2), 3)));
        ImageBatch<double> ddpmWithoutNoise = new DdpmSampler().Run(new SamplerRun<double>(plan, denoiser, start, ReverseSampler.ImageKeys(NoiseKey.FromSeed(1), 3))
        {
            Noise = (_, _, z) => z.Clear(),
        });
        Assert.Equal(mean, otherKeys);
        Assert.Equal(ddpmWithoutNoise, mean);
    }
}
