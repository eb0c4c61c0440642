using System.CommandLine;
using System.Globalization;
using Diffusion.Cli.Infrastructure;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

namespace Diffusion.Cli.Commands;

/// <summary>
/// The chain options of <c>diffusion sample</c>: <c>--spacing</c> and <c>--steps-offset</c> (diffusers' timestep spacings)
/// or a σ grid <c>--sigmas</c> (Karras et al. 2022, eq. 5; exponential; k-diffusion's polyexponential and VP; Lee et al.
/// 2024's beta) with its <c>--rho</c> or <c>--beta-alpha</c>/<c>--beta-beta</c>, put onto the schedule's nearest timesteps (docs/samplers.md, "Grids").
/// </summary>
internal sealed class SampleChainOptions
{
    private static readonly string[] Grids = ["schedule", "karras", "exponential", "polyexponential", "vp", "beta"];
    private static readonly string[] Spacings = ["trailing", "leading", "linspace"];

    public Option<string> Sigmas { get; } = new("--sigmas")
    {
        Description = "The noise levels of the chain: schedule (the default: N timesteps by --spacing) or a σ grid of N levels from σ(1) to σ(T) of the schedule — "
            + "karras (Karras et al. 2022, eq. 5, --rho, 7), exponential (uniform in λ = −log σ), polyexponential (--rho, 1), vp (k-diffusion's VP grid), "
            + "beta (the Beta(α, β) quantiles of Lee et al. 2024, diffusers' use_beta_sigmas; --beta-alpha, --beta-beta, 0.6 each) — "
            + "each level put on the nearest timestep in log σ; levels that meet are kept once, so the chain may be shorter.",
        DefaultValueFactory = _ => "schedule",
    };

    public Option<string> Spacing { get; } = new("--spacing")
    {
        Description = "How --sigmas schedule keeps N of the T timesteps: trailing (the default: round(i·T/N), ends at T), leading (1 + offset + (i − 1)·⌊T/N⌋) "
            + "or linspace (diffusers' names).",
        DefaultValueFactory = _ => "trailing",
    };

    public Option<int> StepsOffset { get; } = new Option<int>("--steps-offset")
    {
        Description = "diffusers' steps_offset for --spacing leading: every kept timestep moves up by it (0 by default; Stable Diffusion uses 1).",
        DefaultValueFactory = _ => 0,
    }.AsWholeNumber("0..T − 1");

    public Option<double> Rho { get; } = new Option<double>("--rho")
    {
        Description = "ρ > 0 of --sigmas karras (7 by default) or polyexponential (1 by default).",
    }.AsRealNumber("(0, ∞)");

    public Option<double> BetaAlpha { get; } = new Option<double>("--beta-alpha")
    {
        Description = "α > 0 of --sigmas beta (0.6 by default, as diffusers): σ_i = σ_min + (σ_max − σ_min)·I⁻¹_{1 − i/(N − 1)}(α, β).",
    }.AsRealNumber("(0, ∞)");

    public Option<double> BetaBeta { get; } = new Option<double>("--beta-beta")
    {
        Description = "β > 0 of --sigmas beta (0.6 by default, as diffusers).",
    }.AsRealNumber("(0, ∞)");

    public IEnumerable<Option> All => [Sigmas, Spacing, StepsOffset, Rho, BetaAlpha, BetaBeta];

