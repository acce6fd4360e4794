/* Unit tests for common/json_strict.c: what a request body may not hold even though json-c parses it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "common/json_strict.h"

static int check(const char *s)
{
    char err[200];
    return json_strict_check(s, strlen(s), err, sizeof(err));
}

static void test_accepts_ordinary_json(void **state)
{
    (void)state;
    assert_int_equal(check("{\"a\":1,\"b\":[1,2,{\"a\":3}],\"c\":{\"a\":{\"a\":null}}}"), 0);
    assert_int_equal(check("[]"), 0);
    assert_int_equal(check("  {}  "), 0);
    assert_int_equal(check("\"\\u06cc\""), 0);
    assert_int_equal(check("\"\\ud83d\\ude00\""), 0);    /* a proper surrogate pair */
    assert_int_equal(check("{\"a\\n\":1,\"an\":2}"), 0);    /* "\n" decodes to a newline, not n */
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    char err[200];
    const char *s = "{\"national_id\":\"0012345679\",\"national_id\":\"1\"}";
    assert_int_equal(json_strict_check(s, strlen(s), err, sizeof(err)), -1);
    assert_non_null(strstr(err, "national_id"));
    assert_int_equal(check("{\"a\":1,\"\\u0061\":2}"), -1);         /* the same key, escaped */
    assert_int_equal(check("{\"\\u00e9\":1,\"\xc3\xa9\":2}"), -1);   /* escaped and raw UTF-8 */
    assert_int_equal(check("[{\"x\":{\"y\":1,\"y\":2}}]"), -1);     /* deep inside */
}

static void test_nul_and_surrogates(void **state)
{
    (void)state;
    assert_int_equal(check("{\"k\":\"a\\u0000b\"}"), -1);
    assert_int_equal(check("[\"\\ud800\"]"), -1);
    assert_int_equal(check("[\"\\udc00\"]"), -1);
    assert_int_equal(check("[\"\\ud800\\u0041\"]"), -1);
}

static void test_what_json_c_lets_through(void **state)
{
    (void)state;
    assert_int_equal(check("{'a':1}"), -1);
    assert_int_equal(check("[NaN]"), -1);
    assert_int_equal(check("[1.]"), -1);
    assert_int_equal(check("[\"\t\"]"), -1);
    assert_int_equal(check("{\"n\":\"\xc0\xaf\"}"), -1);    /* overlong '/' */
    assert_int_equal(check("{\"n\":\"\xed\xa0\x80\"}"), -1);  /* an encoded surrogate */
    assert_int_equal(check("[-0, 0.5, 1e10, -2E-3, true, false, null]"), 0);
}

static void test_never_reads_past_len(void **state)
{
    (void)state;
    char err[200];
    const char buf[] = "{\"a\":\"\\u00";    /* cut short */
    assert_int_equal(json_strict_check(buf, sizeof(buf) - 1, err, sizeof(err)), -1);
    assert_int_equal(json_strict_check("[1,", 3, err, sizeof(err)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts_ordinary_json),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_nul_and_surrogates),
        cmocka_unit_test(test_what_json_c_lets_through),
        cmocka_unit_test(test_never_reads_past_len),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
