using Diffusion.Functional.Images;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Plots;

/// <summary>
/// What the figures are drawn from: a schedule and real digits x_0 in one data range. Immutable.
/// </summary>
public sealed record FigureData
{
    /// <summary>The most digits the figures use (the first ones): the histogram's pixels and the sampling figures' training set.</summary>
    public const int MaxDigits = 1000;


    /// <summary>The schedule of the forward and posterior figures (by default <see cref="CanonicalSchedules.Seed"/>).</summary>
    public NoiseSchedule Schedule { get; }

    /// <summary>The schedule the sampling figures generate with, from pure noise (by default <see cref="CanonicalSchedules.Ddpm"/>).</summary>
    public NoiseSchedule GenerationSchedule { get; }

    /// <summary>The digit x_0 of the seed's figures.</summary>
    public Image Digit { get; }

    /// <summary>The class 0–9 of <see cref="Digit"/>.</summary>
    public int DigitClass { get; }

    /// <summary>The first digit of each class 0–9, in class order.</summary>
    public IReadOnlyList<Image> DigitOfEachClass { get; }

    /// <summary>
    /// The first ≤ <see cref="MaxDigits"/> digits: the pixels the histogram counts, and the training set whose empirical
    /// denoiser (<c>EmpiricalData</c>) the sampling figures generate with.
    /// </summary>
    public ImageBatch<double> Digits { get; }

    private FigureData(NoiseSchedule schedule, NoiseSchedule generationSchedule, Image digit, int digitClass, IReadOnlyList<Image> ofEachClass, ImageBatch<double> digits)
    {
        Schedule = schedule;
        GenerationSchedule = generationSchedule;
        Digit = digit;
        DigitClass = digitClass;
        DigitOfEachClass = ofEachClass;
        Digits = digits;
    }

    /// <summary>The figure data of labelled digits.</summary>
    /// <param name="schedule">Any schedule with T ≥ 8 (the strips need 8 distinct steps).</param>
    /// <param name="digits">Digits x_0 of one shape, with every class 0–9 present.</param>
    /// <param name="labels">The class 0–9 of each digit.</param>
    /// <param name="digitIndex">Which digit the seed's figures show, 0 ≤ digitIndex &lt; digits.Count.</param>
    /// <param name="generationSchedule">
    /// The schedule of the sampling figures, T ≥ 100 (they show chains of T/100, T/20 and T/5 steps); null for
    /// <see cref="CanonicalSchedules.Ddpm"/>.
    /// </param>
    public static FigureData Create(NoiseSchedule schedule, IReadOnlyList<Image> digits, IReadOnlyList<int> labels, int digitIndex, NoiseSchedule? generationSchedule = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(digits);
        ArgumentNullException.ThrowIfNull(labels);
        if (schedule.Steps < 8)
            throw new ArgumentException($"schedule has T = {schedule.Steps} steps; the figures need T ≥ 8.", nameof(schedule));
        generationSchedule ??= CanonicalSchedules.Ddpm;
        if (generationSchedule.Steps < 100)
            throw new ArgumentException($"generationSchedule has T = {generationSchedule.Steps} steps; the sampling figures need T ≥ 100.", nameof(generationSchedule));
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
        ImageBatch<double> first = ImageBatch<double>.FromImages(digits.Take(MaxDigits).ToArray());
        return new FigureData(schedule, generationSchedule, digits[digitIndex], labels[digitIndex], ofEachClass, first);
    }

    /// <summary>The class-conditional network the network figures sample with classifier-free guidance (Ho &amp; Salimans 2022, eq. 6); null until <see cref="WithNetwork"/>.</summary>
    public IConditionalBatchDenoiser<float>? Network { get; private init; }

    /// <summary>How the network figures name <see cref="Network"/> in their titles, e.g. "the shipped MNIST UNet".</summary>
    public string NetworkName { get; private init; } = "";

    /// <summary>
    /// This data with a class-conditional model for the network figures (Ho &amp; Salimans 2022, §3.2): the shipped UNet in
    /// <c>diffusion plots</c>, an exact denoiser of Gaussian classes in the layout snapshots. It must have classes 0–9 and
    /// take images of the digits' shape.
    /// </summary>
    public FigureData WithNetwork(IConditionalBatchDenoiser<float> network, string name)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network.ClassCount < 10)
            throw new ArgumentException($"network has {network.ClassCount} classes; the network figures show the classes 0–9.", nameof(network));
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("name is empty; give the network's name for the figure titles.", nameof(name));
        return this with { Network = network, NetworkName = name };
    }

    /// <summary><see cref="Network"/>, or a clear error for a figure that needs it.</summary>
    internal IConditionalBatchDenoiser<float> RequireNetwork(FigureId figure) => Network
        ?? throw new InvalidOperationException($"figure {figure} samples a class-conditional network; give it with FigureData.WithNetwork (diffusion plots gives the shipped UNet).");

    private static int IndexOf(IReadOnlyList<int> labels, int label)
    {
        for (int i = 0; i < labels.Count; i++) if (labels[i] == label) return i;
        return -1;
    }
}
