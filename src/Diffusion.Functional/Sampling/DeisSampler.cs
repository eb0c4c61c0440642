using System.Numerics;
using Diffusion.Functional.Images;
using Diffusion.Functional.Numerics;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// DEIS tAB-q in ρ = σ with ε extrapolated in log ρ (Zhang &amp; Chen 2023, eq. 15 and §4, "ρAB-DEIS"; diffusers'
/// <c>DEISMultistepScheduler</c>, <c>algorithm_type="deis"</c>, log-ρ): dx̃/dσ = ε̂(x̃; σ) = (x̃ − D)/σ is integrated with
/// ε̂ replaced by the polynomial in log σ through the last q evaluations, x̃_{i−1} = x̃_i + Σ_k c_k·ε̂_{i+k} with
/// c_k = ∫_{σ_i}^{σ_{i−1}} ℓ_k(log σ) dσ the exact integral of its Lagrange basis. Orders warm up as min(q, steps so
/// far); with fewer than 15 steps the second-last step is at most second order (diffusers' lower_order_final); the step
/// onto σ_0 = 0 is the denoising step x_0 = D_1, which is DEIS's first-order step there (docs/samplers.md). Order 1 is Euler.
/// </summary>
/// <param name="Order">q ∈ 1..3 (3 by default).</param>
public sealed record DeisSampler(int Order = 3) : ISampler
{
    /// <summary>q ∈ 1..3.</summary>
    public int Order { get; } = Order is >= 1 and <= 3
        ? Order
        : throw new ArgumentOutOfRangeException(nameof(Order), Order, $"Order = {Order} is outside 1..3 (DEIS tAB orders).");

    /// <summary>One evaluation per step (Zhang &amp; Chen 2023, multistep).</summary>
    public int EvaluationsPerStep => 1;

    /// <summary>DEIS runs with any denoiser of the chain's schedule (Zhang &amp; Chen 2023, eq. 15 needs only ε̂ = (x̃ − D)/σ).</summary>
    public void RequireCompatible<T>(IBatchDenoiser<T> denoiser) where T : unmanaged, IFloatingPointIeee754<T> => ArgumentNullException.ThrowIfNull(denoiser);

    /// <summary>The DEIS chain (Zhang &amp; Chen 2023, eq. 15) on the chain's σ grid, one denoiser call per step.</summary>
    public ImageBatch<T> Run<T>(SamplerRun<T> run) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(run);
        var chain = new SigmaChain<T>(run, "deis");
        int length = chain.Length, n = chain.Count;
        T[] x = chain.StartState(), denoised = new T[length], next = new T[length];
        var held = new T[Order][]; // held[k] = ε̂ at level i + k
        for (int k = 0; k < Order; k++) held[k] = new T[length];
        var terms = new T[Order + 1][];
        int done = 0;
        for (int i = n; i >= 1; i--)
        {
            chain.Denoise(x, i, denoised);
            double sigma = chain.Sigma(i), sigmaNext = chain.Sigma(i - 1);
            T[] epsilon = held[Order - 1];
            for (int k = Order - 1; k > 0; k--) held[k] = held[k - 1];
            held[0] = epsilon;
            SigmaChain<T>.Combine(1.0 / sigma, x, -1.0 / sigma, denoised, epsilon);
            if (sigmaNext == 0.0)
            {
                denoised.CopyTo(next, 0);
            }
            else
            {
                int order = LowerOrderFinal.Order(Order, done, i, n);
                var logSigma = new double[order];
                for (int k = 0; k < order; k++) logSigma[k] = Math.Log(chain.Sigma(i + k));
                double[] w = Weights(logSigma, Math.Log(sigmaNext));
                var c = new double[order + 1];
                c[0] = 1.0;
                terms[0] = x;
                for (int k = 0; k < order; k++) { c[k + 1] = w[k]; terms[k + 1] = held[k]; }
                SigmaChain<T>.Combine(c, terms.AsSpan(0, order + 1), next);
            }
            chain.Report(i, x, denoised, next);
            (x, next) = (next, x);
            done++;
        }
        return chain.Batch(x);
    }

    /// <summary>
    /// c_k = ∫_{σ_i}^{σ'} ℓ_k(log σ) dσ for the Lagrange basis ℓ_k in u = log σ through the nodes u_k = log σ_{i+k}
    /// (<paramref name="logSigma"/>[0] = log σ_i): with s = u − u_0, c_k = σ_i·Σ_m a_{k,m}·J_m(Δ), ℓ_k(s) = Σ_m a_{k,m}s^m,
    /// Δ = log σ' − u_0 and J_m(Δ) = ∫₀^Δ e^s s^m ds (Zhang &amp; Chen 2023, eq. 15).
    /// </summary>
    internal static double[] Weights(IReadOnlyList<double> logSigma, double logSigmaNext)
    {
        int q = logSigma.Count;
        double u0 = logSigma[0], delta = logSigmaNext - u0, scale = Math.Exp(u0);
        var j = new double[q];
        for (int m = 0; m < q; m++) j[m] = J(m, delta);
        var weights = new double[q];
        for (int k = 0; k < q; k++)
        {
            // ℓ_k(s) = Π_{l≠k} (s − s_l)/(s_k − s_l), expanded into powers of s.
            var poly = new double[q];
            poly[0] = 1.0;
            int degree = 0;
            for (int l = 0; l < q; l++)
            {
                if (l == k) continue;
                double sl = logSigma[l] - u0, denominator = logSigma[k] - logSigma[l];
                for (int m = degree + 1; m >= 0; m--)
                {
                    double shifted = m > 0 ? poly[m - 1] : 0.0;
                    poly[m] = (shifted - sl * poly[m]) / denominator;
                }
                degree++;
            }
            double sum = 0.0;
            for (int m = 0; m < q; m++) sum += poly[m] * j[m];
            weights[k] = scale * sum;
        }
        return weights;
    }

    /// <summary>J_m(Δ) = ∫₀^Δ e^s s^m ds: Σ_{k≥0} Δ^{k+m+1}/(k!(k+m+1)) below |Δ| = 1, else J_m = Δ^m e^Δ − m·J_{m−1}, J_0 = e^Δ − 1.</summary>
    internal static double J(int m, double delta)
    {
        if (Math.Abs(delta) < 1.0)
        {
            double power = Math.Pow(delta, m + 1), sum = 0.0, factorial = 1.0;
            for (int k = 0; k < 40; k++)
            {
                sum += power / (factorial * (k + m + 1));
                power *= delta;
                factorial *= k + 1;
            }
            return sum;
        }
        double value = AccurateMath.ExpM1(delta);
        for (int l = 1; l <= m; l++) value = Math.Pow(delta, l) * Math.Exp(delta) - l * value;
        return value;
    }
}
