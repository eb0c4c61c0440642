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
/// <see cref="ForwardBatch"/>: the float32 batch q(x_t | x_0) is the core's <see cref="ForwardProcess.Sample(NoiseSchedule, Image, int, NoiseKey)"/>
/// with the same noise, on every path, thread count and split, and it leaves its inputs alone.
/// </summary>
public class ForwardBatchTests
{
    private static float[] Run(BatchCase c, NoisePath path)
    {
        var result = new float[c.X0.Length];
        ForwardBatch.SampleRange(path, c.Schedule, c.X0, c.Pixels, c.Timesteps, c.Key, result, 0, c.Images);
        return result;
    }

    [Property(MaxTest = 200)]
    public Property Sample_EqualsTheFloatReferenceBitForBit_OnEveryPath() => Prop.ForAll(BatchCases.Cases.ToArbitrary(), c =>
    {
        float[] expected = BatchCases.ForwardReference(c);
        foreach (NoisePath path in NoiseStatistics.RunnablePaths)
            BatchCases.AssertSameBits(expected, Run(c, path), $"{c}, {path}");
        var viaPublic = new float[c.X0.Length];
        ForwardBatch.Sample(c.Schedule, c.X0, c.Pixels, c.Timesteps, c.Key, viaPublic);
        BatchCases.AssertSameBits(expected, viaPublic, $"{c}, public API");
    });

    [Property(MaxTest = 100)]
    public Property Sample_AgreesWithTheCoreForwardProcess_WithinFloatRounding() => Prop.ForAll(BatchCases.Cases.ToArbitrary(), c =>
    {
        // The core computes √ᾱ·x_0 + √(1 − ᾱ)·ε in double with ε = the stream key.Child(i) widened and x_0 = the same
        // floats widened. The kernel rounds a and s to float (relative error ≤ u = 2⁻²⁴ each), then a·x_0 and the fma
        // (one rounding each): |error| ≤ ((1 + u)³ − 1)·|a·x_0| + ((1 + u)² − 1)·|s·ε| ≤ 3.0001·u·(|a·x_0| + |s·ε|),
        // the 0.0001 covering u² terms and the core's own double roundings (2·2⁻⁵³).
        var result = new float[c.X0.Length];
        ForwardBatch.Sample(c.Schedule, c.X0, c.Pixels, c.Timesteps, c.Key, result);
        for (int i = 0; i < c.Images; i++)
        {
            int t = c.Timesteps[i];
            Image core = ForwardProcess.Sample(c.Schedule, c.X0Image(i), t, c.Key.Child((ulong)i));
            double[] noise = GaussianNoise.Sample(c.Key.Child((ulong)i), c.Pixels);
            double a = c.Schedule.SqrtAlphaBar(t), s = c.Schedule.SqrtOneMinusAlphaBar(t);
            for (int j = 0; j < c.Pixels; j++)
            {
                double bound = 3.0001 * BatchCases.FloatRoundoff * (Math.Abs(a * c.X0[(i * c.Pixels) + j]) + Math.Abs(s * noise[j]));
                double error = Math.Abs(result[(i * c.Pixels) + j] - core.Pixels[j]);
                Assert.True(error <= bound, $"{c}: image {i} (t = {t}), pixel {j}: |{result[(i * c.Pixels) + j]:R} − {core.Pixels[j]:R}| = {error:E3} > {bound:E3}.");
            }
        }
    });

    [Fact]
    public void Sample_GivesTheSameBits_OnAnyThreadCount()
    {
        BatchCase c = BatchCases.Mnist();
        float[] serial = Run(c, GaussianNoise.BestPath);
        foreach (int threads in new[] { 1, 2, 3, 8, -1 })
        {
            var parallel = new float[c.X0.Length];
            ForwardBatch.Sample(c.Schedule, c.X0, c.Pixels, c.Timesteps, c.Key, parallel, new ParallelOptions { MaxDegreeOfParallelism = threads });
            BatchCases.AssertSameBits(serial, parallel, $"{threads} threads");
        }
    }

