using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Schedules;
using Xunit;

namespace Diffusion.Functional.Tests.Sampling;

/// <summary>
/// The exact denoiser's float batch prediction is, value by value and bit for bit, fma(k_j, x_j, o_j) with the affine
/// map (k_j, o_j) of <see cref="DiagonalGaussianData.Affine"/> rounded once to float, whatever the vector width covers
/// (lengths below, at and around 8 and 16, and 784).
/// </summary>
public class ExactDenoiserFloatTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(1, 1, 7)]
    [InlineData(1, 2, 4)]
    [InlineData(1, 3, 5)]
    [InlineData(1, 1, 17)]
    [InlineData(3, 4, 4)]
    [InlineData(1, 28, 28)]
    public void Predict_IsTheRoundedAffineMapByFma_BitForBit(int channels, int height, int width)
    {
        int per = channels * height * width;
        var mean = Enumerable.Range(0, per).Select(j => Math.Sin(0.7 * j)).ToArray();
        var variance = Enumerable.Range(0, per).Select(j => 0.05 + 0.1 * (j % 7)).ToArray();
        var data = new DiagonalGaussianData(channels, height, width, mean, variance);
        NoiseSchedule schedule = NoiseSchedule.Linear(1000, 1e-4, 0.02);
        const int images = 3;
        float[] values = GaussianNoise.SampleSingle(NoiseKey.FromSeed(3), images * per);
        var xt = ImageBatch<float>.FromValues(images, channels, height, width, values);
        int[] timesteps = [1, 417, 1000];
        foreach (PredictionTarget target in new[] { PredictionTarget.X0, PredictionTarget.Epsilon, PredictionTarget.V })
        {
            var prediction = new float[images * per];
            data.Denoiser<float>(schedule, target).Predict(xt, timesteps, prediction, Span<float>.Empty);
            for (int k = 0; k < images; k++)
            {
                for (int j = 0; j < per; j++)
                {
                    var (slope, offset) = data.Affine(schedule, target, timesteps[k], j);
                    float expected = MathF.FusedMultiplyAdd((float)slope, values[k * per + j], (float)offset);
                    float actual = prediction[k * per + j];
                    Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual),
                        $"{target}, {channels}×{height}×{width}, image {k}, value {j}: {actual} where fma gives {expected}");
                }
            }
        }
    }
}
