using System.Globalization;
using Diffusion.Functional.Numerics;

namespace Diffusion.Functional.Schedules;

/// <summary>
/// A variance schedule β_1..β_T of the forward process q(x_t | x_{t−1}) = N(√(1 − β_t) x_{t−1}, β_t I) (DDPM eq. 2),
/// with every quantity that the forward and posterior steps need precomputed once, in double.
/// Timesteps are 1-based as in Ho et al. 2020: t ∈ 1..T, and t = 0 stands for the data, with ᾱ_0 = 1.
/// Immutable; built only by the named factories, which validate their arguments.
/// </summary>
public sealed record NoiseSchedule
{
    // Index t holds the value at timestep t; index 0 holds the t = 0 value where one is defined (ᾱ_0 = 1).
    private readonly double[] _beta;
    private readonly double[] _alpha;
    private readonly double[] _alphaBar;
    private readonly double[] _logAlphaBar;
    private readonly double[] _oneMinusAlphaBar;
    private readonly double[] _sqrtAlphaBar;
    private readonly double[] _sqrtOneMinusAlphaBar;
    private readonly double[] _posteriorVariance;
    private readonly double[] _posteriorLogVarianceClipped;
    private readonly double[] _posteriorMeanCoefX0;
    private readonly double[] _posteriorMeanCoefXt;

    /// <summary>
    /// The most steps T a schedule may have: 10⁶, a thousand times DDPM's 1000. A schedule holds 11 arrays of T + 1
    /// doubles (88 MB at this limit), and every sampler and table walks all T steps; a larger T is refused before
    /// anything is allocated.
    /// </summary>
    public const int MaxSteps = 1_000_000;

    /// <summary>
    /// The smallest β_t a schedule accepts: the smallest normal double, 2⁻¹⁰²² ≈ 2.2·10⁻³⁰⁸. Below it β is denormal,
    /// 1 − ᾱ_1 = β_1 loses its precision and SNR(1) = ᾱ_1/β_1 overflows to ∞: the step adds no noise a double can hold.
    /// </summary>
    public const double MinBeta = 2.2250738585072014E-308;

    /// <summary>How the β were made.</summary>
    public ScheduleKind Kind { get; }

    /// <summary>The number of diffusion steps T (≥ 1).</summary>
    public int Steps { get; }

    /// <summary>A short human-readable description, e.g. <c>linear(T=200, β 0.0001→0.02)</c>.</summary>
    public string Description { get; }

    private NoiseSchedule(ScheduleKind kind, double[] betasZeroBased, string description, string betaSource)
        : this(kind, betasZeroBased, null, null, description, betaSource)
    {
    }

