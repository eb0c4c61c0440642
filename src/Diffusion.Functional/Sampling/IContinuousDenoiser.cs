using System.Runtime.CompilerServices;
using System.Numerics;
using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// A denoiser defined at every noise level, not only on its training grid: D(x̃; σ) = E[x_0 | x_0 + σ·ε = x̃]
/// (Karras et al. 2022, eq. 2–4) for a batch x̃ in σ-space scaling with one σ per image. It is also an
/// <see cref="IBatchDenoiser{T}"/> on the grid of its schedule, so the same object runs every sampler; the samplers
/// that need σ between the grid's levels (Heun's churn, DPM-2, DPM-Solver's intermediate points) require this contract.
/// </summary>
/// <remarks>
/// x̃ = x_t/√ᾱ_t is k-diffusion's (and EDM's) input scaling: a VP network sees x_t = x̃/√(1 + σ²) (c_in of Karras et al.
/// 2022, Table 1). σ is a double per image, finite and &gt; 0; σ = ∞ (zero terminal SNR) has no x̃ and is refused.
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public interface IContinuousDenoiser<T> : IBatchDenoiser<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Writes D(x̃_k; σ_k) = x̂_0 for every image k of <paramref name="xTilde"/> into <paramref name="denoised"/> (x̃'s
    /// layout; Karras et al. 2022, eq. 3). Must depend on nothing but (x̃_k, σ_k) and never write into <paramref name="xTilde"/>.
    /// </summary>
    /// <param name="xTilde">The batch x̃ = x_0 + σ·ε.</param>
    /// <param name="sigmas">One σ per image, each finite and &gt; 0.</param>
    /// <param name="denoised">Receives N·C·H·W values.</param>
    void Denoise(ImageBatch<T> xTilde, ReadOnlySpan<double> sigmas, Span<T> denoised);
}

