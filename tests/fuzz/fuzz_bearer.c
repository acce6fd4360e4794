/*
 * fuzz_bearer.c - properties of bearer_parse() and the SHA-256 helpers in common/token.c:
 *   the input (cut at its first NUL, as a C string) is accepted exactly when an independent classifier
 *   written here with strncasecmp/strspn accepts it;
 *   on success the token is 43 characters of [A-Za-z0-9_-] followed by a NUL, it appears verbatim in the
 *   input, and "Bearer " + token, and a differently spelled "bEARER   token \t", parse back to the same token;
 *   on failure the output is "";
 *   sha256_hex gives 64 lowercase hex digits and agrees with token_hash_hex on the same bytes.
 * The input is copied to an exact-size buffer, so any read past the NUL trips AddressSanitizer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/token.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static const char URLSAFE[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int reference_accepts(const char *s, char want[TOKEN_BUFSZ])
{
    size_t b = 0, e = strlen(s);
    while (b < e && (s[b] == ' ' || s[b] == '\t'))
        b++;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t'))
        e--;
    if (e - b < 7 || strncasecmp(s + b, "bearer ", 7) != 0)
        return 0;
    b += 7;
    while (b < e && s[b] == ' ')
        b++;
    if (e - b != 43)
        return 0;
    for (size_t i = b; i < e; i++)
        if (!strchr(URLSAFE, s[i]) || s[i] == '\0')
            return 0;
    memcpy(want, s + b, 43);
    want[43] = '\0';
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    if (!in)
        abort();
    memcpy(in, data, size);
    in[size] = '\0';

    char tok[TOKEN_BUFSZ], want[TOKEN_BUFSZ];
    memset(tok, 'X', sizeof tok);
    int rc = bearer_parse(in, tok);
    CHECK(rc == 0 || rc == -1);
    CHECK(rc == 0 ? reference_accepts(in, want) : !reference_accepts(in, want));
    if (rc == 0) {
        CHECK(strlen(tok) == 43 && strspn(tok, URLSAFE) == 43);
        CHECK(strcmp(tok, want) == 0);
        CHECK(strstr(in, tok) != NULL);

        char hdr[80], again[TOKEN_BUFSZ];
        snprintf(hdr, sizeof hdr, "Bearer %s", tok);
        CHECK(bearer_parse(hdr, again) == 0 && strcmp(again, tok) == 0);
        snprintf(hdr, sizeof hdr, "bEARER   %s \t", tok);
        CHECK(bearer_parse(hdr, again) == 0 && strcmp(again, tok) == 0);
        /* one character more or less is refused */
        snprintf(hdr, sizeof hdr, "Bearer %.42s", tok);
        CHECK(bearer_parse(hdr, again) == -1 && again[0] == '\0');
        snprintf(hdr, sizeof hdr, "Bearer %sA", tok);
        CHECK(bearer_parse(hdr, again) == -1 && again[0] == '\0');

        char h1[SHA256_HEX_BUFSZ], h2[SHA256_HEX_BUFSZ];
        CHECK(token_hash_hex(tok, h1) == 0);
        sha256_hex(tok, 43, h2);
        CHECK(strcmp(h1, h2) == 0);
    } else {
        CHECK(tok[0] == '\0');
    }

    char hx[SHA256_HEX_BUFSZ];
    sha256_hex(data, size, hx);
    CHECK(strlen(hx) == 64 && strspn(hx, "0123456789abcdef") == 64);
    if (strlen(in) == size) {
        char hy[SHA256_HEX_BUFSZ];
        CHECK(token_hash_hex(in, hy) == 0 && strcmp(hx, hy) == 0);
    }
    free(in);
    return 0;
}
