using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Diffusion.Functional.Onnx;

/// <summary>Opening ONNX Runtime sessions and describing their inputs and outputs in messages.</summary>
internal static class OnnxSessions
{
    /// <summary>A session on the CPU (or CUDA) with the given intra-op threads, one inter-op thread, all graph optimisations.</summary>
    internal static InferenceSession Open(string model, int intraOpThreads, bool useCuda, int cudaDevice, Func<SessionOptions, InferenceSession> open)
    {
        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        if (useCuda)
        {
            try
            {
                sessionOptions.AppendExecutionProvider_CUDA(cudaDevice);
            }
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                throw new OnnxModelException(model,
                    $"{model}: the CUDA execution provider is not available ({FirstLine(e.Message)}). It needs an NVIDIA GPU with CUDA and cuDNN " +
                    "and the package Microsoft.ML.OnnxRuntime.Gpu in place of Microsoft.ML.OnnxRuntime (docs/network.md); or run without UseCuda.", e);
            }
        }
        try
        {
            return open(sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxModelException(model, $"{model} is not an ONNX model that ONNX Runtime can load: {FirstLine(e.Message)}", e);
        }
    }

    /// <summary>Checks that <paramref name="path"/> is a file before ONNX Runtime is asked to open it.</summary>
    internal static void RequireFile(string path)
    {
        if (Directory.Exists(path)) throw new OnnxModelException(path, $"{path} is a folder, not an ONNX model file.");
        if (!File.Exists(path)) throw new OnnxModelException(path, $"There is no ONNX model at {path}: the file does not exist.");
    }

    internal static string Describe(IReadOnlyDictionary<string, NodeMetadata> inputs, IReadOnlyDictionary<string, NodeMetadata> outputs) =>
        $"inputs {string.Join(", ", inputs.Select(p => $"{p.Key} {TypeName(p.Value)}"))}; outputs {string.Join(", ", outputs.Select(p => $"{p.Key} {TypeName(p.Value)}"))}";

    internal static string TypeName(NodeMetadata node)
    {
        if (!node.IsTensor) return $"a {node.OnnxValueType} (not a tensor)";
        var dims = node.Dimensions.Select((d, i) => d > 0 ? d.ToString(CultureInfo.InvariantCulture)
            : node.SymbolicDimensions.Length > i && node.SymbolicDimensions[i].Length > 0 ? node.SymbolicDimensions[i] : "?");
        return $"{ElementName(node.ElementDataType)} [{string.Join(", ", dims)}]";
    }

    internal static string ElementName(TensorElementType type) => type switch
    {
        TensorElementType.Float => "float32",
        TensorElementType.Double => "float64",
        TensorElementType.Float16 => "float16",
        TensorElementType.BFloat16 => "bfloat16",
        TensorElementType.Int64 => "int64",
        TensorElementType.Int32 => "int32",
        TensorElementType.Int16 => "int16",
        TensorElementType.Int8 => "int8",
        TensorElementType.UInt8 => "uint8",
        TensorElementType.Bool => "bool",
        TensorElementType.String => "string",
        _ => type.ToString().ToLowerInvariant(),
    };

    internal static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
