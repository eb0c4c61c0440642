using System.Numerics;
using Diffusion.Functional.Images;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;

namespace Diffusion.Functional.Tests.Sampling;

/// <summary>The samplers' shared pieces: the finite check of the denoiser's output, exact at every position and length.</summary>
public class SamplerKernelsTests
{
    /// <summary>Every length that reaches each part of the check: whole pairs of 512- and 256-bit vectors, one vector, the scalar tail.</summary>
    private static IEnumerable<int> Lengths() => Enumerable.Range(0, 80).Append(784).Append(785);

    private static void EveryNonFiniteAtEveryPosition_IsFound<T>() where T : unmanaged, IFloatingPointIeee754<T>, IMinMaxValue<T>
    {
        // Finite values of every kind, the extremes included: v − v must be exactly 0 for each of them.
        T[] finite = [T.Zero, T.NegativeZero, T.One, -T.One, T.CreateTruncating(3.5e-30), T.Epsilon, -T.Epsilon,
            T.MaxValue, T.MinValue];
        T[] bad = [T.NaN, T.PositiveInfinity, T.NegativeInfinity];
        foreach (int n in Lengths())
        {
            var values = new T[n];
            for (int j = 0; j < n; j++) values[j] = finite[j % finite.Length];
            Assert.True(SamplerKernels.AllFinite<T>(values), $"{n} finite {typeof(T).Name} values were called non-finite");
            for (int position = 0; position < n; position++)
            {
                foreach (T b in bad)
                {
                    T kept = values[position];
                    values[position] = b;
                    Assert.False(SamplerKernels.AllFinite<T>(values), $"{b} at {position} of {n} ({typeof(T).Name}) was missed");
                    values[position] = kept;
                }
            }
        }
    }

    [Fact]
    public void AllFinite_IsFalseExactlyWhenSomeValueIsNaNOrInfinite_Float() => EveryNonFiniteAtEveryPosition_IsFound<float>();

    [Fact]
    public void AllFinite_IsFalseExactlyWhenSomeValueIsNaNOrInfinite_Double() => EveryNonFiniteAtEveryPosition_IsFound<double>();

    [Fact]
    public void ANonFinitePrediction_IsNamedByItsStepImageAndValue()
    {
        // Image 1 of 3 (2 × 2 each) turns infinite at value 2 from the third step on; the others stay finite.
        NoiseSchedule schedule = CanonicalSchedules.Ddpm;
        RespacedSchedule plan = RespacedSchedule.Uniform(schedule, 5);
        int[] timesteps = plan.Steps().Select(s => s.Timestep).ToArray();
        IBatchDenoiser<float> broken = BatchDenoiser.Create<float>(schedule, PredictionTarget.Epsilon, (xt, t, prediction) =>
        {
            prediction.Clear();
            if (t[0] <= timesteps[2]) prediction[4 + 2] = float.PositiveInfinity;
        });
        var error = Assert.Throws<InvalidOperationException>(() =>
            ReverseSampler.Generate(new DdpmSampler(), plan, broken, 3, 1, 2, 2, NoiseKey.FromSeed(0)));
        Assert.Contains($"t = {timesteps[2]} is {float.PositiveInfinity} (image 1, value 2)", error.Message);
    }
}
