/*
 * fuzz_jalali.c - properties of common/jalali.c:
 *   any string parsed as a Jalali date round-trips j -> g -> j, formats and re-parses to itself, and its
 *   Gregorian form parses with date_parse_iso; any parsed Gregorian date converts to Jalali and back unless
 *   it lies outside the supported range (checked independently by day number);
 *   for a day number taken from the input: days <-> Gregorian is the identity, and day n+1 is the Jalali
 *   successor of day n; arbitrary ymd triples are accepted by jalali_to_gregorian iff jalali_valid says so.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/jalali.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static int same(ymd a, ymd b)
{
    return a.y == b.y && a.m == b.m && a.d == b.d;
}

static int64_t first_day, last_day;   /* supported range, as day numbers */

static void init_range(void)
{
    ymd g;
    CHECK(jalali_to_gregorian((ymd){JALALI_MIN_YEAR, 1, 1}, &g) == 0);
    first_day = gregorian_to_days(g);
    CHECK(jalali_to_gregorian((ymd){JALALI_MAX_YEAR, 12, jalali_month_days(JALALI_MAX_YEAR, 12)}, &g) == 0);
    last_day = gregorian_to_days(g);
}

static void check_jalali(ymd j)
{
    CHECK(jalali_valid(j));
    ymd g, back;
    CHECK(jalali_to_gregorian(j, &g) == 0);
    CHECK(gregorian_valid(g));
    CHECK(gregorian_to_jalali(g, &back) == 0 && same(back, j));
    int64_t n = gregorian_to_days(g);
    CHECK(n >= first_day && n <= last_day);
    CHECK(same(days_to_gregorian(n), g));
    char buf[11];
    ymd p;
    if (j.y >= 1000) {
        date_format(j, buf);
        CHECK(jalali_parse(buf, &p) == 0 && same(p, j));
    }
    if (g.y >= 1000 && g.y <= 9999) {
        date_format(g, buf);
        CHECK(date_parse_iso(buf, &p) == 0 && same(p, g));
    }
}

static void check_gregorian(ymd g)
{
    CHECK(gregorian_valid(g));
    int64_t n = gregorian_to_days(g);
    CHECK(same(days_to_gregorian(n), g));
    ymd j, back;
    int r = gregorian_to_jalali(g, &j);
    CHECK((r == 0) == (n >= first_day && n <= last_day));
    if (r == 0) {
        CHECK(jalali_to_gregorian(j, &back) == 0 && same(back, g));
        check_jalali(j);
    }
}

/* Day n and n+1 in Jalali: same month with d+1, next month from its last day, or next year from Esfand. */
static void check_successor(int64_t n)
{
    ymd a, b;
    CHECK(gregorian_to_jalali(days_to_gregorian(n), &a) == 0);
    CHECK(gregorian_to_jalali(days_to_gregorian(n + 1), &b) == 0);
    if (a.d < jalali_month_days(a.y, a.m))
        CHECK(b.y == a.y && b.m == a.m && b.d == a.d + 1);
    else if (a.m < 12)
        CHECK(b.y == a.y && b.m == a.m + 1 && b.d == 1);
    else
        CHECK(b.y == a.y + 1 && b.m == 1 && b.d == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (first_day == 0 && last_day == 0)
        init_range();

    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';

    ymd d = {-7, -7, -7};
    if (jalali_parse(s, &d) == 0)
        check_jalali(d);
    else
        CHECK(d.y == -7 && d.m == -7 && d.d == -7);
    d = (ymd){-7, -7, -7};
    if (date_parse_iso(s, &d) == 0)
        check_gregorian(d);
    else
        CHECK(d.y == -7 && d.m == -7 && d.d == -7);

    /* the raw bytes as numbers */
    int32_t v[3] = {0, 0, 0};
    memcpy(v, data, size < sizeof v ? size : sizeof v);
    ymd t = {v[0], v[1], v[2]};
    ymd out;
    int rj = jalali_to_gregorian(t, &out);
    CHECK((rj == 0) == jalali_valid(t));
    if (rj == 0)
        check_jalali(t);
    int rg = gregorian_to_jalali(t, &out);
    if (!gregorian_valid(t))
        CHECK(rg == -1);
    else
        check_gregorian(t);
    char buf[11];
    date_format(t, buf);
    CHECK(strlen(buf) == 10 && buf[4] == '-' && buf[7] == '-');

    int64_t n = first_day + (int64_t)((uint32_t)v[0] % (uint64_t)(last_day - first_day));
    check_successor(n);
    check_gregorian(days_to_gregorian(n));

    free(s);
    return 0;
}
