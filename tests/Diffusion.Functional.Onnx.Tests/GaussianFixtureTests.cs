using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Onnx.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Onnx.Tests;

/// <summary>
/// The exact Gaussian-data ε-denoiser, exported to ONNX with per-t coefficient tables, run through
/// <see cref="OnnxDenoiser"/>: its output is the closed form E[ε | x_t, y] to float32 rounding, at network timestep
/// t − 1 for our t, for every batch size and every split of the batch.
/// </summary>
public class GaussianFixtureTests
{
    // The model computes fl(fl(a·x) + fl(b·μ)) from a = fl32(a*), b = fl32(b*) (tables rounded once from float64) and
    // x, μ exact in float32. Each of the five roundings is relative, |δ| ≤ u = 2⁻²⁴, and a term meets at most three
    // of them (table, product, sum), so |out − ε̂| ≤ ((1 + u)³ − 1)·(|a*·x| + |b*·μ|). numpy's float64 ᾱ_t and the
    // core's differ by a few hundred float64 ulps at most (t products each side, t ≤ 1000): relative 1e-12 covers it.
    private static readonly double U = Math.Pow(2, -24);
    private static readonly double Gamma3 = Math.Pow(1 + U, 3) - 1;
    private const double Float64ScheduleSlack = 1e-12;

    public static double Bound(double magnitude) => (Gamma3 + Float64ScheduleSlack) * magnitude;

    private static readonly GaussianFixture Data = Fixtures.Gaussian;

    // A batch: its size, the largest call, and a seed for its values, timesteps and labels.
    private static readonly Arbitrary<(int Count, int MaxBatch, int Seed)> Batches =
        (from count in Gen.Choose(1, 70)
         from maxBatch in Gen.Choose(1, 80)
         from seed in Gen.Choose(0, int.MaxValue - 1)
         select (count, maxBatch, seed)).ToArbitrary();

