using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Diffusion.Functional.Onnx;

/// <summary>
/// An image classifier in an ONNX file with the convention of the shipped MNIST classifier: input <c>image</c> float32
/// [N, C, H, W] in [−1, 1], outputs <c>logits</c> [N, K] and <c>features</c> [N, F] (the penultimate layer, for
/// Fréchet distances). Checked at load and at every run like <see cref="OnnxDenoiser"/>. Dispose it to free the session.
/// </summary>
public sealed class OnnxClassifier : IDisposable
{
    private const string ImageInput = "image", LogitsOutput = "logits", FeaturesOutput = "features";
    private readonly InferenceSession session;
    private readonly int maxBatch;

    private OnnxClassifier(InferenceSession session, string model, int channels, int height, int width, int maxBatch)
    {
        this.session = session;
        this.maxBatch = maxBatch;
        Model = model;
        (Channels, Height, Width) = (channels, height, width);
        string have = OnnxSessions.Describe(session.InputMetadata, session.OutputMetadata);
        OnnxModelException Mismatch(string what) => new(model,
            $"{model}: {what}\n  expected: inputs {ImageInput} float32 [N, {channels}, {height}, {width}]; outputs {LogitsOutput} float32 [N, K], {FeaturesOutput} float32 [N, F]\n  the model has: {have}");
        if (session.InputMetadata.Count != 1 || !session.InputMetadata.TryGetValue(ImageInput, out var image)) throw Mismatch($"the model's inputs are not the one input '{ImageInput}'.");
        if (!image.IsTensor || image.ElementDataType != TensorElementType.Float || image.Dimensions.Length != 4
            || (image.Dimensions[1] > 0 && image.Dimensions[1] != channels) || (image.Dimensions[2] > 0 && image.Dimensions[2] != height) || (image.Dimensions[3] > 0 && image.Dimensions[3] != width)
            || image.Dimensions[0] > 0)
            throw Mismatch($"input '{ImageInput}' is {OnnxSessions.TypeName(image)}, not float32 [N, {channels}, {height}, {width}] with a dynamic N.");
        int Width2(string name)
        {
            if (!session.OutputMetadata.TryGetValue(name, out var output)) throw Mismatch($"the model has no output '{name}'.");
            if (!output.IsTensor || output.ElementDataType != TensorElementType.Float || output.Dimensions.Length != 2 || output.Dimensions[1] <= 0)
                throw Mismatch($"output '{name}' is {OnnxSessions.TypeName(output)}, not float32 [N, a fixed width].");
            return output.Dimensions[1];
        }
        Classes = Width2(LogitsOutput);
        FeatureCount = Width2(FeaturesOutput);
    }

    /// <summary>The model's file path, or the name of the shipped model.</summary>
    public string Model { get; }

    /// <summary>C of the input images.</summary>
    public int Channels { get; }

    /// <summary>H of the input images.</summary>
    public int Height { get; }

    /// <summary>W of the input images.</summary>
    public int Width { get; }

    /// <summary>K, the number of classes (logits per image).</summary>
    public int Classes { get; }

    /// <summary>F, the number of penultimate features per image.</summary>
    public int FeatureCount { get; }

    /// <summary>Loads a classifier of C × H × W images from <paramref name="path"/>; a missing, non-ONNX or differently shaped model gives an <see cref="OnnxModelException"/>.</summary>
    public static OnnxClassifier Load(string path, int channels, int height, int width, int maxBatchSize = 256, int intraOpThreads = 1)
    {
        ArgumentNullException.ThrowIfNull(path);
        CheckShape(channels, height, width, maxBatchSize, intraOpThreads);
        OnnxSessions.RequireFile(path);
        return Create(path, channels, height, width, maxBatchSize, intraOpThreads, o => new InferenceSession(path, o));
    }

    /// <summary>Loads the shipped MNIST classifier (<see cref="ShippedModels.MnistClassifier"/>): 1 × 28 × 28 digits in [−1, 1], 10 classes, 128 features.</summary>
    public static OnnxClassifier LoadMnist(int maxBatchSize = 256, int intraOpThreads = 1)
    {
        CheckShape(1, 28, 28, maxBatchSize, intraOpThreads);
        byte[] bytes = ShippedModels.MnistClassifier;
        return Create(ShippedModels.MnistClassifierName, 1, 28, 28, maxBatchSize, intraOpThreads, o => new InferenceSession(bytes, o));
    }

