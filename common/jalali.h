/*
 * jalali.h - Jalali (Solar Hijri, the official Iranian calendar) <-> proleptic Gregorian conversion, using
 * Borkowski's 33-year-cycle arithmetic with the table of cycle breaks (as in jalaali-js), which matches the
 * official calendar (e.g. 1399 and 1403 leap, 1404 not). Pure functions, no allocation, thread-safe.
 *
 * Supported range: Jalali years JALALI_MIN_YEAR..JALALI_MAX_YEAR, i.e. Gregorian 622-03-22 .. 3799-03-19;
 * conversions of anything outside it return -1.
 */
#ifndef REGISTRY_JALALI_H
#define REGISTRY_JALALI_H

#include <stdint.h>

#define JALALI_MIN_YEAR 1
#define JALALI_MAX_YEAR 3177

typedef struct {
    int y, m, d;
} ymd;

/* 0 on success, -1 if the input is not a valid date in its calendar or is outside the supported range;
 * *g / *j are written only on success. */
int jalali_to_gregorian(ymd j, ymd *g);
int gregorian_to_jalali(ymd g, ymd *j);

/* 1 if jy is a Jalali leap year (Esfand has 30 days), 0 if not or if jy is outside the supported range. */
int jalali_is_leap(int jy);
/* Days in Jalali month jm (1..12) of year jy: 31 for months 1-6, 30 for 7-11, 29 or 30 for 12; 0 if jm or
 * jy is out of range. */
int jalali_month_days(int jy, int jm);
/* 1 if j is a valid date in the supported Jalali range, else 0. */
int jalali_valid(ymd j);

int gregorian_is_leap(int gy);
/* Days in Gregorian month gm (1..12) of year gy; 0 if gm is out of range. */
int gregorian_month_days(int gy, int gm);
/* 1 if g is a valid proleptic Gregorian date (any year), else 0. */
int gregorian_valid(ymd g);

/* Parse exactly "YYYY-MM-DD" (ASCII '-', digits ASCII, Persian or Arabic-Indic, nothing before or after).
 * Year 1000..9999. date_parse_iso checks the Gregorian day of month (leap years included); jalali_parse
 * checks it against jalali_month_days(), so it also rejects years past JALALI_MAX_YEAR. 0 or -1; *out is
 * written only on success. */
int date_parse_iso(const char *s, ymd *out);
int jalali_parse(const char *s, ymd *out);

/* Writes "YYYY-MM-DD" (ASCII) and a NUL. A field that does not fit its width (year outside 0..9999, month
 * or day outside 0..99) makes the whole output "0000-00-00" rather than overflow out. */
void date_format(ymd d, char out[11]);

/* Gregorian first (1 Farvardin) and last (29/30 Esfand) day of Jalali fiscal year jy. 0 or -1. */
int jalali_fiscal_year_bounds(int jy, ymd *first_greg, ymd *last_greg);

/* The Gregorian date of the first day of the Jalali month after the one holding Gregorian date g (a loan's first
 * installment by default). 0 or -1 (g invalid or outside the supported range). */
int jalali_next_month_start(ymd g, ymd *out_greg);

/* Days since 1970-01-01 (negative before) of a valid proleptic Gregorian date, and the inverse; exact for
 * every year that fits an int. Any int fields are safe (no overflow), but an invalid date gives an
 * unspecified day number. days_to_gregorian clamps its argument to the days of years INT_MIN..INT_MAX. */
int64_t gregorian_to_days(ymd g);
ymd days_to_gregorian(int64_t days);

#endif
