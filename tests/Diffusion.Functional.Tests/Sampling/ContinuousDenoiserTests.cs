using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Sampling;

/// <summary>
/// The continuous-noise-level contract: D(x̃; σ) agrees with the grid's denoiser at every grid level, is the exact
/// posterior mean between them, and k-diffusion's σ → fractional timestep map is exact on the grid, inverted by its
/// t → σ map, and refuses what it cannot evaluate.
/// </summary>
public class ContinuousDenoiserTests
{
    private static readonly DiagonalGaussianData Data = SamplerEdgeCaseTests.Data;

    private static double[] Values(int count, double phase) => Enumerable.Range(0, count).Select(k => 1.4 * Math.Sin(0.9 * k + phase)).ToArray();

    [Property(MaxTest = 40)]
    public Property DiagonalGaussian_DenoiseAtSigma_IsTheGridDenoiser_AtASchedulesLevel() => Prop.ForAll(
        Gen.Choose(1, 4000).ToArbitrary(), Gen.Choose(0, 100).ToArbitrary(), (milli, phase) =>
        {
            // A schedule whose only level is σ: the grid denoiser there (VP Bayes rule at ᾱ = 1/(1 + σ²)) and D(x̃; σ) at
            // x̃ = x_t/√ᾱ are the same posterior mean, computed two ways.
            double sigma = milli / 100.0;
            NoiseSchedule one = SigmaSpace.ScheduleOfSigmas([sigma]);
            var denoiser = Data.Denoiser<double>(one, PredictionTarget.X0);
            double[] xt = Values(12, phase);
            var grid = new double[12];
            denoiser.Predict(ImageBatch<double>.FromValues(1, 3, 2, 2, xt), [1], grid, []);
            var atSigma = new double[12];
            denoiser.Denoise(ImageBatch<double>.FromValues(1, 3, 2, 2, xt.Select(v => v / one.SqrtAlphaBar(1)).ToArray()), [sigma], atSigma);
            for (int j = 0; j < 12; j++)
            {
                Assert.True(Math.Abs(grid[j] - atSigma[j]) <= 1e-12 * Math.Max(1.0, Math.Abs(grid[j])), $"σ = {sigma}, value {j}: grid {grid[j]:R}, D(x̃; σ) {atSigma[j]:R}");
                var (k, o) = Data.DenoisedAt(sigma, j);
                double mu = Data.Mean[j], v = Data.Variance[j];
                Assert.Equal(mu + v / (v + sigma * sigma) * (xt[j] / one.SqrtAlphaBar(1) - mu), k * (xt[j] / one.SqrtAlphaBar(1)) + o, 1e-12);
            }
        });

    [Fact]
    public void Empirical_DenoiseAtSigma_IsItsPosteriorMean_OnTheGrid_AndOneHotAtSmallSigma()
    {
        var images = ImageBatch<double>.FromValues(3, 1, 2, 2, [0.5, -0.5, 1.0, 0.0, -1.0, 0.2, 0.3, 0.9, 0.0, 0.0, -0.7, 0.4]);
        var data = new EmpiricalData(images);
        NoiseSchedule schedule = CanonicalSchedules.Ddpm;
        var denoiser = data.ContinuousDenoiser<double>(schedule);
        foreach (int t in new[] { 1, 50, 400, 1000 })
        {
            Image xt = Image.Own(2, 2, [0.3, -0.2, 0.8, 0.1]);
            double a = schedule.SqrtAlphaBar(t);
            Image xTilde = Image.Own(2, 2, xt.Pixels.ToArray().Select(v => v / a).ToArray());
            double[] weights = data.PosteriorWeights(schedule, xt, t), atSigma = data.PosteriorWeightsAt(xTilde, SigmaSpace.Sigma(schedule, t));
            for (int m = 0; m < 3; m++) Assert.True(Math.Abs(weights[m] - atSigma[m]) <= 1e-12, $"t = {t}, m = {m}: {weights[m]:R} against {atSigma[m]:R}");
            var grid = new double[4];
            denoiser.Predict(ImageBatch<double>.FromValues(1, 1, 2, 2, xt.Pixels.ToArray()), [t], grid, []);
            Assert.Equal(data.PosteriorMean(schedule, xt, t).Pixels.ToArray(), grid, new Tolerance(1e-12));
        }
        // at σ → 0 the posterior is the training image nearest to x̃
        var near = new double[4];
        denoiser.Denoise(ImageBatch<double>.FromValues(1, 1, 2, 2, [-0.9, 0.25, 0.3, 0.8]), [1e-3], near);
        Assert.Equal(images.ImageValues(1).ToArray(), near);
    }

