using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Onnx.Tests.Support;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;

namespace Diffusion.Functional.Onnx.Tests;

/// <summary>
/// Classifier-free guidance over an ONNX network, on the exact class-conditional Gaussian fixture: one network run per
/// evaluation on both halves, the identities w = 1 and w = 0 bit for bit, and guidance equal to its two separate runs.
/// </summary>
public class GuidanceTests
{
    private static OnnxDenoiser LoadFixture(int maxBatchSize = 64) =>
        OnnxDenoiser.Load(Fixtures.PathOf("gaussian-eps-class.onnx"), Fixtures.Small with { ClassLabelCount = 11, MaxBatchSize = maxBatchSize });

    private static OnnxConditionalDenoiser Conditional(OnnxDenoiser network) =>
        OnnxConditionalDenoiser.Create(network, Fixtures.Gaussian.Schedule, PredictionTarget.Epsilon, 10, 10);

    private static (ImageBatch<float> X, int[] T) Batch(int seed, int count)
    {
        var random = new Random(seed);
        var values = Enumerable.Range(0, count * 16).Select(_ => (float)(4 * random.NextDouble() - 2)).ToArray();
        return (ImageBatch<float>.FromFloats(count, 1, 4, 4, values), Enumerable.Range(0, count).Select(_ => random.Next(1, 1001)).ToArray());
    }

    private static float[] Predict(IBatchDenoiser<float> denoiser, ImageBatch<float> x, int[] t)
    {
        var prediction = new float[x.Values.Length];
        denoiser.Predict(x, t, prediction, []);
        return prediction;
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(3, 7)]
    [InlineData(9, 20)]
    public void ScaleOneIsTheConditionalNetwork_ScaleZeroTheUnconditional_AndAnyScaleItsTwoRuns_BitForBit(int label, int count)
    {
        using OnnxDenoiser network = LoadFixture();
        OnnxConditionalDenoiser model = Conditional(network);
        var (x, t) = Batch(label * 31 + count, count);
        float[] conditional = Predict(OnnxBatchDenoiser.Create(network, Fixtures.Gaussian.Schedule, PredictionTarget.Epsilon, label), x, t);
        float[] unconditional = Predict(OnnxBatchDenoiser.Create(network, Fixtures.Gaussian.Schedule, PredictionTarget.Epsilon, 10), x, t);
        Assert.Equal(conditional, Predict(new ClassifierFreeGuidance<float>(model, label, 1.0), x, t));
        Assert.Equal(unconditional, Predict(new ClassifierFreeGuidance<float>(model, label, 0.0), x, t));
        // The fixture's ε̂ is computed pixel by pixel, so each image's output is the same bits in any batch: guiding
        // is exactly w·ε_y + (1 − w)·ε_∅ of the two separate runs, in float32.
        float[] guided = Predict(new ClassifierFreeGuidance<float>(model, label, 4.5), x, t);
        for (int j = 0; j < guided.Length; j++) Assert.Equal(4.5f * conditional[j] + (1 - 4.5f) * unconditional[j], guided[j]);
    }

    /// <summary>Counts the network runs through the conditional adapter.</summary>
    private sealed class Counting(IConditionalBatchDenoiser<float> inner) : IConditionalBatchDenoiser<float>
    {
        public List<int> Sizes { get; } = [];
        public Diffusion.Functional.Schedules.NoiseSchedule Schedule => inner.Schedule;
        public PredictionTarget Target => inner.Target;
        public bool PredictsVariance => false;
        public int ClassCount => inner.ClassCount;
        public int UnconditionalLabel => inner.UnconditionalLabel;

        public void Predict(ImageBatch<float> xt, ReadOnlySpan<int> timesteps, ReadOnlySpan<int> labels, Span<float> prediction, Span<float> varianceInterpolation)
        {
            Sizes.Add(xt.Count);
            inner.Predict(xt, timesteps, labels, prediction, varianceInterpolation);
        }
    }

    [Fact]
    public void AGuidedChain_RunsTheNetworkOncePerEvaluation_OnBothHalves_AndAtScaleOneIsTheConditionalChain()
    {
        using OnnxDenoiser network = LoadFixture();
        var counting = new Counting(Conditional(network));
        RespacedSchedule plan = RespacedSchedule.Uniform(Fixtures.Gaussian.Schedule, 12);
        ISampler sampler = new DdimSampler(0.0);
        ImageBatch<float> guided = ReverseSampler.Generate(sampler, plan, new ClassifierFreeGuidance<float>(counting, 7, 1.0), 6, 1, 4, 4, NoiseKey.FromSeed(4));
        ImageBatch<float> conditional = ReverseSampler.Generate(sampler, plan,
            OnnxBatchDenoiser.Create(network, Fixtures.Gaussian.Schedule, PredictionTarget.Epsilon, 7), 6, 1, 4, 4, NoiseKey.FromSeed(4));
        Assert.Equal(12, counting.Sizes.Count);
        Assert.All(counting.Sizes, size => Assert.Equal(12, size));
        Assert.Equal(conditional.Values.ToArray(), guided.Values.ToArray());
    }

    [Fact]
    public void TheAdapter_RejectsAnUnconditionalNetwork_AndLabelsOutsideTheModel()
    {
        using var plain = OnnxDenoiser.Load(Fixtures.PathOf("gaussian-eps.onnx"), Fixtures.Small);
        Assert.Contains("not a class-conditional model", Assert.Throws<ArgumentException>(() => Conditional(plain)).Message);
        using OnnxDenoiser network = LoadFixture();
        Assert.Contains("labels 0..10", Assert.Throws<ArgumentOutOfRangeException>(
            () => OnnxConditionalDenoiser.Create(network, Fixtures.Gaussian.Schedule, PredictionTarget.Epsilon, 10, 11)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => OnnxConditionalDenoiser.Create(network, Fixtures.Gaussian.Schedule, PredictionTarget.Epsilon, 10, 3));
    }
}
