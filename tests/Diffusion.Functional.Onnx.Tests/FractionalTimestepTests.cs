using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Onnx.Tests.Support;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Onnx.Tests;

/// <summary>
/// Networks evaluated between their training grid's timesteps (docs/network.md, "Fractional timesteps"): the timestep
/// input's type decides whether an adapter is continuous; the echo fixtures (tools/mnist-model/float_timestep.py
/// fixtures: out_sample is the sample with pixel 0 the timestep the network was handed and pixel 1 its label) show
/// exactly what reaches the network; the shipped UNet, now float32, is the same network at integer t and is run by the
/// off-grid samplers.
/// </summary>
public class FractionalTimestepTests
{
    private static readonly NoiseSchedule Ddpm = CanonicalSchedules.Ddpm;

    private static OnnxDenoiser Echo(string name = "timestep-echo-float.onnx") =>
        OnnxDenoiser.Load(Fixtures.PathOf(name), Fixtures.Small with { ClassLabelCount = 11 });

    private static ImageBatch<float> RandomBatch(Random random, int count, int side = 4)
    {
        var values = Enumerable.Range(0, count * side * side).Select(_ => (float)(4 * random.NextDouble() - 2)).ToArray();
        return ImageBatch<float>.FromFloats(count, 1, side, side, values);
    }

    // A σ drawn log-uniformly over the grid's finite levels [σ_1, σ_T].
    private static double RandomSigma(Random random)
    {
        double low = Math.Log(SigmaSpace.Sigma(Ddpm, 1)), high = Math.Log(SigmaSpace.Sigma(Ddpm, Ddpm.Steps));
        return Math.Exp(low + random.NextDouble() * (high - low));
    }

    [Fact]
    public void TheTimestepInputsType_DecidesWhetherTheAdaptersAreContinuous()
    {
        using OnnxDenoiser single = Echo(), twice = Echo("timestep-echo-double.onnx");
        using OnnxDenoiser integer = OnnxDenoiser.Load(Fixtures.PathOf("gaussian-eps-class.onnx"), Fixtures.Small with { ClassLabelCount = 11 });
        using OnnxDenoiser shipped = OnnxDenoiser.LoadMnistUNet();
        Assert.Equal(("float32", true), (single.TimestepInputType, single.TakesFractionalTimesteps));
        Assert.Equal(("float64", true), (twice.TimestepInputType, twice.TakesFractionalTimesteps));
        Assert.Equal(("int64", false), (integer.TimestepInputType, integer.TakesFractionalTimesteps));
        Assert.Equal(("float32", true), (shipped.TimestepInputType, shipped.TakesFractionalTimesteps));

        Assert.IsAssignableFrom<IContinuousDenoiser<float>>(OnnxBatchDenoiser.Create(single, Ddpm, PredictionTarget.Epsilon, 3));
        Assert.IsAssignableFrom<IContinuousDenoiser<float>>(OnnxBatchDenoiser.Create(twice, Ddpm, PredictionTarget.Epsilon));
        Assert.False(OnnxBatchDenoiser.Create(integer, Ddpm, PredictionTarget.Epsilon, 3) is IContinuousDenoiser<float>);

        var fractional = OnnxConditionalDenoiser.Create(single, Ddpm, PredictionTarget.Epsilon, 10, 10);
        var onGrid = OnnxConditionalDenoiser.Create(integer, Ddpm, PredictionTarget.Epsilon, 10, 10);
        Assert.IsAssignableFrom<IFractionalConditionalDenoiser<float>>(fractional);
        Assert.False(onGrid is IFractionalConditionalDenoiser<float>);
        Assert.IsAssignableFrom<IContinuousDenoiser<float>>(ConditionalBatchDenoiser.WithLabel(fractional, 4));
        Assert.IsAssignableFrom<IContinuousDenoiser<float>>(ClassifierFreeGuidance.Create(fractional, 4, 2.0, 0.5));
        Assert.False(ConditionalBatchDenoiser.WithLabel(onGrid, 4) is IContinuousDenoiser<float>);
        Assert.IsType<ClassifierFreeGuidance<float>>(ClassifierFreeGuidance.Create(onGrid, 4, 2.0));
    }

