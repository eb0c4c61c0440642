using Diffusion.Functional.Batches;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Processes;
using Diffusion.Functional.Schedules;
using Diffusion.Functional.Tests.Noise;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Batches;

/// <summary>
/// <see cref="PosteriorBatch"/>: one float32 step of q(x_{t−1} | x_t, x_0) over a batch is the core's
/// <see cref="Posterior.Sample(NoiseSchedule, Image, Image, int, NoiseKey)"/> with the same noise, on every path,
/// thread count and split.
/// </summary>
public class PosteriorBatchTests
{
    private static readonly Gen<(BatchCase Case, int T)> CaseAndStep =
        from c in BatchCases.Cases
        from t in Gen.Frequency((1, Gen.Constant(1)), (5, Gen.Choose(1, c.Schedule.Steps)))
        select (c, t);

    private static float[] Run(BatchCase c, int t, NoisePath path)
    {
        var result = new float[c.X0.Length];
        PosteriorBatch.SampleRange(path, c.Schedule, c.Xt, c.X0, c.Pixels, t, c.Key, result, 0, c.Images);
        return result;
    }

    [Property(MaxTest = 200)]
    public Property Sample_EqualsTheFloatReferenceBitForBit_OnEveryPath() => Prop.ForAll(CaseAndStep.ToArbitrary(), input =>
    {
        var (c, t) = input;
        float[] expected = BatchCases.PosteriorReference(c, t);
        foreach (NoisePath path in NoiseStatistics.RunnablePaths)
            BatchCases.AssertSameBits(expected, Run(c, t, path), $"{c}, t = {t}, {path}");
        var viaPublic = new float[c.X0.Length];
        PosteriorBatch.Sample(c.Schedule, c.Xt, c.X0, c.Pixels, t, c.Key, viaPublic);
        BatchCases.AssertSameBits(expected, viaPublic, $"{c}, t = {t}, public API");
    });

    [Property(MaxTest = 100)]
    public Property Sample_AgreesWithTheCorePosterior_WithinFloatRounding() => Prop.ForAll(CaseAndStep.ToArbitrary(), input =>
    {
        // The core computes (c_x0·x_0 + c_xt·x_t) + σ·ε in double from the same widened floats and ε = key.Child(i).
        // The kernel rounds c_x0, c_xt, σ to float (≤ u = 2⁻²⁴ relative each), then c_x0·x_0 and two fmas, one
        // rounding each: the x_0 term meets 4 factors (1 + δ), the x_t term 3, the noise term 2, so
        // |error| ≤ 4.0001·u·(|c_x0·x_0| + |c_xt·x_t| + |σ·ε|), the 0.0001 covering u² terms and the core's double roundings.
        var (c, t) = input;
        var result = new float[c.X0.Length];
        PosteriorBatch.Sample(c.Schedule, c.Xt, c.X0, c.Pixels, t, c.Key, result);
        PosteriorKernel kernel = Posterior.Kernel(c.Schedule, t);
        for (int i = 0; i < c.Images; i++)
        {
            Image core = Posterior.Sample(c.Schedule, c.XtImage(i), c.X0Image(i), t, c.Key.Child((ulong)i));
            double[] noise = GaussianNoise.Sample(c.Key.Child((ulong)i), c.Pixels);
            for (int j = 0; j < c.Pixels; j++)
            {
                int k = (i * c.Pixels) + j;
                double size = Math.Abs(kernel.CoefX0 * c.X0[k]) + Math.Abs(kernel.CoefXt * c.Xt[k]) + Math.Abs(kernel.StandardDeviation * noise[j]);
                double bound = 4.0001 * BatchCases.FloatRoundoff * size, error = Math.Abs(result[k] - core.Pixels[j]);
                Assert.True(error <= bound, $"{c}, t = {t}: image {i}, pixel {j}: |{result[k]:R} − {core.Pixels[j]:R}| = {error:E3} > {bound:E3}.");
            }
        }
    });

    [Fact]
    public void Sample_AtStepOne_IsX0Exactly()
    {
        // β̃_1 = 0, c_x0 = 1, c_xt = 0 (DDPM eq. 7 with ᾱ_0 = 1): the step to x_0 is x_0 itself, bit for bit.
        BatchCase c = BatchCases.Mnist(images: 4);
        var result = new float[c.X0.Length];
        PosteriorBatch.Sample(c.Schedule, c.Xt, c.X0, c.Pixels, 1, c.Key, result);
        BatchCases.AssertSameBits(c.X0, result, "x_0 from the step t = 1");
    }

