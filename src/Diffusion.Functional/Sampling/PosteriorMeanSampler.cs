using System.Runtime.CompilerServices;
using System.Numerics;
using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// The deterministic chain x_{τ_{i−1}} = μ̃_i(x̂_0, x_{τ_i}) = c_x0·x̂_0 + c_xt·x_{τ_i} (the posterior mean of DDPM eq. 7 at
/// the denoiser's x̂_0, with no noise): DDPM's mean path. Not a sampler of the data law (it loses the variance β̃ at every
/// step); it is a test double whose output is a fixed function of x_{τ_N}, and the example of a sampler added in one file.
/// </summary>
/// <param name="Processing">What is done to x̂_0; null means <see cref="X0Processing.None"/>.</param>
public sealed record PosteriorMeanSampler(X0Processing? Processing = null) : ISampler
{
    /// <summary>What is done to the predicted x̂_0 at every step.</summary>
    public X0Processing Processing { get; } = Processing ?? new X0Processing.None();

    /// <summary>One evaluation per step (DDPM eq. 7 at x̂_0).</summary>
    public int EvaluationsPerStep => 1;

    /// <summary>Any denoiser of the chain's schedule will do (DDPM eq. 7 needs only x̂_0).</summary>
    public void RequireCompatible<T>(IBatchDenoiser<T> denoiser) where T : unmanaged, IFloatingPointIeee754<T> => ArgumentNullException.ThrowIfNull(denoiser);

    /// <summary>x_{τ_{i−1}} = c_x0·x̂_0 + c_xt·x_{τ_i} at every step (DDPM eq. 7), one denoiser call per step for the batch.</summary>
    public ImageBatch<T> Run<T>(SamplerRun<T> run) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(run);
        var loop = new SamplerLoop<T>(run);
        NoiseSchedule chain = run.Plan.Schedule;
        PredictionTarget target = run.Denoiser.Target;
        X0Processing processing = Processing;
        bool observed = run.Observer is not null;
        // The step's numbers, set before each step and read by one per-image delegate made once per chain.
        int timestep = 0;
        T c1 = T.Zero, c2 = T.Zero;
        NoiseLevel level = default;
        ImageStep<T> work = [MethodImpl(MethodImplOptions.AggressiveOptimization)] (k, xt, prediction, _, x0, epsilon, scratch, next) =>
        {
            ReadOnlySpan<T> estimate = ModelEstimate.Of(target, level, processing, xt, prediction, x0, epsilon, needEpsilon: observed);
            SamplerKernels.Affine(c1, estimate, c2, xt, T.Zero, default, null, k, timestep, scratch, next);
        };
        foreach (ReverseStep step in run.Plan.Steps())
        {
            loop.Evaluate(step);
            var (cx0, cxt) = DdpmSampler.MeanCoefficients(chain, step.Index);
            (c1, c2) = (T.CreateTruncating(cx0), T.CreateTruncating(cxt));
            (timestep, level) = (step.Timestep, NoiseLevel.At(chain, step.Index));
            loop.ForEachImage(work);
            loop.Advance(step);
        }
        return loop.Result();
    }
}
