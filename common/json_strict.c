#include "common/json_strict.h"
#include "common/utf8.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#define MAX_DEPTH 128

typedef struct scanner {
    const char *p, *end;
    char *err;
    size_t errlen;
    int depth;
} scanner;

typedef struct key {
    char *bytes;
    size_t len;
} key;

static int fail(scanner *s, const char *msg)
{
    snprintf(s->err, s->errlen, "%s", msg);
    return -1;
}

static void skip_ws(scanner *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static int hex4(const char *p, const char *end, unsigned *out)
{
    if (end - p < 4)
        return -1;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            v |= (unsigned)((c | 0x20) - 'a' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* Scans a string starting at '"'. When k is given, its decoded bytes are stored there (for key comparison;
 * surrogate pairs are kept as their escape values, which compare just as well). */
static int scan_string(scanner *s, key *k)
{
    s->p++;    /* the opening quote */
    size_t cap = 0;
    if (k) {
        k->len = 0;
        k->bytes = NULL;
    }
    while (s->p < s->end && *s->p != '"') {
        char buf[8];
        size_t n = 0;
        if (*s->p == '\\') {
            if (s->end - s->p < 2)
                return fail(s, "unterminated escape");
            char e = s->p[1];
            if (e == 'u') {
                unsigned u;
                if (hex4(s->p + 2, s->end, &u) != 0)
                    return fail(s, "bad \\u escape");
                s->p += 6;
                if (u == 0)
                    return fail(s, "\\u0000 is not allowed in text");
                if (u >= 0xDC00 && u <= 0xDFFF)
                    return fail(s, "a lone UTF-16 low surrogate escape");
                if (u >= 0xD800 && u <= 0xDBFF) {
                    unsigned lo;
                    if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u' || hex4(s->p + 2, s->end, &lo) != 0 ||
                        lo < 0xDC00 || lo > 0xDFFF)
                        return fail(s, "a lone UTF-16 high surrogate escape");
                    s->p += 6;
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                }
                n = utf8_encode(u, buf);    /* so "\u00e9" and a raw "é" compare equal */
            } else {
                /* the decoded byte: "\n" is a newline, not the letter n */
                buf[0] = e == 'b' ? '\b' : e == 'f' ? '\f' : e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
                n = 1;
                s->p += 2;
            }
        } else {
            if ((unsigned char)*s->p < 0x20)
                return fail(s, "a control character inside a string (escape it)");
            buf[0] = *s->p++;
            n = 1;
        }
        if (k) {
            if (k->len + n > cap) {
                cap = cap ? cap * 2 : 32;
                while (cap < k->len + n)
                    cap *= 2;
                char *nb = realloc(k->bytes, cap);
                if (!nb)
                    return fail(s, "out of memory");
                k->bytes = nb;
            }
            memcpy(k->bytes + k->len, buf, n);
            k->len += n;
        }
    }
    if (s->p >= s->end)
        return fail(s, "unterminated string");
    s->p++;
    return 0;
}

static int key_cmp(const void *a, const void *b)
{
    const key *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->bytes, y->bytes, n) : 0;    /* an empty key has no bytes at all */
    if (c)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

static int scan_value(scanner *s);

static bool literal(scanner *s, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) >= n && memcmp(s->p, word, n) == 0) {
        s->p += n;
        return true;
    }
    return false;
}

static bool digits(scanner *s)
{
    const char *start = s->p;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
        s->p++;
    return s->p > start;
}

/* RFC 8259 only: json-c also takes NaN, Infinity, "1." and single-quoted strings. */
static int scan_scalar(scanner *s)
{
    if (literal(s, "true") || literal(s, "false") || literal(s, "null"))
        return 0;
    if (s->p < s->end && *s->p == '-')
        s->p++;
    if (s->p < s->end && *s->p == '0')
        s->p++;
    else if (s->p >= s->end || *s->p < '1' || *s->p > '9' || !digits(s))
        return fail(s, "not a JSON value (numbers are digits, true, false, null; strings use double quotes)");
    if (s->p < s->end && *s->p == '.') {
        s->p++;
        if (!digits(s))
            return fail(s, "a number needs digits after its decimal point");
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (!digits(s))
            return fail(s, "a number needs digits in its exponent");
    }
    if (s->p < s->end && !strchr(",]} \t\r\n", *s->p))
        return fail(s, "not a JSON value");
    return 0;
}

