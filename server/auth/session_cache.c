#include "server/auth/session_cache.h"

#include <stdlib.h>
#include <string.h>

static unsigned slot_of(const char *hex)
{
    unsigned v = 0;
    for (int i = 0; i < 8 && hex[i]; i++) {
        char c = hex[i];
        v = (v << 4) | (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v % SESSION_CACHE_SLOTS;
}

/* bumped by session_cache_forget_all(); each cache clears itself when it sees a new value */
static uint64_t forget_epoch;

void session_cache_forget_all(void)
{
    __atomic_add_fetch(&forget_epoch, 1, __ATOMIC_SEQ_CST);
}

/* Clears the cache if a forget_all happened since it last looked. */
static void sync_epoch(session_cache *c)
{
    uint64_t epoch = __atomic_load_n(&forget_epoch, __ATOMIC_SEQ_CST);
    if (epoch != c->epoch) {
        session_cache_clear(c);
        c->epoch = epoch;
    }
}

uint64_t session_cache_generation(session_cache *c)
{
    sync_epoch(c);
    return c->generation;
}

const identity *session_cache_get(session_cache *c, const char *token_hash_hex, uint64_t now_ms)
{
    sync_epoch(c);
    session_cache_entry *e = &c->slots[slot_of(token_hash_hex)];
    if (e->expires_ms > now_ms && strcmp(e->key, token_hash_hex) == 0)
        return &e->who;
    return NULL;
}

void session_cache_put(session_cache *c, const char *token_hash_hex, const identity *who, uint64_t now_ms,
                       int session_expires_in_s, uint64_t generation)
{
    sync_epoch(c);
    if (generation != c->generation)
        return;
    session_cache_entry *e = &c->slots[slot_of(token_hash_hex)];
    strncpy(e->key, token_hash_hex, sizeof(e->key) - 1);
    e->key[sizeof(e->key) - 1] = '\0';
    e->who = *who;
    uint64_t ttl = SESSION_CACHE_TTL_MS;
    if (session_expires_in_s >= 0 && (uint64_t)session_expires_in_s * 1000 < ttl)
        ttl = (uint64_t)session_expires_in_s * 1000;
    e->expires_ms = now_ms + ttl;
}

void session_cache_drop_user(session_cache *c, int64_t user_id)
{
    c->generation++;
    for (int i = 0; i < SESSION_CACHE_SLOTS; i++)
        if (c->slots[i].who.user_id == user_id)
            c->slots[i].expires_ms = 0;
}

void session_cache_clear(session_cache *c)
{
    c->generation++;
    for (int i = 0; i < SESSION_CACHE_SLOTS; i++)
        c->slots[i].expires_ms = 0;
}

void session_cache_drop(session_cache *c, const char *token_hash_hex)
{
    c->generation++;
    session_cache_entry *e = &c->slots[slot_of(token_hash_hex)];
    if (strcmp(e->key, token_hash_hex) == 0)
        e->expires_ms = 0;
}

void session_cache_on_notify(void *cache, const char *payload)
{
    session_cache *c = cache;
    if (!payload)
        session_cache_clear(c);
    else if (!strncmp(payload, "s:", 2))
        session_cache_drop(c, payload + 2);
    else if (!strncmp(payload, "u:", 2))
        session_cache_drop_user(c, strtoll(payload + 2, NULL, 10));
}