    [Fact]
    public void ATimestepInputOfAnotherType_IsRefusedAtLoad_NamingTheInputAndTheAllowedTypes()
    {
        var error = Assert.Throws<OnnxModelException>(() => OnnxDenoiser.Load(Fixtures.PathOf("bad-timestep-dtype.onnx"), Fixtures.Small));
        Assert.Contains("input 'timestep' is float16 [batch], not int64, int32, float32 or float64.", error.Message);
    }

    [Fact]
    public void TheRunner_HandsTheNetworkItsRealTimestep_RoundedOnlyToTheInputsType()
    {
        var random = new Random(5);
        using OnnxDenoiser single = Echo(), twice = Echo("timestep-echo-double.onnx");
        for (int trial = 0; trial < 20; trial++)
        {
            ImageBatch<float> x = RandomBatch(random, 6);
            double[] t = Enumerable.Range(0, 6).Select(_ => 999 * random.NextDouble()).ToArray();
            int[] labels = Enumerable.Range(0, 6).Select(_ => random.Next(11)).ToArray();
            float[] a = single.RunAt(x.Values, t, labels), b = twice.RunAt(x.Values, t, []);
            for (int k = 0; k < 6; k++)
            {
                // the float64 fixture casts its input to float32 inside the graph, so both echo float32(t)
                Assert.Equal((float)t[k], a[k * 16]);
                Assert.Equal((float)t[k], b[k * 16]);
                Assert.Equal(labels[k], a[k * 16 + 1]);
                for (int j = 2; j < 16; j++) Assert.Equal(x.Values[k * 16 + j], a[k * 16 + j]);
            }
        }
    }

    [Fact]
    public void AnIntegerTimestepModel_RefusesATimestepBetweenIntegers_NamingItsInputType()
    {
        using OnnxDenoiser integer = OnnxDenoiser.Load(Fixtures.PathOf("gaussian-eps.onnx"), Fixtures.Small);
        var error = Assert.Throws<ArgumentException>(() => integer.RunAt(new float[32], [3.0, 499.5]));
        Assert.StartsWith("The network timestep of image 1 is 499.5, between integers, but ", error.Message);
        Assert.Contains("its input 'timestep' is int64", error.Message);
        Assert.Equal(integer.Run(new float[16], [499]), integer.RunAt(new float[16], [499.0]));
    }

    [Fact]
    public void Denoise_HandsTheNetworkKDiffusionsFractionalTimestep_AndTheInputScaledByCIn_Exactly()
    {
        // An x_0-predicting echo: D(x̃; σ) is the network's output itself, so every pixel is known exactly.
        var random = new Random(7);
        using OnnxDenoiser network = Echo();
        var denoiser = (IContinuousDenoiser<float>)OnnxBatchDenoiser.Create(network, Ddpm, PredictionTarget.X0, 6);
        for (int trial = 0; trial < 50; trial++)
        {
            ImageBatch<float> x = RandomBatch(random, 3);
            int onGrid = random.Next(1, 1001);
            double[] sigmas = [RandomSigma(random), RandomSigma(random), SigmaSpace.Sigma(Ddpm, onGrid)];
            var denoised = new float[x.Values.Length];
            denoiser.Denoise(x, sigmas, denoised);
            for (int k = 0; k < 3; k++)
            {
                Assert.Equal((float)(ContinuousDenoiser.FractionalTimestep(Ddpm, sigmas[k]) - 1.0), denoised[k * 16]);
                Assert.Equal(6f, denoised[k * 16 + 1]);
                float cIn = (float)(1.0 / Math.Sqrt(1.0 + sigmas[k] * sigmas[k]));
                for (int j = 2; j < 16; j++) Assert.Equal(cIn * x.Values[k * 16 + j], denoised[k * 16 + j]);
            }
            // on the grid σ_t gives exactly t − 1
            Assert.Equal(onGrid - 1, denoised[32]);
        }
    }

