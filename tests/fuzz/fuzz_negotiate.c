/*
 * fuzz_negotiate.c - Accept-Encoding and Accept-Language come from any client on every console request: parsing
 * arbitrary text must never crash or read past the header, never pick a coding that is not available or that the
 * header refuses by name with q=0, and give the same answer twice.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/http/negotiate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';      /* a header value ends at its first NUL, as evhttp hands it over */
    for (unsigned avail = 0; avail < 8; avail += 2) {   /* gzip and brotli copies present or not */
        content_coding c = content_coding_pick(text, avail);
        if (c != CODING_IDENTITY && !(avail & (1u << c)))
            abort();
        if (c != content_coding_pick(text, avail))
            abort();
    }
    /* "br;q=0" named explicitly and alone: brotli is never chosen */
    if (!strcmp(text, "br;q=0") && content_coding_pick(text, 6) == CODING_BR)
        abort();
    bool fa = accept_language_prefers_fa(text);
    if (fa != accept_language_prefers_fa(text))
        abort();
    if (fa && !strstr(text, "fa") && !strstr(text, "FA") && !strstr(text, "Fa") && !strstr(text, "fA"))
        abort();
    free(text);
    return 0;
}
