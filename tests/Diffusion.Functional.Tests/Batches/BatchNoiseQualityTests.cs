using Diffusion.Functional.Batches;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Tests.Noise;

namespace Diffusion.Functional.Tests.Batches;

/// <summary>
/// The streams a batch draws are independent where it matters for batch use. Neighbouring images of
/// <see cref="ForwardBatch"/> and <see cref="NoiseBatch"/> (key.Child(i) and key.Child(i + 1)) are covered by
/// <see cref="GaussianNoiseQualityTests.NeighbouringStreams_AreUncorrelated"/>; here the grid of
/// <see cref="OracleChainBatch"/>'s step keys key.Child(i).Child(t'), and a parent stream against its children.
/// Each correlation is over n = 10⁶ pairs, allowed 5/√n (NoiseStatistics: 5 standard errors of a correlation of
/// independent pairs); values and squares, since a shared radius would show only in the squares.
/// </summary>
public class BatchNoiseQualityTests
{
    private const int Streams = 1000, Length = 1000;

    private static float[] StreamsOf(Func<int, NoiseKey> key)
    {
        var values = new float[Streams * Length];
        for (int i = 0; i < Streams; i++) GaussianNoise.Fill(key(i), values.AsSpan(i * Length, Length));
        return values;
    }

    private static void AssertUncorrelated(float[] a, float[] b, string what)
    {
        foreach (var (x, y, kind) in new[] { (a, b, "values"), (Squares(a), Squares(b), "squares") })
        {
            double rho = NoiseStatistics.Correlation(x, y), tolerance = NoiseStatistics.CorrelationTolerance(x.Length);
            Assert.True(Math.Abs(rho) <= tolerance, $"{what}, {kind}: correlation {rho:E3} of {x.Length} pairs exceeds {tolerance:E3}.");
        }
    }

    private static float[] Squares(float[] x) => x.Select(v => v * v).ToArray();

    [Fact]
    public void ChainStepStreams_OfNeighbouringImages_AreUncorrelated()
    {
        NoiseKey key = NoiseKey.FromSeed(51);
        AssertUncorrelated(
            StreamsOf(i => key.Child((ulong)i).Child(37)), StreamsOf(i => key.Child((ulong)i + 1).Child(37)),
            "image i vs image i + 1 at step 37");
    }

    [Fact]
    public void ChainStepStreams_OfNeighbouringSteps_AreUncorrelated()
    {
        NoiseKey key = NoiseKey.FromSeed(52);
        AssertUncorrelated(
            StreamsOf(t => key.Child(3).Child((ulong)t + 1)), StreamsOf(t => key.Child(3).Child((ulong)t + 2)),
            "step t vs step t + 1 of one image");
    }

    [Fact]
    public void AParentStream_AndItsChildStreams_AreUncorrelated()
    {
        // A forward batch and a chain run with the same root key draw key.Child(i) and key.Child(i).Child(t'):
        // a parent and a child stream, which must be as independent as two unrelated ones.
        NoiseKey key = NoiseKey.FromSeed(53);
        AssertUncorrelated(
            StreamsOf(i => key.Child((ulong)i)), StreamsOf(i => key.Child((ulong)i).Child(1)),
            "key.Child(i) vs key.Child(i).Child(1)");
    }
}
