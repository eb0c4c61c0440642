using Diffusion.Functional.Schedules;
using MathNet.Numerics.Distributions;

namespace Diffusion.Benchmarks;

/// <summary>
/// The straightforward C# baseline: System.Random, the Box–Muller transform with Math.Log, Math.Sqrt, Math.Cos and
/// Math.Sin in double, scalar loops over the pixels, one generator per image (so that it parallelises the same way),
/// and Parallel.For over the images. This is the code one writes first; the issue measured it at ≈ 0.05 M images/s (A),
/// ≈ 40 M pixel-steps/s (B) and ≈ 50 M samples/s (C).
/// </summary>
public static class NaiveKernels
{
    /// <summary>A System.Random for one image, seeded from the invocation's seed and the image index.</summary>
    public static Random Generator(ulong seed, int image) => new((int)((seed * 1_000_003UL) + (ulong)image) & int.MaxValue);

    /// <summary>Standard normal pairs by Box &amp; Muller 1958 into <paramref name="destination"/>.</summary>
    public static void FillNormal(Random random, Span<float> destination)
    {
        for (int j = 0; j < destination.Length; j += 2)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u1)), theta = 2.0 * Math.PI * u2;
            destination[j] = (float)(r * Math.Cos(theta));
            if (j + 1 < destination.Length) destination[j + 1] = (float)(r * Math.Sin(theta));
        }
    }

    /// <summary>Standard normals from MathNet's <see cref="Normal.Samples(Random, double[], double, double)"/>, narrowed to float.</summary>
    public static void FillNormalMathNet(Random random, double[] scratch, Span<float> destination)
    {
        Normal.Samples(random, scratch, 0.0, 1.0);
        for (int j = 0; j < destination.Length; j++) destination[j] = (float)scratch[j];
    }

    /// <summary>x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε for images first … first + count − 1 (DDPM eq. 4).</summary>
    public static void Forward(NoiseSchedule schedule, float[] x0, int[] timesteps, int pixels, ulong seed, float[] destination, int image)
    {
        var random = Generator(seed, image);
        Span<float> noise = stackalloc float[pixels];
        FillNormal(random, noise);
        float a = (float)Math.Sqrt(schedule.AlphaBar(timesteps[image])), s = (float)Math.Sqrt(1.0 - schedule.AlphaBar(timesteps[image]));
        int offset = image * pixels;
        for (int j = 0; j < pixels; j++) destination[offset + j] = (a * x0[offset + j]) + (s * noise[j]);
    }

    /// <summary>The oracle chain start → stop of one image: x ← c_x0·x_0 + c_xt·x + σ·ε at every step (DDPM eqs. 6–7).</summary>
    public static void Chain(NoiseSchedule schedule, float[] x0, float[] xt, int pixels, int start, int stop, ulong seed, float[] destination, int image)
    {
        var random = Generator(seed, image);
        Span<float> noise = stackalloc float[pixels];
        int offset = image * pixels;
        Array.Copy(xt, offset, destination, offset, pixels);
        for (int t = start; t > stop; t--)
        {
            FillNormal(random, noise);
            float cx0 = (float)schedule.PosteriorMeanCoefX0(t), cxt = (float)schedule.PosteriorMeanCoefXt(t);
            float sigma = (float)Math.Sqrt(schedule.PosteriorVariance(t));
            for (int j = 0; j < pixels; j++)
                destination[offset + j] = (cx0 * x0[offset + j]) + (cxt * destination[offset + j]) + (sigma * noise[j]);
        }
    }

    /// <summary>Runs <paramref name="image"/> over 0 … images − 1 on one thread or with Parallel.For.</summary>
    public static void ForEachImage(int images, int threads, Action<int> image)
    {
        if (threads == 1)
        {
            for (int i = 0; i < images; i++) image(i);
        }
        else
        {
            Parallel.For(0, images, Workload.Parallel(threads), image);
        }
    }
}
