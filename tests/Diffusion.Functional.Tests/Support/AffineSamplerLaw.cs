using Diffusion.Functional.Images;
using Diffusion.Functional.Sampling;

namespace Diffusion.Functional.Tests.Support;

/// <summary>
/// The exact law of a sampler's output when every step is affine in x_t and in its noise — true for the Gaussian-data
/// denoiser without x̂_0 processing, which acts on each pixel alone. Then x_0 = B + A·x_{τ_N} + Σ_k c_k·z_k, and one run
/// on a 1 × (N + 2) image recovers every coefficient: pixel 0 starts at 0 with no noise (gives B), pixel 1 starts at 1
/// (gives A + B), pixel k + 2 gets z = 1 at the k-th noisy step only (gives c_k + B). With x_{τ_N} ~ N(m, v) the output is
/// N(B + A·m, A²·v + Σ c_k²) exactly, up to rounding.
/// </summary>
public static class AffineSamplerLaw
{
    public static (double Mean, double Variance) Of(RespacedSchedule plan, Func<int, Denoiser> denoiserForWidth, ISampler settings, double startMean, double startVariance)
    {
        int width = plan.Count + 2;
        var start = new double[width];
        start[1] = 1.0;
        int[] steps = plan.Steps().Select(s => s.Timestep).ToArray();
        Image noiseFor(int t)
        {
            var z = new double[width];
            z[2 + Array.IndexOf(steps, t)] = 1.0;
            return Image.FromPixels(width, 1, z);
        }
        Image output = ReverseSampler.Run(plan, denoiserForWidth(width), settings, Image.FromPixels(width, 1, start), noiseFor).Last().X;
        double b = output.Pixels[0], a = output.Pixels[1] - b;
        double noiseVariance = 0.0;
        for (int k = 2; k < width; k++) noiseVariance += (output.Pixels[k] - b) * (output.Pixels[k] - b);
        return (b + a * startMean, a * a * startVariance + noiseVariance);
    }
}
