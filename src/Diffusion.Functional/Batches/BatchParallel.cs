namespace Diffusion.Functional.Batches;

/// <summary>
/// Spreads a batch's images over threads. Every image of every kernel depends only on its own inputs and its own
/// key (<c>key.Child(i)</c>), so the result is the same bits for any thread count and any split; the split only
/// balances the load.
/// </summary>
internal static class BatchParallel
{
    /// <summary>
    /// Ranges per thread. Parallel.For hands them out dynamically, so the threads finish within about one range of
    /// each other: a worker that wakes up late costs little when ranges are small. Measured on 2 threads (256 images,
    /// the 50-step chain): 4 ranges per thread ran at 1.76× one thread, 64 at 1.88×; A lost nothing at 64.
    /// </summary>
    private const int RangesPerThread = 64;

    /// <summary>
    /// Calls <paramref name="range"/>(first, count) for consecutive ranges of images covering 0 … images − 1: on
    /// the calling thread alone when one thread is allowed, otherwise through <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/>.
    /// </summary>
    public static void ForEachRange(int images, ParallelOptions options, Action<int, int> range)
    {
        int threads = BatchArguments.Threads(options);
        options.CancellationToken.ThrowIfCancellationRequested();
        if (threads <= 1 || images <= 1)
        {
            range(0, images);
            return;
        }

        int ranges = Math.Min(images, threads * RangesPerThread);
        Parallel.For(0, ranges, options, r =>
        {
            int first = (int)((long)images * r / ranges);
            int last = (int)((long)images * (r + 1) / ranges);
            range(first, last - first);
        });
    }
}
