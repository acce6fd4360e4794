/*
 * fuzz_etag.c - properties of etag_if_match() on any If-Match value (the input, cut at its first NUL):
 *   it returns "", ETAG_NO_VERSION or the version buffer, never reads past the value (exact-size copy, ASan);
 *   a version it returns is digits, and the tag of (entity, id, that version) is in the input;
 *   the input followed by ", <the tag of version 5>": when the input alone named a version, the same one (the first
 *   tag wins); when the input is a well-formed list of entity-tags (by list_well_formed below, written apart from
 *   the parser) naming none, version 5; "*" with a list after it is no "*" (ETAG_NO_VERSION).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/http/etag.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

/* An If-Match list as RFC 9110 writes it: members [W/]"etagc*" separated by commas and spaces (empty members allowed),
 * etagc any byte but '"' (and NUL, the end here). */
static int list_well_formed(const char *s)
{
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == ',')
            s++;
        if (!*s)
            return 1;
        if (s[0] == 'W' && s[1] == '/')
            s += 2;
        if (*s++ != '"')
            return 0;
        while (*s && *s != '"')
            s++;
        if (*s++ != '"')
            return 0;
        if (*s && *s != ' ' && *s != '\t' && *s != ',')
            return 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    if (!in)
        abort();
    memcpy(in, data, size);
    in[size] = '\0';

    char v[24], first[24] = "";
    const char *got = etag_if_match(in, "client", "42", NULL, v, sizeof v);
    int star = got != NULL && !strcmp(got, "") && got != v;
    CHECK(got != NULL);
    if (got == v) {
        CHECK(strlen(v) > 0 && strspn(v, "0123456789") == strlen(v));
        char tag[ETAG_BUFSZ];
        etag_make(tag, "client", "42", v, NULL);
        CHECK(strstr(in, tag + 1) != NULL);
        snprintf(first, sizeof first, "%s", v);
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
    CHECK(got != NULL);
    if (first[0])
        CHECK(got == v && !strcmp(v, first));         /* the first tag that is this record's wins */
    else if (star)
        CHECK(!strcmp(got, ETAG_NO_VERSION));        /* "*, <tag>" is not "*" */
    else if (list_well_formed(in))
        CHECK(got == v && !strcmp(v, "5"));           /* nothing in a well-formed list stops the walk */
    else
        CHECK(got == v || !strcmp(got, ETAG_NO_VERSION));
    CHECK(strcmp(got, "") != 0);                    /* never "*" once a tag follows */
    free(more);
    free(in);
    return 0;
}
