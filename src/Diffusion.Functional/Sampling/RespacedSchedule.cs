using System.Globalization;
using Diffusion.Functional.Numerics;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// A reverse chain on a subsequence τ_1 &lt; τ_2 &lt; … &lt; τ_N of an original schedule's timesteps (Nichol &amp; Dhariwal
/// 2021, §4, improved-diffusion's respace.py; Song et al. 2021, §4.2): the respaced schedule has N steps with
/// β'_i = 1 − ᾱ_{τ_i}/ᾱ_{τ_{i−1}} (τ_0 = 0, ᾱ_0 = 1), so that its ᾱ'_i equals the original ᾱ_{τ_i} at every kept step.
/// The denoiser is always called with the original timestep τ_i; the chain's last step goes from τ_1 to the data,
/// an explicit end (<see cref="ReverseStep.PreviousTimestep"/> is null). With all T steps kept, the respaced β are the
/// original β bit for bit. Immutable.
/// </summary>
public sealed record RespacedSchedule
{
    private readonly int[] _timesteps; // index i − 1 holds τ_i, ascending

    /// <summary>The schedule the denoiser was trained on.</summary>
    public NoiseSchedule Original { get; }

    /// <summary>The respaced chain as a schedule of N steps: its step i is the original step τ_i, ᾱ'_i = ᾱ_{τ_i}.</summary>
    public NoiseSchedule Schedule { get; }

    /// <summary>τ_1 &lt; … &lt; τ_N, the kept original timesteps in ascending order.</summary>
    public IReadOnlyList<int> Timesteps => _timesteps;

    /// <summary>N, the number of steps of the respaced chain (≥ 1).</summary>
    public int Count => _timesteps.Length;

    private RespacedSchedule(NoiseSchedule original, int[] timesteps)
    {
        Original = original;
        _timesteps = timesteps;
        var (betas, alphas, logAlphas) = RespacedSteps(original, timesteps);
        Schedule = NoiseSchedule.FromCheckedSteps(ScheduleKind.Respaced, betas, alphas, logAlphas, Describe(original, timesteps.Length));
    }

    /// <summary>
    /// The chain of all T steps: the original schedule itself, since β'_t = 1 − ᾱ_t/ᾱ_{t−1} = β_t (Nichol &amp; Dhariwal
    /// 2021, §4); its β are kept bit for bit.
    /// </summary>
    public static RespacedSchedule Full(NoiseSchedule original)
    {
        ArgumentNullException.ThrowIfNull(original);
        return new RespacedSchedule(original, Enumerable.Range(1, original.Steps).ToArray());
    }

