/* What the C probes in tools/bench share: the library's stream seeding (StreamSeeding: fmix64 of the key, then
 * SplitMix64's finaliser of h ^ (i + 1)·γ for 32 words of 64 bits, as 16 xoshiro128+ lanes), and the one rate
 * measurement their figures come from, so that they are measured alike. */
#ifndef PROBE_COMMON_H
#define PROBE_COMMON_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t premix(uint64_t k) {
    k = (k ^ (k >> 33)) * 0xFF51AFD7ED558CCDULL;
    k = (k ^ (k >> 33)) * 0xC4CEB9FE1A85EC53ULL;
    return k ^ (k >> 33);
}
static uint64_t finalise(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
/* 64 words, word w of lane l at 16w + l; x_i's low half at 2i, high half at 2i + 1; zero lanes get s0 = 1. */
static void seed(uint64_t key, uint32_t *words) {
    uint64_t h = premix(key), c = 0;
    for (int i = 0; i < 64; i += 2) {
        c += 0x9E3779B97F4A7C15ULL;
        uint64_t x = finalise(h ^ c);
        words[i] = (uint32_t)x;
        words[i + 1] = (uint32_t)(x >> 32);
    }
    for (int l = 0; l < 16; l++)
        if ((words[l] | words[16 + l] | words[32 + l] | words[48 + l]) == 0) words[l] = 1;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* The rate of fill on streams 0, 1, … of n numbers each: the best of 9 passes over all streams, printed as JSON. */
static void print_rate(void (*fill)(uint64_t key, float *out, int n), int n, int streams) {
    float *out = malloc(sizeof(float) * (size_t)n);
    double best = 1e30, sink = 0;
    for (int round = 0; round < 9; round++) {
        double t0 = now();
        for (int s = 0; s < streams; s++) {
            fill((uint64_t)s, out, n);
            sink += out[n - 1];
        }
        double dt = now() - t0;
        if (dt < best) best = dt;
    }
    printf("{\"numbers_per_stream\": %d, \"samples_per_s\": %.0f, \"ns_per_stream\": %.1f, \"sink\": %g}\n", n,
           (double)n * streams / best, best / streams * 1e9, sink);
    free(out);
}

#endif
