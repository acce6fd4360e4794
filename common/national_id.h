/*
 * national_id.h - Iranian national ID (code melli) validation: ten digits whose last is a mod-11 check digit
 * over the first nine. Pure functions, no allocation, thread-safe.
 */
#ifndef REGISTRY_NATIONAL_ID_H
#define REGISTRY_NATIONAL_ID_H

#include <stdint.h>

enum {
    NATIONAL_ID_OK = 0,
    NATIONAL_ID_BAD_LENGTH = -1,   /* only digits, but not exactly ten of them (or nothing at all) */
    NATIONAL_ID_NOT_DIGITS = -2,   /* a character other than a digit (inner spaces and hyphens included) */
    NATIONAL_ID_ALL_SAME = -3,     /* e.g. 1111111111: passes the checksum but is never issued */
    NATIONAL_ID_BAD_CHECK = -4,    /* the tenth digit does not match the checksum of the first nine */
};

/* Accepts exactly ten digits (ASCII, Persian or Arabic-Indic, mixed allowed), optionally surrounded by
 * ASCII whitespace. On success returns NATIONAL_ID_OK and writes the ASCII form (10 digits + NUL) to out;
 * otherwise returns one of the negative codes above, and out is set to "". NULL in is NATIONAL_ID_BAD_LENGTH.
 * When a string has both non-digits and the wrong length, NATIONAL_ID_NOT_DIGITS wins. */
int national_id_normalize(const char *in, char out[11]);

/* English message for a code returned by national_id_normalize(); never NULL. */
const char *national_id_error_message(int code);

/* Writes a valid ID whose first nine digits are nine_digit_seed % 1000000000 (zero-padded), followed by the
 * check digit. Seeds whose nine digits are all equal are moved to the next seed (mod 10^9) so the result is
 * never an all-same ID. For demo data and benchmarks. */
void national_id_make(uint64_t nine_digit_seed, char out[11]);

/* The check digit (0..9) for nine digits given as integers 0..9. */
int national_id_check_digit(const int digits[9]);

#endif
