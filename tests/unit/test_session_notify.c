/* Unit tests for server/auth/session_cache.c through session_cache_on_notify (the database's NOTIFY payloads as the
 * pool delivers them), and that an answer that raced a forgetting is not remembered (test_session_cache.c: the rest). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/auth/session_cache.h"

#define TOKEN_A "000000a100000000000000000000000000000000000000000000000000000001"
#define TOKEN_B "000000b200000000000000000000000000000000000000000000000000000002"
#define TOKEN_C "000000c300000000000000000000000000000000000000000000000000000003"
/* the cache is direct-mapped by the first 8 hex digits: these three take different slots */

static session_cache *cache_with(const char *token, int64_t user_id, uint64_t now_ms)
{
    session_cache *c = calloc(1, sizeof(*c));
    identity who = {.user_id = user_id, .role = ROLE_COUNTY_OFFICER};
    snprintf(who.username, sizeof(who.username), "user%lld", (long long)user_id);
    session_cache_put(c, token, &who, now_ms, 3600, session_cache_generation(c));
    return c;
}

static void put(session_cache *c, const char *token, int64_t user_id, uint64_t now_ms)
{
    identity who = {.user_id = user_id, .role = ROLE_NATIONAL_VIEWER};
    session_cache_put(c, token, &who, now_ms, 3600, session_cache_generation(c));
}

static void test_remembers_for_30_s_or_the_session(void **state)
{
    (void)state;
    session_cache *c = cache_with(TOKEN_A, 7, 1000);
    const identity *who = session_cache_get(c, TOKEN_A, 1000);
    assert_non_null(who);
    assert_int_equal(who->user_id, 7);
    assert_non_null(session_cache_get(c, TOKEN_A, 1000 + SESSION_CACHE_TTL_MS - 1));
    assert_null(session_cache_get(c, TOKEN_A, 1000 + SESSION_CACHE_TTL_MS));
    assert_null(session_cache_get(c, TOKEN_B, 1000));
    /* a session with 5 s left is remembered 5 s, not 30 */
    identity who2 = {.user_id = 8};
    session_cache_put(c, TOKEN_B, &who2, 1000, 5, session_cache_generation(c));
    assert_non_null(session_cache_get(c, TOKEN_B, 5999));
    assert_null(session_cache_get(c, TOKEN_B, 6000));
    free(c);
}

static void test_notify_session_ended(void **state)
{
    (void)state;
    session_cache *c = cache_with(TOKEN_A, 7, 1000);
    put(c, TOKEN_B, 8, 1000);
    session_cache_on_notify(c, "s:" TOKEN_A);
    assert_null(session_cache_get(c, TOKEN_A, 1001));
    assert_non_null(session_cache_get(c, TOKEN_B, 1001));
    free(c);
}

static void test_notify_user_changed(void **state)
{
    (void)state;
    session_cache *c = cache_with(TOKEN_A, 7, 1000);
    put(c, TOKEN_B, 7, 1000);    /* the same user signed in twice */
    put(c, TOKEN_C, 9, 1000);
    session_cache_on_notify(c, "u:7");
    assert_null(session_cache_get(c, TOKEN_A, 1001));
    assert_null(session_cache_get(c, TOKEN_B, 1001));
    assert_non_null(session_cache_get(c, TOKEN_C, 1001));
    free(c);
}

static void test_notify_missed_forgets_everything(void **state)
{
    (void)state;
    session_cache *c = cache_with(TOKEN_A, 7, 1000);
    put(c, TOKEN_C, 9, 1000);
    session_cache_on_notify(c, "x:unknown");    /* a payload of another kind changes nothing */
    assert_non_null(session_cache_get(c, TOKEN_A, 1001));
    session_cache_on_notify(c, NULL);           /* the listening connection was down */
    assert_null(session_cache_get(c, TOKEN_A, 1001));
    assert_null(session_cache_get(c, TOKEN_C, 1001));
    free(c);
}

static void test_answer_that_raced_a_revocation_is_not_kept(void **state)
{
    (void)state;
    session_cache *c = calloc(1, sizeof(*c));
    uint64_t gen = session_cache_generation(c);    /* auth_begin sent */
    session_cache_on_notify(c, "s:" TOKEN_A);       /* the session ends before its answer arrives */
    identity who = {.user_id = 7};
    session_cache_put(c, TOKEN_A, &who, 1000, 3600, gen);
    assert_null(session_cache_get(c, TOKEN_A, 1001));
    /* another process's logout (forget_all) reaches this thread's cache on its next look */
    put(c, TOKEN_B, 8, 1000);
    assert_non_null(session_cache_get(c, TOKEN_B, 1001));
    session_cache_forget_all();
    assert_null(session_cache_get(c, TOKEN_B, 1001));
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_remembers_for_30_s_or_the_session),
        cmocka_unit_test(test_notify_session_ended),
        cmocka_unit_test(test_notify_user_changed),
        cmocka_unit_test(test_notify_missed_forgets_everything),
        cmocka_unit_test(test_answer_that_raced_a_revocation_is_not_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
