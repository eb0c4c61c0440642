using Diffusion.Functional.Numerics;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Training;

/// <summary>
/// A training objective's weighting of the noise levels, as the weight w(SNR) it puts on the ε-MSE ‖ε̂ − ε‖² at a
/// timestep of signal-to-noise ratio SNR = ᾱ_t/(1 − ᾱ_t): the objective is E_t[w(SNR_t)·‖ε̂ − ε‖²] with t uniform, and
/// since ‖x̂_0 − x_0‖² = ‖ε̂ − ε‖²/SNR and ‖v̂ − v‖² = ‖ε̂ − ε‖²·(1 + 1/SNR) exactly (docs/likelihood.md), the same
/// objective in x_0 or v terms has the weight <see cref="TargetWeight"/>. Immutable.
/// </summary>
public sealed class LossWeighting
{
    private readonly Func<double, double> _epsilonWeight;

    private LossWeighting(string name, string formula, Func<double, double> epsilonWeight)
    {
        Name = name;
        Formula = formula;
        _epsilonWeight = epsilonWeight;
    }

    /// <summary>A short name, e.g. "min-SNR-5".</summary>
    public string Name { get; }

    /// <summary>The weight on the ε-MSE as a formula of SNR, e.g. "min(SNR, 5)/SNR".</summary>
    public string Formula { get; }

    /// <summary>DDPM's L_simple (Ho et al. 2020, eq. 14): w = 1, the plain ε-MSE.</summary>
    public static LossWeighting EpsilonMse { get; } = new("eps-MSE", "1", _ => 1.0);

    /// <summary>
    /// The x_0-MSE ‖x̂_0 − x_0‖² as an ε-weighting: w = 1/SNR, from x̂_0 − x_0 = −(ε̂ − ε)·√(1 − ᾱ_t)/√ᾱ_t (DDPM eq. 4
    /// solved for x_0); +∞ at SNR = 0.
    /// </summary>
    public static LossWeighting X0Mse { get; } = new("x0-MSE", "1/SNR", snr => 1.0 / snr);

    /// <summary>
    /// The v-MSE ‖v̂ − v‖² (Salimans &amp; Ho 2022, §4) as an ε-weighting: w = 1 + 1/SNR = 1/ᾱ_t, from
    /// v̂ − v = (ε̂ − ε)/√ᾱ_t; +∞ at SNR = 0.
    /// </summary>
    public static LossWeighting VMse { get; } = new("v-MSE", "1 + 1/SNR", snr => 1.0 + 1.0 / snr);

    /// <summary>
    /// Min-SNR-γ (Hang et al. 2023): min(SNR, γ) on the x_0-MSE, so w = min(SNR, γ)/SNR on the ε-MSE (1 where SNR ≤ γ,
    /// γ/SNR above) and min(SNR, γ)/(SNR + 1) on the v-MSE. γ &gt; 0; the paper's default is 5.
    /// </summary>
    public static LossWeighting MinSnr(double gamma = 5.0)
    {
        Guard.OpenInterval(gamma, 0.0, double.PositiveInfinity, nameof(gamma));
        return new($"min-SNR-{Text(gamma)}", $"min(SNR, {Text(gamma)})/SNR", snr => snr <= gamma ? 1.0 : gamma / snr);
    }

    /// <summary>
    /// P2, perception-prioritised weighting (Choi et al. 2022, eq. 8 with L_simple's λ_t = 1): w = 1/(k + SNR)^γ on the
    /// ε-MSE. k &gt; 0 (the paper's 1), γ ≥ 0 (the paper's 0.5 or 1; γ = 0 is L_simple).
    /// </summary>
    public static LossWeighting P2(double gamma = 1.0, double k = 1.0)
    {
        Guard.ClosedInterval(gamma, 0.0, double.MaxValue, nameof(gamma));
        Guard.OpenInterval(k, 0.0, double.PositiveInfinity, nameof(k));
        return new($"P2 (γ = {Text(gamma)}, k = {Text(k)})", $"1/({Text(k)} + SNR)^{Text(gamma)}", snr => Math.Pow(k + snr, -gamma));
    }

