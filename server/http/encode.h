/*
 * encode.h - rows from PostgreSQL (text format) straight into JSON or CSV, driven by a column description.
 * One pass, no intermediate objects. Every date column X is written twice: X (ISO) and X_jalali.
 */
#ifndef REGISTRY_ENCODE_H
#define REGISTRY_ENCODE_H

#include <libpq-fe.h>

#include "common/strbuf.h"

typedef enum {
    COL_TEXT,       /* JSON string, or null */
    COL_INT,        /* JSON number as PostgreSQL printed it */
    COL_BOOL,       /* t/f to true/false */
    COL_DATE,       /* YYYY-MM-DD, plus X_jalali */
    COL_TIMESTAMP,  /* timestamptz, printed by PostgreSQL as ISO 8601 (the session runs in UTC) */
    COL_JSON,       /* already JSON (json/jsonb column), copied verbatim */
    COL_HIDDEN,     /* fetched for the server's own use (e.g. a scope column), not shown */
} col_type;

typedef struct col_spec {
    const char *name;
    col_type type;
} col_spec;

#define NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Column i of the result is described by cols[i]. */
void encode_row_json(strbuf *sb, const PGresult *r, int row, const col_spec *cols, int ncols);
/* {"items":[rows 0..nrows-1],"next_cursor":"..."|null} */
void encode_list_json(strbuf *sb, const PGresult *r, int nrows, const col_spec *cols, int ncols,
                      const char *next_cursor);
/* UTF-8 BOM, a header row, then the rows (RFC 4180; cells that a spreadsheet would run as a formula are
 * prefixed with an apostrophe). */
void encode_list_csv(strbuf *sb, const PGresult *r, int nrows, const col_spec *cols, int ncols);

#endif
