using Diffusion.Functional.Noise;

namespace Diffusion.Functional.Plots;

/// <summary>
/// Every documentation figure, once. <c>diffusion plots</c> writes them all and the snapshot tests check them all,
/// both by iterating <see cref="All"/>; figure f drawn for seed s uses the key <see cref="KeyFor"/>(f, s).
/// </summary>
public static class FigureCatalogue
{
    /// <summary>The seed of the figures in docs/images (<c>diffusion plots</c> without <c>--seed</c>).</summary>
    public const ulong DefaultSeed = 42;

    /// <summary>The figures in reading order.</summary>
    public static IReadOnlyList<Figure> All { get; } =
    [
        new(FigureId.SeedForward, "seed-forward.png",
            "The seed notebook's forward figure: a real MNIST 5 beside x_100 ~ q(x_100 | x_0).", 1000, 560),
        new(FigureId.SeedReverse, "seed-reverse.png",
            "The seed notebook's reverse figure, fixed: the oracle chain from x_50 runs all the way to x_0.", 1600, 520),
        new(FigureId.ForwardStrip, "forward-strip.png",
            "One trajectory of the forward chain at t = 0, 10, 25, 50, 100, 150, 200.", 1750, 360),
        new(FigureId.OracleChainStrip, "oracle-chain.png",
            "The oracle reverse chain q(x_{t-1} | x_t, x_0) as frames from x_50 down to x_0.", 1750, 360),
        new(FigureId.ScheduleCurves, "schedule-curves.png",
            "Linear against cosine schedules: β_t, ᾱ_t, β̃_t / β_t and log-SNR against t.", 1300, 1000),
        new(FigureId.PixelHistogram, "pixel-histogram.png",
            "Pixel histograms of x_t against the exact density of q(x_t) and N(0, 1): x_t tends to N(0, 1).", 1750, 520),
        new(FigureId.DigitClassGrid, "digit-classes.png",
            "One digit of each class noised at t = 0, 25, 50, 100, 200.", 1500, 900),
        new(FigureId.GenerationStrip, "generation-strip.png",
            "Generation from pure noise by DDPM with the empirical denoiser of the MNIST sample: x_t and x̂_0 from t = 1000 to the digit.", 1500, 1150),
        new(FigureId.SamplerComparison, "ddpm-vs-ddim.png",
            "DDPM against DDIM (η = 0) on 10, 50 and 200 of 1000 steps, from the same starting noise.", 1400, 900),
        new(FigureId.SamplerOrder, "sampler-order.png",
            "The exact error of every deterministic sampler against the probability-flow ODE for Gaussian data, against NFE: the σ-space and noise-prediction solvers (euler, heun, dpm2, lms, ipndm, deis-2, deis, dpm-solver-2m, dpm-solver-3m, dpm-solver) and the data-prediction ones (dpmpp-2m, unip, unipc-bh1, unipc, dpmpp-3m, unipc-3), with reference slopes 1 to 4.", 2200, 900),
        new(FigureId.LossWeighting, "loss-weightings.png",
            "Training weightings as weights w(t) on the ε-MSE (L_simple, x₀- and v-MSE, min-SNR-5, P2, EDM, improved DDPM's hybrid), and the shipped UNet's loss per t under each.", 1800, 800),
        new(FigureId.StochasticLaw, "sampler-law.png",
            "The exact W₂ distance of ddpm, euler-ancestral, dpmpp-2m-sde and dpmpp-3m-sde's output law to the Gaussian data law, against NFE.", 1200, 900),
        new(FigureId.NetworkQuality, "network-quality.png",
            "The shipped MNIST UNet's Fréchet distance to the held-out digits against NFE for ddim, dpmpp-2m and ddpm (diffusion quality's committed table), with the floor of as many training digits.", 1200, 850),
        new(FigureId.NetworkDigits, "network-digits.png",
            "Digits of the shipped MNIST UNet with classifier-free guidance w = 2 by DDIM at 20 NFE: one row per class 0–9, each digit from its own fixed noise.", 1100, 1250),
        new(FigureId.NetworkSamplers, "network-samplers.png",
            "The same noise through ddpm, ddim, euler, heun, dpmpp-2m, dpmpp-3m, unipc, deis and lms at 10 NFE with the shipped UNet and guidance w = 2: one row per sampler, one column per class.", 1200, 1200),
    ];

    /// <summary>The figure with id <paramref name="id"/>.</summary>
    public static Figure Get(FigureId id) =>
        All.SingleOrDefault(f => f.Id == id) ?? throw new ArgumentOutOfRangeException(nameof(id), id, $"id = {id} is not in the catalogue.");

    /// <summary>The noise key of figure <paramref name="id"/> for a user's seed: <c>NoiseKey.FromSeed(seed).Child(id)</c>.</summary>
    public static NoiseKey KeyFor(FigureId id, ulong seed) => NoiseKey.FromSeed(seed).Child((ulong)id);
}
