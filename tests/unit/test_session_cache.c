/* Unit tests for server/auth/session_cache.c, the per-thread memory of who holds a token. What must hold: a lookup
 * never answers with someone else's identity (not even from the same slot), entries die at the cache's TTL or the
 * session's end whichever is sooner, every kind of forgetting (a session's NOTIFY, a user's NOTIFY, a reset after
 * the listening connection was lost, a logout in another thread) is seen by the next lookup, and an answer from the
 * database that may predate a forgetting is never cached. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "common/token.h"
#include "server/auth/session_cache.h"

static int cache_setup(void **state)
{
    session_cache *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    *state = c;
    return 0;
}

static int cache_teardown(void **state)
{
    free(*state);
    return 0;
}

static identity user(int64_t id, user_role role, const char *province)
{
    identity w;
    memset(&w, 0, sizeof(w));
    w.user_id = id;
    w.role = role;
    snprintf(w.username, sizeof(w.username), "user%lld", (long long)id);
    snprintf(w.province, sizeof(w.province), "%s", province);
    return w;
}

/* A key as the server makes it: the SHA-256 of a token, in hex. */
static void key_of(const char *token, char out[SHA256_HEX_BUFSZ])
{
    assert_int_equal(token_hash_hex(token, out), 0);
    assert_int_equal(strlen(out), 64);
}

/* A 64-digit key whose first 8 digits (what picks the slot) are prefix, so tests choose collisions. */
static void key_with_prefix(unsigned prefix, char tail, char out[SHA256_HEX_BUFSZ])
{
    snprintf(out, SHA256_HEX_BUFSZ, "%08x", prefix);
    memset(out + 8, tail, 56);
    out[64] = '\0';
}

/* The payload the database sends when a session ends (migration 0006): 's:' || encode(token_hash, 'hex'). */
static void notify_payload_of(const char *token, char out[3 + 2 * SHA256_DIGEST_LENGTH])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)token, strlen(token), md);
    out[0] = 's';
    out[1] = ':';
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(out + 2 + 2 * i, 3, "%02x", md[i]);    /* encode(..., 'hex') writes lowercase */
}

static void test_put_then_get(void **state)
{
    session_cache *c = *state;
    char k[SHA256_HEX_BUFSZ];
    key_of("token-a", k);
    assert_null(session_cache_get(c, k, 1000));

    identity a = user(11, ROLE_COUNTY_OFFICER, "IR-08");
    a.county_id = 801;
    snprintf(a.ticket, sizeof(a.ticket), "ticket-a");
    session_cache_put(c, k, &a, 1000, 3600, session_cache_generation(c));
    const identity *got = session_cache_get(c, k, 1001);
    assert_non_null(got);
    assert_memory_equal(got, &a, sizeof(a));

    /* the cache keeps its own copy: the caller's identity may change or go away */
    a.role = ROLE_NATIONAL_ADMIN;
    assert_int_equal(session_cache_get(c, k, 1002)->role, ROLE_COUNTY_OFFICER);

    /* another token is not found, and a key differing in one digit is another token */
    char other[SHA256_HEX_BUFSZ];
    key_of("token-b", other);
    assert_null(session_cache_get(c, other, 1001));
    char near[SHA256_HEX_BUFSZ];
    memcpy(near, k, sizeof(near));
    near[63] = near[63] == '0' ? '1' : '0';
    assert_null(session_cache_get(c, near, 1001));
    near[63] = k[63];
    size_t letter = strcspn(near, "abcdef");
    assert_true(letter < 64);
    near[letter] = (char)(near[letter] - 'a' + 'A');
    assert_null(session_cache_get(c, near, 1001));    /* an uppercase spelling is not the server's key */
}

/* The slot comes from the first 8 digits: two tokens that share it never answer for each other, and the later one
 * takes the slot (a direct-mapped cache: the earlier token goes back to the database). */
static void test_a_shared_slot_never_answers_for_another_token(void **state)
{
    session_cache *c = *state;
    char k1[SHA256_HEX_BUFSZ], k2[SHA256_HEX_BUFSZ];
    key_with_prefix(0x00abcdefu, '1', k1);
    key_with_prefix(0x00abcdefu, '2', k2);
    identity a = user(1, ROLE_NATIONAL_ADMIN, ""), b = user(2, ROLE_NGO_SUBMITTER, "IR-23");

    session_cache_put(c, k1, &a, 0, -1, session_cache_generation(c));
    assert_null(session_cache_get(c, k2, 1));
    session_cache_put(c, k2, &b, 0, -1, session_cache_generation(c));
    assert_null(session_cache_get(c, k1, 1));
    assert_int_equal(session_cache_get(c, k2, 1)->user_id, 2);

    /* slots wrap: prefixes SESSION_CACHE_SLOTS apart share a slot too */
    char k3[SHA256_HEX_BUFSZ];
    key_with_prefix(0x00abcdefu + SESSION_CACHE_SLOTS, '3', k3);
    identity d = user(3, ROLE_PROVINCIAL_ADMIN, "IR-01");
    session_cache_put(c, k3, &d, 0, -1, session_cache_generation(c));
    assert_null(session_cache_get(c, k2, 1));
    assert_int_equal(session_cache_get(c, k3, 1)->user_id, 3);
}

