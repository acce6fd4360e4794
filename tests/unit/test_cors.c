/* test_cors.c - CORS (server/http/cors.c): exact origins only, the preflight's headers for a listed origin and none
 * for another, no credentials ever, Vary: Origin while anything is listed; and the config's list of origins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/config.h"
#include "server/http/cors.h"

typedef struct {
    int n;
    char names[16][64], values[16][256];
} collected;

static void collect(void *arg, const char *name, const char *value)
{
    collected *c = arg;
    assert_true(c->n < 16);
    snprintf(c->names[c->n], sizeof(c->names[0]), "%s", name);
    snprintf(c->values[c->n], sizeof(c->values[0]), "%s", value);
    c->n++;
}

static const char *get(const collected *c, const char *name)
{
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->names[i], name))
            return c->values[i];
    return NULL;
}

static int count_cors(const collected *c)
{
    int k = 0;
    for (int i = 0; i < c->n; i++)
        k += !strncmp(c->names[i], "Access-Control-", 15);
    return k;
}

static const char *const listed[] = {"https://app.example.org", "http://localhost:5173"};

static void test_only_exact_origins_are_listed(void **state)
{
    (void)state;
    assert_true(cors_origin_listed(listed, 2, "https://app.example.org"));
    assert_true(cors_origin_listed(listed, 2, "http://localhost:5173"));
    assert_false(cors_origin_listed(listed, 2, "https://app.example.org.evil.test"));
    assert_false(cors_origin_listed(listed, 2, "https://evil.test"));
    assert_false(cors_origin_listed(listed, 2, "https://APP.example.org"));
    assert_false(cors_origin_listed(listed, 2, "http://app.example.org"));      /* another scheme, another origin */
    assert_false(cors_origin_listed(listed, 2, "https://app.example.org:8443"));
    assert_false(cors_origin_listed(listed, 2, "null"));
    assert_false(cors_origin_listed(listed, 2, ""));
    assert_false(cors_origin_listed(listed, 2, NULL));
    assert_false(cors_origin_listed(NULL, 0, "https://app.example.org"));
}

static void test_a_listed_origins_preflight(void **state)
{
    (void)state;
    collected c = {0};
    assert_true(cors_preflight_headers(listed, 2, "https://app.example.org", "PATCH", "GET, HEAD, PATCH, DELETE",
                                       collect, &c));
    assert_string_equal(get(&c, "Access-Control-Allow-Origin"), "https://app.example.org");
    assert_string_equal(get(&c, "Access-Control-Allow-Methods"), "GET, HEAD, PATCH, DELETE");
    const char *h = get(&c, "Access-Control-Allow-Headers");
    assert_non_null(h);
    for (const char *want = "Authorization\0Content-Type\0If-Match\0If-None-Match\0Idempotency-Key\0Accept-Language\0";
         *want; want += strlen(want) + 1)
        assert_non_null(strstr(h, want));
    assert_string_equal(get(&c, "Access-Control-Max-Age"), CORS_MAX_AGE);
    assert_string_equal(get(&c, "Vary"), "Origin");
    assert_null(get(&c, "Access-Control-Allow-Credentials"));     /* bearer tokens only, never the cookie */
}

static void test_anything_else_gets_no_cors_header(void **state)
{
    (void)state;
    collected c = {0};
    assert_false(cors_preflight_headers(listed, 2, "https://evil.test", "POST", "GET, POST", collect, &c));
    assert_int_equal(count_cors(&c), 0);
    assert_string_equal(get(&c, "Vary"), "Origin");
    memset(&c, 0, sizeof(c));
    /* a listed origin's plain OPTIONS (no Access-Control-Request-Method) is not a preflight */
    assert_false(cors_preflight_headers(listed, 2, "https://app.example.org", NULL, "GET", collect, &c));
    assert_int_equal(count_cors(&c), 0);
    memset(&c, 0, sizeof(c));
    assert_false(cors_actual_headers(listed, 2, "https://evil.test", collect, &c));
    assert_int_equal(count_cors(&c), 0);
    memset(&c, 0, sizeof(c));
    /* nothing listed (the default): not even Vary */
    assert_false(cors_preflight_headers(NULL, 0, "https://app.example.org", "GET", "GET", collect, &c));
    assert_false(cors_actual_headers(NULL, 0, "https://app.example.org", collect, &c));
    assert_int_equal(c.n, 0);
}

static void test_a_listed_origins_actual_reply(void **state)
{
    (void)state;
    collected c = {0};
    assert_true(cors_actual_headers(listed, 2, "http://localhost:5173", collect, &c));
    assert_string_equal(get(&c, "Access-Control-Allow-Origin"), "http://localhost:5173");
    const char *e = get(&c, "Access-Control-Expose-Headers");
    assert_non_null(e);
    for (const char *want = "ETag\0Location\0Link\0X-Next-Cursor\0Retry-After\0X-Request-Id\0"; *want;
         want += strlen(want) + 1)
        assert_non_null(strstr(e, want));
    assert_null(get(&c, "Access-Control-Allow-Credentials"));
    assert_string_equal(get(&c, "Vary"), "Origin");
}

static void test_the_configs_origins(void **state)
{
    (void)state;
    assert_true(config_cors_origin_valid("https://app.example.org"));
    assert_true(config_cors_origin_valid("https://app.example.org:8443"));
    assert_true(config_cors_origin_valid("http://localhost:5173"));
    assert_true(config_cors_origin_valid("http://localhost:443"));
    assert_true(config_cors_origin_valid("http://[::1]:8080"));
    assert_false(config_cors_origin_valid("http://localhost:80"));      /* browsers leave the default port out */
    assert_false(config_cors_origin_valid("https://app.example.org:443"));
    assert_false(config_cors_origin_valid("https://App.example.org"));  /* could never equal a browser's Origin */
    assert_false(config_cors_origin_valid("https://app.example.org/"));
    assert_false(config_cors_origin_valid("ftp://app.example.org"));
    assert_false(config_cors_origin_valid("app.example.org"));
    assert_false(config_cors_origin_valid("http://"));

    registry_config c;
    char err[256];
    setenv("REGISTRY_CORS_ORIGINS", " https://app.example.org ,http://localhost:5173,, ", 1);
    assert_int_equal(config_load(&c, NULL, err, sizeof(err)), 0);
    assert_int_equal(c.cors_origin_count, 2);
    assert_string_equal(c.cors_origin_list[0], "https://app.example.org");
    assert_string_equal(c.cors_origin_list[1], "http://localhost:5173");
    config_free(&c);
    static const char *const bad[] = {"*", "null", "https://app.example.org, https://x.test/path", "HTTPS://A.TEST"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        setenv("REGISTRY_CORS_ORIGINS", bad[i], 1);
        assert_int_equal(config_load(&c, NULL, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "cors_origins"));
        config_free(&c);
    }
    unsetenv("REGISTRY_CORS_ORIGINS");
    assert_int_equal(config_load(&c, NULL, err, sizeof(err)), 0);
    assert_int_equal(c.cors_origin_count, 0);      /* none by default */
    config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_only_exact_origins_are_listed),
        cmocka_unit_test(test_a_listed_origins_preflight),
        cmocka_unit_test(test_anything_else_gets_no_cors_header),
        cmocka_unit_test(test_a_listed_origins_actual_reply),
        cmocka_unit_test(test_the_configs_origins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
