using Diffusion.Cli.Infrastructure;
using Diffusion.Functional.Data.Mnist;
using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Plots.Tests.Support;

/// <summary>
/// The data the figures are drawn from in the docs: the shipped sample, prepared exactly as <c>diffusion plots</c> does,
/// except that the network figures sample an exact, deterministic stand-in for the UNet (<see cref="GaussianClasses"/>),
/// so that their snapshots test the layout and not the network's last bits.
/// </summary>
public static class FigureInputs
{
    private static readonly Lazy<FigureData> Sample = new(() =>
    {
        MnistDigits digits = MnistSample.Load();
        return DigitSource.FigureData(digits).WithNetwork(GaussianClasses(digits), "exact Gaussian classes");
    });

    /// <summary>The figure data of the shipped sample, with <see cref="GaussianClasses"/> as its network.</summary>
    public static FigureData FromShippedSample => Sample.Value;

    /// <summary>Figure <paramref name="id"/> drawn from the shipped sample with the key of <paramref name="seed"/>.</summary>
    public static byte[] Render(FigureId id, ulong seed = FigureCatalogue.DefaultSeed) =>
        FigureCatalogue.Get(id).RenderPng(FromShippedSample, FigureCatalogue.KeyFor(id, seed));

    /// <summary>
    /// The exact ε-denoiser of DDPM's schedule for x_0 ~ N(μ_y, diag(v_y)) with class y's pixel means and variances in the
    /// sample (and all digits for the null label 10): element-wise arithmetic, so the same bits on every CPU.
    /// </summary>
    public static IConditionalBatchDenoiser<float> GaussianClasses(MnistDigits digits)
    {
        DiagonalGaussianData Fit(Func<int, bool> take)
        {
            int n = digits.Width * digits.Height;
            var sum = new double[n];
            var squares = new double[n];
            int count = 0;
            for (int i = 0; i < digits.Count; i++)
            {
                if (!take(digits.Label(i))) continue;
                double[] pixels = digits.Image(i).ToArray();
                for (int j = 0; j < n; j++) { sum[j] += pixels[j]; squares[j] += pixels[j] * pixels[j]; }
                count++;
            }
            var mean = sum.Select(s => s / count).ToArray();
            var variance = squares.Select((s, j) => Math.Max(0, s / count - mean[j] * mean[j])).ToArray();
            return new DiagonalGaussianData(1, digits.Height, digits.Width, mean, variance);
        }

        var classes = Enumerable.Range(0, 10).Select(y => (IBatchDenoiser<float>)Fit(label => label == y).Denoiser<float>(CanonicalSchedules.Ddpm, PredictionTarget.Epsilon)).ToArray();
        return ConditionalBatchDenoiser.FromClasses(classes, Fit(_ => true).Denoiser<float>(CanonicalSchedules.Ddpm, PredictionTarget.Epsilon));
    }
}
