/*
 * strbuf.h - a growable byte buffer for building log lines, CSV and other text. Always NUL-terminated.
 */
#ifndef REGISTRY_STRBUF_H
#define REGISTRY_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct strbuf {
    char *data;
    size_t len, cap;
} strbuf;

#define STRBUF_INIT {NULL, 0, 0}

void strbuf_reserve(strbuf *sb, size_t extra);
void strbuf_append(strbuf *sb, const char *s, size_t n);
void strbuf_puts(strbuf *sb, const char *s);
void strbuf_putc(strbuf *sb, char c);
void strbuf_printf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included; bytes < 0x20 are escaped, UTF-8 passes through. */
void strbuf_json_string(strbuf *sb, const char *s);
void strbuf_clear(strbuf *sb);
void strbuf_free(strbuf *sb);

#endif
