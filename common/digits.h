/*
 * digits.h - Persian (U+06F0..U+06F9) and Arabic-Indic (U+0660..U+0669) digits, as typed by Persian and Arabic
 * keyboards, folded to ASCII. Pure functions, no allocation, thread-safe.
 */
#ifndef REGISTRY_DIGITS_H
#define REGISTRY_DIGITS_H

#include <stddef.h>
#include <stdint.h>

/* If the NUL-terminated string s starts with an ASCII, Persian or Arabic-Indic digit, returns its value 0..9
 * and stores its byte length (1 or 2) in *nbytes; otherwise returns -1 and leaves *nbytes alone. */
int digit_at(const char *s, size_t *nbytes);

/* Copies in to out with every Persian/Arabic-Indic digit replaced by its ASCII digit; all other bytes are
 * copied unchanged (no UTF-8 validation). The output is never longer than the input, so
 * outsz = strlen(in) + 1 always suffices; with a smaller buffer the output is cut at a character boundary.
 * out is NUL-terminated whenever outsz > 0. in == out (in-place) is allowed. Returns the length written. */
size_t digits_fold(const char *in, char *out, size_t outsz);

/* Parses an optional leading '-' followed by one or more digits in any of the three scripts, nothing else
 * (no '+', no spaces, no separators). Returns 0 and stores the value, -1 if s is NULL, empty or has any
 * other character, -2 if the value does not fit in int64_t. *out is written only on success. */
int parse_int64_digits(const char *s, int64_t *out);

#endif
