using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Likelihood;
using Diffusion.Functional.Noise;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Likelihood;

/// <summary>The batched bound is the one-image bound of each image with its child key, bit for bit.</summary>
public class VariationalBoundBatchTests
{
    private static readonly Gen<Image[]> ByteImageSets =
        from w in Gen.Choose(1, 5)
        from h in Gen.Choose(1, 5)
        from n in Gen.Choose(1, 4)
        from bytes in Gen.ArrayOf(Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), w * h), n)
        select bytes.Select(b => PixelRange.SignedUnit.ImageFromBytes(w, h, b)).ToArray();

    [Property(MaxTest = 60)]
    public Property EvaluateMany_IsEvaluateOfEachImageWithItsChildKey() => Prop.ForAll(
        SamplingGenerators.Plans.Where(p => p.Count <= 60).ToArbitrary(), ByteImageSets.ToArbitrary(),
        (from target in DiffusionGenerators.Targets from variance in Gen.Elements(DdpmVariance.FixedSmall, DdpmVariance.FixedLarge) select (target, variance)).ToArbitrary(),
        (plan, x0, model) =>
        {
            var (target, variance) = model;
            var data = new GaussianData(Image.Filled(x0[0].Width, x0[0].Height, 0.1), 0.3);
            Denoiser denoiser = data.Denoiser(plan.Original, target);
            var settings = new DdpmSampler(variance);
            NoiseKey key = NoiseKey.FromSeed(17);
            IReadOnlyList<VariationalBoundTerms> many = VariationalBound.EvaluateMany<double>(plan, denoiser, settings, x0, key);
            Assert.Equal(x0.Length, many.Count);
            for (int k = 0; k < x0.Length; k++)
            {
                VariationalBoundTerms one = VariationalBound.Evaluate(plan, denoiser, settings, x0[k], key.Child((ulong)k));
                Assert.Equal(one.Prior, many[k].Prior);
                Assert.Equal(one.Steps.Select(s => (s.Step, s.Nats)), many[k].Steps.Select(s => (s.Step, s.Nats)));
            }
        });

    [Fact]
    public void EvaluateMany_RejectsImagesOffTheLevelsAndOfMixedShapes()
    {
        RespacedSchedule plan = RespacedSchedule.Uniform(Diffusion.Functional.Schedules.CanonicalSchedules.Ddpm, 5);
        Denoiser denoiser = new GaussianData(Image.Filled(2, 2, 0.0), 0.3).Denoiser(plan.Original, PredictionTarget.Epsilon);
        var settings = new DdpmSampler();
        Assert.ThrowsAny<ArgumentException>(() => VariationalBound.EvaluateMany<double>(plan, denoiser, settings, [Image.Filled(2, 2, 0.123)], NoiseKey.FromSeed(1)));
        Assert.ThrowsAny<ArgumentException>(() => VariationalBound.EvaluateMany<double>(plan, denoiser, settings, [Image.Filled(2, 2, 1.0), Image.Filled(2, 3, 1.0)], NoiseKey.FromSeed(1)));
        Assert.ThrowsAny<ArgumentException>(() => VariationalBound.EvaluateMany<double>(plan, denoiser, settings, [], NoiseKey.FromSeed(1)));
    }
}
