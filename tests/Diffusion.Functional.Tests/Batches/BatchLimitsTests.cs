using Diffusion.Functional.Batches;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Tests.Batches;

/// <summary>
/// Issue 14, cases 1, 7 and 9: a thread limit of any size runs every image (it once overflowed threads·64 and ran
/// none), non-finite inputs are refused at the entry of every kernel, and cancellation is seen before every image and
/// every chain step on one thread as on several, leaving each image either done or as it was.
/// </summary>
public sealed class BatchLimitsTests
{
    public static TheoryData<int> HugeThreadLimits => new() { 1 << 25, (1 << 26) + 1, int.MaxValue };

    [Theory]
    [MemberData(nameof(HugeThreadLimits))]
    public void EveryKernel_WithAThreadLimitFarAboveTheCores_WritesEveryImage(int threads)
    {
        BatchCase c = BatchCases.Mnist(images: 9);
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads };

        var forward = new float[c.X0.Length];
        ForwardBatch.Sample(c.Schedule, c.X0, c.Pixels, c.Timesteps, c.Key, forward, options);
        BatchCases.AssertSameBits(BatchCases.ForwardReference(c), forward, $"ForwardBatch, {threads} threads");

        var posterior = new float[c.X0.Length];
        PosteriorBatch.Sample(c.Schedule, c.Xt, c.X0, c.Pixels, 300, c.Key, posterior, options);
        BatchCases.AssertSameBits(BatchCases.PosteriorReference(c, 300), posterior, $"PosteriorBatch, {threads} threads");

        var chain = new float[c.X0.Length];
        OracleChainBatch.Run(c.Schedule, c.X0, c.Xt, c.Pixels, 40, 10, c.Key, chain, options);
        BatchCases.AssertSameBits(BatchCases.ChainReference(c, 40, 10), chain, $"OracleChainBatch, {threads} threads");

