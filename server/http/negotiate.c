#include "server/http/negotiate.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The next item of a weighted list ("br;q=0.8, gzip"): its token (lower-cased, cut to toksz - 1) and weight (1 when
 * absent, 0 when malformed, so a garbled weight never selects anything). False at the end. */
static bool next_weighted(const char **pp, char *tok, size_t toksz, double *q)
{
    const char *p = *pp;
    p += strspn(p, " \t,");
    if (!*p)
        return false;
    size_t n = 0;
    for (; *p && *p != ',' && *p != ';' && *p != ' ' && *p != '\t'; p++)
        if (n + 1 < toksz)
            tok[n++] = (char)tolower((unsigned char)*p);
    tok[n] = '\0';
    *q = 1.0;
    p += strspn(p, " \t");
    while (*p == ';') {
        p++;
        p += strspn(p, " \t");
        if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            char *end;
            double v = strtod(p + 2, &end);
            *q = (end == p + 2 || !(v >= 0 && v <= 1)) ? 0 : v;     /* NaN fails both comparisons: 0 */
            p = end;
        }
        p += strcspn(p, ",;");
    }
    p += strcspn(p, ",");
    *pp = p;
    return true;
}

content_coding content_coding_pick(const char *accept_encoding, unsigned available)
{
    if (!accept_encoding)
        return CODING_IDENTITY;
    double weight[3] = {-1, -1, -1}, star = -1;     /* -1: not named */
    static const char *const names[3] = {"identity", "gzip", "br"};
    char tok[32];
    double q;
    for (const char *p = accept_encoding; next_weighted(&p, tok, sizeof(tok), &q);) {
        if (!strcmp(tok, "*"))
            star = q;
        else if (!strcmp(tok, "x-gzip"))
            weight[CODING_GZIP] = q;
        for (int c = 0; c < 3; c++)
            if (!strcmp(tok, names[c]))
                weight[c] = q;
    }
    content_coding best = CODING_IDENTITY;
    double best_q = 0;
    for (int c = CODING_BR; c > CODING_IDENTITY; c--) {
        double w = weight[c] >= 0 ? weight[c] : star;
        if ((available & (1u << c)) && w > best_q) {
            best = (content_coding)c;
            best_q = w;
        }
    }
    return best;
}

language_preference accept_language_preference(const char *accept_language)
{
    if (!accept_language)
        return LANGUAGE_NO_PREFERENCE;
    char tok[32];
    double q, fa = -1, before = -1, after = -1;     /* the best weight of fa, of others before and after it */
    for (const char *p = accept_language; next_weighted(&p, tok, sizeof(tok), &q);) {
        bool is_fa = !strncmp(tok, "fa", 2) && (tok[2] == '\0' || tok[2] == '-');
        if (!strcmp(tok, "*"))
            continue;       /* any language: no preference of its own */
        if (is_fa)
            fa = q > fa ? q : fa;
        else if (fa < 0)
            before = q > before ? q : before;
        else
            after = q > after ? q : after;
    }
    if (fa > 0 && fa > before && fa >= after)       /* an equal weight goes to the language named first */
        return LANGUAGE_PREFERS_FA;
    /* another language wanted, or Persian refused (fa;q=0): English, the language every other reader shares */
    return before > 0 || after > 0 || fa == 0 ? LANGUAGE_PREFERS_EN : LANGUAGE_NO_PREFERENCE;
}



/* Accept ------------------------------------------------------------------------------------------------------- */

static bool is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c);
}

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Past the end of the current element (the next comma outside a quoted string, or the end). */
static const char *skip_element(const char *p)
{
    bool quoted = false;
    for (; *p; p++) {
        if (quoted && *p == '\\' && p[1])
            p++;
        else if (*p == '"')
            quoted = !quoted;
        else if (*p == ',' && !quoted)
            break;
    }
    return p;
}

typedef struct media_range {
    const char *type, *sub;     /* into the header, not terminated */
    size_t tlen, slen;
    int nparams;                /* other than q */
    double q;
} media_range;

/* Reads the element at *pp into mr; false when it is not a valid media range (then skipped). *pp ends at its comma
 * or the end. */