    /// <summary>The chain of N steps the options ask for on <paramref name="schedule"/>, and a few words naming it (empty for the default, trailing).</summary>
    public (RespacedSchedule Plan, string Description) Plan(ParseResult parsed, NoiseSchedule schedule, int n)
    {
        string grid = (parsed.GetValue(Sigmas) ?? "schedule").Trim().ToLowerInvariant();
        string spacing = (parsed.GetValue(Spacing) ?? "trailing").Trim().ToLowerInvariant();
        int offset = parsed.GetValue(StepsOffset);
        bool rhoGiven = parsed.GetResult(Rho) is { Implicit: false };
        if (!Grids.Contains(grid))
            throw new UsageException($"--sigmas '{parsed.GetValue(Sigmas)}' is not a grid; the grids are: {string.Join(", ", Grids)}.");
        if (!Spacings.Contains(spacing))
            throw new UsageException($"--spacing '{parsed.GetValue(Spacing)}' is not a spacing; the spacings are: {string.Join(", ", Spacings)}.");
        if (grid != "schedule" && parsed.GetResult(Spacing) is { Implicit: false })
            throw new UsageException($"--spacing applies only to --sigmas schedule, not to {grid}: a σ grid chooses its own timesteps.");
        if (offset != 0 && !(grid == "schedule" && spacing == "leading"))
            throw new UsageException("--steps-offset applies only to --spacing leading (diffusers' steps_offset).");
        if (rhoGiven && grid is not ("karras" or "polyexponential"))
            throw new UsageException($"--rho applies only to --sigmas karras or polyexponential, not to {grid}.");
        double rho = rhoGiven ? parsed.GetValue(Rho) : grid == "karras" ? 7.0 : 1.0;
        if (!(rho > 0.0))
            throw new UsageException($"--rho {rho.ToString(CultureInfo.InvariantCulture)} is not allowed: ρ must be > 0.");
        double alpha = BetaShape(parsed, BetaAlpha, grid, "α"), beta = BetaShape(parsed, BetaBeta, grid, "β");
        if (grid == "schedule")
        {
            if (spacing != "leading")
                return (RespacedSchedule.Uniform(schedule, n, spacing == "trailing" ? TimestepSpacing.Trailing : TimestepSpacing.Linspace), spacing == "trailing" ? "" : $"{spacing} spacing");
            int stride = schedule.Steps / n, last = 1 + offset + (n - 1) * stride;
            if (offset < 0 || last > schedule.Steps)
                throw new UsageException($"--steps-offset {offset} is outside 0..{schedule.Steps - 1 - (n - 1) * stride}: with {n} leading steps of {stride} the last kept timestep would be {last} > {schedule.Steps}.");
            return (RespacedSchedule.FromTimesteps(schedule, Enumerable.Range(0, n).Select(i => 1 + offset + i * stride)), offset == 0 ? "leading spacing" : $"leading spacing, offset {offset}");
        }
        double sigmaMin = SigmaSpace.Sigma(schedule, 1), sigmaMax = SigmaSpace.Sigma(schedule, schedule.Steps);
        double[] sigmas = grid switch
        {
            "karras" => SigmaSpace.KarrasSigmas(n, sigmaMin, sigmaMax, rho),
            "exponential" => SigmaSpace.ExponentialSigmas(n, sigmaMin, sigmaMax),
            "polyexponential" => SigmaSpace.PolyexponentialSigmas(n, sigmaMin, sigmaMax, rho),
            "beta" => SigmaSpace.BetaSigmas(n, sigmaMin, sigmaMax, alpha, beta),
            _ => SigmaSpace.VpSigmas(n),
        };
        RespacedSchedule plan = SigmaSpace.NearestTimesteps(schedule, sigmas);
        string rhoText = grid is "karras" or "polyexponential" ? $" ρ = {rho.ToString(CultureInfo.InvariantCulture)}"
            : grid == "beta" ? $" α = {alpha.ToString(CultureInfo.InvariantCulture)}, β = {beta.ToString(CultureInfo.InvariantCulture)}" : "";
        return (plan, $"{grid}{rhoText} σ grid ({plan.Count} distinct timesteps)");
    }

    // --beta-alpha or --beta-beta: only with --sigmas beta, and > 0 (0.6 when not given, diffusers' default).
    private static double BetaShape(ParseResult parsed, Option<double> option, string grid, string symbol)
    {
        if (parsed.GetResult(option) is not { Implicit: false }) return 0.6;
        if (grid != "beta")
            throw new UsageException($"{option.Name} applies only to --sigmas beta, not to {grid}.");
        double value = parsed.GetValue(option);
        if (!(value > 0.0))
            throw new UsageException($"{option.Name} {value.ToString(CultureInfo.InvariantCulture)} is not allowed: the Beta law's {symbol} must be > 0 (diffusers uses 0.6).");
        return value;
    }
}