    /// <summary>
    /// EDM's weighting (Karras et al. 2022, Table 1): λ(σ) = (σ² + σ_data²)/(σ·σ_data)² on the x_0-MSE
    /// ‖D(x; σ) − x_0‖², with the VP noise level σ = √((1 − ᾱ_t)/ᾱ_t) = 1/√SNR, so w = σ²·λ(σ) = 1 + σ²/σ_data² on the
    /// ε-MSE. σ_data &gt; 0 (the paper's 0.5 for data in [−1, 1]). Only the weight: EDM also draws σ from a log-normal
    /// instead of t uniformly.
    /// </summary>
    public static LossWeighting Edm(double sigmaData = 0.5)
    {
        Guard.OpenInterval(sigmaData, 0.0, double.PositiveInfinity, nameof(sigmaData));
        double variance = sigmaData * sigmaData;
        return new($"EDM (σ_data = {Text(sigmaData)})", $"1 + 1/(SNR·{Text(variance)})", snr => 1.0 + 1.0 / (snr * variance));
    }

    /// <summary>
    /// EDM's λ(σ) = (σ² + σ_data²)/(σ·σ_data)² (Karras et al. 2022, Table 1), the weight on ‖D(x; σ) − x_0‖²; σ &gt; 0,
    /// σ_data &gt; 0.
    /// </summary>
    public static double EdmLambda(double sigma, double sigmaData = 0.5)
    {
        Guard.OpenInterval(sigma, 0.0, double.PositiveInfinity, nameof(sigma));
        Guard.OpenInterval(sigmaData, 0.0, double.PositiveInfinity, nameof(sigmaData));
        return (sigma * sigma + sigmaData * sigmaData) / (sigma * sigmaData * (sigma * sigmaData));
    }

    /// <summary>
    /// The weight w(SNR) on the ε-MSE ‖ε̂ − ε‖² at a noise level of SNR = ᾱ_t/(1 − ᾱ_t) ∈ [0, ∞) (docs/likelihood.md);
    /// finite and positive for SNR &gt; 0.
    /// </summary>
    public double EpsilonWeight(double snr)
    {
        RequireSnr(snr);
        return _epsilonWeight(snr);
    }

    /// <summary>The weight on the ε-MSE at timestep t ∈ 1..T of a schedule: w(SNR(t)), SNR(t) = ᾱ_t/(1 − ᾱ_t) (DDPM eq. 4; docs/likelihood.md).</summary>
    public double EpsilonWeight(NoiseSchedule schedule, int t)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return EpsilonWeight(schedule.Snr(t));
    }

    /// <summary>
    /// The weight on the MSE of <paramref name="target"/> that is the same objective: w(SNR)/r, r = ‖target̂ − target‖²/‖ε̂ − ε‖²
    /// (<see cref="TrainingLoss.MseRatio"/>; docs/likelihood.md): w for ε, w·SNR for x_0, w·SNR/(SNR + 1) for v. SNR &gt; 0.
    /// </summary>
    public double TargetWeight(PredictionTarget target, double snr)
    {
        Guard.OpenInterval(snr, 0.0, double.PositiveInfinity, nameof(snr));
        return EpsilonWeight(snr) / TrainingLoss.MseRatio(target, snr);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: w = {Formula}";

    internal static void RequireSnr(double snr)
    {
        if (!(snr >= 0.0) || double.IsPositiveInfinity(snr))
            throw new ArgumentOutOfRangeException(nameof(snr), snr, $"snr = {snr} is not a signal-to-noise ratio ᾱ/(1 − ᾱ) of a timestep: it must be finite and ≥ 0.");
    }

    private static string Text(double value) => value.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
}
