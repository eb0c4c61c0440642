using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Processes;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// DDPM ancestral sampling (Ho et al. 2020, Algorithm 2) on a possibly respaced chain: p_θ(x_{τ_{i−1}} | x_{τ_i}) =
/// N(μ̃_i(x̂_0, x_{τ_i}), σ_i²) where μ̃_i is the posterior mean of the respaced chain (DDPM eq. 7) at the denoiser's x̂_0,
/// and σ_i² is fixed-small, fixed-large or learned-range (improved-diffusion's <c>p_mean_variance</c>).
/// </summary>
public static class DdpmSampler
{
    /// <summary>
    /// The reverse step from x_{τ_i}: mean μ̃_i(x̂_0, x_{τ_i}) and variance σ_i² (0 at the last step, whose output is its
    /// mean; Ho et al. 2020, §3.3).
    /// </summary>
    /// <param name="plan">The chain; the denoiser must be for <see cref="RespacedSchedule.Original"/>.</param>
    /// <param name="denoiser">The model, called once with (x_{τ_i}, τ_i).</param>
    /// <param name="settings">Variance choice and x̂_0 processing.</param>
    /// <param name="step">A step of <paramref name="plan"/>.</param>
    /// <param name="xt">x_{τ_i}.</param>
    public static ReverseTransition Transition(RespacedSchedule plan, Denoiser denoiser, DdpmSettings settings, ReverseStep step, Image xt)
    {
        ModelEstimate.RequireCompatible(plan, denoiser, settings);
        plan.RequireStep(step, nameof(step));
        ArgumentNullException.ThrowIfNull(xt);
        Model model = Evaluate(plan, denoiser, settings, step, xt);
        return new ReverseTransition(step, model.Mean, SamplingVariance(plan.Schedule, step, settings.Variance, model.LogVariance), model.X0, model.Epsilon);
    }

    /// <summary>The model's mean and log-variance of one step, with the estimates they came from (shared with the likelihood).</summary>
    internal sealed record Model(Image Mean, Image LogVariance, Image X0, Image Epsilon);

    internal static Model Evaluate(RespacedSchedule plan, Denoiser denoiser, DdpmSettings settings, ReverseStep step, Image xt)
    {
        NoiseSchedule chain = plan.Schedule;
        int i = step.Index;
        DenoiserOutput output = denoiser.Evaluate(xt, step.Timestep);
        var (x0, epsilon) = ModelEstimate.Of(denoiser.Target, output.Prediction, xt, NoiseLevel.At(chain, i), settings.Processing);
        Image mean = Posterior.Kernel(chain, i).Apply(x0, xt).Mean;
        return new Model(mean, LogVariance(chain, i, settings.Variance, output.VarianceInterpolation, xt), x0, epsilon);
    }

    /// <summary>
    /// log σ_i² per pixel (improved-diffusion's <c>model_log_variance</c>): fixed-small log β̃_i (clipped at i = 1 to
    /// log β̃_2), fixed-large log β_i (log β̃_2 at i = 1), learned-range the interpolation of the two in log space.
    /// </summary>
    internal static Image LogVariance(NoiseSchedule chain, int i, DdpmVariance variance, Image? interpolation, Image like)
    {
        double small = chain.PosteriorLogVarianceClipped(i);
        double large = i == 1 ? small : Math.Log(chain.Beta(i));
        switch (variance)
        {
            case DdpmVariance.FixedSmall:
                return Image.Filled(like.Width, like.Height, small);
            case DdpmVariance.FixedLarge:
                return Image.Filled(like.Width, like.Height, large);
            case DdpmVariance.LearnedRange:
                if (interpolation is null)
                    throw new ArgumentException("The learned-range variance needs the denoiser's variance interpolation.", nameof(interpolation));
                // The upper end is log β_i itself at every step, also at i = 1 (improved-diffusion's max_log = log β_t).
                double upper = Math.Log(chain.Beta(i));
                ReadOnlySpan<double> v = interpolation.Pixels;
                var result = new double[v.Length];
                for (int k = 0; k < result.Length; k++)
                {
                    double fraction = (v[k] + 1.0) / 2.0;
                    result[k] = fraction * upper + (1.0 - fraction) * small;
                }
                return Image.Own(like.Width, like.Height, result);
            default:
                throw new ArgumentOutOfRangeException(nameof(variance), variance, $"variance = {variance} is not a DdpmVariance (FixedSmall, FixedLarge or LearnedRange).");
        }
    }

    /// <summary>
    /// σ_i² for drawing x_{τ_{i−1}}: 0 at the last step (its output is the mean); β̃_i or β_i themselves for the fixed
    /// choices (not exp of their logarithms, so that fixed-small sampling with the oracle denoiser is the oracle chain bit
    /// for bit); exp(log σ²) for the learned range.
    /// </summary>
    private static Image SamplingVariance(NoiseSchedule chain, ReverseStep step, DdpmVariance variance, Image logVariance) =>
        step.ProducesData
            ? Image.Filled(logVariance.Width, logVariance.Height, 0.0)
            : variance switch
            {
                DdpmVariance.FixedSmall => Image.Filled(logVariance.Width, logVariance.Height, chain.PosteriorVariance(step.Index)),
                DdpmVariance.FixedLarge => Image.Filled(logVariance.Width, logVariance.Height, chain.Beta(step.Index)),
                DdpmVariance.LearnedRange => Exp(logVariance),
                _ => throw new ArgumentOutOfRangeException(nameof(variance), variance, $"variance = {variance} is not a DdpmVariance (FixedSmall, FixedLarge or LearnedRange)."),
            };

    private static Image Exp(Image logVariance)
    {
        ReadOnlySpan<double> log = logVariance.Pixels;
        var result = new double[log.Length];
        for (int k = 0; k < result.Length; k++) result[k] = Math.Exp(log[k]);
        return Image.Own(logVariance.Width, logVariance.Height, result);
    }
}
