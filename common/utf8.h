/*
 * utf8.h - strict UTF-8 validation and decoding (RFC 3629). Pure functions, no allocation, thread-safe.
 */
#ifndef REGISTRY_UTF8_H
#define REGISTRY_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Returns 0 if s[0..len) is well-formed UTF-8, -1 otherwise. Rejects overlong forms, surrogates
 * (U+D800..U+DFFF), code points above U+10FFFF, truncated sequences and NUL bytes: a NUL inside data we
 * later treat as a C string would silently cut it short. */
int utf8_validate(const char *s, size_t len);

/* Decodes one code point from s[0..len). Returns the number of bytes consumed (1..4) and stores the code
 * point in *cp, or returns -1 (with *cp untouched) if the sequence is malformed by the rules above, or
 * len == 0. A NUL byte decodes as U+0000 with length 1; utf8_validate() is the one that refuses it. */
int utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Encodes cp into out (no NUL added). Returns the byte length 1..4, or 0 for a surrogate or cp > U+10FFFF. */
size_t utf8_encode(uint32_t cp, char out[4]);

#endif
