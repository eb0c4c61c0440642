using Diffusion.Functional.Images;

namespace Diffusion.Functional.Sampling;

/// <summary>
/// One model reverse step p_θ(x_{τ_{i−1}} | x_{τ_i}) = N(Mean, diag(Variance)), with the x̂_0 and ε̂ it was built from.
/// The last step (to the data) has variance 0: its output is the mean, as DDPM displays μ_θ(x_1, 1) "noiselessly"
/// (Ho et al. 2020, §3.3).
/// </summary>
/// <param name="Step">The step taken.</param>
/// <param name="Mean">The mean of the next state.</param>
/// <param name="Variance">The variance of each pixel of the next state, ≥ 0.</param>
/// <param name="PredictedX0">x̂_0 after processing (clipping or thresholding).</param>
/// <param name="PredictedEpsilon">ε̂ consistent with x̂_0 and x_t.</param>
public sealed record ReverseTransition(ReverseStep Step, Image Mean, Image Variance, Image PredictedX0, Image PredictedEpsilon)
{
    /// <summary>The step taken.</summary>
    public ReverseStep Step { get; } = Step ?? throw new ArgumentNullException(nameof(Step));

    /// <summary>The mean of the next state.</summary>
    public Image Mean { get; } = Mean ?? throw new ArgumentNullException(nameof(Mean));

    /// <summary>The variance of each pixel of the next state, ≥ 0, of the mean's shape.</summary>
    public Image Variance { get; } = RequireVariance(Variance, Mean);

    /// <summary>x̂_0 after processing.</summary>
    public Image PredictedX0 { get; } = PredictedX0 ?? throw new ArgumentNullException(nameof(PredictedX0));

    /// <summary>ε̂ consistent with x̂_0 and x_t.</summary>
    public Image PredictedEpsilon { get; } = PredictedEpsilon ?? throw new ArgumentNullException(nameof(PredictedEpsilon));

    /// <summary>True when every pixel's variance is 0: the next state is the mean and no noise is drawn.</summary>
    public bool IsDeterministic
    {
        get
        {
            foreach (double v in Variance.Pixels)
            {
                if (v != 0.0) return false;
            }
            return true;
        }
    }

    /// <summary>
    /// The reparameterised sample Mean + √Variance ⊙ z for a standard normal image z of the same shape (x_{t−1} = μ_θ +
    /// σ_t·z, DDPM Algorithm 2, line 4).
    /// </summary>
    public Image Sample(Image noise)
    {
        Mean.RequireSameShape(noise, nameof(noise));
        ReadOnlySpan<double> mean = Mean.Pixels, variance = Variance.Pixels, z = noise.Pixels;
        var result = new double[mean.Length];
        for (int i = 0; i < result.Length; i++) result[i] = mean[i] + Math.Sqrt(variance[i]) * z[i];
        return Image.Own(Mean.Width, Mean.Height, result);
    }

    private static Image RequireVariance(Image variance, Image mean)
    {
        ArgumentNullException.ThrowIfNull(mean, nameof(Mean));
        mean.RequireSameShape(variance, nameof(Variance));
        foreach (double v in variance.Pixels)
        {
            if (!(v >= 0.0))
                throw new ArgumentOutOfRangeException(nameof(Variance), v, $"Variance has a pixel {v}; a variance must be ≥ 0.");
        }
        return variance;
    }
}
