/* Unit tests for common/jalali.c: Jalali <-> Gregorian conversion, leap years, parsing and formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/jalali.h"

static void assert_ymd(ymd got, int y, int m, int d)
{
    if (got.y != y || got.m != m || got.d != d)
        fail_msg("got %04d-%02d-%02d, expected %04d-%02d-%02d", got.y, got.m, got.d, y, m, d);
}

/* Pairs from the official calendar (Iranian calendar center publications). */
static const struct {
    int jy, jm, jd, gy, gm, gd;
} known[] = {
    {1403, 12, 30, 2025, 3, 20},   /* 1403 is leap */
    {1403, 1, 1, 2024, 3, 20},
    {1404, 1, 1, 2025, 3, 21},
    {1399, 12, 30, 2021, 3, 20},
    {1400, 1, 1, 2021, 3, 21},
    {1395, 12, 30, 2017, 3, 20},   /* 1395 is leap */
    {1354, 1, 1, 1975, 3, 21},
    {1300, 1, 1, 1921, 3, 21},
    {1367, 11, 22, 1989, 2, 11},
    {1357, 11, 22, 1979, 2, 11},
    {1404, 12, 29, 2026, 3, 20},
    {1405, 1, 1, 2026, 3, 21},
    {1408, 12, 30, 2030, 3, 20},
    {1402, 10, 11, 2024, 1, 1},
    {1378, 10, 11, 2000, 1, 1},
    {1, 1, 1, 622, 3, 22},
};

static void test_known_pairs(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        ymd j = {known[i].jy, known[i].jm, known[i].jd};
        ymd g = {known[i].gy, known[i].gm, known[i].gd};
        ymd out = {0, 0, 0};
        assert_int_equal(jalali_to_gregorian(j, &out), 0);
        assert_ymd(out, g.y, g.m, g.d);
        assert_int_equal(gregorian_to_jalali(g, &out), 0);
        assert_ymd(out, j.y, j.m, j.d);
    }
}

static void test_leap_years(void **state)
{
    (void)state;
    assert_true(jalali_is_leap(1399));
    assert_true(jalali_is_leap(1403));
    assert_true(jalali_is_leap(1408));
    assert_true(jalali_is_leap(1395));
    assert_true(jalali_is_leap(1370));
    assert_true(jalali_is_leap(1375));   /* 5-year gap at the end of a cycle */
    assert_false(jalali_is_leap(1400));
    assert_false(jalali_is_leap(1404));
    assert_false(jalali_is_leap(1407));
    assert_false(jalali_is_leap(1374));
    assert_false(jalali_is_leap(0));
    assert_false(jalali_is_leap(JALALI_MAX_YEAR + 1));

    /* 1404-12-30 does not exist, 1403-12-30 does */
    ymd g;
    ymd bad = {1404, 12, 30};
    assert_int_equal(jalali_to_gregorian(bad, &g), -1);
    ymd good = {1403, 12, 30};
    assert_int_equal(jalali_to_gregorian(good, &g), 0);

    /* 8 leap years in every 33 consecutive years (the cycle length), in a modern window */
    for (int start = 1300; start < 1500; start++) {
        int n = 0;
        for (int y = start; y < start + 33; y++)
            n += jalali_is_leap(y);
        assert_int_equal(n, 8);
    }
    /* consecutive Nowruz dates differ by 365 + leap days */
    for (int y = 1200; y < 1800; y++) {
        ymd a, b;
        assert_int_equal(jalali_to_gregorian((ymd){y, 1, 1}, &a), 0);
        assert_int_equal(jalali_to_gregorian((ymd){y + 1, 1, 1}, &b), 0);
        assert_int_equal(gregorian_to_days(b) - gregorian_to_days(a), 365 + jalali_is_leap(y));
        assert_int_equal(a.m, 3);   /* Nowruz is always 19-22 March */
        assert_in_range(a.d, 19, 22);
    }
}

