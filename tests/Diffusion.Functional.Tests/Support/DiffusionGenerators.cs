using Diffusion.Functional.Parameterisation;
using FsCheck;
using FsCheck.Fluent;

namespace Diffusion.Functional.Tests.Support;

/// <summary>Generators for the sampling and likelihood suites: noise levels, prediction targets, Gaussians.</summary>
public static class DiffusionGenerators
{
    /// <summary>A noise level with log-SNR λ = log(ᾱ/(1 − ᾱ)) uniform on [−14, 14] (ᾱ from 8e-7 to 1 − 8e-7).</summary>
    public static readonly Gen<NoiseLevel> NoiseLevels =
        from lambda in Generators.Uniform(-14.0, 14.0)
        select NoiseLevel.FromAlphaBar(1.0 / (1.0 + Math.Exp(-lambda)));

    /// <summary>Any of the three parameterisations.</summary>
    public static readonly Gen<PredictionTarget> Targets =
        Gen.Elements(PredictionTarget.Epsilon, PredictionTarget.X0, PredictionTarget.V);

    /// <summary>A Gaussian (mean, log-variance) with mean in [−3, 3] and standard deviation from 1e-3 to 30.</summary>
    public static readonly Gen<(double Mean, double LogVariance)> Gaussians =
        from mean in Generators.Uniform(-3.0, 3.0)
        from logStd in Generators.Uniform(Math.Log(1e-3), Math.Log(30.0))
        select (mean, 2.0 * logStd);
}
