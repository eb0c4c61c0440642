namespace Diffusion.Functional.Sampling;

/// <summary>Which reverse sampler to run and how: <see cref="DdpmSettings"/> or <see cref="DdimSettings"/> (a closed set).</summary>
public abstract record SamplerSettings
{
    private protected SamplerSettings(X0Processing? processing)
    {
        Processing = processing ?? new X0Processing.None();
    }

    /// <summary>What is done to the predicted x̂_0 at every step (nothing by default).</summary>
    public X0Processing Processing { get; }
}

/// <summary>DDPM ancestral sampling (Ho et al. 2020, Algorithm 2) with a choice of variance.</summary>
/// <param name="Variance">σ_t²: fixed-small (β̃_t), fixed-large (β_t) or learned-range.</param>
/// <param name="Processing">What is done to x̂_0; null means <see cref="X0Processing.None"/>.</param>
public sealed record DdpmSettings(DdpmVariance Variance = DdpmVariance.FixedSmall, X0Processing? Processing = null) : SamplerSettings(Processing)
{
    /// <summary>σ_t².</summary>
    public DdpmVariance Variance { get; } = Variance is DdpmVariance.FixedSmall or DdpmVariance.FixedLarge or DdpmVariance.LearnedRange
        ? Variance
        : throw new ArgumentOutOfRangeException(nameof(Variance), Variance, $"Variance = {Variance} is not a DdpmVariance (FixedSmall, FixedLarge or LearnedRange).");
}

/// <summary>DDIM sampling (Song et al. 2021, eq. 12) with stochasticity η: 0 is deterministic, 1 has DDPM's fixed-small variance.</summary>
/// <param name="Eta">η, range 0 ≤ η ≤ 1: σ_t = η·√β̃_t (Song et al. 2021, eq. 16).</param>
/// <param name="Processing">What is done to x̂_0; null means <see cref="X0Processing.None"/>.</param>
public sealed record DdimSettings(double Eta = 0.0, X0Processing? Processing = null) : SamplerSettings(Processing)
{
    /// <summary>η ∈ [0, 1].</summary>
    public double Eta { get; } = Eta >= 0.0 && Eta <= 1.0
        ? Eta
        : throw new ArgumentOutOfRangeException(nameof(Eta), Eta, $"Eta = {Eta} is outside [0, 1]; η = 0 is deterministic DDIM and η = 1 has DDPM's variance β̃_t.");
}