static bool read_range(const char **pp, media_range *mr)
{
    const char *p = skip_ows(*pp), *end = skip_element(p);
    *pp = end;
    memset(mr, 0, sizeof(*mr));
    mr->q = 1;
    mr->type = p;
    while (p < end && is_tchar(*p))
        p++;
    mr->tlen = (size_t)(p - mr->type);
    if (mr->tlen == 1 && mr->type[0] == '*' && (p >= end || *p != '/')) {
        mr->sub = mr->type;     /* "*" alone: any type, as the any/any range */
        mr->slen = 1;
    } else {
        if (!mr->tlen || p >= end || *p != '/')
            return false;
        mr->sub = ++p;
        while (p < end && is_tchar(*p))
            p++;
        mr->slen = (size_t)(p - mr->sub);
        if (!mr->slen || (mr->tlen == 1 && mr->type[0] == '*' && !(mr->slen == 1 && mr->sub[0] == '*')))
            return false;   /* an any-type range with a subtype ("*" slash "json") is none */
    }
    p = skip_ows(p);
    while (p < end && *p == ';') {
        p = skip_ows(p + 1);
        const char *name = p;
        while (p < end && is_tchar(*p))
            p++;
        size_t nlen = (size_t)(p - name);
        p = skip_ows(p);
        if (!nlen && (p == end || *p == ';'))
            continue;       /* an empty parameter ("text/csv;"): nothing */
        if (!nlen || p >= end || *p != '=')
            return false;
        p = skip_ows(p + 1);
        const char *val = p;
        if (p < end && *p == '"') {
            for (p++; p < end && *p != '"'; p++)
                if (*p == '\\' && p + 1 < end)
                    p++;
            if (p >= end)
                return false;
            p++;
        } else
            while (p < end && is_tchar(*p))
                p++;
        size_t vlen = (size_t)(p - val);
        if (!vlen)
            return false;
        if (nlen == 1 && (name[0] == 'q' || name[0] == 'Q')) {
            char buf[16];
            if (vlen >= sizeof(buf) || val[0] == '"' || !((val[0] >= '0' && val[0] <= '9') || val[0] == '.'))
                return false;
            memcpy(buf, val, vlen);
            buf[vlen] = '\0';
            char *e;
            double q = strtod(buf, &e);
            if (*e || !(q >= 0 && q <= 1))
                return false;
            mr->q = q;
        } else
            mr->nparams++;
        p = skip_ows(p);
    }
    return skip_ows(p) == end;
}

/* How specifically mr names type ("text/csv"): -1 not at all, 0 the any/any range, 1 "text" with any subtype,
 * 2 + its parameters text/csv. */
static int range_specificity(const media_range *mr, const char *type)
{
    const char *slash = strchr(type, '/');
    size_t tl = (size_t)(slash - type);
    if (mr->tlen == 1 && mr->type[0] == '*')
        return 0;
    if (mr->tlen != tl || strncasecmp(mr->type, type, tl) != 0)
        return -1;
    if (mr->slen == 1 && mr->sub[0] == '*')
        return 1;
    if (mr->slen != strlen(slash + 1) || strncasecmp(mr->sub, slash + 1, mr->slen) != 0)
        return -1;
    return 2 + mr->nparams;
}

int media_type_pick(const char *accept, const char *const *types, int ntypes)
{
    if (ntypes <= 0)
        return -1;
    if (!accept)
        return 0;
    enum { MAX_TYPES = 8 };
    double q[MAX_TYPES];
    int spec[MAX_TYPES], pos[MAX_TYPES];
    if (ntypes > MAX_TYPES)
        ntypes = MAX_TYPES;
    for (int i = 0; i < ntypes; i++)
        spec[i] = -1, q[i] = 0, pos[i] = 0;
    int valid = 0;
    for (const char *p = accept; *p;) {
        if (*p == ',' || *p == ' ' || *p == '\t') {
            p++;
            continue;
        }
        media_range mr;
        if (!read_range(&p, &mr))
            continue;
        for (int i = 0; i < ntypes; i++) {
            int s = range_specificity(&mr, types[i]);
            if (s > spec[i]) {     /* the most specific wins; of equals the first listed */
                spec[i] = s;
                q[i] = mr.q;
                pos[i] = valid;
            }
        }
        valid++;
    }
    if (!valid)
        return 0;   /* nothing readable: as if there were no Accept */
    int best = -1;
    for (int i = 0; i < ntypes; i++) {
        if (spec[i] < 0 || q[i] <= 0)
            continue;
        if (best < 0 || q[i] > q[best] || (q[i] == q[best] && (spec[i] > spec[best] ||
                                                              (spec[i] == spec[best] && pos[i] < pos[best]))))
            best = i;
    }
    return best;
}
