#include "server/http/cursor.h"

#include <string.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static char *b64url_encode(arena *a, const unsigned char *in, size_t len)
{
    char *out = arena_alloc(a, (len + 2) / 3 * 4 + 1), *o = out;
    size_t i = 0;
    for (; i + 2 < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        *o++ = b64[v >> 18];
        *o++ = b64[(v >> 12) & 63];
        *o++ = b64[(v >> 6) & 63];
        *o++ = b64[v & 63];
    }
    if (i < len) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? (unsigned)in[i + 1] << 8 : 0);
        *o++ = b64[v >> 18];
        *o++ = b64[(v >> 12) & 63];
        if (i + 1 < len)
            *o++ = b64[(v >> 6) & 63];
    }
    *o = '\0';
    return out;
}

static int b64val(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

static unsigned char *b64url_decode(arena *a, const char *in, size_t *outlen)
{
    size_t len = strlen(in);
    if (len % 4 == 1)
        return NULL;
    unsigned char *out = arena_alloc(a, len * 3 / 4 + 1), *o = out;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64val(in[i]);
        if (v < 0)
            return NULL;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *o++ = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0)
        return NULL;    /* non-canonical trailing bits */
    *o = '\0';
    *outlen = (size_t)(o - out);
    return out;
}

char *cursor_encode(arena *a, const char *const *values, int n)
{
    size_t len = 2;
    for (int i = 0; i < n; i++)
        len += strlen(values[i]) + 1;
    char *raw = arena_alloc(a, len + 1), *p = raw;
    *p++ = 'v';
    *p++ = '1';
    for (int i = 0; i < n; i++) {
        *p++ = '\x1f';
        size_t l = strlen(values[i]);
        memcpy(p, values[i], l);
        p += l;
    }
    return b64url_encode(a, (const unsigned char *)raw, (size_t)(p - raw));
}

int cursor_decode(arena *a, const char *cursor, char **values, int n)
{
    if (strlen(cursor) > 1024)
        return -1;
    size_t len;
    unsigned char *raw = b64url_decode(a, cursor, &len);
    if (!raw || len < 2 || raw[0] != 'v' || raw[1] != '1' || memchr(raw, 0, len))
        return -1;
    char *p = (char *)raw + 2;
    for (int i = 0; i < n; i++) {
        if (*p != '\x1f')
            return -1;
        *p++ = '\0';
        values[i] = p;
        p += strcspn(p, "\x1f");
    }
    return *p == '\0' ? 0 : -1;
}
