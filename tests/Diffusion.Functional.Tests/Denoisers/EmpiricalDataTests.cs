using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MathNet.Numerics.Distributions;

namespace Diffusion.Functional.Tests.Denoisers;

/// <summary>The empirical data set's optimal denoiser: Bayes' posterior over training images, stable, and one-hot at small t.</summary>
public class EmpiricalDataTests
{
    /// <summary>A small training set (2..12 images of 1..6 × 1..6 pixels in [−1, 1]).</summary>
    private static readonly Gen<ImageBatch<double>> TrainingSets =
        from w in Gen.Choose(1, 6)
        from h in Gen.Choose(1, 6)
        from count in Gen.Choose(2, 12)
        from pixels in Gen.ArrayOf(Generators.Uniform(-1, 1), w * h * count)
        select ImageBatch<double>.FromImages(Enumerable.Range(0, count).Select(m => Image.FromPixels(w, h, pixels.AsSpan(m * w * h, w * h))).ToArray());

    [Property(MaxTest = 150)]
    public Property Weights_AreBayesRule_OverTheTrainingImages() => Prop.ForAll(
        TrainingSets.ToArbitrary(), Generators.ScheduleAndStep.ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), (images, pair, seed) =>
        {
            // q(x_0 = x^(m) | x_t) ∝ ∏_p N(x_t[p]; √ᾱ·x^(m)[p], 1 − ᾱ), from MathNet's densities and a log-sum-exp here.
            var (schedule, t) = pair;
            var data = new EmpiricalData(images);
            Image xt = ForwardProcessOf(images[seed % images.Count], schedule, t, seed);
            double[] weights = data.PosteriorWeights(schedule, xt, t);
            double a = schedule.SqrtAlphaBar(t), s = schedule.SqrtOneMinusAlphaBar(t);
            double[] logs = images.Images().Select(x => x.ToArray().Select((p, k) => Normal.PDFLn(a * p, s, xt.Pixels[k])).Sum()).ToArray();
            double top = logs.Max(), total = logs.Sum(l => Math.Exp(l - top));
            Approx.Absolute(1.0, weights.Sum(), 1e-14, "Σ w");
            for (int m = 0; m < weights.Length; m++)
                Approx.Absolute(Math.Exp(logs[m] - top) / total, weights[m], 1e-12, $"{schedule}, t = {t}: w_{m}");
        });

    [Property(MaxTest = 150)]
    public Property PosteriorMean_AtTheFirstStep_IsTheNearestTrainingImage() => Prop.ForAll(
        TrainingSets.ToArbitrary(), Generators.LogUniform(1e-6, 1e-3).ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), (images, beta1, seed) =>
        {
            // At t = 1 (1 − ᾱ_1 = β_1 ≤ 1e-3) the posterior concentrates on the image nearest to x_t (in ‖x_t − √ᾱ·x‖):
            // every other weight is at most e^(−g) with g the logit gap, so x̂_0 is within (M − 1)·e^(−g)·2 of it (pixels
            // differ by at most 2); beyond g ≈ 745, e^(−g) underflows and x̂_0 is the image itself, bit for bit.
            NoiseSchedule schedule = NoiseSchedule.Linear(10, beta1, 0.02);
            var data = new EmpiricalData(images);
            Image xt = ForwardProcessOf(images[seed % images.Count], schedule, 1, seed);
            double a = schedule.SqrtAlphaBar(1), twoS2 = 2 * schedule.OneMinusAlphaBar(1);
            double[] distances = images.Images().Select(x => x.ToArray().Select((p, k) => (xt.Pixels[k] - a * p) * (xt.Pixels[k] - a * p)).Sum()).ToArray();
            int nearest = Array.IndexOf(distances, distances.Min());
            double gap = distances.Where((_, m) => m != nearest).Min() / twoS2 - distances[nearest] / twoS2;
            Image x0 = data.PosteriorMean(schedule, xt, 1);
            double error = x0.MaxAbsDifference(images[nearest]);
            Assert.True(error <= (images.Count - 1) * Math.Exp(-gap) * 2 + 1e-15, $"x̂_0 is {error:E2} from the nearest image (logit gap {gap:F1})");
            if (gap > 750) Assert.Equal(images[nearest], x0);
        });

    [Property(MaxTest = 100)]
    public Property PosteriorMean_AtPureNoise_IsTheMeanImage() => Prop.ForAll(TrainingSets.ToArbitrary(), images =>
    {
        // ᾱ_T = 0 (zero terminal SNR): x_T says nothing, every weight is 1/M.
        NoiseSchedule schedule = ZeroTerminalSnr.Rescale(NoiseSchedule.Linear(20, 1e-4, 0.02));
        var data = new EmpiricalData(images);
        Image x0 = data.PosteriorMean(schedule, Image.Filled(images.Width, images.Height, 0.7), 20);
        for (int p = 0; p < x0.PixelCount; p++)
            Approx.Absolute(images.Images().Average(x => x.Pixels[p]), x0.Pixels[p], 1e-15, $"pixel {p}");
    });

    [Fact]
    public void Weights_StayFinite_FarFromTheData()
    {
        // Logits of −1e12: without subtracting the largest, every exp underflows to 0 and the weights are 0/0.
        var data = new EmpiricalData(ImageBatch<double>.FromImages([Image.Filled(2, 2, -1.0), Image.Filled(2, 2, 1.0)]));
        NoiseSchedule schedule = NoiseSchedule.Linear(10, 1e-6, 0.02);
        double[] weights = data.PosteriorWeights(schedule, Image.Filled(2, 2, 3000.0), 1);
        Assert.Equal(new[] { 0.0, 1.0 }, weights);
    }

    [Fact]
    public void Generation_FromPureNoise_ReproducesTrainingImages()
    {
        // The optimal denoiser of an empirical distribution memorises it: DDPM and DDIM end on a training image
        // (the last step outputs x̂_0 at τ_1, which is one-hot there).
        NoiseSchedule schedule = NoiseSchedule.Linear(200, 1e-4, 0.02);
        ImageBatch<double> images = ImageBatch<double>.FromImages(Enumerable.Range(0, 5).Select(m => NoiseImage.StandardNormal(NoiseKey.FromSeed((ulong)m), 4, 4)).ToArray());
        var data = new EmpiricalData(images);
        foreach (ISampler settings in new ISampler[] { new DdpmSampler(DdpmVariance.FixedSmall), new DdimSampler(0.0) })
        {
            ImageBatch<double> generated = ReverseSampler.GenerateMany(RespacedSchedule.Uniform(schedule, 25), data.Denoiser(schedule, PredictionTarget.Epsilon), settings, 4, 4, 6, NoiseKey.FromSeed(8));
            foreach (Image sample in generated.Images())
                Assert.Contains(images.Images(), x => x.MaxAbsDifference(sample) <= 1e-9);
        }
    }

    [Property(MaxTest = 150)]
    public Property NearestIndex_IsTheFirstTrainingImageAtTheSmallestDistance() => Prop.ForAll(
        TrainingSets.ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), Generators.Uniform(0, 0.5).ToArbitrary(), (distinct, seed, noise) =>
        {
            // A training image moved by noise of scale 0..0.5, against the distances computed here; each training image
            // is its own nearest, unless an earlier one equals it (the set ends with a copy of its first image).
            ImageBatch<double> images = ImageBatch<double>.FromImages([.. distinct.Images(), distinct[0]]);
            var data = new EmpiricalData(images);
            Image probe = Image.Combine(1.0, images[seed % images.Count], noise, NoiseImage.StandardNormal(NoiseKey.FromSeed((ulong)seed), images.Width, images.Height));
            double[] distances = images.Images().Select(x => x.ToArray().Select((p, k) => (probe.Pixels[k] - p) * (probe.Pixels[k] - p)).Sum()).ToArray();
            double smallest = distances.Min();
            int nearest = data.NearestIndex(probe);
            Assert.True(distances[nearest] <= smallest * (1 + 1e-12), $"image {nearest} is at {distances[nearest]:R}, the nearest at {smallest:R}");
            Assert.True(distances.Take(nearest).All(d => d > smallest * (1 + 1e-12)), $"an image before {nearest} is as near");
            for (int m = 0; m < images.Count; m++)
                Assert.Equal(Enumerable.Range(0, m + 1).First(j => images[j] == images[m]), data.NearestIndex(images[m]));
        });

    [Fact]
    public void PosteriorWeights_Rejects_AnotherShape()
    {
        var data = new EmpiricalData(ImageBatch<double>.FromImages([Image.Filled(2, 2, 0.0)]));
        var error = Assert.Throws<ArgumentException>(() => data.PosteriorWeights(NoiseSchedule.Linear(10, 1e-4, 0.02), Image.Filled(3, 2, 0.0), 3));
        Assert.Contains("3×2", error.Message);
    }

    [Fact]
    public void NearestIndex_Rejects_AnotherShape()
    {
        var data = new EmpiricalData(ImageBatch<double>.FromImages([Image.Filled(2, 2, 0.0)]));
        Assert.Contains("image is 3×2", Assert.Throws<ArgumentException>(() => data.NearestIndex(Image.Filled(3, 2, 0.0))).Message);
    }

    private static Image ForwardProcessOf(Image x0, NoiseSchedule schedule, int t, int seed) =>
        Functional.Processes.ForwardProcess.Sample(schedule, x0, t, NoiseKey.FromSeed((ulong)seed));
}
