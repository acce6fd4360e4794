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

#endif
