using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Tests.Sampling;

/// <summary>The edge cases that broke an anchor, for every registered sampler: finite numbers, the right end, clear refusals.</summary>
public class SamplerEdgeCaseTests
{
    internal static readonly DiagonalGaussianData Data = new(3, 2, 2,
        [0.3, -0.5, 1.0, 0.0, 0.2, 0.1, -0.3, 0.7, 0.0, 0.5, -1.0, 0.25],
        [0.25, 1.0, 2.5, 0.04, 0.5, 0.1, 1.5, 0.3, 0.01, 2.0, 0.8, 1.1]);

    /// <summary>Two images from x_T ~ N(0, 1) through the sampler of <paramref name="entry"/> on <paramref name="plan"/>, in T's arithmetic.</summary>
    internal static double[] Run<T>(SamplerEntry entry, RespacedSchedule plan, PredictionTarget target = PredictionTarget.X0)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var start = ImageBatch<T>.FromDoubles(2, 3, 2, 2, GaussianNoiseValues(24));
        var run = new SamplerRun<T>(plan, Data.Denoiser<T>(plan.Original, target), start, [new NoiseKey(5), new NoiseKey(6)]);
        return entry.Create(new SamplerOptions()).Run(run).ToDoubleArray();
    }

    internal static double[] Run(SamplerEntry entry, RespacedSchedule plan) => Run<double>(entry, plan);

    private static double[] GaussianNoiseValues(int count)
    {
        var z = new double[count];
        GaussianNoise.Fill(new NoiseKey(99), z);
        return z;
    }

    public static TheoryData<string> Names => new(SamplerRegistry.Names);

    private static bool IsSigmaSampler(string name) => name is not ("ddpm" or "ddim" or "ddpm-mean");

    [Theory]
    [MemberData(nameof(Names))]
    public void OneStep_IsTheDenoisedValueAtTauN(string name)
    {
        // A chain of one step goes from τ_1 = T straight to the data: σ_0 = 0, so every σ sampler returns D(x̃_T; σ_T).
        RespacedSchedule plan = RespacedSchedule.Uniform(CanonicalSchedules.Ddpm, 1);
        double[] x0 = Run(SamplerRegistry.Find(name), plan);
        Assert.All(x0, v => Assert.True(double.IsFinite(v)));
        if (!IsSigmaSampler(name)) return;
        double[] direct = Run(SamplerRegistry.Find("euler"), plan);
        Assert.Equal(direct, x0);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void AllTSteps_AreFiniteInFloatAndDouble_AndAgree(string name)
    {
        RespacedSchedule plan = RespacedSchedule.Full(CanonicalSchedules.Ddpm);
        double[] inDouble = Run<double>(SamplerRegistry.Find(name), plan), inFloat = Run<float>(SamplerRegistry.Find(name), plan);
        Assert.All(inDouble, v => Assert.True(double.IsFinite(v)));
        Assert.All(inFloat, v => Assert.True(double.IsFinite(v)));
        // float32 rounding of x̃ (up to |x_T|/√ᾱ_T ≈ 160) over 1000 steps stays far below the data's scale
        if (IsSigmaSampler(name))
            for (int j = 0; j < inDouble.Length; j++) Assert.True(Math.Abs(inDouble[j] - inFloat[j]) < 1e-3, $"{name}: value {j}: double {inDouble[j]}, float {inFloat[j]}");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(29)]
    public void Dpmpp3M_With3nMinus1Steps_LandsOnSigmaZeroWithoutNaN_DiffusersIssue9007(int steps)
    {
        // diffusers #9007: order 3 with 3n − 1 steps produced NaN on the final step onto σ = 0; here that step is D itself.
        RespacedSchedule plan = RespacedSchedule.Uniform(CanonicalSchedules.Ddpm, steps);
        foreach (PredictionTarget target in new[] { PredictionTarget.Epsilon, PredictionTarget.X0, PredictionTarget.V })
        {
            Assert.All(Run<double>(SamplerRegistry.Find("dpmpp-3m"), plan, target), v => Assert.True(double.IsFinite(v)));
            Assert.All(Run<float>(SamplerRegistry.Find("dpmpp-3m"), plan, target), v => Assert.True(double.IsFinite(v)));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void CosineScheduleWithLambdaTNearMinusTen_IsFinite(string name)
    {
        // The cosine schedule's last step has ᾱ_T ≈ 4e-9 after the β ≤ 0.999 clip: λ_T ≈ −9.7, σ_T ≈ 1.6e4.
        NoiseSchedule cosine = NoiseSchedule.Cosine(1000);
        Assert.InRange(SigmaSpace.Lambda(cosine, 1000), -11.0, -9.0);
        foreach (int steps in new[] { 10, 1000 })
        {
            RespacedSchedule plan = RespacedSchedule.Uniform(cosine, steps);
            Assert.All(Run<double>(SamplerRegistry.Find(name), plan, PredictionTarget.V), v => Assert.True(double.IsFinite(v)));
            Assert.All(Run<float>(SamplerRegistry.Find(name), plan, PredictionTarget.V), v => Assert.True(double.IsFinite(v)));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ZeroTerminalSnr_IsRefusedBySigmaSamplers_WithAClearMessage(string name)
    {
        // σ_T = ∞ where ᾱ_T = 0: x̃ = x/√ᾱ does not exist, so the σ samplers refuse it and name the alternative.
        if (!IsSigmaSampler(name)) return;
        NoiseSchedule zero = ZeroTerminalSnr.Rescale(CanonicalSchedules.Ddpm);
        var error = Assert.Throws<ArgumentException>(() => Run<double>(SamplerRegistry.Find(name), RespacedSchedule.Uniform(zero, 10), PredictionTarget.V));
        Assert.Contains("zero terminal SNR", error.Message);
        Assert.Contains("ddim", error.Message);
    }

    [Fact]
    public void EverySigmaSampler_ReportsItsSteps_ToTheObserver_InChainOrder()
    {
        RespacedSchedule plan = RespacedSchedule.Uniform(CanonicalSchedules.Ddpm, 6);
        foreach (SamplerEntry entry in SamplerRegistry.All.Where(e => IsSigmaSampler(e.Name)))
        {
            var observer = new Recorder();
            var start = ImageBatch<double>.FromDoubles(2, 3, 2, 2, GaussianNoiseValues(24));
            var run = new SamplerRun<double>(plan, Data.Denoiser<double>(plan.Original, PredictionTarget.X0), start, [new NoiseKey(5), new NoiseKey(6)]) { Observer = observer };
            ImageBatch<double> result = entry.Create(new SamplerOptions()).Run(run);
            Assert.Equal(plan.Steps().Select(s => s.Timestep), observer.Steps.Select(r => r.Step.Timestep));
            Assert.Equal(start.ToDoubleArray(), observer.Steps[0].Xt.ToDoubleArray(), new ToleranceComparer(1e-12));
            Assert.Equal(result.ToDoubleArray(), observer.Steps[^1].Next.ToDoubleArray());
            for (int k = 1; k < observer.Steps.Count; k++)
                Assert.Equal(observer.Steps[k - 1].Next.ToDoubleArray(), observer.Steps[k].Xt.ToDoubleArray(), new ToleranceComparer(1e-12));
        }
    }

    private sealed class Recorder : ISamplerObserver<double>
    {
        public List<SamplerStepReport<double>> Steps { get; } = [];

        public void OnStep(SamplerStepReport<double> report) => Steps.Add(report);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance * Math.Max(1.0, Math.Abs(x));

        public int GetHashCode(double obj) => 0;
    }
}
