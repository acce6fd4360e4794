#include "server/http/ratelimit.h"

#include <math.h>
#include <string.h>

void ratelimit_init(ratelimit *rl, double per_minute, double burst)
{
    memset(rl->slots, 0, sizeof(rl->slots));
    rl->per_ms = per_minute / 60000.0;
    rl->burst = burst < 1 ? 1 : burst;
}

uint64_t ratelimit_key(const char *s)
{
    uint64_t h = 1469598103934665603ULL;    /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h ? h : 1;
}

bool ratelimit_take(ratelimit *rl, uint64_t key, uint64_t now_ms, int *retry_after_s)
{
    ratelimit_slot *s = &rl->slots[key % RATELIMIT_SLOTS];
    if (s->key != key) {
        s->key = key;
        s->tokens = rl->burst;
        s->last_ms = now_ms;
    }
    s->tokens += (double)(now_ms - s->last_ms) * rl->per_ms;
    if (s->tokens > rl->burst)
        s->tokens = rl->burst;
    s->last_ms = now_ms;
    if (s->tokens >= 1.0) {
        s->tokens -= 1.0;
        return true;
    }
    double wait_ms = rl->per_ms > 0 ? (1.0 - s->tokens) / rl->per_ms : 60000.0;
    *retry_after_s = (int)ceil(wait_ms / 1000.0);
    if (*retry_after_s < 1)
        *retry_after_s = 1;
    return false;
}
