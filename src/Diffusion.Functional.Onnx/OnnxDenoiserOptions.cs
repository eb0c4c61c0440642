namespace Diffusion.Functional.Onnx;

/// <summary>
/// How an ONNX denoiser is called: the image shape it takes, its input and output names (diffusers' UNet2DModel export
/// by default), how large a batch one call may take, and where it runs. Immutable; change a value with <c>with</c>.
/// </summary>
/// <param name="Channels">C of the [N, C, H, W] batches given to the model, at least 1.</param>
/// <param name="Height">H, at least 1.</param>
/// <param name="Width">W, at least 1.</param>
public sealed record OnnxDenoiserOptions(int Channels, int Height, int Width)
{
    /// <summary>The float32 [N, C, H, W] input (diffusers: <c>sample</c>).</summary>
    public string SampleInput { get; init; } = "sample";

    /// <summary>The timestep input, int64, int32, float or double, of shape [N] or a scalar (diffusers: <c>timestep</c>).</summary>
    public string TimestepInput { get; init; } = "timestep";

    /// <summary>The int64 or int32 [N] class-label input, used when the model has it (diffusers: <c>class_labels</c>).</summary>
    public string ClassLabelsInput { get; init; } = "class_labels";

    /// <summary>The float32 output, [N, C, H, W] or [N, 2C, H, W] (diffusers' export: <c>out_sample</c>).</summary>
    public string Output { get; init; } = "out_sample";

    /// <summary>
    /// The channels of the output: C (ε, x_0 or v) or 2C (a learned-range variance after them, improved DDPM); null
    /// takes what the model declares, or C when it declares none.
    /// </summary>
    public int? OutputChannels { get; init; }

    /// <summary>The number of network timesteps T: a network timestep must lie in 0..T − 1. DDPM's T = 1000.</summary>
    public int TrainingSteps { get; init; } = 1000;

    /// <summary>How many labels the model knows (labels 0..count − 1), or null not to check; the shipped MNIST UNet has 11 (10 = unconditional).</summary>
    public int? ClassLabelCount { get; init; }

    /// <summary>The most images one ONNX Runtime call takes; larger batches are split (1 makes every output independent of the batch).</summary>
    public int MaxBatchSize { get; init; } = 64;

    /// <summary>ONNX Runtime's intra-op thread count; 0 lets ONNX Runtime choose (one per core).</summary>
    public int IntraOpThreads { get; init; } = 1;

    /// <summary>
    /// Runs on the CUDA execution provider of GPU <see cref="CudaDevice"/>; needs the Microsoft.ML.OnnxRuntime.Gpu
    /// package in place of Microsoft.ML.OnnxRuntime (docs/network.md), or loading fails with a clear error.
    /// </summary>
    public bool UseCuda { get; init; }

    /// <summary>The CUDA device index used when <see cref="UseCuda"/> is set.</summary>
    public int CudaDevice { get; init; }

    /// <summary>The options of the shipped MNIST UNet (<see cref="ShippedModels.MnistUNet"/>): 1 × 28 × 28, 11 labels, T = 1000.</summary>
    public static OnnxDenoiserOptions MnistUNet { get; } = new(1, 28, 28) { ClassLabelCount = 11 };

    internal void Validate()
    {
        Require(Channels >= 1, $"Channels is {Channels}; it must be at least 1.");
        Require(Height >= 1, $"Height is {Height}; it must be at least 1.");
        Require(Width >= 1, $"Width is {Width}; it must be at least 1.");
        Require((long)Channels * Height * Width <= int.MaxValue / 2, $"An image of {Channels} × {Height} × {Width} values is larger than one call can hold.");
        Require(OutputChannels is null || OutputChannels == Channels || OutputChannels == 2 * Channels,
            $"OutputChannels is {OutputChannels}; it must be C = {Channels} or 2C = {2 * Channels}.");
        Require(TrainingSteps >= 1, $"TrainingSteps is {TrainingSteps}; it must be at least 1.");
        Require(ClassLabelCount is null || ClassLabelCount >= 1, $"ClassLabelCount is {ClassLabelCount}; it must be at least 1 (or null).");
        Require(MaxBatchSize >= 1, $"MaxBatchSize is {MaxBatchSize}; it must be at least 1.");
        Require(IntraOpThreads >= 0, $"IntraOpThreads is {IntraOpThreads}; it must be 0 (ONNX Runtime's choice) or more.");
        Require(CudaDevice >= 0, $"CudaDevice is {CudaDevice}; it must be 0 or more.");
        foreach (var (name, value) in new[] { ("SampleInput", SampleInput), ("TimestepInput", TimestepInput), ("ClassLabelsInput", ClassLabelsInput), ("Output", Output) })
            Require(!string.IsNullOrWhiteSpace(value), $"{name} is empty; it must name an input or output of the model.");
        Require(new[] { SampleInput, TimestepInput, ClassLabelsInput }.Distinct(StringComparer.Ordinal).Count() == 3,
            $"SampleInput, TimestepInput and ClassLabelsInput must be three different names, not '{SampleInput}', '{TimestepInput}', '{ClassLabelsInput}'.");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException($"Invalid ONNX denoiser options: {message}");
    }
}