    internal static (float[] X, int[] T, int[] Labels) RandomBatch(int count, int seed, int pixels)
    {
        var random = new Random(seed);
        var x = new float[count * pixels];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 6 - 3);
        var t = new int[count];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            // The ends of the table (0 and 999) as often as anywhere else in it.
            t[i] = random.Next(4) switch { 0 => 0, 1 => 999, _ => random.Next(1000) };
            labels[i] = random.Next(11);
        }
        return (x, t, labels);
    }

    [Property(MaxTest = 40)]
    public Property ClassConditional_IsTheClosedForm_ToFloat32Rounding() => Prop.ForAll(Batches, batch =>
    {
        using var model = OnnxDenoiser.Load(Fixtures.PathOf("gaussian-eps-class.onnx"), Fixtures.Small with { MaxBatchSize = batch.MaxBatch, ClassLabelCount = 11 });
        var (x, t, labels) = RandomBatch(batch.Count, batch.Seed, Data.Pixels);
        float[] output = model.Run(x, t, labels);
        AssertClosedForm(x, t, labels, output);
    });

    [Property(MaxTest = 40)]
    public Property Unconditional_IsTheClosedFormOfTheNullMean_ToFloat32Rounding() => Prop.ForAll(Batches, batch =>
    {
        using var model = OnnxDenoiser.Load(Fixtures.PathOf("gaussian-eps.onnx"), Fixtures.Small with { MaxBatchSize = batch.MaxBatch });
        Assert.False(model.IsClassConditional);
        var (x, t, _) = RandomBatch(batch.Count, batch.Seed, Data.Pixels);
        float[] output = model.Run(x, t);
        AssertClosedForm(x, t, Enumerable.Repeat(10, batch.Count).ToArray(), output);
    });

    private static void AssertClosedForm(float[] x, int[] networkT, int[] labels, float[] output)
    {
        Assert.Equal(x.Length, output.Length);
        for (int i = 0; i < networkT.Length; i++)
        for (int p = 0; p < Data.Pixels; p++)
        {
            int k = i * Data.Pixels + p;
            // Network timestep τ is our t = τ + 1 (diffusers counts from 0).
            var (exact, magnitude) = Data.Epsilon(networkT[i] + 1, labels[i], p, x[k]);
            double error = Math.Abs(output[k] - exact);
            Assert.True(error <= Bound(magnitude),
                $"image {i}, pixel {p}, network t {networkT[i]}, label {labels[i]}: ONNX {output[k]:R}, closed form {exact:R}, error {error:E3} > bound {Bound(magnitude):E3}.");
        }
    }

    [Fact]
    public void ClosedForm_IsTheCoresGaussianDataPosterior_PixelByPixel()
    {
        // The tests' ε̂ per pixel against the core's E[x_0 | x_t] of N(μ_y, s_p² I): ε̂ = (x_t − √ᾱ_t·x̂_0)/√(1 − ᾱ_t).
        // Both in float64; the subtraction loses at most a factor 1/√(1 − ᾱ_1) = 100 of relative precision.
        var random = new Random(7);
        foreach (int t in new[] { 1, 2, 50, 500, 999, 1000 })
        foreach (int label in new[] { 0, 4, 10 })
        {
            var mean = Image.FromPixels(4, 4, Data.Mu[label]);
            double[] x = Enumerable.Range(0, Data.Pixels).Select(_ => random.NextDouble() * 6 - 3).ToArray();
            var xt = Image.FromPixels(4, 4, x);
            for (int p = 0; p < Data.Pixels; p++)
            {
                double x0 = new GaussianData(mean, Data.S[p] * Data.S[p]).PosteriorMean(Data.Schedule, xt, t).Pixels[p];
                double epsilon = (x[p] - Data.Schedule.SqrtAlphaBar(t) * x0) / Data.Schedule.SqrtOneMinusAlphaBar(t);
                var (closedForm, magnitude) = Data.Epsilon(t, label, p, x[p]);
                Assert.True(Math.Abs(closedForm - epsilon) <= 1e-12 * Math.Max(1, magnitude), $"t {t}, label {label}, pixel {p}: {closedForm:R} vs the core's {epsilon:R}.");
            }
        }
    }

    [Fact]
    public void NetworkTimestep_IsOurTimestepMinusOne_NotOurTimestep()
    {
        // The mapping matters: at network τ the model is the closed form at our t = τ + 1, far outside the bound of t = τ.
        using var model = OnnxDenoiser.Load(Fixtures.PathOf("gaussian-eps.onnx"), Fixtures.Small);
        float[] x = Enumerable.Range(0, Data.Pixels).Select(p => (float)(p / 8.0 - 1)).ToArray();
        foreach (int tau in new[] { 1, 10, 500 })
        {
            float[] output = model.Run(x, [tau]);
            int misses = 0;
            for (int p = 0; p < Data.Pixels; p++)
            {
                var (wrong, magnitude) = Data.Epsilon(tau, 10, p, x[p]);
                if (Math.Abs(output[p] - wrong) > Bound(magnitude)) misses++;
            }
            Assert.True(misses >= Data.Pixels / 2, $"At network t {tau} the output is within float32 rounding of our t = {tau} at {Data.Pixels - misses} of {Data.Pixels} pixels.");
        }
    }

    [Property(MaxTest = 40)]
    public Property SplitBatches_GiveTheSameBits_AsOneCall() => Prop.ForAll(Batches, batch =>
    {
        var (x, t, labels) = RandomBatch(batch.Count, batch.Seed, Data.Pixels);
        using var whole = OnnxDenoiser.Load(Fixtures.PathOf("gaussian-eps-class.onnx"), Fixtures.Small with { MaxBatchSize = batch.Count });
        using var split = OnnxDenoiser.Load(Fixtures.PathOf("gaussian-eps-class.onnx"), Fixtures.Small with { MaxBatchSize = batch.MaxBatch });
        Assert.Equal(whole.Run(x, t, labels), split.Run(x, t, labels));
    });

    [Fact]
    public void Run_IntoADestination_WritesWhatTheFreshArrayHolds()
    {
        using var model = OnnxDenoiser.Load(Fixtures.PathOf("gaussian-eps-class.onnx"), Fixtures.Small with { MaxBatchSize = 3 });
        var (x, t, labels) = RandomBatch(7, 12, Data.Pixels);
        var destination = new float[x.Length];
        Array.Fill(destination, float.NaN);
        model.Run(x, t, labels, destination);
        Assert.Equal(model.Run(x, t, labels), destination);
    }
}
