/* Unit tests for the pure cores of server/http/input.c: what each returns for good and bad input, without a request
 * (the req_* wrappers only reply with it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>

#include "common/arena.h"
#include "server/http/input.h"
#include "server/http/negotiate.h"
#include "server/http/list.h"
#include "server/router.h"

/* Persian ranked above English and every other language (ties to the earlier) */
static bool prefers_fa(const char *h)
{
    return accept_language_preference(h) == LANGUAGE_PREFERS_FA;
}

static bool check_query(const char *q, const char *field)
{
    struct evkeyvalq kv;
    TAILQ_INIT(&kv);
    assert_int_equal(evhttp_parse_query_str(q, &kv), 0);
    field_errors fe = {0};
    bool ok = query_check(&kv, &fe);
    assert_int_equal(ok, fe.list == NULL);
    if (field) {
        json_object *first = json_object_array_get_idx(fe.list, 0), *f;
        assert_true(json_object_object_get_ex(first, "field", &f));
        assert_string_equal(json_object_get_string(f), field);
    }
    json_object_put(fe.list);
    evhttp_clear_headers(&kv);
    return ok;
}

static void test_query_check_refuses_repeats_and_bytes_that_are_not_utf8(void **state)
{
    (void)state;
    assert_true(check_query("a=1&b=%D8%A7", NULL));
    assert_false(check_query("a=1&b=2&a=3", "a"));
    assert_false(check_query("q=%FF", "q"));
    assert_false(check_query("\xff=1", ""));
}

/* query_check_known over the real route table: the errors' fields and codes, and the message's hint */
static json_object *check_known(const char *method, const char *path, const char *q)
{
    route_match m;
    assert_true(router_match(method, path, &m));
    struct evkeyvalq kv;
    TAILQ_INIT(&kv);
    if (*q && evhttp_parse_query_str(q, &kv) != 0)     /* dispatch parses no empty query either */
        fail_msg("query %s does not parse", q);
    field_errors fe = {0};
    bool ok = query_check_known(&kv, m.index, &fe);
    assert_int_equal(ok, fe.list == NULL);
    evhttp_clear_headers(&kv);
    return fe.list;
}

static const char *error_member(json_object *list, size_t i, const char *name)
{
    json_object *v;
    assert_true(json_object_object_get_ex(json_object_array_get_idx(list, i), name, &v));
    return json_object_get_string(v);
}

static void test_query_check_known_names_each_unknown_parameter(void **state)
{
    (void)state;
    router_init();
    assert_null(check_known("GET", "/api/v1/provinces", "limit=5&cursor=abc&format=csv"));
    assert_null(check_known("POST", "/api/v1/auth/login", "cookie=true"));
    assert_null(check_known("GET", "/healthz", ""));

    json_object *l = check_known("GET", "/api/v1/provinces", "limt=5&zzz=1&cursor=x");
    assert_int_equal(json_object_array_length(l), 2);
    assert_string_equal(error_member(l, 0, "field"), "limt");
    assert_string_equal(error_member(l, 0, "code"), "query.unknown");
    assert_non_null(strstr(error_member(l, 0, "message"), "did you mean limit?"));
    assert_non_null(field_error_fa(json_object_array_get_idx(l, 0)));
    assert_non_null(strstr(field_error_fa(json_object_array_get_idx(l, 0)), "limit"));
    assert_string_equal(error_member(l, 1, "field"), "zzz");
    assert_null(strstr(error_member(l, 1, "message"), "did you mean"));
    json_object_put(l);

    /* the probes and the description take nothing; a route without CSV no format */
    l = check_known("GET", "/readyz", "verbose=1");
    assert_string_equal(error_member(l, 0, "field"), "verbose");
    json_object_put(l);
    l = check_known("GET", "/api/v1/auth/me", "format=json");
    assert_string_equal(error_member(l, 0, "code"), "query.unknown");
    json_object_put(l);
    l = check_known("POST", "/api/v1/auth/login", "cookies=true");
    assert_non_null(strstr(error_member(l, 0, "message"), "did you mean cookie?"));
    json_object_put(l);

    /* a long name is cut at a character's start, so the message stays UTF-8 (libevent leaves names undecoded: a
     * name spelt with percent-escapes is not the name, and so unknown) */
    l = check_known("GET", "/api/v1/provinces", "%6Cimit=5");
    assert_string_equal(error_member(l, 0, "field"), "%6Cimit");
    json_object_put(l);
    char q[256] = "b";
    for (int i = 0; i < 40; i++)
        strcat(q, "\xd8\xa7");      /* then 40 alefs: 81 bytes, byte 60 inside a letter */
    strcat(q, "=1");
    l = check_known("GET", "/healthz", q);
    const char *msg = error_member(l, 0, "message");
    assert_int_equal(strncmp(msg, "b\xd8\xa7", 3), 0);
    const char *end = strstr(msg, " is not a query parameter");
    assert_non_null(end);
    assert_int_equal(end - msg, 59);    /* b and 29 alefs */
    json_object_put(l);
}

