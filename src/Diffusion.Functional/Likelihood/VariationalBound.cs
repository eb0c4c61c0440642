using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Processes;
using Diffusion.Functional.Sampling;

namespace Diffusion.Functional.Likelihood;

/// <summary>One term of the variational bound, in nats, for the step that starts at <see cref="ReverseStep.Timestep"/>.</summary>
/// <param name="Step">The step: L_{i−1} = KL(q(x_{τ_{i−1}} | x_{τ_i}, x_0) ‖ p_θ(x_{τ_{i−1}} | x_{τ_i})) when it has a previous step, the decoder's L_0 = −log p_θ(x_0 | x_{τ_1}) when it produces the data.</param>
/// <param name="Nats">The term's value in nats, summed over pixels, ≥ 0.</param>
public sealed record VlbTerm(ReverseStep Step, double Nats);

/// <summary>
/// The variational bound of one image (Ho et al. 2020, eq. 5; Nichol &amp; Dhariwal 2021, eqs. 4–6):
/// −log p_θ(x_0) ≤ L_T + Σ_{i ≥ 2} L_{i−1} + L_0, each term in nats summed over the image's pixels.
/// </summary>
/// <param name="Prior">L_T = KL(q(x_{τ_N} | x_0) ‖ N(0, I)), which no model changes.</param>
/// <param name="Steps">The step terms in chain order, i = N..1; the last is the decoder term L_0.</param>
/// <param name="Dimensions">The number of pixels D, for bits per dimension.</param>
public sealed record VariationalBoundTerms(double Prior, IReadOnlyList<VlbTerm> Steps, int Dimensions)
{
    /// <summary>L_T + Σ L_{i−1} + L_0 in nats: an upper bound on −log p_θ(x_0).</summary>
    public double Total => Prior + Steps.Sum(s => s.Nats);

    /// <summary>L_0 = −log p_θ(x_0 | x_{τ_1}), the discretized decoder's term.</summary>
    public double Decoder => Steps.Single(s => s.Step.ProducesData).Nats;

    /// <summary>The bound in bits per dimension, Total/(D·ln 2), the unit of DDPM's Table 2 and improved-diffusion's NLL.</summary>
    public double BitsPerDimension => VariationalBound.BitsPerDimension(Total, Dimensions);
}

/// <summary>
/// The terms of the variational bound for any denoiser on any (respaced) chain, as improved-diffusion's
/// <c>_vb_terms_bpd</c>, <c>_prior_bpd</c> and <c>calc_bpd_loop</c> compute them, in double, with the exact normal CDF
/// in the decoder. The model's reverse step is the DDPM one (<see cref="DdpmSampler"/>): its mean and its fixed-small,
/// fixed-large or learned-range variance.
/// </summary>
public static class VariationalBound
{
    private const double Ln2 = 0.69314718055994530942;