    /// <summary>
    /// The chain on the given original timesteps (any order; each in 1..T, no repeats, at least one), with
    /// β'_i = 1 − ᾱ_{τ_i}/ᾱ_{τ_{i−1}} (Nichol &amp; Dhariwal 2021, §4).
    /// </summary>
    public static RespacedSchedule FromTimesteps(NoiseSchedule original, IEnumerable<int> timesteps)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(timesteps);
        int[] sorted = timesteps.ToArray();
        Guard.AtLeast(sorted.Length, 1, "timesteps.Count");
        foreach (int t in sorted) Guard.Timestep(t, original.Steps, "timesteps");
        Array.Sort(sorted);
        for (int i = 1; i < sorted.Length; i++)
        {
            if (sorted[i] == sorted[i - 1])
                throw new ArgumentException($"timesteps contains {sorted[i]} twice; each kept step must appear once.", nameof(timesteps));
        }
        return new RespacedSchedule(original, sorted);
    }

    /// <summary>
    /// N evenly spread steps of the original by one of the three rules "trailing", "leading", "linspace" (Lin et al. 2024,
    /// §3.3 and Table 2; see <see cref="TimestepSpacing"/>), respaced with β'_i = 1 − ᾱ_{τ_i}/ᾱ_{τ_{i−1}} (Nichol &amp;
    /// Dhariwal 2021, §4).
    /// </summary>
    /// <param name="original">The schedule the denoiser was trained on.</param>
    /// <param name="count">N, range 1 ≤ N ≤ T.</param>
    /// <param name="spacing">Which rule picks the steps; <see cref="TimestepSpacing.Trailing"/> (ends at T) by default.</param>
    public static RespacedSchedule Uniform(NoiseSchedule original, int count, TimestepSpacing spacing = TimestepSpacing.Trailing)
    {
        ArgumentNullException.ThrowIfNull(original);
        int steps = original.Steps;
        if (count < 1 || count > steps)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"count = {count} is outside 1..{steps}: a respaced chain keeps between 1 and T = {steps} of the original steps.");
        var timesteps = new int[count];
        for (int i = 1; i <= count; i++)
        {
            timesteps[i - 1] = spacing switch
            {
                TimestepSpacing.Trailing => (int)Math.Round((double)i * steps / count, MidpointRounding.ToEven),
                TimestepSpacing.Leading => 1 + (i - 1) * (steps / count),
                TimestepSpacing.Linspace => count == 1 ? 1 : 1 + (int)Math.Round((i - 1) * ((double)(steps - 1) / (count - 1)), MidpointRounding.ToEven),
                _ => throw new ArgumentOutOfRangeException(nameof(spacing), spacing, $"spacing = {spacing} is not a TimestepSpacing (Trailing, Leading or Linspace)."),
            };
        }
        return new RespacedSchedule(original, timesteps);
    }

    /// <summary>
    /// improved-diffusion's <c>space_timesteps</c> with a list of counts (Nichol &amp; Dhariwal 2021, §4): the T steps are
    /// cut into len(counts) sections of nearly equal size (the first T mod len sections one longer), and section k keeps
    /// counts[k] steps evenly spread over it, its first and last step included (rounding halves to even).
    /// </summary>
    /// <param name="original">The schedule the denoiser was trained on.</param>
    /// <param name="countsPerSection">Steps to keep per section; each 0 ≤ count ≤ the section's size, total ≥ 1.</param>
    public static RespacedSchedule Sections(NoiseSchedule original, IReadOnlyList<int> countsPerSection)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(countsPerSection);
        Guard.AtLeast(countsPerSection.Count, 1, "countsPerSection.Count");
        int sections = countsPerSection.Count, steps = original.Steps;
        int sizePerSection = steps / sections, extra = steps % sections;
        var kept = new List<int>();
        int start = 0; // 0-based index of the section's first step, as in improved-diffusion
        for (int k = 0; k < sections; k++)
        {
            int size = sizePerSection + (k < extra ? 1 : 0);
            int count = countsPerSection[k];
            if (count < 0 || count > size)
                throw new ArgumentOutOfRangeException(nameof(countsPerSection), count,
                    $"countsPerSection[{k}] = {count} is outside 0..{size}: section {k} of the T = {steps} steps has {size} steps.");
            double stride = count <= 1 ? 1.0 : (size - 1) / (double)(count - 1);
            double position = 0.0;
            for (int j = 0; j < count; j++)
            {
                kept.Add(start + (int)Math.Round(position, MidpointRounding.ToEven) + 1); // + 1: our steps are 1-based
                position += stride;
            }
            start += size;
        }
        if (kept.Count == 0)
            throw new ArgumentException("countsPerSection keeps no step at all; at least one count must be positive.", nameof(countsPerSection));
        return new RespacedSchedule(original, kept.ToArray());
    }

    /// <summary>
    /// Step i of the chain, 1 ≤ i ≤ N: from τ_i to τ_{i−1}, or to the data when i = 1, with an explicit end rather than
    /// arithmetic on a stride (docs/sampling.md, "Chains").
    /// </summary>
    public ReverseStep Step(int index)
    {
        if (index < 1 || index > Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"index = {index} is outside 1..{Count}: this respaced chain has N = {Count} steps.");
        return new ReverseStep(index, _timesteps[index - 1], index > 1 ? _timesteps[index - 2] : null);
    }

    /// <summary>
    /// The steps in the order a sampler takes them: i = N, N − 1, …, 1, the last one producing x_0 (the loop
    /// t = T, …, 1 of DDPM Algorithm 2, on the kept steps).
    /// </summary>
    public IEnumerable<ReverseStep> Steps()
    {
        for (int i = Count; i >= 1; i--) yield return Step(i);
    }

    /// <summary>
    /// The step that starts at original timestep <paramref name="timestep"/>: the i with τ_i = timestep, from τ_i to
    /// τ_{i−1} or to the data (docs/sampling.md, "Chains"); throws unless it is a kept step.
    /// </summary>
    public ReverseStep StepAt(int timestep)
    {
        int index = Array.BinarySearch(_timesteps, timestep);
        if (index < 0)
            throw new ArgumentOutOfRangeException(nameof(timestep), timestep, $"timestep = {timestep} is not one of the {Count} kept steps of {Schedule.Description}.");
        return Step(index + 1);
    }

    /// <summary>Throws an <see cref="ArgumentException"/> unless <paramref name="step"/> is a step of this chain.</summary>
    internal void RequireStep(ReverseStep step, string name)
    {
        ArgumentNullException.ThrowIfNull(step, name);
        if (step.Index < 1 || step.Index > Count || !Step(step.Index).Equals(step))
            throw new ArgumentException($"{name} = {step} is not a step of {Schedule.Description} (kept steps {Show(_timesteps)}).", name);
    }

    /// <summary>Same original schedule and the same kept steps.</summary>
    public bool Equals(RespacedSchedule? other) =>
        other is not null && Original.Equals(other.Original) && _timesteps.AsSpan().SequenceEqual(other._timesteps);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Original, Count, _timesteps[0], _timesteps[^1]);

    /// <inheritdoc />
    public override string ToString() => Schedule.Description;

    private static (double[] Betas, double[] Alphas, double[] LogAlphas) RespacedSteps(NoiseSchedule original, int[] timesteps)
    {
        int n = timesteps.Length;
        double[] betas = new double[n], alphas = new double[n], logAlphas = new double[n];
        int previous = 0;
        for (int i = 0; i < n; i++)
        {
            int t = timesteps[i];
            if (t - previous == 1)
            {
                // A step of one keeps the original step itself, so that keeping every step reproduces the original bit for bit.
                betas[i] = original.Beta(t);
                alphas[i] = original.Alpha(t);
                logAlphas[i] = AccurateMath.Log1P(-betas[i]);
            }
            else
            {
                // α' = ᾱ_t/ᾱ_prev = exp(Δ) and β' = −expm1(Δ) with Δ = log ᾱ_t − log ᾱ_prev: each accurate, also where
                // α' is far below the roundoff of 1 − β' (a coarse step across a long chain).
                double delta = original.LogAlphaBar(t) - original.LogAlphaBar(previous);
                betas[i] = Math.Min(-AccurateMath.ExpM1(delta), 1.0);
                alphas[i] = Math.Exp(delta);
                logAlphas[i] = delta;
            }
            if (!(betas[i] > 0.0))
                throw new ArgumentException(
                    $"ᾱ does not change in double precision between steps {previous} and {t} of {original.Description}, so the respaced step would have β = 0; keep fewer steps there.",
                    nameof(timesteps));
            previous = t;
        }
        return (betas, alphas, logAlphas);
    }

    private static string Describe(NoiseSchedule original, int count) =>
        $"respaced({original.Description}; {count} of {original.Steps} steps)";

    private static string Show(int[] timesteps) =>
        timesteps.Length <= 8
            ? string.Join(", ", timesteps.Select(t => t.ToString(CultureInfo.InvariantCulture)))
            : $"{timesteps[0]}, {timesteps[1]}, …, {timesteps[^1]}";
}
