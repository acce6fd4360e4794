/*
 * ratelimit.h - token buckets for expensive requests (searches, exports, reports), per token and per address.
 * Per thread and direct-mapped (a collision only shares a bucket for a while): no locks, no allocation.
 */
#ifndef REGISTRY_RATELIMIT_H
#define REGISTRY_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define RATELIMIT_SLOTS 4096

typedef struct ratelimit_slot {
    uint64_t key;
    double tokens;
    uint64_t last_ms;
} ratelimit_slot;

typedef struct ratelimit {
    ratelimit_slot slots[RATELIMIT_SLOTS];
    double per_ms;      /* refill rate */
    double burst;       /* bucket size */
} ratelimit;

void ratelimit_init(ratelimit *rl, double per_minute, double burst);
uint64_t ratelimit_key(const char *s);
/* Takes one token for key; false when there is none, with the seconds until there is one. */
bool ratelimit_take(ratelimit *rl, uint64_t key, uint64_t now_ms, int *retry_after_s);

#endif
