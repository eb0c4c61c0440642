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
/// <see cref="OracleChainBatch"/>: image i of the float32 batch chain is the core's
/// <see cref="OracleChain.Run(NoiseSchedule, Image, Image, int, NoiseKey)"/> with key.Child(i), step by step.
/// </summary>
public class OracleChainBatchTests
{
    /// <summary>Chains of up to 40 steps, from any t of the schedule to any s below it.</summary>
    private static readonly Gen<(BatchCase Case, int T, int S)> CaseAndSteps =
        from c in BatchCases.Cases
        from t in Gen.Choose(1, c.Schedule.Steps)
        from s in Gen.Frequency((1, Gen.Constant(0)), (3, Gen.Choose(Math.Max(0, t - 40), t - 1)))
        where t - s <= 40
        select (c, t, s);

    private static float[] Run(BatchCase c, int t, int s, NoisePath path)
    {
        var result = new float[c.X0.Length];
        OracleChainBatch.RunRange(path, c.Schedule, c.X0, c.Xt, c.Pixels, t, s, c.Key, result, 0, c.Images);
        return result;
    }

    [Property(MaxTest = 100)]
    public Property Run_EqualsTheFloatReferenceChainBitForBit_OnEveryPath() => Prop.ForAll(CaseAndSteps.ToArbitrary(), input =>
    {
        var (c, t, s) = input;
        float[] expected = BatchCases.ChainReference(c, t, s);
        foreach (NoisePath path in NoiseStatistics.RunnablePaths)
            BatchCases.AssertSameBits(expected, Run(c, t, s, path), $"{c}, {t} → {s}, {path}");
        var viaPublic = new float[c.X0.Length];
        OracleChainBatch.Run(c.Schedule, c.X0, c.Xt, c.Pixels, t, s, c.Key, viaPublic);
        BatchCases.AssertSameBits(expected, viaPublic, $"{c}, {t} → {s}, public API");
    });

    [Property(MaxTest = 60)]
    public Property Run_AgreesWithTheCoreOracleChainOfKeyChildI_WithinTheAccumulatedFloatRounding() => Prop.ForAll(
        CaseAndSteps.ToArbitrary(), input =>
        {
            // Each float step is within 4.0001·u·S_k of the exact step from the same float state (PosteriorBatchTests,
            // u = 2⁻²⁴, S_k = |c_x0·x_0| + |c_xt·x| + |σ·ε| at that step); the exact step maps a state error e to c_xt·e
            // (c_xt < 1). So after the steps the error is at most B, with B ← c_xt·B + 4.0001·u·S_k, B = 0 at x_t.
            // The core's chain (double, keyed key.Child(i), step t' from key.Child(i).Child(t')) is the reference.
            var (c, t, s) = input;
            float[] result = Run(c, t, s, GaussianNoise.BestPath);
            for (int i = 0; i < c.Images; i++)
            {
                Image core = OracleChain.Run(c.Schedule, c.X0Image(i), c.XtImage(i), t, c.Key.Child((ulong)i)).Single(state => state.Step == s).X;
                double[] bound = ChainBound(c, i, t, s);
                for (int j = 0; j < c.Pixels; j++)
                {
                    double error = Math.Abs(result[(i * c.Pixels) + j] - core.Pixels[j]);
                    Assert.True(error <= bound[j], $"{c}, {t} → {s}: image {i}, pixel {j}: error {error:E3} > {bound[j]:E3}.");
                }
            }
        });

    /// <summary>The accumulated bound B for each pixel of image i, along the float reference trajectory.</summary>
    private static double[] ChainBound(BatchCase c, int i, int t, int s)
    {
        var range = new Range(i * c.Pixels, (i + 1) * c.Pixels);
        float[] x0 = c.X0[range], state = c.Xt[range], next = new float[c.Pixels];
        var bound = new double[c.Pixels];
        for (int step = t; step > s; step--)
        {
            PosteriorKernel kernel = Posterior.Kernel(c.Schedule, step);
            NoiseKey stepKey = c.Key.Child((ulong)i).Child((ulong)step);
            double[] noise = GaussianNoise.Sample(stepKey, c.Pixels);
            for (int j = 0; j < c.Pixels; j++)
            {
                double size = Math.Abs(kernel.CoefX0 * x0[j]) + Math.Abs(kernel.CoefXt * state[j]) + Math.Abs(kernel.StandardDeviation * noise[j]);
                bound[j] = (kernel.CoefXt * bound[j]) + (4.0001 * BatchCases.FloatRoundoff * size);
            }
            BatchCases.PosteriorReference(c.Schedule, step, stepKey, x0, state, next);
            next.CopyTo(state, 0);
        }
        return bound;
    }

    [Property(MaxTest = 100)]
    public Property Run_ToZero_EndsExactlyAtX0() => Prop.ForAll(CaseAndSteps.ToArbitrary(), input =>
    {
        var (c, t, _) = input;
        BatchCases.AssertSameBits(c.X0, Run(c, t, 0, GaussianNoise.BestPath), $"{c}, {t} → 0");
    });

    [Fact]
    public void Run_GivesTheSameBits_OnAnyThreadCount()
    {
        BatchCase c = BatchCases.Mnist();
        float[] serial = Run(c, 60, 10, GaussianNoise.BestPath);
        foreach (int threads in new[] { 1, 2, 3, 8, -1 })
        {
            var parallel = new float[c.X0.Length];
            OracleChainBatch.Run(c.Schedule, c.X0, c.Xt, c.Pixels, 60, 10, c.Key, parallel, new ParallelOptions { MaxDegreeOfParallelism = threads });
            BatchCases.AssertSameBits(serial, parallel, $"{threads} threads");
        }
    }

