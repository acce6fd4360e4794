/*
 * arena.h - a region allocator: everything a request allocates comes from its arena and is released in one
 * place, when the request ends (the idea of PostgreSQL's memory contexts, reduced to what a request needs).
 * Cleanup callbacks let non-arena resources (PGresult, json_object) ride the same lifetime.
 */
#ifndef REGISTRY_ARENA_H
#define REGISTRY_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct arena arena;
typedef void (*arena_cleanup_fn)(void *ptr);

arena *arena_new(size_t first_block);
/* Runs cleanups (last registered first) and frees every block but the first, so the arena can be reused. */
void arena_reset(arena *a);
void arena_free(arena *a);

void *arena_alloc(arena *a, size_t n);   /* 16-byte aligned; aborts on out-of-memory */
void *arena_calloc(arena *a, size_t n);
char *arena_strdup(arena *a, const char *s);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_sprintf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vsprintf(arena *a, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void arena_on_reset(arena *a, arena_cleanup_fn fn, void *ptr);
size_t arena_bytes_used(const arena *a);

#endif
