using System.Runtime.CompilerServices;
using System.Numerics;
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
/// <param name="Variance">σ_t²: fixed-small (β̃_t), fixed-large (β_t) or learned-range.</param>
/// <param name="Processing">What is done to x̂_0; null means <see cref="X0Processing.None"/>.</param>
public sealed record DdpmSampler(DdpmVariance Variance = DdpmVariance.FixedSmall, X0Processing? Processing = null) : ISampler
{
    /// <summary>σ_t².</summary>
    public DdpmVariance Variance { get; } = Variance is DdpmVariance.FixedSmall or DdpmVariance.FixedLarge or DdpmVariance.LearnedRange
        ? Variance
        : throw new ArgumentOutOfRangeException(nameof(Variance), Variance, $"Variance = {Variance} is not a DdpmVariance (FixedSmall, FixedLarge or LearnedRange).");

    /// <summary>What is done to the predicted x̂_0 at every step (nothing by default).</summary>
    public X0Processing Processing { get; } = Processing ?? new X0Processing.None();

    /// <summary>One denoiser evaluation per step (Ho et al. 2020, Algorithm 2).</summary>
    public int EvaluationsPerStep => 1;

    /// <summary>The learned-range variance needs a denoiser that predicts it (Nichol &amp; Dhariwal 2021, eq. 15).</summary>
    public void RequireCompatible<T>(IBatchDenoiser<T> denoiser) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        if (Variance == DdpmVariance.LearnedRange) ModelEstimate.RequireLearnedVariance(denoiser.PredictsVariance, denoiser.ToString() ?? "the denoiser");
    }

    /// <summary>
    /// DDPM's chain (Ho et al. 2020, Algorithm 2, lines 2–6) for the whole batch: at each step one denoiser call, then per
    /// image x_{τ_{i−1}} = c_x0·x̂_0 + c_xt·x_{τ_i} + σ_i·z (DDPM eq. 7), z from <c>ImageKeys[k].Child(τ_i)</c>.
    /// </summary>
    public ImageBatch<T> Run<T>(SamplerRun<T> run) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(run);
        RequireCompatible(run.Denoiser);
        var loop = new SamplerLoop<T>(run);
        NoiseSchedule chain = run.Plan.Schedule;
        bool observed = run.Observer is not null; // DDPM's step needs x̂_0 alone; ε̂ only for the observer
        PredictionTarget target = run.Denoiser.Target;
        X0Processing processing = Processing;
        StepNoise<T>? noise = run.Noise;
        // The step's numbers, set before each step and read by one per-image delegate made once per chain (a lambda
        // inside the loop would allocate its closure and delegate at every step).
        int i = 0, timestep = 0;
        bool perValue = false;
        T c1 = T.Zero, c2 = T.Zero, sigma = T.Zero;
        NoiseLevel level = default;
        ImageStep<T> work = [MethodImpl(MethodImplOptions.AggressiveOptimization)] (k, xt, prediction, interpolation, x0, epsilon, scratch, next) =>
        {
            ReadOnlySpan<T> estimate = ModelEstimate.Of(target, level, processing, xt, prediction, x0, epsilon, needEpsilon: observed);
            if (perValue)
            {
                Span<T> deviation = scratch[xt.Length..];
                LearnedStandardDeviation(chain, i, interpolation, deviation);
                SamplerKernels.AffinePerValue(c1, estimate, c2, xt, deviation, run.StepKey(k, timestep), noise, k, timestep, scratch, next);
            }
            else
            {
                SamplerKernels.Affine(c1, estimate, c2, xt, sigma, run.StepKey(k, timestep), noise, k, timestep, scratch, next);
            }
        };
        foreach (ReverseStep step in run.Plan.Steps())
        {
            loop.Evaluate(step);
            (i, timestep) = (step.Index, step.Timestep);
            var (cx0, cxt) = MeanCoefficients(chain, i);
            (c1, c2) = (T.CreateTruncating(cx0), T.CreateTruncating(cxt));
            perValue = Variance == DdpmVariance.LearnedRange && !step.ProducesData;
            sigma = T.CreateTruncating(step.ProducesData || Variance == DdpmVariance.LearnedRange ? 0.0 : FixedStandardDeviation(chain, i, Variance));
            level = NoiseLevel.At(chain, i);
            loop.ForEachImage(work);
            loop.Advance(step);
        }
        return loop.Result();
    }

    /// <summary>
    /// The reverse step from one image x_{τ_i}: mean μ̃_i(x̂_0, x_{τ_i}) and variance σ_i² (0 at the last step, whose output
    /// is its mean; Ho et al. 2020, §3.3); the same kernels as <see cref="Run{T}"/> on a batch of one.
    /// </summary>
    /// <param name="plan">The chain; the denoiser must be for <see cref="RespacedSchedule.Original"/>.</param>
    /// <param name="denoiser">The model, called once with (x_{τ_i}, τ_i).</param>
    /// <param name="settings">Variance choice and x̂_0 processing.</param>
    /// <param name="step">A step of <paramref name="plan"/>.</param>
    /// <param name="xt">x_{τ_i}.</param>
    public static ReverseTransition Transition(RespacedSchedule plan, Denoiser denoiser, DdpmSampler settings, ReverseStep step, Image xt)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(denoiser);
        ModelEstimate.RequireCompatible(plan, denoiser.Schedule, denoiser.Target, denoiser.ToString());
        settings.RequireCompatible<double>(denoiser);
        plan.RequireStep(step, nameof(step));
        ArgumentNullException.ThrowIfNull(xt);
        Model model = Evaluate(plan, denoiser, settings, step, xt);
        NoiseSchedule chain = plan.Schedule;
        Image variance = step.ProducesData
            ? Image.Filled(xt.Width, xt.Height, 0.0)
            : settings.Variance switch
            {
                DdpmVariance.FixedSmall => Image.Filled(xt.Width, xt.Height, chain.PosteriorVariance(step.Index)),
                DdpmVariance.FixedLarge => Image.Filled(xt.Width, xt.Height, chain.Beta(step.Index)),
                _ => Exp(model.LogVariance),
            };
        return new ReverseTransition(step, model.Mean, variance, model.X0, model.Epsilon);
    }

    /// <summary>The model's mean and log-variance of one step, with the estimates they came from (shared with the likelihood).</summary>
    internal sealed record Model(Image Mean, Image LogVariance, Image X0, Image Epsilon);

    internal static Model Evaluate(RespacedSchedule plan, Denoiser denoiser, DdpmSampler settings, ReverseStep step, Image xt)
    {
        NoiseSchedule chain = plan.Schedule;
        int i = step.Index;
        DenoiserOutput output = denoiser.Evaluate(xt, step.Timestep);
        var (x0, epsilon) = ModelEstimate.Of(denoiser.Target, output.Prediction, xt, NoiseLevel.At(chain, i), settings.Processing);
        var (cx0, cxt) = MeanCoefficients(chain, i);
        var mean = new double[xt.PixelCount];
        SamplerKernels.Affine(cx0, x0.Pixels, cxt, xt.Pixels, 0.0, default, null, 0, step.Timestep, Span<double>.Empty, mean);
        return new Model(Image.Own(xt.Width, xt.Height, mean), LogVariance(chain, i, settings.Variance, output.VarianceInterpolation, xt), x0, epsilon);
    }

    /// <summary>(c_x0, c_xt) of the posterior mean μ̃_i = c_x0·x_0 + c_xt·x_t of the chain (DDPM eq. 7).</summary>
    internal static (double CoefX0, double CoefXt) MeanCoefficients(NoiseSchedule chain, int i) =>
        (chain.PosteriorMeanCoefX0(i), chain.PosteriorMeanCoefXt(i));

    /// <summary>σ_i for the fixed choices: √β̃_i (fixed-small) or √β_i (fixed-large), from the variances themselves.</summary>
    private static double FixedStandardDeviation(NoiseSchedule chain, int i, DdpmVariance variance) => variance switch
    {
        DdpmVariance.FixedSmall => Math.Sqrt(chain.PosteriorVariance(i)),
        DdpmVariance.FixedLarge => Math.Sqrt(chain.Beta(i)),
        _ => throw new ArgumentOutOfRangeException(nameof(variance), variance, $"variance = {variance} is not a fixed DdpmVariance (FixedSmall or FixedLarge)."),
    };

    /// <summary>σ per value for the learned range: √exp(((v + 1)/2)·log β_i + ((1 − v)/2)·log β̃_i) (Nichol &amp; Dhariwal 2021, eq. 15).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LearnedStandardDeviation<T>(NoiseSchedule chain, int i, ReadOnlySpan<T> interpolation, Span<T> deviation)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double small = chain.PosteriorLogVarianceClipped(i), upper = Math.Log(chain.Beta(i));
        for (int j = 0; j < interpolation.Length; j++)
        {
            double fraction = (double.CreateTruncating(interpolation[j]) + 1.0) / 2.0;
            deviation[j] = T.CreateTruncating(Math.Sqrt(Math.Exp(fraction * upper + (1.0 - fraction) * small)));
        }
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

    private static Image Exp(Image logVariance)
    {
        ReadOnlySpan<double> log = logVariance.Pixels;
        var result = new double[log.Length];
        for (int k = 0; k < result.Length; k++) result[k] = Math.Exp(log[k]);
        return Image.Own(logVariance.Width, logVariance.Height, result);
    }
}