/* Tokens in different slots live side by side, up to one per slot. */
static void test_capacity_is_one_token_per_slot(void **state)
{
    session_cache *c = *state;
    char k[SHA256_HEX_BUFSZ];
    for (unsigned i = 0; i < SESSION_CACHE_SLOTS; i++) {
        key_with_prefix(i, 'e', k);
        identity w = user(100000 + i, ROLE_NATIONAL_VIEWER, "");
        session_cache_put(c, k, &w, 0, -1, session_cache_generation(c));
    }
    for (unsigned i = 0; i < SESSION_CACHE_SLOTS; i++) {
        key_with_prefix(i, 'e', k);
        const identity *got = session_cache_get(c, k, 1);
        assert_non_null(got);
        assert_int_equal(got->user_id, 100000 + i);
    }
    /* one more token evicts exactly the one in its slot */
    key_with_prefix(SESSION_CACHE_SLOTS + 5, 'f', k);
    identity w = user(7, ROLE_NATIONAL_VIEWER, "");
    session_cache_put(c, k, &w, 0, -1, session_cache_generation(c));
    key_with_prefix(5, 'e', k);
    assert_null(session_cache_get(c, k, 1));
    int alive = 0;
    for (unsigned i = 0; i < SESSION_CACHE_SLOTS; i++) {
        key_with_prefix(i, 'e', k);
        alive += session_cache_get(c, k, 1) != NULL;
    }
    assert_int_equal(alive, SESSION_CACHE_SLOTS - 1);
}

/* An entry lives SESSION_CACHE_TTL_MS, or until its session expires if sooner; never past either. */
static void test_expiry(void **state)
{
    session_cache *c = *state;
    char k[SHA256_HEX_BUFSZ];
    identity a = user(5, ROLE_COUNTY_OFFICER, "IR-08");
    const uint64_t t0 = 1700000000000ULL;

    key_of("ttl", k);
    session_cache_put(c, k, &a, t0, 3600, session_cache_generation(c));    /* session: an hour left */
    assert_non_null(session_cache_get(c, k, t0 + SESSION_CACHE_TTL_MS - 1));
    assert_null(session_cache_get(c, k, t0 + SESSION_CACHE_TTL_MS));

    key_of("unknown expiry", k);
    session_cache_put(c, k, &a, t0, -1, session_cache_generation(c));
    assert_non_null(session_cache_get(c, k, t0 + SESSION_CACHE_TTL_MS - 1));
    assert_null(session_cache_get(c, k, t0 + SESSION_CACHE_TTL_MS));

    key_of("session ends in 5 s", k);
    session_cache_put(c, k, &a, t0, 5, session_cache_generation(c));
    assert_non_null(session_cache_get(c, k, t0 + 4999));
    assert_null(session_cache_get(c, k, t0 + 5000));
    assert_null(session_cache_get(c, k, t0 + SESSION_CACHE_TTL_MS - 1));

    key_of("session ends now", k);
    session_cache_put(c, k, &a, t0, 0, session_cache_generation(c));
    assert_null(session_cache_get(c, k, t0));

    /* a later put of the same token starts its life again */
    key_of("refreshed", k);
    session_cache_put(c, k, &a, t0, -1, session_cache_generation(c));
    session_cache_put(c, k, &a, t0 + 20000, -1, session_cache_generation(c));
    assert_non_null(session_cache_get(c, k, t0 + 20000 + SESSION_CACHE_TTL_MS - 1));
}

/* NOTIFY registry_auth 's:<hash>': the session of that token is forgotten; the key the server computes from a token
 * is exactly what the database's payload names, so the drop finds it. Other tokens stay. */
static void test_a_session_notify_drops_that_token(void **state)
{
    session_cache *c = *state;
    char ka[SHA256_HEX_BUFSZ], kb[SHA256_HEX_BUFSZ];
    key_of("alice's token", ka);
    key_of("bob's token", kb);
    identity a = user(1, ROLE_NATIONAL_ADMIN, ""), b = user(2, ROLE_NATIONAL_VIEWER, "");
    session_cache_put(c, ka, &a, 0, -1, session_cache_generation(c));
    session_cache_put(c, kb, &b, 0, -1, session_cache_generation(c));

    char payload[3 + 2 * SHA256_DIGEST_LENGTH];
    notify_payload_of("alice's token", payload);
    assert_string_equal(payload + 2, ka);
    session_cache_drop(c, payload + 2);
    assert_null(session_cache_get(c, ka, 1));
    assert_non_null(session_cache_get(c, kb, 1));

    /* a drop for a token in the same slot as another does not evict that other */
    char k1[SHA256_HEX_BUFSZ], k2[SHA256_HEX_BUFSZ];
    key_with_prefix(0x1234u, 'a', k1);
    key_with_prefix(0x1234u, 'b', k2);
    session_cache_put(c, k1, &a, 0, -1, session_cache_generation(c));
    session_cache_drop(c, k2);
    assert_non_null(session_cache_get(c, k1, 1));
}

