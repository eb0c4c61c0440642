using System.Runtime.CompilerServices;

namespace Diffusion.Functional.Noise;

/// <summary>
/// One stream of <see cref="GaussianNoise"/> in plain scalar code: the reference that defines every bit, and the
/// path for machines without Vector256 acceleration. The same numbers as <see cref="GaussianStream512"/>.
/// </summary>
internal struct GaussianStreamScalar
{
    /// <summary>The number of normals one <see cref="Next"/> produces.</summary>
    public const int BlockLength = 32;

    private StreamSeeding.State _state;

    /// <summary>Positions a generator at number 0 of the stream named by <paramref name="key"/>.</summary>
    public GaussianStreamScalar(NoiseKey key) => StreamSeeding.Seed(key, ref _state);

    /// <summary>Writes the next 32 numbers of the stream to <paramref name="block"/> (length ≥ 32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Next(Span<float> block)
    {
        Span<uint> s = _state;
        block = block[..BlockLength];
        for (int lane = 0; lane < StreamSeeding.Lanes; lane++)
        {
            uint x1 = Step(s, lane);
            uint x2 = Step(s, lane);
            BoxMuller.Transform(x1, x2, out block[lane], out block[lane + StreamSeeding.Lanes]);
        }
    }

    /// <summary>The next raw 32-bit output of each lane, written to <paramref name="bits"/> (for tests).</summary>
    internal void NextBits(Span<uint> bits)
    {
        Span<uint> s = _state;
        for (int lane = 0; lane < StreamSeeding.Lanes; lane++)
        {
            bits[lane] = Step(s, lane);
        }
    }

    /// <summary>The four state words of <paramref name="lane"/> (for tests).</summary>
    internal readonly (uint S0, uint S1, uint S2, uint S3) LaneState(int lane)
    {
        ReadOnlySpan<uint> s = _state;
        return (s[lane], s[16 + lane], s[32 + lane], s[48 + lane]);
    }

    /// <summary>One xoshiro128+ step of one lane (Blackman &amp; Vigna 2018); word w of lane ℓ is s[16w + ℓ].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Step(Span<uint> s, int lane)
    {
        ref uint s0 = ref s[lane];
        ref uint s1 = ref s[16 + lane];
        ref uint s2 = ref s[32 + lane];
        ref uint s3 = ref s[48 + lane];
        uint result = s0 + s3;
        uint t = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = uint.RotateLeft(s3, 11);
        return result;
    }
}
