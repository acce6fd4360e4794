/*
 * etag.c - record ETags and If-Match; see etag.h.
 */
#include "server/http/etag.h"

#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

void etag_make(char out[ETAG_BUFSZ], const char *entity, const char *id, const char *version, const char *variant)
{
    /* NUL-separated, so ("ab", "c") and ("a", "bc") differ */
    char buf[256];
    size_t n = 0;
    const char *parts[] = {entity, id, version, variant ? variant : ""};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        size_t len = strnlen(parts[i], 60);
        memcpy(buf + n, parts[i], len);
        n += len;
        buf[n++] = '\0';
    }
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)buf, n, md);
    static const char hex[] = "0123456789abcdef";
    char h[17];
    for (int i = 0; i < 8; i++) {
        h[2 * i] = hex[md[i] >> 4];
        h[2 * i + 1] = hex[md[i] & 15];
    }
    h[16] = '\0';
    snprintf(out, ETAG_BUFSZ, "\"%.20s-%s\"", version, h);
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

const char *etag_if_match(const char *header, const char *entity, const char *id, const char *variant,
                          char *version, size_t versionsz)
{
    const char *p = header;
    while (is_ows(*p))
        p++;
    if (p[0] == '*') {
        const char *q = p + 1;
        while (is_ows(*q))
            q++;
        if (!*q)
            return "";
    }
    /* each list member: [W/] DQUOTE etagc* DQUOTE, separated by commas and optional whitespace */
    while (*p) {
        while (is_ows(*p) || *p == ',')
            p++;
        if (!*p)
            break;
        bool weak = false;
        if (p[0] == 'W' && p[1] == '/') {
            weak = true;
            p += 2;
        }
        if (*p != '"')
            break;          /* not an entity-tag: nothing after it can be trusted to be one */
        const char *open = ++p;
        while (*p && *p != '"')
            p++;
        if (!*p)
            break;
        size_t n = (size_t)(p - open);
        p++;
        /* ours: digits, '-', 16 hex digits */
        const char *dash = memchr(open, '-', n);
        size_t vn = dash ? (size_t)(dash - open) : 0;
        if (weak || !dash || vn == 0 || vn > 20 || vn + 1 >= versionsz || n != vn + 17)
            continue;
        if (strspn(open, "0123456789") != vn || open[0] == '0')
            continue;
        char v[24];
        memcpy(v, open, vn);
        v[vn] = '\0';
        char want[ETAG_BUFSZ];
        etag_make(want, entity, id, v, variant);
        /* want is "\"v-hhhh\"": compare what lies between its quotes */
        if (strlen(want) == n + 2 && !memcmp(want + 1, open, n)) {
            memcpy(version, v, vn + 1);
            return version;
        }
    }
    return ETAG_NO_VERSION;
}
