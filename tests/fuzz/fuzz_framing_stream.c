/*
 * fuzz_framing_stream.c - the framing filter's input side (server/http/framing_filter.c) on a byte stream that
 * arrives in pieces: heads, Content-Length bodies, chunks with extensions and trailers, pipelined requests,
 * refusals. Properties: no crash; what it passes on is canonical, so passing it through a fresh filter in one
 * piece refuses nothing and changes nothing; a refusal passes nothing after its stand-in.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "server/http/framing_filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 65536)
        return 0;
    framing_limits lim = {1024, 4096};
    unsigned step = 1 + data[0] % 64;       /* the size of the pieces the stream arrives in */
    data++, size--;

    framing_conn a;
    framing_conn_init(&a, &lim);
    struct evbuffer *in = evbuffer_new(), *out = evbuffer_new();
    bool refused = false;
    for (size_t i = 0; i < size; i += step) {
        evbuffer_add(in, data + i, size - i < step ? size - i : step);
        refused = framing_feed(&a, in, out);
        if (refused && evbuffer_get_length(in) != 0)
            abort();        /* nothing after a refusal is kept */
    }

    framing_conn b;
    framing_conn_init(&b, &lim);
    size_t n = evbuffer_get_length(out);
    unsigned char *first = malloc(n + 1);
    evbuffer_copyout(out, first, n);
    struct evbuffer *again = evbuffer_new(), *out2 = evbuffer_new();
    evbuffer_add(again, first, n);
    if (framing_feed(&b, again, out2))
        abort();            /* canonical output is never refused */
    if (evbuffer_get_length(out2) != n || (n && memcmp(evbuffer_pullup(out2, -1), first, n) != 0))
        abort();            /* ... nor changed */
    if (refused && b.passed != a.passed)
        abort();
    free(first);
    evbuffer_free(in);
    evbuffer_free(out);
    evbuffer_free(again);
    evbuffer_free(out2);
    return 0;
}
