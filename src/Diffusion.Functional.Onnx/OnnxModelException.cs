namespace Diffusion.Functional.Onnx;

/// <summary>
/// A model file that cannot be used: missing, not ONNX, inputs or outputs other than expected (the message names what the
/// model has and what was expected), or a run that returned NaN, ∞ or the wrong shape (the message names the image and
/// its network timestep).
/// </summary>
public sealed class OnnxModelException : Exception
{
    /// <summary>An error with the message shown to the user, about the model named <paramref name="model"/>.</summary>
    public OnnxModelException(string model, string message, Exception? inner = null) : base(message, inner) => Model = model;

    /// <summary>The model the error is about: its file path, or the name of a shipped model.</summary>
    public string Model { get; }
}