static void test_month_days(void **state)
{
    (void)state;
    for (int y = 1300; y <= 1500; y++) {
        for (int m = 1; m <= 6; m++)
            assert_int_equal(jalali_month_days(y, m), 31);
        for (int m = 7; m <= 11; m++)
            assert_int_equal(jalali_month_days(y, m), 30);
        assert_int_equal(jalali_month_days(y, 12), jalali_is_leap(y) ? 30 : 29);
    }
    assert_int_equal(jalali_month_days(1403, 12), 30);
    assert_int_equal(jalali_month_days(1404, 12), 29);
    assert_int_equal(jalali_month_days(1403, 0), 0);
    assert_int_equal(jalali_month_days(1403, 13), 0);
    assert_int_equal(jalali_month_days(0, 1), 0);
    assert_int_equal(jalali_month_days(JALALI_MAX_YEAR + 1, 1), 0);

    assert_int_equal(gregorian_month_days(2024, 2), 29);
    assert_int_equal(gregorian_month_days(2023, 2), 28);
    assert_int_equal(gregorian_month_days(1900, 2), 28);
    assert_int_equal(gregorian_month_days(2000, 2), 29);
    assert_int_equal(gregorian_month_days(2023, 4), 30);
    assert_int_equal(gregorian_month_days(2023, 13), 0);
}

/* Every day 1900-01-01 .. 2100-12-31: g -> j -> g is the identity, and consecutive Gregorian days map to
 * consecutive Jalali days. */
static void test_round_trip_every_day(void **state)
{
    (void)state;
    int64_t first = gregorian_to_days((ymd){1900, 1, 1});
    int64_t last = gregorian_to_days((ymd){2100, 12, 31});
    ymd prev = {0, 0, 0};
    for (int64_t n = first; n <= last; n++) {
        ymd g = days_to_gregorian(n), j, back;
        assert_true(gregorian_valid(g));
        assert_int_equal(gregorian_to_days(g), n);
        assert_int_equal(gregorian_to_jalali(g, &j), 0);
        assert_true(jalali_valid(j));
        assert_int_equal(jalali_to_gregorian(j, &back), 0);
        assert_ymd(back, g.y, g.m, g.d);
        if (n > first) {
            if (j.d > 1)
                assert_ymd(j, prev.y, prev.m, prev.d + 1);
            else if (j.m > 1)
                assert_true(j.y == prev.y && j.m == prev.m + 1 && prev.d == jalali_month_days(prev.y, prev.m));
            else
                assert_true(j.y == prev.y + 1 && prev.m == 12 && prev.d == jalali_month_days(prev.y, 12));
        }
        prev = j;
    }
    assert_int_equal(last - first + 1, 73414);
}

static void test_range_edges(void **state)
{
    (void)state;
    ymd out;
    assert_int_equal(gregorian_to_jalali((ymd){622, 3, 21}, &out), -1);
    assert_int_equal(gregorian_to_jalali((ymd){622, 3, 22}, &out), 0);
    assert_ymd(out, 1, 1, 1);
    assert_int_equal(gregorian_to_jalali((ymd){3799, 3, 19}, &out), 0);
    assert_ymd(out, JALALI_MAX_YEAR, 12, 29);
    assert_int_equal(gregorian_to_jalali((ymd){3799, 3, 20}, &out), -1);
    assert_int_equal(gregorian_to_jalali((ymd){9999, 12, 31}, &out), -1);
    assert_int_equal(gregorian_to_jalali((ymd){2023, 2, 29}, &out), -1);
    assert_int_equal(gregorian_to_jalali((ymd){2024, 2, 29}, &out), 0);
    assert_ymd(out, 1402, 12, 10);
    assert_int_equal(gregorian_to_jalali((ymd){2024, 13, 1}, &out), -1);
    assert_int_equal(gregorian_to_jalali((ymd){2024, 1, 0}, &out), -1);
    assert_int_equal(jalali_to_gregorian((ymd){0, 1, 1}, &out), -1);
    assert_int_equal(jalali_to_gregorian((ymd){1403, 7, 31}, &out), -1);
    assert_int_equal(jalali_to_gregorian((ymd){1403, 6, 31}, &out), 0);
    assert_int_equal(jalali_to_gregorian((ymd){1403, 1, 32}, &out), -1);
    assert_int_equal(jalali_to_gregorian((ymd){-5, 1, 1}, &out), -1);
    assert_int_equal(jalali_to_gregorian((ymd){1403, -1, 1}, &out), -1);

    assert_int_equal(gregorian_to_days((ymd){1970, 1, 1}), 0);
    assert_int_equal(gregorian_to_days((ymd){2000, 3, 1}), 11017);
    assert_int_equal(gregorian_to_days((ymd){1969, 12, 31}), -1);
    assert_ymd(days_to_gregorian(0), 1970, 1, 1);
    assert_ymd(days_to_gregorian(-719468), 0, 3, 1);
}

