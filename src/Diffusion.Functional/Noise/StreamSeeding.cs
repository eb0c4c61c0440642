using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Diffusion.Functional.Noise;

/// <summary>
/// The initial state of a stream's 16 xoshiro128+ lanes, derived from its 64-bit key.
/// </summary>
/// <remarks>
/// Layout: the state is four words s₀…s₃ per lane, 16 lanes, i.e. 64 32-bit words = 32 64-bit values
/// x_i = F(h ⊕ K_i), i = 0…31, where h = M(key) is the key through MurmurHash3's fmix64 finaliser, F is
/// SplitMix64's finaliser (Steele, Lea &amp; Flood 2014; both are bijections of 64-bit integers) and K_i = (i + 1)·γ
/// with γ = 0x9E3779B97F4A7C15. Word s_w of lane ℓ is the low (ℓ even) or high (ℓ odd) half of x_{8w + ⌊ℓ/2⌋},
/// so one Vector512&lt;ulong&gt; of eight x_i, read as a Vector512&lt;uint&gt;, is word s_w of all 16 lanes.
/// A lane whose four words are all zero (the one state xoshiro cannot leave) gets s₀ = 1.
/// </remarks>
internal static class StreamSeeding
{
    /// <summary>The number of xoshiro128+ lanes of one stream, one per Vector512 lane.</summary>
    internal const int Lanes = 16;

    /// <summary>γ = 0x9E3779B97F4A7C15, the golden-ratio increment of SplitMix64: K_i = (i + 1)·γ.</summary>
    internal const ulong Gamma = 0x9E3779B97F4A7C15UL;

    /// <summary>K_i = (i + 1)·γ mod 2⁶⁴, the constant xored into word pair i (the Vector512 path inlines the same values).</summary>
    internal static ulong Constant(int i) => unchecked((ulong)(i + 1) * Gamma);

    /// <summary>MurmurHash3's fmix64 (Appleby 2011): separates a stream's seeds from <see cref="NoiseKey.Child(ulong)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Premix(ulong key)
    {
        key = (key ^ (key >> 33)) * 0xFF51AFD7ED558CCDUL;
        key = (key ^ (key >> 33)) * 0xC4CEB9FE1A85EC53UL;
        return key ^ (key >> 33);
    }

    /// <summary>The reference seeding: word w of lane ℓ at index 16·w + ℓ of <paramref name="state"/>.</summary>
    internal static void Seed(NoiseKey key, ref State state)
    {
        HashWords(key, ref state);
        GuardZeroLanes(state);
    }

    /// <summary>
    /// The seeding before the zero-lane guard: x_i's low half at index 2i, its high half at 2i + 1, which is word
    /// w of lane ℓ at 16·w + ℓ (2i = 16·⌊i/8⌋ + 2·(i mod 8)), so the Vector256 path loads its halves from it as they are.
    /// </summary>
    internal static void HashWords(NoiseKey key, ref State state)
    {
        ref uint words = ref First(ref state);
        ulong h = Premix(key.Value);
        ulong constant = 0;
        for (int i = 0; i < 64; i += 2)
        {
            constant = unchecked(constant + Gamma);   // K_{i/2}, without a static table to initialise
            ulong x = NoiseKey.Finalise(h ^ constant);
            if (BitConverter.IsLittleEndian)
            {
                // The same two words in one 64-bit store: half the stores, about 15 ns of a stream's 200 (Zen 1).
                Unsafe.WriteUnaligned(ref Unsafe.As<uint, byte>(ref Unsafe.Add(ref words, i)), x);
            }
            else
            {
                Unsafe.Add(ref words, i) = (uint)x;
                Unsafe.Add(ref words, i + 1) = (uint)(x >> 32);
            }
        }
    }

    /// <summary>
    /// Word 0 of <paramref name="state"/>, the others after it. Not <c>state[0]</c> or a span: the compiler's helpers for
    /// those live in &lt;PrivateImplementationDetails&gt;, and loading that class (with a type for every static array of
    /// the assembly) and Span&lt;uint&gt; cost a process's first AVX2 call about 0.2 ms (docs/performance.md).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ref uint First(ref State state) => ref Unsafe.As<State, uint>(ref state);

