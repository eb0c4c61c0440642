using System.Runtime.CompilerServices;
namespace Diffusion.Functional.Noise;

/// <summary>
/// The name of one reproducible stream of standard normal noise: the same key gives the same numbers, bit for bit,
/// on any machine and any thread count. Keys form a tree: <see cref="Child(ulong)"/> derives an independent key for a
/// sub-task (a timestep, an image of a batch), so work can be split any way without changing a single number.
/// </summary>
/// <param name="Value">The 64-bit key; every value, 0 included, is a valid key.</param>
public readonly record struct NoiseKey(ulong Value)
{
    /// <summary>
    /// The root key for a user-facing seed (the CLI's <c>--seed</c>): <c>new NoiseKey(seed).Child(0x6A09E667F3BCC908)</c>,
    /// i.e. F(seed ⊕ F(0x6A09E667F3BCC908 + 0x9E3779B97F4A7C15)) with F the SplitMix64 finaliser
    /// (Steele, Lea &amp; Flood 2014), a bijection, so distinct seeds give distinct root keys (docs/noise.md).
    /// </summary>
    /// <param name="seed">Any 64-bit integer.</param>
    public static NoiseKey FromSeed(ulong seed) => new(Mix(seed, 0x6A09E667F3BCC908UL));

    /// <summary>
    /// An independent key for sub-stream <paramref name="index"/> of this one (like JAX's <c>fold_in</c>):
    /// F(key ⊕ F(index + 0x9E3779B97F4A7C15)) with F the SplitMix64 finaliser (Steele, Lea &amp; Flood 2014;
    /// docs/noise.md). For one parent the map from index to child is a bijection, so its children are all distinct;
    /// children of different parents are distinct with overwhelming probability.
    /// </summary>
    /// <param name="index">Any 64-bit integer, e.g. a timestep t or an image index.</param>
    public NoiseKey Child(ulong index) => new(Mix(Value, index));

    /// <summary>
    /// The key <c>key.Child(index0).Child(index1)</c>: two applications of the SplitMix64-finaliser derivation of
    /// <see cref="Child(ulong)"/> (Steele, Lea &amp; Flood 2014; docs/noise.md), e.g. image i's step t' of a batch chain.
    /// </summary>
    public NoiseKey Child(ulong index0, ulong index1) => Child(index0).Child(index1);

    /// <summary>Combines a key with an index through the SplitMix64 finaliser (Steele, Lea &amp; Flood 2014).</summary>
    private static ulong Mix(ulong key, ulong index) => Finalise(key ^ Finalise(index + 0x9E3779B97F4A7C15UL));

    /// <summary>SplitMix64's output function, a bijection on 64-bit integers with full avalanche.</summary>
    /// <remarks>
    /// Marked for inlining: crossgen2 left it a call in every precompiled caller (a key's Child twice, the AVX2 seeding
    /// 32 times per stream), and in a one-CPU process that precompiled code may run for good (docs/performance.md).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Finalise(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
