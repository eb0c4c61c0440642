using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// The exact global error of a deterministic sampler on diagonal Gaussian data (docs/samplers.md, "The proof"): the
/// sampler's x_0 from x_{τ_N} against the exact probability-flow ODE (Karras et al. 2022, eq. 4) from τ_N down to τ_1
/// followed by the same final denoising step x_0 = D(x_{τ_1}; σ_{τ_1}) that every σ-space sampler takes onto σ = 0.
/// </summary>
public static class SamplerConvergence
{
    /// <summary>
    /// max_j |x_0,j − x*_0,j| over every value of every image, with x*_0 = D(Φ(x_{τ_N}); σ_{τ_1}), Φ the exact ODE map of
    /// <see cref="DiagonalGaussianData.ProbabilityFlow"/> and D the exact denoiser (Karras et al. 2022, eq. 4; docs/samplers.md).
    /// </summary>
    /// <param name="sampler">A deterministic sampler.</param>
    /// <param name="data">The data; its exact x_0-denoiser drives the sampler.</param>
    /// <param name="plan">The chain (its original schedule is the data's).</param>
    /// <param name="start">x_{τ_N}, in the data's image shape.</param>
    public static double OdeError(ISampler sampler, DiagonalGaussianData data, RespacedSchedule plan, ImageBatch<double> start) =>
        OdeErrors(sampler, data, plan, start).Max(Math.Abs);

    /// <summary>
    /// The signed errors x_0,j − x*_0,j of <see cref="OdeError"/>, value by value (N·C·H·W numbers), against the exact
    /// probability-flow solution of Karras et al. 2022, eq. 4 followed by the final denoising step (docs/samplers.md).
    /// </summary>
    public static double[] OdeErrors(ISampler sampler, DiagonalGaussianData data, RespacedSchedule plan, ImageBatch<double> start)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(start);
        NoiseSchedule schedule = plan.Original;
        IBatchDenoiser<double> denoiser = data.Denoiser<double>(schedule, PredictionTarget.X0);
        var keys = Enumerable.Range(0, start.Count).Select(k => new NoiseKey((ulong)k)).ToArray();
        ImageBatch<double> output = sampler.Run(new SamplerRun<double>(plan, denoiser, start, keys));
        int first = plan.Timesteps[0], last = plan.Timesteps[^1], per = start.ValuesPerImage;
        double a = schedule.SqrtAlphaBar(first), s = schedule.SqrtOneMinusAlphaBar(first);
        var errors = new double[start.Values.Length];
        ReadOnlySpan<double> x = start.Values, y = output.Values;
        for (int n = 0; n < x.Length; n++)
        {
            int j = n % per;
            double atFirst = data.ProbabilityFlow(schedule, last, x[n], first, j);
            double v = data.Variance[j], mu = data.Mean[j];
            // E[x_0 | x_{τ_1}] = μ + a·v/(a²v + s²)·(x − a·μ) (DiagonalGaussianData's Bayes rule, written out again here).
            double exact = mu + a * v / (a * a * v + s * s) * (atFirst - a * mu);
            errors[n] = y[n] - exact;
        }
        return errors;
    }

    /// <summary>
    /// The exact output law N(mean, variance) of a sampler on one-dimensional Gaussian data N(μ, v) started from the exact
    /// marginal q(x_{τ_N}): every step is affine in x and in its noise, so x_0 = B + A·x_{τ_N} + Σ_k c_k·z_k, and one run
    /// with unit inputs gives every coefficient; mean = B + A·√ᾱ_{τ_N}·μ, variance = A²·Var q(x_{τ_N}) + Σ c_k²
    /// (docs/samplers.md, "Stochastic sampler").
    /// </summary>
    public static (double Mean, double Variance) GaussianLaw(ISampler sampler, RespacedSchedule plan, double mean, double variance)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentNullException.ThrowIfNull(plan);
        int width = plan.Count + 2;
        var data = new DiagonalGaussianData(1, 1, width, Enumerable.Repeat(mean, width).ToArray(), Enumerable.Repeat(variance, width).ToArray());
        var start = new double[width];
        start[1] = 1.0;
        var position = new Dictionary<int, int>();
        for (int k = 0; k < plan.Count; k++) position[plan.Timesteps[k]] = k;
        var run = new SamplerRun<double>(plan, data.Denoiser<double>(plan.Original, PredictionTarget.X0), ImageBatch<double>.FromValues(1, 1, 1, width, start), [new NoiseKey(0)])
        {
            // value 2 + k gets z = 1 at the step from the k-th kept timestep and nothing else; values 0 and 1 get no noise
            Noise = (_, timestep, z) => { z.Clear(); z[2 + position[timestep]] = 1.0; },
        };
        double[] y = sampler.Run(run).ToDoubleArray();
        double b = y[0], a = y[1] - b, noise = 0.0;
        for (int k = 2; k < width; k++) noise += (y[k] - b) * (y[k] - b);
        int top = plan.Timesteps[^1];
        double m = plan.Original.SqrtAlphaBar(top) * mean, marginal = data.MarginalVariance(plan.Original, top, 0);
        return (b + a * m, a * a * marginal + noise);
    }
}
