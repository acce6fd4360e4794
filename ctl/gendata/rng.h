/* rng.h - gen-data's deterministic randomness: xoshiro256** seeded through splitmix64, one stream per table, so
 * the same seed gives the same rows. Inline: the generators draw several numbers for each of millions of rows. */
#ifndef REGISTRY_GENDATA_RNG_H
#define REGISTRY_GENDATA_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
} rng_t;

/* a value and its weight, for pick_weighted() */
typedef struct {
    const char *value;
    int weight;
} weighted;

static inline uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline void rng_init(rng_t *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed * 0x2545f4914f6cdd1dULL + stream * 0xd1342543de82ef95ULL + 0x632be59bd9b4e019ULL;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl64(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return out;
}

/* 0..n-1 (n > 0) */
static inline uint32_t rng_below(rng_t *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static inline double rng_unit(rng_t *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static inline int rng_chance(rng_t *r, int percent)
{
    return rng_below(r, 100) < (uint32_t)percent;
}

/* an index of v[0..n-1], each as likely as its weight */
int pick_weighted(rng_t *r, const weighted *v, size_t n);
/* index into a list whose first entries are more common: half uniform, half skewed to the front */
uint32_t pick_skewed(rng_t *r, uint32_t n);
/* the first i with cum[i] > x * cum[n-1], x uniform in [0, 1): an index by cumulative weights */
int pick_cum(rng_t *r, const double *cum, int n);

#define PICK_WEIGHTED(r, list) (list)[pick_weighted((r), (list), sizeof(list) / sizeof((list)[0]))].value

#endif
