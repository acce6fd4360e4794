/*
 * json_strict.h - what json-c lets through but the registry refuses in a request body: duplicate keys in an
 * object (json-c silently keeps the last one, so "national_id" could be checked in one form and stored in another),
 * \u0000 escapes, and lone UTF-16 surrogate escapes. Run on text json-c has already parsed, so it may assume the
 * grammar is right; it still never reads past len.
 */
#ifndef REGISTRY_JSON_STRICT_H
#define REGISTRY_JSON_STRICT_H

#include <stddef.h>

/* 0 when the text is acceptable; -1 with a short English reason in err otherwise. */
int json_strict_check(const char *text, size_t len, char *err, size_t errlen);

struct json_object;
/* A request body as the registry takes it: json-c's strict parse (depth 64, UTF-8 checked), then nothing but JSON
 * whitespace after the value, then json_strict_check. Returns the object (the caller owns its one reference), or
 * NULL with the client's explanation in detail. The pure core of the server's body reading, and what its fuzz
 * target calls. */
struct json_object *json_body_parse(const char *data, size_t len, char *detail, size_t detail_len);

#endif