    /// <summary>
    /// L_T = Σ_p KL(N(√ᾱ_N·x_0[p], 1 − ᾱ_N) ‖ N(0, 1)) = Σ_p ½(ᾱ_N·x_0[p]² − ᾱ_N − log(1 − ᾱ_N)), the prior term of
    /// DDPM eq. 5, in nats, for the chain's top step τ_N (q(x_{τ_N} | x_0) from DDPM eq. 4).
    /// </summary>
    public static double PriorTerm(RespacedSchedule plan, Image x0)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(x0);
        int top = plan.Count;
        Image mean = x0.Scaled(plan.Schedule.SqrtAlphaBar(top));
        Image logVariance = Image.Filled(x0.Width, x0.Height, Math.Log(plan.Schedule.OneMinusAlphaBar(top)));
        Image zero = Image.Filled(x0.Width, x0.Height, 0.0);
        return NormalKl.Between(mean, logVariance, zero, zero);
    }

    /// <summary>
    /// L_{i−1} = KL(q(x_{τ_{i−1}} | x_{τ_i}, x_0) ‖ p_θ(x_{τ_{i−1}} | x_{τ_i})) in nats, for a step with a previous step
    /// (i ≥ 2): the posterior of the respaced chain (DDPM eqs. 6–7) against the model's Gaussian step. Zero when the
    /// model's mean and variance are the posterior's (the oracle denoiser with fixed-small variance).
    /// </summary>
    /// <param name="plan">The chain.</param>
    /// <param name="denoiser">The model, for the chain's original schedule.</param>
    /// <param name="settings">The model's variance and x̂_0 processing.</param>
    /// <param name="step">A step of the chain with a previous step (not the last one).</param>
    /// <param name="x0">The data.</param>
    /// <param name="xt">x_{τ_i}, of x_0's shape.</param>
    public static double TransitionTerm(RespacedSchedule plan, Denoiser denoiser, DdpmSampler settings, ReverseStep step, Image x0, Image xt)
    {
        ModelEstimate.RequireCompatible(plan, denoiser, settings);
        plan.RequireStep(step, nameof(step));
        ArgumentNullException.ThrowIfNull(x0);
        x0.RequireSameShape(xt, nameof(xt));
        if (step.ProducesData)
            throw new ArgumentException($"step = {step} produces the data: its term is the decoder's L_0 (DecoderTerm), not a KL.", nameof(step));
        int i = step.Index;
        Image posteriorMean = Posterior.Kernel(plan.Schedule, i).Apply(x0, xt).Mean;
        Image posteriorLogVariance = Image.Filled(x0.Width, x0.Height, plan.Schedule.PosteriorLogVarianceClipped(i)); // log β̃_i, i ≥ 2
        DdpmSampler.Model model = DdpmSampler.Evaluate(plan, denoiser, settings, step, xt);
        return NormalKl.Between(posteriorMean, posteriorLogVariance, model.Mean, model.LogVariance);
    }

    /// <summary>
    /// L_0 = −log p_θ(x_0 | x_{τ_1}) in nats: the discretized Gaussian decoder (Ho et al. 2020, eq. 13) with the model's
    /// last-step mean (x̂_0 itself, since the posterior of the step to the data is a point mass at x̂_0) and its
    /// log-variance (log β̃_2 for both fixed choices, as improved-diffusion).
    /// </summary>
    /// <param name="plan">The chain.</param>
    /// <param name="denoiser">The model.</param>
    /// <param name="settings">The model's variance and x̂_0 processing.</param>
    /// <param name="x0">The data: 8-bit levels of <paramref name="range"/>.</param>
    /// <param name="x1">x_{τ_1}, of x_0's shape.</param>
    /// <param name="range">The data range of the 256 levels.</param>
    public static double DecoderTerm(RespacedSchedule plan, Denoiser denoiser, DdpmSampler settings, Image x0, Image x1, PixelRange range = PixelRange.SignedUnit)
    {
        ModelEstimate.RequireCompatible(plan, denoiser, settings);
        ArgumentNullException.ThrowIfNull(x0);
        x0.RequireSameShape(x1, nameof(x1));
        DdpmSampler.Model model = DdpmSampler.Evaluate(plan, denoiser, settings, plan.Step(1), x1);
        return -DiscretizedGaussian.LogLikelihood(x0, model.Mean, model.LogVariance, range);
    }

    /// <summary>
    /// Every term for one image, with x_{τ_i} ~ q(x_{τ_i} | x_0) drawn independently for each step from
    /// <c>key.Child(τ_i)</c> (DDPM eq. 4; improved-diffusion's <c>calc_bpd_loop</c>): an unbiased one-sample estimate of
    /// the bound L_T + Σ_{i ≥ 2} L_{i−1} + L_0 of DDPM eq. 5 (docs/likelihood.md).
    /// </summary>
    /// <param name="plan">The chain (<see cref="RespacedSchedule.Full"/> for the model's own T steps).</param>
    /// <param name="denoiser">The model.</param>
    /// <param name="settings">The model's variance and x̂_0 processing.</param>
    /// <param name="x0">The data: 8-bit levels of <paramref name="range"/>.</param>
    /// <param name="key">The noise key of the estimate.</param>
    /// <param name="range">The data range of the 256 levels.</param>
    public static VariationalBoundTerms Evaluate(RespacedSchedule plan, Denoiser denoiser, DdpmSampler settings, Image x0, NoiseKey key, PixelRange range = PixelRange.SignedUnit)
    {
        ModelEstimate.RequireCompatible(plan, denoiser, settings);
        ArgumentNullException.ThrowIfNull(x0);
        for (int p = 0; p < x0.PixelCount; p++) DiscretizedGaussian.Level(x0.Pixels[p], range, p);

        var terms = new List<VlbTerm>(plan.Count);
        foreach (ReverseStep step in plan.Steps())
        {
            Image xt = ForwardProcess.Sample(plan.Original, x0, step.Timestep, key.Child((ulong)step.Timestep));
            double nats = step.ProducesData
                ? DecoderTerm(plan, denoiser, settings, x0, xt, range)
                : TransitionTerm(plan, denoiser, settings, step, x0, xt);
            terms.Add(new VlbTerm(step, nats));
        }
        return new VariationalBoundTerms(PriorTerm(plan, x0), terms, x0.PixelCount);
    }

    /// <summary>
    /// <see cref="Evaluate"/> for many images with a batched denoiser (DDPM eq. 5; improved-diffusion's
    /// <c>calc_bpd_loop</c> over a batch): at each step of the chain one denoiser call for all images, image k's x_{τ_i}
    /// drawn from <c>key.Child(k).Child(τ_i)</c>, so result k is <c>Evaluate(plan, …, x0[k], key.Child(k))</c> for the
    /// same predictions. The x_t reach a float denoiser rounded to float; the terms are computed in double.
    /// </summary>
    /// <param name="plan">The chain.</param>
    /// <param name="denoiser">The model for the chain's original schedule, any batch size.</param>
    /// <param name="settings">The model's variance and x̂_0 processing.</param>
    /// <param name="x0">The data, ≥ 1 images of one shape on the 8-bit levels of <paramref name="range"/>.</param>
    /// <param name="key">The noise key; image k uses <c>key.Child(k)</c>.</param>
    /// <param name="range">The data range of the 256 levels.</param>
    public static IReadOnlyList<VariationalBoundTerms> EvaluateMany<T>(RespacedSchedule plan, IBatchDenoiser<T> denoiser, DdpmSampler settings,
        IReadOnlyList<Image> x0, NoiseKey key, PixelRange range = PixelRange.SignedUnit)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(denoiser);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(x0);
        ModelEstimate.RequireCompatible(plan, denoiser.Schedule, denoiser.Target, denoiser.ToString() ?? "the denoiser");
        settings.RequireCompatible(denoiser);
        Numerics.Guard.AtLeast(x0.Count, 1, "x0.Count");
        for (int k = 0; k < x0.Count; k++)
        {
            Image image = x0[k] ?? throw new ArgumentNullException($"x0[{k}]");
            image.RequireSameShape(x0[0], $"x0[{k}]");
            for (int p = 0; p < image.PixelCount; p++) DiscretizedGaussian.Level(image.Pixels[p], range, p);
        }

        int n = x0.Count, pixels = x0[0].PixelCount;
        var steps = new List<VlbTerm>[n];
        for (int k = 0; k < n; k++) steps[k] = new List<VlbTerm>(plan.Count);
        var xt = new Image[n];
        var prediction = new T[n * pixels];
        var interpolation = new T[denoiser.PredictsVariance ? n * pixels : 0];
        var timesteps = new int[n];
        foreach (ReverseStep step in plan.Steps())
        {
            for (int k = 0; k < n; k++) xt[k] = ForwardProcess.Sample(plan.Original, x0[k], step.Timestep, key.Child((ulong)k).Child((ulong)step.Timestep));
            Array.Fill(timesteps, step.Timestep);
            denoiser.Predict(ImageBatch<T>.FromImages(xt), timesteps, prediction, interpolation);
            for (int k = 0; k < n; k++)
            {
                Denoiser evaluated = Recorded(denoiser, xt[k], Widen(prediction, k, xt[k]), denoiser.PredictsVariance ? Widen(interpolation, k, xt[k]) : null);
                double nats = step.ProducesData
                    ? DecoderTerm(plan, evaluated, settings, x0[k], xt[k], range)
                    : TransitionTerm(plan, evaluated, settings, step, x0[k], xt[k]);
                steps[k].Add(new VlbTerm(step, nats));
            }
        }
        return Enumerable.Range(0, n).Select(k => new VariationalBoundTerms(PriorTerm(plan, x0[k]), steps[k], pixels)).ToArray();

        static Image Widen(T[] values, int k, Image like)
        {
            var pixels = new double[like.PixelCount];
            for (int p = 0; p < pixels.Length; p++) pixels[p] = double.CreateTruncating(values[k * pixels.Length + p]);
            return Image.FromPixels(like.Width, like.Height, pixels);
        }
    }

    // A denoiser that answers with the batched call's output for the one x_t it was made for.
    private static Denoiser Recorded<T>(IBatchDenoiser<T> denoiser, Image xt, Image prediction, Image? interpolation)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        DenoiserOutput Answer(Image x, int t) => ReferenceEquals(x, xt)
            ? new DenoiserOutput(prediction, interpolation)
            : throw new InvalidOperationException("The recorded prediction was asked for another x_t.");
        return interpolation is null
            ? Denoiser.Create(denoiser.Schedule, denoiser.Target, (x, t) => Answer(x, t).Prediction)
            : Denoiser.CreateWithLearnedVariance(denoiser.Schedule, denoiser.Target, Answer);
    }

    /// <summary>
    /// nats/(D·ln 2): a negative log-likelihood in bits per dimension, the unit of DDPM §4 (Table 2). D ≥ 1.
    /// </summary>
    public static double BitsPerDimension(double nats, int dimensions)
    {
        Numerics.Guard.AtLeast(dimensions, 1, nameof(dimensions));
        return nats / (dimensions * Ln2);
    }
}
