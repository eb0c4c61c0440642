/* Probe, not the library's generator: would a vector ziggurat make the AVX2 path fast enough for issue 13?
 * It draws from the library's 16 xoshiro128+ lanes, seeded as StreamSeeding seeds them, with a 256-layer ziggurat
 * (Marsaglia & Tsang 2000; layer and value from disjoint bits of one 32-bit word: layer = u & 255, value = (int)u >> 8).
 * Number p = 16b + l of a stream is lane l's b-th candidate, so the lanes stay in step whatever is rejected: a
 * candidate outside its layer's rectangle (1.5 % of them) is marked, and finished after the pass by the usual wedge
 * and tail continuation with uniforms from a fallback generator keyed by (stream, p). Every path gives the same bits.
 * docs/performance.md ("A ziggurat, measured") has the figures.
 *   gcc -O3 -mavx2 -mfma tools/bench/ziggurat_probe.c -o /tmp/zig256 -lm                      AVX2 (gathers)
 *   gcc -O3 -mavx512f -mfma -DW16 tools/bench/ziggurat_probe.c -o /tmp/zig512 -lm             AVX-512
 *   gcc -O3 -mfma -DSCALAR tools/bench/ziggurat_probe.c -o /tmp/zig1 -lm                      one lane at a time
 *   add -DFAST_ONLY for the rectangle pass and its test alone (not a normal law: the bound on any rejection handling),
 *   -DVALUE_ONLY (AVX2 only) for the pass without the test, one gather per 8 numbers instead of two,
 *   -DFREE_FIXES for the pass and its bookkeeping with the fixes' own work left out (a bound, too),
 *   -DBRANCHY (AVX2 only) to list the rejected positions in a rarely taken branch instead of without branches,
 *   or -DINLINE_FIX (AVX2 only) to finish rejected lanes inside the loop, each from its own lane (other numbers)
 *   taskset -c 0 /tmp/zig256 [numbers-per-stream=784] [streams=25000]    rate, best of 9 (probe_common.h)
 *   /tmp/zig256 --bits KEY N        the first N numbers' bits of stream KEY (compare the paths with md5sum)
 *   /tmp/zig256 --moments N STREAMS mean, variance, fourth moment, largest |z|, share of numbers fixed */
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe_common.h"

#ifndef LAYERS
#define LAYERS 256
#endif
#if LAYERS == 256
#define SHIFT 8 /* value = (int)u >> 8, |value| < 2^23 */
static const double R = 3.6541528853610088, V = 0.00492867323399;
#elif LAYERS == 1024
#define SHIFT 10 /* value = (int)u >> 10, |value| < 2^21: a coarser lattice, fewer rejections */
static const double R = 4.0388498461095, V = 0.00122632464635;
#else
#error LAYERS is 256 or 1024
#endif
static const double M1 = (double)(1u << (31 - SHIFT));
static int32_t kn[LAYERS];  /* layer i's rectangle: |value| < kn[i] */
static float wn[LAYERS], fn[LAYERS];
static void tables(void) {
    double dn = R, tn = dn, q = V / exp(-.5 * dn * dn);
    kn[0] = (int32_t)((dn / q) * M1);
    kn[1] = 0;
    wn[0] = (float)(q / M1);
    wn[LAYERS - 1] = (float)(dn / M1);
    fn[0] = 1.f;
    fn[LAYERS - 1] = (float)exp(-.5 * dn * dn);
    for (int i = LAYERS - 2; i >= 1; i--) {
        dn = sqrt(-2. * log(V / dn + exp(-.5 * dn * dn)));
        kn[i + 1] = (int32_t)((dn / tn) * M1);
        tn = dn;
        fn[i] = (float)exp(-.5 * dn * dn);
        wn[i] = (float)(dn / M1);
    }
}

/* e^t for t in (-8, 0] from IEEE operations only, so that a vector version would give the same bits. */
static float exp_nonpositive(float t) {
    float y = t * 1.44269504f, n = nearbyintf(y), f = y - n;
    float p = fmaf(1.5353362e-4f, f, 1.3398874e-3f);
    p = fmaf(p, f, 9.6180329e-3f);
    p = fmaf(p, f, 5.5503397e-2f);
    p = fmaf(p, f, 2.4022652e-1f);
    p = fmaf(p, f, 6.9314718e-1f);
    p = fmaf(p, f, 1.f);
    uint32_t b;
    memcpy(&b, &p, 4);
    b += (uint32_t)((int32_t)n << 23);
    memcpy(&p, &b, 4);
    return p;
}

static long fixes;

/* The continuation of a rejected candidate u: the wedge test of this candidate, then fresh candidates, until one is
 * accepted; the base layer's tail by Marsaglia's method. next() gives the continuation's uniforms. */