    /// <summary>
    /// The general constructor. Without <paramref name="alphasZeroBased"/>, α_t = 1 − β_t and log α_t = log1p(−β_t) (the
    /// β are exact). Derived schedules whose α_t is known more accurately than 1 − β_t (α near 0, where 1 − β loses
    /// relative accuracy) pass α_t and log α_t too; the three must agree to rounding. betaSource names the factory's
    /// parameter that set the β, for the message when the schedule is refused.
    /// </summary>
    private NoiseSchedule(
        ScheduleKind kind, double[] betasZeroBased, double[]? alphasZeroBased, double[]? logAlphasZeroBased, string description, string betaSource)
    {
        RequireNoise(betasZeroBased, betaSource, description);
        Kind = kind;
        Steps = betasZeroBased.Length;
        Description = description;
        int n = Steps + 1;
        _beta = new double[n];
        _alpha = new double[n];
        _alphaBar = new double[n];
        _logAlphaBar = new double[n];
        _oneMinusAlphaBar = new double[n];
        _sqrtAlphaBar = new double[n];
        _sqrtOneMinusAlphaBar = new double[n];
        _posteriorVariance = new double[n];
        _posteriorLogVarianceClipped = new double[n];
        _posteriorMeanCoefX0 = new double[n];
        _posteriorMeanCoefXt = new double[n];

        // t = 0 is the data: ᾱ_0 = 1, 1 − ᾱ_0 = 0.
        _alpha[0] = 1.0;
        _alphaBar[0] = 1.0;
        _sqrtAlphaBar[0] = 1.0;

        for (int t = 1; t <= Steps; t++)
        {
            double beta = betasZeroBased[t - 1];
            _beta[t] = beta;
            _alpha[t] = alphasZeroBased?[t - 1] ?? 1.0 - beta;
            // ᾱ is the running product of (1 − β), as improved-diffusion and diffusers compute it …
            _alphaBar[t] = _alphaBar[t - 1] * _alpha[t];
            // … but 1 − ᾱ comes from log ᾱ = Σ log1p(−β) and −expm1, which does not cancel when ᾱ ≈ 1.
            _logAlphaBar[t] = _logAlphaBar[t - 1] + (logAlphasZeroBased?[t - 1] ?? AccurateMath.Log1P(-beta));
            // 1 − ᾱ_1 = β_1 exactly; using β_1 itself makes the posterior's x_0 weight at t = 1 exactly 1.
            _oneMinusAlphaBar[t] = t == 1 ? beta : -AccurateMath.ExpM1(_logAlphaBar[t]);
            _sqrtAlphaBar[t] = Math.Sqrt(_alphaBar[t]);
            _sqrtOneMinusAlphaBar[t] = Math.Sqrt(_oneMinusAlphaBar[t]);

            // Posterior q(x_{t−1} | x_t, x_0), DDPM eqs. 6–7.
            double oneMinusPrevOverOneMinus = _oneMinusAlphaBar[t - 1] / _oneMinusAlphaBar[t];
            // The ratio is < 1 in exact arithmetic; when ᾱ ≈ 0 both 1 − ᾱ round near 1 and the rounded ratio can
            // exceed 1 by an ulp. The true β̃_t is below β_t, so the nearer double is never above it.
            _posteriorVariance[t] = Math.Min(oneMinusPrevOverOneMinus * beta, beta);
            _posteriorMeanCoefX0[t] = beta * _sqrtAlphaBar[t - 1] / _oneMinusAlphaBar[t];
            _posteriorMeanCoefXt[t] = _oneMinusAlphaBar[t - 1] * Math.Sqrt(_alpha[t]) / _oneMinusAlphaBar[t];
        }

        for (int t = 1; t <= Steps; t++)
        {
            // β̃_1 = 0 has no logarithm; improved-diffusion puts β̃_2 in its place. With T = 1 there is no β̃_2,
            // and we use log β_1, the "fixed large" variance of that step.
            double v = t > 1 ? _posteriorVariance[t] : Steps > 1 ? _posteriorVariance[2] : _beta[1];
            _posteriorLogVarianceClipped[t] = Math.Log(v);
        }

        // With every β_t normal, 1 − ᾱ_t ≥ β_1 > 0, so the SNR and the posterior's weights are finite; ᾱ_T = 1 is the one
        // way left for the noise to vanish: every step's 1 − β rounds to 1 and x_T would be x_0.
        if (_alphaBar[Steps] == 1.0)
            throw new ArgumentOutOfRangeException(betaSource, $"{description} has ᾱ_T = 1 to double precision (1 − ᾱ_T = {Show(_oneMinusAlphaBar[Steps])}): "
                + $"x_T would equal x_0, the schedule adds no noise that a double can hold. Use larger β (a total Σβ above about 1e-16).");
        for (int t = 1; t <= Steps; t++)
        {
            if (!double.IsFinite(Snr(t)) || !double.IsFinite(_posteriorLogVarianceClipped[t]) || !double.IsFinite(_posteriorMeanCoefX0[t]) || !double.IsFinite(_posteriorMeanCoefXt[t]))
                throw new ArgumentOutOfRangeException(betaSource, $"{description} has a non-finite SNR or posterior at t = {t}; its β are too small to compute with.");
        }
    }