        var noise = new float[c.X0.Length];
        var serial = new float[c.X0.Length];
        NoiseBatch.Fill(c.Key, c.Pixels, noise, options);
        NoiseBatch.Fill(c.Key, c.Pixels, serial);
        BatchCases.AssertSameBits(serial, noise, $"NoiseBatch, {threads} threads");
    }

    public static TheoryData<float, int> NonFinite => new()
    {
        { float.NaN, 0 }, { float.PositiveInfinity, 783 }, { float.NegativeInfinity, 5 * 784 + 17 }, { float.NaN, 9 * 784 - 1 },
    };

    [Theory]
    [MemberData(nameof(NonFinite))]
    public void EveryKernel_RefusesANonFiniteInput_NamingItsIndex(float bad, int index)
    {
        BatchCase c = BatchCases.Mnist(images: 9);
        float[] x0 = (float[])c.X0.Clone(), xt = (float[])c.Xt.Clone();
        x0[index] = bad;
        xt[index] = bad;
        var destination = new float[x0.Length];
        void Names(string parameter, Action call)
        {
            var e = Assert.ThrowsAny<ArgumentException>(call);
            Assert.Equal(parameter, e.ParamName);
            Assert.Contains($"{parameter}[{index}]", e.Message);
            Assert.All(destination, v => Assert.Equal(0f, v));
        }

        Names("x0", () => ForwardBatch.Sample(c.Schedule, x0, c.Pixels, c.Timesteps, c.Key, destination));
        Names("xt", () => PosteriorBatch.Sample(c.Schedule, xt, c.X0, c.Pixels, 300, c.Key, destination));
        Names("x0", () => PosteriorBatch.Sample(c.Schedule, c.Xt, x0, c.Pixels, 300, c.Key, destination));
        Names("x0", () => OracleChainBatch.Run(c.Schedule, x0, c.Xt, c.Pixels, 40, 10, c.Key, destination));
        Names("xt", () => OracleChainBatch.Run(c.Schedule, c.X0, xt, c.Pixels, 40, 10, c.Key, destination));
    }

    [Fact]
    public void FiniteCheck_FindsABadValueInEveryPositionOfAShortSpan()
    {
        // Lengths up to two blocks of four vectors and more, so that each of the four sums, the loop over single
        // vectors after the blocks, and the tail are covered, in the vector and in the scalar sums; NaN and both infinities.
        float[] bad = [float.NaN, float.PositiveInfinity, float.NegativeInfinity];
        for (int length = 1; length <= 75; length++)
            for (int position = 0; position < length; position++)
            {
                var values = Enumerable.Range(0, length).Select(i => (float)(i - 3.5)).ToArray();
                values[position] = bad[position % 3];
                var e = Assert.Throws<ArgumentException>(() => BatchArguments.Finite(values, "v"));
                Assert.Contains($"v[{position}] = {bad[position % 3].ToString(System.Globalization.CultureInfo.InvariantCulture)}", e.Message);
                // Both sums, whichever one this machine's Finite takes (the scalar one where Vector256 is emulated).
                Assert.False(BatchArguments.AllFinite256(values), $"Vector256 sums, length {length}, position {position}");
                Assert.False(BatchArguments.AllFiniteScalar(values), $"scalar sums, length {length}, position {position}");
            }
        float[] extremes = [float.MaxValue, -float.MaxValue, float.Epsilon, 0f, -0f];
        BatchArguments.Finite(extremes, "v");
        for (int length = 0; length <= 75; length++)
        {
            var finite = Enumerable.Range(0, length).Select(i => extremes[i % extremes.Length]).ToArray();
            Assert.True(BatchArguments.AllFinite256(finite), $"Vector256 sums, length {length}");
            Assert.True(BatchArguments.AllFiniteScalar(finite), $"scalar sums, length {length}");
        }
    }

    [Fact]
    public void OverlapCheck_RefusesExactlyWhatMemoryExtensionsOverlapsCalls_Overlapping()
    {
        // Every pair of slices (start, length) of one 10-element array, empty ones included, for float and double:
        // the written-out address test (BatchArguments.NoOverlap) must agree with the BCL's one for every pair.
        Check(new float[10]);
        Check(new double[10]);
        BatchArguments.NoOverlap(new float[4].AsSpan(), new float[4], "x");   // two arrays never overlap

        static void Check<T>(T[] array)
        {
            for (int a = 0; a <= array.Length; a++)
                for (int n = 0; a + n <= array.Length; n++)
                    for (int b = 0; b <= array.Length; b++)
                        for (int m = 0; b + m <= array.Length; m++)
                        {
                            var destination = array.AsSpan(a, n);
                            ReadOnlySpan<T> input = array.AsSpan(b, m);
                            bool expected = destination.Overlaps(input);
                            bool refused = Refuses(array, a, n, b, m);
                            Assert.True(expected == refused, $"{typeof(T).Name}: [{a}, {a + n}) against [{b}, {b + m}): Overlaps {expected}, refused {refused}");
                        }
        }

        static bool Refuses<T>(T[] array, int a, int n, int b, int m)
        {
            try
            {
                BatchArguments.NoOverlap(array.AsSpan(a, n), array.AsSpan(b, m), "x");
                return false;
            }
            catch (ArgumentException)
            {
                return true;
            }
        }
    }

    public static TheoryData<int> ThreadCounts => new() { 1, 2, -1 };

    [Theory]
    [MemberData(nameof(ThreadCounts))]
    public void OracleChain_CancelledWhileRunning_StopsAndLeavesEachImageDoneOrAsItWas(int threads)
    {
        // 400 images of 784 pixels × 1000 steps: seconds of work, cancelled after 5 ms.
        BatchCase c = BatchCases.Mnist(images: 400);
        using var cancellation = new CancellationTokenSource();
        float[] destination = Enumerable.Repeat(float.NaN, c.X0.Length).ToArray();
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellation.Token };
        CancelSoon(cancellation);
        Assert.ThrowsAny<OperationCanceledException>(() =>
            OracleChainBatch.Run(c.Schedule, c.X0, c.Xt, c.Pixels, 1000, 0, c.Key, destination, options));
        // The chain to s = 0 ends at x_0 exactly, so a finished image equals x_0; an unstarted one is still NaN.
        int done = 0, untouched = 0;
        for (int i = 0; i < c.Images; i++)
        {
            var image = destination.AsSpan(i * c.Pixels, c.Pixels);
            var x0 = c.X0.AsSpan(i * c.Pixels, c.Pixels);
            if (image.SequenceEqual(x0)) done++;
            else if (image.ToArray().All(float.IsNaN)) untouched++;
        }
        Assert.True(done + untouched >= c.Images - Math.Max(1, threads == -1 ? Environment.ProcessorCount : threads),
            $"{done} images done and {untouched} untouched of {c.Images}: more were left mid-chain than threads ran");
        Assert.True(untouched > 0, "every image finished: the cancellation was not seen");
    }

    [Fact]
    public void OracleChain_OfOneImage_IsCancelledBetweenSteps()
    {
        var schedule = NoiseSchedule.Linear(200_000, 1e-6, 0.002);
        BatchCase c = BatchCases.Mnist(images: 1) with { Schedule = schedule };
        using var cancellation = new CancellationTokenSource();
        var destination = new float[c.X0.Length];
        CancelSoon(cancellation);
        Assert.ThrowsAny<OperationCanceledException>(() => OracleChainBatch.Run(
            schedule, c.X0, c.Xt, c.Pixels, schedule.Steps, 0, c.Key, destination,
            new ParallelOptions { MaxDegreeOfParallelism = 1, CancellationToken = cancellation.Token }));
    }

    // A dedicated thread, not CancelAfter's timer: under a busy test run the thread pool can start a timer's callback late.
    private static void CancelSoon(CancellationTokenSource cancellation) =>
        new Thread(() =>
        {
            Thread.Sleep(5);
            cancellation.Cancel();
        }) { IsBackground = true }.Start();

    [Fact]
    public void Forward_CancelledBeforeTheCall_WritesNothing()
    {
        BatchCase c = BatchCases.Mnist(images: 5);
        var destination = new float[c.X0.Length];
        Assert.ThrowsAny<OperationCanceledException>(() => ForwardBatch.Sample(c.Schedule, c.X0, c.Pixels, c.Timesteps, c.Key, destination,
            new ParallelOptions { CancellationToken = new CancellationToken(canceled: true) }));
        Assert.All(destination, v => Assert.Equal(0f, v));
    }
}
