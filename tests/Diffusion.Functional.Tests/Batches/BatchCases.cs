using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Schedules;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace Diffusion.Functional.Tests.Batches;

/// <summary>A random batch problem: a schedule, N images of P pixels (x_0 in [−1, 1], x_t in [−4, 4]), a timestep per image, a key.</summary>
public sealed record BatchCase(NoiseSchedule Schedule, int Images, int Pixels, float[] X0, float[] Xt, int[] Timesteps, NoiseKey Key)
{
    /// <summary>A copy of image i's x_0 as a double <see cref="Image"/> (the float values widened exactly).</summary>
    public Image X0Image(int i) => Widen(X0, i);

    /// <summary>A copy of image i's x_t as a double <see cref="Image"/>.</summary>
    public Image XtImage(int i) => Widen(Xt, i);

    private Image Widen(float[] pixels, int i) =>
        Image.FromPixels(Pixels, 1, pixels.AsSpan(i * Pixels, Pixels).ToArray().Select(v => (double)v).ToArray());

    public override string ToString() => $"{Schedule}, {Images} images × {Pixels} pixels, key {Key.Value:X16}";
}

/// <summary>
/// Generators and float32 references for the batch tests. The references are written from the documented formulas
/// (independently of the kernels): the coefficients are the schedule's doubles rounded once to float, the noise is
/// <see cref="GaussianNoise"/>'s stream <c>key.Child(i)</c>, and every pixel is one expression of MathF fused
/// multiply-adds, so a kernel on any path must match them bit for bit.
/// </summary>
public static class BatchCases
{
    /// <summary>The unit roundoff of float32, 2⁻²⁴.</summary>
    public static readonly double FloatRoundoff = Math.Pow(2, -24);

    /// <summary>Pixel counts around the vector (8, 16) and block (32) sizes, and MNIST's 784.</summary>
    private static readonly Gen<int> PixelCounts = Gen.Frequency(
        (6, Gen.Choose(1, 70)), (1, Gen.Elements(784, 15, 16, 17, 31, 32, 33, 48, 49, 63, 64, 65)));

    private static Gen<float[]> Floats(int count, double lo, double hi) =>
        Gen.ArrayOf(Generators.Uniform(lo, hi).Select(v => (float)v), count);

    /// <summary>Random batches of 1..7 images.</summary>
    public static readonly Gen<BatchCase> Cases =
        from schedule in Generators.Schedules
        from images in Gen.Choose(1, 7)
        from pixels in PixelCounts
        from x0 in Floats(images * pixels, -1, 1)
        from xt in Floats(images * pixels, -4, 4)
        from timesteps in Gen.ArrayOf(Gen.Choose(1, schedule.Steps), images)
        from key in ArbMap.Default.GeneratorFor<ulong>()
        select new BatchCase(schedule, images, pixels, x0, xt, timesteps, new NoiseKey(key));

    /// <summary>A fixed, larger case: 37 MNIST-sized images (784 = 24·32 + 16 pixels: a half-block tail).</summary>
    public static BatchCase Mnist(int images = 37, int steps = 1000)
    {
        var schedule = NoiseSchedule.Linear(steps, 1e-4, 0.02);
        var random = new Random(5);
        float[] Values(double scale) => Enumerable.Range(0, images * 784).Select(_ => (float)(scale * (2 * random.NextDouble() - 1))).ToArray();
        int[] timesteps = Enumerable.Range(0, images).Select(_ => random.Next(1, steps + 1)).ToArray();
        return new BatchCase(schedule, images, 784, Values(1), Values(3), timesteps, NoiseKey.FromSeed(2024));
    }

    /// <summary>x_t = fma(s, ε, a·x_0) with a = (float)√ᾱ_t, s = (float)√(1 − ᾱ_t), ε from key.Child(i).</summary>
    public static float[] ForwardReference(BatchCase c)
    {
        var result = new float[c.X0.Length];
        for (int i = 0; i < c.Images; i++)
        {
            float a = (float)c.Schedule.SqrtAlphaBar(c.Timesteps[i]), s = (float)c.Schedule.SqrtOneMinusAlphaBar(c.Timesteps[i]);
            float[] noise = GaussianNoise.SampleSingle(c.Key.Child((ulong)i), c.Pixels);
            for (int j = 0; j < c.Pixels; j++)
            {
                int k = (i * c.Pixels) + j;
                result[k] = MathF.FusedMultiplyAdd(s, noise[j], a * c.X0[k]);
            }
        }
        return result;
    }

    /// <summary>
    /// One posterior step of image i from state <paramref name="xt"/> (written to <paramref name="result"/>):
    /// fma(σ, ε, fma(c_xt, x_t, c_x0·x_0)), ε from <paramref name="key"/>; the mean alone when σ = 0.
    /// </summary>
    public static void PosteriorReference(
        NoiseSchedule schedule, int t, NoiseKey key, ReadOnlySpan<float> x0, ReadOnlySpan<float> xt, Span<float> result)
    {
        float cx0 = (float)schedule.PosteriorMeanCoefX0(t), cxt = (float)schedule.PosteriorMeanCoefXt(t);
        float sigma = (float)Math.Sqrt(schedule.PosteriorVariance(t));
        float[] noise = GaussianNoise.SampleSingle(key, x0.Length);
        for (int j = 0; j < x0.Length; j++)
        {
            float mean = MathF.FusedMultiplyAdd(cxt, xt[j], cx0 * x0[j]);
            result[j] = sigma == 0f ? mean : MathF.FusedMultiplyAdd(sigma, noise[j], mean);
        }
    }

    /// <summary>The batch that <see cref="Diffusion.Functional.Batches.PosteriorBatch"/> computes, from the reference formula.</summary>
    public static float[] PosteriorReference(BatchCase c, int t)
    {
        var result = new float[c.X0.Length];
        for (int i = 0; i < c.Images; i++)
        {
            var range = new Range(i * c.Pixels, (i + 1) * c.Pixels);
            PosteriorReference(c.Schedule, t, c.Key.Child((ulong)i), c.X0.AsSpan(range), c.Xt.AsSpan(range), result.AsSpan(range));
        }
        return result;
    }

    /// <summary>The chain t → s of every image from the reference step, image i's step t' keyed key.Child(i).Child(t').</summary>
    public static float[] ChainReference(BatchCase c, int t, int s)
    {
        float[] state = (float[])c.Xt.Clone();
        var next = new float[c.Pixels];
        for (int i = 0; i < c.Images; i++)
        {
            var range = new Range(i * c.Pixels, (i + 1) * c.Pixels);
            for (int step = t; step > s; step--)
            {
                PosteriorReference(c.Schedule, step, c.Key.Child((ulong)i).Child((ulong)step), c.X0.AsSpan(range), state.AsSpan(range), next);
                next.CopyTo(state.AsSpan(range));
            }
        }
        return state;
    }

    /// <summary>Asserts equal bits, naming the first pixel that differs.</summary>
    public static void AssertSameBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what) =>
        Noise.GaussianNoiseTests.AssertSameBits(expected, actual, what);
}