    // Checked before any of the schedule's arrays is allocated.
    private static void RequireNoise(double[] betas, string betaSource, string description)
    {
        if (betas.Length > MaxSteps)
            throw new ArgumentOutOfRangeException(betaSource, $"{description}: T = {betas.Length} steps is more than a schedule may have (at most {MaxSteps}).");
        for (int i = 0; i < betas.Length; i++)
        {
            if (!(betas[i] >= MinBeta))
                throw new ArgumentOutOfRangeException(betaSource, betas[i],
                    $"{description} has β_{i + 1} = {Show(betas[i])}, below the smallest normal double {Show(MinBeta)}: that step adds no noise a double can hold (its SNR would be ∞).");
        }
    }

    /// <summary>
    /// The linear schedule of DDPM (Ho et al. 2020, §4): β_t evenly spaced from β_start (t = 1) to β_end (t = T),
    /// as <c>torch.linspace(β_start, β_end, T)</c>. The seed notebook uses T = 200, 1e-4 → 0.02 (ᾱ_200 ≈ 0.1322);
    /// DDPM uses T = 1000, 1e-4 → 0.02.
    /// </summary>
    /// <param name="steps">T, range T ≥ 1.</param>
    /// <param name="betaStart">β_1, range 0 &lt; β_start ≤ β_end.</param>
    /// <param name="betaEnd">β_T, range β_start ≤ β_end &lt; 1.</param>
    public static NoiseSchedule Linear(int steps, double betaStart, double betaEnd)
    {
        ValidateRange(steps, betaStart, betaEnd);
        double[] betas = Linspace(betaStart, betaEnd, steps);
        return new NoiseSchedule(ScheduleKind.Linear, betas, $"linear(T={steps}, β {Show(betaStart)}→{Show(betaEnd)})", nameof(betaStart));
    }

    /// <summary>
    /// The "scaled linear" schedule of Latent/Stable Diffusion (Rombach et al. 2022, whose code calls it "linear";
    /// diffusers' <c>scaled_linear</c>): β_t = (√β_start + (t − 1)/(T − 1)·(√β_end − √β_start))², i.e. √β_t evenly spaced
    /// from √β_start to √β_end, then squared. Stable Diffusion uses T = 1000, 0.00085 → 0.012.
    /// </summary>
    /// <param name="steps">T, range T ≥ 1.</param>
    /// <param name="betaStart">β_1, range 0 &lt; β_start ≤ β_end.</param>
    /// <param name="betaEnd">β_T, range β_start ≤ β_end &lt; 1.</param>
    public static NoiseSchedule ScaledLinear(int steps, double betaStart, double betaEnd)
    {
        ValidateRange(steps, betaStart, betaEnd);
        double[] roots = Linspace(Math.Sqrt(betaStart), Math.Sqrt(betaEnd), steps);
        double[] betas = Array.ConvertAll(roots, r => r * r);
        return new NoiseSchedule(ScheduleKind.ScaledLinear, betas, $"scaled-linear(T={steps}, β {Show(betaStart)}→{Show(betaEnd)})", nameof(betaStart));
    }

    /// <summary>
    /// The sigmoid schedule as diffusers defines it (<c>betas_for_sigmoid</c>, from GeoDiff, Xu et al. 2022):
    /// β_t = σ(x_t)·(β_end − β_start) + β_start with x_t evenly spaced on [−6, 6] and σ the logistic function.
    /// </summary>
    /// <param name="steps">T, range T ≥ 1.</param>
    /// <param name="betaStart">The β that σ = 0 would give, range 0 &lt; β_start ≤ β_end.</param>
    /// <param name="betaEnd">The β that σ = 1 would give, range β_start ≤ β_end &lt; 1.</param>
    public static NoiseSchedule Sigmoid(int steps, double betaStart, double betaEnd)
    {
        ValidateRange(steps, betaStart, betaEnd);
        double[] ramp = Linspace(-6.0, 6.0, steps);
        double[] betas = Array.ConvertAll(ramp, x => 1.0 / (1.0 + Math.Exp(-x)) * (betaEnd - betaStart) + betaStart);
        return new NoiseSchedule(ScheduleKind.Sigmoid, betas, $"sigmoid(T={steps}, β {Show(betaStart)}→{Show(betaEnd)})", nameof(betaStart));
    }