static void test_parse(void **state)
{
    (void)state;
    ymd d = {7, 7, 7};
    assert_int_equal(date_parse_iso("2024-02-29", &d), 0);
    assert_ymd(d, 2024, 2, 29);
    assert_int_equal(date_parse_iso("۲۰۲۵-۰۳-۲۰", &d), 0);
    assert_ymd(d, 2025, 3, 20);
    assert_int_equal(date_parse_iso("٢٠٠٠-٠٢-٢٩", &d), 0);
    assert_ymd(d, 2000, 2, 29);
    assert_int_equal(date_parse_iso("1000-01-01", &d), 0);
    assert_int_equal(date_parse_iso("9999-12-31", &d), 0);
    assert_ymd(d, 9999, 12, 31);

    d = (ymd){7, 7, 7};
    const char *bad_iso[] = {
        "", "2023-02-29", "1900-02-29", "2024-02-30", "2024-04-31", "2024-13-01", "2024-00-10", "2024-01-00",
        "0999-01-01", "2024-1-01", "2024-01-1", "24-01-01", "20240101", "2024/01/01", "2024-01-01 ",
        " 2024-01-01", "2024-01-01T00:00", "2024-01-011", "+2024-01-01", "2024-01-0a", "2024–01–01",
        "۲۰۲۴-۰۱-۰", "12024-01-01",
    };
    for (size_t i = 0; i < sizeof bad_iso / sizeof bad_iso[0]; i++) {
        if (date_parse_iso(bad_iso[i], &d) != -1)
            fail_msg("date_parse_iso accepted \"%s\"", bad_iso[i]);
    }
    assert_int_equal(date_parse_iso(NULL, &d), -1);
    assert_ymd(d, 7, 7, 7);   /* untouched on failure */

    assert_int_equal(jalali_parse("1403-12-30", &d), 0);
    assert_ymd(d, 1403, 12, 30);
    assert_int_equal(jalali_parse("۱۴۰۳-۰۶-۳۱", &d), 0);
    assert_ymd(d, 1403, 6, 31);
    assert_int_equal(jalali_parse("١٣٩٩-١٢-٣٠", &d), 0);
    assert_ymd(d, 1399, 12, 30);
    d = (ymd){7, 7, 7};
    const char *bad_j[] = {
        "1404-12-30", "1403-07-31", "1403-13-01", "1403-00-01", "1403-01-00", "1403-01-32", "0999-01-01",
        "3178-01-01", "9999-01-01", "1403-1-1", "1403/01/01", "1403-01-01\n", "۱۴۰۴-۱۲-۳۰",
    };
    for (size_t i = 0; i < sizeof bad_j / sizeof bad_j[0]; i++) {
        if (jalali_parse(bad_j[i], &d) != -1)
            fail_msg("jalali_parse accepted \"%s\"", bad_j[i]);
    }
    assert_ymd(d, 7, 7, 7);
}

static void test_format(void **state)
{
    (void)state;
    char out[11];
    date_format((ymd){1403, 1, 1}, out);
    assert_string_equal(out, "1403-01-01");
    date_format((ymd){2025, 12, 31}, out);
    assert_string_equal(out, "2025-12-31");
    date_format((ymd){622, 3, 22}, out);
    assert_string_equal(out, "0622-03-22");
    date_format((ymd){10000, 1, 1}, out);
    assert_string_equal(out, "0000-00-00");
    date_format((ymd){2024, -1, 1}, out);
    assert_string_equal(out, "0000-00-00");

    ymd d;
    date_format((ymd){1367, 11, 22}, out);
    assert_int_equal(jalali_parse(out, &d), 0);
    assert_ymd(d, 1367, 11, 22);
}