/* NOTIFY 'u:<id>': a user's role, scope or access changed; every token of theirs goes, nobody else's. */
static void test_a_user_notify_drops_all_their_tokens(void **state)
{
    session_cache *c = *state;
    char k[SHA256_HEX_BUFSZ];
    identity a = user(41, ROLE_PROVINCIAL_OFFICER, "IR-08"), b = user(42, ROLE_PROVINCIAL_OFFICER, "IR-08");
    for (unsigned i = 0; i < 10; i++) {
        key_with_prefix(0x100u + i, 'a', k);
        session_cache_put(c, k, i % 2 ? &b : &a, 0, -1, session_cache_generation(c));
    }
    session_cache_drop_user(c, 41);
    for (unsigned i = 0; i < 10; i++) {
        key_with_prefix(0x100u + i, 'a', k);
        const identity *got = session_cache_get(c, k, 1);
        if (i % 2) {
            assert_non_null(got);
            assert_int_equal(got->user_id, 42);
        } else
            assert_null(got);
    }
}

/* The listening connection was lost (NOTIFYs may have been missed: the payload handler is called with NULL), or
 * this process changed a user or logged one out (forget_all): everything is forgotten. */
static void test_a_missed_notification_clears_everything(void **state)
{
    session_cache *c = *state;
    char k[SHA256_HEX_BUFSZ];
    identity a = user(9, ROLE_NATIONAL_ADMIN, "");
    for (unsigned i = 0; i < 50; i++) {
        key_with_prefix(i * 7, 'c', k);
        session_cache_put(c, k, &a, 0, -1, session_cache_generation(c));
    }
    session_cache_clear(c);
    for (unsigned i = 0; i < 50; i++) {
        key_with_prefix(i * 7, 'c', k);
        assert_null(session_cache_get(c, k, 1));
    }
    /* the cache works again afterwards */
    session_cache_put(c, k, &a, 0, -1, session_cache_generation(c));
    assert_non_null(session_cache_get(c, k, 1));
}

/* forget_all reaches every thread's cache: each clears itself before its next lookup. */
static void test_forget_all_reaches_every_cache(void **state)
{
    session_cache *c = *state;
    session_cache *other = calloc(1, sizeof(*other));
    assert_non_null(other);
    char k[SHA256_HEX_BUFSZ];
    key_of("shared", k);
    identity a = user(3, ROLE_NATIONAL_ADMIN, "");
    session_cache_put(c, k, &a, 0, -1, session_cache_generation(c));
    session_cache_put(other, k, &a, 0, -1, session_cache_generation(other));
    assert_non_null(session_cache_get(c, k, 1));
    assert_non_null(session_cache_get(other, k, 1));

    uint64_t g = session_cache_generation(other);
    session_cache_forget_all();
    assert_null(session_cache_get(c, k, 1));
    assert_null(session_cache_get(other, k, 1));
    /* and an answer asked for before the forgetting is not cached after it */
    session_cache_put(other, k, &a, 2, -1, g);
    assert_null(session_cache_get(other, k, 3));
    free(other);
}

/* The race the generation closes: the database answers "this token is Alice's" but a NOTIFY revoking her (or any
 * forgetting) arrived between the question and the answer; the answer must not be cached. */
static void test_an_answer_older_than_a_forgetting_is_not_cached(void **state)
{
    session_cache *c = *state;
    char k[SHA256_HEX_BUFSZ], other[SHA256_HEX_BUFSZ];
    key_of("alice", k);
    key_of("someone else", other);
    identity a = user(1, ROLE_NATIONAL_ADMIN, "");

    /* each kind of forgetting between question and answer */
    for (int kind = 0; kind < 4; kind++) {
        uint64_t g = session_cache_generation(c);
        switch (kind) {
        case 0: session_cache_drop(c, k); break;
        case 1: session_cache_drop(c, other); break;    /* even another token's: the cache cannot tell */
        case 2: session_cache_drop_user(c, 77); break;
        case 3: session_cache_clear(c); break;
        }
        assert_true(session_cache_generation(c) != g);
        session_cache_put(c, k, &a, 0, -1, g);
        if (session_cache_get(c, k, 1) != NULL)
            fail_msg("an answer older than forgetting kind %d was cached", kind);
    }
    /* nothing forgotten since the question: cached */
    uint64_t g = session_cache_generation(c);
    session_cache_put(c, k, &a, 0, -1, g);
    assert_non_null(session_cache_get(c, k, 1));
    /* lookups and puts do not move the generation (or every answer would be refused) */
    assert_true(session_cache_generation(c) == g);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, cache_setup, cache_teardown)
    const struct CMUnitTest tests[] = {
        T(test_put_then_get),
        T(test_a_shared_slot_never_answers_for_another_token),
        T(test_capacity_is_one_token_per_slot),
        T(test_expiry),
        T(test_a_session_notify_drops_that_token),
        T(test_a_user_notify_drops_all_their_tokens),
        T(test_a_missed_notification_clears_everything),
        T(test_forget_all_reaches_every_cache),
        T(test_an_answer_older_than_a_forgetting_is_not_cached),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