    [Fact]
    public void SigmaToFractionalTimestepToSigma_RoundTrips_WithinTheFloat32RoundingOfTheTimestep()
    {
        // The network sees t_net = float32(t(σ) − 1), |t_net − (t(σ) − 1)| ≤ 2⁻²⁴·t_net. log σ is piecewise linear in t
        // with slopes log σ_{t+1} − log σ_t, so σ(t_net + 1) is within exp(2⁻²⁴·t_net·max slope) − 1 of σ, relatively,
        // plus a few double roundings of the log and exp (4·2⁻⁵² each side of a value up to |log σ| ≈ 5).
        double maxSlope = Enumerable.Range(1, Ddpm.Steps - 1).Max(t => Math.Log(SigmaSpace.Sigma(Ddpm, t + 1)) - Math.Log(SigmaSpace.Sigma(Ddpm, t)));
        var random = new Random(11);
        using OnnxDenoiser network = Echo();
        var denoiser = (IContinuousDenoiser<float>)OnnxBatchDenoiser.Create(network, Ddpm, PredictionTarget.X0, 0);
        for (int trial = 0; trial < 200; trial++)
        {
            double sigma = RandomSigma(random);
            var denoised = new float[16];
            denoiser.Denoise(RandomBatch(random, 1), [sigma], denoised);
            double seen = denoised[0];
            double back = ContinuousDenoiser.SigmaAt(Ddpm, seen + 1.0);
            double bound = Math.Exp(Math.Pow(2, -24) * seen * maxSlope + 16 * Math.Pow(2, -52) * 6) - 1.0;
            Assert.True(Math.Abs(back / sigma - 1.0) <= bound, $"σ = {sigma}: the network saw t = {seen}, whose σ is {back}; relative {Math.Abs(back / sigma - 1):E3} > {bound:E3}");
        }
    }

    [Fact]
    public void GuidanceAndALabel_AtFractionalTimesteps_AreThePredictionsCombinedAtThatTimestep_Exactly()
    {
        var random = new Random(13);
        using OnnxDenoiser network = Echo();
        var model = OnnxConditionalDenoiser.Create(network, Ddpm, PredictionTarget.X0, 10, 10);
        const float w = 2.5f;
        var guided = (IContinuousDenoiser<float>)ClassifierFreeGuidance.Create(model, 3, w);
        var labelled = (IContinuousDenoiser<float>)ConditionalBatchDenoiser.WithLabel(model, 8);
        for (int trial = 0; trial < 30; trial++)
        {
            ImageBatch<float> x = RandomBatch(random, 2);
            double[] sigmas = [RandomSigma(random), RandomSigma(random)];
            float[] g = new float[32], l = new float[32];
            guided.Denoise(x, sigmas, g);
            labelled.Denoise(x, sigmas, l);
            for (int k = 0; k < 2; k++)
            {
                float t = (float)(ContinuousDenoiser.FractionalTimestep(Ddpm, sigmas[k]) - 1.0);
                // w·p_y + (1 − w)·p_∅ in float32, with the two halves seeing the same t and input
                Assert.Equal(w * t + (1 - w) * t, g[k * 16]);
                Assert.Equal(w * 3f + (1 - w) * 10f, g[k * 16 + 1]);
                Assert.Equal(t, l[k * 16]);
                Assert.Equal(8f, l[k * 16 + 1]);
                float cIn = (float)(1.0 / Math.Sqrt(1.0 + sigmas[k] * sigmas[k]));
                for (int j = 2; j < 16; j++)
                {
                    float v = cIn * x.Values[k * 16 + j];
                    Assert.Equal(w * v + (1 - w) * v, g[k * 16 + j]);
                    Assert.Equal(v, l[k * 16 + j]);
                }
            }
        }
    }

    [Theory]
    [InlineData(1.0, 0.0)]
    [InlineData(3.0, 0.0)]
    [InlineData(2.0, 0.7)]
    public void OnTheGrid_TheContinuousAdapters_AreTheOnGridOnes_BitForBit_ThroughTheShippedUNet(double w, double phi)
    {
        // The continuous guided denoiser's Predict runs the fractional path at integer t; it must be the same bits as
        // the on-grid guidance, and the labelled adapter the same bits as the network run at t − 1.
        var random = new Random(17);
        using OnnxDenoiser network = OnnxDenoiser.LoadMnistUNet();
        var model = OnnxConditionalDenoiser.MnistUNet(network);
        ImageBatch<float> x = RandomBatch(random, 3, side: 28);
        int[] t = [1, 500, 1000];
        float[] Predict(IBatchDenoiser<float> denoiser)
        {
            var prediction = new float[x.Values.Length];
            denoiser.Predict(x, t, prediction, []);
            return prediction;
        }
        Assert.Equal(Predict(new ClassifierFreeGuidance<float>(model, 5, w, phi)), Predict(ClassifierFreeGuidance.Create(model, 5, w, phi)));
        Assert.Equal(network.Run(x.Values, [0, 499, 999], [5, 5, 5]), Predict(ConditionalBatchDenoiser.WithLabel(model, 5)));
        Assert.Equal(network.Run(x.Values, [0, 499, 999], [10, 10, 10]), Predict(OnnxBatchDenoiser.Create(network, Ddpm, PredictionTarget.Epsilon, 10)));
    }

