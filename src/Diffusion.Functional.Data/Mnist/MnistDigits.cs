using Diffusion.Functional.Images;

namespace Diffusion.Functional.Data.Mnist;

/// <summary>
/// Labelled MNIST digits (LeCun, Cortes &amp; Burges): greyscale images of one shape as 8-bit pixels, each with its
/// class 0–9. Immutable. <see cref="Image(int, PixelRange)"/> turns digit i into the core's x_0 in a data range.
/// </summary>
public sealed record MnistDigits
{
    /// <summary>The number of classes of MNIST, the digits 0–9.</summary>
    public const int Classes = 10;

    /// <summary>The pixels.</summary>
    public IdxImages Images { get; }

    /// <summary>The class of each image, 0–9.</summary>
    public IdxLabels Labels { get; }

    /// <summary>Where the digits came from (file names or "the MNIST sample shipped with Diffusion.Functional").</summary>
    public string Source { get; }

    /// <summary>The number of digits, ≥ 1.</summary>
    public int Count => Images.Count;

    /// <summary>Pixels per row.</summary>
    public int Width => Images.Columns;

    /// <summary>Rows.</summary>
    public int Height => Images.Rows;

    private MnistDigits(IdxImages images, IdxLabels labels, string source)
    {
        Images = images;
        Labels = labels;
        Source = source;
    }

    /// <summary>Pairs images with their labels.</summary>
    /// <param name="images">The images.</param>
    /// <param name="labels">As many labels as images, each 0–9.</param>
    /// <param name="source">A description of where they came from, for messages.</param>
    /// <exception cref="InvalidDataException">The counts differ or a label is not a digit; the message names <paramref name="source"/>.</exception>
    public static MnistDigits Pair(IdxImages images, IdxLabels labels, string source)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(source);
        if (images.Count != labels.Count)
            throw new InvalidDataException($"{source}: the image file holds {images.Count} images but the label file holds {labels.Count} labels; they must be a pair of one set.");
        ReadOnlySpan<byte> values = labels.Values;
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] >= Classes)
                throw new InvalidDataException($"{source}: label {i} is {values[i]}, not a digit 0–9.");
        }
        return new MnistDigits(images, labels, source);
    }

    /// <summary>The class 0–9 of digit <paramref name="index"/>, 0 ≤ index &lt; Count.</summary>
    public int Label(int index)
    {
        RequireIndex(index);
        return Labels.Values[index];
    }

    /// <summary>The 8-bit pixels of digit <paramref name="index"/>, row-major, 0 ≤ index &lt; Count.</summary>
    public ReadOnlySpan<byte> PixelBytes(int index)
    {
        RequireIndex(index);
        return Images.Image(index);
    }

    /// <summary>
    /// Digit <paramref name="index"/> as the core's x_0: byte b ↦ 2b/255 − 1 for [−1, 1] (DDPM §3.3, the default)
    /// or b/255 for [0, 1] (the seed notebook's <c>ToTensor</c>).
    /// </summary>
    public Image Image(int index, PixelRange range = PixelRange.SignedUnit) =>
        range.ImageFromBytes(Width, Height, PixelBytes(index));

    /// <summary>The index of the first digit of class <paramref name="label"/> (0–9), or −1 if there is none.</summary>
    public int IndexOfFirst(int label)
    {
        if (label is < 0 or >= Classes)
            throw new ArgumentOutOfRangeException(nameof(label), label, $"label = {label} is not a digit 0–9.");
        return Labels.Values.IndexOf((byte)label);
    }

    private void RequireIndex(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"index = {index} is outside 0..{Count - 1}: {Source} holds {Count} digits.");
    }

    /// <inheritdoc />
    public override string ToString() => $"{Count} MNIST digits {Width}×{Height} from {Source}";
}
