using System.Runtime.CompilerServices;
using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// DDIM (Song et al. 2021, "Denoising diffusion implicit models"): the step
/// x_{τ_{i−1}} = √ᾱ_{i−1}·x̂_0 + √(1 − ᾱ_{i−1} − σ_i²)·ε̂ + σ_i·z (eq. 12) with σ_i² = η²·β̃_i (eq. 16), on a possibly
/// respaced chain; and its exact inversion for η = 0.
/// </summary>
/// <param name="Eta">η, range 0 ≤ η ≤ 1: σ_t = η·√β̃_t (Song et al. 2021, eq. 16); 0 is deterministic.</param>
/// <param name="Processing">What is done to x̂_0; null means <see cref="X0Processing.None"/>.</param>
public sealed record DdimSampler(double Eta = 0.0, X0Processing? Processing = null) : ISampler
{
    /// <summary>η ∈ [0, 1].</summary>
    public double Eta { get; } = Eta >= 0.0 && Eta <= 1.0
        ? Eta
        : throw new ArgumentOutOfRangeException(nameof(Eta), Eta, $"Eta = {Eta} is outside [0, 1]; η = 0 is deterministic DDIM and η = 1 has DDPM's variance β̃_t.");

    /// <summary>What is done to the predicted x̂_0 at every step (nothing by default).</summary>
    public X0Processing Processing { get; } = Processing ?? new X0Processing.None();

    /// <summary>One denoiser evaluation per step (Song et al. 2021, eq. 12).</summary>
    public int EvaluationsPerStep => 1;

    /// <summary>DDIM runs with any denoiser of the chain's schedule (Song et al. 2021, eq. 12 needs only x̂_0 and ε̂).</summary>
    public void RequireCompatible<T>(IBatchDenoiser<T> denoiser) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        ArgumentNullException.ThrowIfNull(denoiser);

