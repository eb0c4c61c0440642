using System.Numerics;
using Diffusion.Functional.Images;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// The linear multistep (Adams–Bashforth) method of order 4 for dx̃/dσ = d(x̃; σ) = (x̃ − D(x̃; σ))/σ in σ (Karras et
/// al. 2022, eq. 4; Hairer, Nørsett &amp; Wanner 1993, §III.1, variable steps; k-diffusion's <c>sample_lms</c>):
/// x̃_{i−1} = x̃_i + Σ_j c_j·d_{i+j} with c_j = ∫_{σ_i}^{σ_{i−1}} ℓ_j(σ) dσ the exact integral of the Lagrange basis
/// through the last q = min(4, steps so far) nodes σ_i, σ_{i+1}, …. The step onto σ_0 = 0 is the denoising step x_0 = D_1
/// (docs/samplers.md).
/// </summary>
/// <param name="Order">q_max, range 1..4 (4 by default).</param>
public sealed record LmsSampler(int Order = 4) : ISampler
{
    /// <summary>q_max ∈ 1..4.</summary>
    public int Order { get; } = Order is >= 1 and <= 4
        ? Order
        : throw new ArgumentOutOfRangeException(nameof(Order), Order, $"Order = {Order} is outside 1..4: LMS uses up to the last four slopes.");

    /// <summary>One evaluation per step (Hairer, Nørsett &amp; Wanner 1993, §III.1: one new slope per step).</summary>
    public int EvaluationsPerStep => 1;

    /// <summary>LMS runs with any denoiser of the chain's schedule (Karras et al. 2022, eq. 4 needs only D = x̂_0).</summary>
    public void RequireCompatible<T>(IBatchDenoiser<T> denoiser) where T : unmanaged, IFloatingPointIeee754<T> => ArgumentNullException.ThrowIfNull(denoiser);

    /// <summary>The Adams–Bashforth chain in σ (Hairer, Nørsett &amp; Wanner 1993, §III.1) on the chain's σ grid, one denoiser call per step.</summary>
    public ImageBatch<T> Run<T>(SamplerRun<T> run) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(run);
        var chain = new SigmaChain<T>(run, "lms");
        int length = chain.Length;
        T[] x = chain.StartState(), denoised = new T[length], next = new T[length];
        var slopes = new List<T[]>(); // d_i, d_{i+1}, … newest first
        var coefficients = new double[Order + 1];
        var terms = new T[Order + 1][];
        for (int i = chain.Count; i >= 1; i--)
        {
            chain.Denoise(x, i, denoised);
            double sigma = chain.Sigma(i), sigmaNext = chain.Sigma(i - 1);
            if (sigmaNext == 0.0)
            {
                denoised.CopyTo(next, 0);
            }
            else
            {
                T[] slope = slopes.Count == Order ? slopes[^1] : new T[length];
                if (slopes.Count == Order) slopes.RemoveAt(slopes.Count - 1);
                SigmaChain<T>.Slope(x, denoised, sigma, slope);
                slopes.Insert(0, slope);
                int q = slopes.Count;
                var nodes = new double[q];
                for (int m = 0; m < q; m++) nodes[m] = chain.Sigma(i + m);
                coefficients[0] = 1.0;
                terms[0] = x;
                for (int m = 0; m < q; m++)
                {
                    coefficients[m + 1] = Coefficient(nodes, m, sigmaNext);
                    terms[m + 1] = slopes[m];
                }
                SigmaChain<T>.Combine(coefficients.AsSpan(0, q + 1), terms.AsSpan(0, q + 1), next);
            }
            chain.Report(i, x, denoised, next);
            (x, next) = (next, x);
        }
        return chain.Batch(x);
    }

    /// <summary>
    /// ∫_{nodes[0]}^{to} ℓ_j(σ) dσ for the Lagrange basis polynomial ℓ_j of the nodes, exactly: in u = (σ − nodes[0])/Δ,
    /// Δ = to − nodes[0], the nodes become u_m of order one, ℓ_j's monomial coefficients are multiplied out and
    /// integrated over [0, 1] (Hairer, Nørsett &amp; Wanner 1993, §III.1, eq. 1.5 with variable steps).
    /// </summary>
    internal static double Coefficient(ReadOnlySpan<double> nodes, int j, double to)
    {
        double delta = to - nodes[0];
        Span<double> polynomial = stackalloc double[nodes.Length];
        polynomial.Clear();
        polynomial[0] = 1.0;
        int degree = 0;
        double uj = (nodes[j] - nodes[0]) / delta;
        for (int m = 0; m < nodes.Length; m++)
        {
            if (m == j) continue;
            double um = (nodes[m] - nodes[0]) / delta, scale = 1.0 / (uj - um);
            // polynomial ← polynomial·(u − u_m)/(u_j − u_m)
            for (int k = degree + 1; k >= 0; k--)
            {
                double shifted = k > 0 ? polynomial[k - 1] : 0.0;
                double kept = k <= degree ? polynomial[k] : 0.0;
                polynomial[k] = (shifted - um * kept) * scale;
            }
            degree++;
        }
        double integral = 0.0;
        for (int k = 0; k <= degree; k++) integral += polynomial[k] / (k + 1);
        return delta * integral;
    }
}