    /// <summary>
    /// The cosine schedule of improved DDPM (Nichol &amp; Dhariwal 2021, eq. 17): ᾱ(t) = f(t)/f(0) with
    /// f(t) = cos²(((t/T + s)/(1 + s))·π/2), and β_t = min(1 − ᾱ(t)/ᾱ(t−1), maxBeta). ᾱ is then recomputed as the
    /// running product of (1 − β) after clipping, as improved-diffusion does. 1 − f(t)/f(t−1) is evaluated as
    /// sin(a + b)·sin(a − b)/cos²(b), an exact rewriting that does not cancel for small t.
    /// </summary>
    /// <param name="steps">T, range T ≥ 1.</param>
    /// <param name="offset">s, the small offset that keeps β_1 from being too small; range 0 ≤ s ≤ 1, default 0.008.</param>
    /// <param name="maxBeta">The clip on β near t = T; range 0 &lt; maxBeta &lt; 1, default 0.999.</param>
    public static NoiseSchedule Cosine(int steps, double offset = 0.008, double maxBeta = 0.999)
    {
        RequireSteps(steps);
        Guard.ClosedInterval(offset, 0.0, 1.0, nameof(offset));
        Guard.OpenInterval(maxBeta, 0.0, 1.0, nameof(maxBeta));
        var betas = new double[steps];
        double Angle(int t) => ((double)t / steps + offset) / (1.0 + offset) * (Math.PI / 2.0);
        double halfStep = 1.0 / steps / (1.0 + offset) * (Math.PI / 2.0); // a − b, computed without subtracting
        for (int t = 1; t <= steps; t++)
        {
            double a = Angle(t), b = Angle(t - 1);
            double cosB = Math.Cos(b);
            double beta = Math.Sin(a + b) * Math.Sin(halfStep) / (cosB * cosB);
            betas[t - 1] = Math.Min(beta, maxBeta);
        }
        return new NoiseSchedule(ScheduleKind.Cosine, betas, $"cosine(T={steps}, s={Show(offset)}, max β={Show(maxBeta)})", nameof(maxBeta));
    }

    /// <summary>A schedule from the user's own β_1..β_T, the variances of q(x_t | x_{t−1}) (DDPM eq. 2).</summary>
    /// <param name="betas">β_t for t = 1..T in order; each in the open interval (0, 1); at least one.</param>
    public static NoiseSchedule FromBetas(IEnumerable<double> betas)
    {
        ArgumentNullException.ThrowIfNull(betas);
        double[] copy = betas is ICollection<double> { Count: > MaxSteps } tooMany
            ? throw new ArgumentOutOfRangeException(nameof(betas), $"betas has {tooMany.Count} values, more than a schedule may have (at most {MaxSteps} steps).")
            : betas.Take(MaxSteps + 1).ToArray();
        Guard.AtLeast(copy.Length, 1, "betas.Count");
        for (int i = 0; i < copy.Length; i++)
            Guard.OpenInterval(copy[i], 0.0, 1.0, $"betas[{i}] (β_{i + 1})");
        return new NoiseSchedule(ScheduleKind.Custom, copy, $"custom(T={copy.Length})", nameof(betas));
    }

