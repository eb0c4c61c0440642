using Diffusion.Functional.Numerics;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// What a continuous-time network is told about the noise level, c_noise(σ), and the two preconditionings of
/// Karras et al. 2022, Table 1 that <see cref="SigmaSpace"/> does not already give: the network input of a VP, VE,
/// improved-DDPM or EDM model at noise level σ, so that one σ-space sampler can drive any of them.
/// </summary>
/// <remarks>
/// VP and improved DDPM precondition as this library's ε-prediction does (<see cref="SigmaSpace.PreconditioningOf"/> with
/// ε: c_skip = 1, c_out = −σ, c_in = 1/√(σ² + 1)); EDM's is <see cref="SigmaSpace.EdmPreconditioning"/>; VE's is
/// <see cref="VePreconditioning"/>. Only c_noise differs between VP and improved DDPM.
/// </remarks>
public static class NoiseConditioning
{
    /// <summary>The largest M that <see cref="IddpmSigmas"/> tabulates (checked before allocating).</summary>
    public const int MaxTrainingSteps = 1_000_000;

    /// <summary>VE's preconditioning (Karras et al. 2022, Table 1; Song et al. 2021b): c_skip = 1, c_out = σ, c_in = 1.</summary>
    public static Preconditioning VePreconditioning(double sigma)
    {
        RequirePositive(sigma);
        return new Preconditioning(1.0, sigma, 1.0);
    }

    /// <summary>
    /// VP's c_noise = (M − 1)·t(σ) (Karras et al. 2022, Table 1), t(σ) = (√(β_min² + 2β_d·ln(σ² + 1)) − β_min)/β_d the
    /// inverse of the VP SDE's σ(t) = √(exp(β_d·t²/2 + β_min·t) − 1) (<see cref="SigmaSpace.VpSigmas"/>).
    /// </summary>
    /// <param name="sigma">σ &gt; 0.</param>
    /// <param name="betaD">β_d &gt; 0 (19.9).</param>
    /// <param name="betaMin">β_min ≥ 0 (0.1).</param>
    /// <param name="trainingSteps">M ≥ 1 (1000).</param>
    public static double VpNoise(double sigma, double betaD = 19.9, double betaMin = 0.1, int trainingSteps = 1000)
    {
        RequirePositive(sigma);
        if (!(betaD > 0.0) || !double.IsFinite(betaD))
            throw new ArgumentOutOfRangeException(nameof(betaD), betaD, $"betaD = {betaD} is not allowed; β_d must be finite and > 0 (19.9).");
        if (!(betaMin >= 0.0) || !double.IsFinite(betaMin))
            throw new ArgumentOutOfRangeException(nameof(betaMin), betaMin, $"betaMin = {betaMin} is not allowed; β_min must be finite and ≥ 0 (0.1).");
        Guard.AtLeast(trainingSteps, 1, "trainingSteps");
        // ln(σ² + 1) through log1p: σ of 1e-3 would lose half its digits in σ² + 1; the root is rationalised for the
        // same reason: (√(b² + a) − b) = a/(√(b² + a) + b) with a = 2β_d·ln(σ² + 1).
        double a = 2.0 * betaD * AccurateMath.Log1P(sigma * sigma);
        double t = a / (Math.Sqrt(betaMin * betaMin + a) + betaMin) / betaD;
        return (trainingSteps - 1) * t;
    }

    /// <summary>VE's c_noise = ln(σ/2) (Karras et al. 2022, Table 1).</summary>
    public static double VeNoise(double sigma)
    {
        RequirePositive(sigma);
        return Math.Log(0.5 * sigma);
    }

    /// <summary>EDM's c_noise = ln(σ)/4 (Karras et al. 2022, Table 1).</summary>
    public static double EdmNoise(double sigma)
    {
        RequirePositive(sigma);
        return 0.25 * Math.Log(sigma);
    }

    /// <summary>
    /// Improved DDPM's noise levels as Karras et al. 2022 (Table 1) read them from the cosine schedule: u_M = 0 and
    /// u_{j−1} = √((u_j² + 1)/max(ᾱ_{j−1}/ᾱ_j, C₁) − 1), ᾱ_j = sin²(π/2 · j/(M(C₂ + 1))), for j = M..1 (Nichol &amp;
    /// Dhariwal 2021, eq. 17); index j of the result is u_j, so u_0 is the largest.
    /// </summary>
    /// <param name="trainingSteps">M ≥ 1 (1000).</param>
    /// <param name="c1">C₁ ∈ (0, 1], the clamp of each step's ratio (0.001).</param>
    /// <param name="c2">C₂ ≥ 0, the cosine schedule's offset (0.008).</param>
    public static double[] IddpmSigmas(int trainingSteps = 1000, double c1 = 0.001, double c2 = 0.008)
    {
        Guard.AtLeast(trainingSteps, 1, "trainingSteps");
        if (trainingSteps > MaxTrainingSteps)
            throw new ArgumentOutOfRangeException(nameof(trainingSteps), trainingSteps, $"trainingSteps = {trainingSteps} is more than {MaxTrainingSteps}, the most this table is made for.");
        if (!(c1 > 0.0 && c1 <= 1.0))
            throw new ArgumentOutOfRangeException(nameof(c1), c1, $"c1 = {c1} is not allowed; C₁ must be in (0, 1] (0.001).");
        if (!(c2 >= 0.0) || !double.IsFinite(c2))
            throw new ArgumentOutOfRangeException(nameof(c2), c2, $"c2 = {c2} is not allowed; C₂ must be finite and ≥ 0 (0.008).");
        int m = trainingSteps;
        double AlphaBar(int j) => Math.Pow(Math.Sin(0.5 * Math.PI * j / (m * (c2 + 1.0))), 2);
        var u = new double[m + 1];
        for (int j = m; j >= 1; j--)
        {
            double ratio = Math.Max(AlphaBar(j - 1) / AlphaBar(j), c1);
            u[j - 1] = Math.Sqrt((u[j] * u[j] + 1.0) / ratio - 1.0);
        }
        return u;
    }

    /// <summary>
    /// Improved DDPM's c_noise = M − 1 − j(σ), j(σ) = argmin_j |u_j − σ| over the levels u_0..u_{M−1} of
    /// <see cref="IddpmSigmas"/> (Karras et al. 2022, Table 1): the network's integer timestep nearest σ (ties to the
    /// larger σ; u_M = 0 is the data, not a timestep, so σ below u_{M−1} gives timestep 0).
    /// </summary>
    /// <param name="sigma">σ &gt; 0.</param>
    /// <param name="levels">u_0 ≥ … ≥ u_M = 0, as <see cref="IddpmSigmas"/> returns them.</param>
    public static int IddpmNoise(double sigma, IReadOnlyList<double> levels)
    {
        RequirePositive(sigma);
        ArgumentNullException.ThrowIfNull(levels);
        if (levels.Count < 2)
            throw new ArgumentException($"levels has {levels.Count} values; give u_0..u_M from IddpmSigmas (M ≥ 1).", nameof(levels));
        int best = 0;
        for (int j = 1; j < levels.Count - 1; j++)
            if (Math.Abs(levels[j] - sigma) < Math.Abs(levels[best] - sigma))
                best = j;
        return levels.Count - 2 - best;
    }

    private static void RequirePositive(double sigma)
    {
        if (!(sigma > 0.0) || !double.IsFinite(sigma))
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, $"sigma = {sigma} is not allowed; c_noise needs a finite noise level σ > 0.");
    }
}
