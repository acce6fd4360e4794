/*
 * token.c - session tokens and bearer header parsing. See token.h.
 */
#include "common/token.h"

#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int is_b64url(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int token_generate(char out[TOKEN_BUFSZ])
{
    if (!out)
        return -1;
    out[0] = '\0';
    unsigned char raw[TOKEN_BYTES + 1];   /* one zero byte of slack makes the last group a full triple */
    ERR_set_mark();
    int ok = RAND_bytes(raw, TOKEN_BYTES) == 1;
    ERR_pop_to_mark();
    if (!ok) {
        OPENSSL_cleanse(raw, sizeof raw);
        return -1;
    }
    raw[TOKEN_BYTES] = 0;
    size_t o = 0;
    for (size_t i = 0; i < TOKEN_BYTES; i += 3) {
        uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
        char quad[4] = {B64URL[v >> 18 & 63], B64URL[v >> 12 & 63], B64URL[v >> 6 & 63], B64URL[v & 63]};
        for (int k = 0; k < 4 && o < TOKEN_CHARS; k++)
            out[o++] = quad[k];
    }
    out[TOKEN_CHARS] = '\0';
    OPENSSL_cleanse(raw, sizeof raw);
    return 0;
}

void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_BUFSZ])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[SHA256_DIGEST_LENGTH];
    static const unsigned char empty[1];
    SHA256(data ? data : empty, data ? len : 0, md);
    for (size_t i = 0; i < sizeof md; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[2 * SHA256_DIGEST_LENGTH] = '\0';
}

int token_hash_hex(const char *token, char out[SHA256_HEX_BUFSZ])
{
    if (out)
        out[0] = '\0';
    if (!token || !out)
        return -1;
    sha256_hex(token, strlen(token), out);
    return 0;
}

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

int bearer_parse(const char *authorization_header, char token[TOKEN_BUFSZ])
{
    if (token)
        token[0] = '\0';
    const char *s = authorization_header;
    if (!s || !token)
        return -1;
    while (is_ows(*s))
        s++;
    static const char scheme[] = "bearer";
    for (size_t i = 0; i < sizeof scheme - 1; i++, s++) {
        char c = *s;   /* a NUL here mismatches and stops the loop before s passes it */
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != scheme[i])
            return -1;
    }
    if (*s != ' ')
        return -1;
    while (*s == ' ')
        s++;
    size_t n = 0;
    while (n < TOKEN_CHARS && is_b64url((unsigned char)s[n]))
        n++;
    if (n != TOKEN_CHARS)
        return -1;
    const char *t = s + n;
    while (is_ows(*t))
        t++;
    if (*t != '\0')
        return -1;
    memcpy(token, s, TOKEN_CHARS);
    token[TOKEN_CHARS] = '\0';
    return 0;
}