    [Property(MaxTest = 50)]
    public Property Sample_GivesTheSameBits_ForAnySplitOfTheBatch() => Prop.ForAll(
        BatchCases.Cases.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (c, seed) =>
        {
            float[] whole = Run(c, GaussianNoise.BestPath);
            var pieces = new float[c.X0.Length];
            foreach (var (first, count) in Splits.Random(c.Images, seed))
                ForwardBatch.SampleRange(GaussianNoise.BestPath, c.Schedule, c.X0, c.Pixels, c.Timesteps, c.Key, pieces, first, count);
            BatchCases.AssertSameBits(whole, pieces, $"{c}, split seed {seed}");
        });

    [Fact]
    public void Sample_LeavesItsInputsUntouched()
    {
        BatchCase c = BatchCases.Mnist();
        float[] x0 = (float[])c.X0.Clone();
        int[] timesteps = (int[])c.Timesteps.Clone();
        ForwardBatch.Sample(c.Schedule, c.X0, c.Pixels, c.Timesteps, c.Key, new float[c.X0.Length]);
        ForwardBatch.Sample(c.Schedule, c.X0, c.Pixels, c.Timesteps, c.Key, new float[c.X0.Length], new ParallelOptions());
        BatchCases.AssertSameBits(x0, c.X0, "x0 after the kernel");
        Assert.Equal(timesteps, c.Timesteps);
    }

    [Fact]
    public void Sample_ValuesInValuesOut_EqualsTheSpanKernel()
    {
        BatchCase c = BatchCases.Mnist(images: 5);
        var x0 = ImageBatch<float>.FromValues(5, 1, 28, 28, c.X0);
        ImageBatch<float> serial = ForwardBatch.Sample(c.Schedule, x0, c.Timesteps, c.Key);
        ImageBatch<float> parallel = ForwardBatch.Sample(c.Schedule, x0, c.Timesteps, c.Key, new ParallelOptions { MaxDegreeOfParallelism = 2 });
        BatchCases.AssertSameBits(BatchCases.ForwardReference(c), serial.Values, "values in, values out");
        Assert.Equal(serial, parallel);
        Assert.Equal((5, 28, 28), (serial.Count, serial.Width, serial.Height));
    }

    [Fact]
    public void Sample_AllocatesNothing()
    {
        BatchCase c = BatchCases.Mnist();
        var result = new float[c.X0.Length];
        Allocations.AssertNone(() => ForwardBatch.Sample(c.Schedule, c.X0, c.Pixels, c.Timesteps, c.Key, result),
            $"forward noising of {c.Images} images");
    }

    [Fact]
    public void Sample_Throws_WhenTheDestinationOverlapsX0()
    {
        BatchCase c = BatchCases.Mnist(images: 2);
        var error = Assert.Throws<ArgumentException>(() =>
            ForwardBatch.Sample(c.Schedule, c.X0, c.Pixels, c.Timesteps, c.Key, c.X0.AsSpan()));
        Assert.Equal("destination", error.ParamName);
        Assert.Contains("never write into their inputs", error.Message);
    }

    [Fact]
    public void Sample_Throws_WhenATimestepIsOutsideOneToT()
    {
        BatchCase c = BatchCases.Mnist(images: 3, steps: 50);
        int[] timesteps = [5, 0, 7];
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ForwardBatch.Sample(c.Schedule, c.X0, c.Pixels, timesteps, c.Key, new float[c.X0.Length]));
        Assert.Equal("timesteps", error.ParamName);
        Assert.Contains("timesteps[1] = 0 is outside 1..50", error.Message);
    }

    [Theory]
    [InlineData(0, 3, "pixelsPerImage")]
    [InlineData(783, 3, "x0")]
    [InlineData(784, 2, "timesteps")]
    public void Sample_Throws_WhenTheShapesDoNotMatch(int pixelsPerImage, int timestepCount, string parameter)
    {
        BatchCase c = BatchCases.Mnist(images: 3);
        var error = Assert.ThrowsAny<ArgumentException>(() => ForwardBatch.Sample(
            c.Schedule, c.X0, pixelsPerImage, c.Timesteps.AsSpan(0, timestepCount), c.Key, new float[c.X0.Length]));
        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void Sample_Throws_WhenTheDestinationHasAnotherLength()
    {
        BatchCase c = BatchCases.Mnist(images: 2);
        var error = Assert.Throws<ArgumentException>(() =>
            ForwardBatch.Sample(c.Schedule, c.X0, c.Pixels, c.Timesteps, c.Key, new float[c.X0.Length + 1]));
        Assert.Equal("destination", error.ParamName);
    }
}
