using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Numerics;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Processes;

/// <summary>
/// The oracle reverse chain: ancestral sampling x_{t−1} ~ q(x_{t−1} | x_t, x_0) (DDPM eqs. 6–7) with the true x_0,
/// from x_t at step t all the way down to x_0. It is what a perfect denoiser would do, and the seed notebook's
/// visualisation loop, fixed: the seed stops at step 1; this chain takes the last step, whose variance β̃_1 is 0
/// and whose mean is exactly x_0.
/// </summary>
public static class OracleChain
{
    /// <summary>
    /// Ancestral sampling x_{t'−1} = μ̃_{t'}(x_{t'}, x_0) + √β̃_{t'}·ε from q(x_{t'−1} | x_{t'}, x_0) (DDPM eqs. 6–7;
    /// DDPM Algorithm 2 with q in place of p_θ; docs/oracle-chain.md), as the lazy sequence of states (t, x_t),
    /// (t − 1, x_{t−1}), …, (0, x_0): t + 1 immutable states, the first being <paramref name="xt"/> itself. The step
    /// t' → t' − 1 uses ε = <paramref name="noiseForStep"/>(t'); the step 1 → 0 (β̃_1 = 0) lands on x_0 and draws nothing.
    /// Range of t: 1..T; x_t, x_0 and every ε of one shape.
    /// </summary>
    public static IEnumerable<ChainState> Run(NoiseSchedule schedule, Image x0, Image xt, int t, Func<int, Image> noiseForStep)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(noiseForStep);
        x0.RequireSameShape(xt, nameof(xt));
        Guard.Timestep(t, schedule.Steps);
        return Iterate(schedule, x0, xt, t, noiseForStep);
    }

    /// <summary>
    /// The oracle chain x_t → x_{t−1} → … → x_0 of DDPM eqs. 6–7 (docs/oracle-chain.md) with ε for the step t' → t' − 1
    /// drawn from <c>key.Child(t')</c> (the key convention of docs/conventions.md), so any state of the chain is
    /// reproducible from the key alone, whatever else runs.
    /// </summary>
    public static IEnumerable<ChainState> Run(NoiseSchedule schedule, Image x0, Image xt, int t, NoiseKey key) =>
        Run(schedule, x0, xt, t, step => NoiseImage.StandardNormalLike(key.Child((ulong)step), x0));

    /// <summary>
    /// The noise key <c>key.Child(t)</c> that <see cref="Run(NoiseSchedule, Image, Image, int, NoiseKey)"/> uses for the
    /// step t → t − 1 (the key table of docs/conventions.md).
    /// </summary>
    public static NoiseKey StepKey(NoiseKey key, int t) => key.Child((ulong)t);

    private static IEnumerable<ChainState> Iterate(NoiseSchedule schedule, Image x0, Image xt, int t, Func<int, Image> noiseForStep)
    {
        var current = new ChainState(t, xt);
        yield return current;
        for (int step = t; step >= 1; step--)
        {
            PosteriorKernel kernel = Posterior.Kernel(schedule, step);
            // β̃_1 = 0: the last step is its mean, 1·x_0 + 0·x_1 = x_0, and no noise is drawn for it.
            Image next = kernel.Variance == 0.0
                ? kernel.Apply(x0, current.X).Mean
                : kernel.Sample(x0, current.X, RequireShape(noiseForStep(step), x0, step));
            current = new ChainState(step - 1, next);
            yield return current;
        }
    }

    private static Image RequireShape(Image noise, Image like, int step)
    {
        if (noise is null) throw new ArgumentException($"noiseForStep({step}) returned null; it must return an image.", "noiseForStep");
        like.RequireSameShape(noise, $"noiseForStep({step})");
        return noise;
    }
}
