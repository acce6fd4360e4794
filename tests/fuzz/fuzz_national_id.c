/*
 * fuzz_national_id.c - properties of common/national_id.c and parse_int64_digits():
 *   normalize returns a known code with a message, and agrees with an independent classifier built on
 *   digits_fold + trimming + the checksum written out again here;
 *   an accepted ID is 10 ASCII digits, not all equal, re-normalizes to itself, and any other check digit is
 *   rejected as BAD_CHECK;
 *   national_id_make always yields a valid ID keeping the seed's nine digits unless they were all equal;
 *   parse_int64_digits agrees with strtoll on the digit-folded input.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/digits.h"
#include "common/national_id.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Classification from first principles: fold digits, trim, then look at the ASCII result. Folding first is
 * sound because only digits change and each becomes exactly one ASCII digit. */
static int reference(const char *in, char expect[11])
{
    size_t len = strlen(in);
    char *f = malloc(len + 1);
    if (!f)
        abort();
    digits_fold(in, f, len + 1);
    char *p = f;
    while (is_ws(*p))
        p++;
    size_t n = strlen(p);
    while (n > 0 && is_ws(p[n - 1]))
        n--;
    int code;
    size_t i;
    for (i = 0; i < n && p[i] >= '0' && p[i] <= '9'; i++)
        ;
    if (i < n)
        code = NATIONAL_ID_NOT_DIGITS;
    else if (n != 10)
        code = NATIONAL_ID_BAD_LENGTH;
    else if (strspn(p, (char[]){p[0], '\0'}) >= 10)
        code = NATIONAL_ID_ALL_SAME;
    else {
        int s = 0;
        for (int k = 0; k < 9; k++)
            s += (p[k] - '0') * (10 - k);
        int r = s % 11, c = r < 2 ? r : 11 - r;
        code = p[9] - '0' == c ? NATIONAL_ID_OK : NATIONAL_ID_BAD_CHECK;
    }
    if (code == NATIONAL_ID_OK) {
        memcpy(expect, p, 10);
        expect[10] = '\0';
    }
    free(f);
    return code;
}

static void check_int64(const char *in)
{
    int64_t v = 42;
    int r = parse_int64_digits(in, &v);
    CHECK(r == 0 || r == -1 || r == -2);
    if (r != 0)
        CHECK(v == 42);

    size_t len = strlen(in);
    char *f = malloc(len + 1);
    if (!f)
        abort();
    digits_fold(in, f, len + 1);
    const char *d = f[0] == '-' ? f + 1 : f;
    int shape_ok = d[0] != '\0' && strspn(d, "0123456789") == strlen(d);
    if (!shape_ok) {
        CHECK(r == -1);
    } else {
        errno = 0;
        long long ref = strtoll(f, NULL, 10);
        if (errno == ERANGE) {
            CHECK(r == -2);
        } else {
            CHECK(r == 0 && v == (int64_t)ref);
            char buf[32];
            snprintf(buf, sizeof buf, "%" PRId64, v);
            int64_t again = 0;
            CHECK(parse_int64_digits(buf, &again) == 0 && again == v);
        }
    }
    free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    if (!in)
        abort();
    memcpy(in, data, size);
    in[size] = '\0';

    char out[11], expect[11];
    memset(out, 'X', sizeof out);
    int code = national_id_normalize(in, out);
    CHECK(code == NATIONAL_ID_OK || code == NATIONAL_ID_BAD_LENGTH || code == NATIONAL_ID_NOT_DIGITS ||
          code == NATIONAL_ID_ALL_SAME || code == NATIONAL_ID_BAD_CHECK);
    const char *msg = national_id_error_message(code);
    CHECK(msg != NULL && msg[0] != '\0');
    CHECK(reference(in, expect) == code);

    if (code == NATIONAL_ID_OK) {
        CHECK(strlen(out) == 10 && strspn(out, "0123456789") == 10);
        CHECK(strcmp(out, expect) == 0);
        int same = 1;
        for (int i = 1; i < 10; i++)
            same &= out[i] == out[0];
        CHECK(!same);
        char again[11];
        CHECK(national_id_normalize(out, again) == NATIONAL_ID_OK && strcmp(again, out) == 0);
        for (char c = '0'; c <= '9'; c++) {
            if (c == out[9])
                continue;
            char alt[11];
            memcpy(alt, out, 11);
            alt[9] = c;
            int r = national_id_normalize(alt, again);
            CHECK(r == NATIONAL_ID_BAD_CHECK || r == NATIONAL_ID_ALL_SAME);
        }
    } else {
        CHECK(out[0] == '\0');
    }

    /* generation from the first 8 bytes as a seed */
    uint64_t seed = 0;
    memcpy(&seed, data, size < sizeof seed ? size : sizeof seed);
    char made[11], norm[11];
    national_id_make(seed, made);
    CHECK(national_id_normalize(made, norm) == NATIONAL_ID_OK && strcmp(made, norm) == 0);
    char nine[16];
    snprintf(nine, sizeof nine, "%09" PRIu64, seed % 1000000000u);
    if (strspn(nine, (char[]){nine[0], '\0'}) < 9)
        CHECK(memcmp(made, nine, 9) == 0);

    check_int64(in);
    free(in);
    return 0;
}
