#include "server/http/framing.h"

#include <string.h>
#include <strings.h>

/* tchar of RFC 9110 5.6.2 */
static bool is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.': case '^':
    case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

static bool is_ows(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* field-vchar / SP / HTAB (obs-text allowed): no CR, LF, NUL or other control */
static bool is_field_char(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

void framing_scan_init(framing_scan *s)
{
    memset(s, 0, sizeof(*s));
}

size_t framing_scan_feed(framing_scan *s, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const char *lf = memchr(p + i, '\n', n - i);
        if (!lf) {
            s->prev = (unsigned char)p[n - 1];
            s->scanned += n - i;
            return 0;
        }
        size_t at = (size_t)(lf - p);
        unsigned char before = at > i ? (unsigned char)p[at - 1] : s->prev;
        size_t end = s->scanned + (at - i) + 1;     /* absolute offset just past this LF */
        s->scanned = end;
        s->prev = '\n';
        i = at + 1;
        if (before != '\r' || end - s->line_start == 2)
            return end;     /* a bare LF, or the empty line that ends the head */
        if (!s->first_line)
            s->first_line = end;
        s->line_start = end;
    }
    return 0;
}

int framing_scan_overflow(const framing_scan *s, const framing_limits *lim, const char **detail)
{
    if (!s->first_line) {
        if (s->scanned > lim->max_header_bytes + 1) {    /* + 1: a CR whose LF has not arrived yet */
            *detail = "The request line is too long.";
            return 414;
        }
    } else if (s->scanned - s->first_line > lim->max_header_bytes) {
        *detail = "The request's header fields are too large.";
        return 431;
    }
    return 0;
}

int framing_check_field(const char *line, size_t len)
{
    size_t i = 0;
    while (i < len && is_tchar((unsigned char)line[i]))
        i++;
    if (i == 0 || i == len || line[i] != ':')
        return -1;      /* no name, no colon, or something (whitespace too) between the name and the colon */
    for (i++; i < len; i++)
        if (!is_field_char((unsigned char)line[i]))
            return -1;
    return 0;
}

static bool name_is(const char *name, size_t len, const char *want)
{
    size_t wl = strlen(want);
    return len == wl && strncasecmp(name, want, wl) == 0;
}

static void value_trim(const char **v, size_t *len)
{
    while (*len && is_ows((unsigned char)**v))
        (*v)++, (*len)--;
    while (*len && is_ows((unsigned char)(*v)[*len - 1]))
        (*len)--;
}

static void refuse(framing_verdict *v, int status, const char *detail)
{
    if (!v->status) {
        v->status = status;
        v->detail = detail;
    }
}

typedef struct te_state {
    bool present;
    int lines;              /* Transfer-Encoding field lines */
    bool exact;             /* the one line reads "chunked" as evhttp reads it (leading spaces, no tabs) */
    int chunked;            /* how many times chunked was named */
    int others;             /* other codings */
    bool chunked_last;      /* the last coding named so far is chunked */
    bool malformed;
} te_state;

/* One Transfer-Encoding field value: a list of codings, each a token with optional parameters. */
static void te_add(te_state *te, const char *v, size_t len)
{
    te->present = true;
    size_t i = 0;
    while (i <= len) {
        size_t j = i;
        while (j < len && v[j] != ',')
            j++;
        const char *e = v + i;
        size_t el = j - i;
        value_trim(&e, &el);
        if (el) {
            size_t t = 0;
            while (t < el && is_tchar((unsigned char)e[t]))
                t++;
            if (t == 0)
                te->malformed = true;
            else if (t == 7 && strncasecmp(e, "chunked", 7) == 0) {
                if (t != el)
                    te->malformed = true;     /* chunked takes no parameters */
                te->chunked++;
                te->chunked_last = true;
            } else {
                te->others++;
                te->chunked_last = false;
            }
        }
        i = j + 1;
    }
}

static bool method_known(const char *m, size_t n)
{
    static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strlen(known[i]) == n && memcmp(known[i], m, n) == 0)
            return true;
    return false;
}