static void test_list_limit_defaults_bounds_and_names_the_field(void **state)
{
    (void)state;
    int limit;
    field_errors fe = {0};
    assert_true(list_limit_parse(NULL, &limit, &fe));
    assert_int_equal(limit, 50);
    assert_true(list_limit_parse("\xdb\xb5", &limit, &fe));    /* Persian 5 */
    assert_int_equal(limit, 5);
    assert_true(list_limit_parse("500", &limit, &fe));
    assert_int_equal(limit, 500);
    assert_null(fe.list);
    static const char *const bad[] = {"0", "501", "-1", "1.5", "x", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(list_limit_parse(bad[i], &limit, &fe));
        assert_int_equal(limit, 50);
        assert_int_equal(json_object_array_length(fe.list), i + 1);
    }
    json_object_put(fe.list);
}

static void test_json_body_read_answers_415_400_or_the_document(void **state)
{
    (void)state;
    char detail[260];
    json_object *o;
    assert_int_equal(json_body_read(NULL, "{}", 2, &o, detail, sizeof(detail)), 415);
    assert_int_equal(json_body_read("text/plain", "{}", 2, &o, detail, sizeof(detail)), 415);
    assert_int_equal(json_body_read("application/jsonx", "{}", 2, &o, detail, sizeof(detail)), 415);
    assert_null(o);
    assert_int_equal(json_body_read("application/json", "", 0, &o, detail, sizeof(detail)), 400);
    assert_non_null(strstr(detail, "empty"));
    assert_int_equal(json_body_read("application/json", "{\"a\":1,\"a\":2}", 13, &o, detail, sizeof(detail)), 400);
    assert_null(o);
    assert_int_equal(json_body_read("Application/JSON; charset=utf-8", "{\"a\":1}", 7, &o, detail, sizeof(detail)), 0);
    assert_int_equal(json_object_get_int(json_object_object_get(o, "a")), 1);
    json_object_put(o);
}

static void test_path_params_and_province_codes(void **state)
{
    (void)state;
    arena *a = arena_new(1024);
    assert_string_equal(path_param_decode(a, "a%2Fb", 5), "a/b");
    assert_string_equal(path_param_decode(a, "12xyz", 2), "12");
    assert_null(path_param_decode(a, "a%00", 4));
    assert_null(path_param_decode(a, "a%2", 3));
    assert_null(path_param_decode(a, "%FF", 3));
    assert_string_equal(province_code_parse(a, "IR-08"), "IR-08");
    assert_string_equal(province_code_parse(a, "IR-\xdb\xb0\xdb\xb8"), "IR-08");   /* Persian digits */
    assert_null(province_code_parse(a, "IR-8"));
    assert_null(province_code_parse(a, "ir-08"));
    arena_free(a);
}

static void test_cookie_value_finds_one_cookie_whole(void **state)
{
    (void)state;
    char v[16];
    assert_true(cookie_value("a=1; __Host-s=tok; b=2", "__Host-s", v, sizeof(v)));
    assert_string_equal(v, "tok");
    assert_true(cookie_value("__Host-s=tok", "__Host-s", v, sizeof(v)));
    assert_string_equal(v, "tok");
    assert_false(cookie_value("x__Host-s=tok; __Host-sx=tok", "__Host-s", v, sizeof(v)));   /* names whole */
    assert_false(cookie_value("__Host-s=a; __Host-s=b", "__Host-s", v, sizeof(v)));         /* twice: ambiguous */
    assert_false(cookie_value("__Host-s=", "__Host-s", v, sizeof(v)));
    assert_false(cookie_value("__Host-s=0123456789abcdef", "__Host-s", v, sizeof(v)));       /* too long */
    assert_false(cookie_value(NULL, "__Host-s", v, sizeof(v)));
    assert_false(cookie_value("", "__Host-s", v, sizeof(v)));
}

