#include "common/jalali.h"

#include <limits.h>
#include <stddef.h>

#include "common/digits.h"

/* Jalali years at which the 33-year leap pattern restarts (Borkowski 1996, as used by jalaali-js). Between
 * two breaks leap years follow the 33-year cycle; the breaks keep the arithmetic in step with the
 * astronomical vernal equinox at Tehran that defines the official calendar. */
static const int breaks[] = {-61,  9,    38,   199,  426,  686,  756,  818,  1111, 1181,
                             1210, 1635, 2060, 2097, 2192, 2262, 2324, 2394, 2456, 3178};
#define NBREAKS ((int)(sizeof(breaks) / sizeof(breaks[0])))

/* For Jalali year jy: *leap = years since the last leap year (0 means jy itself is leap) and *march = the
 * day in March of Gregorian year jy + 621 on which 1 Farvardin falls. Integer division truncates toward
 * zero, as in the original; all operands are non-negative in the supported range. */
static int jal_cal(int jy, int *leap, int *march)
{
    if (jy < JALALI_MIN_YEAR || jy > JALALI_MAX_YEAR)
        return -1;
    int jp = breaks[0], jump = 0, leap_j = -14;
    for (int i = 1; i < NBREAKS; i++) {
        int jm = breaks[i];
        jump = jm - jp;
        if (jy < jm)
            break;
        leap_j += jump / 33 * 8 + (jump % 33) / 4;
        jp = jm;
    }
    int n = jy - jp;
    /* leap years from AD 621 to the start of jy, in the Jalali and in the Gregorian calendar */
    leap_j += n / 33 * 8 + (n % 33 + 3) / 4;
    if (jump % 33 == 4 && jump - n == 4)
        leap_j++;
    int gy = jy + 621;
    int leap_g = gy / 4 - (gy / 100 + 1) * 3 / 4 - 150;
    *march = 20 + leap_j - leap_g;

    if (jump - n < 6)
        n = n - jump + (jump + 4) / 33 * 33;
    int l = ((n + 1) % 33 - 1) % 4;
    *leap = l == -1 ? 4 : l;
    return 0;
}

int64_t gregorian_to_days(ymd g)
{
    /* Howard Hinnant's days_from_civil: years start in March so the leap day is the last day of a year. */
    int64_t y = (int64_t)g.y - (g.m <= 2);
    int64_t m = g.m, d = g.d;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

ymd days_to_gregorian(int64_t days)
{
    /* clamp to the days of years INT_MIN..INT_MAX so the year always fits an int */
    const int64_t lo = gregorian_to_days((ymd){INT_MIN, 1, 1}), hi = gregorian_to_days((ymd){INT_MAX, 12, 31});
    if (days < lo)
        days = lo;
    if (days > hi)
        days = hi;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    ymd g;
    g.d = (int)(doy - (153 * mp + 2) / 5 + 1);
    g.m = (int)(mp < 10 ? mp + 3 : mp - 9);
    g.y = (int)(yoe + era * 400 + (g.m <= 2));
    return g;
}

int gregorian_is_leap(int gy)
{
    return (gy % 4 == 0 && gy % 100 != 0) || gy % 400 == 0;
}

int gregorian_month_days(int gy, int gm)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (gm < 1 || gm > 12)
        return 0;
    return len[gm - 1] + (gm == 2 && gregorian_is_leap(gy));
}

int gregorian_valid(ymd g)
{
    return g.d >= 1 && g.d <= gregorian_month_days(g.y, g.m);
}

int jalali_is_leap(int jy)
{
    int leap, march;
    if (jal_cal(jy, &leap, &march) != 0)
        return 0;
    return leap == 0;
}

int jalali_month_days(int jy, int jm)
{
    if (jm < 1 || jm > 12 || jy < JALALI_MIN_YEAR || jy > JALALI_MAX_YEAR)
        return 0;
    if (jm <= 6)
        return 31;
    if (jm <= 11)
        return 30;
    return 29 + jalali_is_leap(jy);
}

int jalali_valid(ymd j)
{
    return j.d >= 1 && j.d <= jalali_month_days(j.y, j.m);
}

