using System.Numerics;
using Diffusion.Functional.Images;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// Multistep DPM-Solver of order 2 or 3 in noise prediction (Lu et al. 2022, §3 with the multistep Taylor terms of
/// Lu et al. 2022b, §4; diffusers' <c>DPMSolverMultistepScheduler</c> with <c>algorithm_type = "dpmsolver"</c>, the
/// dpm-solver repository's multistep "dpmsolver"), in x̃ = x/√ᾱ where the exponential integrator's α_t/α_s is 1 and
/// σ_t(e^h − 1) = σ_i − σ_{i−1}: with ε_k = (x̃_k − D_k)/σ_k, h = log(σ_i/σ_{i−1}) and r_k = h_k/h for the earlier steps
/// h_0 = log(σ_{i+1}/σ_i), h_1 = log(σ_{i+2}/σ_{i+1}), order 2 (the midpoint form) is
/// x̃_{i−1} = x̃_i − (σ_i − σ_{i−1})·(ε_i + (ε_i − ε_{i+1})/(2r_0)) and order 3 is
/// x̃_{i−1} = x̃_i − (σ_i − σ_{i−1})·ε_i − σ_{i−1}hφ₂(h)·D_1 − σ_{i−1}hφ₃(h)·2D_2 with diffusers' D_1 ≈ h·ε′ and
/// D_2 = (D_1,0 − D_1,1)/(r_0 + r_1) ≈ h²ε″/2 the divided differences of the last three ε: the Taylor term σ'h³φ₃(h)·ε″
/// (Lu et al. 2022, eq. 3.6), twice diffusers' weight of D_2, which leaves its order 3 at 2 (docs/comparison.md). The first steps take the orders their history allows; with fewer than 15 steps the second-last is
/// at most second order (diffusers' lower_order_final); the step onto σ_0 = 0 is the denoising step D_1 (docs/samplers.md).
/// </summary>
/// <param name="Order">2 or 3.</param>
public sealed record DpmSolverMultistepSampler(int Order = 2) : ISampler
{
    /// <summary>The order k ∈ {2, 3} (Lu et al. 2022b, §4: multistep DPM-Solver-k has global error O(h^k)).</summary>
    public int Order { get; } = Order is 2 or 3
        ? Order
        : throw new ArgumentOutOfRangeException(nameof(Order), Order, $"Order = {Order} is not allowed; multistep DPM-Solver has orders 2 and 3 (order 1 is euler).");

    /// <summary>The weight of the ε″ term relative to the Taylor expansion: 1, or ½ for diffusers' coefficient (docs/comparison.md).</summary>
    internal double QuadraticShare { get; init; } = 1.0;

    /// <summary>One evaluation per step (Lu et al. 2022b, §4, multistep).</summary>
    public int EvaluationsPerStep => 1;

    /// <summary>Runs with any denoiser of the chain's schedule: it evaluates ε̂ = (x̃ − D)/σ on the grid only (Lu et al. 2022, eq. 3.6).</summary>
    public void RequireCompatible<T>(IBatchDenoiser<T> denoiser) where T : unmanaged, IFloatingPointIeee754<T> => ArgumentNullException.ThrowIfNull(denoiser);

    /// <summary>The multistep DPM-Solver-k chain (Lu et al. 2022; diffusers' algorithm_type "dpmsolver") on the chain's σ grid, one denoiser call per step.</summary>
    public ImageBatch<T> Run<T>(SamplerRun<T> run) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(run);
        var chain = new SigmaChain<T>(run, $"dpm-solver-{Order}m");
        int length = chain.Length, n = chain.Count;
        T[] x = chain.StartState(), denoised = new T[length], next = new T[length];
        T[] eps0 = new T[length], eps1 = new T[length], eps2 = new T[length]; // ε at levels i, i + 1, i + 2
        int done = 0;
        for (int i = n; i >= 1; i--)
        {
            chain.Denoise(x, i, denoised);
            double sigma = chain.Sigma(i), sigmaNext = chain.Sigma(i - 1);
            (eps2, eps1, eps0) = (eps1, eps0, eps2);
            SigmaChain<T>.Combine(1.0 / sigma, x, -1.0 / sigma, denoised, eps0);
            if (sigmaNext == 0.0)
            {
                denoised.CopyTo(next, 0);
            }
            else
            {
                int order = LowerOrderFinal.Order(Order, done, i, n);
                double drop = sigma - sigmaNext, h = Math.Log(sigma / sigmaNext);
                if (order == 1)
                {
                    SigmaChain<T>.Combine(1.0, x, -drop, eps0, next);
                }
                else if (order == 2)
                {
                    // −(σ − σ')·(ε₀ + (ε₀ − ε₁)/(2r₀)), r₀ = h₀/h
                    double half = 0.5 * h / Math.Log(chain.Sigma(i + 1) / sigma);
                    SigmaChain<T>.Combine(1.0, x, -drop * (1.0 + half), eps0, drop * half, eps1, next);
                }
                else
                {
                    double r0 = Math.Log(chain.Sigma(i + 1) / sigma) / h, r1 = Math.Log(chain.Sigma(i + 2) / chain.Sigma(i + 1)) / h;
                    // σ'((e^h − 1)/h − 1) = σ'hφ₂(h) and σ'((e^h − 1 − h)/h² − ½) = σ'hφ₃(h), without their cancellation for small h
                    double a = sigmaNext * h * DpmSolverSampler.Phi2(h), b = 2.0 * QuadraticShare * sigmaNext * h * Phi3(h);
                    // −a·D₁ − b·D₂ (b: σ'hφ₃(h) times 2, since D₂ ≈ h²ε″/2) with D₁ = D₁₀ + r₀/(r₀ + r₁)·(D₁₀ − D₁₁), D₂ = (D₁₀ − D₁₁)/(r₀ + r₁), D₁₀ = (ε₀ − ε₁)/r₀, D₁₁ = (ε₁ − ε₂)/r₁
                    double u = (a * (1.0 + r0 / (r0 + r1)) + b / (r0 + r1)) / r0, w = (a * r0 + b) / (r0 + r1) / r1;
                    SigmaChain<T>.Combine([1.0, -drop - u, u + w, -w], [x, eps0, eps1, eps2], next);
                }
            }
            chain.Report(i, x, denoised, next);
            (x, next) = (next, x);
            done++;
        }
        return chain.Batch(x);
    }

    /// <summary>φ₃(x) = (e^x − 1 − x − x²/2)/x³, by its series where the quotient would cancel (Lu et al. 2022, eq. 3.7's φ functions).</summary>
    internal static double Phi3(double x)
    {
        // below |x| = 0.1 the series to x⁸ (truncation under x⁹/12! ≈ 2e-18); above, the quotient with an accurate expm1
        // (.NET's double.ExpM1 is exp(x) − 1 and cancels)
        if (Math.Abs(x) >= 0.1) return (Numerics.AccurateMath.ExpM1(x) - x - 0.5 * x * x) / (x * x * x);
        double sum = 0.0, term = 1.0 / 6.0;
        for (int k = 0; k <= 8; k++)
        {
            sum += term;
            term *= x / (k + 4);
        }
        return sum;
    }
}
