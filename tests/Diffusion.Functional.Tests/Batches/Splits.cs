namespace Diffusion.Functional.Tests.Batches;

/// <summary>Random splits of a batch into consecutive ranges, visited in a random order (as threads might).</summary>
public static class Splits
{
    /// <summary>Ranges (first, count) covering 0 … images − 1 exactly once, cut at random points, in a shuffled order.</summary>
    public static IReadOnlyList<(int First, int Count)> Random(int images, int seed)
    {
        var random = new Random(seed);
        var cuts = Enumerable.Range(1, Math.Max(0, images - 1)).Where(_ => random.Next(2) == 0).Prepend(0).Append(images).ToArray();
        var ranges = cuts.Zip(cuts.Skip(1), (a, b) => (a, b - a)).ToArray();
        random.Shuffle(ranges);
        return ranges;
    }
}
