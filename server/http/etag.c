/*
 * etag.c - record ETags and If-Match; see etag.h.
 */
#include "server/http/etag.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

static bool is_ows(char c);

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
    snprintf(out, ETAG_BUFSZ, "\"%.29s-%s\"", version, h);
}

void etag_version_with(char out[ETAG_VERSION_BUFSZ], const char *version, const char *const *derived, int n)
{
    if (n <= 0) {
        snprintf(out, ETAG_VERSION_BUFSZ, "%.20s", version);
        return;
    }
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned char md[EVP_MAX_MD_SIZE] = {0};
    if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL)) {
        for (int i = 0; i < n; i++) {
            /* each value and a separator; a null value is a byte no UTF-8 text holds, so null and "" differ */
            if (derived[i])
                EVP_DigestUpdate(c, derived[i], strlen(derived[i]));
            else
                EVP_DigestUpdate(c, "\xff", 1);
            EVP_DigestUpdate(c, "", 1);
        }
        EVP_DigestFinal_ex(c, md, NULL);
    }
    EVP_MD_CTX_free(c);
    static const char hex[] = "0123456789abcdef";
    char h[ETAG_DERIVED_HEX + 1];
    for (int i = 0; i < ETAG_DERIVED_HEX / 2; i++) {
        h[2 * i] = hex[md[i] >> 4];
        h[2 * i + 1] = hex[md[i] & 15];
    }
    h[ETAG_DERIVED_HEX] = '\0';
    snprintf(out, ETAG_VERSION_BUFSZ, "%.20s.%s", version, h);
}

/* Whether an opaque-tag (with its quotes) in the header at p, n bytes, is tag's, ignoring W/ on either (weak
 * comparison, RFC 9110 8.8.3.2) */
static bool is_ows(char c);

/* p points at '*': true when nothing but whitespace follows (the header is "*", any current representation) */
static bool star_alone(const char *p)
{
    p++;
    while (is_ows(*p))
        p++;
    return !*p;
}

static bool weak_equal(const char *p, size_t n, const char *tag)
{
    if (tag[0] == 'W' && tag[1] == '/')
        tag += 2;
    return strlen(tag) == n && !memcmp(p, tag, n);
}

bool etag_none_match(const char *header, const char *tag)
{
    if (!header || !tag || !tag[0])
        return false;
    const char *p = header;
    while (is_ows(*p))
        p++;
    if (p[0] == '*')
        return star_alone(p);     /* "*" alone: any current representation */
    while (*p) {
        while (is_ows(*p) || *p == ',')
            p++;
        if (!*p)
            break;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        if (*p != '"')
            return false;   /* not an entity-tag: the rest cannot be trusted to be a list of them */
        const char *open = p++;
        while (*p && *p != '"')
            p++;
        if (!*p)
            return false;
        p++;
        if (weak_equal(open, (size_t)(p - open), tag))
            return true;
        while (is_ows(*p))
            p++;
        if (*p && *p != ',')
            return false;
    }
    return false;
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
    if (p[0] == '*' && star_alone(p))
        return "";
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
        /* ours: digits [. 8 hex digits of what is derived], '-', 16 hex digits */
        const char *dash = memchr(open, '-', n);
        size_t tn = dash ? (size_t)(dash - open) : 0;      /* the version token */
        size_t vn = strspn(open, "0123456789");            /* its version */
        if (weak || !dash || vn == 0 || vn > 20 || open[0] == '0' || n != tn + 17 || tn >= ETAG_VERSION_BUFSZ)
            continue;
        if (tn != vn && (tn != vn + 1 + ETAG_DERIVED_HEX || open[vn] != '.' ||
                         strspn(open + vn + 1, "0123456789abcdef") < ETAG_DERIVED_HEX))
            continue;
        if (vn + 1 > versionsz)
            continue;
        char v[ETAG_VERSION_BUFSZ];
        memcpy(v, open, tn);
        v[tn] = '\0';
        char want[ETAG_BUFSZ];
        etag_make(want, entity, id, v, variant);
        /* want is "\"v-hhhh\"": compare what lies between its quotes */
        if (strlen(want) == n + 2 && !memcmp(want + 1, open, n)) {
            /* the record's own version: what a write's precondition checks (etag.h says why the derived part is
             * not) */
            memcpy(version, v, vn);
            version[vn] = '\0';
            return version;
        }
    }
    return ETAG_NO_VERSION;
}