#define CONTINUE(u, next)                                                                                          \
    for (;;) {                                                                                                     \
        int iz = (int)((u) & (LAYERS - 1));                                                                        \
        int32_t hz = (int32_t)(u) >> SHIFT;                                                                            \
        float x = (float)hz * wn[iz];                                                                              \
        if ((hz < 0 ? -hz : hz) < kn[iz]) return x;                                                                \
        if (iz == 0) {                                                                                             \
            float xx, yy;                                                                                          \
            do {                                                                                                   \
                xx = -logf(((next >> 8) + 0.5f) * (1.f / 16777216.f)) * (float)(1. / R);                           \
                yy = -logf(((next >> 8) + 0.5f) * (1.f / 16777216.f));                                             \
            } while (yy + yy < xx * xx);                                                                           \
            return hz > 0 ? (float)R + xx : -(float)R - xx;                                                        \
        }                                                                                                          \
        float uw = ((next >> 8) + 0.5f) * (1.f / 16777216.f);                                                      \
        if (fmaf(uw, fn[iz - 1] - fn[iz], fn[iz]) < exp_nonpositive(x * x * -0.5f)) return x;                     \
        u = next;                                                                                                  \
    }

/* The fallback: SplitMix64 keyed by (stream, position), counter-based, so the fixes may run in any order. */
static uint32_t fallback_next(uint64_t *s) {
    *s += 0x9E3779B97F4A7C15ULL;
    return (uint32_t)(finalise(*s) >> 32);
}
__attribute__((unused)) static float fix(uint64_t stream, uint32_t p, uint32_t u) {
    fixes++;
    uint64_t s = finalise(stream ^ (0xD1B54A32D192ED03ULL * (p + 1)));
    CONTINUE(u, fallback_next(&s))
}

#if defined(INLINE_FIX)
static uint32_t lane_next(uint32_t *w) { /* one xoshiro128+ step of one lane: words w[0], w[16], w[32], w[48] */
    uint32_t s0 = w[0], s1 = w[16], s2 = w[32], s3 = w[48], r = s0 + s3, t = s1 << 9;
    s2 ^= s0, s3 ^= s1, s1 ^= s2, s0 ^= s3, s2 ^= t, s3 = (s3 << 11) | (s3 >> 21);
    w[0] = s0, w[16] = s1, w[32] = s2, w[48] = s3;
    return r;
}
static float fix_from_lane(uint32_t *w, uint32_t u) {
    fixes++;
    CONTINUE(u, lane_next(w))
}
#endif

static int32_t leftpack[256][8]; /* AVX2 has no compress: leftpack[m] lists the set bits of m */
static void make_leftpack(void) {
    for (int m = 0; m < 256; m++)
        for (int l = 0, c = 0; l < 8; l++)
            if (m >> l & 1) leftpack[m][c++] = l;
}