    /// <summary>Sets s₀ = 1 in every lane whose four words are all zero, xoshiro's one fixed point.</summary>
    internal static void GuardZeroLanes(Span<uint> state)
    {
        for (int lane = 0; lane < Lanes; lane++)
        {
            if ((state[lane] | state[Lanes + lane] | state[(2 * Lanes) + lane] | state[(3 * Lanes) + lane]) == 0)
            {
                state[lane] = 1;
            }
        }
    }

    /// <summary><see cref="GuardZeroLanes(Span{uint})"/> on 16 lanes: returns the guarded s₀.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<uint> GuardZeroLanes(
        Vector512<uint> s0, Vector512<uint> s1, Vector512<uint> s2, Vector512<uint> s3) =>
        s0 | (Vector512.Equals(s0 | s1 | s2 | s3, Vector512<uint>.Zero) & Vector512.Create(1u));

    /// <summary><see cref="GuardZeroLanes(Span{uint})"/> on 8 lanes: returns the guarded s₀.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> GuardZeroLanes(
        Vector256<int> s0, Vector256<int> s1, Vector256<int> s2, Vector256<int> s3) =>
        s0 | (Vector256.Equals(s0 | s1 | s2 | s3, Vector256<int>.Zero) & Vector256.Create(1));

    /// <summary>The same seeding, word w of the 16 lanes in one vector each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Seed(
        NoiseKey key,
        out Vector512<uint> s0,
        out Vector512<uint> s1,
        out Vector512<uint> s2,
        out Vector512<uint> s3)
    {
        var h = Vector512.Create(Premix(key.Value));
        s0 = Finalise(h ^ Vector512.Create(
            0x9E3779B97F4A7C15UL, 0x3C6EF372FE94F82AUL, 0xDAA66D2C7DDF743FUL, 0x78DDE6E5FD29F054UL,
            0x1715609F7C746C69UL, 0xB54CDA58FBBEE87EUL, 0x538454127B096493UL, 0xF1BBCDCBFA53E0A8UL)).AsUInt32();
        s1 = Finalise(h ^ Vector512.Create(
            0x8FF34785799E5CBDUL, 0x2E2AC13EF8E8D8D2UL, 0xCC623AF8783354E7UL, 0x6A99B4B1F77DD0FCUL,
            0x08D12E6B76C84D11UL, 0xA708A824F612C926UL, 0x454021DE755D453BUL, 0xE3779B97F4A7C150UL)).AsUInt32();
        s2 = Finalise(h ^ Vector512.Create(
            0x81AF155173F23D65UL, 0x1FE68F0AF33CB97AUL, 0xBE1E08C47287358FUL, 0x5C55827DF1D1B1A4UL,
            0xFA8CFC37711C2DB9UL, 0x98C475F0F066A9CEUL, 0x36FBEFAA6FB125E3UL, 0xD5336963EEFBA1F8UL)).AsUInt32();
        s3 = Finalise(h ^ Vector512.Create(
            0x736AE31D6E461E0DUL, 0x11A25CD6ED909A22UL, 0xAFD9D6906CDB1637UL, 0x4E115049EC25924CUL,
            0xEC48CA036B700E61UL, 0x8A8043BCEABA8A76UL, 0x28B7BD766A05068BUL, 0xC6EF372FE94F82A0UL)).AsUInt32();
        s0 = GuardZeroLanes(s0, s1, s2, s3);
    }

    /// <summary><see cref="NoiseKey.Finalise"/> on 8 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Finalise(Vector512<ulong> z)
    {
        z = (z ^ (z >> 30)) * Vector512.Create(0xBF58476D1CE4E5B9UL);
        z = (z ^ (z >> 27)) * Vector512.Create(0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>The 64 state words of one stream (word w of lane ℓ at index 16·w + ℓ), on the stack.</summary>
    [InlineArray(64)]
    internal struct State
    {
        private uint _element;
    }
}
