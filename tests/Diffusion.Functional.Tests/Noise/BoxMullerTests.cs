using System.Runtime.Intrinsics;
using Diffusion.Functional.Noise;

namespace Diffusion.Functional.Tests.Noise;

/// <summary>
/// The float32 Box–Muller transform against double precision: each approximation over a dense (mostly exhaustive)
/// grid, and the whole transform on the uniforms rebuilt from a stream's raw words. The bounds are the ones
/// docs/noise.md documents; each is derived below from its parts, not fitted to the measured maxima.
/// </summary>
public class BoxMullerTests
{
    private static readonly double Ulp = Math.Pow(2, -24);

    /// <summary>
    /// −2 ln u₁ = k·(−2 ln 2) + T_b + r·H(r), H ≈ −2. Error budget in units u = 2⁻²⁴ of the result R: T_b and
    /// −2 ln 2 are near exact (≤ 0.05 u); rounding r (|r| ≤ 0.04, error ≤ 2⁻³⁰) moves R by ≤ 2⁻²⁹, and rounding H
    /// (error ≤ 2⁻²³) moves r·H by ≤ 2⁻²³·|r|; the worst case is the smallest R a bucket with c_b ≠ 1 reaches,
    /// R = 0.0234 at m = 0.98836 (|r| = 0.016): 1.3 u + 1.4 u, plus ½ u for the final rounding and ≤ 0.3 u for the
    /// series cut, 3.5 u in all. Bound: 4 u = 2⁻²² relative (measured: 2.5 u, at m = 0.98832).
    /// </summary>
    internal static readonly double LogRelativeBound = 4 * Ulp;

    /// <summary>r = √(r²): half of r²'s relative error plus the rounding of the square root, 2·2⁻²⁴ + 2⁻²⁴ (measured 1.16·10⁻⁷).</summary>
    internal static readonly double RadiusRelativeBound = 3 * Ulp;

    /// <summary>
    /// sin φ, cos φ on [−π/4, π/4]: Cephes' minimax polynomials (about 1 ulp) of an argument φ within half an ulp
    /// of exact (Cody–Waite split of π·2⁻²⁶). Bounded by 2⁻²³ absolute; measured 6.3·10⁻⁸ (sin) and 9.3·10⁻⁸ (cos).
    /// </summary>
    internal static readonly double TrigAbsoluteBound = 2 * Ulp;

    /// <summary>
    /// z = r·cos θ: |Δz| ≤ |Δr|·|cos θ| + r·|Δcos θ| + ½ ulp(z) ≤ r·(3 + 2 + 1)·2⁻²⁴ = 3.6·10⁻⁷·r (measured 2.1·10⁻⁷·r).
    /// </summary>
    internal static readonly double NormalErrorBound = RadiusRelativeBound + TrigAbsoluteBound + Ulp;

    /// <summary>The largest |z|: r for u₁ = 2⁻³², √(64 ln 2) = 6.66043688926… rounded to float.</summary>
    internal const float LargestMagnitude = 6.660437f;

    [Fact]
    public void MinusTwoLog_IsWithinItsBound_OverADenseGridOfMantissas()
    {
        // Every third float m ∈ [√½, √2) (4.2 million of the 12.6 million, all 16 buckets, m = 1 included), with
        // y = m·2³² so that u₁ = m exactly.
        uint from = BitConverter.SingleToUInt32Bits(MathF.Sqrt(0.5f)), to = BitConverter.SingleToUInt32Bits(MathF.Sqrt(2f));
        double worst = 0;
        float worstAt = 0;
        for (uint bits = from; bits <= to; bits += 3)
        {
            float m = BitConverter.UInt32BitsToSingle(bits);
            double exact = -2.0 * Math.Log(m);
            float actual = BoxMuller.MinusTwoLogScaled(m * 4294967296f);
            double error = exact == 0 ? Math.Abs(actual) : Math.Abs(actual - exact) / Math.Abs(exact);
            if (error > worst)
            {
                worst = error;
                worstAt = m;
            }
        }

        Assert.True(worst <= LogRelativeBound, $"−2 ln m: relative error {worst:E3} at m = {worstAt:R} exceeds {LogRelativeBound:E3}.");
    }

    [Fact]
    public void MinusTwoLog_IsWithinItsBound_AtEveryExponent()
    {
        // u₁ = 2ᵏ·m for every k ∈ [−32, 0]: 4096 mantissas per binade, both ends included.
        for (int e = 0; e <= 32; e++)
        {
            for (uint j = 0; j <= 4096; j++)
            {
                float y = MathF.ScaleB(1f + (j / 4096f), e);
                if (y > 4294967296f)
                {
                    break;
                }

                double exact = -2.0 * Math.Log(y / 4294967296.0);
                float actual = BoxMuller.MinusTwoLogScaled(y);
                double error = exact == 0 ? Math.Abs(actual) : Math.Abs(actual - exact) / exact;
                Assert.True(error <= LogRelativeBound, $"−2 ln({y:R}·2⁻³²) = {actual:R}, exact {exact:R}: relative error {error:E3}.");
            }
        }
    }

