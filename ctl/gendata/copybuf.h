/* copybuf.h - rows for COPY ... FROM STDIN in text format, written into a buffer sent in 4 MiB chunks. A row is
 * cb_row() then its fields separated by cb_tab() and ended by cb_ch(b, '\n'); no field may hold a tab, a newline or
 * a backslash (the generators' values never do), so nothing is escaped. Inline: tens of millions of fields. */
#ifndef REGISTRY_GENDATA_COPYBUF_H
#define REGISTRY_GENDATA_COPYBUF_H

#include <libpq-fe.h>
#include <stdint.h>
#include <string.h>

#include "common/jalali.h"

#define COPY_CHUNK (4u << 20)
#define ROW_MAX 4096 /* the longest row a generator writes */

typedef struct {
    PGconn *pg;
    char *buf;
    size_t len;
    int failed;
    int64_t rows;
} copybuf;

/* sends what the buffer holds; a failure is kept in b->failed and stops later sends */
void cb_flush(copybuf *b);

/* every row starts here: room for one row */
static inline void cb_row(copybuf *b)
{
    if (b->len + ROW_MAX > COPY_CHUNK)
        cb_flush(b);
    b->rows++;
}

static inline void cb_mem(copybuf *b, const char *s, size_t n)
{
    memcpy(b->buf + b->len, s, n);
    b->len += n;
}

static inline void cb_str(copybuf *b, const char *s)
{
    cb_mem(b, s, strlen(s));
}

static inline void cb_ch(copybuf *b, char c)
{
    b->buf[b->len++] = c;
}

static inline void cb_tab(copybuf *b)
{
    cb_ch(b, '\t');
}

static inline void cb_null(copybuf *b)
{
    cb_mem(b, "\\N", 2);
}

static inline void cb_i64(copybuf *b, int64_t v)
{
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        cb_ch(b, '-');
    while (n)
        cb_ch(b, tmp[--n]);
}

/* an integer, or \N when it is not positive (no place, no center) */
static inline void cb_id_or_null(copybuf *b, int64_t v)
{
    if (v > 0)
        cb_i64(b, v);
    else
        cb_null(b);
}

/* a Gregorian date given as days since 1970-01-01 */
static inline void cb_date(copybuf *b, int64_t days)
{
    char s[11];
    date_format(days_to_gregorian(days), s);
    cb_mem(b, s, 10);
}

#endif
