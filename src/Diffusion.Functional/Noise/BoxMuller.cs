using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Diffusion.Functional.Noise;

/// <summary>
/// The Box–Muller transform (Box &amp; Muller 1958, "A note on the generation of random normal deviates",
/// Ann. Math. Statist. 29(2)) in float32, from two 32-bit random words to two standard normals:
/// z_c = √(−2 ln u₁)·cos θ and z_s = √(−2 ln u₁)·sin θ.
/// </summary>
/// <remarks>
/// <para>
/// The uniforms are defined exactly by the words, so that tests can rebuild them:
/// u₁ = RN(x₁ | 1)·2⁻³² ∈ [2⁻³², 1] (RN: round to the nearest float; the odd integers make u₁ the midpoints of
/// 2³¹ equal cells, and the smallest u₁ = 2⁻³² bounds |z| by √(64 ln 2) ≈ 6.6604) and θ = 2π(j + ½)/2²⁶ with
/// j = x₂ &gt;&gt; 6 (the top 26 bits; the low bits of xoshiro128+ are its weakest).
/// </para>
/// <para>
/// Every step is an integer operation, an exact int→float conversion (|value| &lt; 2²⁴), or a correctly rounded
/// IEEE add, multiply, fused multiply-add or square root, written in the same order in the scalar, Vector256 and
/// Vector512 code below, so all three give the same bits. ln and sin/cos are polynomials (no library calls):
/// ln after an exact split of u₁ into 2ᵏ·m with m ∈ [√½, √2), sin/cos after an exact split of θ into a quadrant
/// and an offset φ ∈ [−π/4, π/4] by integer arithmetic on x₂. ln uses a 16-entry table and a 5-term series;
/// sin/cos use the float32 minimax polynomials of Moshier's Cephes library (sinf.c). Measured errors and the
/// bounds the tests assert are in docs/noise.md and BoxMullerTests.
/// </para>
/// </remarks>
internal static class BoxMuller
{
    // ln: y = u₁·2³² splits exactly into u₁ = 2ᵏ·m, m ∈ [√½, √2) (musl's logf reduction). m falls in one of 16
    // buckets b (bits 22..19 of bits(m) − bits(√½)), each with a centre c_b, and
    //   −2 ln m = T_b + Q(r),  r = m·(1/c_b) − 1 (one rounding, |r| ≤ 0.0393),  T_b = 2 ln(1/c_b),
    //   Q(r) = −2 ln(1 + r) = r·(−2 + r·(1 + r·(−2/3 + r·(1/2 − r·2/5)))),
    // the Taylor series cut after r⁵ (the first term left out, r⁶/3, is below 1.6·10⁻⁸·|Q|). c₉ = 1 for the
    // bucket holding m = 1, so that −2 ln u₁ stays relatively accurate as u₁ → 1. For the other buckets 1/c_b is
    // the float, within 2¹⁴ ulps of the inverse of the bucket's middle, whose 2 ln is nearest to a float (Gal's
    // accurate tables): T_b rounded to float is then within 3·10⁻⁵ ulp of exact, which keeps the error small
    // where T_b and Q cancel (m near 1 in buckets 8 and 10). BoxMullerTests recomputes the table.

    /// <summary>Bits of 1/c_b, the inverse centre of bucket b (1 for b = 9).</summary>
    internal static ReadOnlySpan<uint> InverseCentreBits =>
    [
        0x3FB14DA3, 0x3FA9DEC5, 0x3FA2FEF5, 0x3F9C9D59, 0x3F971FE0, 0x3F917F03, 0x3F8CA87D, 0x3F87F011,
        0x3F83A020, 0x3F800000, 0x3F6F1C58, 0x3F61CD9A, 0x3F56206B, 0x3F4BB226, 0x3F41C23A, 0x3F3914A7,
    ];

    /// <summary>Bits of T_b = 2·ln(1/c_b) rounded to float.</summary>
    internal static ReadOnlySpan<uint> LogCentreBits =>
    [
        0x3F26D35F, 0x3F10E5F1, 0x3EF77EE1, 0x3ECE99A6, 0x3EAA0F41, 0x3E8331B4, 0x3E41218C, 0x3DF67188,
        0x3D64CE54, 0x00000000, 0xBE0BC70C, 0xBE8086B9, 0xBEB6E581, 0xBEEA08D3, 0xBF0E9FED, 0xBF2615E0,
    ];

