namespace Diffusion.Functional.Data.Npy;

/// <summary>The element type of an .npy array: little-endian IEEE floats.</summary>
public enum NpyElementType
{
    /// <summary>float32, NumPy dtype <c>&lt;f4</c> (each double rounded to the nearest float).</summary>
    Float32,

    /// <summary>float64, NumPy dtype <c>&lt;f8</c> (exact).</summary>
    Float64,
}
