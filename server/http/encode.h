/*
 * encode.h - rows from PostgreSQL (text format) straight into JSON or CSV, driven by a column description.
 * One pass, no intermediate objects. Every date column X is written twice: X (ISO) and X_jalali.
 */
#ifndef REGISTRY_ENCODE_H
#define REGISTRY_ENCODE_H

#include <libpq-fe.h>

#include "common/strbuf.h"

/* A timestamp as the API shows it (COL_TIMESTAMP made in SQL): UTC, ISO 8601 with Z. SQL_UTC_TS(col): column
 * t.col under its own name. */
#define SQL_UTC_TS_OF(expr) "to_char(" expr " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define SQL_UTC_TS(col) SQL_UTC_TS_OF("t." col) " AS " col

typedef enum {
    COL_TEXT,       /* JSON string, or null */
    COL_INT,        /* JSON number as PostgreSQL printed it */
    COL_BOOL,       /* t/f to true/false */
    COL_DATE,       /* YYYY-MM-DD, plus X_jalali */
    COL_TIMESTAMP,  /* timestamptz: as to_char(.. 'YYYY-MM-DD"T"HH24:MI:SS"Z"') made it, or the column itself
                       (encode_timestamp turns it into that form: cheaper than to_char in PostgreSQL) */
    COL_JSON,       /* already JSON (json/jsonb column), copied verbatim */
    COL_HIDDEN,     /* fetched for the server's own use (e.g. a scope column), not shown */
    COL_TEXT_ARRAY, /* text[] (or an enum array) as PostgreSQL prints it, written as a JSON array of strings */
    COL_TYPE_SEVERITY, /* this column and the next (hidden): {"type": this, "severity": next}, or null when this is
                       null - a client's disability, without jsonb_build_object in PostgreSQL */
} col_type;

typedef struct col_spec {
    const char *name;
    col_type type;
} col_spec;

#define NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* A timestamptz as PostgreSQL prints it in a UTC session with DateStyle ISO ("2026-11-23 18:22:07.123456+00")
 * as JSON's usual "2026-11-23T18:22:07Z" (whole seconds, as the API has always shown them), unquoted; anything
 * else (already in that form, or unexpected) is written as it is. */
void encode_timestamp(strbuf *sb, const char *v);
/* A one-dimensional PostgreSQL array literal ({a,"b c",NULL}) as a JSON array (["a", "b c", null]); returns -1,
 * writing nothing, when v is not one. */
int encode_pg_array(strbuf *sb, const char *v);

/* Column i of the result is described by cols[i]. */
void encode_row_json(strbuf *sb, const PGresult *r, int row, const col_spec *cols, int ncols);
/* {"items":[rows 0..nrows-1],"next_cursor":"..."|null} */
void encode_list_json(strbuf *sb, const PGresult *r, int nrows, const col_spec *cols, int ncols,
                      const char *next_cursor);
/* UTF-8 BOM, a header row, then the rows (RFC 4180; cells that a spreadsheet would run as a formula are
 * prefixed with an apostrophe). */
void encode_list_csv(strbuf *sb, const PGresult *r, int nrows, const col_spec *cols, int ncols);

#endif