    private static Vector512<float> InverseCentres512
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(
        0x3FB14DA3u, 0x3FA9DEC5u, 0x3FA2FEF5u, 0x3F9C9D59u, 0x3F971FE0u, 0x3F917F03u, 0x3F8CA87Du, 0x3F87F011u,
        0x3F83A020u, 0x3F800000u, 0x3F6F1C58u, 0x3F61CD9Au, 0x3F56206Bu, 0x3F4BB226u, 0x3F41C23Au, 0x3F3914A7u).AsSingle();
    }

    private static Vector512<float> LogCentres512
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(
        0x3F26D35Fu, 0x3F10E5F1u, 0x3EF77EE1u, 0x3ECE99A6u, 0x3EAA0F41u, 0x3E8331B4u, 0x3E41218Cu, 0x3DF67188u,
        0x3D64CE54u, 0x00000000u, 0xBE0BC70Cu, 0xBE8086B9u, 0xBEB6E581u, 0xBEEA08D3u, 0xBF0E9FEDu, 0xBF2615E0u).AsSingle();
    }

    // The Vector256 tables are built from int, not uint: the AVX2 path uses no Vector256<uint> (GaussianStream256).
    private static Vector256<float> InverseCentres256Lo
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.Create(
        0x3FB14DA3, 0x3FA9DEC5, 0x3FA2FEF5, 0x3F9C9D59,
        0x3F971FE0, 0x3F917F03, 0x3F8CA87D, 0x3F87F011).AsSingle();
    }

    /// <summary>The bits of buckets 0–7 xor those of buckets 8–15 (InverseCentreBits): lo ^ (x &amp; mask) selects hi where the mask is set.</summary>
    private static Vector256<float> InverseCentres256Flip
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.Create(
        0x3FB14DA3 ^ 0x3F83A020, 0x3FA9DEC5 ^ 0x3F800000, 0x3FA2FEF5 ^ 0x3F6F1C58, 0x3F9C9D59 ^ 0x3F61CD9A,
        0x3F971FE0 ^ 0x3F56206B, 0x3F917F03 ^ 0x3F4BB226, 0x3F8CA87D ^ 0x3F41C23A, 0x3F87F011 ^ 0x3F3914A7).AsSingle();
    }

    /// <summary>The bits of buckets 0–7 xor those of buckets 8–15 (LogCentreBits).</summary>
    private static Vector256<float> LogCentres256Flip
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.Create(
        0x3F26D35F ^ 0x3D64CE54, 0x3F10E5F1 ^ 0x00000000, 0x3EF77EE1 ^ unchecked((int)0xBE0BC70Cu), 0x3ECE99A6 ^ unchecked((int)0xBE8086B9u),
        0x3EAA0F41 ^ unchecked((int)0xBEB6E581u), 0x3E8331B4 ^ unchecked((int)0xBEEA08D3u), 0x3E41218C ^ unchecked((int)0xBF0E9FEDu), 0x3DF67188 ^ unchecked((int)0xBF2615E0u)).AsSingle();
    }

    private static Vector256<float> LogCentres256Lo
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.Create(
        0x3F26D35F, 0x3F10E5F1, 0x3EF77EE1, 0x3ECE99A6,
        0x3EAA0F41, 0x3E8331B4, 0x3E41218C, 0x3DF67188).AsSingle();
    }

    internal const float LogQ5 = -0.4f;
    internal const float LogQ4 = 0.5f;
    internal const float LogQ3 = -2f / 3f;

    /// <summary>−2·ln 2 rounded to float (relative error 2.7·10⁻⁹, below float's 6·10⁻⁸).</summary>
    internal const float MinusTwoLn2 = -2f * 0.693147180559945309f;

    /// <summary>
    /// Bits of √½ (0x3F3504F3) plus 32 in the exponent field: subtracting it from the bits of y = u₁·2³² gives
    /// k − 32 in the high bits and m's mantissa in the low 23 (the reduction of musl's logf).
    /// </summary>
    internal const uint LogOffset = 0x3F3504F3u + (32u << 23);

    internal const uint SqrtHalfBits = 0x3F3504F3u;

    // sin φ = φ + φ³·S(φ²), cos φ = 1 − φ²/2 + φ⁴·C(φ²) on φ ∈ [−π/4, π/4] (Cephes sinf.c).
    internal const float Sin0 = -1.9515295891E-4f;
    internal const float Sin1 = 8.3321608736E-3f;
    internal const float Sin2 = -1.6666654611E-1f;
    internal const float Cos0 = 2.443315711809948E-5f;
    internal const float Cos1 = -1.388731625493765E-3f;
    internal const float Cos2 = 4.166664568298827E-2f;

    /// <summary>π·2⁻²⁶ = the angle of one half-step of the 2²⁶-point grid, split hi + lo (Cody–Waite).</summary>
    internal const float HalfStepHi = (float)(Math.PI / 67108864.0);

    internal const float HalfStepLo = (float)(Math.PI / 67108864.0 - (double)HalfStepHi);

    internal const uint QuarterTurn = 0x20000000u;
    internal const uint SignBit = 0x80000000u;

    // ---------------------------------------------------------------------------------------------------------
    // Scalar path: the reference that defines the bits.

    /// <summary>y = RN(x₁ | 1) = u₁·2³², from two exact conversions and one correctly rounded fused multiply-add.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float ScaledUniform(uint x1)
    {
        uint odd = x1 | 1u;
        return MathF.FusedMultiplyAdd((float)(int)(odd >> 8), 256f, (float)(int)(odd & 0xFFu));
    }

    /// <summary>The uniform u₁ ∈ [2⁻³², 1] that word x₁ stands for, exactly.</summary>
    internal static double Uniform(uint x1) => ScaledUniform(x1) * (1.0 / 4294967296.0);

    /// <summary>The angle θ = 2π(j + ½)/2²⁶, j = x₂ &gt;&gt; 6, that word x₂ stands for, to double precision.</summary>
    internal static double Angle(uint x2) => 2.0 * Math.PI * ((x2 >> 6) + 0.5) / 67108864.0;

    /// <summary>r² = −2 ln u₁ for the word x₁.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float MinusTwoLogUniform(uint x1) => MinusTwoLogScaled(ScaledUniform(x1));

    /// <summary>−2·ln(y·2⁻³²) for a float y ∈ [1, 2³²]: y·2⁻³² = 2ᵏ·m, m ∈ [√½, √2), −2 ln m = T_b + r·H(r).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float MinusTwoLogScaled(float y)
    {
        uint ix = BitConverter.SingleToUInt32Bits(y) - LogOffset;
        int k = (int)ix >> 23;
        int bucket = (int)((ix >> 19) & 15u);
        float m = BitConverter.UInt32BitsToSingle((ix & 0x7FFFFFu) + SqrtHalfBits);
        float r = MathF.FusedMultiplyAdd(m, BitConverter.UInt32BitsToSingle(InverseCentreBits[bucket]), -1f);
        float h = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(LogQ5, r, LogQ4), r, LogQ3);
        h = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(h, r, 1f), r, -2f);
        float kt = MathF.FusedMultiplyAdd((float)k, MinusTwoLn2, BitConverter.UInt32BitsToSingle(LogCentreBits[bucket]));
        return MathF.FusedMultiplyAdd(h, r, kt);
    }

    /// <summary>The offset φ = θ − q·π/2 ∈ [−π/4, π/4] of word x₂ from its nearest quadrant q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float ReducedAngle(uint x2)
    {
        float t = (float)(((int)(x2 << 2) >> 7) | 1);
        return MathF.FusedMultiplyAdd(t, HalfStepHi, t * HalfStepLo);
    }

    /// <summary>sin φ and cos φ for φ ∈ [−π/4, π/4].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SinCosReduced(float phi, out float sin, out float cos)
    {
        float p = phi * phi;
        float s = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(Sin0, p, Sin1), p, Sin2);
        float c = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(Cos0, p, Cos1), p, Cos2);
        sin = MathF.FusedMultiplyAdd(phi * p, s, phi);
        cos = MathF.FusedMultiplyAdd(p * p, c, MathF.FusedMultiplyAdd(p, -0.5f, 1f));
    }

    /// <summary>The pair (z_c, z_s) for the words (x₁, x₂).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transform(uint x1, uint x2, out float zCos, out float zSin)
    {
        float r = MathF.Sqrt(MinusTwoLogUniform(x1));
        SinCosReduced(ReducedAngle(x2), out float s, out float c);
        uint v = x2 + QuarterTurn;                  // bits 31..30: the nearest quadrant q
        bool swap = (int)(v << 1) < 0;              // q odd: cos θ = ∓sin φ, sin θ = ±cos φ
        uint signCos = (v ^ (v << 1)) & SignBit;    // q ∈ {1, 2}
        uint signSin = v & SignBit;                 // q ∈ {2, 3}
        uint rBits = BitConverter.SingleToUInt32Bits(r);
        zCos = BitConverter.UInt32BitsToSingle(rBits ^ signCos) * (swap ? s : c);
        zSin = BitConverter.UInt32BitsToSingle(rBits ^ signSin) * (swap ? c : s);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Vector paths: the same operations in the same order, lane by lane.

    /// <summary>The scalar <see cref="Transform(uint, uint, out float, out float)"/> on 16 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transform(
        Vector512<uint> x1, Vector512<uint> x2, out Vector512<float> zCos, out Vector512<float> zSin)
    {
        // y = RN(x1 | 1) by AVX-512's correctly rounded unsigned conversion, the same value as the scalar path's
        // exact split (checked for every odd word by a test).
        var y = Vector512.ConvertToSingle(x1 | Vector512.Create(1u));

        // −2 ln u1 = −2 k ln 2 + T_b + r·H(r), u1 = 2^k m, m ∈ [√½, √2), r = m/c_b − 1; vpermps looks up bucket b.
        var ix = y.AsUInt32() - Vector512.Create(LogOffset);
        var k = Vector512.ConvertToSingle(Vector512.ShiftRightArithmetic(ix.AsInt32(), 23));
        var bucket = (ix >> 19).AsInt32();             // vpermps reads the low 4 bits only
        var m = ((ix & Vector512.Create(0x7FFFFFu)) + Vector512.Create(SqrtHalfBits)).AsSingle();
        var r = Vector512.FusedMultiplyAdd(
            m, Avx512F.PermuteVar16x32(InverseCentres512, bucket), Vector512.Create(-1f));
        var h = Vector512.FusedMultiplyAdd(
            Vector512.FusedMultiplyAdd(Vector512.Create(LogQ5), r, Vector512.Create(LogQ4)), r, Vector512.Create(LogQ3));
        h = Vector512.FusedMultiplyAdd(
            Vector512.FusedMultiplyAdd(h, r, Vector512.Create(1f)), r, Vector512.Create(-2f));
        var kt = Vector512.FusedMultiplyAdd(
            k, Vector512.Create(MinusTwoLn2), Avx512F.PermuteVar16x32(LogCentres512, bucket));
        var radius = Vector512.Sqrt(Vector512.FusedMultiplyAdd(h, r, kt));

        // φ = θ − qπ/2 from the integer offset t = 2(j − q·2^24) + 1.
        var t = Vector512.ConvertToSingle(
            Vector512.ShiftRightArithmetic((x2 << 2).AsInt32(), 7) | Vector512.Create(1));
        var phi = Vector512.FusedMultiplyAdd(t, Vector512.Create(HalfStepHi), t * Vector512.Create(HalfStepLo));
        var pp = phi * phi;
        var sp = Vector512.FusedMultiplyAdd(
            Vector512.FusedMultiplyAdd(Vector512.Create(Sin0), pp, Vector512.Create(Sin1)), pp, Vector512.Create(Sin2));
        var cp = Vector512.FusedMultiplyAdd(
            Vector512.FusedMultiplyAdd(Vector512.Create(Cos0), pp, Vector512.Create(Cos1)), pp, Vector512.Create(Cos2));
        var sin = Vector512.FusedMultiplyAdd(phi * pp, sp, phi);
        var cos = Vector512.FusedMultiplyAdd(
            pp * pp, cp, Vector512.FusedMultiplyAdd(pp, Vector512.Create(-0.5f), Vector512.Create(1f)));

        // Quadrant: swap and signs from bits 31..30 of v.
        var v = x2 + Vector512.Create(QuarterTurn);
        // r ≥ 0 has a clear sign bit, so r | (w & sign) is the scalar path's r ^ (w & sign): one vpternlogd.
        var v1 = v << 1;
        var swap = Vector512.ShiftRightArithmetic(v1.AsInt32(), 31).AsSingle();
        var sign = Vector512.Create(SignBit);
        var rCos = (radius.AsUInt32() | ((v ^ v1) & sign)).AsSingle();
        var rSin = (radius.AsUInt32() | (v & sign)).AsSingle();
        zCos = rCos * Vector512.ConditionalSelect(swap, sin, cos);
        zSin = rSin * Vector512.ConditionalSelect(swap, cos, sin);
    }

    /// <summary>table[index] per lane for indices in 0…7: vpermps on AVX2, a portable shuffle elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Lookup(Vector256<float> table, Vector256<int> index) =>
        Avx2.IsSupported ? Avx2.PermuteVar8x32(table, index) : Vector256.Shuffle(table, index);

    /// <summary>The scalar <see cref="Transform(uint, uint, out float, out float)"/> on 8 lanes.</summary>
    /// <remarks>
    /// The words are held as int, whose add, xor and shifts give the scalar path's uint bits (&gt;&gt;&gt; where it
    /// shifts a uint right, &gt;&gt; where it shifts an int): one element type fewer to load (GaussianStream256).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transform(
        Vector256<int> x1, Vector256<int> x2, out Vector256<float> zCos, out Vector256<float> zSin)
    {
        // The scalar path's operations, written so that the ln chain (uniform → table → series → √) and the
        // independent sin/cos chain alternate: the JIT emits statements in the order written and does not schedule,
        // and the out-of-order core overlaps the two chains better when they are near each other (3 % on Zen 4, 2026-12-02;
        // docs/performance.md, "The AVX2 generator against C"). Each value is the same operation on the same inputs.
        var odd = x1 | Vector256.Create(1);
        var t = Vector256.ConvertToSingle(((x2 << 2) >> 7) | Vector256.Create(1));
        var y = Vector256.FusedMultiplyAdd(
            Vector256.ConvertToSingle(odd >>> 8),
            Vector256.Create(256f),
            Vector256.ConvertToSingle(odd & Vector256.Create(0xFF)));
        var phi = Vector256.FusedMultiplyAdd(t, Vector256.Create(HalfStepHi), t * Vector256.Create(HalfStepLo));

        var ix = y.AsInt32() - Vector256.Create(unchecked((int)LogOffset));
        var pp = phi * phi;
        var k = Vector256.ConvertToSingle(ix >> 23);
        // Bucket b = bits 22..19 of ix: vpermps looks up its low 3 bits in the table of buckets 0–7 and in the xor of
        // both tables, and bit 3 (bit 22, as a mask) flips the first into the second: lo ^ ((lo ^ hi) & mask) = a
        // select in two instructions (issue 13: and/andn/or took three). The values are the table's, bit for bit.
        var index = Avx2.IsSupported ? ix >>> 19 : (ix >>> 19) & Vector256.Create(7);
        var high = ((ix << 9) >> 31).AsSingle();   // bucket ≥ 8
        var m = ((ix & Vector256.Create(0x7FFFFF)) + Vector256.Create((int)SqrtHalfBits)).AsSingle();
        var sp = Vector256.FusedMultiplyAdd(Vector256.Create(Sin0), pp, Vector256.Create(Sin1));
        var inverseCentre = Lookup(InverseCentres256Lo, index) ^ (Lookup(InverseCentres256Flip, index) & high);
        var cp = Vector256.FusedMultiplyAdd(Vector256.Create(Cos0), pp, Vector256.Create(Cos1));
        var logCentre = Lookup(LogCentres256Lo, index) ^ (Lookup(LogCentres256Flip, index) & high);
        var r = Vector256.FusedMultiplyAdd(m, inverseCentre, Vector256.Create(-1f));
        sp = Vector256.FusedMultiplyAdd(sp, pp, Vector256.Create(Sin2));
        var h = Vector256.FusedMultiplyAdd(Vector256.Create(LogQ5), r, Vector256.Create(LogQ4));
        cp = Vector256.FusedMultiplyAdd(cp, pp, Vector256.Create(Cos2));
        h = Vector256.FusedMultiplyAdd(h, r, Vector256.Create(LogQ3));
        var sin = Vector256.FusedMultiplyAdd(phi * pp, sp, phi);
        h = Vector256.FusedMultiplyAdd(h, r, Vector256.Create(1f));
        var cos = Vector256.FusedMultiplyAdd(
            pp * pp, cp, Vector256.FusedMultiplyAdd(pp, Vector256.Create(-0.5f), Vector256.Create(1f)));
        h = Vector256.FusedMultiplyAdd(h, r, Vector256.Create(-2f));
        var kt = Vector256.FusedMultiplyAdd(k, Vector256.Create(MinusTwoLn2), logCentre);

        var v = x2 + Vector256.Create((int)QuarterTurn);
        var v1 = v << 1;
        var radius = Vector256.Sqrt(Vector256.FusedMultiplyAdd(h, r, kt));
        var swap = (v1 >> 31).AsSingle();
        var signCos = (v ^ v1) & Vector256.Create(int.MinValue);
        var signSin = v & Vector256.Create(int.MinValue);
        // Both selects share (sin ^ cos) & swap: cos ^ that is (swap ? sin : cos), sin ^ that is (swap ? cos : sin).
        var flip = (sin ^ cos) & swap;
        zCos = (radius.AsInt32() ^ signCos).AsSingle() * (cos ^ flip);
        zSin = (radius.AsInt32() ^ signSin).AsSingle() * (sin ^ flip);
    }
}