/* Day number of 1 Farvardin of jy; jy must be in range. */
static int64_t farvardin1_days(int jy)
{
    int leap, march;
    (void)jal_cal(jy, &leap, &march);
    ymd g = {jy + 621, 3, march};
    return gregorian_to_days(g);
}

int jalali_to_gregorian(ymd j, ymd *g)
{
    if (!jalali_valid(j))
        return -1;
    int64_t doy = j.m <= 6 ? (j.m - 1) * 31 : 186 + (j.m - 7) * 30;
    *g = days_to_gregorian(farvardin1_days(j.y) + doy + j.d - 1);
    return 0;
}

int gregorian_to_jalali(ymd g, ymd *j)
{
    if (!gregorian_valid(g) || g.y < JALALI_MIN_YEAR + 621)
        return -1;
    int64_t days = gregorian_to_days(g);
    /* A Gregorian year holds the end of Jalali year y-622 and the start of y-621; past the last supported
     * year, start from it and let the year-length check below reject what lies beyond. */
    int jy = g.y - 621 > JALALI_MAX_YEAR ? JALALI_MAX_YEAR : g.y - 621;
    int64_t k = days - farvardin1_days(jy);
    if (k < 0) {
        if (--jy < JALALI_MIN_YEAR)
            return -1;
        k = days - farvardin1_days(jy);
    }
    if (k >= 365 + jalali_is_leap(jy))
        return -1;
    ymd r;
    r.y = jy;
    if (k < 186) {
        r.m = 1 + (int)(k / 31);
        r.d = 1 + (int)(k % 31);
    } else {
        k -= 186;
        r.m = 7 + (int)(k / 30);
        r.d = 1 + (int)(k % 30);
    }
    *j = r;
    return 0;
}

/* "YYYY-MM-DD" with digits in any script; fields only, no calendar check. */
static int parse_fields(const char *s, ymd *out)
{
    static const int widths[3] = {4, 2, 2};
    int v[3];
    if (s == NULL)
        return -1;
    for (int f = 0; f < 3; f++) {
        v[f] = 0;
        for (int i = 0; i < widths[f]; i++) {
            size_t n;
            int d = digit_at(s, &n);
            if (d < 0)
                return -1;
            v[f] = v[f] * 10 + d;
            s += n;
        }
        if (f < 2 && *s++ != '-')
            return -1;
    }
    if (*s != '\0' || v[0] < 1000)
        return -1;
    out->y = v[0];
    out->m = v[1];
    out->d = v[2];
    return 0;
}

int date_parse_iso(const char *s, ymd *out)
{
    ymd d;
    if (parse_fields(s, &d) != 0 || !gregorian_valid(d))
        return -1;
    *out = d;
    return 0;
}

int jalali_parse(const char *s, ymd *out)
{
    ymd d;
    if (parse_fields(s, &d) != 0 || !jalali_valid(d))
        return -1;
    *out = d;
    return 0;
}

static void put_digits(char *p, int v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

void date_format(ymd d, char out[11])
{
    if (d.y < 0 || d.y > 9999 || d.m < 0 || d.m > 99 || d.d < 0 || d.d > 99)
        d.y = d.m = d.d = 0;
    put_digits(out, d.y, 4);
    out[4] = '-';
    put_digits(out + 5, d.m, 2);
    out[7] = '-';
    put_digits(out + 8, d.d, 2);
    out[10] = '\0';
}

int jalali_next_month_start(ymd g, ymd *out_greg)
{
    ymd j, r;
    if (!gregorian_valid(g) || gregorian_to_jalali(g, &j) != 0)
        return -1;
    ymd next = {j.m == 12 ? j.y + 1 : j.y, j.m == 12 ? 1 : j.m + 1, 1};
    if (jalali_to_gregorian(next, &r) != 0)
        return -1;
    *out_greg = r;
    return 0;
}

int jalali_fiscal_year_bounds(int jy, ymd *first_greg, ymd *last_greg)
{
    ymd first = {jy, 1, 1};
    ymd last = {jy, 12, jalali_month_days(jy, 12)};
    ymd f, l;
    if (jalali_to_gregorian(first, &f) != 0 || jalali_to_gregorian(last, &l) != 0)
        return -1;
    *first_greg = f;
    *last_greg = l;
    return 0;
}