    [Fact]
    public void Radius_IsWithinItsBound_OverTheWholeWordRange()
    {
        // Every word below 2¹⁸ and above 2³² − 2¹⁸ (the tails of z and its centre), and every 16411th in between.
        static void Check(uint x1)
        {
            double exact = Math.Sqrt(-2.0 * Math.Log(BoxMuller.Uniform(x1)));
            float actual = MathF.Sqrt(BoxMuller.MinusTwoLogUniform(x1));
            double error = exact == 0 ? actual : Math.Abs(actual - exact) / exact;
            Assert.True(error <= RadiusRelativeBound, $"r(x₁ = {x1}) = {actual:R}, exact {exact:R}: relative error {error:E3}.");
        }

        for (uint x = 0; x < 1u << 18; x++)
        {
            Check(x);
            Check(uint.MaxValue - x);
        }

        for (ulong x = 1u << 18; x < (1UL << 32) - (1u << 18); x += 16411)
        {
            Check((uint)x);
        }
    }

    [Fact]
    public void SinCos_AreWithinTheirBound_OverTheAngleGrid()
    {
        // Every 5th of the 2²⁴ reduced angles φ = t·π·2⁻²⁶, t odd, |t| < 2²⁴ (the grid holds 2²⁶ angles in
        // 4 quadrants; the quadrant only permutes and negates sin φ and cos φ), both ends included.
        double worstSin = 0, worstCos = 0;
        void Check(int j)
        {
            int t = (2 * j) + 1;
            double phi = t * Math.PI / 67108864.0;
            BoxMuller.SinCosReduced(BoxMuller.ReducedAngle((uint)(j << 6) & 0x3FFFFFFFu), out float sin, out float cos);
            worstSin = Math.Max(worstSin, Math.Abs(sin - Math.Sin(phi)));
            worstCos = Math.Max(worstCos, Math.Abs(cos - Math.Cos(phi)));
        }

        for (int j = -(1 << 23); j < 1 << 23; j += 5)
        {
            Check(j);
        }

        Check((1 << 23) - 1);
        Assert.True(worstSin <= TrigAbsoluteBound, $"sin: error {worstSin:E3} exceeds {TrigAbsoluteBound:E3}.");
        Assert.True(worstCos <= TrigAbsoluteBound, $"cos: error {worstCos:E3} exceeds {TrigAbsoluteBound:E3}.");
    }

    [Fact]
    public void EveryNumber_IsBoxMullerOfTheStreamsUniforms_ToWithinTheDocumentedError()
    {
        // Rebuild (u₁, θ) of each lane from the raw words of the same stream and evaluate
        // z = √(−2 ln u₁)·cos θ (numbers 32b + ℓ) and ·sin θ (32b + 16 + ℓ) in double.
        const int blocks = 4096;
        NoiseKey key = NoiseKey.FromSeed(2718);
        float[] normals = NoiseStatistics.Fill(key, 32 * blocks, GaussianNoise.BestPath);
        var words = new GaussianStreamScalar(key);
        Span<uint> x1 = stackalloc uint[16], x2 = stackalloc uint[16];
        for (int b = 0; b < blocks; b++)
        {
            words.NextBits(x1);
            words.NextBits(x2);
            for (int lane = 0; lane < 16; lane++)
            {
                double r = Math.Sqrt(-2.0 * Math.Log(BoxMuller.Uniform(x1[lane])));
                double theta = BoxMuller.Angle(x2[lane]);
                double bound = NormalErrorBound * r;
                float zCos = normals[(32 * b) + lane], zSin = normals[(32 * b) + 16 + lane];
                Assert.True(Math.Abs(zCos - (r * Math.Cos(theta))) <= bound, $"block {b}, lane {lane}: {zCos:R} vs r·cos θ = {r * Math.Cos(theta):R}.");
                Assert.True(Math.Abs(zSin - (r * Math.Sin(theta))) <= bound, $"block {b}, lane {lane}: {zSin:R} vs r·sin θ = {r * Math.Sin(theta):R}.");
            }
        }
    }

