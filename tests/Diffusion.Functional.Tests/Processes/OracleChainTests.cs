using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Processes;
using Diffusion.Functional.Schedules;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Processes;

/// <summary>The oracle reverse chain: where it ends, the law of its states, and its reproducibility.</summary>
public class OracleChainTests
{
    [Property(MaxTest = 100)]
    public Property Run_EndsExactlyAtX0_AfterTPlusOneStates() => Prop.ForAll(
        Generators.ScheduleAndStep.ToArbitrary(), Generators.Images(-1, 1).ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(),
        (pair, x0, seed) =>
        {
            var (schedule, t) = pair;
            NoiseKey key = NoiseKey.FromSeed((ulong)seed);
            Image xt = ForwardProcess.Sample(schedule, x0, t, key);
            ChainState[] states = OracleChain.Run(schedule, x0, xt, t, key.Child(1)).ToArray();
            Assert.Equal(Enumerable.Range(0, t + 1).Reverse(), states.Select(s => s.Step));
            Assert.Same(xt, states[0].X);
            // The seed notebook stops at step 1, one short; the last step has β̃_1 = 0 and mean 1·x_0 + 0·x_1.
            Assert.Equal(x0, states[^1].X);
        });

    [Fact]
    public void Run_IsLazy_AndDrawsNoiseOnlyForStepsWithPositiveVariance()
    {
        NoiseSchedule schedule = NoiseSchedule.Linear(200, 1e-4, 0.02);
        Image x0 = Image.Filled(2, 2, 0.5), xt = Image.Filled(2, 2, 0.0);
        var requested = new List<int>();
        IEnumerable<ChainState> chain = OracleChain.Run(schedule, x0, xt, 5, step =>
        {
            requested.Add(step);
            return Image.Filled(2, 2, 0.1);
        });
        Assert.Empty(requested);
        _ = chain.Take(3).ToArray();
        Assert.Equal([5, 4], requested);
        _ = chain.ToArray();
        Assert.Equal([5, 4, 5, 4, 3, 2], requested);
    }

    [Theory]
    [InlineData("linear")]
    [InlineData("cosine")]
    public void States_HaveTheLawOfTheForwardMarginal(string kind)
    {
        // Start at x_50 ~ q(x_50 | x_0) and run the oracle chain: x_s must be distributed as q(x_s | x_0),
        // mean √ᾱ_s·x_0 and variance 1 − ᾱ_s. 3000 chains of a 2×2 image: n = 3000 per pixel; tolerances from n.
        NoiseSchedule schedule = kind == "linear" ? NoiseSchedule.Linear(200, 1e-4, 0.02) : NoiseSchedule.Cosine(200);
        const int from = 50;
        Image x0 = Image.FromPixels(2, 2, [-1.0, -0.2, 0.3, 1.0]);
        NoiseKey root = NoiseKey.FromSeed(7);
        int[] checkpoints = [49, 40, 25, 10, 2, 1];
        var draws = checkpoints.ToDictionary(s => s, _ => new List<double>[4].Select(_ => new List<double>()).ToArray());
        for (int chain = 0; chain < 3000; chain++)
        {
            NoiseKey key = root.Child((ulong)chain);
            Image xt = ForwardProcess.Sample(schedule, x0, from, key.Child(0));
            foreach (ChainState state in OracleChain.Run(schedule, x0, xt, from, key.Child(1)))
            {
                if (!draws.TryGetValue(state.Step, out var perPixel)) continue;
                for (int p = 0; p < 4; p++) perPixel[p].Add(state.X.Pixels[p]);
            }
        }
        foreach (int s in checkpoints)
            for (int p = 0; p < 4; p++)
                SampleMoments.AssertGaussianMoments(draws[s][p], schedule.SqrtAlphaBar(s) * x0.Pixels[p], schedule.OneMinusAlphaBar(s), $"{kind}: x_{s}, pixel {p}");
    }

    [Fact]
    public void Run_GivesTheSameBits_OnOneThreadAndOnMany()
    {
        NoiseSchedule schedule = NoiseSchedule.Cosine(100);
        Image x0 = Image.FromPixels(7, 5, Enumerable.Range(0, 35).Select(i => Math.Sin(i)).ToArray());
        NoiseKey root = NoiseKey.FromSeed(99);
        Image[] Run(int i)
        {
            NoiseKey key = root.Child((ulong)i);
            Image xt = ForwardProcess.Sample(schedule, x0, 80, key.Child(0));
            return OracleChain.Run(schedule, x0, xt, 80, key.Child(1)).Select(s => s.X).ToArray();
        }
        Image[][] sequential = Enumerable.Range(0, 64).Select(Run).ToArray();
        var parallel = new Image[64][];
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount * 2 }, i => parallel[i] = Run(i));
        for (int i = 0; i < 64; i++) Assert.Equal(sequential[i], parallel[i]);
        Assert.NotEqual(sequential[0][40], sequential[1][40]);
    }

    [Fact]
    public void Run_Throws_WhenNoiseHasAnotherShape()
    {
        NoiseSchedule schedule = NoiseSchedule.Linear(20, 1e-4, 0.02);
        Image x0 = Image.Filled(3, 3, 0);
        var error = Assert.Throws<ArgumentException>(() =>
            OracleChain.Run(schedule, x0, x0, 10, _ => Image.Filled(3, 4, 0)).ToArray());
        Assert.Contains("noiseForStep(10)", error.Message);
        Assert.Contains("3×4", error.Message);
    }
}