/// <summary>A batched D(x̃; σ): (x̃, one σ per image) ↦ x̂_0, written into the destination (Karras et al. 2022, eq. 3).</summary>
public delegate void SigmaPrediction<T>(ImageBatch<T> xTilde, ReadOnlySpan<double> sigmas, Span<T> denoised)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// A discrete network's prediction at fractional timesteps in its own 0-based convention (t_net ∈ [0, T − 1], a real
/// number; what k-diffusion's <c>DiscreteEpsDDPMDenoiser</c> hands a CompVis or diffusers UNet, whose timestep embedding
/// is a continuous function of t).
/// </summary>
public delegate void FractionalNetworkPrediction<T>(ImageBatch<T> xt, ReadOnlySpan<double> zeroBasedTimesteps, Span<T> prediction)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// Ways to make an <see cref="IContinuousDenoiser{T}"/> (Karras et al. 2022, eq. 3 and Table 1), and k-diffusion's map
/// from a noise level σ to a fractional timestep of a discrete schedule (log σ interpolated linearly between neighbouring
/// levels; docs/samplers.md, "Where the denoiser is evaluated").
/// </summary>
public static class ContinuousDenoiser
{
    /// <summary>
    /// A continuous x_0-denoiser from D(x̃; σ) (Karras et al. 2022, eq. 3); on the grid of <paramref name="schedule"/>
    /// its <see cref="IBatchDenoiser{T}.Predict"/> is D(x_t/√ᾱ_t; σ_t) with σ_t = √((1 − ᾱ_t)/ᾱ_t).
    /// </summary>
    public static IContinuousDenoiser<T> Create<T>(NoiseSchedule schedule, SigmaPrediction<T> denoise)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(denoise);
        return new FunctionDenoiser<T>(schedule, denoise);
    }

    /// <summary>
    /// A discrete-time network as a continuous denoiser, as k-diffusion's <c>DiscreteSchedule</c> does it: σ ↦ the
    /// fractional timestep of <see cref="FractionalTimestep"/> (log σ linear between neighbouring levels), the network
    /// evaluated at x_t = x̃/√(1 + σ²) and that timestep minus one (0-based), its ε, x_0 or v converted to x̂_0 with
    /// ᾱ = 1/(1 + σ²) (Karras et al. 2022, Table 1). On the grid it is <see cref="BatchDenoiser.FromNetwork{T}"/>
    /// with the integer timestep t − 1.
    /// </summary>
    public static IContinuousDenoiser<T> FromFractionalNetwork<T>(NoiseSchedule schedule, PredictionTarget target, FractionalNetworkPrediction<T> network)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(network);
        return new FractionalNetworkDenoiser<T>(schedule, PredictionConversions.RequireDefined(target, nameof(target)), network);
    }

    /// <summary>
    /// The fractional 1-based timestep t ∈ [1, T] whose noise level is σ when log σ is interpolated linearly between
    /// neighbouring levels σ_t &lt; σ ≤ σ_{t+1} of the schedule (k-diffusion's <c>DiscreteSchedule.sigma_to_t</c>):
    /// t + (log σ − log σ_t)/(log σ_{t+1} − log σ_t); exactly t at σ = σ_t. A σ outside [σ_1, σ_T] is refused rather than
    /// clamped, since the network was never trained there; so is σ_T = ∞ (zero terminal SNR), where log σ is not a number
    /// (docs/samplers.md, "Where the denoiser is evaluated").
    /// </summary>
    public static double FractionalTimestep(NoiseSchedule schedule, double sigma)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var levels = LogSigmas.Of(schedule);
        return levels.Timestep(sigma);
    }

    /// <summary>
    /// σ at a fractional 1-based timestep t ∈ [1, T]: exp of log σ interpolated linearly between σ_⌊t⌋ and σ_⌈t⌉
    /// (k-diffusion's <c>DiscreteSchedule.t_to_sigma</c>; docs/samplers.md), the inverse of <see cref="FractionalTimestep"/>.
    /// </summary>
    public static double SigmaAt(NoiseSchedule schedule, double timestep)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return LogSigmas.Of(schedule).Sigma(timestep);
    }

    /// <summary>Throws unless every σ is finite and &gt; 0, naming the image (the contract of <see cref="IContinuousDenoiser{T}.Denoise"/>).</summary>
    internal static void RequireSigmas(ReadOnlySpan<double> sigmas, int count)
    {
        if (sigmas.Length != count)
            throw new ArgumentException($"sigmas has {sigmas.Length} numbers but the batch has {count} images; give one σ per image.", nameof(sigmas));
        for (int k = 0; k < sigmas.Length; k++)
        {
            double sigma = sigmas[k];
            if (!(sigma > 0.0) || !double.IsFinite(sigma))
                throw new ArgumentOutOfRangeException(nameof(sigmas), sigma,
                    $"sigmas[{k}] = {sigma} is not allowed; a continuous denoiser is evaluated at a finite σ > 0 (σ = ∞ is zero terminal SNR, where x̃ = x/√ᾱ does not exist; σ = 0 is the data itself).");
        }
    }

    /// <summary>log σ_t of a schedule's levels t = 1..T_finite, ascending (the table of k-diffusion's DiscreteSchedule).</summary>
    private sealed class LogSigmas
    {
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<NoiseSchedule, LogSigmas> Cache = new();
        private readonly double[] _log;
        private readonly bool _infiniteTop;

        private LogSigmas(NoiseSchedule schedule)
        {
            int steps = schedule.Steps;
            _infiniteTop = schedule.AlphaBar(steps) == 0.0;
            int finite = _infiniteTop ? steps - 1 : steps;
            _log = new double[finite];
            for (int t = 1; t <= finite; t++)
            {
                _log[t - 1] = Math.Log(SigmaSpace.Sigma(schedule, t));
                if (t > 1 && !(_log[t - 1] > _log[t - 2]))
                    throw new ArgumentException($"The schedule's σ_t is not strictly increasing at t = {t} (σ_{t - 1} = {Math.Exp(_log[t - 2])}, σ_{t} = {Math.Exp(_log[t - 1])}); a fractional timestep needs distinct noise levels.", nameof(schedule));
            }
        }

        public static LogSigmas Of(NoiseSchedule schedule) => Cache.GetValue(schedule, s => new LogSigmas(s));

        public double Timestep(double sigma)
        {
            if (!(sigma > 0.0) || !double.IsFinite(sigma))
                throw new ArgumentOutOfRangeException(nameof(sigma), sigma, $"sigma = {sigma} is not allowed; a noise level between the training grid's levels must be finite and > 0.");
            double target = Math.Log(sigma), low = Math.Exp(_log[0]), high = Math.Exp(_log[^1]);
            if (target < _log[0] || target > _log[^1])
                throw new ArgumentOutOfRangeException(nameof(sigma), sigma,
                    $"sigma = {sigma} is outside the training grid's noise levels [{low}, {high}]{(_infiniteTop ? " (the last level, σ_T = ∞, is zero terminal SNR and has no log σ)" : "")}; " +
                    "a discrete network is not evaluated outside them (k-diffusion would clamp the timestep and mismatch σ).");
            if (_log.Length == 1) return 1.0;
            // the last t with log σ_t ≤ log σ, so that σ = σ_t gives t exactly (weight 0)
            int index = Array.BinarySearch(_log, target);
            int lower = index >= 0 ? index : ~index - 1;
            if (lower >= _log.Length - 1) return _log.Length;
            double weight = (target - _log[lower]) / (_log[lower + 1] - _log[lower]);
            return lower + 1 + weight;
        }

        public double Sigma(double timestep)
        {
            if (!(timestep >= 1.0) || !(timestep <= _log.Length))
                throw new ArgumentOutOfRangeException(nameof(timestep), timestep, $"timestep = {timestep} is outside [1, {_log.Length}], the schedule's timesteps with a finite σ.");
            int lower = (int)Math.Floor(timestep);
            if (lower == _log.Length) return Math.Exp(_log[^1]);
            double weight = timestep - lower;
            return Math.Exp(_log[lower - 1] + weight * (_log[lower] - _log[lower - 1]));
        }
    }

    private sealed class FunctionDenoiser<T>(NoiseSchedule schedule, SigmaPrediction<T> denoise) : IContinuousDenoiser<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public NoiseSchedule Schedule => schedule;

        public PredictionTarget Target => PredictionTarget.X0;

        public bool PredictsVariance => false;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Predict(ImageBatch<T> xt, ReadOnlySpan<int> timesteps, Span<T> prediction, Span<T> varianceInterpolation)
        {
            ArgumentNullException.ThrowIfNull(xt);
            int per = xt.ValuesPerImage;
            var sigmas = new double[xt.Count];
            var scaled = new T[xt.Values.Length];
            for (int k = 0; k < xt.Count; k++)
            {
                int t = Numerics.Guard.Timestep(timesteps[k], schedule.Steps, "timesteps");
                sigmas[k] = SigmaSpace.Sigma(schedule, t);
                T a = T.CreateTruncating(schedule.SqrtAlphaBar(t));
                ReadOnlySpan<T> x = xt.ImageValues(k);
                for (int j = 0; j < per; j++) scaled[k * per + j] = x[j] / a;
            }
            Denoise(ImageBatch<T>.Own(xt.Count, xt.Channels, xt.Height, xt.Width, scaled), sigmas, prediction);
        }

        public void Denoise(ImageBatch<T> xTilde, ReadOnlySpan<double> sigmas, Span<T> denoised)
        {
            ArgumentNullException.ThrowIfNull(xTilde);
            RequireSigmas(sigmas, xTilde.Count);
            denoise(xTilde, sigmas, denoised);
        }

        public override string ToString() => $"continuous x₀-denoiser D(x̃; σ) for {schedule.Description}";
    }

    private sealed class FractionalNetworkDenoiser<T>(NoiseSchedule schedule, PredictionTarget target, FractionalNetworkPrediction<T> network) : IContinuousDenoiser<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public NoiseSchedule Schedule => schedule;

        public PredictionTarget Target => target;

        public bool PredictsVariance => false;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Predict(ImageBatch<T> xt, ReadOnlySpan<int> timesteps, Span<T> prediction, Span<T> varianceInterpolation)
        {
            ArgumentNullException.ThrowIfNull(xt);
            var zeroBased = new double[timesteps.Length];
            for (int k = 0; k < zeroBased.Length; k++) zeroBased[k] = BatchDenoiser.NetworkTimestep(Numerics.Guard.Timestep(timesteps[k], schedule.Steps, "timesteps"));
            network(xt, zeroBased, prediction);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Denoise(ImageBatch<T> xTilde, ReadOnlySpan<double> sigmas, Span<T> denoised)
        {
            ArgumentNullException.ThrowIfNull(xTilde);
            RequireSigmas(sigmas, xTilde.Count);
            LogSigmas levels = LogSigmas.Of(schedule);
            int per = xTilde.ValuesPerImage;
            var zeroBased = new double[xTilde.Count];
            var scaled = new T[xTilde.Values.Length];
            for (int k = 0; k < zeroBased.Length; k++)
            {
                zeroBased[k] = levels.Timestep(sigmas[k]) - 1.0;
                T cIn = T.CreateTruncating(1.0 / Math.Sqrt(1.0 + sigmas[k] * sigmas[k]));
                ReadOnlySpan<T> x = xTilde.ImageValues(k);
                for (int j = 0; j < per; j++) scaled[k * per + j] = cIn * x[j];
            }
            var output = new T[scaled.Length];
            network(ImageBatch<T>.Own(xTilde.Count, xTilde.Channels, xTilde.Height, xTilde.Width, scaled), zeroBased, output);
            for (int k = 0; k < zeroBased.Length; k++)
            {
                // ᾱ = 1/(1 + σ²): a = c_in, s = σ·c_in (Karras et al. 2022, Table 1, VP column)
                double cIn = 1.0 / Math.Sqrt(1.0 + sigmas[k] * sigmas[k]);
                T a = T.CreateTruncating(cIn), s = T.CreateTruncating(sigmas[k] * cIn);
                for (int j = k * per; j < (k + 1) * per; j++)
                    denoised[j] = PredictionConversions.ConvertUnchecked(target, PredictionTarget.X0, output[j], scaled[j], a, s);
            }
        }

        public override string ToString() => $"{PredictionConversions.Symbol(target)}-network at fractional timesteps for {schedule.Description}";
    }
}