/* The whole stream of n numbers (n <= 65,536). */
static void fill(uint64_t key, float *out, int n) {
    uint32_t w[64];
    seed(key, w);
    uint64_t stream = premix(key ^ 0x5851F42D4C957F2DULL);
    int blocks = (n + 15) / 16, count = 0;
    int32_t rejected[65536 + 16]; /* positions to fix; a rejected number holds its candidate's bits until then */
    float block[16];
#if defined(SCALAR)
    for (int b = 0; b < blocks; b++) {
        float *dst = 16 * b + 16 <= n ? out + 16 * b : block;
        for (int l = 0; l < 16; l++) {
            uint32_t s0 = w[l], s1 = w[16 + l], s2 = w[32 + l], s3 = w[48 + l], u = s0 + s3, t = s1 << 9;
            uint32_t n3 = s3 ^ s1, n2 = s2 ^ s0;
            w[l] = s0 ^ n3, w[16 + l] = s1 ^ n2, w[32 + l] = n2 ^ t, w[48 + l] = (n3 << 11) | (n3 >> 21);
            int32_t hz = (int32_t)u >> SHIFT;
            float x = (float)hz * wn[u & (LAYERS - 1)];
            if (!((hz < 0 ? -hz : hz) < kn[u & (LAYERS - 1)])) {
                memcpy(&x, &u, 4);
                rejected[count++] = 16 * b + l;
            }
            dst[l] = x;
        }
        if (dst == block) memcpy(out + 16 * b, block, sizeof(float) * (size_t)(n - 16 * b));
    }
#elif !defined(W16)
#define ROTL11(x) _mm256_or_si256(_mm256_slli_epi32(x, 11), _mm256_srli_epi32(x, 21))
    /* the two halves' states in named registers: an array of them ends up in memory */
    __m256i a0 = _mm256_loadu_si256((const __m256i *)w), a1 = _mm256_loadu_si256((const __m256i *)(w + 16)),
            a2 = _mm256_loadu_si256((const __m256i *)(w + 32)), a3 = _mm256_loadu_si256((const __m256i *)(w + 48));
    __m256i b0 = _mm256_loadu_si256((const __m256i *)(w + 8)), b1 = _mm256_loadu_si256((const __m256i *)(w + 24)),
            b2 = _mm256_loadu_si256((const __m256i *)(w + 40)), b3 = _mm256_loadu_si256((const __m256i *)(w + 56));
    const __m256i layerMask = _mm256_set1_epi32(LAYERS - 1);
    for (int b = 0; b < blocks; b++) {
        float *dst = 16 * b + 16 <= n ? out + 16 * b : block;
        for (int h = 0; h < 2; h++) {
            __m256i s0 = h ? b0 : a0, s1 = h ? b1 : a1, s2 = h ? b2 : a2, s3 = h ? b3 : a3;
            __m256i u = _mm256_add_epi32(s0, s3), t = _mm256_slli_epi32(s1, 9);
            __m256i n3 = _mm256_xor_si256(s3, s1), n2 = _mm256_xor_si256(s2, s0);
            s0 = _mm256_xor_si256(s0, n3), s1 = _mm256_xor_si256(s1, n2), s2 = _mm256_xor_si256(n2, t), s3 = ROTL11(n3);
            if (h) b0 = s0, b1 = s1, b2 = s2, b3 = s3;
            else a0 = s0, a1 = s1, a2 = s2, a3 = s3;
            __m256i iz = _mm256_and_si256(u, layerMask), hz = _mm256_srai_epi32(u, SHIFT);
            __m256 x = _mm256_mul_ps(_mm256_cvtepi32_ps(hz), _mm256_i32gather_ps(wn, iz, 4));
#if defined(VALUE_ONLY)
            _mm256_storeu_ps(dst + 8 * h, x);
            continue;
#endif
            __m256i k = _mm256_i32gather_epi32(kn, iz, 4);
            __m256 inside = _mm256_castsi256_ps(_mm256_cmpgt_epi32(k, _mm256_abs_epi32(hz)));
#if defined(FAST_ONLY)
            _mm256_storeu_ps(dst + 8 * h, _mm256_blendv_ps(_mm256_castsi256_ps(u), x, inside));
#else
            unsigned m = ~(unsigned)_mm256_movemask_ps(inside) & 0xFF;
#if defined(INLINE_FIX)
            if (m) { /* the lanes' state to memory and back, for the rejected lanes' own steps */
                float xs[8];
                uint32_t us[8];
                _mm256_storeu_si256((__m256i *)(w + 8 * h), s0), _mm256_storeu_si256((__m256i *)(w + 16 + 8 * h), s1);
                _mm256_storeu_si256((__m256i *)(w + 32 + 8 * h), s2), _mm256_storeu_si256((__m256i *)(w + 48 + 8 * h), s3);
                _mm256_storeu_ps(xs, x);
                _mm256_storeu_si256((__m256i *)us, u);
                for (int l = 0; l < 8; l++)
                    if (m >> l & 1) xs[l] = fix_from_lane(w + 8 * h + l, us[l]);
                x = _mm256_loadu_ps(xs);
                s0 = _mm256_loadu_si256((const __m256i *)(w + 8 * h)), s1 = _mm256_loadu_si256((const __m256i *)(w + 16 + 8 * h));
                s2 = _mm256_loadu_si256((const __m256i *)(w + 32 + 8 * h)), s3 = _mm256_loadu_si256((const __m256i *)(w + 48 + 8 * h));
                if (h) b0 = s0, b1 = s1, b2 = s2, b3 = s3;
                else a0 = s0, a1 = s1, a2 = s2, a3 = s3;
            }
            _mm256_storeu_ps(dst + 8 * h, x);
#elif defined(BRANCHY)
            if (__builtin_expect(m != 0, 0))
                for (; m; m &= m - 1) rejected[count++] = 16 * b + 8 * h + __builtin_ctz(m);
            _mm256_storeu_ps(dst + 8 * h, _mm256_blendv_ps(_mm256_castsi256_ps(u), x, inside));
#else
            __m256i at = _mm256_add_epi32(_mm256_set1_epi32(16 * b + 8 * h), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
            _mm256_storeu_si256((__m256i *)(rejected + count),
                                _mm256_permutevar8x32_epi32(at, _mm256_loadu_si256((const __m256i *)leftpack[m])));
            count += __builtin_popcount(m);
            _mm256_storeu_ps(dst + 8 * h, _mm256_blendv_ps(_mm256_castsi256_ps(u), x, inside));
#endif
#endif
        }
        if (dst == block) memcpy(out + 16 * b, block, sizeof(float) * (size_t)(n - 16 * b));
    }
#else
    __m512i s0 = _mm512_loadu_si512(w), s1 = _mm512_loadu_si512(w + 16), s2 = _mm512_loadu_si512(w + 32),
            s3 = _mm512_loadu_si512(w + 48);
    for (int b = 0; b < blocks; b++) {
        float *dst = 16 * b + 16 <= n ? out + 16 * b : block;
        __m512i u = _mm512_add_epi32(s0, s3), t = _mm512_slli_epi32(s1, 9);
        __m512i n3 = _mm512_xor_si512(s3, s1), n2 = _mm512_xor_si512(s2, s0);
        s0 = _mm512_xor_si512(s0, n3), s1 = _mm512_xor_si512(s1, n2), s2 = _mm512_xor_si512(n2, t);
        s3 = _mm512_rol_epi32(n3, 11);
        __m512i iz = _mm512_and_si512(u, _mm512_set1_epi32(LAYERS - 1)), hz = _mm512_srai_epi32(u, SHIFT);
        __m512i k = _mm512_i32gather_epi32(iz, kn, 4);
        __m512 x = _mm512_mul_ps(_mm512_cvtepi32_ps(hz), _mm512_i32gather_ps(iz, wn, 4));
        __mmask16 inside = _mm512_cmpgt_epi32_mask(k, _mm512_abs_epi32(hz));
#if defined(FAST_ONLY)
        _mm512_storeu_ps(dst, _mm512_mask_blend_ps(inside, _mm512_castsi512_ps(u), x));
#else
        _mm512_mask_compressstoreu_epi32(rejected + count, (__mmask16)~inside, _mm512_add_epi32(_mm512_set1_epi32(16 * b),
                                                         _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)));
        count += __builtin_popcount((uint16_t)~inside);
        _mm512_storeu_ps(dst, _mm512_mask_blend_ps(inside, _mm512_castsi512_ps(u), x));
#endif
        if (dst == block) memcpy(out + 16 * b, block, sizeof(float) * (size_t)(n - 16 * b));
    }
#endif
    /* The fixes: rare (about 12 of 784 numbers) and independent of each other. */
    for (int j = 0; j < count && rejected[j] < n; j++) {
        uint32_t u;
        memcpy(&u, out + rejected[j], 4);
#if defined(FREE_FIXES)
        (void)stream;
        out[rejected[j]] = (float)(u & 1); /* the bookkeeping without the fixes' work: a bound, not a normal law */
#else
        out[rejected[j]] = fix(stream, (uint32_t)rejected[j], u);
#endif
    }
}