    /// <summary>
    /// Builds a schedule from steps given as (β_t, α_t = 1 − β_t, log α_t), each computed accurately by the caller:
    /// derived schedules whose steps can have α_t below the roundoff of 1 − β_t (a coarse respacing of a long chain,
    /// the last steps of a zero-terminal-SNR schedule), so that ᾱ_t = ∏ α_s keeps its relative accuracy there.
    /// </summary>
    internal static NoiseSchedule FromCheckedSteps(ScheduleKind kind, double[] betas, double[] alphas, double[] logAlphas, string description) =>
        new(kind, (double[])betas.Clone(), (double[])alphas.Clone(), (double[])logAlphas.Clone(), description, nameof(betas));

    /// <summary>β_t, the variance added at step t (DDPM eq. 2). Range of t: 1..T.</summary>
    public double Beta(int t) => _beta[Guard.Timestep(t, Steps)];

    /// <summary>α_t = 1 − β_t (DDPM §2). Range of t: 1..T.</summary>
    public double Alpha(int t) => _alpha[Guard.Timestep(t, Steps)];

    /// <summary>ᾱ_t = ∏_{s=1}^{t} α_s (DDPM eq. 4); ᾱ_0 = 1. Range of t: 0..T.</summary>
    public double AlphaBar(int t) => _alphaBar[Guard.TimestepOrZero(t, Steps)];

    /// <summary>
    /// log ᾱ_t = Σ_{s ≤ t} log1p(−β_s), the logarithm of DDPM eq. 4's ᾱ_t, accurate also where ᾱ_t ≈ 1 (see
    /// docs/conventions.md); log ᾱ_0 = 0. Range of t: 0..T.
    /// </summary>
    public double LogAlphaBar(int t) => _logAlphaBar[Guard.TimestepOrZero(t, Steps)];

    /// <summary>1 − ᾱ_t, the variance of q(x_t | x_0) (DDPM eq. 4), without cancellation; 0 at t = 0. Range of t: 0..T.</summary>
    public double OneMinusAlphaBar(int t) => _oneMinusAlphaBar[Guard.TimestepOrZero(t, Steps)];

    /// <summary>√ᾱ_t, the mean scale of q(x_t | x_0) (DDPM eq. 4). Range of t: 0..T.</summary>
    public double SqrtAlphaBar(int t) => _sqrtAlphaBar[Guard.TimestepOrZero(t, Steps)];

    /// <summary>√(1 − ᾱ_t), the standard deviation of q(x_t | x_0) (DDPM eq. 4). Range of t: 0..T.</summary>
    public double SqrtOneMinusAlphaBar(int t) => _sqrtOneMinusAlphaBar[Guard.TimestepOrZero(t, Steps)];

    /// <summary>β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t)·β_t, the variance of q(x_{t−1} | x_t, x_0) (DDPM eq. 7); β̃_1 = 0. Range of t: 1..T.</summary>
    public double PosteriorVariance(int t) => _posteriorVariance[Guard.Timestep(t, Steps)];

    /// <summary>
    /// log β̃_t (β̃_t of DDPM eq. 7) with the t = 1 value, log 0, replaced by log β̃_2 (by log β_1 when T = 1): the clipping
    /// of improved-diffusion's code (Nichol &amp; Dhariwal 2021), as docs/conventions.md states. Range of t: 1..T.
    /// </summary>
    public double PosteriorLogVarianceClipped(int t) => _posteriorLogVarianceClipped[Guard.Timestep(t, Steps)];

    /// <summary>The weight of x_0 in the posterior mean μ̃_t: √ᾱ_{t−1}·β_t/(1 − ᾱ_t) (DDPM eq. 7). Range of t: 1..T.</summary>
    public double PosteriorMeanCoefX0(int t) => _posteriorMeanCoefX0[Guard.Timestep(t, Steps)];

