/*
 * fuzz_negotiate.c - Accept-Encoding and Accept-Language come from any client on every console request, and Accept
 * on every API request: parsing arbitrary text must never crash or read past the header, never pick a coding that
 * is not available or that the header refuses by name with q=0, never prefer Persian in a header that does not name
 * it, and pick a media type among those available (or none), the first when the header holds no media range at all.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/http/negotiate.h"

/* Persian ranked above English and every other language (ties to the earlier) */
static bool prefers_fa(const char *h)
{
    return accept_language_preference(h) == LANGUAGE_PREFERS_FA;
}

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
    }
    /* whatever came before, a coding refused by name at the end (a later entry overrides) is never chosen; the
     * header ends at its first NUL, so the refusal is appended to that */
    size_t len = strlen(text);
    char *refused = malloc(len + 16);
    for (int c = CODING_GZIP; c <= CODING_BR; c++) {
        snprintf(refused, len + 16, "%s, %s;q=0", text, c == CODING_BR ? "br" : "gzip");
        if (content_coding_pick(refused, 6) == (content_coding)c)
            abort();
    }
    free(refused);
    static const char *const types[] = {"application/json", "text/csv", "text/plain"};
    bool no_range = !strchr(text, '/') && !strchr(text, '*');
    for (int n = 1; n <= 3; n++) {
        int m = media_type_pick(text, types, n);
        if (m < -1 || m >= n || (no_range && m != 0))
            abort();
    }
    bool fa = prefers_fa(text);
    if (fa && !strstr(text, "fa") && !strstr(text, "FA") && !strstr(text, "Fa") && !strstr(text, "fA"))
        abort();
    free(text);
    return 0;
}