    [Fact]
    public void Sample_GivesTheSameBits_OnAnyThreadCount()
    {
        BatchCase c = BatchCases.Mnist();
        float[] serial = Run(c, 300, GaussianNoise.BestPath);
        foreach (int threads in new[] { 1, 2, 3, 8, -1 })
        {
            var parallel = new float[c.X0.Length];
            PosteriorBatch.Sample(c.Schedule, c.Xt, c.X0, c.Pixels, 300, c.Key, parallel, new ParallelOptions { MaxDegreeOfParallelism = threads });
            BatchCases.AssertSameBits(serial, parallel, $"{threads} threads");
        }
    }

    [Property(MaxTest = 50)]
    public Property Sample_GivesTheSameBits_ForAnySplitOfTheBatch() => Prop.ForAll(
        CaseAndStep.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (input, seed) =>
        {
            var (c, t) = input;
            float[] whole = Run(c, t, GaussianNoise.BestPath);
            var pieces = new float[c.X0.Length];
            foreach (var (first, count) in Splits.Random(c.Images, seed))
                PosteriorBatch.SampleRange(GaussianNoise.BestPath, c.Schedule, c.Xt, c.X0, c.Pixels, t, c.Key, pieces, first, count);
            BatchCases.AssertSameBits(whole, pieces, $"{c}, t = {t}, split seed {seed}");
        });

    [Fact]
    public void Sample_LeavesItsInputsUntouched()
    {
        BatchCase c = BatchCases.Mnist();
        float[] x0 = (float[])c.X0.Clone(), xt = (float[])c.Xt.Clone();
        PosteriorBatch.Sample(c.Schedule, c.Xt, c.X0, c.Pixels, 500, c.Key, new float[c.X0.Length]);
        PosteriorBatch.Sample(c.Schedule, c.Xt, c.X0, c.Pixels, 500, c.Key, new float[c.X0.Length], new ParallelOptions());
        BatchCases.AssertSameBits(x0, c.X0, "x0 after the kernel");
        BatchCases.AssertSameBits(xt, c.Xt, "xt after the kernel");
    }

    [Fact]
    public void Sample_ValuesInValuesOut_EqualsTheSpanKernel()
    {
        BatchCase c = BatchCases.Mnist(images: 5);
        var x0 = ImageBatch<float>.FromValues(5, 1, 28, 28, c.X0);
        var xt = ImageBatch<float>.FromValues(5, 1, 28, 28, c.Xt);
        ImageBatch<float> serial = PosteriorBatch.Sample(c.Schedule, xt, x0, 700, c.Key);
        ImageBatch<float> parallel = PosteriorBatch.Sample(c.Schedule, xt, x0, 700, c.Key, new ParallelOptions { MaxDegreeOfParallelism = 2 });
        BatchCases.AssertSameBits(BatchCases.PosteriorReference(c, 700), serial.Values, "values in, values out");
        Assert.Equal(serial, parallel);
    }

    [Fact]
    public void Sample_AllocatesNothing()
    {
        BatchCase c = BatchCases.Mnist();
        var result = new float[c.X0.Length];
        Allocations.AssertNone(() => PosteriorBatch.Sample(c.Schedule, c.Xt, c.X0, c.Pixels, 10, c.Key, result),
            $"a posterior step over {c.Images} images");
    }

    [Theory]
    [InlineData("xt")]
    [InlineData("x0")]
    public void Sample_Throws_WhenTheDestinationOverlapsAnInput(string input)
    {
        BatchCase c = BatchCases.Mnist(images: 2);
        Span<float> destination = input == "xt" ? c.Xt.AsSpan() : c.X0.AsSpan();
        try
        {
            PosteriorBatch.Sample(c.Schedule, c.Xt, c.X0, c.Pixels, 3, c.Key, destination);
            Assert.Fail("no exception");
        }
        catch (ArgumentException error)
        {
            Assert.Equal("destination", error.ParamName);
            Assert.Contains($"overlaps {input}", error.Message);
        }
    }

    [Fact]
    public void Sample_Throws_WhenTIsOutsideOneToT()
    {
        BatchCase c = BatchCases.Mnist(images: 2, steps: 50);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            PosteriorBatch.Sample(c.Schedule, c.Xt, c.X0, c.Pixels, 51, c.Key, new float[c.X0.Length]));
        Assert.Equal("t", error.ParamName);
    }

    [Fact]
    public void Sample_Throws_WhenX0HasAnotherLength()
    {
        BatchCase c = BatchCases.Mnist(images: 2);
        var error = Assert.Throws<ArgumentException>(() =>
            PosteriorBatch.Sample(c.Schedule, c.Xt, c.X0.AsSpan(0, 784), c.Pixels, 3, c.Key, new float[c.X0.Length]));
        Assert.Equal("x0", error.ParamName);
    }
}
