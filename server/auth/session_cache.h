/*
 * session_cache.h - per-thread memory of which token belongs to whom (as auth_begin() last told it), so the server
 * can check the caller's role and scope before sending anything to PostgreSQL.
 *
 * Writes never trust it: their transaction begins with auth_begin(), which checks the session in the database.
 * Reads do, while this thread is listening for revocations (request.c, req_job_begin): their transaction begins
 * with the cached scope instead, which spares the database the session lookup on the hottest path. That is safe
 * because the cache forgets at once: the database notifies every registryd (LISTEN registry_auth) when a session
 * ends or a user's role, scope or access changes, each thread listens on its own connection, a logout or user
 * change made through this process also clears every thread's cache before it is answered
 * (session_cache_forget_all), entries never outlive their session, and while a thread's listening connection is
 * down its reads go back to auth_begin(). Direct-mapped (the key is a SHA-256), entries live 30 s at most.
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
    uint64_t epoch;         /* the process-wide epoch this cache was last cleared for */
    uint64_t generation;    /* + 1 on every forgetting (drop, drop_user, clear) */
} session_cache;

const identity *session_cache_get(session_cache *c, const char *token_hash_hex, uint64_t now_ms);
/* The cache's generation now: take it before asking the database who holds a token, and give it to
 * session_cache_put with the answer. */
uint64_t session_cache_generation(session_cache *c);
/* Remembers who holds a token for 30 s, or until the session expires if that is sooner - unless anything was
 * forgotten since generation was taken: the answer may predate that revocation (a NOTIFY that arrived before the
 * answer did), and caching it would bring the revoked session back. */
void session_cache_put(session_cache *c, const char *token_hash_hex, const identity *who, uint64_t now_ms,
                       int session_expires_in_s, uint64_t generation);
void session_cache_drop(session_cache *c, const char *token_hash_hex);
/* A user's role, scope or access changed (NOTIFY from the database): forget every token of theirs. */
void session_cache_drop_user(session_cache *c, int64_t user_id);
void session_cache_clear(session_cache *c);
/* The database's word on the channel registry_auth (db_pool_listen's callback, cache is a session_cache):
 * "s:<token hash>" a session ended, "u:<user id>" a user's role, scope or access changed; NULL: notifications may
 * have been missed, forget everything. */
void session_cache_on_notify(void *cache, const char *payload);
/* Any thread: every thread's cache forgets everything before its next lookup (a logout, a user changed). */
void session_cache_forget_all(void);

#endif
