using Diffusion.Functional.Images;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Plots;

/// <summary>
/// What the figures are drawn from: a schedule and real digits x_0 in one data range. Immutable.
/// </summary>
public sealed record FigureData
{
    /// <summary>The most digits the pixel histogram uses (the first ones).</summary>
    public const int MaxHistogramDigits = 1000;

    /// <summary>The seed notebook's schedule: linear, T = 200, β 10⁻⁴ → 0.02 (Ho et al. 2020's range over 200 steps).</summary>
    public static NoiseSchedule SeedSchedule { get; } = NoiseSchedule.Linear(200, 1e-4, 0.02);

    /// <summary>The schedule of every figure (by default <see cref="SeedSchedule"/>).</summary>
    public NoiseSchedule Schedule { get; }

    /// <summary>The digit x_0 of the seed's figures.</summary>
    public Image Digit { get; }

    /// <summary>The class 0–9 of <see cref="Digit"/>.</summary>
    public int DigitClass { get; }

    /// <summary>The first digit of each class 0–9, in class order.</summary>
    public IReadOnlyList<Image> DigitOfEachClass { get; }

    /// <summary>The digits whose pixels the histogram counts: the first ≤ <see cref="MaxHistogramDigits"/>.</summary>
    public ImageBatch HistogramDigits { get; }

    private FigureData(NoiseSchedule schedule, Image digit, int digitClass, IReadOnlyList<Image> ofEachClass, ImageBatch histogram)
    {
        Schedule = schedule;
        Digit = digit;
        DigitClass = digitClass;
        DigitOfEachClass = ofEachClass;
        HistogramDigits = histogram;
    }

    /// <summary>The figure data of labelled digits.</summary>
    /// <param name="schedule">Any schedule with T ≥ 8 (the strips need 8 distinct steps).</param>
    /// <param name="digits">Digits x_0 of one shape, with every class 0–9 present.</param>
    /// <param name="labels">The class 0–9 of each digit.</param>
    /// <param name="digitIndex">Which digit the seed's figures show, 0 ≤ digitIndex &lt; digits.Count.</param>
    public static FigureData Create(NoiseSchedule schedule, IReadOnlyList<Image> digits, IReadOnlyList<int> labels, int digitIndex)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(digits);
        ArgumentNullException.ThrowIfNull(labels);
        if (schedule.Steps < 8)
            throw new ArgumentException($"schedule has T = {schedule.Steps} steps; the figures need T ≥ 8.", nameof(schedule));
        if (labels.Count != digits.Count)
            throw new ArgumentException($"labels has {labels.Count} entries but digits has {digits.Count}; give one label per digit.", nameof(labels));
        if ((uint)digitIndex >= (uint)digits.Count)
            throw new ArgumentOutOfRangeException(nameof(digitIndex), digitIndex, $"digitIndex = {digitIndex} is outside 0..{digits.Count - 1}.");
        var ofEachClass = new Image[10];
        for (int c = 0; c < 10; c++)
        {
            int index = IndexOf(labels, c);
            if (index < 0) throw new ArgumentException($"labels has no digit of class {c}; the class grid needs one of each 0–9.", nameof(labels));
            ofEachClass[c] = digits[index];
        }
        ImageBatch histogram = ImageBatch.FromImages(digits.Take(MaxHistogramDigits).ToArray());
        return new FigureData(schedule, digits[digitIndex], labels[digitIndex], ofEachClass, histogram);
    }

    private static int IndexOf(IReadOnlyList<int> labels, int label)
    {
        for (int i = 0; i < labels.Count; i++) if (labels[i] == label) return i;
        return -1;
    }
}