/* The request line, without its CRLF. Returns the minor version (0 or 1), or -1 after refusing. */
static int check_request_line(const char *l, size_t n, const framing_limits *lim, framing_verdict *v)
{
    if (n > lim->max_header_bytes) {
        refuse(v, 414, "The request line is too long.");
        return -1;
    }
    size_t m = 0;
    while (m < n && is_tchar((unsigned char)l[m]))
        m++;
    if (m > 0 && m < sizeof(v->method)) {
        memcpy(v->method, l, m);
        v->method[m] = '\0';
    }
    if (m == 0 || m == n || l[m] != ' ') {
        refuse(v, 400, "The request line is malformed (method SP target SP version).");
        return -1;
    }
    size_t t = m + 1, te = t;
    while (te < n && l[te] != ' ')
        te++;
    if (te == t || te == n || n - te - 1 != 8) {
        refuse(v, 400, "The request line is malformed (method SP target SP version).");
        return -1;
    }
    for (size_t i = t; i < te; i++) {
        unsigned char c = (unsigned char)l[i];
        if (c <= 0x20 || c >= 0x7f || c == '#') {
            refuse(v, 400, "The request target holds a character it may not hold.");
            return -1;
        }
    }
    const char *ver = l + te + 1;
    int minor;
    if (!memcmp(ver, "HTTP/1.1", 8))
        minor = 1;
    else if (!memcmp(ver, "HTTP/1.0", 8))
        minor = 0;
    else if (!memcmp(ver, "HTTP/", 5) && ver[5] >= '0' && ver[5] <= '9' && ver[6] == '.' && ver[7] >= '0' &&
             ver[7] <= '9') {
        refuse(v, 505, "Only HTTP/1.1 and HTTP/1.0 are served.");
        return -1;
    } else {
        refuse(v, 400, "The request line is malformed (method SP target SP version).");
        return -1;
    }
    if (!method_known(l, m)) {
        refuse(v, 501, "This method is not implemented.");
        return -1;
    }
    const char *tg = l + t;
    size_t tl = te - t;
    /* "//x/y" is origin-form to a proxy but evhttp's URI parser reads "//x" as a host and routes on "/y": a
     * proxy's path rules would not see the path this server serves */
    bool origin = tg[0] == '/' && !(tl > 1 && tg[1] == '/');
    bool asterisk = tl == 1 && tg[0] == '*' && m == 7 && !memcmp(l, "OPTIONS", 7);
    bool absolute = false;
    size_t scheme = tl > 7 && !strncasecmp(tg, "http://", 7) ? 7 : tl > 8 && !strncasecmp(tg, "https://", 8) ? 8 : 0;
    if (scheme) {
        /* absolute-form: a plain host[:port] (what evhttp's URI parser surely takes), then the path */
        size_t h = scheme, colon = 0, port = 0;
        for (; h < tl && tg[h] != '/' && tg[h] != '?'; h++) {
            unsigned char c = (unsigned char)tg[h];
            if (c == ':' && !colon)
                colon = h;
            else if (colon && c >= '0' && c <= '9' && ++port <= 5)
                ;
            else if (colon || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                c == '.' || c == '-'))
                break;
        }
        absolute = (h == tl || tg[h] == '/' || tg[h] == '?') && h > scheme && colon != scheme &&
                   (!colon || (port >= 1 && port <= 5));
    }
    if (!origin && !asterisk && !absolute) {
        refuse(v, 400, "The request target must be a path.");
        return -1;
    }
    return minor;
}

