/* Unit tests for the pure parts of server/http/encode.c: PostgreSQL's text output of timestamps and arrays turned
 * into the API's JSON (reads select the columns themselves and format them here, not in SQL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "server/http/encode.h"

static void expect_timestamp(const char *in, const char *want)
{
    strbuf sb = STRBUF_INIT;
    encode_timestamp(&sb, in);
    assert_string_equal(sb.data, want);
    strbuf_free(&sb);
}

static void test_timestamp(void **state)
{
    (void)state;
    expect_timestamp("2026-11-23 18:22:07.123456+00", "2026-11-23T18:22:07Z");
    expect_timestamp("2026-11-23 18:22:07+00", "2026-11-23T18:22:07Z");
    expect_timestamp("1999-01-01 00:00:00.5+00", "1999-01-01T00:00:00Z");
    /* already formatted by to_char: unchanged */
    expect_timestamp("2026-11-23T18:22:07Z", "2026-11-23T18:22:07Z");
    /* not UTC, or not ISO: written as it is rather than mislabelled as UTC */
    expect_timestamp("2026-11-23 18:22:07+03:30", "2026-11-23 18:22:07+03:30");
    expect_timestamp("2026-11-23 18:22:07.1+01", "2026-11-23 18:22:07.1+01");
    expect_timestamp("11/23/2026 18:22:07 UTC", "11/23/2026 18:22:07 UTC");
    expect_timestamp("2026-11-23 18:22:07.+00x", "2026-11-23 18:22:07.+00x");
    expect_timestamp("", "");
}

static void expect_array(const char *in, int rc, const char *want)
{
    strbuf sb = STRBUF_INIT;
    strbuf_puts(&sb, "prefix:");
    assert_int_equal(encode_pg_array(&sb, in), rc);
    char full[256];
    snprintf(full, sizeof(full), "prefix:%s", want);
    assert_string_equal(sb.data, full);
    strbuf_free(&sb);
}

static void test_array(void **state)
{
    (void)state;
    expect_array("{}", 0, "[]");
    expect_array("{housing}", 0, "[\"housing\"]");
    expect_array("{housing,employment,assistive_devices}", 0, "[\"housing\", \"employment\", \"assistive_devices\"]");
    expect_array("{\"a b\",\"c,d\",\"e\\\"f\",\"g\\\\h\"}", 0, "[\"a b\", \"c,d\", \"e\\\"f\", \"g\\\\h\"]");
    expect_array("{NULL,\"NULL\"}", 0, "[null, \"NULL\"]");
    expect_array("{\"خانه\",کار}", 0, "[\"خانه\", \"کار\"]");
    /* not an array literal: nothing written */
    expect_array("", -1, "");
    expect_array("housing", -1, "");
    expect_array("{housing", -1, "");
    expect_array("{\"open}", -1, "");
    expect_array("{a,}", -1, "");
    expect_array("{,a}", -1, "");
    expect_array("{a}x", -1, "");
    expect_array("{\"a\"b}", -1, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timestamp),
        cmocka_unit_test(test_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
