namespace Diffusion.Functional.Sampling;

/// <summary>The options a registered sampler may read; each sampler uses those its entry lists and ignores the rest.</summary>
/// <param name="Eta">DDIM's η ∈ [0, 1] (Song et al. 2021, eq. 16).</param>
/// <param name="Variance">DDPM's σ_t² choice.</param>
/// <param name="Processing">What is done to x̂_0 at every step; null for nothing.</param>
/// <param name="Churn">S_churn ≥ 0 of Karras et al. 2022, Algorithm 2 (heun, euler, dpm2; 0 is deterministic).</param>
/// <param name="ChurnSigmaMin">S_tmin ≥ 0: no churn below this σ.</param>
/// <param name="ChurnSigmaMax">S_tmax ≥ S_tmin: no churn above this σ.</param>
/// <param name="ChurnNoise">S_noise ≥ 0, the added noise's standard deviation relative to 1.</param>
/// <param name="Order">Singlestep DPM-Solver's order 1, 2 or 3 (Lu et al. 2022); null for the entry's own.</param>
public sealed record SamplerOptions(
    double Eta = 0.0, DdpmVariance Variance = DdpmVariance.FixedSmall, X0Processing? Processing = null,
    double Churn = 0.0, double ChurnSigmaMin = 0.0, double ChurnSigmaMax = double.PositiveInfinity, double ChurnNoise = 1.0, int? Order = null);

/// <summary>One sampler as the CLI, the figures and the docs know it: its name, what it is, and how to build it.</summary>
/// <param name="Name">The CLI name (k-diffusion's spelling where it has one), lower case.</param>
/// <param name="Description">One line: what the sampler does.</param>
/// <param name="Source">The paper and equation or algorithm it implements.</param>
/// <param name="Order">The order of convergence of its deterministic update in the step size.</param>
/// <param name="EvaluationsPerStep">Denoiser evaluations per step.</param>
/// <param name="Stochastic">True when it draws fresh noise at its steps (with the default options).</param>
/// <param name="Options">The names of the <see cref="SamplerOptions"/> it reads (CLI spelling: "eta", "churn", "s-tmin", "s-tmax", "s-noise", "order").</param>
/// <param name="Create">Builds the sampler from the options.</param>
public sealed record SamplerEntry(
    string Name, string Description, string Source, int Order, int EvaluationsPerStep, bool Stochastic,
    IReadOnlyList<string> Options, Func<SamplerOptions, ISampler> Create);

/// <summary>
/// Every sampler of the library by name, one line each: the one list that <c>diffusion sample</c>, <c>diffusion
/// samplers</c>, the figures and the docs read. Adding a sampler is its file plus one line here.
/// </summary>
public static class SamplerRegistry
{
    // The options of Karras et al. 2022, Algorithm 2's churn, which heun, euler and dpm2 read (k-diffusion's s_churn, s_tmin, s_tmax, s_noise).
    private static readonly string[] Churn = ["churn", "s-tmin", "s-tmax", "s-noise"];

