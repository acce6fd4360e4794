/* Unit tests for list_timestamp_parse (server/http/list.c), the pure core of ?updated_since=: what it accepts (RFC
 * 3339 date-times with an offset, dates) as the same instant in UTC, and what it refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server/http/list.h"

static void ok(const char *in, const char *want)
{
    char out[40];
    if (!list_timestamp_parse(in, out, sizeof(out)))
        fail_msg("refused %s", in);
    assert_string_equal(out, want);
}

static void bad(const char *in)
{
    char out[40];
    if (list_timestamp_parse(in, out, sizeof(out)))
        fail_msg("accepted %s as %s", in, out);
}

static void test_accepts_rfc3339_and_gives_utc(void **state)
{
    (void)state;
    ok("2026-01-05T08:30:00Z", "2026-01-05T08:30:00Z");
    ok("2026-01-05t08:30:00z", "2026-01-05T08:30:00Z");
    ok("2026-01-05 08:30:00Z", "2026-01-05T08:30:00Z");
    ok("2026-01-05T12:00:00+03:30", "2026-01-05T08:30:00Z");
    ok("2026-01-05T01:00:00+03:30", "2026-01-04T21:30:00Z");      /* the day before in UTC */
    ok("2025-12-31T22:00:00-05:00", "2026-01-01T03:00:00Z");      /* the year after */
    ok("2024-02-28T23:00:00-01:00", "2024-02-29T00:00:00Z");      /* a leap day */
    ok("2024-03-01T00:30:00+01:00", "2024-02-29T23:30:00Z");
    ok("2026-01-05T08:30:00.5Z", "2026-01-05T08:30:00.5Z");
    ok("2026-01-05T08:30:00.123456789Z", "2026-01-05T08:30:00.123456Z");   /* microseconds, as stored */
    ok("2016-12-31T23:59:60Z", "2016-12-31T23:59:60Z");           /* a leap second: PostgreSQL reads it */
    ok("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z");
    ok("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z");
}

static void test_a_date_is_its_midnight_utc(void **state)
{
    (void)state;
    ok("2026-01-05", "2026-01-05T00:00:00Z");
    ok("2024-02-29", "2024-02-29T00:00:00Z");
}

static void test_refuses_what_is_not_an_instant(void **state)
{
    (void)state;
    bad("");
    bad("yesterday");
    bad("2026-01-05T08:30:00");             /* no offset: which instant is meant? */
    bad("2026-01-05T08:30Z");               /* seconds are required */
    bad("2026-1-5");
    bad("2026-01-05T");
    bad("2026-13-01");
    bad("2026-00-10");
    bad("2025-02-29");                      /* not a leap year */
    bad("2100-02-29");
    bad("2026-04-31");
    bad("2026-01-05T24:00:00Z");
    bad("2026-01-05T08:60:00Z");
    bad("2026-01-05T08:30:61Z");
    bad("2026-01-05T08:30:00+0330");        /* RFC 3339 has the colon */
    bad("2026-01-05T08:30:00+24:00");
    bad("2026-01-05T08:30:00+03:60");
    bad("2026-01-05T08:30:00.Z");
    bad("2026-01-05T08:30:00.1234567890Z"); /* beyond nanoseconds */
    bad("2026-01-05T08:30:00Zjunk");
    bad("2026-01-05junk");
    bad("۲۰۲۶-۰۱-۰۵");                      /* Persian digits: a timestamp is for programs; ASCII only */
    bad("0000-01-01");
    bad("0001-01-01T00:00:00+00:01");       /* before year 1 in UTC */
    bad("9999-12-31T23:59:59-00:01");       /* after 9999 in UTC */
    bad("-001-01-01");
    char small[8];
    assert_false(list_timestamp_parse("2026-01-05", small, sizeof(small)));
    assert_false(list_timestamp_parse(NULL, small, sizeof(small)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts_rfc3339_and_gives_utc),
        cmocka_unit_test(test_a_date_is_its_midnight_utc),
        cmocka_unit_test(test_refuses_what_is_not_an_instant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
