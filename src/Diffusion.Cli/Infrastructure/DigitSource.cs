using Diffusion.Functional.Schedules;
using System.CommandLine;
using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Images;
using Diffusion.Functional.Plots;

namespace Diffusion.Cli.Infrastructure;

/// <summary>Where the commands that read digits get them: the shipped MNIST sample, or a user's copy (<c>--mnist DIR</c>).</summary>
internal static class DigitSource
{
    /// <summary>The <c>--mnist</c> option shared by every command that reads digits.</summary>
    public static Option<string?> MnistOption() => new("--mnist")
    {
        Description = "A folder with MNIST's IDX files (train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz], or t10k-…, "
            + "there or in MNIST/raw as torchvision saves them). Default: the 1,000 real digits embedded in the tool (data/mnist-sample-*.gz in the repository).",
    };

    /// <summary>The <c>--digit</c> option: an index into the digits.</summary>
    public static Option<int> DigitOption() => new Option<int>("--digit")
    {
        Description = "Which digit: its index in the set (0-based, as dataset[N] in torchvision). In the shipped sample, "
            + "digit N has class N mod 10 and digit 5 is MNIST's training image 0, the seed notebook's 5.",
        Required = true,
    }.AsWholeNumber("0..N − 1 for a set of N digits (0..999 for the shipped sample)");

    /// <summary>The <c>--seed</c> option: the root of every noise key the command uses.</summary>
    public static Option<ulong> SeedOption() => new Option<ulong>("--seed")
    {
        Description = $"The noise seed (a 64-bit unsigned integer); the same seed gives the same images, bit for bit. Default: {FigureCatalogue.DefaultSeed}.",
        DefaultValueFactory = _ => FigureCatalogue.DefaultSeed,
    }.AsUnsignedNumber();

    /// <summary>The shipped sample, or the MNIST set in <paramref name="directory"/>.</summary>
    public static MnistDigits Load(string? directory)
    {
        if (directory is null) return MnistSample.Load();
        if (string.IsNullOrWhiteSpace(directory))
            throw new UsageException("--mnist is empty; give the folder that holds MNIST's IDX files.");
        if (File.Exists(directory))
            throw new UsageException($"--mnist {directory} is a file, not a folder; give the folder that holds MNIST's IDX files.");
        if (!Directory.Exists(directory))
            throw new UsageException($"--mnist {directory}: no such folder.");
        return MnistFiles.LoadDirectory(directory);
    }

    /// <summary>
    /// Every digit as x_0 in [−1, 1] (the values of <see cref="MnistDigits.Image"/>, bit for bit), written straight into
    /// one batch: 8 bytes a pixel once, not an image per digit and then a copy (849 MB for MNIST before, 376 MB now).
    /// </summary>
    public static ImageBatch<double> TrainingSet(MnistDigits digits) =>
        ImageBatch<double>.Create(digits.Count, 1, digits.Height, digits.Width, (pixels, i) =>
        {
            ReadOnlySpan<byte> bytes = digits.PixelBytes(i);
            for (int p = 0; p < pixels.Length; p++) pixels[p] = PixelRange.SignedUnit.FromByte(bytes[p]);
        });

    /// <summary>Digit <paramref name="index"/> as x_0 in [−1, 1]; a bad index is a usage error naming the range.</summary>
    public static Image Digit(MnistDigits digits, int index)
    {
        if ((uint)index >= (uint)digits.Count)
            throw new UsageException($"--digit {index} is outside 0..{digits.Count - 1}: {digits.Source} holds {digits.Count} digits.");
        return digits.Image(index);
    }

    /// <summary>
    /// The figures' data: the seed's schedule, DDPM's for generation, the first ≤ 1,000 digits (for the histogram, the
    /// sampling figures' training set and one digit of each class), and the first "5" as the seed's digit (MNIST's
    /// training image 0 in the full set and in the sample).
    /// </summary>
    public static FigureData FigureData(MnistDigits digits)
    {
        int count = Math.Min(digits.Count, Functional.Plots.FigureData.MaxDigits);
        int five = digits.IndexOfFirst(5);
        if (five < 0 || five >= count)
            throw new InvalidDataException($"{digits.Source} has no digit 5 among its first {count}; the seed's figures show a 5.");
        Image[] images = Enumerable.Range(0, count).Select(i => digits.Image(i)).ToArray();
        int[] labels = Enumerable.Range(0, count).Select(digits.Label).ToArray();
        return Functional.Plots.FigureData.Create(Functional.Schedules.CanonicalSchedules.Seed, images, labels, five);
    }
}
