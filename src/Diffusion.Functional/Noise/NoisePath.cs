namespace Diffusion.Functional.Noise;

/// <summary>
/// The instruction sets <see cref="GaussianNoise"/> can run on; every path gives the same bits, so the choice only
/// changes the speed. Tests force each path to check that.
/// </summary>
internal enum NoisePath
{
    /// <summary>Plain scalar code, <see cref="GaussianStreamScalar"/>: the reference.</summary>
    Scalar,

    /// <summary>Two Vector256 halves per state word, <see cref="GaussianStream256"/> (AVX2).</summary>
    Vector256,

    /// <summary>One Vector512 per state word, <see cref="GaussianStream512"/> (AVX-512).</summary>
    Vector512,
}
