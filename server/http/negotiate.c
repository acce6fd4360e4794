#include "server/http/negotiate.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

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

bool accept_language_prefers_fa(const char *accept_language)
{
    return accept_language_preference(accept_language) == LANGUAGE_PREFERS_FA;
}