static void test_origin_is_own_compares_scheme_host_and_port(void **state)
{
    (void)state;
    assert_true(origin_is_own("https://127.0.0.1:8443", "127.0.0.1:8443"));
    assert_true(origin_is_own("HTTPS://Registry.example", "registry.example"));
    assert_false(origin_is_own("http://127.0.0.1:8443", "127.0.0.1:8443"));       /* another scheme */
    assert_false(origin_is_own("https://127.0.0.1:9443", "127.0.0.1:8443"));      /* another port */
    assert_false(origin_is_own("https://evil.example", "registry.example"));
    assert_false(origin_is_own("https://registry.example.evil", "registry.example"));
    assert_false(origin_is_own("null", "registry.example"));
    assert_false(origin_is_own(NULL, "registry.example"));
    assert_false(origin_is_own("https://", ""));
}

static void test_content_coding_pick_honours_weights_and_availability(void **state)
{
    (void)state;
    unsigned all = (1u << CODING_GZIP) | (1u << CODING_BR), gz = 1u << CODING_GZIP;
    assert_int_equal(content_coding_pick(NULL, all), CODING_IDENTITY);
    assert_int_equal(content_coding_pick("", all), CODING_IDENTITY);
    assert_int_equal(content_coding_pick("gzip, deflate, br, zstd", all), CODING_BR);
    assert_int_equal(content_coding_pick("gzip, deflate, br", gz), CODING_GZIP);     /* a font: no brotli copy */
    assert_int_equal(content_coding_pick("gzip, br", 0), CODING_IDENTITY);
    assert_int_equal(content_coding_pick("br;q=0, gzip", all), CODING_GZIP);
    assert_int_equal(content_coding_pick("br;q=0.5, gzip;q=0.8", all), CODING_GZIP);
    assert_int_equal(content_coding_pick("BR ; Q=1", all), CODING_BR);
    assert_int_equal(content_coding_pick("*", all), CODING_BR);
    assert_int_equal(content_coding_pick("*;q=0", all), CODING_IDENTITY);
    assert_int_equal(content_coding_pick("*, br;q=0", all), CODING_GZIP);
    assert_int_equal(content_coding_pick("x-gzip", all), CODING_GZIP);
    assert_int_equal(content_coding_pick("br;q=abc, gzip;q=2", all), CODING_IDENTITY);   /* garbled: never */
    assert_int_equal(content_coding_pick("identity", all), CODING_IDENTITY);
    assert_int_equal(content_coding_pick("br;q=nan, *;q=0", all), CODING_IDENTITY);    /* NaN is no weight */
    assert_int_equal(content_coding_pick("br;q=nan, gzip", all), CODING_GZIP);
}

static void test_accept_language_prefers_fa_by_weight_then_order(void **state)
{
    (void)state;
    assert_false(prefers_fa(NULL));
    assert_false(prefers_fa(""));
    assert_true(prefers_fa("fa"));
    assert_true(prefers_fa("FA-IR"));
    assert_true(prefers_fa("fa-IR,fa;q=0.9,en-US;q=0.8,en;q=0.7"));
    assert_false(prefers_fa("en-US,en;q=0.9,fa;q=0.8"));
    assert_false(prefers_fa("en, fa"));           /* a tie goes to the one named first */
    assert_true(prefers_fa("fa, en"));
    assert_true(prefers_fa("en;q=0.5, fa"));
    assert_false(prefers_fa("fa;q=0"));
    assert_false(prefers_fa("far, en"));         /* not Persian, only starts with fa */
    assert_false(prefers_fa("de"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_check_refuses_repeats_and_bytes_that_are_not_utf8),
        cmocka_unit_test(test_query_check_known_names_each_unknown_parameter),
        cmocka_unit_test(test_list_limit_defaults_bounds_and_names_the_field),
        cmocka_unit_test(test_json_body_read_answers_415_400_or_the_document),
        cmocka_unit_test(test_path_params_and_province_codes),
        cmocka_unit_test(test_cookie_value_finds_one_cookie_whole),
        cmocka_unit_test(test_origin_is_own_compares_scheme_host_and_port),
        cmocka_unit_test(test_content_coding_pick_honours_weights_and_availability),
        cmocka_unit_test(test_accept_language_prefers_fa_by_weight_then_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
