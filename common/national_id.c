#include "common/national_id.h"

#include "common/digits.h"

static int is_ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int national_id_check_digit(const int digits[9])
{
    int s = 0;
    for (int i = 0; i < 9; i++)
        s += digits[i] * (10 - i);
    int r = s % 11;
    return r < 2 ? r : 11 - r;
}

int national_id_normalize(const char *in, char out[11])
{
    out[0] = '\0';
    if (in == NULL)
        return NATIONAL_ID_BAD_LENGTH;
    while (is_ascii_space(*in))
        in++;

    int d[10];
    int n = 0, too_long = 0;
    const char *p = in;
    while (*p != '\0') {
        size_t len;
        int v = digit_at(p, &len);
        if (v < 0) {
            /* only trailing whitespace may follow the digits */
            const char *q = p;
            while (is_ascii_space(*q))
                q++;
            if (*q != '\0')
                return NATIONAL_ID_NOT_DIGITS;
            break;
        }
        if (n < 10)
            d[n] = v;
        else
            too_long = 1;   /* keep scanning: a later letter is reported as NOT_DIGITS */
        n++;
        p += len;
    }
    if (n != 10 || too_long)
        return NATIONAL_ID_BAD_LENGTH;

    int same = 1;
    for (int i = 1; i < 10; i++)
        if (d[i] != d[0])
            same = 0;
    if (same)
        return NATIONAL_ID_ALL_SAME;
    if (national_id_check_digit(d) != d[9])
        return NATIONAL_ID_BAD_CHECK;

    for (int i = 0; i < 10; i++)
        out[i] = (char)('0' + d[i]);
    out[10] = '\0';
    return NATIONAL_ID_OK;
}

const char *national_id_error_message(int code)
{
    switch (code) {
    case NATIONAL_ID_OK:
        return "valid national ID";
    case NATIONAL_ID_BAD_LENGTH:
        return "national ID must have exactly 10 digits";
    case NATIONAL_ID_NOT_DIGITS:
        return "national ID must contain only digits";
    case NATIONAL_ID_ALL_SAME:
        return "national ID cannot consist of one repeated digit";
    case NATIONAL_ID_BAD_CHECK:
        return "national ID check digit is wrong";
    default:
        return "invalid national ID";
    }
}

void national_id_make(uint64_t nine_digit_seed, char out[11])
{
    uint64_t seed = nine_digit_seed % 1000000000u;
    int d[9];
    for (;;) {
        uint64_t v = seed;
        for (int i = 8; i >= 0; i--) {
            d[i] = (int)(v % 10);
            v /= 10;
        }
        int same = 1;
        for (int i = 1; i < 9; i++)
            if (d[i] != d[0])
                same = 0;
        /* nine equal digits always yield the same check digit (54*d mod 11 maps d to itself), hence skip */
        if (!same)
            break;
        seed = (seed + 1) % 1000000000u;
    }
    for (int i = 0; i < 9; i++)
        out[i] = (char)('0' + d[i]);
    out[9] = (char)('0' + national_id_check_digit(d));
    out[10] = '\0';
}