    private static void CheckShape(int channels, int height, int width, int maxBatchSize, int intraOpThreads)
    {
        if (channels < 1 || height < 1 || width < 1) throw new ArgumentException($"The image shape {channels} × {height} × {width} must be at least 1 × 1 × 1.");
        if (maxBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(maxBatchSize), maxBatchSize, $"The largest call is {maxBatchSize} images; it must be at least 1.");
        if (intraOpThreads < 0) throw new ArgumentOutOfRangeException(nameof(intraOpThreads), intraOpThreads, $"The intra-op thread count is {intraOpThreads}; it must be 0 (ONNX Runtime's choice) or more.");
    }

    private static OnnxClassifier Create(string model, int channels, int height, int width, int maxBatch, int threads, Func<SessionOptions, InferenceSession> open)
    {
        var session = OnnxSessions.Open(model, threads, useCuda: false, cudaDevice: 0, open);
        try
        {
            return new OnnxClassifier(session, model, channels, height, width, maxBatch);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The logits [N, K] and penultimate features [N, F] of N images given as N·C·H·W values in [−1, 1] (image-major),
    /// in calls of at most the maximum batch size; NaN/∞ or a wrong output shape gives an <see cref="OnnxModelException"/>.
    /// </summary>
    public ClassifierOutput Classify(ReadOnlySpan<float> images)
    {
        int pixels = Channels * Height * Width;
        if (images.Length == 0 || images.Length % pixels != 0)
            throw new ArgumentException($"The images hold {images.Length} values, not a positive multiple of {Channels} × {Height} × {Width} = {pixels}.", nameof(images));
        int n = images.Length / pixels;
        var logits = new float[(long)n * Classes];
        var features = new float[(long)n * FeatureCount];
        string[] outputs = [LogitsOutput, FeaturesOutput];
        for (int start = 0; start < n; start += maxBatch)
        {
            int count = Math.Min(maxBatch, n - start);
            using var input = OrtValue.CreateTensorValueFromMemory(images.Slice(start * pixels, count * pixels).ToArray(), [count, Channels, Height, Width]);
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, [ImageInput], [input], outputs);
            Copy(results[0], LogitsOutput, Classes, start, count, logits);
            Copy(results[1], FeaturesOutput, FeatureCount, start, count, features);
        }
        return new ClassifierOutput(n, Classes, FeatureCount, logits, features);
    }

    private void Copy(OrtValue value, string name, int width, int start, int count, float[] destination)
    {
        var info = value.GetTensorTypeAndShape();
        if (info.ElementDataType != TensorElementType.Float || !info.Shape.SequenceEqual(new long[] { count, width }))
            throw new OnnxModelException(Model, $"{Model} returned {OnnxSessions.ElementName(info.ElementDataType)} [{string.Join(", ", info.Shape)}] from '{name}' for images {start}..{start + count - 1}; expected float32 [{count}, {width}].");
        var data = value.GetTensorDataAsSpan<float>();
        for (int i = 0; i < data.Length; i++)
            if (!float.IsFinite(data[i]))
                throw new OnnxModelException(Model, $"{Model} returned {data[i].ToString(CultureInfo.InvariantCulture)} in '{name}' for image {start + i / width}: a classifier's output must be finite.");
        data.CopyTo(destination.AsSpan(start * width));
    }

    /// <summary>Frees the native ONNX Runtime session.</summary>
    public void Dispose() => session.Dispose();
}

/// <summary>A classifier's outputs for N images: logits [N, K] and penultimate features [N, F], row-major.</summary>
/// <param name="Count">N, the number of images.</param>
/// <param name="Classes">K, logits per image.</param>
/// <param name="FeatureCount">F, features per image.</param>
/// <param name="Logits">N·K logits, image-major.</param>
/// <param name="Features">N·F features, image-major.</param>
public sealed record ClassifierOutput(int Count, int Classes, int FeatureCount, float[] Logits, float[] Features)
{
    /// <summary>The arg-max of image <paramref name="index"/>'s logits (the lowest class on a tie).</summary>
    public int PredictedClass(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"The image index is {index}; it must lie in 0..{Count - 1}.");
        var row = Logits.AsSpan(index * Classes, Classes);
        int best = 0;
        for (int k = 1; k < row.Length; k++) if (row[k] > row[best]) best = k;
        return best;
    }
}
