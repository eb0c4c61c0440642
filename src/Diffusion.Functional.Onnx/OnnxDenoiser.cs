using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Diffusion.Functional.Onnx;

/// <summary>
/// A denoising network in an ONNX file, called on float32 image batches [N, C, H, W] with one 0-based network timestep
/// per image (network t = our 1-based t − 1, as diffusers counts) and, for a class-conditional model, one label per
/// image. A model whose timestep input is float32 or float64 is also run at fractional timesteps
/// (<see cref="RunAt(ReadOnlySpan{float}, ReadOnlySpan{double}, ReadOnlySpan{int}, Span{float})"/>); one with an integer
/// timestep input only at integers. Inputs and outputs are checked when the model is loaded, and every output is checked for shape and for
/// NaN/∞. Large batches are split into calls of at most <see cref="OnnxDenoiserOptions.MaxBatchSize"/> images.
/// Thread-safe: ONNX Runtime sessions may be run concurrently. Dispose it to free the native session.
/// </summary>
public sealed class OnnxDenoiser : IDisposable
{
    private readonly InferenceSession session;
    private readonly TensorElementType timestepType;
    private readonly bool scalarTimestep; // one timestep per call, of shape [] or [1]: a call takes only images of equal t
    private readonly long[] scalarTimestepShape = [];
    private readonly TensorElementType labelType;
    private readonly int fixedBatch; // the model's fixed batch size, or 0 when its batch axis is dynamic
    private readonly string[] inputNames;
    private readonly string[] outputNames;

