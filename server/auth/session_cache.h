/*
 * session_cache.h - per-thread memory of which token belongs to whom, so the server can check the caller's role
 * and scope before sending anything to PostgreSQL. It is only ever a hint: every request's transaction still
 * begins with auth_begin(), which checks the session in the database, so a logout or a role change takes effect
 * at once in every process whatever this cache holds. It also forgets at once: the database notifies every
 * registryd (LISTEN registry_auth) when a session ends or a user changes, and an entry never outlives its session.
 * Direct-mapped (the key is a SHA-256), entries live 30 s at most.
 */
#ifndef REGISTRY_SESSION_CACHE_H
#define REGISTRY_SESSION_CACHE_H

#include <stdint.h>

#include "server/auth/identity.h"

#define SESSION_CACHE_SLOTS 4096
#define SESSION_CACHE_TTL_MS 30000

typedef struct session_cache_entry {
    char key[65];
    uint64_t expires_ms;
    identity who;
} session_cache_entry;

typedef struct session_cache {
    session_cache_entry slots[SESSION_CACHE_SLOTS];
} session_cache;

const identity *session_cache_get(session_cache *c, const char *token_hash_hex, uint64_t now_ms);
/* Remembers who holds a token for 30 s, or until the session expires if that is sooner. */
void session_cache_put(session_cache *c, const char *token_hash_hex, const identity *who, uint64_t now_ms,
                       int session_expires_in_s);
void session_cache_drop(session_cache *c, const char *token_hash_hex);
/* A user's role, scope or access changed (NOTIFY from the database): forget every token of theirs. */
void session_cache_drop_user(session_cache *c, int64_t user_id);
void session_cache_clear(session_cache *c);

#endif