    [Property(MaxTest = 40)]
    public Property Run_GivesTheSameBits_ForAnySplitOfTheBatch() => Prop.ForAll(
        CaseAndSteps.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (input, seed) =>
        {
            var (c, t, s) = input;
            float[] whole = Run(c, t, s, GaussianNoise.BestPath);
            var pieces = new float[c.X0.Length];
            foreach (var (first, count) in Splits.Random(c.Images, seed))
                OracleChainBatch.RunRange(GaussianNoise.BestPath, c.Schedule, c.X0, c.Xt, c.Pixels, t, s, c.Key, pieces, first, count);
            BatchCases.AssertSameBits(whole, pieces, $"{c}, {t} → {s}, split seed {seed}");
        });

    [Fact]
    public void Run_OneStep_IsThePosteriorStepDrawnFromKeyChildIChildT()
    {
        // The key convention spelled out: image i's step t' → t' − 1 draws the stream key.Child(i).Child(t').
        BatchCase c = BatchCases.Mnist(images: 2);
        var viaChain = new float[c.X0.Length];
        OracleChainBatch.Run(c.Schedule, c.X0, c.Xt, c.Pixels, 400, 399, c.Key, viaChain);
        var expected = new float[784];
        BatchCases.PosteriorReference(c.Schedule, 400, c.Key.Child(1).Child(400), c.X0.AsSpan(784), c.Xt.AsSpan(784), expected);
        BatchCases.AssertSameBits(expected, viaChain.AsSpan(784), "image 1 after one step");
    }

    [Fact]
    public void Run_LeavesItsInputsUntouched()
    {
        BatchCase c = BatchCases.Mnist();
        float[] x0 = (float[])c.X0.Clone(), xt = (float[])c.Xt.Clone();
        OracleChainBatch.Run(c.Schedule, c.X0, c.Xt, c.Pixels, 30, 0, c.Key, new float[c.X0.Length]);
        OracleChainBatch.Run(c.Schedule, c.X0, c.Xt, c.Pixels, 30, 0, c.Key, new float[c.X0.Length], new ParallelOptions());
        BatchCases.AssertSameBits(x0, c.X0, "x0 after the chain");
        BatchCases.AssertSameBits(xt, c.Xt, "xt after the chain");
    }

    [Fact]
    public void Run_ValuesInValuesOut_EqualsTheSpanKernel()
    {
        BatchCase c = BatchCases.Mnist(images: 5);
        var x0 = ImageBatch<float>.FromValues(5, 1, 28, 28, c.X0);
        var xt = ImageBatch<float>.FromValues(5, 1, 28, 28, c.Xt);
        ImageBatch<float> serial = OracleChainBatch.Run(c.Schedule, x0, xt, 50, 20, c.Key);
        ImageBatch<float> parallel = OracleChainBatch.Run(c.Schedule, x0, xt, 50, 20, c.Key, new ParallelOptions { MaxDegreeOfParallelism = 2 });
        BatchCases.AssertSameBits(BatchCases.ChainReference(c, 50, 20), serial.Values, "values in, values out");
        Assert.Equal(serial, parallel);
    }

    [Fact]
    public void Run_AllocatesZeroBytes_WhateverTheNumberOfSteps()
    {
        BatchCase c = BatchCases.Mnist();
        var result = new float[c.X0.Length];
        foreach (int steps in new[] { 1, 10, 100 })
        {
            Allocations.AssertNone(() => OracleChainBatch.Run(c.Schedule, c.X0, c.Xt, c.Pixels, 200, 200 - steps, c.Key, result),
                $"a chain of {steps} steps over {c.Images} images");
        }
    }

    [Theory]
    [InlineData(10, 10)]
    [InlineData(10, -1)]
    [InlineData(10, 11)]
    public void Run_Throws_WhenSIsNotBelowT(int t, int s)
    {
        BatchCase c = BatchCases.Mnist(images: 1);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            OracleChainBatch.Run(c.Schedule, c.X0, c.Xt, c.Pixels, t, s, c.Key, new float[c.X0.Length]));
        Assert.Equal("s", error.ParamName);
        Assert.Contains($"s = {s} is outside 0..{t - 1}", error.Message);
    }

    [Theory]
    [InlineData("xt")]
    [InlineData("x0")]
    public void Run_Throws_WhenTheDestinationOverlapsAnInput(string input)
    {
        // Input and destination in one array, the destination shifted by one image: they share 784 floats.
        BatchCase c = BatchCases.Mnist(images: 2);
        var shared = new float[3 * 784];
        (input == "xt" ? c.Xt : c.X0).CopyTo(shared, 0);
        ReadOnlySpan<float> x0 = input == "x0" ? shared.AsSpan(0, 1568) : c.X0, xt = input == "xt" ? shared.AsSpan(0, 1568) : c.Xt;
        try
        {
            OracleChainBatch.Run(c.Schedule, x0, xt, c.Pixels, 5, 0, c.Key, shared.AsSpan(784, 1568));
            Assert.Fail("no exception");
        }
        catch (ArgumentException error)
        {
            Assert.Equal("destination", error.ParamName);
            Assert.Contains($"overlaps {input}", error.Message);
        }
    }
}
