#include "common/digits.h"

/* U+0660..U+0669 are D9 A0..D9 A9 and U+06F0..U+06F9 are DB B0..DB B9 in UTF-8: the second byte alone
 * decides the value, so no general decoder is needed. */
int digit_at(const char *s, size_t *nbytes)
{
    unsigned char b0 = (unsigned char)s[0];
    if (b0 >= '0' && b0 <= '9') {
        *nbytes = 1;
        return b0 - '0';
    }
    if (b0 == 0xD9 || b0 == 0xDB) {
        unsigned char b1 = (unsigned char)s[1];   /* readable: s[0] != NUL */
        unsigned char base = b0 == 0xD9 ? 0xA0 : 0xB0;
        if (b1 >= base && b1 <= base + 9) {
            *nbytes = 2;
            return b1 - base;
        }
    }
    return -1;
}

/* Byte length of the unit starting at s: a lead byte plus the continuation bytes that follow it (at most 3),
 * so truncation never splits a character even in malformed input. */
static size_t unit_len(const unsigned char *s)
{
    size_t n = 1;
    if (s[0] >= 0xC0)
        while (n < 4 && (s[n] & 0xC0u) == 0x80u)
            n++;
    return n;
}

size_t digits_fold(const char *in, char *out, size_t outsz)
{
    if (outsz == 0)
        return 0;
    size_t r = 0, w = 0;
    while (in[r] != '\0') {
        size_t n;
        int d = digit_at(in + r, &n);
        if (d >= 0) {
            if (w + 1 >= outsz)
                break;
            out[w++] = (char)('0' + d);
            r += n;
            continue;
        }
        n = unit_len((const unsigned char *)in + r);
        if (w + n >= outsz)
            break;
        /* w <= r always (a fold only shrinks), so copying forward is safe in place */
        for (size_t i = 0; i < n; i++)
            out[w + i] = in[r + i];
        w += n;
        r += n;
    }
    out[w] = '\0';
    return w;
}

int parse_int64_digits(const char *s, int64_t *out)
{
    if (s == NULL)
        return -1;
    int neg = 0;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    /* Accumulate in unsigned so INT64_MIN, whose magnitude exceeds INT64_MAX, parses without overflow. */
    const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    uint64_t v = 0;
    int ndigits = 0, overflow = 0;
    while (*s != '\0') {
        size_t n;
        int d = digit_at(s, &n);
        if (d < 0)
            return -1;   /* a bad character outranks overflow: the input is not a number at all */
        if (!overflow) {
            if (v > (limit - (uint64_t)d) / 10)
                overflow = 1;
            else
                v = v * 10 + (uint64_t)d;
        }
        ndigits++;
        s += n;
    }
    if (ndigits == 0)
        return -1;
    if (overflow)
        return -2;
    if (neg)
        *out = v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v;
    else
        *out = (int64_t)v;
    return 0;
}
