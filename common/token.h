/*
 * token.h - session tokens: generation, the SHA-256 under which they are stored, and parsing them out of an
 * "Authorization: Bearer ..." header. Thread-safe; no allocation.
 *
 * A token is 32 random bytes written as base64url without padding: 43 characters of [A-Za-z0-9_-]. Only
 * its SHA-256 (token_hash_hex) is stored, so a database dump does not hand out live sessions.
 */
#ifndef REGISTRY_TOKEN_H
#define REGISTRY_TOKEN_H

#include <stddef.h>

#define TOKEN_BYTES 32
#define TOKEN_CHARS 43        /* base64url of 32 bytes, no padding */
#define TOKEN_BUFSZ 44        /* TOKEN_CHARS + NUL */
#define SHA256_HEX_BUFSZ 65   /* 64 lowercase hex digits + NUL */

/* Fills out with a fresh token (RAND_bytes) and a NUL. Returns 0, or -1 (out is then "") if the random
 * generator fails or out is NULL. */
int token_generate(char out[TOKEN_BUFSZ]);

/* Lowercase hex SHA-256 of the bytes of the NUL-terminated string token. Returns 0, or -1 if either argument
 * is NULL (out, if given, is then ""). */
int token_hash_hex(const char *token, char out[SHA256_HEX_BUFSZ]);

/* Lowercase hex SHA-256 of data[0..len) into out (64 digits + NUL). data may be NULL only when len is 0. */
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_BUFSZ]);

/* Parses an Authorization header value: optional leading spaces/tabs, the scheme "Bearer" (any case), one or
 * more spaces, exactly 43 base64url characters, optional trailing spaces/tabs, end of string. Anything else
 * (no scheme, another scheme, a token of any other length, '+', '/', '=' padding, trailing characters) is
 * refused. Reads the string only up to its NUL. Returns 0 with the token and a NUL in token, or -1 with
 * token set to "" (when token is not NULL); a NULL header is -1. */
int bearer_parse(const char *authorization_header, char token[TOKEN_BUFSZ]);

#endif