void framing_check_head(const char *head, size_t len, const framing_limits *lim, framing_verdict *v)
{
    memset(v, 0, sizeof(*v));
    const char *lf = len ? memchr(head, '\n', len) : NULL;
    if (!lf || lf == head || lf[-1] != '\r') {
        refuse(v, 400, "Every line of the request head must end with CRLF.");
        return;
    }
    size_t first = (size_t)(lf - head) + 1;
    int minor = check_request_line(head, first - 2, lim, v);
    if (minor < 0)
        return;
    if (len - first > lim->max_header_bytes) {
        refuse(v, 431, "The request's header fields are too large.");
        return;
    }

    int fields = 0, hosts = 0, cls = 0;
    uint64_t cl = 0;
    te_state te = {0};
    bool ended = false;
    for (size_t at = first; at < len;) {
        const char *l = head + at;
        const char *e = memchr(l, '\n', len - at);
        if (!e || e == l || e[-1] != '\r') {
            refuse(v, 400, "Every line of the request head must end with CRLF.");
            return;
        }
        size_t n = (size_t)(e - l) - 1;     /* without CRLF */
        at += n + 2;
        if (n == 0) {
            ended = at == len;
            break;
        }
        if (is_ows((unsigned char)l[0])) {
            refuse(v, 400, "A header field is folded over lines (obs-fold), which is not accepted.");
            return;
        }
        if (framing_check_field(l, n) != 0) {
            refuse(v, 400, "A header field is malformed (name, then a colon at once, then printable text).");
            return;
        }
        if (++fields > FRAMING_MAX_FIELDS) {
            refuse(v, 431, "The request has too many header fields.");
            return;
        }
        const char *colon = memchr(l, ':', n);
        size_t nl = (size_t)(colon - l);
        const char *val = colon + 1;
        size_t vl = n - nl - 1;
        bool lead_tab = false;      /* evhttp skips only spaces before a value */
        for (size_t i = 0; i < vl && is_ows((unsigned char)val[i]); i++)
            lead_tab |= val[i] == '\t';
        value_trim(&val, &vl);
        switch (nl) {
        case 4:
            if (name_is(l, nl, "Host"))
                hosts++;
            break;
        case 6:
            if (name_is(l, nl, "Expect") && (lead_tab || !(vl == 12 && !strncasecmp(val, "100-continue", 12))))
                refuse(v, 417, "Only \"Expect: 100-continue\" is understood.");
            break;
        case 14:
            if (name_is(l, nl, "Content-Length")) {
                if (vl == 0) {
                    refuse(v, 400, "Content-Length must be a decimal number of bytes.");
                    return;
                }
                uint64_t x = 0;
                for (size_t i = 0; i < vl; i++) {
                    if (val[i] < '0' || val[i] > '9') {
                        refuse(v, 400, "Content-Length must be a decimal number of bytes.");
                        return;
                    }
                    x = x > (UINT64_C(1) << 59) ? x : x * 10 + (uint64_t)(val[i] - '0');   /* saturates */
                }
                if (cls++ && x != cl) {
                    refuse(v, 400, "The request has two different Content-Length values.");
                    return;
                }
                cl = x;
            }
            break;
        case 17:
            if (name_is(l, nl, "Transfer-Encoding")) {
                te_add(&te, val, vl);
                te.exact = ++te.lines == 1 && !lead_tab && vl == 7 && !strncasecmp(val, "chunked", 7);
            }
            break;
        default:
            break;
        }
    }
    if (!ended) {
        refuse(v, 400, "The request head does not end with an empty line.");
        return;
    }
    if (v->status)
        return;     /* 417 */
    if (hosts > 1 || (minor == 1 && hosts == 0)) {
        refuse(v, 400, "An HTTP/1.1 request must carry exactly one Host header field.");
        return;
    }
    bool head_method = !strcmp(v->method, "HEAD");
    if (te.present) {
        if (cls) {
            refuse(v, 400, "A request may not carry both Transfer-Encoding and Content-Length.");
            return;
        }
        if (minor == 0) {
            refuse(v, 400, "Transfer-Encoding is not allowed in an HTTP/1.0 request.");
            return;
        }
        if (te.malformed || te.chunked != 1 || !te.chunked_last) {
            refuse(v, 400, "Transfer-Encoding must end with chunked, once.");
            return;
        }
        if (te.others) {
            refuse(v, 501, "No transfer coding but chunked is implemented.");
            return;
        }
        if (!te.exact) {
            refuse(v, 400, "Transfer-Encoding must be one field reading chunked.");
            return;
        }
        if (head_method) {
            refuse(v, 400, "A HEAD request has no body.");
            return;
        }
        v->body = FRAMING_BODY_CHUNKED;
        return;
    }
    if (cls && cl > 0) {
        if (head_method) {
            refuse(v, 400, "A HEAD request has no body.");
            return;
        }
        if (cl > lim->max_body_bytes) {
            refuse(v, 413, "The request body is larger than this server accepts.");
            return;
        }
        v->body = FRAMING_BODY_LENGTH;
        v->length = cl;
    }
}

int framing_chunk_size(const char *line, size_t len, uint64_t *size)
{
    if (len < 3 || line[len - 2] != '\r' || line[len - 1] != '\n')
        return -1;
    size_t n = len - 2, i = 0;
    uint64_t x = 0;
    for (; i < n; i++) {
        char c = line[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                                                                        : -1;
        if (d < 0)
            break;
        x = x >= (UINT64_C(1) << 59) ? UINT64_MAX : x * 16 + (uint64_t)d;
    }
    if (i == 0)
        return -1;
    /* chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ) */
    while (i < n) {
        while (i < n && is_ows((unsigned char)line[i]))
            i++;
        if (i == n || line[i] != ';')
            return -1;
        i++;
        while (i < n && is_ows((unsigned char)line[i]))
            i++;
        size_t s = i;
        while (i < n && is_tchar((unsigned char)line[i]))
            i++;
        if (i == s)
            return -1;
        size_t k = i;
        while (k < n && is_ows((unsigned char)line[k]))
            k++;
        if (k < n && line[k] == '=') {
            i = k + 1;
            while (i < n && is_ows((unsigned char)line[i]))
                i++;
            if (i < n && line[i] == '"') {
                for (i++;; i++) {
                    if (i >= n)
                        return -1;
                    unsigned char c = (unsigned char)line[i];
                    if (c == '"')
                        break;
                    if (c == '\\') {
                        if (++i >= n || !is_field_char((unsigned char)line[i]))
                            return -1;
                    } else if (!is_field_char(c))
                        return -1;
                }
                i++;
            } else {
                s = i;
                while (i < n && is_tchar((unsigned char)line[i]))
                    i++;
                if (i == s)
                    return -1;
            }
        }
    }
    *size = x;
    return 0;
}
