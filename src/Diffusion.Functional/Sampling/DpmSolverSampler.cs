using System.Numerics;
using Diffusion.Functional.Images;
using Diffusion.Functional.Numerics;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// Singlestep DPM-Solver of order 1, 2 or 3 in noise prediction (Lu et al. 2022, Algorithms 1 and 2, §3.3), in the
/// coordinates x̃ = x/√ᾱ, where the exponential integrator's α_t/α_s is 1 and its σ_t is the VE σ: with ε = (x̃ − D)/σ,
/// h = log(σ_i/σ_{i−1}) and σ_s = σ_i·e^{−r·h} at the intermediate points r = 1/2 (order 2) or r = 1/3, 2/3 (order 3).
/// Order 1 is Euler (DDIM); order 2 with r = 1/2 is k-diffusion's <c>sample_dpm_2</c>. The step onto σ_0 = 0 is the
/// denoising step D_1 (DPM-Solver-1 there). The intermediate points are off the grid: it needs an <see cref="IContinuousDenoiser{T}"/>
/// for orders 2 and 3. With S_churn &gt; 0 each step first takes the churn of Karras et al. 2022, Algorithm 2 (as
/// k-diffusion's sample_dpm_2 does) and the DPM-Solver step then runs from (x̂, σ̂).
/// </summary>
/// <param name="Order">1, 2 or 3.</param>
/// <param name="Churn">S_churn ≥ 0, the total churn over the chain (0, the default, is deterministic).</param>
/// <param name="ChurnSigmaMin">S_tmin ≥ 0: no churn below this σ.</param>
/// <param name="ChurnSigmaMax">S_tmax ≥ S_tmin: no churn above this σ (∞ for none).</param>
/// <param name="ChurnNoise">S_noise ≥ 0, the standard deviation of the added noise relative to 1.</param>
public sealed record DpmSolverSampler(int Order = 3, double Churn = 0.0, double ChurnSigmaMin = 0.0, double ChurnSigmaMax = double.PositiveInfinity, double ChurnNoise = 1.0) : ISampler
{
    /// <summary>The order k ∈ {1, 2, 3} (Lu et al. 2022, Theorem 3.2: global error O(h^k)).</summary>
    public int Order { get; } = Order is >= 1 and <= 3
        ? Order
        : throw new ArgumentOutOfRangeException(nameof(Order), Order, $"Order = {Order} is not allowed; singlestep DPM-Solver has orders 1, 2 and 3.");

    /// <summary>S_churn ≥ 0 (Karras et al. 2022, Algorithm 2).</summary>
    public double Churn { get; } = KarrasChurn.RequireChurn(Churn, nameof(Churn));

    /// <summary>S_tmin ≥ 0 (Karras et al. 2022, Algorithm 2).</summary>
    public double ChurnSigmaMin { get; } = KarrasChurn.RequireSigmaMin(ChurnSigmaMin, nameof(ChurnSigmaMin));

    /// <summary>S_tmax ≥ S_tmin (Karras et al. 2022, Algorithm 2).</summary>
    public double ChurnSigmaMax { get; } = KarrasChurn.RequireSigmaMax(ChurnSigmaMax, ChurnSigmaMin, nameof(ChurnSigmaMax));

    /// <summary>S_noise ≥ 0 (Karras et al. 2022, Algorithm 2).</summary>
    public double ChurnNoise { get; } = KarrasChurn.RequireNoise(ChurnNoise, nameof(ChurnNoise));

    /// <summary>k evaluations per step of order k, one on the last (Lu et al. 2022, §3.3: DPM-Solver-k costs k per step).</summary>
    public int EvaluationsPerStep => Order;

