using Diffusion.Functional.Images;
using Diffusion.Functional.Likelihood;
using Diffusion.Functional.Numerics;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;

namespace Diffusion.Functional.Training;

/// <summary>
/// The per-timestep training losses of a denoiser and the exact identities between them (docs/likelihood.md): the
/// MSE of each parameterisation, the ε-weight of the variational bound's terms, and improved DDPM's hybrid loss.
/// </summary>
public static class TrainingLoss
{
    /// <summary>improved DDPM's weight λ of the bound in L_hybrid = L_simple + λ·L_vlb (Nichol &amp; Dhariwal 2021, §3.1).</summary>
    public const double HybridLambda = 0.001;

    private const double Ln2 = 0.69314718055994530942;

    /// <summary>
    /// r = ‖target̂ − target‖²/‖ε̂ − ε‖² for the same prediction in either form at a noise level SNR = ᾱ_t/(1 − ᾱ_t) ≥ 0,
    /// exactly: 1 for ε, 1/SNR for x_0 (x̂_0 − x_0 = −(ε̂ − ε)·√(1 − ᾱ_t)/√ᾱ_t, DDPM eq. 4), 1 + 1/SNR = 1/ᾱ_t for v
    /// (v̂ − v = (ε̂ − ε)/√ᾱ_t, Salimans &amp; Ho 2022, §4). +∞ for x_0 and v at SNR = 0.
    /// </summary>
    public static double MseRatio(PredictionTarget target, double snr)
    {
        LossWeighting.RequireSnr(snr);
        return PredictionConversions.RequireDefined(target, nameof(target)) switch
        {
            PredictionTarget.Epsilon => 1.0,
            PredictionTarget.X0 => 1.0 / snr,
            _ => 1.0 + 1.0 / snr,
        };
    }

    /// <summary>The mean squared error (1/D)·Σ_p (prediction[p] − target[p])², the per-pixel mean of DDPM's L_simple (Ho et al. 2020, eq. 14).</summary>
    public static double MeanSquaredError(Image prediction, Image target)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(target);
        prediction.RequireSameShape(target, nameof(target));
        ReadOnlySpan<double> p = prediction.Pixels, q = target.Pixels;
        double sum = 0.0;
        for (int i = 0; i < p.Length; i++)
        {
            double d = p[i] - q[i];
            sum += d * d;
        }
        return sum / p.Length;
    }

    /// <summary>
    /// The weight of the bound's term L_{i−1} on Σ_p (ε̂ − ε)² for a model with fixed-small variance σ² = β̃_i (DDPM
    /// eq. 12): L_{i−1} = β_i/(2·α_i·(1 − ᾱ_{i−1}))·‖ε̂ − ε‖² nats = ½·(SNR(τ_{i−1})/SNR(τ_i) − 1)·‖ε̂ − ε‖² (the discrete-time loss of Kingma et
    /// al. 2021), with the chain's β_i = 1 − ᾱ_{τ_i}/ᾱ_{τ_{i−1}}. Only for a step with a previous step: the last
    /// step's term is the decoder's −log p(x_0 | x_{τ_1}), no KL.
    /// </summary>
    /// <param name="plan">The chain (<see cref="RespacedSchedule.Full"/> for the model's own T steps).</param>
    /// <param name="step">A step of the chain that has a previous step.</param>
    public static double VlbEpsilonWeight(RespacedSchedule plan, ReverseStep step)
    {
        ArgumentNullException.ThrowIfNull(plan);
        plan.RequireStep(step, nameof(step));
        if (step.ProducesData)
            throw new ArgumentException($"step = {step} produces the data: its term is the decoder's −log p(x_0 | x_{{τ_1}}), not a multiple of the ε-MSE.", nameof(step));
        int i = step.Index;
        return plan.Schedule.Beta(i) / (2.0 * plan.Schedule.Alpha(i) * plan.Schedule.OneMinusAlphaBar(i - 1));
    }

    /// <summary>
    /// improved DDPM's hybrid loss at one timestep (Nichol &amp; Dhariwal 2021, eq. 16, §3.1; improved-diffusion's
    /// RESCALED_MSE): L_simple + λ·T·L_t, the per-pixel ε-MSE plus λ·T times the bound's term at t in bits per
    /// dimension (uniform t makes T·L_t an estimate of the whole L_vlb; λ = 0.001). In training the bound's term reaches
    /// only the variance (the mean is stopped), so for a fixed-variance model it is a measurement, not a gradient.
    /// </summary>
    /// <param name="epsilonMse">The per-pixel ε-MSE at t (<see cref="MeanSquaredError"/>), ≥ 0.</param>
    /// <param name="vlbTermNats">The bound's term at t in nats summed over pixels (a <see cref="VlbTerm"/>), ≥ 0.</param>
    /// <param name="dimensions">The pixels D, ≥ 1.</param>
    /// <param name="trainingSteps">The model's T, ≥ 1.</param>
    /// <param name="lambda">λ ≥ 0; improved DDPM's is <see cref="HybridLambda"/>.</param>
    public static double Hybrid(double epsilonMse, double vlbTermNats, int dimensions, int trainingSteps, double lambda = HybridLambda)
    {
        Guard.ClosedInterval(epsilonMse, 0.0, double.MaxValue, nameof(epsilonMse));
        Guard.ClosedInterval(vlbTermNats, 0.0, double.MaxValue, nameof(vlbTermNats));
        Guard.AtLeast(trainingSteps, 1, nameof(trainingSteps));
        Guard.ClosedInterval(lambda, 0.0, double.MaxValue, nameof(lambda));
        return epsilonMse + lambda * trainingSteps * VariationalBound.BitsPerDimension(vlbTermNats, dimensions);
    }

    /// <summary>
    /// The hybrid loss's weight on the per-pixel ε-MSE at a step with a previous step, for a fixed-small-variance model
    /// (Nichol &amp; Dhariwal 2021, eq. 16 with DDPM eq. 12): 1 + λ·T·w_vlb/ln 2, w_vlb = <see cref="VlbEpsilonWeight"/>;
    /// <see cref="Hybrid"/> of such a model equals it times the ε-MSE.
    /// </summary>
    public static double HybridEpsilonWeight(RespacedSchedule plan, ReverseStep step, int trainingSteps, double lambda = HybridLambda)
    {
        Guard.AtLeast(trainingSteps, 1, nameof(trainingSteps));
        Guard.ClosedInterval(lambda, 0.0, double.MaxValue, nameof(lambda));
        return 1.0 + lambda * trainingSteps * VlbEpsilonWeight(plan, step) / Ln2;
    }
}