    [Fact]
    public void TheShippedUNet_BetweenIntegers_IsNeitherNeighbour()
    {
        // A fraction that were rounded or truncated on the way would give one of the two neighbours' outputs exactly.
        var random = new Random(19);
        using OnnxDenoiser network = OnnxDenoiser.LoadMnistUNet();
        for (int trial = 0; trial < 4; trial++)
        {
            float[] x = RandomBatch(random, 1, side: 28).Values.ToArray();
            int below = random.Next(999);
            double between = below + 0.25 + 0.5 * random.NextDouble();
            float[] at = network.RunAt(x, [between], [3]), low = network.Run(x, [below], [3]), high = network.Run(x, [below + 1], [3]);
            Assert.NotEqual(low, at);
            Assert.NotEqual(high, at);
        }
    }

    [Theory]
    [InlineData("dpm2")]
    [InlineData("dpm-solver")]
    public void AnOffGridSamplerThroughOnnx_IsTheCoresFractionalNetwork_BitForBit(string name)
    {
        // The same echo written in C# and wrapped by the core's ContinuousDenoiser.FromFractionalNetwork: the adapter
        // must hand the network the same timesteps and inputs at every evaluation, on and off the grid. (Not the
        // ancestral samplers: at η = 1 their midpoint is the log-midpoint of σ_i and σ_down = σ_{i−1}²/σ_i, which is
        // σ_{i−1}, on the grid up to rounding; a rounded timestep would not show.)
        using OnnxDenoiser network = Echo();
        IBatchDenoiser<float> viaOnnx = OnnxBatchDenoiser.Create(network, Ddpm, PredictionTarget.Epsilon, 2);
        IContinuousDenoiser<float> viaCore = ContinuousDenoiser.FromFractionalNetwork<float>(Ddpm, PredictionTarget.Epsilon, (xt, zeroBased, prediction) =>
        {
            xt.Values.CopyTo(prediction);
            for (int k = 0; k < xt.Count; k++)
            {
                prediction[k * 16] = (float)zeroBased[k];
                prediction[k * 16 + 1] = 2f;
            }
        });
        ISampler sampler = SamplerRegistry.Find(name).Create(new SamplerOptions());
        RespacedSchedule plan = RespacedSchedule.Uniform(Ddpm, 8);
        ImageBatch<float> a = ReverseSampler.Generate(sampler, plan, viaOnnx, 3, 1, 4, 4, NoiseKey.FromSeed(23));
        ImageBatch<float> b = ReverseSampler.Generate(sampler, plan, viaCore, 3, 1, 4, 4, NoiseKey.FromSeed(23));
        Assert.All(a.Values.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.Equal(b.Values.ToArray(), a.Values.ToArray());
    }

    [Theory]
    [InlineData("dpm2")]
    [InlineData("dpm2-ancestral")]
    [InlineData("dpmpp-2s-ancestral")]
    [InlineData("dpm-solver")]
    public void AnIntegerTimestepModel_IsRefusedByTheOffGridSamplers_AndRunByTheOthers(string name)
    {
        using OnnxDenoiser integer = OnnxDenoiser.Load(Fixtures.PathOf("gaussian-eps-class.onnx"), Fixtures.Small with { ClassLabelCount = 11 });
        var model = OnnxConditionalDenoiser.Create(integer, Ddpm, PredictionTarget.Epsilon, 10, 10);
        foreach (IBatchDenoiser<float> denoiser in new[] { OnnxBatchDenoiser.Create(integer, Ddpm, PredictionTarget.Epsilon, 1), ConditionalBatchDenoiser.WithLabel(model, 1), ClassifierFreeGuidance.Create(model, 1, 2.0) })
        {
            var error = Assert.Throws<ArgumentException>(() => SamplerRegistry.Find(name).Create(new SamplerOptions()).RequireCompatible(denoiser));
            Assert.Contains("defined only at integer timesteps", error.Message);
            SamplerRegistry.Find("ddim").Create(new SamplerOptions()).RequireCompatible(denoiser);
        }
    }
}
