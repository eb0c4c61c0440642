using System.Numerics;
using System.Runtime.CompilerServices;
using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// The σ-space view of a chain that the k-diffusion samplers share: the state x̃ = x/√ᾱ (Karras et al. 2022, eq. 4 with
/// s(t) = √ᾱ_t), the noise levels σ_0 = 0 &lt; σ_1 &lt; … &lt; σ_N of the kept timesteps τ_i (σ_i = σ(τ_i), the data at
/// σ_0), and the denoiser D(x̃; σ_i) = x̂_0 evaluated at x = √ᾱ_{τ_i}·x̃ and τ_i, one call for the whole batch. At σ
/// between the grid's levels (Heun's churn, DPM-2's midpoints) it calls the <see cref="IContinuousDenoiser{T}"/>.
/// </summary>
/// <remarks>
/// The methods that loop over the values are fully optimised at their first call: generic, they are never precompiled,
/// and as tier-0 code (a call per generic-math operation) a Heun run of one 28×28 image took 13–20× its warm time for
/// the first seconds of a process on one core (docs/performance.md, "The samplers' first runs").
/// </remarks>
internal sealed class SigmaChain<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly SamplerRun<T> _run;
    private readonly double[] _sigma;
    private readonly int[] _timesteps;
    private readonly T[] _scaled, _prediction, _interpolation;
    private readonly int _count, _channels, _height, _width;

    public SigmaChain(SamplerRun<T> run, string samplerName, bool offGrid = false)
    {
        _run = run;
        if (offGrid) RequireContinuous(run.Denoiser, samplerName);
        RespacedSchedule plan = run.Plan;
        int n = plan.Count;
        if (plan.Schedule.AlphaBar(n) == 0.0)
            throw new ArgumentException(
                $"The {samplerName} sampler steps in σ = √((1 − ᾱ)/ᾱ), which is infinite at the chain's first step τ_N = {plan.Timesteps[^1]} " +
                "(zero terminal SNR, ᾱ = 0); use ddim, which starts from x_T = ε there.", "run");
        _sigma = new double[n + 1];
        for (int i = 1; i <= n; i++) _sigma[i] = SigmaSpace.Sigma(plan.Schedule, i);
        ImageBatch<T> start = run.Start;
        (_count, _channels, _height, _width) = (start.Count, start.Channels, start.Height, start.Width);
        int length = start.Values.Length;
        _timesteps = new int[_count];
        _scaled = new T[length];
        _prediction = new T[length];
        _interpolation = run.Denoiser.PredictsVariance ? new T[length] : [];
        Length = length;
    }

    /// <summary>N·C·H·W.</summary>
    public int Length { get; }

    /// <summary>N, the number of steps.</summary>
    public int Count => _sigma.Length - 1;

    /// <summary>σ_i, i ∈ 0..N (σ_0 = 0).</summary>
    public double Sigma(int i) => _sigma[i];

    /// <summary>λ_i = −log σ_i, i ∈ 1..N (Lu et al. 2022, §3.1).</summary>
    public double Lambda(int i) => -Math.Log(_sigma[i]);

    /// <summary>x̃_N = x_{τ_N}/√ᾱ_{τ_N}, a fresh array.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public T[] StartState()
    {
        T a = T.CreateTruncating(_run.Plan.Schedule.SqrtAlphaBar(Count));
        ReadOnlySpan<T> x = _run.Start.Values;
        var state = new T[Length];
        for (int j = 0; j < state.Length; j++) state[j] = x[j] / a;
        return state;
    }

    /// <summary>D(x̃; σ_i) = x̂_0 for the batch: one denoiser call at x = √ᾱ_{τ_i}·x̃ and timestep τ_i, converted exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Denoise(ReadOnlySpan<T> xTilde, int i, Span<T> denoised)
    {
        _run.Parallel?.CancellationToken.ThrowIfCancellationRequested();
        var level = NoiseLevel.At(_run.Plan.Schedule, i);
        T a = T.CreateTruncating(level.SqrtAlphaBar), s = T.CreateTruncating(level.SqrtOneMinusAlphaBar);
        for (int j = 0; j < _scaled.Length; j++) _scaled[j] = a * xTilde[j];
        SamplerKernels.Evaluate(_run.Denoiser, ImageBatch<T>.Own(_count, _channels, _height, _width, _scaled), _run.Plan.Timesteps[i - 1], _timesteps, _prediction, _interpolation);
        PredictionTarget target = _run.Denoiser.Target;
        PredictionConversions.ConvertUnchecked(target, PredictionTarget.X0, _prediction, _scaled, a, s, denoised);
    }

    /// <summary>
    /// Throws unless the denoiser is an <see cref="IContinuousDenoiser{T}"/>: the sampler evaluates D at σ between the
    /// training grid's levels (docs/samplers.md, "Where the denoiser is evaluated").
    /// </summary>
    public static void RequireContinuous(IBatchDenoiser<T> denoiser, string samplerName)
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        if (denoiser is not IContinuousDenoiser<T>)
            throw new ArgumentException(
                $"The {samplerName} sampler evaluates the denoiser at noise levels between the training grid's, but {denoiser} is defined only at integer timesteps; " +
                "give an IContinuousDenoiser (ContinuousDenoiser.FromFractionalNetwork for a network whose timestep input is a real number; ConditionalBatchDenoiser.WithLabel or ClassifierFreeGuidance.Create of an IFractionalConditionalDenoiser for a class-conditional one; or the exact denoiser of DiagonalGaussianData or EmpiricalData).",
                nameof(denoiser));
    }

    /// <summary>D(x̃; σ) = x̂_0 for the batch at a noise level σ &gt; 0 off the grid: one call of the continuous denoiser.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void DenoiseAt(ReadOnlySpan<T> xTilde, double sigma, Span<T> denoised)
    {
        _run.Parallel?.CancellationToken.ThrowIfCancellationRequested();
        var continuous = (IContinuousDenoiser<T>)_run.Denoiser;
        for (int j = 0; j < _scaled.Length; j++) _scaled[j] = xTilde[j];
        _sigmas ??= new double[_count];
        Array.Fill(_sigmas, sigma);
        continuous.Denoise(ImageBatch<T>.Own(_count, _channels, _height, _width, _scaled), _sigmas, denoised);
    }

    private double[]? _sigmas;

    /// <summary>Fills z for image k's step from τ_i (its key <c>ImageKeys[k].Child(τ_i)</c>, or the run's noise).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Noise(int i, Span<T> z)
    {
        int per = Length / _count, timestep = _run.Plan.Timesteps[i - 1];
        for (int k = 0; k < _count; k++)
            SamplerKernels.FillNoise(_run.StepKey(k, timestep), _run.Noise, k, timestep, z.Slice(k * per, per));
    }

    /// <summary>Reports step i (σ_i → σ_{i−1}) to the observer in the chain's own scaling x = √ᾱ·x̃, with ε̂ = (x̃ − D)/σ_i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Report(int i, ReadOnlySpan<T> xTilde, ReadOnlySpan<T> denoised, ReadOnlySpan<T> next)
    {
        if (_run.Observer is not { } observer) return;
        var schedule = _run.Plan.Schedule;
        T a = T.CreateTruncating(schedule.SqrtAlphaBar(i)), aNext = T.CreateTruncating(schedule.SqrtAlphaBar(i - 1));
        T sigma = T.CreateTruncating(_sigma[i]);
        T[] xt = new T[Length], x0 = new T[Length], epsilon = new T[Length], after = new T[Length];
        for (int j = 0; j < Length; j++)
        {
            xt[j] = a * xTilde[j];
            x0[j] = denoised[j];
            epsilon[j] = (xTilde[j] - denoised[j]) / sigma;
            after[j] = aNext * next[j];
        }
        observer.OnStep(new SamplerStepReport<T>(_run.Plan.Step(i), Batch(xt), Batch(x0), Batch(epsilon), Batch(after)));
    }

    /// <summary>The batch x_0 = x̃_0 (ᾱ_0 = 1), handed over.</summary>
    public ImageBatch<T> Batch(T[] values) => ImageBatch<T>.Own(_count, _channels, _height, _width, values);

    /// <summary>The probability-flow ODE's slope d = (x̃ − D(x̃; σ))/σ per value (Karras et al. 2022, eq. 4), into <paramref name="slope"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Slope(ReadOnlySpan<T> xTilde, ReadOnlySpan<T> denoised, double sigma, Span<T> slope)
    {
        T s = T.CreateTruncating(sigma);
        for (int j = 0; j < slope.Length; j++) slope[j] = (xTilde[j] - denoised[j]) / s;
    }

    /// <summary>y = c₁·u₁ + c₂·u₂ per value, as fma(c₂, u₂, c₁·u₁).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Combine(double c1, ReadOnlySpan<T> u1, double c2, ReadOnlySpan<T> u2, Span<T> y)
    {
        T a = T.CreateTruncating(c1), b = T.CreateTruncating(c2);
        for (int j = 0; j < y.Length; j++) y[j] = T.FusedMultiplyAdd(b, u2[j], a * u1[j]);
    }

    /// <summary>y = c₁·u₁ + c₂·u₂ + c₃·u₃ per value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Combine(double c1, ReadOnlySpan<T> u1, double c2, ReadOnlySpan<T> u2, double c3, ReadOnlySpan<T> u3, Span<T> y)
    {
        T a = T.CreateTruncating(c1), b = T.CreateTruncating(c2), c = T.CreateTruncating(c3);
        for (int j = 0; j < y.Length; j++) y[j] = T.FusedMultiplyAdd(c, u3[j], T.FusedMultiplyAdd(b, u2[j], a * u1[j]));
    }

    /// <summary>y = Σ_k c_k·u_k per value (the multistep samplers' combinations of x̃ and earlier D).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Combine(ReadOnlySpan<double> coefficients, ReadOnlySpan<T[]> terms, Span<T> y)
    {
        Span<T> c = stackalloc T[coefficients.Length];
        for (int k = 0; k < c.Length; k++) c[k] = T.CreateTruncating(coefficients[k]);
        for (int j = 0; j < y.Length; j++)
        {
            T sum = c[0] * terms[0][j];
            for (int k = 1; k < c.Length; k++) sum = T.FusedMultiplyAdd(c[k], terms[k][j], sum);
            y[j] = sum;
        }
    }
}
