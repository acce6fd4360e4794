/*
 * fuzz_framing.c - the HTTP framing checker (server/http/framing.c) on arbitrary bytes. Properties: no crash; the
 * scanner finds the same end whether the bytes come whole or in two pieces; an accepted head is all CRLF-ended
 * lines with no NUL, bare CR or folded line, ends in an empty line, and declares a body no larger than the limit;
 * a refusal carries a status of the expected set and a reason; an accepted chunk-size line starts with hex digits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/http/framing.h"

static size_t scan(const char *p, size_t n, size_t split)
{
    framing_scan s;
    framing_scan_init(&s);
    size_t end = split ? framing_scan_feed(&s, p, split) : 0;
    if (!end && split < n)
        end = framing_scan_feed(&s, p + split, n - split);
    return end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    framing_limits lim = {1024 + data[0] * 16u, 100000};

    size_t whole = scan(p, n, 0);
    size_t split = n ? data[0] % (n + 1) : 0;
    if (scan(p, n, split) != whole)
        abort();
    size_t len = whole ? whole : n;

    framing_verdict v;
    framing_check_head(p, len, &lim, &v);
    if (v.status) {
        if (!v.detail || (v.status != 400 && v.status != 413 && v.status != 414 && v.status != 417 &&
                          v.status != 431 && v.status != 501 && v.status != 505))
            abort();
    } else {
        if (len < 4 || memcmp(p + len - 4, "\r\n\r\n", 4) != 0 || memchr(p, '\0', len))
            abort();
        for (size_t i = 0; i < len; i++) {
            if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
                abort();
            if (p[i] == '\r' && (i + 1 >= len || p[i + 1] != '\n'))
                abort();
            if (p[i] == '\n' && i + 1 < len && (p[i + 1] == ' ' || p[i + 1] == '\t'))
                abort();
        }
        if (v.body == FRAMING_BODY_LENGTH && (v.length == 0 || v.length > lim.max_body_bytes))
            abort();
        if (whole && whole != len)
            abort();
    }

    uint64_t cs;
    if (framing_chunk_size(p, n, &cs) == 0) {
        int c = n ? (unsigned char)p[0] : 0;
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            abort();
        if (n < 3 || p[n - 2] != '\r' || p[n - 1] != '\n')
            abort();
    }
    if (framing_check_field(p, n) == 0 && (memchr(p, '\r', n) || memchr(p, '\n', n) || !memchr(p, ':', n)))
        abort();
    return 0;
}
