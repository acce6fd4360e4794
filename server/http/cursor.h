/*
 * cursor.h - opaque keyset cursors. A cursor carries the sort key of the last row of a page (several values
 * joined by US, 0x1f), versioned and base64url-encoded; clients must treat it as opaque. A cursor never grants
 * anything: the next page is still filtered by the caller's scope.
 */
#ifndef REGISTRY_CURSOR_H
#define REGISTRY_CURSOR_H

#include "common/arena.h"

char *cursor_encode(arena *a, const char *const *values, int n);
/* Splits a cursor into exactly n values; returns -1 when it is not a cursor this server made. */
int cursor_decode(arena *a, const char *cursor, char **values, int n);

#endif