    [Fact]
    public void TheLargestMagnitude_IsReachedAtTheSmallestUniform_AndNeverExceeded()
    {
        Assert.Equal(Math.Pow(2, -32), BoxMuller.Uniform(0));
        Assert.Equal(Math.Pow(2, -32), BoxMuller.Uniform(1));
        Assert.Equal(1.0, BoxMuller.Uniform(uint.MaxValue));
        Assert.Equal(LargestMagnitude, MathF.Sqrt(BoxMuller.MinusTwoLogUniform(0)));
        Assert.Equal(LargestMagnitude, (float)Math.Sqrt(64 * Math.Log(2)));

        // r decreases with the word (u₁ grows), so its maximum over all words is at x₁ ∈ {0, 1}; the angle
        // nearest 0 gives cos θ = 1 in float, so |z| reaches r exactly.
        BoxMuller.Transform(0, 0, out float zCos, out _);
        Assert.Equal(LargestMagnitude, zCos);
        float previous = float.PositiveInfinity;
        for (ulong x = 0; x <= uint.MaxValue; x += 65537)
        {
            float r = MathF.Sqrt(BoxMuller.MinusTwoLogUniform((uint)x));
            Assert.True(r <= previous, $"r is not monotone at x₁ = {x}.");
            previous = r;
        }

        Assert.Equal(0f, MathF.Sqrt(BoxMuller.MinusTwoLogUniform(uint.MaxValue)));
    }

    [Fact]
    public void Vector512UniformConversion_EqualsTheExactSplit()
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            return; // the Vector512 path, which alone uses the unsigned conversion, does not run here
        }

        // The vector path converts x | 1 with one correctly rounded instruction, the scalar path with two exact
        // conversions and one fused multiply-add; both are RN(x | 1) (ties to even). Runs of 16 consecutive odd
        // words: every 61st of the 2²⁷ runs (every exponent, ties included), and the last 2¹² runs below 2³².
        var lanes = Vector512.Create(0u, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30) | Vector512.Create(1u);
        var mismatches = Vector512<uint>.Zero;
        var runs = Enumerable.Range(0, (1 << 27) / 61).Select(i => (uint)i * 61).Concat(Enumerable.Range((1 << 27) - 4096, 4096).Select(i => (uint)i));
        foreach (uint run in runs)
        {
            var odd = lanes + Vector512.Create(run << 5);
            var direct = Vector512.ConvertToSingle(odd);
            var split = Vector512.FusedMultiplyAdd(
                Vector512.ConvertToSingle((odd >> 8).AsInt32()),
                Vector512.Create(256f),
                Vector512.ConvertToSingle((odd & Vector512.Create(0xFFu)).AsInt32()));
            mismatches |= direct.AsUInt32() ^ split.AsUInt32();
        }

        Assert.Equal(Vector512<uint>.Zero, mismatches);
        Assert.Equal(BoxMuller.ScaledUniform(0xFFFFFFFFu), Vector512.ConvertToSingle(Vector512.Create(0xFFFFFFFFu))[0]);
    }

    [Fact]
    public void LogTable_HoldsTheRoundedInverseCentresAndTheirLogarithms()
    {
        // c_b lies in bucket b (c₉ = 1), |r| = |m/c_b − 1| ≤ 0.0393 over the bucket, and T_b = 2 ln(1/c_b) is the
        // float nearest the double-precision value and within 10⁻⁴ float ulp of it (Math.Log is accurate to about
        // one double ulp, 2²⁹ times finer than a float ulp, so this recomputation is exact enough).
        for (int b = 0; b < 16; b++)
        {
            float inverse = BitConverter.UInt32BitsToSingle(BoxMuller.InverseCentreBits[b]);
            float t = BitConverter.UInt32BitsToSingle(BoxMuller.LogCentreBits[b]);
            double low = BitConverter.UInt32BitsToSingle(BoxMuller.SqrtHalfBits + ((uint)b << 19));
            double high = BitConverter.UInt32BitsToSingle(BoxMuller.SqrtHalfBits + ((uint)(b + 1) << 19));
            Assert.InRange(1.0 / inverse, low, high);
            Assert.InRange(Math.Max(Math.Abs((low * inverse) - 1), Math.Abs((high * inverse) - 1)), 0, 0.0393);
            double exact = 2.0 * Math.Log(inverse);
            Assert.Equal((float)exact, t);
            if (t != 0)
            {
                double ulp = MathF.BitIncrement(MathF.Abs(t)) - (double)MathF.Abs(t);
                Assert.True(Math.Abs(exact - t) <= 1e-4 * ulp, $"T_{b} = {t:R} is {Math.Abs(exact - t) / ulp:E2} ulp from 2 ln(1/c_b).");
            }
        }

        Assert.Equal(1f, BitConverter.UInt32BitsToSingle(BoxMuller.InverseCentreBits[9]));
    }
}