    private OnnxDenoiser(InferenceSession session, string model, OnnxDenoiserOptions options)
    {
        this.session = session;
        Model = model;
        Options = options;
        var inputs = session.InputMetadata;
        var outputs = session.OutputMetadata;
        string have = OnnxSessions.Describe(inputs, outputs);
        string expected = ExpectedSignature(options);
        OnnxModelException Mismatch(string what) =>
            new(model, $"{model}: {what}\n  expected: {expected}\n  the model has: {have}\n  (the names are set by OnnxDenoiserOptions: SampleInput, TimestepInput, ClassLabelsInput, Output)");

        // The sample: float32 [N, C, H, W]; fixed dimensions must match, symbolic ones may be anything.
        if (!inputs.TryGetValue(options.SampleInput, out var sample)) throw Mismatch($"the model has no input '{options.SampleInput}'.");
        if (!sample.IsTensor || sample.ElementDataType != TensorElementType.Float)
            throw Mismatch($"input '{options.SampleInput}' is {OnnxSessions.TypeName(sample)}, not float32.");
        if (sample.Dimensions.Length != 4) throw Mismatch($"input '{options.SampleInput}' has rank {sample.Dimensions.Length}, not 4 ([N, C, H, W]).");
        CheckDimension(sample.Dimensions[1], options.Channels, $"input '{options.SampleInput}' has {sample.Dimensions[1]} channels, not C = {options.Channels}.", Mismatch);
        CheckDimension(sample.Dimensions[2], options.Height, $"input '{options.SampleInput}' has height {sample.Dimensions[2]}, not H = {options.Height}.", Mismatch);
        CheckDimension(sample.Dimensions[3], options.Width, $"input '{options.SampleInput}' has width {sample.Dimensions[3]}, not W = {options.Width}.", Mismatch);
        fixedBatch = sample.Dimensions[0] > 0 ? sample.Dimensions[0] : 0;

        // The timestep: integer or floating, one per image or one scalar for the whole call.
        if (!inputs.TryGetValue(options.TimestepInput, out var timestep)) throw Mismatch($"the model has no input '{options.TimestepInput}'.");
        if (!timestep.IsTensor || timestep.ElementDataType is not (TensorElementType.Int64 or TensorElementType.Int32 or TensorElementType.Float or TensorElementType.Double))
            throw Mismatch($"input '{options.TimestepInput}' is {OnnxSessions.TypeName(timestep)}, not int64, int32, float32 or float64.");
        scalarTimestep = timestep.Dimensions.Length == 0 || timestep.Dimensions is [1] && fixedBatch != 1;
        if (timestep.Dimensions.Length > 1) throw Mismatch($"input '{options.TimestepInput}' has rank {timestep.Dimensions.Length}, not 1 ([N]) or 0 (a scalar).");
        if (timestep.Dimensions is [var tn] && tn > 0 && tn != 1 && tn != fixedBatch)
            throw Mismatch($"input '{options.TimestepInput}' has a fixed length {tn} that is not the batch size.");
        timestepType = timestep.ElementDataType;
        if (timestep.Dimensions.Length == 1) scalarTimestepShape = [1];

        // Class labels: optional; when the model has the input, every call must give one label per image.
        if (inputs.TryGetValue(options.ClassLabelsInput, out var labels))
        {
            if (!labels.IsTensor || labels.ElementDataType is not (TensorElementType.Int64 or TensorElementType.Int32))
                throw Mismatch($"input '{options.ClassLabelsInput}' is {OnnxSessions.TypeName(labels)}, not int64 or int32.");
            if (labels.Dimensions.Length != 1) throw Mismatch($"input '{options.ClassLabelsInput}' has rank {labels.Dimensions.Length}, not 1 ([N]).");
            if (labels.Dimensions[0] > 0 && labels.Dimensions[0] != Math.Max(fixedBatch, 1))
                throw Mismatch($"input '{options.ClassLabelsInput}' has a fixed length {labels.Dimensions[0]} that is not the batch size.");
            labelType = labels.ElementDataType;
            IsClassConditional = true;
        }
        string[] unknown = inputs.Keys.Where(k => k != options.SampleInput && k != options.TimestepInput && k != options.ClassLabelsInput).ToArray();
        if (unknown.Length > 0) throw Mismatch($"the model needs input{(unknown.Length > 1 ? "s" : "")} '{string.Join("', '", unknown)}', which this denoiser does not give it.");

        // The output: float32 [N, C or 2C, H, W].
        if (!outputs.TryGetValue(options.Output, out var output)) throw Mismatch($"the model has no output '{options.Output}'.");
        if (!output.IsTensor || output.ElementDataType != TensorElementType.Float)
            throw Mismatch($"output '{options.Output}' is {OnnxSessions.TypeName(output)}, not float32.");
        if (output.Dimensions.Length != 4) throw Mismatch($"output '{options.Output}' has rank {output.Dimensions.Length}, not 4 ([N, C, H, W]).");
        int declared = output.Dimensions[1];
        if (declared > 0 && declared != options.Channels && declared != 2 * options.Channels)
            throw Mismatch($"output '{options.Output}' has {declared} channels, not C = {options.Channels} or 2C = {2 * options.Channels}.");
        if (declared > 0 && options.OutputChannels is { } wanted && wanted != declared)
            throw Mismatch($"output '{options.Output}' has {declared} channels, not the {wanted} of OutputChannels.");
        CheckDimension(output.Dimensions[2], options.Height, $"output '{options.Output}' has height {output.Dimensions[2]}, not H = {options.Height}.", Mismatch);
        CheckDimension(output.Dimensions[3], options.Width, $"output '{options.Output}' has width {output.Dimensions[3]}, not W = {options.Width}.", Mismatch);
        OutputChannels = options.OutputChannels ?? (declared > 0 ? declared : options.Channels);

        inputNames = IsClassConditional ? [options.SampleInput, options.TimestepInput, options.ClassLabelsInput] : [options.SampleInput, options.TimestepInput];
        outputNames = [options.Output];
    }

    /// <summary>The model's file path, or the name of the shipped model.</summary>
    public string Model { get; }

    /// <summary>The options it was loaded with.</summary>
    public OnnxDenoiserOptions Options { get; }

    /// <summary>Whether the model takes class labels (it has the input <see cref="OnnxDenoiserOptions.ClassLabelsInput"/>).</summary>
    public bool IsClassConditional { get; }

    /// <summary>The channels of each output image: C, or 2C for a model that also predicts a learned-range variance.</summary>
    public int OutputChannels { get; }

    /// <summary>The element type of the model's timestep input, as ONNX names it: int64, int32, float32 or float64.</summary>
    public string TimestepInputType => OnnxSessions.ElementName(timestepType);

    /// <summary>
    /// True when the timestep input is float32 or float64, so that the network can be evaluated between its training
    /// grid's integer timesteps (what k-diffusion's off-grid samplers need; docs/network.md); false for int64 and int32.
    /// </summary>
    public bool TakesFractionalTimesteps => timestepType is TensorElementType.Float or TensorElementType.Double;

    /// <summary>C·H·W, the values of one input image.</summary>
    public int PixelsPerImage => Options.Channels * Options.Height * Options.Width;

    /// <summary>OutputChannels·H·W, the values of one output image.</summary>
    public int OutputValuesPerImage => OutputChannels * Options.Height * Options.Width;

