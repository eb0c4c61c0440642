/* The library's AVX2 noise generator (GaussianStream256: xoshiro128+ lanes, Box–Muller in float32) written in C
 * intrinsics, to measure what the same operations reach when a C compiler schedules them: the ceiling that
 * docs/performance.md ("The AVX2 generator against C") compares the JIT's code with.
 *   gcc -O3 -mavx2 -mfma tools/bench/avx2_reference.c -o /tmp/avx2_reference   (-DOUT_OF_LINE: a call per half)
 *   taskset -c 0 /tmp/avx2_reference [numbers-per-stream=784] [streams=25000]   # a rate
 *   /tmp/avx2_reference --bits SEED N                                          # the first N numbers' bits
 * --bits prints the float bits of GaussianNoise.Fill(NoiseKey.FromSeed(SEED), ...), to be compared with the library's
 * (the first 8 for seeds 0 and 42 are pinned in GaussianNoiseTests.Fill_GivesThePinnedFirstNumbers_ForSeeds0And42;
 * docs/performance.md says how all numbers of other keys were compared). Seeding follows StreamSeeding (fmix64, then SplitMix64's finaliser of
 * h ^ (i + 1)·γ), streams of the rate run are the keys 0, 1, 2, … and each number stream is filled as Fill256 does. */
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe_common.h"

#define F(x) _mm256_set1_ps(x)
#define I(x) _mm256_set1_epi32((int)(x))
static inline __m256 bitsf(uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5, uint32_t a6, uint32_t a7) {
    return _mm256_castsi256_ps(_mm256_setr_epi32((int)a0, (int)a1, (int)a2, (int)a3, (int)a4, (int)a5, (int)a6, (int)a7));
}

static inline __m256i step(__m256i *s0, __m256i *s1, __m256i *s2, __m256i *s3) {
    __m256i result = _mm256_add_epi32(*s0, *s3), t = _mm256_slli_epi32(*s1, 9);
    __m256i n3 = _mm256_xor_si256(*s3, *s1), n2 = _mm256_xor_si256(*s2, *s0);
    *s0 = _mm256_xor_si256(*s0, n3);
    *s1 = _mm256_xor_si256(*s1, n2);
    *s2 = _mm256_xor_si256(n2, t);
    *s3 = _mm256_or_si256(_mm256_slli_epi32(n3, 11), _mm256_srli_epi32(n3, 21));
    return result;
}

/* BoxMuller.Transform on 8 lanes: the same operations (and so the same bits) as the C# code. -DOUT_OF_LINE keeps it
 * out of line, one call per half, as the library's kernels called it before 2026-12-02. */
