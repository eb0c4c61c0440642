using System.Numerics;
using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Sampling;

/// <summary>
/// Classifier-free guidance as a denoiser combinator: the identities w = 1 (conditional) and w = 0 (unconditional) bit
/// for bit, the closed form on Gaussian classes, both halves in one model call, and the rescale of Lin et al. 2023.
/// </summary>
public class ClassifierFreeGuidanceTests
{
    private static readonly NoiseSchedule Ddpm = CanonicalSchedules.Ddpm;
    private const int Classes = 3, Per = 2 * 3 * 3;

    /// <summary>Class y: x_0 ~ N(μ_y, diag(v)) on 2 × 3 × 3 with one variance v for every class; the null label 3 has its own mean.</summary>
    private static DiagonalGaussianData ClassData(int label, bool ownVariance = false)
    {
        var mean = new double[Per];
        var variance = new double[Per];
        for (int j = 0; j < Per; j++)
        {
            mean[j] = ((3 * j + 5 * label) % 17 - 8) / 16.0;
            variance[j] = (4 + j % 8) / 16.0 * ((4 + j % 8) / 16.0) * (ownVariance ? 1 + 0.3 * label : 1);
        }
        return new DiagonalGaussianData(2, 3, 3, mean, variance);
    }

    private static IConditionalBatchDenoiser<T> Model<T>(PredictionTarget target, bool ownVariance = false) where T : unmanaged, IFloatingPointIeee754<T> =>
        ConditionalBatchDenoiser.FromClasses(
            Enumerable.Range(0, Classes).Select(y => ClassData(y, ownVariance).Denoiser<T>(Ddpm, target)).ToArray(),
            ClassData(Classes, ownVariance).Denoiser<T>(Ddpm, target));

    private static (ImageBatch<T> X, int[] T) Batch<T>(int seed, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        var values = Enumerable.Range(0, count * Per).Select(_ => 4 * random.NextDouble() - 2).ToArray();
        var timesteps = Enumerable.Range(0, count).Select(_ => random.Next(1, Ddpm.Steps + 1)).ToArray();
        return (ImageBatch<T>.FromDoubles(count, 2, 3, 3, values), timesteps);
    }

