using System.Runtime.Intrinsics;
using Diffusion.Functional.Noise;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Functional.Tests.Noise;

/// <summary>Seeding of a stream's 16 xoshiro128+ lanes and the generator itself.</summary>
public class StreamSeedingTests
{
    [Property(MaxTest = 500)]
    public Property Seed_GivesTheSameStateOnScalarAndVectorPaths(ulong value)
    {
        var key = new NoiseKey(value);
        var state = default(StreamSeeding.State);
        StreamSeeding.Seed(key, ref state);
        ReadOnlySpan<uint> scalar = state;
        StreamSeeding.Seed(key, out var a0, out var a1, out var a2, out var a3);
        var stream256 = new GaussianStream256(key);
        var (l0, l1, l2, l3) = stream256.Words(0);
        var (h0, h1, h2, h3) = stream256.Words(8);
        uint[] vector512 = [.. Lanes(a0), .. Lanes(a1), .. Lanes(a2), .. Lanes(a3)];
        uint[] vector256 = [.. Lanes(l0), .. Lanes(h0), .. Lanes(l1), .. Lanes(h1), .. Lanes(l2), .. Lanes(h2), .. Lanes(l3), .. Lanes(h3)];
        return (scalar.SequenceEqual(vector512) && scalar.SequenceEqual(vector256)).Label($"key {value:X16}");
    }

    [Fact]
    public void LaneStates_AreAllDistinct_AcrossLanesAndKeys()
    {
        // 16 lanes × 20 000 keys (sequential raw values, which share structure, and FromSeed keys): 320 000
        // 128-bit states; a repeat would make two lanes produce the same sequence.
        var seen = new HashSet<(uint, uint, uint, uint)>();
        for (ulong i = 0; i < 10_000; i++)
        {
            foreach (NoiseKey key in new[] { new NoiseKey(i), NoiseKey.FromSeed(i) })
            {
                var stream = new GaussianStreamScalar(key);
                for (int lane = 0; lane < 16; lane++)
                {
                    Assert.True(seen.Add(stream.LaneState(lane)), $"{key}: lane {lane} repeats a state.");
                }
            }
        }
    }

    [Fact]
    public void SeedingConstants_HaveDistinctPairwiseXorDifferences()
    {
        // The independence argument (docs/noise.md): two keys' inputs h ⊕ K_i and h' ⊕ K_j can coincide only if
        // h ⊕ h' = K_i ⊕ K_j; with all 496 differences distinct, at most one pair {i, j} (two of the 32 values)
        // can coincide, fewer than the four words of one lane's state.
        var differences = new HashSet<ulong>();
        for (int i = 0; i < 32; i++)
        {
            for (int j = i + 1; j < 32; j++)
            {
                Assert.True(differences.Add(StreamSeeding.Constant(i) ^ StreamSeeding.Constant(j)), $"K_{i} ⊕ K_{j} repeats.");
            }
        }
    }

    [Fact]
    public void GuardZeroLanes_GivesAllZeroLanesANonZeroState_AndLeavesOthersAlone()
    {
        Span<uint> state = stackalloc uint[64];
        state[16 + 3] = 7; // lane 3 has s₁ = 7; every other lane is all zero
        StreamSeeding.GuardZeroLanes(state);
        for (int lane = 0; lane < 16; lane++)
        {
            Assert.Equal(lane == 3 ? 0u : 1u, state[lane]);
        }

        Assert.Equal(7u, state[16 + 3]);
        var s1 = Vector512<uint>.Zero.WithElement(3, 7u);
        var zero512 = Vector512<uint>.Zero;
        Assert.Equal(Vector512.Create(1u).WithElement(3, 0u), StreamSeeding.GuardZeroLanes(zero512, s1, zero512, zero512));
        var zero256 = Vector256<int>.Zero;
        Assert.Equal(Vector256.Create(1).WithElement(3, 0), StreamSeeding.GuardZeroLanes(zero256, s1.GetLower().AsInt32(), zero256, zero256));
    }

    [Fact]
    public void Stream256_GuardsTheZeroLanesOfBothHalves_AsTheReferenceDoes()
    {
        // Lane 3 (low half) has s₁ = 7 and lane 12 (high half) s₃ = 9; the other 14 lanes are all zero.
        var words = new uint[64];
        words[16 + 3] = 7;
        words[48 + 12] = 9;
        var reference = (uint[])words.Clone();
        StreamSeeding.GuardZeroLanes(reference);
        var stream = GaussianStream256.FromWords(words);
        var (l0, l1, l2, l3) = stream.Words(0);
        var (h0, h1, h2, h3) = stream.Words(8);
        uint[] actual = [.. Lanes(l0), .. Lanes(h0), .. Lanes(l1), .. Lanes(h1), .. Lanes(l2), .. Lanes(h2), .. Lanes(l3), .. Lanes(h3)];
        Assert.Equal(reference, actual);
    }

    [Fact]
    public void EveryLane_IsTheTextbookXoshiro128Plus_FromItsSeed()
    {
        // Blackman & Vigna's reference next() (xoshiro128plus.c), run from each lane's seeded state.
        NoiseKey key = NoiseKey.FromSeed(31);
        var stream = new GaussianStreamScalar(key);
        var reference = new (uint S0, uint S1, uint S2, uint S3)[16];
        for (int lane = 0; lane < 16; lane++)
        {
            reference[lane] = stream.LaneState(lane);
        }

        var stream256 = new GaussianStream256(key);
        var stream512 = NoisePaths.HasVector512 ? new GaussianStream512(key) : default;
        Span<uint> bits = stackalloc uint[16];
        for (int step = 0; step < 1000; step++)
        {
            stream.NextBits(bits);
            stream256.NextBits(out var lo, out var hi);
            var bits512 = NoisePaths.HasVector512 ? stream512.NextBits() : default;
            for (int lane = 0; lane < 16; lane++)
            {
                uint expected = TextbookNext(ref reference[lane]);
                Assert.Equal(expected, bits[lane]);
                Assert.Equal(expected, lane < 8 ? lo[lane] : hi[lane - 8]);
                if (NoisePaths.HasVector512)
                {
                    Assert.Equal(expected, bits512[lane]);
                }
            }
        }
    }

    private static uint TextbookNext(ref (uint S0, uint S1, uint S2, uint S3) s)
    {
        uint result = s.S0 + s.S3;
        uint t = s.S1 << 9;
        s.S2 ^= s.S0;
        s.S3 ^= s.S1;
        s.S1 ^= s.S2;
        s.S0 ^= s.S3;
        s.S2 ^= t;
        s.S3 = (s.S3 << 11) | (s.S3 >> 21);
        return result;
    }

    private static uint[] Lanes(Vector512<uint> v)
    {
        var lanes = new uint[16];
        v.CopyTo(lanes);
        return lanes;
    }

    private static uint[] Lanes(Vector256<int> v)
    {
        var lanes = new uint[8];
        v.AsUInt32().CopyTo(lanes);
        return lanes;
    }
}
