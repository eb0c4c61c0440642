namespace Diffusion.Functional.Schedules;

/// <summary>
/// Every precomputed quantity of a <see cref="NoiseSchedule"/> at one timestep t ∈ 1..T (the columns of
/// <c>diffusion schedule --format csv</c>).
/// </summary>
/// <param name="Step">The 1-based timestep t.</param>
/// <param name="Beta">β_t, the variance of q(x_t | x_{t−1}) (DDPM eq. 2).</param>
/// <param name="Alpha">α_t = 1 − β_t.</param>
/// <param name="AlphaBar">ᾱ_t = ∏_{s ≤ t} α_s (DDPM eq. 4).</param>
/// <param name="SqrtAlphaBar">√ᾱ_t, the mean scale of q(x_t | x_0).</param>
/// <param name="SqrtOneMinusAlphaBar">√(1 − ᾱ_t), the standard deviation of q(x_t | x_0).</param>
/// <param name="PosteriorVariance">β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t (DDPM eq. 7).</param>
/// <param name="PosteriorLogVarianceClipped">log β̃_t, with β̃_1 = 0 replaced by β̃_2 (improved-diffusion).</param>
/// <param name="PosteriorMeanCoefX0">√ᾱ_{t−1} β_t / (1 − ᾱ_t), the weight of x_0 in μ̃_t (DDPM eq. 7).</param>
/// <param name="PosteriorMeanCoefXt">√α_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t), the weight of x_t in μ̃_t (DDPM eq. 7).</param>
/// <param name="Snr">SNR(t) = ᾱ_t / (1 − ᾱ_t) (Kingma et al. 2021, eq. 2).</param>
/// <param name="LogSnr">log SNR(t), the λ_t of variational diffusion models.</param>
public sealed record ScheduleRow(
    int Step,
    double Beta,
    double Alpha,
    double AlphaBar,
    double SqrtAlphaBar,
    double SqrtOneMinusAlphaBar,
    double PosteriorVariance,
    double PosteriorLogVarianceClipped,
    double PosteriorMeanCoefX0,
    double PosteriorMeanCoefXt,
    double Snr,
    double LogSnr);