static int numbers(const char *text) { /* numbers per stream: 1 to 65,536 (the rejected list's size) */
    int n = atoi(text);
    if (n < 1 || n > 65536) fprintf(stderr, "numbers per stream must be 1 to 65536, not %s\n", text), exit(2);
    return n;
}

int main(int argc, char **argv) {
    tables();
    make_leftpack();
    if (argc == 4 && strcmp(argv[1], "--bits") == 0) {
        int n = numbers(argv[3]);
        float *out = malloc(sizeof(float) * (size_t)n);
        fill(strtoull(argv[2], NULL, 0), out, n);
        for (int i = 0; i < n; i++) {
            uint32_t b;
            memcpy(&b, out + i, 4);
            printf("%08X\n", b);
        }
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "--moments") == 0) {
        int n = numbers(argv[2]), streams = atoi(argv[3]);
        float *out = malloc(sizeof(float) * (size_t)n);
        double s1 = 0, s2 = 0, s4 = 0, largest = 0;
        long count = 0;
        for (int s = 0; s < streams; s++) {
            fill((uint64_t)s, out, n);
            for (int i = 0; i < n; i++, count++) {
                double z = out[i];
                s1 += z, s2 += z * z, s4 += z * z * z * z;
                if (fabs(z) > largest) largest = fabs(z);
            }
        }
        printf("{\"numbers\": %ld, \"mean\": %.6f, \"variance\": %.6f, \"fourth_moment\": %.5f, \"largest\": %.4f, "
               "\"fixed\": %.5f}\n",
               count, s1 / count, s2 / count, s4 / count, largest, (double)fixes / count);
        return 0;
    }
    int n = argc > 1 ? numbers(argv[1]) : 784, streams = argc > 2 ? atoi(argv[2]) : 25000;
    print_rate(fill, n, streams);
    return 0;
}
