using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Onnx.Tests.Support;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Onnx.Tests;

/// <summary>
/// The adapter from an ONNX network to the core's batched denoiser: sampling through the exported exact Gaussian
/// ε-denoiser equals sampling through the core's own exact denoiser of the same data, to a derived float32 bound.
/// </summary>
public class OnnxBatchDenoiserTests
{
    private const double U = 1.0 / (1 << 24), LargestZ = 6.660437;
    private static readonly GaussianFixture Data = Fixtures.Gaussian;

    /// <summary>The unconditional fixture's data: N(μ_null, diag(s²)) on 1 × 4 × 4 (label 10 is the null class).</summary>
    private static DiagonalGaussianData NullClassData() =>
        new(1, 4, 4, Data.Mu[10], Data.S.Select(s => s * s).ToArray());

    [Theory]
    [InlineData("ddpm", 0.0, 1)]
    [InlineData("ddpm", 0.0, 7)]
    [InlineData("ddim", 0.0, 3)]
    [InlineData("ddim", 0.5, 5)]
    public void SamplingThroughOnnx_IsSamplingThroughTheCoresExactDenoiser_WithinTheDerivedBound(string name, double eta, int count)
    {
        using var model = OnnxDenoiser.Load(Fixtures.PathOf("gaussian-eps.onnx"), Fixtures.Small with { MaxBatchSize = 2 });
        NoiseSchedule schedule = Data.Schedule;
        var onnx = OnnxBatchDenoiser.Create(model, schedule, PredictionTarget.Epsilon);
        DiagonalGaussianData data = NullClassData();
        IBatchDenoiser<float> exact = data.Denoiser<float>(schedule, PredictionTarget.Epsilon);
        ISampler sampler = SamplerRegistry.Find(name).Create(new SamplerOptions(Eta: eta));
        RespacedSchedule plan = RespacedSchedule.Uniform(schedule, 20);
        NoiseKey key = NoiseKey.FromSeed(31);
        var steps = new List<SamplerStepReport<float>>();
        ImageBatch<float> viaOnnx = ReverseSampler.Generate(sampler, plan, onnx, count, 1, 4, 4, key);
        ImageBatch<float> viaCore = ReverseSampler.Generate(sampler, plan, exact, count, 1, 4, 4, key, observer: new Collect(steps));

        // Bound: each ε̂ differs from the closed form by at most GaussianFixtureTests.Bound (ONNX) and 3u (the core's one
        // fma and two roundings of its tables) of its magnitude |k|·|x| + |o|. A step y = A·x + B·ε̂ (+ σz) with
        // DDPM: A = c_x0/a + c_xt, B = −c_x0·s/a; DDIM: A = √ᾱ'/a, B = d − √ᾱ'·s/a (x̂_0 = (x − s·ε̂)/a) carries an error e
        // in x to |A + B·k|·e and one in ε̂ to |B|·δ; the two runs' own roundings differ by at most 2·5u of the step's terms.
        NoiseSchedule chain = plan.Schedule;
        double bound = 0.0;
        foreach (SamplerStepReport<float> report in steps)
        {
            int i = report.Step.Index;
            double a = chain.SqrtAlphaBar(i), s = chain.SqrtOneMinusAlphaBar(i);
            double sigma = report.Step.ProducesData ? 0.0 : name == "ddpm" ? Math.Sqrt(chain.PosteriorVariance(i)) : eta * Math.Sqrt(chain.PosteriorVariance(i));
            double c1 = name == "ddpm" ? chain.PosteriorMeanCoefX0(i) : chain.SqrtAlphaBar(i - 1);
            double c2 = name == "ddpm" ? chain.PosteriorMeanCoefXt(i) : Math.Sqrt(Math.Max(0.0, chain.OneMinusAlphaBar(i - 1) - sigma * sigma));
            double A = name == "ddpm" ? c1 / a + c2 : c1 / a, B = name == "ddpm" ? -c1 * s / a : c2 - c1 * s / a;
            double x = MaxAbs(report.Xt.Values) + bound, growth = 0.0, local = 0.0;
            for (int j = 0; j < 16; j++)
            {
                var (k, o) = data.Affine(schedule, PredictionTarget.Epsilon, report.Step.Timestep, j);
                double magnitude = Math.Abs(k) * x + Math.Abs(o);
                double epsilon = (GaussianFixtureTests.Bound(magnitude) + 3 * U * magnitude) * (1 + 1e-6);
                double terms = Math.Abs(A) * x + Math.Abs(B) * (magnitude + epsilon) + sigma * LargestZ;
                growth = Math.Max(growth, Math.Abs(A + B * k));
                local = Math.Max(local, Math.Abs(B) * epsilon + 2 * 5 * U * (2 * terms));
            }
            bound = growth * bound + local;
        }
        double error = 0.0;
        for (int j = 0; j < viaCore.Values.Length; j++) error = Math.Max(error, Math.Abs(viaOnnx.Values[j] - viaCore.Values[j]));
        Assert.True(error <= bound, $"{name}: sampling through ONNX is {error:E3} from sampling through the core, more than the bound {bound:E3}");
        Assert.True(bound < 1e-4, $"the bound {bound:E3} is too loose to say anything");
    }

    [Fact]
    public void OneBatchOfK_IsKBatchesOfOne_ThroughOnnx()
    {
        using var model = OnnxDenoiser.Load(Fixtures.PathOf("gaussian-eps.onnx"), Fixtures.Small);
        var onnx = OnnxBatchDenoiser.Create(model, Data.Schedule, PredictionTarget.Epsilon);
        RespacedSchedule plan = RespacedSchedule.Uniform(Data.Schedule, 10);
        NoiseKey key = NoiseKey.FromSeed(2);
        ImageBatch<float> batch = ReverseSampler.Generate(new DdpmSampler(), plan, onnx, 6, 1, 4, 4, key);
        for (int k = 0; k < 6; k++)
        {
            ImageBatch<float> alone = ReverseSampler.Generate(new DdpmSampler(), plan, onnx, [key.Child((ulong)k)], 1, 4, 4);
            Assert.True(alone.Values.SequenceEqual(batch.ImageValues(k)), $"image {k} differs alone");
        }
    }

    [Fact]
    public void TheAdapter_RefusesAModelOfAnotherScheduleOrWithoutItsLabel()
    {
        using var model = OnnxDenoiser.Load(Fixtures.PathOf("gaussian-eps.onnx"), Fixtures.Small);
        Assert.Contains("trained on 1000 steps", Assert.Throws<ArgumentException>(() => OnnxBatchDenoiser.Create(model, CanonicalSchedules.Seed, PredictionTarget.Epsilon)).Message);
        Assert.Contains("takes no class label", Assert.Throws<ArgumentException>(() => OnnxBatchDenoiser.Create(model, Data.Schedule, PredictionTarget.Epsilon, 3)).Message);
        using var conditional = OnnxDenoiser.Load(Fixtures.PathOf("gaussian-eps-class.onnx"), Fixtures.Small with { ClassLabelCount = 11 });
        Assert.Contains("class-conditional", Assert.Throws<ArgumentException>(() => OnnxBatchDenoiser.Create(conditional, Data.Schedule, PredictionTarget.Epsilon)).Message);
    }

    private sealed class Collect(List<SamplerStepReport<float>> into) : ISamplerObserver<float>
    {
        public void OnStep(SamplerStepReport<float> report) => into.Add(report);
    }

    private static double MaxAbs(ReadOnlySpan<float> values)
    {
        double max = 0.0;
        foreach (float v in values) max = Math.Max(max, Math.Abs(v));
        return max;
    }
}
