using System.CommandLine;
using System.Globalization;
using Diffusion.Cli.Infrastructure;
using Diffusion.Functional.Sampling;

namespace Diffusion.Cli.Commands;

/// <summary>
/// The sampler options of <c>diffusion sample</c>: DDIM's <c>--eta</c>, Karras et al. 2022, Algorithm 2's churn
/// (<c>--churn</c>, <c>--s-tmin</c>, <c>--s-tmax</c>, <c>--s-noise</c>) and DPM-Solver's <c>--order</c>. Each is read
/// only by the samplers whose registry entry lists it; given to another it is refused, naming the option and the samplers that read it.
/// </summary>
internal sealed class SamplerSettingsOptions
{
    public Option<double> Eta { get; } = new Option<double>("--eta")
    {
        Description = "η of DDIM, 0..1: σ_t = η·√β̃_t (Song et al. 2021, eq. 16). 0 (the default) is deterministic; 1 has DDPM's variance. Only with a sampler that reads it (ddim).",
        DefaultValueFactory = _ => 0.0,
    }.AsRealNumber("[0, 1]");

    public Option<double> Churn { get; } = new Option<double>("--churn")
    {
        Description = "S_churn ≥ 0 of Karras et al. 2022, Algorithm 2 (heun, euler, dpm2): each step in [--s-tmin, --s-tmax] first raises σ to (1 + γ)σ, "
            + "γ = min(S_churn/N, √2 − 1), with fresh noise. 0 (the default) is deterministic; Karras et al. use 0–80.",
        DefaultValueFactory = _ => 0.0,
    }.AsRealNumber("[0, ∞)");

    public Option<double> ChurnSigmaMin { get; } = new Option<double>("--s-tmin")
    {
        Description = "S_tmin ≥ 0: no churn at σ below it (0 by default). Only with --churn.",
        DefaultValueFactory = _ => 0.0,
    }.AsRealNumber("[0, ∞)");

    public Option<double> ChurnSigmaMax { get; } = new Option<double>("--s-tmax")
    {
        Description = "S_tmax ≥ S_tmin: no churn at σ above it (no limit by default). Only with --churn.",
    }.AsRealNumber("[--s-tmin, ∞)");

    public Option<double> ChurnNoise { get; } = new Option<double>("--s-noise")
    {
        Description = "S_noise ≥ 0: the churn noise's standard deviation relative to 1 (1 by default; Karras et al. 1.003–1.007). Only with --churn.",
        DefaultValueFactory = _ => 1.0,
    }.AsRealNumber("[0, ∞)");

    public Option<int> Order { get; } = new Option<int>("--order")
    {
        Description = "The order of singlestep DPM-Solver (dpm-solver), 1, 2 or 3 (the default): DPM-Solver-k evaluates D k times a step (Lu et al. 2022, Algorithms 1 and 2).",
    }.AsWholeNumber("1..3");

    public IEnumerable<Option> All => [Eta, Churn, ChurnSigmaMin, ChurnSigmaMax, ChurnNoise, Order];

    /// <summary>The options for <paramref name="entry"/>, after refusing any it does not read and any value out of range.</summary>
    public SamplerOptions Read(ParseResult parsed, SamplerEntry entry)
    {
        foreach (Option option in All)
        {
            string name = option.Name.TrimStart('-');
            if (parsed.GetResult(option) is { Implicit: false } && !entry.Options.Contains(name))
            {
                string readers = string.Join(", ", SamplerRegistry.All.Where(e => e.Options.Contains(name)).Select(e => e.Name));
                throw new UsageException($"{option.Name} applies only to --sampler {readers}, not to {entry.Name}.");
            }
        }
        double eta = parsed.GetValue(Eta), churn = parsed.GetValue(Churn), sigmaMin = parsed.GetValue(ChurnSigmaMin), noise = parsed.GetValue(ChurnNoise);
        bool sigmaMaxGiven = parsed.GetResult(ChurnSigmaMax) is { Implicit: false };
        double sigmaMax = sigmaMaxGiven ? parsed.GetValue(ChurnSigmaMax) : double.PositiveInfinity;
        if (!(eta >= 0.0 && eta <= 1.0))
            throw new UsageException($"--eta {Show(eta)} is outside [0, 1]: η = 0 is deterministic DDIM and η = 1 has DDPM's variance.");
        if (!(churn >= 0.0))
            throw new UsageException($"--churn {Show(churn)} is outside [0, ∞): S_churn is the total churn over the chain, 0 for none (Karras et al. use 0–80).");
        if (churn == 0.0)
        {
            foreach (Option option in new Option[] { ChurnSigmaMin, ChurnSigmaMax, ChurnNoise })
                if (parsed.GetResult(option) is { Implicit: false })
                    throw new UsageException($"{option.Name} applies only with --churn > 0: without churn no step adds noise.");
        }
        if (!(sigmaMin >= 0.0))
            throw new UsageException($"--s-tmin {Show(sigmaMin)} is outside [0, ∞): S_tmin is the lowest σ that churns.");
        if (!(sigmaMax >= sigmaMin))
            throw new UsageException($"--s-tmax {Show(sigmaMax)} is below --s-tmin {Show(sigmaMin)}: S_tmax must be ≥ S_tmin.");
        if (!(noise >= 0.0))
            throw new UsageException($"--s-noise {Show(noise)} is outside [0, ∞): S_noise is a standard deviation relative to 1.");
        int? order = parsed.GetResult(Order) is { Implicit: false } ? parsed.GetValue(Order) : null;
        if (order is not null and not (>= 1 and <= 3))
            throw new UsageException($"--order {order} is outside 1..3: singlestep DPM-Solver has orders 1, 2 and 3.");
        return new SamplerOptions(Eta: eta, Churn: churn, ChurnSigmaMin: sigmaMin, ChurnSigmaMax: sigmaMax, ChurnNoise: noise, Order: order);
    }

    /// <summary>A few words for the settings that differ from the defaults, e.g. "S_churn = 40, S_noise = 1.003"; empty for none.</summary>
    public static string Describe(SamplerOptions options)
    {
        var parts = new List<string>();
        if (options.Churn > 0.0)
        {
            parts.Add($"S_churn = {Show(options.Churn)}");
            if (options.ChurnSigmaMin > 0.0) parts.Add($"S_tmin = {Show(options.ChurnSigmaMin)}");
            if (double.IsFinite(options.ChurnSigmaMax)) parts.Add($"S_tmax = {Show(options.ChurnSigmaMax)}");
            if (options.ChurnNoise != 1.0) parts.Add($"S_noise = {Show(options.ChurnNoise)}");
        }
        if (options.Order is { } order) parts.Add($"order {order}");
        return string.Join(", ", parts);
    }

    private static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);
}