static int scan_object(scanner *s)
{
    s->p++;
    key *keys = NULL;
    size_t nkeys = 0, cap = 0;
    int rc = 0;
    skip_ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        return 0;
    }
    while (rc == 0) {
        skip_ws(s);
        if (s->p >= s->end || *s->p != '"') {
            rc = fail(s, "expected a key");
            break;
        }
        if (nkeys == cap) {
            cap = cap ? cap * 2 : 8;
            key *nk = realloc(keys, cap * sizeof(key));
            if (!nk) {
                rc = fail(s, "out of memory");
                break;
            }
            keys = nk;
        }
        if ((rc = scan_string(s, &keys[nkeys])) != 0) {
            free(keys[nkeys].bytes);
            break;
        }
        nkeys++;
        skip_ws(s);
        if (s->p >= s->end || *s->p != ':') {
            rc = fail(s, "expected ':'");
            break;
        }
        s->p++;
        if ((rc = scan_value(s)) != 0)
            break;
        skip_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == '}') {
            s->p++;
            break;
        }
        rc = fail(s, "expected ',' or '}'");
    }
    if (rc == 0 && nkeys > 1) {
        /* sorted, a duplicate sits next to its twin: n log n even for an object of a million keys */
        qsort(keys, nkeys, sizeof(key), key_cmp);
        for (size_t i = 1; i < nkeys && rc == 0; i++)
            if (key_cmp(&keys[i - 1], &keys[i]) == 0) {
                char msg[160];
                bool printable = keys[i].len < 60;
                for (size_t b = 0; printable && b < keys[i].len; b++)
                    printable = (unsigned char)keys[i].bytes[b] >= 0x20 && keys[i].bytes[b] != '"';
                if (printable)
                    snprintf(msg, sizeof(msg), "the key \"%.*s\" appears twice in one object", (int)keys[i].len,
                             keys[i].bytes);
                else
                    snprintf(msg, sizeof(msg), "a key appears twice in one object");
                rc = fail(s, msg);
            }
    }
    for (size_t i = 0; i < nkeys; i++)
        free(keys[i].bytes);
    free(keys);
    return rc;
}

static int scan_array(scanner *s)
{
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return 0;
    }
    for (;;) {
        if (scan_value(s) != 0)
            return -1;
        skip_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == ']') {
            s->p++;
            return 0;
        }
        return fail(s, "expected ',' or ']'");
    }
}

static int scan_value(scanner *s)
{
    skip_ws(s);
    if (s->p >= s->end)
        return fail(s, "unexpected end");
    if (++s->depth > MAX_DEPTH)
        return fail(s, "nested too deeply");
    int rc;
    switch (*s->p) {
    case '{': rc = scan_object(s); break;
    case '[': rc = scan_array(s); break;
    case '"': rc = scan_string(s, NULL); break;
    default:
        rc = scan_scalar(s);
    }
    s->depth--;
    return rc;
}

int json_strict_check(const char *text, size_t len, char *err, size_t errlen)
{
    /* json-c's UTF-8 check lets overlong forms and encoded surrogates through */
    if (utf8_validate(text, len) != 0) {
        snprintf(err, errlen, "it is not valid UTF-8");
        return -1;
    }
    scanner s = {text, text + len, err, errlen, 0};
    if (scan_value(&s) != 0)
        return -1;
    skip_ws(&s);
    if (s.p != s.end) {
        snprintf(err, errlen, "something follows the JSON value");
        return -1;
    }
    return 0;
}

struct json_object *json_body_parse(const char *data, size_t len, char *detail, size_t detail_len)
{
    if (len > (size_t)INT32_MAX) {
        snprintf(detail, detail_len, "The body is too large.");
        return NULL;
    }
    json_tokener *tok = json_tokener_new_ex(64);
    if (!tok)
        abort();    /* out of memory */
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *obj = json_tokener_parse_ex(tok, data, (int)len);
    enum json_tokener_error err = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (obj && err == json_tokener_success) {
        while (used < len && (data[used] == ' ' || data[used] == '\n' || data[used] == '\r' || data[used] == '\t'))
            used++;
        if (used == len) {
            char why[200];
            if (json_strict_check(data, len, why, sizeof(why)) == 0)
                return obj;
            json_object_put(obj);
            snprintf(detail, detail_len, "The body is not acceptable JSON: %s.", why);
            return NULL;
        }
        err = json_tokener_error_parse_unexpected;
    }
    json_object_put(obj);
    snprintf(detail, detail_len, "The body is not valid JSON: %s.",
             err == json_tokener_continue ? "unexpected end of input" : json_tokener_error_desc(err));
    return NULL;
}