    /// <summary>
    /// Loads the ONNX model at <paramref name="path"/> and checks its inputs and outputs against
    /// <paramref name="options"/>; a missing file, a file that is not ONNX, or a model of another signature gives an
    /// <see cref="OnnxModelException"/> that names what the model has and what was expected.
    /// </summary>
    public static OnnxDenoiser Load(string path, OnnxDenoiserOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        OnnxSessions.RequireFile(path);
        return Create(path, options, sessionOptions => new InferenceSession(path, sessionOptions));
    }

    /// <summary>
    /// Loads an ONNX model from its bytes (e.g. <see cref="ShippedModels.MnistUNet"/>), named <paramref name="name"/>
    /// in errors, and checks it as <see cref="Load(string, OnnxDenoiserOptions)"/> does.
    /// </summary>
    public static OnnxDenoiser Load(byte[] model, string name, OnnxDenoiserOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return Create(name, options, sessionOptions => new InferenceSession(model, sessionOptions));
    }

    /// <summary>Loads the shipped class-conditional MNIST UNet (<see cref="ShippedModels.MnistUNet"/>) with <see cref="OnnxDenoiserOptions.MnistUNet"/> or the given options.</summary>
    public static OnnxDenoiser LoadMnistUNet(OnnxDenoiserOptions? options = null) =>
        Load(ShippedModels.MnistUNet, ShippedModels.MnistUNetName, options ?? OnnxDenoiserOptions.MnistUNet);

