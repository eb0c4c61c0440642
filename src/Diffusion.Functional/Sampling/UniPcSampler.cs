using System.Numerics;
using Diffusion.Functional.Images;
using Diffusion.Functional.Numerics;

namespace Diffusion.Functional.Sampling;

/// <summary>The choice of B(h) in UniPC's update (Zhao et al. 2023, §3.2 and Appendix: B₁(h) = h, B₂(h) = e^h − 1, here at −h).</summary>
public enum UniPcVariant
{
    /// <summary>B(h) = −h (Zhao et al. 2023, "bh1").</summary>
    Bh1,

    /// <summary>B(h) = e^{−h} − 1 (Zhao et al. 2023, "bh2"; diffusers' default).</summary>
    Bh2,
}

/// <summary>
/// UniPC in data prediction (Zhao et al. 2023, Algorithms 1–3, "UniPC-p with B(h)"; diffusers'
/// <c>UniPCMultistepScheduler</c> with <c>predict_x0</c>): the predictor UniP-q from σ_i is
/// x̃_{i−1} = e^{−h}·x̃_i + (1 − e^{−h})·D_i − B(h)·Σ_k ρ_k·(D_{i+k} − D_i)/r_k, r_k = (λ_{i+k} − λ_i)/h, with ρ solving
/// Σ_k ρ_k r_k^{a} = (a + 1)!·g_{a+1}(−h)/B(h) (a = 0..q − 2; ρ = ½ for q = 2), g_m(x) = (e^x − Σ_{j≤m} x^j/j!)/x^m; the
/// corrector UniC-q then re-does that step with the evaluation D at the predicted point as one more node (r = 1), which the
/// next predictor reuses, so NFE = N and the order rises by one. Orders warm up as min(p, steps so far), fall to i at the
/// last steps (lower_order_final), and the step onto σ_0 = 0 gives D_1 at the predicted x̃_1 (docs/samplers.md). An
/// observer sees the predicted states, where D is evaluated; the corrected ones are internal.
/// </summary>
/// <param name="SolverOrder">p ∈ 1..3, the predictor's highest order (diffusers' <c>solver_order</c>, 2 by default).</param>
/// <param name="Variant">B(h).</param>
/// <param name="Corrector">Whether UniC corrects each predicted state (true: UniPC, order p + 1; false: UniP alone, order p).</param>
public sealed record UniPcSampler(int SolverOrder = 2, UniPcVariant Variant = UniPcVariant.Bh2, bool Corrector = true) : ISampler
{
    /// <summary>p ∈ 1..3.</summary>
    public int SolverOrder { get; } = SolverOrder is >= 1 and <= 3
        ? SolverOrder
        : throw new ArgumentOutOfRangeException(nameof(SolverOrder), SolverOrder, $"SolverOrder = {SolverOrder} is outside 1..3 (UniPC's predictor order p).");

    /// <summary>B(h), bh1 or bh2.</summary>
    public UniPcVariant Variant { get; } = Enum.IsDefined(Variant)
        ? Variant
        : throw new ArgumentOutOfRangeException(nameof(Variant), Variant, $"Variant = {Variant} is not allowed; B(h) is Bh1 or Bh2.");

    /// <summary>One evaluation per step: the corrector reuses the next step's evaluation (Zhao et al. 2023, §3.1).</summary>
    public int EvaluationsPerStep => 1;

    /// <summary>UniPC runs with any denoiser of the chain's schedule (Zhao et al. 2023, Algorithm 3 needs only D = x̂_0).</summary>
    public void RequireCompatible<T>(IBatchDenoiser<T> denoiser) where T : unmanaged, IFloatingPointIeee754<T> => ArgumentNullException.ThrowIfNull(denoiser);