#ifdef OUT_OF_LINE
__attribute__((noinline)) static void half(
#else
static inline void half(
#endif
uint32_t *state, __m256 *zc, __m256 *zs) {
    const float halfStepHi = (float)(3.14159265358979323846 / 67108864.0);
    const float halfStepLo = (float)(3.14159265358979323846 / 67108864.0 - (double)halfStepHi);
    const __m256 icLo = bitsf(0x3FB14DA3, 0x3FA9DEC5, 0x3FA2FEF5, 0x3F9C9D59, 0x3F971FE0, 0x3F917F03, 0x3F8CA87D, 0x3F87F011);
    const __m256 icHi = bitsf(0x3F83A020, 0x3F800000, 0x3F6F1C58, 0x3F61CD9A, 0x3F56206B, 0x3F4BB226, 0x3F41C23A, 0x3F3914A7);
    const __m256 lcLo = bitsf(0x3F26D35F, 0x3F10E5F1, 0x3EF77EE1, 0x3ECE99A6, 0x3EAA0F41, 0x3E8331B4, 0x3E41218C, 0x3DF67188);
    const __m256 lcHi = bitsf(0x3D64CE54, 0x00000000, 0xBE0BC70C, 0xBE8086B9, 0xBEB6E581, 0xBEEA08D3, 0xBF0E9FED, 0xBF2615E0);
    __m256i *p = (__m256i *)state;
    __m256i s0 = _mm256_loadu_si256(p), s1 = _mm256_loadu_si256(p + 2), s2 = _mm256_loadu_si256(p + 4), s3 = _mm256_loadu_si256(p + 6);
    __m256i x1 = step(&s0, &s1, &s2, &s3), x2 = step(&s0, &s1, &s2, &s3);
    _mm256_storeu_si256(p, s0); _mm256_storeu_si256(p + 2, s1); _mm256_storeu_si256(p + 4, s2); _mm256_storeu_si256(p + 6, s3);

    __m256i odd = _mm256_or_si256(x1, I(1));
    __m256 y = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(odd, 8)), F(256.f),
                               _mm256_cvtepi32_ps(_mm256_and_si256(odd, I(0xFF))));
    __m256i ix = _mm256_sub_epi32(_mm256_castps_si256(y), I(0x3F3504F3u + (32u << 23)));
    __m256 k = _mm256_cvtepi32_ps(_mm256_srai_epi32(ix, 23));
    __m256i index = _mm256_srli_epi32(ix, 19);
    __m256 high = _mm256_castsi256_ps(_mm256_srai_epi32(_mm256_slli_epi32(ix, 9), 31));
    __m256 m = _mm256_castsi256_ps(_mm256_add_epi32(_mm256_and_si256(ix, I(0x7FFFFF)), I(0x3F3504F3)));
    __m256 ic = _mm256_xor_ps(_mm256_permutevar8x32_ps(icLo, index),
                              _mm256_and_ps(_mm256_permutevar8x32_ps(_mm256_xor_ps(icLo, icHi), index), high));
    __m256 lc = _mm256_xor_ps(_mm256_permutevar8x32_ps(lcLo, index),
                              _mm256_and_ps(_mm256_permutevar8x32_ps(_mm256_xor_ps(lcLo, lcHi), index), high));
    __m256 r = _mm256_fmadd_ps(m, ic, F(-1.f));
    __m256 h = _mm256_fmadd_ps(_mm256_fmadd_ps(F(-0.4f), r, F(0.5f)), r, F(-2.f / 3.f));
    h = _mm256_fmadd_ps(_mm256_fmadd_ps(h, r, F(1.f)), r, F(-2.f));
    __m256 kt = _mm256_fmadd_ps(k, F(-2.f * 0.693147180559945309f), lc);
    __m256 radius = _mm256_sqrt_ps(_mm256_fmadd_ps(h, r, kt));

    __m256 t = _mm256_cvtepi32_ps(_mm256_or_si256(_mm256_srai_epi32(_mm256_slli_epi32(x2, 2), 7), I(1)));
    __m256 phi = _mm256_fmadd_ps(t, F(halfStepHi), _mm256_mul_ps(t, F(halfStepLo)));
    __m256 pp = _mm256_mul_ps(phi, phi);
    __m256 sp = _mm256_fmadd_ps(_mm256_fmadd_ps(F(-1.9515295891E-4f), pp, F(8.3321608736E-3f)), pp, F(-1.6666654611E-1f));
    __m256 cp = _mm256_fmadd_ps(_mm256_fmadd_ps(F(2.443315711809948E-5f), pp, F(-1.388731625493765E-3f)), pp, F(4.166664568298827E-2f));
    __m256 sn = _mm256_fmadd_ps(_mm256_mul_ps(phi, pp), sp, phi);
    __m256 cs = _mm256_fmadd_ps(_mm256_mul_ps(pp, pp), cp, _mm256_fmadd_ps(pp, F(-0.5f), F(1.f)));

    __m256i v = _mm256_add_epi32(x2, I(0x20000000u)), v1 = _mm256_slli_epi32(v, 1);
    __m256 swap = _mm256_castsi256_ps(_mm256_srai_epi32(v1, 31));
    __m256i signCos = _mm256_and_si256(_mm256_xor_si256(v, v1), I(0x80000000u)), signSin = _mm256_and_si256(v, I(0x80000000u));
    __m256 flip = _mm256_and_ps(_mm256_xor_ps(sn, cs), swap);
    *zc = _mm256_mul_ps(_mm256_castsi256_ps(_mm256_xor_si256(_mm256_castps_si256(radius), signCos)), _mm256_xor_ps(cs, flip));
    *zs = _mm256_mul_ps(_mm256_castsi256_ps(_mm256_xor_si256(_mm256_castps_si256(radius), signSin)), _mm256_xor_ps(sn, flip));
}

/* Fill256: numbers 32b + h … + 7 and 32b + 16 + h … + 7 from the half whose lanes start at h (0 or 8). */
static void fill(uint64_t key, float *out, int n) {
    uint32_t words[64];
    seed(key, words);
    int i = 0;
    for (; i + 32 <= n; i += 32)
        for (int h = 0; h < 16; h += 8) {
            __m256 c, s;
            half(words + h, &c, &s);
            _mm256_storeu_ps(out + i + h, c);
            _mm256_storeu_ps(out + i + 16 + h, s);
        }
    if (i < n) {
        float block[32];
        for (int h = 0; h < 16; h += 8) {
            __m256 c, s;
            half(words + h, &c, &s);
            _mm256_storeu_ps(block + h, c);
            _mm256_storeu_ps(block + 16 + h, s);
        }
        memcpy(out + i, block, sizeof(float) * (size_t)(n - i));
    }
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--bits") == 0) {
        uint64_t seed = strtoull(argv[2], NULL, 0);   /* NoiseKey.FromSeed: Mix(seed, 0x6A09E667F3BCC908) */
        uint64_t key = finalise(seed ^ finalise(0x6A09E667F3BCC908ULL + 0x9E3779B97F4A7C15ULL));
        int n = atoi(argv[3]);
        float *out = malloc(sizeof(float) * (size_t)n);
        fill(key, out, n);
        for (int i = 0; i < n; i++) {
            uint32_t b;
            memcpy(&b, out + i, 4);
            printf("%08X\n", b);
        }
        return 0;
    }
    int n = argc > 1 ? atoi(argv[1]) : 784, streams = argc > 2 ? atoi(argv[2]) : 25000;
    print_rate(fill, n, streams);
    return 0;
}
