/* rng.c - picking from lists with the deterministic generator of rng.h. */
#include "ctl/gendata/rng.h"

int pick_weighted(rng_t *r, const weighted *v, size_t n)
{
    int total = 0;
    for (size_t i = 0; i < n; i++)
        total += v[i].weight;
    int x = (int)rng_below(r, (uint32_t)total);
    for (size_t i = 0; i < n; i++) {
        if (x < v[i].weight)
            return (int)i;
        x -= v[i].weight;
    }
    return (int)n - 1;
}

uint32_t pick_skewed(rng_t *r, uint32_t n)
{
    if (rng_below(r, 2))
        return rng_below(r, n);
    double u = rng_unit(r);
    uint32_t i = (uint32_t)(u * u * n);
    return i < n ? i : n - 1;
}

int pick_cum(rng_t *r, const double *cum, int n)
{
    double x = rng_unit(r) * cum[n - 1];
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (cum[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}
