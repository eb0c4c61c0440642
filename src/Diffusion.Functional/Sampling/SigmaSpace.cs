using Diffusion.Functional.Numerics;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// The continuous-time coordinates of a discrete schedule that the σ-space samplers (Karras et al. 2022; Lu et al.
/// 2022) step in: x̃ = x_t/√ᾱ_t = x_0 + σ_t·ε with σ_t = √((1 − ᾱ_t)/ᾱ_t) (Karras et al. 2022, Table 1, s(t) = √ᾱ_t) and
/// λ_t = log(ᾱ_t/(1 − ᾱ_t))/2 = −log σ_t (Lu et al. 2022, §3.1); σ grids (Karras ρ, exponential, polyexponential, VP, beta) and their quantisation
/// onto a schedule's timesteps (k-diffusion's discrete schedules). The samplers evaluate the denoiser only at σ on the
/// training grid: a chain's σ_i is σ of its kept timestep τ_i, and σ_0 = 0 is the data (docs/samplers.md).
/// </summary>
public static class SigmaSpace
{
    /// <summary>σ_t = √((1 − ᾱ_t)/ᾱ_t) of timestep t ∈ 0..T (Karras et al. 2022, Table 1 with s(t) = √ᾱ_t); +∞ where ᾱ_t = 0.</summary>
    public static double Sigma(NoiseSchedule schedule, int t)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        Guard.TimestepOrZero(t, schedule.Steps);
        double alphaBar = schedule.AlphaBar(t);
        return alphaBar == 0.0 ? double.PositiveInfinity : Math.Sqrt(schedule.OneMinusAlphaBar(t) / alphaBar);
    }

    /// <summary>λ_t = log(ᾱ_t/(1 − ᾱ_t))/2 = −log σ_t, half the log-SNR, of timestep t ∈ 1..T (Lu et al. 2022, §3.1).</summary>
    public static double Lambda(NoiseSchedule schedule, int t)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return 0.5 * schedule.LogSnr(t);
    }

    /// <summary>ᾱ = 1/(1 + σ²), the VP noise level of a VE noise level σ ≥ 0 (Karras et al. 2022, Table 1: σ² = (1 − ᾱ)/ᾱ).</summary>
    public static double AlphaBarOfSigma(double sigma)
    {
        if (!(sigma >= 0.0))
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, $"sigma = {sigma} is not allowed; a noise level σ must be ≥ 0.");
        return 1.0 / (1.0 + sigma * sigma);
    }

    /// <summary>
    /// Karras et al. 2022, eq. 5: σ_i = (σ_max^{1/ρ} + i/(n − 1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ for i = 0..n − 1,
    /// descending from σ_max to σ_min, followed by σ_n = 0 (n + 1 numbers).
    /// </summary>
    /// <param name="count">n ≥ 1 noise levels before the final 0 (n = 1 gives σ_max, 0).</param>
    /// <param name="sigmaMin">σ_min &gt; 0.</param>
    /// <param name="sigmaMax">σ_max ≥ σ_min.</param>
    /// <param name="rho">ρ &gt; 0 (7 in the paper).</param>
    public static double[] KarrasSigmas(int count, double sigmaMin, double sigmaMax, double rho = 7.0)
    {
        RequireGrid(count, sigmaMin, sigmaMax);
        if (!(rho > 0.0) || !double.IsFinite(rho))
            throw new ArgumentOutOfRangeException(nameof(rho), rho, $"rho = {rho} is not allowed; ρ must be finite and > 0 (Karras et al. use 7).");
        var sigmas = new double[count + 1];
        double top = Math.Pow(sigmaMax, 1.0 / rho), bottom = Math.Pow(sigmaMin, 1.0 / rho);
        for (int i = 0; i < count; i++)
            sigmas[i] = count == 1 ? sigmaMax : Math.Pow(top + i / (double)(count - 1) * (bottom - top), rho);
        return sigmas;
    }

    /// <summary>
    /// The exponential grid σ_i = exp(log σ_max + i/(n − 1)·(log σ_min − log σ_max)), i = 0..n − 1, uniform in
    /// λ = −log σ (Lu et al. 2022, §3.3, "logSNR" steps), followed by σ_n = 0.
    /// </summary>
    public static double[] ExponentialSigmas(int count, double sigmaMin, double sigmaMax)
    {
        RequireGrid(count, sigmaMin, sigmaMax);
        var sigmas = new double[count + 1];
        double top = Math.Log(sigmaMax), bottom = Math.Log(sigmaMin);
        for (int i = 0; i < count; i++)
            sigmas[i] = count == 1 ? sigmaMax : Math.Exp(top + i / (double)(count - 1) * (bottom - top));
        return sigmas;
    }

    /// <summary>
    /// The polyexponential grid σ_i = exp(log σ_min + (1 − i/(n − 1))^ρ·(log σ_max − log σ_min)), i = 0..n − 1, a power
    /// ramp in log σ (k-diffusion's <c>get_sigmas_polyexponential</c>; ρ = 1 is the exponential grid), followed by σ_n = 0
    /// (docs/samplers.md, "Grids").
    /// </summary>
    /// <param name="count">n ≥ 1 noise levels before the final 0.</param>
    /// <param name="sigmaMin">σ_min &gt; 0.</param>
    /// <param name="sigmaMax">σ_max ≥ σ_min.</param>
    /// <param name="rho">ρ &gt; 0 (1 in k-diffusion).</param>
    public static double[] PolyexponentialSigmas(int count, double sigmaMin, double sigmaMax, double rho = 1.0)
    {
        RequireGrid(count, sigmaMin, sigmaMax);
        if (!(rho > 0.0) || !double.IsFinite(rho))
            throw new ArgumentOutOfRangeException(nameof(rho), rho, $"rho = {rho} is not allowed; ρ must be finite and > 0 (k-diffusion uses 1).");
        var sigmas = new double[count + 1];
        double bottom = Math.Log(sigmaMin), span = Math.Log(sigmaMax) - bottom;
        for (int i = 0; i < count; i++)
            sigmas[i] = count == 1 || i == 0 ? sigmaMax : i == count - 1 ? sigmaMin : Math.Exp(bottom + Math.Pow(1.0 - i / (double)(count - 1), rho) * span);
        return sigmas;
    }

    /// <summary>
    /// The continuous VP grid σ_i = √(exp(β_d·t_i²/2 + β_min·t_i) − 1) at t_i = 1 + i/(n − 1)·(ε_s − 1), i = 0..n − 1
    /// (Song et al. 2021b, VP SDE with linear β(t) = β_min + β_d·t; k-diffusion's <c>get_sigmas_vp</c>), followed by σ_n = 0;
    /// exp(·) − 1 is evaluated without cancellation (docs/samplers.md, "Grids").
    /// </summary>
    /// <param name="count">n ≥ 1 noise levels before the final 0 (n = 1 gives t = 1).</param>
    /// <param name="betaD">β_d = β_max − β_min &gt; 0 (19.9).</param>
    /// <param name="betaMin">β_min ≥ 0 (0.1).</param>
    /// <param name="epsilonS">The last time ε_s ∈ (0, 1] (1e-3).</param>
    public static double[] VpSigmas(int count, double betaD = 19.9, double betaMin = 0.1, double epsilonS = 1e-3)
    {
        Guard.AtLeast(count, 1, "count");
        if (!(betaD > 0.0) || !double.IsFinite(betaD))
            throw new ArgumentOutOfRangeException(nameof(betaD), betaD, $"betaD = {betaD} is not allowed; β_d must be finite and > 0 (19.9).");
        if (!(betaMin >= 0.0) || !double.IsFinite(betaMin))
            throw new ArgumentOutOfRangeException(nameof(betaMin), betaMin, $"betaMin = {betaMin} is not allowed; β_min must be finite and ≥ 0 (0.1).");
        if (!(epsilonS > 0.0 && epsilonS <= 1.0))
            throw new ArgumentOutOfRangeException(nameof(epsilonS), epsilonS, $"epsilonS = {epsilonS} is not allowed; ε_s must be in (0, 1] (1e-3).");
        var sigmas = new double[count + 1];
        for (int i = 0; i < count; i++)
        {
            double t = count == 1 ? 1.0 : i == count - 1 ? epsilonS : 1.0 + i / (double)(count - 1) * (epsilonS - 1.0);
            sigmas[i] = Math.Sqrt(AccurateMath.ExpM1(0.5 * betaD * t * t + betaMin * t));
        }
        return sigmas;
    }

    /// <summary>
    /// The beta grid σ_i = σ_min + (σ_max − σ_min)·I⁻¹_{1 − i/(n − 1)}(α, β), i = 0..n − 1: the levels at the quantiles of a
    /// Beta(α, β) law (Lee et al. 2024, "Beta Sampling is All You Need", §3; diffusers' <c>use_beta_sigmas</c> with
    /// α = β = 0.6, which places more steps near both ends), followed by σ_n = 0; σ_0 = σ_max and σ_{n−1} = σ_min exactly
    /// (docs/samplers.md, "Grids").
    /// </summary>
    /// <param name="count">n ≥ 1 noise levels before the final 0 (n = 1 gives σ_max, 0).</param>
    /// <param name="sigmaMin">σ_min &gt; 0.</param>
    /// <param name="sigmaMax">σ_max ≥ σ_min.</param>
    /// <param name="alpha">α &gt; 0 (0.6 in diffusers).</param>
    /// <param name="beta">β &gt; 0 (0.6 in diffusers).</param>
    public static double[] BetaSigmas(int count, double sigmaMin, double sigmaMax, double alpha = 0.6, double beta = 0.6)
    {
        RequireGrid(count, sigmaMin, sigmaMax);
        if (!(alpha > 0.0) || !double.IsFinite(alpha))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, $"alpha = {alpha} is not allowed; the Beta law's α must be finite and > 0 (diffusers uses 0.6).");
        if (!(beta > 0.0) || !double.IsFinite(beta))
            throw new ArgumentOutOfRangeException(nameof(beta), beta, $"beta = {beta} is not allowed; the Beta law's β must be finite and > 0 (diffusers uses 0.6).");
        var sigmas = new double[count + 1];
        double span = sigmaMax - sigmaMin;
        for (int i = 0; i < count; i++)
        {
            // 1 − i/(n − 1) as (n − 1 − i)/(n − 1): exact at both ends, where the quantiles are 1 and 0.
            double quantile = count == 1 || i == 0 ? 1.0 : BetaFunctions.InverseRegularizedIncompleteBeta((count - 1 - i) / (double)(count - 1), alpha, beta);
            sigmas[i] = count == 1 || i == 0 ? sigmaMax : i == count - 1 ? sigmaMin : sigmaMin + quantile * span;
        }
        return sigmas;
    }

    /// <summary>
    /// A discrete schedule whose timestep t has noise level σ_t = <paramref name="sigmas"/>[t − 1] (ascending, &gt; 0):
    /// ᾱ_t = 1/(1 + σ_t²) and β_t = 1 − ᾱ_t/ᾱ_{t−1} = (σ_t² − σ_{t−1}²)/(1 + σ_t²) (DDPM eq. 2 with Karras et al. 2022,
    /// Table 1): a VE grid as a VP schedule, so that every σ of the grid is a training timestep.
    /// </summary>
    public static NoiseSchedule ScheduleOfSigmas(IReadOnlyList<double> sigmas)
    {
        ArgumentNullException.ThrowIfNull(sigmas);
        Guard.AtLeast(sigmas.Count, 1, "sigmas.Count");
        var betas = new double[sigmas.Count];
        double previous = 0.0;
        for (int t = 0; t < sigmas.Count; t++)
        {
            double sigma = sigmas[t];
            if (!(sigma > previous) || !double.IsFinite(sigma))
                throw new ArgumentException($"sigmas[{t}] = {sigma} is not allowed; the noise levels must be finite, > 0 and strictly ascending.", nameof(sigmas));
            betas[t] = (sigma - previous) * (sigma + previous) / (1.0 + sigma * sigma);
            previous = sigma;
        }
        return NoiseSchedule.FromBetas(betas);
    }

    /// <summary>
    /// The chain whose kept timesteps are those nearest in log σ to each positive σ of <paramref name="sigmas"/>
    /// (k-diffusion's discrete-schedule quantisation of a σ grid; the trailing 0 is the data and needs no timestep).
    /// Where several σ round to the same timestep it is kept once, so the chain may have fewer steps than the grid
    /// (diffusers issue #5687); the count is <see cref="RespacedSchedule.Count"/> (docs/samplers.md, "Grids").
    /// </summary>
    public static RespacedSchedule NearestTimesteps(NoiseSchedule schedule, IReadOnlyList<double> sigmas)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(sigmas);
        int steps = schedule.Steps;
        var logSigma = new double[steps];
        for (int t = 1; t <= steps; t++) logSigma[t - 1] = Math.Log(Sigma(schedule, t));
        var kept = new SortedSet<int>();
        for (int i = 0; i < sigmas.Count; i++)
        {
            double sigma = sigmas[i];
            if (sigma == 0.0) continue;
            if (!(sigma > 0.0) || !double.IsFinite(sigma))
                throw new ArgumentException($"sigmas[{i}] = {sigma} is not allowed; a noise level must be finite and ≥ 0.", nameof(sigmas));
            double target = Math.Log(sigma);
            int best = 1;
            for (int t = 2; t <= steps; t++)
            {
                if (Math.Abs(logSigma[t - 1] - target) < Math.Abs(logSigma[best - 1] - target)) best = t;
            }
            kept.Add(best);
        }
        if (kept.Count == 0)
            throw new ArgumentException("sigmas holds no positive noise level; a chain needs at least one step.", nameof(sigmas));
        return RespacedSchedule.FromTimesteps(schedule, kept);
    }

    /// <summary>
    /// The preconditioning of a prediction in σ space, D(x̃; σ) = c_skip·x̃ + c_out·F(c_in·x̃) (Karras et al. 2022,
    /// eq. 7 and Table 1) for a network F of this library's parameterisations at x_t = c_in·x̃ = x̃/√(1 + σ²): ε-prediction
    /// (c_skip = 1, c_out = −σ), x_0-prediction (0, 1) and v-prediction (1/(σ² + 1), −σ/√(σ² + 1); Salimans &amp; Ho 2022).
    /// </summary>
    public static Preconditioning PreconditioningOf(PredictionTarget target, double sigma)
    {
        RequireSigma(sigma);
        double cIn = 1.0 / Math.Sqrt(1.0 + sigma * sigma);
        return PredictionConversions.RequireDefined(target, nameof(target)) switch
        {
            PredictionTarget.Epsilon => new Preconditioning(1.0, -sigma, cIn),
            PredictionTarget.X0 => new Preconditioning(0.0, 1.0, cIn),
            _ => new Preconditioning(1.0 / (1.0 + sigma * sigma), -sigma * cIn, cIn),
        };
    }

    /// <summary>
    /// EDM's preconditioning (Karras et al. 2022, Table 1): c_skip = σ_d²/(σ² + σ_d²), c_out = σ·σ_d/√(σ² + σ_d²),
    /// c_in = 1/√(σ² + σ_d²) for data of standard deviation σ_d.
    /// </summary>
    public static Preconditioning EdmPreconditioning(double sigma, double sigmaData = 0.5)
    {
        RequireSigma(sigma);
        if (!(sigmaData > 0.0) || !double.IsFinite(sigmaData))
            throw new ArgumentOutOfRangeException(nameof(sigmaData), sigmaData, $"sigmaData = {sigmaData} is not allowed; σ_data must be finite and > 0.");
        double norm = Math.Sqrt(sigma * sigma + sigmaData * sigmaData);
        return new Preconditioning(sigmaData * sigmaData / (norm * norm), sigma * sigmaData / norm, 1.0 / norm);
    }

    private static void RequireSigma(double sigma)
    {
        if (!(sigma >= 0.0) || !double.IsFinite(sigma))
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, $"sigma = {sigma} is not allowed; a noise level σ must be finite and ≥ 0.");
    }

    private static void RequireGrid(int count, double sigmaMin, double sigmaMax)
    {
        Guard.AtLeast(count, 1, "count");
        if (!(sigmaMin > 0.0) || !double.IsFinite(sigmaMin))
            throw new ArgumentOutOfRangeException(nameof(sigmaMin), sigmaMin, $"sigmaMin = {sigmaMin} is not allowed; σ_min must be finite and > 0.");
        if (!(sigmaMax >= sigmaMin) || !double.IsFinite(sigmaMax))
            throw new ArgumentOutOfRangeException(nameof(sigmaMax), sigmaMax, $"sigmaMax = {sigmaMax} is not allowed; σ_max must be finite and ≥ σ_min = {sigmaMin}.");
    }
}

/// <summary>The coefficients of D(x̃; σ) = c_skip·x̃ + c_out·F(c_in·x̃) (Karras et al. 2022, eq. 7).</summary>
/// <param name="CSkip">c_skip(σ).</param>
/// <param name="COut">c_out(σ).</param>
/// <param name="CIn">c_in(σ).</param>
public readonly record struct Preconditioning(double CSkip, double COut, double CIn)
{
    /// <summary>D = c_skip·x̃ + c_out·F for one value, F the network's output at c_in·x̃ (Karras et al. 2022, eq. 7).</summary>
    public double Denoised(double xTilde, double networkOutput) => Math.FusedMultiplyAdd(COut, networkOutput, CSkip * xTilde);
}