    [Fact]
    public void FractionalTimestep_IsExactOnTheGrid_InvertedBySigmaAt_AndLinearInLogSigmaBetween()
    {
        NoiseSchedule schedule = CanonicalSchedules.Ddpm;
        foreach (int t in new[] { 1, 2, 17, 500, 999, 1000 })
        {
            Assert.Equal(t, ContinuousDenoiser.FractionalTimestep(schedule, SigmaSpace.Sigma(schedule, t)));
            Assert.Equal(SigmaSpace.Sigma(schedule, t), ContinuousDenoiser.SigmaAt(schedule, t), 1e-15 * SigmaSpace.Sigma(schedule, t));
        }
        double lo = SigmaSpace.Sigma(schedule, 300), hi = SigmaSpace.Sigma(schedule, 301);
        double geometric = Math.Sqrt(lo * hi); // halfway in log σ
        Assert.Equal(300.5, ContinuousDenoiser.FractionalTimestep(schedule, geometric), 1e-9);
        foreach (double t in new[] { 1.25, 7.5, 333.3, 999.99 })
            Assert.Equal(t, ContinuousDenoiser.FractionalTimestep(schedule, ContinuousDenoiser.SigmaAt(schedule, t)), 1e-9);
        var below = Assert.Throws<ArgumentOutOfRangeException>(() => ContinuousDenoiser.FractionalTimestep(schedule, SigmaSpace.Sigma(schedule, 1) * 0.99));
        Assert.Contains("outside the training grid", below.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ContinuousDenoiser.FractionalTimestep(schedule, SigmaSpace.Sigma(schedule, 1000) * 1.01));
        Assert.Throws<ArgumentOutOfRangeException>(() => ContinuousDenoiser.FractionalTimestep(schedule, double.NaN));
        var zero = Assert.Throws<ArgumentOutOfRangeException>(() => ContinuousDenoiser.FractionalTimestep(ZeroTerminalSnr.Rescale(schedule), 1e6));
        Assert.Contains("zero terminal SNR", zero.Message);
    }

    [Theory]
    [InlineData(PredictionTarget.Epsilon)]
    [InlineData(PredictionTarget.X0)]
    [InlineData(PredictionTarget.V)]
    public void ANetworkAtFractionalTimesteps_SeesItsZeroBasedTimestepAndCIn_AndIsConvertedExactly(PredictionTarget target)
    {
        // A "network" that knows x_0 and predicts target exactly at the noise level of its (fractional) timestep; D must
        // give x_0 back at any σ, and on the grid it must see the integer t − 1 and x_t = x̃/√(1 + σ²).
        NoiseSchedule schedule = CanonicalSchedules.Ddpm;
        double[] x0 = Values(12, 0.4);
        var seen = new List<double>();
        var network = ContinuousDenoiser.FromFractionalNetwork<double>(schedule, target, (xt, t, prediction) =>
        {
            seen.AddRange(t.ToArray());
            for (int k = 0; k < xt.Count; k++)
            {
                double sigma = ContinuousDenoiser.SigmaAt(schedule, t[k] + 1.0), a = 1.0 / Math.Sqrt(1.0 + sigma * sigma), s = sigma * a;
                ReadOnlySpan<double> x = xt.ImageValues(k);
                for (int j = 0; j < 12; j++)
                {
                    double epsilon = (x[j] - a * x0[j]) / s;
                    prediction[k * 12 + j] = target switch { PredictionTarget.Epsilon => epsilon, PredictionTarget.X0 => x0[j], _ => a * epsilon - s * x0[j] };
                }
            }
        });
        foreach (double sigma in new[] { SigmaSpace.Sigma(schedule, 40), 0.37, 3.3, SigmaSpace.Sigma(schedule, 1000) })
        {
            double[] xTilde = x0.Select((v, j) => v + sigma * Math.Cos(j)).ToArray();
            var denoised = new double[12];
            network.Denoise(ImageBatch<double>.FromValues(1, 3, 2, 2, xTilde), [sigma], denoised);
            for (int j = 0; j < 12; j++) Assert.True(Math.Abs(denoised[j] - x0[j]) <= 1e-9 * Math.Max(1.0, sigma), $"{target}, σ = {sigma}, value {j}: {denoised[j]:R} against {x0[j]:R}");
        }
        Assert.Equal(39.0, seen[0]);
        Assert.Equal(999.0, seen[^1]);
        seen.Clear();
        network.Predict(ImageBatch<double>.FromValues(2, 3, 2, 2, Values(24, 1.0)), [1, 1000], new double[24], []);
        Assert.Equal([0.0, 999.0], seen);
    }

    [Fact]
    public void TheContract_RefusesSigmaZeroInfiniteOrNaN_AndAWrongCount()
    {
        var denoiser = Data.Denoiser<double>(CanonicalSchedules.Ddpm, PredictionTarget.X0);
        var batch = ImageBatch<double>.FromValues(1, 3, 2, 2, Values(12, 0.0));
        foreach (double sigma in new[] { 0.0, -1.0, double.PositiveInfinity, double.NaN })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => denoiser.Denoise(batch, [sigma], new double[12]));
            Assert.Contains("finite σ > 0", error.Message);
        }
        Assert.Throws<ArgumentException>(() => denoiser.Denoise(batch, [1.0, 2.0], new double[12]));
        var created = ContinuousDenoiser.Create<double>(CanonicalSchedules.Ddpm, (x, s, d) => x.Values.CopyTo(d));
        Assert.Throws<ArgumentOutOfRangeException>(() => created.Denoise(batch, [double.PositiveInfinity], new double[12]));
        Assert.Equal(PredictionTarget.X0, created.Target);
    }

    private sealed class Tolerance(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance * Math.Max(1.0, Math.Abs(x));

        public int GetHashCode(double obj) => 0;
    }
}
