using Diffusion.Functional.Images;
using Diffusion.Functional.Batches;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Tests.Noise;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Batches;

/// <summary><see cref="NoiseBatch"/>: image i is the stream key.Child(i), on every path, thread count and split.</summary>
public class NoiseBatchTests
{
    [Property(MaxTest = 100)]
    public Property Fill_ImageIIsTheStreamKeyChildI_OnEveryPath() => Prop.ForAll(BatchCases.Cases.ToArbitrary(), c =>
    {
        foreach (NoisePath path in NoiseStatistics.RunnablePaths)
        {
            var batch = new float[c.Images * c.Pixels];
            NoiseBatch.FillRange(path, c.Key, c.Pixels, batch, 0, c.Images);
            for (int i = 0; i < c.Images; i++)
                BatchCases.AssertSameBits(GaussianNoise.SampleSingle(c.Key.Child((ulong)i), c.Pixels), batch.AsSpan(i * c.Pixels, c.Pixels), $"{c}, {path}, image {i}");
        }
    });

    [Fact]
    public void Fill_IsTheNoiseThatForwardBatchAdds()
    {
        // With x_0 = 0, x_t = fma(s, ε, a·0) = s·ε rounded once, the float product: the same ε, scaled.
        BatchCase c = BatchCases.Mnist(images: 3) with { Timesteps = [1000, 1000, 1000] };
        var zeros = new float[c.X0.Length];
        var xt = new float[c.X0.Length];
        ForwardBatch.Sample(c.Schedule, zeros, c.Pixels, c.Timesteps, c.Key, xt);
        var noise = new float[c.X0.Length];
        NoiseBatch.Fill(c.Key, c.Pixels, noise);
        float s = (float)c.Schedule.SqrtOneMinusAlphaBar(1000);
        BatchCases.AssertSameBits(noise.Select(e => s * e).ToArray(), xt, "s·ε against ForwardBatch at x_0 = 0");
    }

    [Fact]
    public void Fill_GivesTheSameBits_OnAnyThreadCountAndSplit()
    {
        NoiseKey key = NoiseKey.FromSeed(31);
        var serial = new float[45 * 100];
        NoiseBatch.Fill(key, 100, serial);
        foreach (int threads in new[] { 1, 2, 3, 8, -1 })
        {
            var parallel = new float[serial.Length];
            NoiseBatch.Fill(key, 100, parallel, new ParallelOptions { MaxDegreeOfParallelism = threads });
            BatchCases.AssertSameBits(serial, parallel, $"{threads} threads");
        }
        for (int seed = 0; seed < 20; seed++)
        {
            var pieces = new float[serial.Length];
            foreach (var (first, count) in Splits.Random(45, seed))
                NoiseBatch.FillRange(GaussianNoise.BestPath, key, 100, pieces, first, count);
            BatchCases.AssertSameBits(serial, pieces, $"split seed {seed}");
        }
    }

    [Fact]
    public void StandardNormal_IsANewBatchOfTheSameNumbers()
    {
        NoiseKey key = NoiseKey.FromSeed(32);
        ImageBatch<float> batch = NoiseBatch.StandardNormal(key, 4, 1, 3, 7);
        var expected = new float[4 * 21];
        NoiseBatch.Fill(key, 21, expected);
        BatchCases.AssertSameBits(expected, batch.Values, "StandardNormal");
        Assert.Equal(batch, NoiseBatch.StandardNormal(key, 4, 1, 3, 7, new ParallelOptions { MaxDegreeOfParallelism = 2 }));
    }

    [Fact]
    public void Fill_AllocatesNothing()
    {
        var destination = new float[10 * 784];
        Allocations.AssertNone(() => NoiseBatch.Fill(NoiseKey.FromSeed(2), 784, destination), "NoiseBatch.Fill of 10 images");
    }

    [Fact]
    public void Fill_Throws_WhenTheLengthIsNotAWholeNumberOfImages()
    {
        var error = Assert.Throws<ArgumentException>(() => NoiseBatch.Fill(NoiseKey.FromSeed(1), 784, new float[785]));
        Assert.Equal("destination", error.ParamName);
        Assert.Contains("785", error.Message);
    }
}
