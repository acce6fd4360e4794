/*
 * fuzz_cursor.c - opaque list cursors come back from clients: decoding arbitrary text must never crash or accept
 * something this server could not have made; and whatever decodes re-encodes to the very same cursor.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "server/http/cursor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 2048)
        return 0;
    arena *a = arena_new(4096);
    char *text = arena_strndup(a, (const char *)data, size);
    for (int n = 1; n <= 2; n++) {
        char *vals[2];
        if (cursor_decode(a, text, vals, n) == 0) {
            const char *cv[2] = {vals[0], n > 1 ? vals[1] : NULL};
            const char *again = cursor_encode(a, cv, n);
            if (strcmp(again, text) != 0)
                abort();
            for (int i = 0; i < n; i++)
                if (strchr(vals[i], '\x1f'))
                    abort();
        }
    }
    /* and any values round-trip */
    const char *pair[2] = {text, "42"};
    if (size <= 700 && !memchr(data, 0, size) && !memchr(data, 0x1f, size)) {    /* cursors are at most 1024 */
        const char *c = cursor_encode(a, pair, 2);
        char *back[2];
        if (cursor_decode(a, c, back, 2) != 0 || strcmp(back[0], text) != 0 || strcmp(back[1], "42") != 0)
            abort();
    }
    arena_free(a);
    return 0;
}