    private static T[] Predict<T>(IBatchDenoiser<T> denoiser, ImageBatch<T> x, int[] timesteps) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var prediction = new T[x.Values.Length];
        denoiser.Predict(x, timesteps, prediction, []);
        return prediction;
    }

    private static Arbitrary<PredictionTarget> Targets => Gen.Elements(PredictionTarget.Epsilon, PredictionTarget.X0, PredictionTarget.V).ToArbitrary();

    [Property(MaxTest = 40)]
    public Property ScaleOne_IsTheConditionalModel_AndScaleZeroTheUnconditional_BitForBit() => Prop.ForAll(
        Targets, Gen.Choose(0, Classes - 1).ToArbitrary(), Gen.Choose(0, 10_000).ToArbitrary(),
        (target, label, seed) =>
        {
            int count = 1 + seed % 9;
            IConditionalBatchDenoiser<float> model = Model<float>(target);
            var (x, t) = Batch<float>(seed, count);
            Assert.Equal(Predict(ConditionalBatchDenoiser.WithLabel(model, label), x, t), Predict(new ClassifierFreeGuidance<float>(model, label, 1.0), x, t));
            Assert.Equal(Predict(ConditionalBatchDenoiser.WithLabel(model, Classes), x, t), Predict(new ClassifierFreeGuidance<float>(model, label, 0.0), x, t));
        });

    [Property(MaxTest = 40)]
    public Property OnGaussianClassesOfOneVariance_GuidanceIsTheExactDenoiserOfTheExtrapolatedMean() => Prop.ForAll(
        Targets, Gen.Choose(0, Classes - 1).ToArbitrary(), Gen.Choose(0, 10_000).ToArbitrary(),
        (target, label, seed) =>
        {
            int tenthsOfW = seed % 101 - 20;
            // The exact prediction is affine in x_t with an offset linear in μ and a slope that depends only on v, so
            // w·p_y + (1 − w)·p_∅ is the exact denoiser of N(μ_∅ + w·(μ_y − μ_∅), diag(v)), in every target.
            double w = tenthsOfW / 10.0;
            DiagonalGaussianData y = ClassData(label), none = ClassData(Classes);
            double[] mean = Enumerable.Range(0, Per).Select(j => none.Mean[j] + w * (y.Mean[j] - none.Mean[j])).ToArray();
            var extrapolated = new DiagonalGaussianData(2, 3, 3, mean, y.Variance);
            var (x, t) = Batch<double>(seed, 4);
            double[] expected = Predict(extrapolated.Denoiser<double>(Ddpm, target), x, t);
            double[] guided = Predict(new ClassifierFreeGuidance<double>(Model<double>(target), label, w), x, t);
            for (int j = 0; j < expected.Length; j++)
                Assert.True(Math.Abs(guided[j] - expected[j]) <= 1e-12 * (1 + Math.Abs(w)) * (1 + Math.Abs(expected[j]) + Math.Abs(x.Values[j]) * 20),
                    $"value {j}: guided {guided[j]:R}, exact {expected[j]:R}, w = {w}");
        });

    /// <summary>Records each call of the conditional model.</summary>
    private sealed class CountingModel<T>(IConditionalBatchDenoiser<T> inner) : IConditionalBatchDenoiser<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public List<(int[] Timesteps, int[] Labels)> Calls { get; } = [];
        public NoiseSchedule Schedule => inner.Schedule;
        public PredictionTarget Target => inner.Target;
        public bool PredictsVariance => inner.PredictsVariance;
        public int ClassCount => inner.ClassCount;
        public int UnconditionalLabel => inner.UnconditionalLabel;

        public void Predict(ImageBatch<T> xt, ReadOnlySpan<int> timesteps, ReadOnlySpan<int> labels, Span<T> prediction, Span<T> varianceInterpolation)
        {
            Calls.Add((timesteps.ToArray(), labels.ToArray()));
            inner.Predict(xt, timesteps, labels, prediction, varianceInterpolation);
        }
    }

    [Fact]
    public void OneEvaluation_IsOneCallOfTheModel_OnBothHalves()
    {
        var counting = new CountingModel<float>(Model<float>(PredictionTarget.Epsilon));
        var (x, t) = Batch<float>(5, 4);
        Predict(new ClassifierFreeGuidance<float>(counting, 2, 3.0), x, t);
        var call = Assert.Single(counting.Calls);
        Assert.Equal([2, 2, 2, 2, Classes, Classes, Classes, Classes], call.Labels);
        Assert.Equal([.. t, .. t], call.Timesteps);
    }

    [Fact]
    public void AGuidedChain_CallsTheModelOncePerEvaluation_AndAtScaleOneIsTheConditionalChain_BitForBit()
    {
        foreach (SamplerEntry entry in SamplerRegistry.All)
        {
            ISampler sampler = entry.Create(new SamplerOptions(Eta: 0.5));
            var counting = new CountingModel<float>(Model<float>(PredictionTarget.Epsilon));
            RespacedSchedule plan = RespacedSchedule.Uniform(Ddpm, 10);
            var guidance = new ClassifierFreeGuidance<float>(counting, 1, 1.0);
            IBatchDenoiser<float> labelled = ConditionalBatchDenoiser.WithLabel(Model<float>(PredictionTarget.Epsilon), 1);
            if (Refuses(sampler, labelled))
            {
                // dpm2 & co. evaluate D between grid levels: guidance of a discrete model is refused as the model itself is
                Assert.True(Refuses(sampler, guidance), $"{entry.Name} refuses the conditional model but accepts its guidance");
                Assert.Empty(counting.Calls);
                continue;
            }
            ImageBatch<float> guided = ReverseSampler.Generate(sampler, plan, guidance, 5, 2, 3, 3, NoiseKey.FromSeed(3));
            ImageBatch<float> conditional = ReverseSampler.Generate(sampler, plan, ConditionalBatchDenoiser.WithLabel(Model<float>(PredictionTarget.Epsilon), 1), 5, 2, 3, 3, NoiseKey.FromSeed(3));
            Assert.Equal(conditional.Values.ToArray(), guided.Values.ToArray());
            Assert.InRange(counting.Calls.Count, 10, 10 * sampler.EvaluationsPerStep);
            if (sampler.EvaluationsPerStep == 1) Assert.Equal(10, counting.Calls.Count);
            Assert.All(counting.Calls, call => Assert.Equal(10, call.Labels.Length));
        }
    }

    private static bool Refuses(ISampler sampler, IBatchDenoiser<float> denoiser)
    {
        try { sampler.RequireCompatible(denoiser); return false; }
        catch (ArgumentException) { return true; }
    }

    [Property(MaxTest = 40)]
    public Property RescaleZero_IsNoRescale_BitForBit() => Prop.ForAll(
        Targets, Gen.Choose(0, 80).ToArbitrary(), Gen.Choose(0, 10_000).ToArbitrary(),
        (target, tenthsOfW, seed) =>
        {
            IConditionalBatchDenoiser<float> model = Model<float>(target, ownVariance: true);
            var (x, t) = Batch<float>(seed, 3);
            Assert.Equal(Predict(new ClassifierFreeGuidance<float>(model, 0, tenthsOfW / 10.0), x, t),
                Predict(new ClassifierFreeGuidance<float>(model, 0, tenthsOfW / 10.0, rescale: 0.0), x, t));
        });

    private static double Std(ReadOnlySpan<double> values)
    {
        double mean = 0;
        foreach (double v in values) mean += v;
        mean /= values.Length;
        double s = 0;
        foreach (double v in values) s += (v - mean) * (v - mean);
        return Math.Sqrt(s / values.Length);
    }

    [Property(MaxTest = 40)]
    public Property Rescale_IsLinearInPhi_AndPhiOneHasEachImagesConditionalStd() => Prop.ForAll(
        Targets, Gen.Choose(0, 80).ToArbitrary(), Gen.Choose(0, 10_000).ToArbitrary(),
        (target, tenthsOfW, seed) =>
        {
            int tenthsOfPhi = seed % 11;
            IConditionalBatchDenoiser<double> model = Model<double>(target, ownVariance: true);
            double w = tenthsOfW / 10.0, phi = tenthsOfPhi / 10.0;
            var (x, t) = Batch<double>(seed, 3);
            double[] plain = Predict(new ClassifierFreeGuidance<double>(model, 2, w), x, t);
            double[] full = Predict(new ClassifierFreeGuidance<double>(model, 2, w, 1.0), x, t);
            double[] some = Predict(new ClassifierFreeGuidance<double>(model, 2, w, phi), x, t);
            double[] conditional = Predict(ConditionalBatchDenoiser.WithLabel(model, 2), x, t);
            for (int i = 0; i < 3; i++)
            {
                // Lin et al. eq. 15: x_rescaled = x_cfg·σ_pos/σ_cfg (image by image), so its std is σ_pos and it is parallel to x_cfg.
                var c = conditional.AsSpan(i * Per, Per);
                var g = plain.AsSpan(i * Per, Per);
                double ratio = Std(c) / Std(g);
                Assert.Equal(Std(c), Std(full.AsSpan(i * Per, Per)), 1e-12 * (1 + Std(c)));
                for (int j = 0; j < Per; j++)
                {
                    int k = i * Per + j;
                    Assert.Equal(g[j] * ratio, full[k], 1e-12 * (1 + Math.Abs(full[k])));
                    // eq. 16: x_final = φ·x_rescaled + (1 − φ)·x_cfg.
                    Assert.Equal(phi * full[k] + (1 - phi) * plain[k], some[k], 1e-12 * (1 + Math.Abs(some[k])));
                }
            }
        });

    [Fact]
    public void Rescale_ChangesTheGuidedPrediction_WhenItsStdIsNotTheConditionalOnes()
    {
        IConditionalBatchDenoiser<double> model = Model<double>(PredictionTarget.Epsilon, ownVariance: true);
        var (x, t) = Batch<double>(11, 2);
        double[] plain = Predict(new ClassifierFreeGuidance<double>(model, 1, 5.0), x, t);
        double[] rescaled = Predict(new ClassifierFreeGuidance<double>(model, 1, 5.0, 0.7), x, t);
        Assert.True(plain.Zip(rescaled).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    /// <summary>A conditional double with a learned variance: prediction = x + label, variance interpolation = label / 10.</summary>
    private sealed class VarianceModel : IConditionalBatchDenoiser<double>
    {
        public NoiseSchedule Schedule => Ddpm;
        public PredictionTarget Target => PredictionTarget.Epsilon;
        public bool PredictsVariance => true;
        public int ClassCount => 3;
        public int UnconditionalLabel => 3;

        public void Predict(ImageBatch<double> xt, ReadOnlySpan<int> timesteps, ReadOnlySpan<int> labels, Span<double> prediction, Span<double> varianceInterpolation)
        {
            for (int i = 0; i < xt.Count; i++)
                for (int j = 0; j < xt.ValuesPerImage; j++)
                {
                    prediction[i * xt.ValuesPerImage + j] = xt.ImageValues(i)[j] + labels[i];
                    varianceInterpolation[i * xt.ValuesPerImage + j] = labels[i] / 10.0;
                }
        }
    }

    [Fact]
    public void ALearnedVariance_IsTheConditionalHalfs()
    {
        var (x, t) = Batch<double>(2, 3);
        var prediction = new double[x.Values.Length];
        var variance = new double[x.Values.Length];
        new ClassifierFreeGuidance<double>(new VarianceModel(), 2, 4.0).Predict(x, t, prediction, variance);
        Assert.All(variance, v => Assert.Equal(0.2, v));
        // 4·(x + 2) − 3·(x + 3) = x − 1.
        for (int j = 0; j < prediction.Length; j++) Assert.Equal(x.Values[j] - 1, prediction[j], 1e-12);
    }

    [Fact]
    public void BadArguments_NameTheValueAndWhatIsAllowed()
    {
        IConditionalBatchDenoiser<double> model = Model<double>(PredictionTarget.Epsilon);
        Assert.Contains("0..2", Assert.Throws<ArgumentOutOfRangeException>(() => new ClassifierFreeGuidance<double>(model, 3, 2.0)).Message);
        Assert.Contains("0..2", Assert.Throws<ArgumentOutOfRangeException>(() => new ClassifierFreeGuidance<double>(model, -1, 2.0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClassifierFreeGuidance<double>(model, 0, double.NaN));
        Assert.Contains("[0, 1]", Assert.Throws<ArgumentOutOfRangeException>(() => new ClassifierFreeGuidance<double>(model, 0, 2.0, 1.5)).Message);
        Assert.Contains("[0, 1]", Assert.Throws<ArgumentOutOfRangeException>(() => new ClassifierFreeGuidance<double>(model, 0, 2.0, -0.1)).Message);
        Assert.Contains("unconditional label is 3", Assert.Throws<ArgumentOutOfRangeException>(() => ConditionalBatchDenoiser.WithLabel(model, 4)).Message);
    }
}
