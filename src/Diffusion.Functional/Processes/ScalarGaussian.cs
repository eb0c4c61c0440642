using Diffusion.Functional.Numerics;

namespace Diffusion.Functional.Processes;

/// <summary>A one-dimensional Gaussian N(μ, σ²): the law of one pixel under any kernel of the core.</summary>
/// <param name="Mean">μ, any finite number.</param>
/// <param name="Variance">σ², range σ² ≥ 0 (0 is a point mass at μ).</param>
public sealed record ScalarGaussian(double Mean, double Variance)
{
    /// <summary>μ, any finite number.</summary>
    public double Mean { get; } = Guard.Finite(Mean, nameof(Mean));

    /// <summary>σ², range σ² ≥ 0.</summary>
    public double Variance { get; } = Variance >= 0.0 && double.IsFinite(Variance)
        ? Variance
        : throw new ArgumentOutOfRangeException(nameof(Variance), Variance, $"Variance = {Variance} is not allowed; a variance must be finite and ≥ 0.");

    /// <summary>σ = √σ².</summary>
    public double StandardDeviation => Math.Sqrt(Variance);

    /// <summary>
    /// The density N(x; μ, σ²) = (2πσ²)^(−1/2) exp(−(x − μ)²/(2σ²)) of one pixel, as under DDPM eqs. 2, 4 and 6–7
    /// (the densities docs/posterior.md multiplies); requires σ² &gt; 0.
    /// </summary>
    public double Density(double x) => Math.Exp(LogDensity(x));

    /// <summary>
    /// The log-density log N(x; μ, σ²) = −½ log(2πσ²) − (x − μ)²/(2σ²) of one pixel, as under DDPM eqs. 2, 4 and 6–7
    /// (the log-densities docs/posterior.md adds); requires σ² &gt; 0.
    /// </summary>
    public double LogDensity(double x)
    {
        if (Variance == 0.0)
            throw new InvalidOperationException("A Gaussian with variance 0 is a point mass and has no density.");
        double d = x - Mean;
        return -0.5 * Math.Log(2.0 * Math.PI * Variance) - d * d / (2.0 * Variance);
    }

    /// <summary>The reparameterised sample μ + σ·ε for a standard normal ε (Kingma &amp; Welling 2014, §2.4).</summary>
    public double Sample(double standardNormal) => Mean + StandardDeviation * standardNormal;
}