    /// <summary>The UniPC chain (Zhao et al. 2023, Algorithm 3) on the chain's σ grid, one denoiser call per step.</summary>
    public ImageBatch<T> Run<T>(SamplerRun<T> run) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(run);
        var chain = new SigmaChain<T>(run, "unipc");
        int length = chain.Length, p = SolverOrder;
        T[] x = chain.StartState(), state = new T[length], last = new T[length], next = new T[length];
        // held[k] = D at level i + k once step i's evaluation is pushed; one spare for the corrector's extra node.
        var held = new T[p + 1][];
        for (int k = 0; k <= p; k++) held[k] = new T[length];
        var terms = new T[p + 2][];
        int done = 0, lastOrder = 0;
        for (int i = chain.Count; i >= 1; i--)
        {
            T[] evaluation = held[p]; // the oldest, no longer needed
            chain.Denoise(x, i, evaluation);
            T[] from = x; // the state the predictor starts from: x itself, or its correction
            if (Corrector && done > 0 && i > 1)
            {
                // UniC-q on the step σ_{i+1} → σ_i just predicted, with nodes D_{i+1}, …, D_{i+q} and the new D_i.
                int q = lastOrder;
                double h = chain.Lambda(i) - chain.Lambda(i + 1);
                var r = new double[q - 1];
                for (int k = 1; k < q; k++) r[k - 1] = (chain.Lambda(i + 1 + k) - chain.Lambda(i + 1)) / h;
                double[] w = CorrectorWeights(h, r, Variant);
                var c = new double[q + 2];
                c[0] = chain.Sigma(i) / chain.Sigma(i + 1);
                terms[0] = last;
                for (int k = 0; k < q; k++) { c[k + 1] = w[k]; terms[k + 1] = held[k]; }
                c[q + 1] = w[q];
                terms[q + 1] = evaluation;
                SigmaChain<T>.Combine(c, terms.AsSpan(0, q + 2), state);
                from = state;
            }
            for (int k = p; k > 0; k--) held[k] = held[k - 1];
            held[0] = evaluation;
            double sigma = chain.Sigma(i), sigmaNext = chain.Sigma(i - 1);
            int order = Math.Min(Math.Min(p, i), done + 1);
            if (sigmaNext == 0.0)
            {
                evaluation.CopyTo(next, 0);
            }
            else
            {
                double h = chain.Lambda(i - 1) - chain.Lambda(i);
                var r = new double[order - 1];
                for (int k = 1; k < order; k++) r[k - 1] = (chain.Lambda(i + k) - chain.Lambda(i)) / h;
                double[] w = PredictorWeights(h, r, Variant);
                var c = new double[order + 1];
                c[0] = sigmaNext / sigma;
                terms[0] = from;
                for (int k = 0; k < order; k++) { c[k + 1] = w[k]; terms[k + 1] = held[k]; }
                SigmaChain<T>.Combine(c, terms.AsSpan(0, order + 1), next);
            }
            // The observer sees the predicted state, where D was evaluated, so that its x̂_0 and ε̂ belong to its x_t.
            chain.Report(i, x, evaluation, next);
            if (from == state) (last, state, x, next) = (state, last, next, x);
            else (last, x, next) = (x, next, last);
            lastOrder = order;
            done++;
        }
        return chain.Batch(x);
    }

    /// <summary>
    /// The predictor's weights on D_i, D_{i+1}, …, D_{i+q−1} (q = r.Length + 1) for the step of length h in λ: the
    /// expansion of (1 − e^{−h})·D_i − B(h)·Σ_k ρ_k(D_{i+k} − D_i)/r_k (Zhao et al. 2023, Algorithm 2, UniP).
    /// </summary>
    internal static double[] PredictorWeights(double h, IReadOnlyList<double> r, UniPcVariant variant)
    {
        int q = r.Count + 1;
        double b = B(h, variant);
        double[] rho = q == 1 ? [] : q == 2 ? [0.5] : Solve(Powers(r, q - 1, withOne: false), RightSide(h, b, q - 1));
        return Expand(h, b, r, rho, null);
    }

    /// <summary>
    /// The corrector's weights on D_s, D_{s+1}, …, D_{s+q−1} and on the new evaluation D_t (q = r.Length + 1; last entry):
    /// (1 − e^{−h})·D_s − B(h)·(Σ_k ρ_k(D_{s+k} − D_s)/r_k + ρ_q(D_t − D_s)) (Zhao et al. 2023, Algorithm 1, UniC).
    /// </summary>
    internal static double[] CorrectorWeights(double h, IReadOnlyList<double> r, UniPcVariant variant)
    {
        int q = r.Count + 1;
        double b = B(h, variant);
        double[] rho = q == 1 ? [0.5] : Solve(Powers(r, q, withOne: true), RightSide(h, b, q));
        return Expand(h, b, r, rho[..(q - 1)], rho[q - 1]);
    }

    private static double[] Expand(double h, double b, IReadOnlyList<double> r, double[] rho, double? rhoNew)
    {
        int q = r.Count + 1;
        var w = new double[rhoNew is null ? q : q + 1];
        w[0] = -AccurateMath.ExpM1(-h); // 1 − e^{−h}
        for (int k = 1; k < q; k++)
        {
            double term = b * rho[k - 1] / r[k - 1];
            w[0] += term;
            w[k] = -term;
        }
        if (rhoNew is { } last)
        {
            w[0] += b * last;
            w[q] = -b * last;
        }
        return w;
    }

    /// <summary>B(h) at −h: −h (bh1) or e^{−h} − 1 (bh2).</summary>
    private static double B(double h, UniPcVariant variant) => variant == UniPcVariant.Bh1 ? -h : AccurateMath.ExpM1(-h);

    /// <summary>((a + 1)!·g_{a+1}(−h)/B)_{a = 0..n−1}, diffusers' b (Zhao et al. 2023, Algorithm 1).</summary>
    private static double[] RightSide(double h, double b, int n)
    {
        var right = new double[n];
        double factorial = 1.0;
        for (int a = 0; a < n; a++)
        {
            right[a] = factorial * G(a + 1, -h) / b; // (a + 1)!·g_{a+1}
            factorial *= a + 2;
        }
        return right;
    }

    /// <summary>g_m(x) = (e^x − Σ_{j≤m} x^j/j!)/x^m = Σ_{j>m} x^{j−m}/j! (Zhao et al. 2023, the φ-functions of Algorithm 1).</summary>
    internal static double G(int m, double x)
    {
        double factorial = 1.0;
        for (int j = 2; j <= m + 1; j++) factorial *= j;
        if (Math.Abs(x) < 1.0)
        {
            double term = x / factorial, sum = term; // term = x^{j−m}/j!, j = m + 1
            for (int j = m + 2; j <= m + 40; j++)
            {
                term *= x / j;
                sum += term;
            }
            return sum;
        }
        double partial = 0.0, power = 1.0, fact = 1.0;
        for (int j = 0; j <= m; j++)
        {
            partial += power / fact;
            power *= x;
            fact *= j + 1;
        }
        return (Math.Exp(x) - partial) / Math.Pow(x, m);
    }

    private static double[,] Powers(IReadOnlyList<double> r, int n, bool withOne)
    {
        var matrix = new double[n, n];
        for (int a = 0; a < n; a++)
        {
            for (int k = 0; k < n; k++)
            {
                double node = withOne && k == n - 1 ? 1.0 : r[k];
                matrix[a, k] = Math.Pow(node, a);
            }
        }
        return matrix;
    }

    /// <summary>Gaussian elimination with partial pivoting for the n ≤ 3 systems of UniPC's ρ.</summary>
    private static double[] Solve(double[,] a, double[] b)
    {
        int n = b.Length;
        a = (double[,])a.Clone();
        b = (double[])b.Clone();
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int row = col + 1; row < n; row++) if (Math.Abs(a[row, col]) > Math.Abs(a[pivot, col])) pivot = row;
            for (int k = 0; k < n; k++) (a[col, k], a[pivot, k]) = (a[pivot, k], a[col, k]);
            (b[col], b[pivot]) = (b[pivot], b[col]);
            for (int row = col + 1; row < n; row++)
            {
                double f = a[row, col] / a[col, col];
                for (int k = col; k < n; k++) a[row, k] -= f * a[col, k];
                b[row] -= f * b[col];
            }
        }
        var x = new double[n];
        for (int row = n - 1; row >= 0; row--)
        {
            double sum = b[row];
            for (int k = row + 1; k < n; k++) sum -= a[row, k] * x[k];
            x[row] = sum / a[row, row];
        }
        return x;
    }
}
