using Diffusion.Functional.Images;

namespace Diffusion.Functional.Parameterisation;

/// <summary>A denoiser's prediction: an image and which quantity it estimates (ε, x_0 or v).</summary>
/// <param name="Target">What <paramref name="Value"/> estimates.</param>
/// <param name="Value">The predicted image, of x_t's shape.</param>
public sealed record Prediction(PredictionTarget Target, Image Value)
{
    /// <summary>What <see cref="Value"/> estimates.</summary>
    public PredictionTarget Target { get; } = PredictionConversions.RequireDefined(Target, nameof(Target));

    /// <summary>The predicted image.</summary>
    public Image Value { get; } = Value ?? throw new ArgumentNullException(nameof(Value));
}
