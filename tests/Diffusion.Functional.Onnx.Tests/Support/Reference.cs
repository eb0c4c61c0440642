using System.Text.Json;

namespace Diffusion.Functional.Onnx.Tests.Support;

/// <summary>A reference input and PyTorch's output at export time, written by tools/mnist-model/train.py next to the model.</summary>
public sealed class Reference
{
    private readonly JsonElement root;

    private Reference(JsonElement root) => this.root = root;

    public static Reference Read(string name)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Fixtures.ModelsPathOf(name)));
        return new Reference(json.RootElement.Clone());
    }

    public int[] Shape => Ints("shape");

    // The JSON holds each float32 exactly as a double (Python's float of a float32), so the cast is exact.
    public float[] Floats(string name) => root.GetProperty(name).EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();

    public int[] Ints(string name) => root.GetProperty(name).EnumerateArray().Select(v => v.GetInt32()).ToArray();

    public string Text(string name) => root.GetProperty(name).GetString() ?? "";
}
