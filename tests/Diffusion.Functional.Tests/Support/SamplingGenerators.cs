using Diffusion.Functional.Denoisers;
using Diffusion.Functional.Images;
using Diffusion.Functional.Parameterisation;
using Diffusion.Functional.Sampling;
using Diffusion.Functional.Schedules;
using FsCheck;
using FsCheck.Fluent;

namespace Diffusion.Functional.Tests.Support;

/// <summary>Generators of reverse chains: a schedule, a respacing of it, Gaussian data and its denoiser, a state x_t.</summary>
public static class SamplingGenerators
{
    /// <summary>
    /// A respaced chain of any schedule with any spacing and 1..T steps, whose noisiest kept step has ᾱ ≥ 1e-20: the
    /// generated β can reach 0.5 and T 1000, which underflows ᾱ_T to 0 (a zero-terminal-SNR chain, tested on its own).
    /// </summary>
    public static readonly Gen<RespacedSchedule> Plans =
        from schedule in Generators.Schedules.Where(s => s.AlphaBar(s.Steps) >= 1e-20)
        from count in Gen.Choose(1, schedule.Steps)
        from spacing in Gen.Elements(TimestepSpacing.Trailing, TimestepSpacing.Leading, TimestepSpacing.Linspace)
        select RespacedSchedule.Uniform(schedule, count, spacing);

    /// <summary>A chain, a step of it, Gaussian data (μ per pixel in [−1, 1], σ² from 0.01 to 1), its denoiser for some target, and x_t.</summary>
    public static readonly Gen<ChainCase> Cases =
        from plan in Plans
        from index in Gen.Choose(1, plan.Count)
        from target in DiffusionGenerators.Targets
        from mean in Generators.Images(-1, 1)
        from variance in Generators.LogUniform(0.01, 1.0)
        from xt in Gen.ArrayOf(Generators.Uniform(-3, 3), mean.PixelCount)
        let data = new GaussianData(mean, variance)
        select new ChainCase(plan, plan.Step(index), data, data.Denoiser(plan.Original, target), Image.FromPixels(mean.Width, mean.Height, xt));

    /// <summary>One generated case.</summary>
    public sealed record ChainCase(RespacedSchedule Plan, ReverseStep Step, GaussianData Data, Denoiser Denoiser, Image Xt)
    {
        public override string ToString() => $"{Plan}, step {Step}, {Denoiser}, σ² = {Data.Variance}";
    }
}