    /// <summary>The weight of x_t in the posterior mean μ̃_t: √α_t·(1 − ᾱ_{t−1})/(1 − ᾱ_t) (DDPM eq. 7). Range of t: 1..T.</summary>
    public double PosteriorMeanCoefXt(int t) => _posteriorMeanCoefXt[Guard.Timestep(t, Steps)];

    /// <summary>The signal-to-noise ratio SNR(t) = ᾱ_t/(1 − ᾱ_t) (Kingma et al. 2021, eq. 2). Range of t: 1..T.</summary>
    public double Snr(int t) => _alphaBar[Guard.Timestep(t, Steps)] / _oneMinusAlphaBar[t];

    /// <summary>log SNR(t) = log ᾱ_t − log(1 − ᾱ_t) (Kingma et al. 2021's λ_t), from the accurate logarithms. Range of t: 1..T.</summary>
    public double LogSnr(int t) => _logAlphaBar[Guard.Timestep(t, Steps)] - Math.Log(_oneMinusAlphaBar[t]);

    /// <summary>
    /// All precomputed quantities at timestep t ∈ 1..T: β_t, α_t (DDPM eq. 2), ᾱ_t and its roots (eq. 4), β̃_t and the
    /// weights of μ̃_t (eq. 7), SNR(t) and log SNR(t) (Kingma et al. 2021, eq. 2).
    /// </summary>
    public ScheduleRow Row(int t) => new(
        Guard.Timestep(t, Steps), _beta[t], _alpha[t], _alphaBar[t], _sqrtAlphaBar[t], _sqrtOneMinusAlphaBar[t],
        _posteriorVariance[t], _posteriorLogVarianceClipped[t], _posteriorMeanCoefX0[t], _posteriorMeanCoefXt[t],
        Snr(t), LogSnr(t));

    /// <summary>
    /// <see cref="Row"/> for t = 1..T, in order: every quantity of DDPM eqs. 2, 4 and 7 and the SNR (Kingma et al. 2021)
    /// at every step.
    /// </summary>
    public IEnumerable<ScheduleRow> Rows()
    {
        for (int t = 1; t <= Steps; t++) yield return Row(t);
    }

    /// <summary>β_1..β_T, the variances of q(x_t | x_{t−1}) (DDPM eq. 2), as a new array (0-based: element i is β_{i+1}).</summary>
    public double[] Betas() => _beta[1..];

    /// <summary>Two schedules are equal when they have the same kind and the same β, bit for bit.</summary>
    public bool Equals(NoiseSchedule? other) =>
        other is not null && Kind == other.Kind && _beta.AsSpan().SequenceEqual(other._beta);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Kind);
        foreach (double b in _beta) hash.Add(b);
        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => Description;

    private static void RequireSteps(int steps)
    {
        Guard.AtLeast(steps, 1, nameof(steps));
        if (steps > MaxSteps)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"steps = {steps} is more than a schedule may have (at most {MaxSteps}): T sets the size of its tables and the length of every chain.");
    }

    private static void ValidateRange(int steps, double betaStart, double betaEnd)
    {
        RequireSteps(steps);
        Guard.OpenInterval(betaStart, 0.0, 1.0, nameof(betaStart));
        Guard.OpenInterval(betaEnd, 0.0, 1.0, nameof(betaEnd));
        if (betaStart > betaEnd)
            throw new ArgumentOutOfRangeException(nameof(betaStart), betaStart,
                $"betaStart = {Show(betaStart)} is larger than betaEnd = {Show(betaEnd)}; β must not decrease (betaStart ≤ betaEnd).");
    }

    /// <summary>n evenly spaced points from first to last inclusive (<c>torch.linspace</c>); n = 1 gives [first].</summary>
    private static double[] Linspace(double first, double last, int n)
    {
        var points = new double[n];
        if (n == 1) { points[0] = first; return points; }
        double span = last - first;
        for (int i = 0; i < n; i++) points[i] = first + span * i / (n - 1);
        points[n - 1] = last;
        return points;
    }

    private static string Show(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