    /// <summary>
    /// DDIM's chain for the whole batch (Song et al. 2021, eq. 12): at each step one denoiser call, then per image
    /// x_{τ_{i−1}} = √ᾱ_{i−1}·x̂_0 + √(1 − ᾱ_{i−1} − σ_i²)·ε̂ + σ_i·z with σ_i² = η²·β̃_i (eq. 16), z from
    /// <c>ImageKeys[k].Child(τ_i)</c> when σ_i &gt; 0.
    /// </summary>
    public Images.ImageBatch<T> Run<T>(SamplerRun<T> run) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(run);
        var loop = new SamplerLoop<T>(run);
        NoiseSchedule chain = run.Plan.Schedule;
        PredictionTarget target = run.Denoiser.Target;
        X0Processing processing = Processing;
        StepNoise<T>? noise = run.Noise;
        // The step's numbers, set before each step and read by one per-image delegate made once per chain.
        int timestep = 0;
        T c1 = T.Zero, c2 = T.Zero, s = T.Zero;
        NoiseLevel level = default;
        ImageStep<T> work = [MethodImpl(MethodImplOptions.AggressiveOptimization)] (k, xt, prediction, _, x0, epsilon, scratch, next) =>
        {
            ModelEstimate.Of(target, level, processing, xt, prediction, x0, epsilon);
            SamplerKernels.Affine(c1, x0, c2, epsilon, s, run.StepKey(k, timestep), noise, k, timestep, scratch, next);
        };
        foreach (ReverseStep step in run.Plan.Steps())
        {
            loop.Evaluate(step);
            var (cx0, ceps, sigma) = Coefficients(chain, step.Index);
            (c1, c2, s) = (T.CreateTruncating(cx0), T.CreateTruncating(ceps), T.CreateTruncating(sigma));
            (timestep, level) = (step.Timestep, NoiseLevel.At(chain, step.Index));
            loop.ForEachImage(work);
            loop.Advance(step);
        }
        return loop.Result();
    }

    /// <summary>
    /// The DDIM step from one image x_{τ_i}: mean √ᾱ_{i−1}·x̂_0 + √(1 − ᾱ_{i−1} − σ_i²)·ε̂ and variance σ_i² = η²·β̃_i (Song
    /// et al. 2021, eqs. 12 and 16, their α being our ᾱ); the same kernels as <see cref="Run{T}"/> on a batch of one.
    /// With η = 1 this is the DDPM fixed-small step; the last step's output is x̂_0 (ᾱ_0 = 1).
    /// </summary>
    /// <param name="plan">The chain; the denoiser must be for <see cref="RespacedSchedule.Original"/>.</param>
    /// <param name="denoiser">The model, called once with (x_{τ_i}, τ_i).</param>
    /// <param name="settings">η and x̂_0 processing.</param>
    /// <param name="step">A step of <paramref name="plan"/>.</param>
    /// <param name="xt">x_{τ_i}.</param>
    public static ReverseTransition Transition(RespacedSchedule plan, Denoiser denoiser, DdimSampler settings, ReverseStep step, Image xt)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(denoiser);
        ModelEstimate.RequireCompatible(plan, denoiser.Schedule, denoiser.Target, denoiser.ToString());
        plan.RequireStep(step, nameof(step));
        ArgumentNullException.ThrowIfNull(xt);
        NoiseSchedule chain = plan.Schedule;
        var (x0, epsilon) = Estimate(plan, denoiser, settings.Processing, step, xt);
        var (cx0, ceps, _) = settings.Coefficients(chain, step.Index);
        var mean = new double[xt.PixelCount];
        SamplerKernels.Affine(cx0, x0.Pixels, ceps, epsilon.Pixels, 0.0, default, null, 0, step.Timestep, Span<double>.Empty, mean);
        Image variance = Image.Filled(xt.Width, xt.Height, settings.Eta * settings.Eta * chain.PosteriorVariance(step.Index));
        return new ReverseTransition(step, Image.Own(xt.Width, xt.Height, mean), variance, x0, epsilon);
    }

    /// <summary>(√ᾱ_{i−1}, √(1 − ᾱ_{i−1} − σ_i²), σ_i) of step i (Song et al. 2021, eqs. 12 and 16).</summary>
    internal (double CoefX0, double CoefEpsilon, double Sigma) Coefficients(NoiseSchedule chain, int i)
    {
        double eta2 = Eta * Eta;
        // 1 − ᾱ_{i−1} − η²β̃_i = (1 − ᾱ_{i−1})·((1 − ᾱ_i) − η²β_i)/(1 − ᾱ_i) since β̃_i = (1 − ᾱ_{i−1})β_i/(1 − ᾱ_i) (DDPM
        // eq. 7), and (1 − ᾱ_i) − η²β_i = (1 − η²)(1 − ᾱ_i) + η²·α_i(1 − ᾱ_{i−1}) because 1 − ᾱ_i − β_i = α_i − ᾱ_i: two
        // terms ≥ 0, so nothing cancels, also where ᾱ_i ≪ ᾱ_{i−1} (a coarse step) and η = 1.
        double oneMinusPrevious = chain.OneMinusAlphaBar(i - 1), oneMinus = chain.OneMinusAlphaBar(i);
        double remaining = (1.0 - eta2) * oneMinus + eta2 * chain.Alpha(i) * oneMinusPrevious;
        double direction = Math.Sqrt(oneMinusPrevious * remaining / oneMinus);
        return (chain.SqrtAlphaBar(i - 1), direction, Math.Sqrt(eta2 * chain.PosteriorVariance(i)));
    }

    /// <summary>
    /// DDIM inversion (η = 0): the states (0, x_0), (τ_1, x_{τ_1}), …, (τ_N, x_{τ_N}), lazily, where each x_{τ_i} is the
    /// preimage of x_{τ_{i−1}} under the deterministic DDIM step F_i(x) = √ᾱ_{i−1}·x̂_0(x) + √(1 − ᾱ_{i−1})·ε̂(x),
    /// solved to rounding, so that DDIM with η = 0 from x_{τ_N} returns x_0 to rounding. (The usual inversion, Song et al.
    /// 2021, §4.3, evaluates ε̂ at the lower step and is exact only in the limit of small steps.) Each preimage is found
    /// by a secant iteration x ← x + (y − F(x))/λ with λ the Barzilai–Borwein slope ⟨Δx, ΔF⟩/⟨Δx, Δx⟩ of the last two
    /// evaluations (Barzilai &amp; Borwein 1988), starting from the slope √ᾱ_{i−1}√ᾱ_i + √(1 − ᾱ_{i−1})√(1 − ᾱ_i) that F has
    /// for data of unit variance. For Gaussian data F is affine with a scalar slope and the solve is exact after three
    /// evaluations; for other denoisers it converges when x̂_0 varies slowly in x_t, and throws an
    /// <see cref="ArgumentException"/> when it does not (e.g. when the step has no preimage).
    /// </summary>
    /// <param name="plan">The chain; the denoiser must be for <see cref="RespacedSchedule.Original"/>.</param>
    /// <param name="denoiser">The model.</param>
    /// <param name="x0">The data to invert.</param>
    /// <param name="processing">The x̂_0 processing of the sampler to invert (none by default).</param>
    public static IEnumerable<Processes.ChainState> Invert(RespacedSchedule plan, Denoiser denoiser, Image x0, X0Processing? processing = null)
    {
        var settings = new DdimSampler(0.0, processing);
        ArgumentNullException.ThrowIfNull(denoiser);
        ModelEstimate.RequireCompatible(plan, denoiser.Schedule, denoiser.Target, denoiser.ToString());
        ArgumentNullException.ThrowIfNull(x0);
        return InvertLazily(plan, denoiser, settings, x0);
    }

    /// <summary>The most evaluations of the denoiser per step of <see cref="Invert"/>.</summary>
    public const int MaxInversionIterations = 100;

    private static IEnumerable<Processes.ChainState> InvertLazily(RespacedSchedule plan, Denoiser denoiser, DdimSampler settings, Image x0)
    {
        NoiseSchedule chain = plan.Schedule;
        Image previous = x0;
        yield return new Processes.ChainState(0, x0);
        for (int i = 1; i <= plan.Count; i++)
        {
            ReverseStep step = plan.Step(i);
            Image target = previous;
            // F is the sampling step itself, so that inverting and sampling agree to the last rounding.
            Image Step(Image x) => Transition(plan, denoiser, settings, step, x).Mean;
            double a = chain.SqrtAlphaBar(i), aPrevious = chain.SqrtAlphaBar(i - 1);
            double s = chain.SqrtOneMinusAlphaBar(i), sPrevious = chain.SqrtOneMinusAlphaBar(i - 1);
            double slope = aPrevious * a + sPrevious * s;
            // F itself is evaluated with rounding: an ε-prediction becomes x̂_0 = (x − s·ε̂)/a, which F weights by
            // √ᾱ_{i−1}, so F's error is about u·|x|·√ᾱ_{i−1}/√ᾱ_i; an x_0-prediction becomes ε̂ with a factor √(1 − ᾱ_{i−1})/√(1 − ᾱ_i) ≤ 1.
            double conditioning = denoiser.Target switch
            {
                PredictionTarget.Epsilon => aPrevious / a,
                PredictionTarget.X0 => sPrevious / s,
                _ => 1.0,
            };
            previous = Solve(Step, target, previous.Scaled(aPrevious > 0.0 ? a / aPrevious : 1.0), slope, Math.Max(1.0, conditioning), step);
            yield return new Processes.ChainState(step.Timestep, previous);
        }
    }

    /// <summary>
    /// x with F(x) = y by x_{k+1} = x_k + (y − F(x_k))/λ_k, λ_0 = <paramref name="slope"/>, λ_k the Barzilai–Borwein
    /// slope of the last two evaluations when it is positive. Converged when y − F(x) is at most 32 roundoffs of the
    /// largest of 1, |y| and <paramref name="conditioning"/>·|x| (the rounding F's evaluation itself commits), with |x|
    /// taken at most <see cref="IterateGrowth"/> times the scale of the start and of y: a diverging iterate must not
    /// widen its own tolerance (an |x| of 2·10¹⁶ once let a residual of 8 pass as rounding).
    /// </summary>
    private static Image Solve(Func<Image, Image> step, Image y, Image start, double slope, double conditioning, ReverseStep reverseStep)
    {
        Image x = start, fx = step(x);
        Image residual = y.Minus(fx);
        double lambda = slope > 0.0 ? slope : 1.0;
        double yScale = MaxAbs(y), xCap = IterateGrowth * Math.Max(1.0, Math.Max(MaxAbs(start), yScale));
        for (int k = 1; ; k++)
        {
            double floor = 32 * Roundoff * Math.Max(1.0, Math.Max(yScale, conditioning * Math.Min(MaxAbs(x), xCap)));
            if (MaxAbs(residual) <= floor) return x;
            if (k == MaxInversionIterations)
                throw new ArgumentException(
                    $"DDIM inversion did not converge from step {reverseStep.Destination} to step {reverseStep.Timestep} after {MaxInversionIterations} " +
                    $"evaluations (the step still misses its target by {MaxAbs(residual):E2}): the denoiser's x̂_0 changes too fast in x_t there, " +
                    "or the step has no preimage; use more steps.", "denoiser");
            Image next = Image.Combine(1.0, x, 1.0 / lambda, residual);
            Image fNext = step(next);
            Image dx = next.Minus(x), dF = fNext.Minus(fx);
            double dxSquared = Dot(dx, dx), secant = dxSquared > 0.0 ? Dot(dx, dF) / dxSquared : double.NaN;
            if (secant > 0.0 && double.IsFinite(secant)) lambda = secant;
            x = next;
            fx = fNext;
            residual = y.Minus(fx);
        }
    }

    private const double Roundoff = 1.1102230246251565e-16; // 2⁻⁵³

    /// <summary>How far beyond the start's and the target's scale an iterate's size may widen the tolerance.</summary>
    private const double IterateGrowth = 4.0;

    private static double MaxAbs(Image image)
    {
        double max = 0.0;
        foreach (double p in image.Pixels) max = Math.Max(max, Math.Abs(p));
        return max;
    }

    private static double Dot(Image x, Image y)
    {
        double sum = 0.0;
        for (int p = 0; p < x.PixelCount; p++) sum += x.Pixels[p] * y.Pixels[p];
        return sum;
    }

    private static (Image X0, Image Epsilon) Estimate(RespacedSchedule plan, Denoiser denoiser, X0Processing processing, ReverseStep step, Image xt)
    {
        DenoiserOutput output = denoiser.Evaluate(xt, step.Timestep);
        return ModelEstimate.Of(denoiser.Target, output.Prediction, xt, NoiseLevel.At(plan.Schedule, step.Index), processing);
    }
}
