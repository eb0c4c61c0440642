using System.Numerics;
using Diffusion.Functional.Images;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// iPNDM (Zhang &amp; Chen 2023, "DEIS", §4 and Appendix, improved PNDM; k-diffusion's <c>sample_ipndm</c>): the
/// Adams–Bashforth formulas of constant step, orders 1 to 4, applied to dx̃/dσ = (x̃ − D)/σ with the actual step
/// h = σ_{i−1} − σ_i: x̃_{i−1} = x̃_i + h·(55d_i − 59d_{i+1} + 37d_{i+2} − 9d_{i+3})/24 once four slopes are known
/// (1, (3, −1)/2 and (23, −16, 5)/12 before). On a grid uniform in σ it is <see cref="LmsSampler"/>; on other grids its
/// coefficients ignore the changing step (docs/samplers.md). The step onto σ_0 = 0 is the denoising step x_0 = D_1.
/// </summary>
public sealed record IpndmSampler : ISampler
{
    private static readonly double[][] Coefficients =
    [
        [1.0],
        [3.0 / 2.0, -1.0 / 2.0],
        [23.0 / 12.0, -16.0 / 12.0, 5.0 / 12.0],
        [55.0 / 24.0, -59.0 / 24.0, 37.0 / 24.0, -9.0 / 24.0],
    ];

    /// <summary>One evaluation per step (Zhang &amp; Chen 2023, iPNDM: one new slope per step).</summary>
    public int EvaluationsPerStep => 1;

    /// <summary>Runs with any denoiser of the chain's schedule (Karras et al. 2022, eq. 4 needs only D = x̂_0).</summary>
    public void RequireCompatible<T>(IBatchDenoiser<T> denoiser) where T : unmanaged, IFloatingPointIeee754<T> => ArgumentNullException.ThrowIfNull(denoiser);

    /// <summary>The iPNDM chain (Zhang &amp; Chen 2023, Appendix; constant-step Adams–Bashforth) on the chain's σ grid, one denoiser call per step.</summary>
    public ImageBatch<T> Run<T>(SamplerRun<T> run) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(run);
        var chain = new SigmaChain<T>(run, "ipndm");
        int length = chain.Length;
        T[] x = chain.StartState(), denoised = new T[length], next = new T[length];
        var slopes = new List<T[]>(); // newest first
        var coefficients = new double[5];
        var terms = new T[5][];
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
                T[] slope = slopes.Count == 4 ? slopes[^1] : new T[length];
                if (slopes.Count == 4) slopes.RemoveAt(3);
                SigmaChain<T>.Slope(x, denoised, sigma, slope);
                slopes.Insert(0, slope);
                double h = sigmaNext - sigma;
                double[] weights = Coefficients[slopes.Count - 1];
                coefficients[0] = 1.0;
                terms[0] = x;
                for (int m = 0; m < weights.Length; m++)
                {
                    coefficients[m + 1] = h * weights[m];
                    terms[m + 1] = slopes[m];
                }
                SigmaChain<T>.Combine(coefficients.AsSpan(0, weights.Length + 1), terms.AsSpan(0, weights.Length + 1), next);
            }
            chain.Report(i, x, denoised, next);
            (x, next) = (next, x);
        }
        return chain.Batch(x);
    }
}
