using Diffusion.Functional.Images;
using Diffusion.Functional.Schedules;
using FsCheck;
using FsCheck.Fluent;

namespace Diffusion.Functional.Tests.Support;

/// <summary>
/// FsCheck generators for valid inputs of the core, written as LINQ queries over <see cref="Gen"/>.
/// Schedules cover all five kinds with random T and β ranges, down to T = 1.
/// </summary>
public static class Generators
{
    /// <summary>A double uniformly spread over [lo, hi] in 10⁶ steps.</summary>
    public static Gen<double> Uniform(double lo, double hi) =>
        Gen.Choose(0, 1_000_000).Select(i => lo + (hi - lo) * (i / 1_000_000.0));

    /// <summary>A double spread log-uniformly over [lo, hi] (lo &gt; 0): small β are as likely as large ones.</summary>
    public static Gen<double> LogUniform(double lo, double hi) =>
        Uniform(Math.Log(lo), Math.Log(hi)).Select(Math.Exp);

    /// <summary>T mostly small (fast), sometimes as large as the DDPM's 1000.</summary>
    public static readonly Gen<int> Steps =
        Gen.Frequency((6, Gen.Choose(1, 60)), (3, Gen.Choose(61, 300)), (1, Gen.Choose(301, 1000)));

    private static readonly Gen<(double Start, double End)> BetaRange =
        from start in LogUniform(1e-5, 0.05)
        from ratio in LogUniform(1.0, 400.0)
        select (start, Math.Min(start * ratio, 0.5));

    private static readonly Gen<NoiseSchedule> LinearSchedules =
        from t in Steps from r in BetaRange select NoiseSchedule.Linear(t, r.Start, r.End);

    private static readonly Gen<NoiseSchedule> ScaledLinearSchedules =
        from t in Steps from r in BetaRange select NoiseSchedule.ScaledLinear(t, r.Start, r.End);

    private static readonly Gen<NoiseSchedule> SigmoidSchedules =
        from t in Steps from r in BetaRange select NoiseSchedule.Sigmoid(t, r.Start, r.End);

    private static readonly Gen<NoiseSchedule> CosineSchedules =
        from t in Steps
        from s in Uniform(0.0, 0.1)
        from maxBeta in Uniform(0.5, 0.999)
        select NoiseSchedule.Cosine(t, s, maxBeta);

    private static readonly Gen<NoiseSchedule> CustomSchedules =
        from t in Steps
        from betas in Gen.ArrayOf(LogUniform(1e-5, 0.3), t)
        select NoiseSchedule.FromBetas(betas);

    /// <summary>Any valid schedule of any kind.</summary>
    public static readonly Gen<NoiseSchedule> Schedules =
        Gen.OneOf(LinearSchedules, ScaledLinearSchedules, SigmoidSchedules, CosineSchedules, CustomSchedules);

    /// <summary>A schedule and a timestep t ∈ 1..T.</summary>
    public static readonly Gen<(NoiseSchedule Schedule, int T)> ScheduleAndStep =
        from schedule in Schedules
        from t in Gen.Choose(1, schedule.Steps)
        select (schedule, t);

    /// <summary>A schedule with T ≥ 3 and steps 0 ≤ r &lt; s &lt; t ≤ T.</summary>
    public static readonly Gen<(NoiseSchedule Schedule, int T, int S, int R)> ScheduleAndThreeSteps =
        from schedule in Schedules.Where(s => s.Steps >= 3)
        from t in Gen.Choose(2, schedule.Steps)
        from s in Gen.Choose(1, t - 1)
        from r in Gen.Choose(0, s - 1)
        select (schedule, t, s, r);

    /// <summary>A pixel value in DDPM's data range [−1, 1], or a noisy value in [−4, 4].</summary>
    public static readonly Gen<double> DataValue = Uniform(-1.0, 1.0);

    /// <summary>A value of a noisy x_t.</summary>
    public static readonly Gen<double> NoisyValue = Uniform(-4.0, 4.0);

    /// <summary>A small image (1..6 × 1..6) with pixels in [lo, hi].</summary>
    public static Gen<Image> Images(double lo, double hi) =>
        from w in Gen.Choose(1, 6)
        from h in Gen.Choose(1, 6)
        from pixels in Gen.ArrayOf(Uniform(lo, hi), w * h)
        select Image.FromPixels(w, h, pixels);
}