    /// <summary>Order 1 runs with any denoiser; orders 2 and 3 evaluate D between the grid's levels and need an <see cref="IContinuousDenoiser{T}"/> (Lu et al. 2022, Algorithm 1).</summary>
    public void RequireCompatible<T>(IBatchDenoiser<T> denoiser) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        if (Order > 1 || Churn > 0.0) SigmaChain<T>.RequireContinuous(denoiser, Name);
    }

    private string Name => $"dpm-solver (order {Order}{(Churn > 0.0 ? ", with churn" : "")})";

    /// <summary>
    /// The DPM-Solver-k chain (Lu et al. 2022, Algorithms 1 and 2 with r₁ = 1/2, resp. r₁ = 1/3, r₂ = 2/3, in x̃ = x/√ᾱ).
    /// </summary>
    public ImageBatch<T> Run<T>(SamplerRun<T> run) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(run);
        var chain = new SigmaChain<T>(run, Name, offGrid: Order > 1 || Churn > 0.0);
        var work = new Workspace<T>(chain.Length);
        T[] x = chain.StartState(), next = new T[chain.Length];
        var churn = new KarrasChurn(Churn, ChurnSigmaMin, ChurnSigmaMax, ChurnNoise);
        (T[], T[])? churnWork = null;
        for (int i = chain.Count; i >= 1; i--)
        {
            // (x̂, σ̂) = (x̃_i, σ_i) unless step i churns (Karras et al. 2022, Algorithm 2, lines 4–6)
            var (start, sigma) = churn.DenoiseAfterChurn(chain, i, x, work.Denoised, ref churnWork);
            double sigmaNext = chain.Sigma(i - 1);
            if (sigmaNext == 0.0 || Order == 1)
                SigmaChain<T>.Combine(sigmaNext / sigma, start, (sigma - sigmaNext) / sigma, work.Denoised, next);
            else if (Order == 2)
                SecondOrderStep(chain, start, sigma, sigmaNext, work, next);
            else
                ThirdOrderStep(chain, start, sigma, sigmaNext, work, next);
            chain.Report(i, x, work.Denoised, next);
            (x, next) = (next, x);
        }
        return chain.Batch(x);
    }

    /// <summary>The arrays of one step: D(x̃_i; σ_i), ε, the intermediate states u and their ε.</summary>
    internal sealed class Workspace<T>(int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T[] Denoised { get; } = new T[length];

        public T[] Epsilon { get; } = new T[length];

        public T[] U1 { get; } = new T[length];

        public T[] Eps1 { get; } = new T[length];

        public T[] U2 { get; } = new T[length];

        public T[] Eps2 { get; } = new T[length];
    }

    /// <summary>
    /// DPM-Solver-2 (Lu et al. 2022, Algorithm 1, r₁ = 1/2) from (x̃, σ) to σ' &gt; 0, D(x̃; σ) in <c>work.Denoised</c>:
    /// σ_s = √(σσ'), u = x̃ − (σ − σ_s)·ε, x̃' = x̃ − (σ − σ')·ε(u; σ_s); the first of DPM-2 ancestral's steps (to σ_down).
    /// </summary>
    internal static void SecondOrderStep<T>(SigmaChain<T> chain, T[] x, double sigma, double sigmaNext, Workspace<T> work, Span<T> next)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double mid = Math.Sqrt(sigma * sigmaNext);
        // u = (σ_s/σ)·x̃ + (1 − σ_s/σ)·D, the Euler step to σ_s; then x̃' = x̃ + (σ' − σ)·(u − D(u; σ_s))/σ_s
        SigmaChain<T>.Combine(mid / sigma, x, (sigma - mid) / sigma, work.Denoised, work.U1);
        chain.DenoiseAt(work.U1, mid, work.Eps1);
        double c = (sigmaNext - sigma) / mid;
        SigmaChain<T>.Combine([1.0, c, -c], [x, work.U1, work.Eps1], next);
    }

    /// <summary>
    /// DPM-Solver-3 (Lu et al. 2022, Algorithm 2, r₁ = 1/3, r₂ = 2/3) from (x̃, σ) to σ' &gt; 0 in ε-form:
    /// u₁ = x̃ − (σ − σ₁)ε, D₁ = ε(u₁; σ₁) − ε, u₂ = x̃ − (σ − σ₂)ε − σ₂(r₂/r₁)(r₂h)φ₂(r₂h)·D₁, D₂ = ε(u₂; σ₂) − ε,
    /// x̃' = x̃ − (σ − σ')ε − (σ'/r₂)·h·φ₂(h)·D₂, with σ_k = σe^{−r_k h} and (e^x − 1)/x − 1 = x·φ₂(x).
    /// </summary>
    internal static void ThirdOrderStep<T>(SigmaChain<T> chain, T[] x, double sigma, double sigmaNext, Workspace<T> work, Span<T> next)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const double r1 = 1.0 / 3.0, r2 = 2.0 / 3.0;
        double h = Math.Log(sigma / sigmaNext);
        double s1 = sigma * Math.Exp(-r1 * h), s2 = sigma * Math.Exp(-r2 * h);
        SigmaChain<T>.Combine(1.0 / sigma, x, -1.0 / sigma, work.Denoised, work.Epsilon);
        SigmaChain<T>.Combine(1.0, x, -(sigma - s1), work.Epsilon, work.U1);
        chain.DenoiseAt(work.U1, s1, work.Eps1);
        SigmaChain<T>.Combine(1.0 / s1, work.U1, -1.0 / s1, work.Eps1, work.Eps1); // ε(u₁; σ₁), in place
        double k1 = s2 * (r2 / r1) * (r2 * h) * Phi2(r2 * h);
        // u₂ = x̃ − (σ − σ₂)ε − k₁(ε₁ − ε)
        SigmaChain<T>.Combine([1.0, -(sigma - s2) + k1, -k1], [x, work.Epsilon, work.Eps1], work.U2);
        chain.DenoiseAt(work.U2, s2, work.Eps2);
        SigmaChain<T>.Combine(1.0 / s2, work.U2, -1.0 / s2, work.Eps2, work.Eps2);
        double k2 = sigmaNext / r2 * h * Phi2(h);
        // x̃' = x̃ − (σ − σ')ε − k₂(ε₂ − ε)
        SigmaChain<T>.Combine([1.0, -(sigma - sigmaNext) + k2, -k2], [x, work.Epsilon, work.Eps2], next);
    }

    /// <summary>
    /// φ₂(x) = (e^x − 1 − x)/x² (Lu et al. 2022, eq. 3.7's φ functions): below |x| = ½ by its series Σ_k x^k/(k + 2)!, where
    /// e^x − 1 − x cancels (with .NET's naive <c>double.ExpM1</c> it lost 8.6e-11 relative at x = 1e-3, issue 11); above by
    /// the quotient with an accurate expm1.
    /// </summary>
    internal static double Phi2(double x)
    {
        if (Math.Abs(x) >= 0.5) return (AccurateMath.ExpM1(x) - x) / (x * x);
        double term = 0.5, sum = 0.5;
        for (int k = 1; k <= 24; k++) // |x| < ½: the last term is below 1e-33 of the first
        {
            term *= x / (k + 2);
            sum += term;
        }
        return sum;
    }
}