static void test_fiscal_year(void **state)
{
    (void)state;
    ymd a, b;
    assert_int_equal(jalali_fiscal_year_bounds(1403, &a, &b), 0);
    assert_ymd(a, 2024, 3, 20);
    assert_ymd(b, 2025, 3, 20);
    assert_int_equal(jalali_fiscal_year_bounds(1404, &a, &b), 0);
    assert_ymd(a, 2025, 3, 21);
    assert_ymd(b, 2026, 3, 20);
    assert_int_equal(jalali_fiscal_year_bounds(1399, &a, &b), 0);
    assert_ymd(a, 2020, 3, 20);
    assert_ymd(b, 2021, 3, 20);
    a = b = (ymd){7, 7, 7};
    assert_int_equal(jalali_fiscal_year_bounds(0, &a, &b), -1);
    assert_int_equal(jalali_fiscal_year_bounds(JALALI_MAX_YEAR + 1, &a, &b), -1);
    assert_ymd(a, 7, 7, 7);
    /* years tile the timeline: each starts the day after the previous ends */
    for (int y = 1300; y < 1500; y++) {
        ymd f1, l1, f2, l2;
        assert_int_equal(jalali_fiscal_year_bounds(y, &f1, &l1), 0);
        assert_int_equal(jalali_fiscal_year_bounds(y + 1, &f2, &l2), 0);
        assert_int_equal(gregorian_to_days(f2), gregorian_to_days(l1) + 1);
        assert_int_equal(gregorian_to_days(l1) - gregorian_to_days(f1) + 1, 365 + jalali_is_leap(y));
    }
}

static void test_next_month_start(void **state)
{
    (void)state;
    ymd n = {7, 7, 7};
    assert_int_equal(jalali_next_month_start((ymd){2026, 12, 2}, &n), 0);    /* 11 Azar 1405 -> 1 Dey */
    assert_ymd(n, 2026, 12, 22);
    assert_int_equal(jalali_next_month_start((ymd){2025, 3, 20}, &n), 0);    /* 30 Esfand 1403 (leap), its last day */
    assert_ymd(n, 2025, 3, 21);                                              /* -> 1 Farvardin 1404, next day */
    assert_int_equal(jalali_next_month_start((ymd){2024, 3, 20}, &n), 0);    /* 1 Farvardin 1403 -> 1 Ordibehesht */
    assert_ymd(n, 2024, 4, 20);
    assert_int_equal(jalali_next_month_start((ymd){2026, 3, 20}, &n), 0);    /* 29 Esfand 1404, last day */
    assert_ymd(n, 2026, 3, 21);
    n = (ymd){7, 7, 7};
    assert_int_equal(jalali_next_month_start((ymd){2026, 2, 30}, &n), -1);
    assert_ymd(n, 7, 7, 7);
    /* every day of 1350..1450: the answer is a month's first day, after g, and no first day lies between */
    ymd f, l;
    assert_int_equal(jalali_fiscal_year_bounds(1350, &f, &l), 0);
    int64_t end = gregorian_to_days(f) + 100 * 365;
    for (int64_t d = gregorian_to_days(f); d < end; d++) {
        ymd g = days_to_gregorian(d), j, nj;
        assert_int_equal(jalali_next_month_start(g, &n), 0);
        assert_int_equal(gregorian_to_jalali(g, &j), 0);
        assert_int_equal(gregorian_to_jalali(n, &nj), 0);
        assert_int_equal(nj.d, 1);
        assert_int_equal(gregorian_to_days(n) - d, jalali_month_days(j.y, j.m) - j.d + 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_pairs),          cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_month_days),           cmocka_unit_test(test_round_trip_every_day),
        cmocka_unit_test(test_range_edges),          cmocka_unit_test(test_parse),
        cmocka_unit_test(test_format),               cmocka_unit_test(test_fiscal_year),
        cmocka_unit_test(test_next_month_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