    private static OnnxDenoiser Create(string model, OnnxDenoiserOptions options, Func<SessionOptions, InferenceSession> open)
    {
        var session = OnnxSessions.Open(model, options.IntraOpThreads, options.UseCuda, options.CudaDevice, open);
        try
        {
            return new OnnxDenoiser(session, model, options);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the model on N = <paramref name="networkTimesteps"/>.Length images: <paramref name="samples"/> holds
    /// N·C·H·W values (image-major, then channel, row, column), <paramref name="networkTimesteps"/> the 0-based network
    /// timestep of each image (our t − 1, in 0..T − 1), <paramref name="classLabels"/> one label per image for a
    /// class-conditional model and nothing otherwise. Writes N·OutputChannels·H·W values to
    /// <paramref name="destination"/> (which must not overlap the samples); on an exception its contents are unspecified.
    /// The same run as <see cref="RunAt(ReadOnlySpan{float}, ReadOnlySpan{double}, ReadOnlySpan{int}, Span{float})"/> at these integers.
    /// </summary>
    public void Run(ReadOnlySpan<float> samples, ReadOnlySpan<int> networkTimesteps, ReadOnlySpan<int> classLabels, Span<float> destination) =>
        RunAt(samples, NetworkAdapter.Widened(networkTimesteps), classLabels, destination);

    /// <summary>Runs the model as <see cref="Run(ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{int}, Span{float})"/> does, into a fresh array of N·OutputChannels·H·W values.</summary>
    public float[] Run(ReadOnlySpan<float> samples, ReadOnlySpan<int> networkTimesteps, ReadOnlySpan<int> classLabels = default) =>
        RunAt(samples, NetworkAdapter.Widened(networkTimesteps), classLabels);

    /// <summary>
    /// Runs the model as <see cref="Run(ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{int}, Span{float})"/> does at
    /// real 0-based network timesteps t ∈ [0, T − 1] (k-diffusion's fractional timesteps between the training grid's
    /// levels; docs/network.md). A float32 timestep input receives t rounded to float32 (exact at integers); a model with
    /// an integer timestep input refuses a t that is not an integer, since it is defined only on the grid.
    /// </summary>
    public void RunAt(ReadOnlySpan<float> samples, ReadOnlySpan<double> networkTimesteps, ReadOnlySpan<int> classLabels, Span<float> destination)
    {
        int n = networkTimesteps.Length;
        int pixels = PixelsPerImage, outValues = OutputValuesPerImage;
        CheckArguments(samples, networkTimesteps, classLabels);
        if ((long)destination.Length != (long)n * outValues)
            throw new ArgumentException($"The destination holds {destination.Length} values; {n} images of {OutputChannels} × {Options.Height} × {Options.Width} need {(long)n * outValues}.", nameof(destination));
        if (destination.Overlaps(samples))
            throw new ArgumentException("The destination overlaps the samples; the denoiser writes into a fresh buffer, never into its input.", nameof(destination));

        int chunkLimit = fixedBatch > 0 ? fixedBatch : Options.MaxBatchSize;
        for (int start = 0; start < n;)
        {
            int count = Math.Min(chunkLimit, n - start);
            if (scalarTimestep)
            {
                int run = 1;
                while (run < count && networkTimesteps[start + run] == networkTimesteps[start]) run++;
                count = run;
            }
            RunChunk(samples.Slice(start * pixels, count * pixels), networkTimesteps.Slice(start, count),
                IsClassConditional ? classLabels.Slice(start, count) : default, start, destination.Slice(start * outValues, count * outValues));
            start += count;
        }
    }

    /// <summary>Runs the model as <see cref="RunAt(ReadOnlySpan{float}, ReadOnlySpan{double}, ReadOnlySpan{int}, Span{float})"/> does, into a fresh array of N·OutputChannels·H·W values.</summary>
    public float[] RunAt(ReadOnlySpan<float> samples, ReadOnlySpan<double> networkTimesteps, ReadOnlySpan<int> classLabels = default)
    {
        CheckArguments(samples, networkTimesteps, classLabels);
        var result = new float[(long)networkTimesteps.Length * OutputValuesPerImage];
        RunAt(samples, networkTimesteps, classLabels, result);
        return result;
    }

    private void CheckArguments(ReadOnlySpan<float> samples, ReadOnlySpan<double> networkTimesteps, ReadOnlySpan<int> classLabels)
    {
        int n = networkTimesteps.Length;
        if (n == 0) throw new ArgumentException("The batch is empty: give at least one timestep (one per image).", nameof(networkTimesteps));
        if ((long)samples.Length != (long)n * PixelsPerImage)
            throw new ArgumentException($"The samples hold {samples.Length} values; {n} images (one per timestep) of {Options.Channels} × {Options.Height} × {Options.Width} need {(long)n * PixelsPerImage}.", nameof(samples));
        for (int i = 0; i < n; i++)
        {
            double t = networkTimesteps[i];
            if (!(t >= 0.0 && t <= Options.TrainingSteps - 1))
                throw new ArgumentOutOfRangeException(nameof(networkTimesteps), t,
                    $"The network timestep of image {i} is {Text(t)}; it must lie in 0..{Options.TrainingSteps - 1} (network t = our t − 1, our t in 1..{Options.TrainingSteps}).");
            if (!TakesFractionalTimesteps && t != Math.Floor(t))
                throw new ArgumentException(
                    $"The network timestep of image {i} is {Text(t)}, between integers, but {Model} takes integer timesteps (its input '{Options.TimestepInput}' is {TimestepInputType}): " +
                    "it is defined only on its training grid. A model whose timestep input is float32 or float64 can be evaluated between the grid's timesteps.", nameof(networkTimesteps));
        }
        if (!IsClassConditional)
        {
            if (!classLabels.IsEmpty)
                throw new ArgumentException($"{Model} is not class-conditional (it has no input '{Options.ClassLabelsInput}'); give no class labels.", nameof(classLabels));
            return;
        }
        if (classLabels.Length != n)
            throw new ArgumentException($"{Model} is class-conditional: give one class label per image, {n}, not {classLabels.Length}.", nameof(classLabels));
        for (int i = 0; i < n; i++)
            if (classLabels[i] < 0 || Options.ClassLabelCount is { } count && classLabels[i] >= count)
                throw new ArgumentOutOfRangeException(nameof(classLabels), classLabels[i],
                    $"The class label of image {i} is {classLabels[i]}; it must lie in 0..{(Options.ClassLabelCount is { } c ? (c - 1).ToString(CultureInfo.InvariantCulture) : "")}.");
    }

    private void RunChunk(ReadOnlySpan<float> samples, ReadOnlySpan<double> timestepSpan, ReadOnlySpan<int> labelSpan, int first, Span<float> destination)
    {
        int count = timestepSpan.Length;
        int batch = fixedBatch > 0 ? fixedBatch : count; // a fixed-batch model gets its batch padded with the last image
        int pixels = PixelsPerImage;
        var sampleBuffer = new float[batch * pixels];
        samples.CopyTo(sampleBuffer);
        for (int i = count; i < batch; i++) samples.Slice((count - 1) * pixels, pixels).CopyTo(sampleBuffer.AsSpan(i * pixels));
        double[] timesteps = Padded(timestepSpan, scalarTimestep ? 1 : batch);
        int[] labels = IsClassConditional ? Padded(labelSpan, batch) : [];

        long[] timestepShape = scalarTimestep ? scalarTimestepShape : [batch];
        using var sampleValue = OrtValue.CreateTensorValueFromMemory(sampleBuffer, [batch, Options.Channels, Options.Height, Options.Width]);
        using var timestepValue = timestepType switch
        {
            // integer models were checked to get integers, so the casts to long and int are exact
            TensorElementType.Int64 => OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(timesteps, t => (long)t), timestepShape),
            TensorElementType.Int32 => OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(timesteps, t => (int)t), timestepShape),
            TensorElementType.Float => OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(timesteps, t => (float)t), timestepShape),
            _ => OrtValue.CreateTensorValueFromMemory(timesteps, timestepShape),
        };
        using var labelValue = !IsClassConditional ? null
            : labelType == TensorElementType.Int64
                ? OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(labels, l => (long)l), [batch])
                : OrtValue.CreateTensorValueFromMemory(labels, [batch]);
        OrtValue[] values = IsClassConditional ? [sampleValue, timestepValue, labelValue!] : [sampleValue, timestepValue];

        string Where(int image) => $"image {first + image} of the batch (network timestep {Text(timesteps[scalarTimestep ? 0 : image])}{(IsClassConditional ? $", class label {labels[image]}" : "")})";
        string Range() => $"images {first}..{first + count - 1} of the batch (network timesteps {ListOf(scalarTimestep ? timesteps : timesteps[..count])})";
        IDisposableReadOnlyCollection<OrtValue> results;
        try
        {
            using var runOptions = new RunOptions();
            results = session.Run(runOptions, inputNames, values, outputNames);
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxModelException(Model, $"{Model} failed on {Range()}: {OnnxSessions.FirstLine(e.Message)}", e);
        }
        using (results)
        {
            var output = results[0];
            var info = output.GetTensorTypeAndShape();
            long[] expected = [batch, OutputChannels, Options.Height, Options.Width];
            if (info.ElementDataType != TensorElementType.Float || !info.Shape.SequenceEqual(expected))
                throw new OnnxModelException(Model,
                    $"{Model} returned {OnnxSessions.ElementName(info.ElementDataType)} [{string.Join(", ", info.Shape)}] for {Range()}; " +
                    $"expected float32 [{string.Join(", ", expected)}] from output '{Options.Output}'.");
            var data = output.GetTensorDataAsSpan<float>();
            int outValues = OutputValuesPerImage;
            for (int i = 0; i < count * outValues; i++)
            {
                if (!float.IsFinite(data[i]))
                    throw new OnnxModelException(Model,
                        $"{Model} returned {data[i].ToString(CultureInfo.InvariantCulture)} for {Where(i / outValues)}, value {i % outValues}: a denoiser's output must be finite.");
            }
            data[..(count * outValues)].CopyTo(destination);
        }
    }

    /// <summary>A one-line description of the model's inputs and outputs, e.g. <c>inputs sample float32 [batch, 1, 28, 28], …; outputs out_sample float32 […]</c>.</summary>
    public string Signature() => OnnxSessions.Describe(session.InputMetadata, session.OutputMetadata);

    /// <summary>Frees the native ONNX Runtime session.</summary>
    public void Dispose() => session.Dispose();

    // Up to six values, then an ellipsis and the last one.
    private static string ListOf(double[] values) =>
        values.Length <= 6 ? string.Join(", ", values.Select(Text)) : $"{string.Join(", ", values[..5].Select(Text))}, …, {Text(values[^1])}";

    private static string Text(double timestep) => timestep.ToString(CultureInfo.InvariantCulture);

    // The values, with the last one repeated up to length (a fixed-batch model's padding).
    private static T[] Padded<T>(ReadOnlySpan<T> values, int length)
    {
        var padded = new T[length];
        for (int i = 0; i < length; i++) padded[i] = values[Math.Min(i, values.Length - 1)];
        return padded;
    }

    private static void CheckDimension(int actual, int expected, string message, Func<string, OnnxModelException> mismatch)
    {
        if (actual > 0 && actual != expected) throw mismatch(message);
    }

    private static string ExpectedSignature(OnnxDenoiserOptions o) =>
        $"inputs {o.SampleInput} float32 [N, {o.Channels}, {o.Height}, {o.Width}], {o.TimestepInput} int64, int32, float32 or float64 [N] or a scalar, " +
        $"optionally {o.ClassLabelsInput} int64 or int32 [N]; output {o.Output} float32 [N, {o.OutputChannels?.ToString(CultureInfo.InvariantCulture) ?? $"{o.Channels} or {2 * o.Channels}"}, {o.Height}, {o.Width}]";

}