    /// <summary>The registered samplers, in the order the CLI lists them.</summary>
    public static IReadOnlyList<SamplerEntry> All { get; } =
    [
        new("ddpm", "DDPM ancestral sampling: the posterior mean at x̂_0 plus fresh noise of variance β̃_t", "Ho et al. 2020, Algorithm 2 and eq. 7", 1, 1, true, [], o => new DdpmSampler(o.Variance, o.Processing)),
        new("ddim", "DDIM: x̂_0 and ε̂ recombined at the next noise level; deterministic for η = 0", "Song et al. 2021, eqs. 12 and 16", 1, 1, false, ["eta"], o => new DdimSampler(o.Eta, o.Processing)),
        new("ddpm-mean", "DDPM's posterior mean without noise: a deterministic test double, not a sampler of the data law", "Ho et al. 2020, eq. 7", 1, 1, false, [], o => new PosteriorMeanSampler(o.Processing)),
        new("euler", "Euler's method for the probability-flow ODE in σ: DDIM with η = 0 in x/√ᾱ (with --churn, Algorithm 2's churn before each step; off-grid D)", "Karras et al. 2022, eq. 4 and Algorithms 1 and 2", 1, 1, false, Churn, o => new EulerSampler(o.Churn, o.ChurnSigmaMin, o.ChurnSigmaMax, o.ChurnNoise)),
        new("euler-ancestral", "Euler ancestral: an Euler ODE step to σ_down, then fresh noise σ_up (η = 1: DDPM's variance)", "Karras et al. 2022, eq. 6; Song et al. 2021, eq. 16", 1, 1, true, [], _ => new EulerAncestralSampler()),
        new("heun", "Heun's method for the probability-flow ODE in σ: an Euler step and the trapezoidal correction (with --churn, Algorithm 2's churn; off-grid D)", "Karras et al. 2022, Algorithms 1 and 2", 2, 2, false, Churn, o => new HeunSampler(o.Churn, o.ChurnSigmaMin, o.ChurnSigmaMax, o.ChurnNoise)),
        new("dpm2", "DPM-2: an Euler step to the midpoint √(σσ') in log σ, then the full step with the slope there (off-grid D)", "Lu et al. 2022, Algorithm 1 (r₁ = 1/2); k-diffusion sample_dpm_2", 2, 2, false, Churn, o => new DpmSolverSampler(2, o.Churn, o.ChurnSigmaMin, o.ChurnSigmaMax, o.ChurnNoise)),
        new("dpm2-ancestral", "DPM-2 ancestral: a DPM-2 step to σ_down, then fresh noise σ_up (η = 1; off-grid D)", "Lu et al. 2022, Algorithm 1; Song et al. 2021, eq. 16", 2, 2, true, [], _ => new Dpm2AncestralSampler()),
        new("dpmpp-2s-ancestral", "DPM-Solver++(2S) ancestral: a singlestep second-order data-prediction step to σ_down, then fresh noise σ_up (η = 1; off-grid D)", "Lu et al. 2022b, Algorithm 1; Song et al. 2021, eq. 16", 2, 2, true, [], _ => new DpmSolverPlusPlus2SAncestralSampler()),
        new("dpm-solver", "Singlestep DPM-Solver-3 in noise prediction: two intermediate points at λ + h/3 and λ + 2h/3 (--order 1 or 2 for DPM-Solver-1/2; off-grid D)", "Lu et al. 2022, Algorithms 1 and 2 (r₁ = 1/3, r₂ = 2/3)", 3, 3, false, ["order"], o => new DpmSolverSampler(o.Order ?? 3)),
        new("dpm-solver-2m", "Multistep DPM-Solver-2 in noise prediction: ε̂ extrapolated from two evaluations (the midpoint form; diffusers' algorithm_type dpmsolver)", "Lu et al. 2022, §3; Lu et al. 2022b, §4 (multistep)", 2, 1, false, [], _ => new DpmSolverMultistepSampler(2)),
        new("dpm-solver-3m", "Multistep DPM-Solver-3 in noise prediction: ε̂'s divided differences through three evaluations (diffusers' algorithm_type dpmsolver, order 3)", "Lu et al. 2022, §3; Lu et al. 2022b, §4 (multistep)", 3, 1, false, [], _ => new DpmSolverMultistepSampler(3)),
        new("lms", "Adams–Bashforth in σ of order 4, the Lagrange basis integrated exactly", "Hairer, Nørsett & Wanner 1993, §III.1; Karras et al. 2022, eq. 4", 4, 1, false, [], _ => new LmsSampler()),
        new("ipndm", "iPNDM: constant-step Adams–Bashforth of order 4 in σ (LMS on a grid uniform in σ)", "Zhang & Chen 2023, §4 and Appendix", 4, 1, false, [], _ => new IpndmSampler()),
        new("dpmpp-2m", "DPM-Solver++(2M): exponential integrator in λ with D extrapolated from two evaluations", "Lu et al. 2022b, Algorithm 2", 2, 1, false, [], _ => new DpmSolverPlusPlus2MSampler()),
        new("dpmpp-3m", "DPM-Solver++(3M): exponential integrator in λ with D interpolated through three evaluations", "Lu et al. 2022b, §4 and Appendix B", 3, 1, false, [], _ => new DpmSolverPlusPlus3MSampler()),
        new("dpmpp-2m-sde", "SDE-DPM-Solver++(2M): the 2M update for the reverse SDE in λ, with fresh noise σ'·√(1 − e^{−2h})", "Lu et al. 2022b, §5", 2, 1, true, [], _ => new DpmSolverPlusPlus2MSdeSampler()),
        new("dpmpp-3m-sde", "SDE-DPM-Solver++(3M): the 3M interpolant integrated exactly against the reverse SDE in λ, with fresh noise σ'·√(1 − e^{−2h})", "Lu et al. 2022b, §4 and §5", 3, 1, true, [], _ => new DpmSolverPlusPlus3MSdeSampler()),
        new("unipc", "UniPC (bh2): the UniP-2 predictor and the UniC corrector, which reuses the next evaluation (diffusers' default)", "Zhao et al. 2023, Algorithms 1–3", 3, 1, false, [], _ => new UniPcSampler(2, UniPcVariant.Bh2)),
        new("unipc-3", "UniPC (bh2) with the UniP-3 predictor and the UniC corrector (diffusers' solver_order=3)", "Zhao et al. 2023, Algorithms 1–3", 4, 1, false, [], _ => new UniPcSampler(3, UniPcVariant.Bh2)),
        new("unipc-bh1", "UniPC with B(h) = h: the UniP-2 predictor and the UniC corrector", "Zhao et al. 2023, Algorithms 1–3", 3, 1, false, [], _ => new UniPcSampler(2, UniPcVariant.Bh1)),
        new("unip", "UniP-2 (bh2): UniPC's predictor without the corrector", "Zhao et al. 2023, Algorithm 2", 2, 1, false, [], _ => new UniPcSampler(2, UniPcVariant.Bh2, Corrector: false)),
        new("deis", "DEIS tAB3: exponential integrator in σ with ε̂ extrapolated in log σ through three evaluations", "Zhang & Chen 2023, eq. 15 (ρAB-DEIS)", 3, 1, false, [], _ => new DeisSampler(3)),
        new("deis-2", "DEIS tAB2: exponential integrator in σ with ε̂ extrapolated in log σ through two evaluations", "Zhang & Chen 2023, eq. 15 (ρAB-DEIS)", 2, 1, false, [], _ => new DeisSampler(2)),
    ];

    /// <summary>The registered names, in order.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(entry => entry.Name).ToArray();

    /// <summary>The entry named <paramref name="name"/> (case-insensitive), or null (the table of docs/sampling.md).</summary>
    public static SamplerEntry? TryFind(string? name) =>
        name is null ? null : All.FirstOrDefault(entry => string.Equals(entry.Name, name.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The entry named <paramref name="name"/> (docs/sampling.md); an unknown name throws an <see cref="ArgumentException"/> listing the known ones.</summary>
    public static SamplerEntry Find(string? name) =>
        TryFind(name) ?? throw new ArgumentException($"'{name}' is not a sampler; the samplers are: {string.Join(", ", Names)}.", nameof(name));
}
