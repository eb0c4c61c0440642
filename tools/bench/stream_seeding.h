/* The library's stream seeding (StreamSeeding) in C, for the probes in tools/bench: fmix64 of the key, then
 * SplitMix64's finaliser of h ^ (i + 1)·γ for 32 words of 64 bits, as 16 xoshiro128+ lanes. */
#ifndef STREAM_SEEDING_H
#define STREAM_SEEDING_H
#include <stdint.h>

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

#endif
