/*
 * result.h - reading a statement's result by column name. Handlers use these instead of libpq, so no handler
 * writes a column number (a SELECT that gains a column cannot shift another's meaning) and every SQL NULL is a
 * C NULL. Asking for a column the statement does not return is a programming error: it aborts in debug builds
 * (every test that reaches the line finds it) and reads as NULL, logged, in release builds.
 *
 * For a hot path that reads many rows, look the position up once per result with db_col and read by position.
 */
#ifndef REGISTRY_DB_RESULT_H
#define REGISTRY_DB_RESULT_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

/* Rows in r (0 for NULL). */
int db_nrows(const PGresult *r);
/* Position of column name in r, or -1 after the programming-error handling above. */
int db_col(const PGresult *r, const char *name);
/* Row row's value at position col (from db_col); NULL for SQL NULL or col -1. */
const char *db_at(const PGresult *r, int row, int col);
/* Row row's value of column name; NULL for SQL NULL. */
const char *db_get(const PGresult *r, int row, const char *name);
/* The same as a whole number; def when NULL. The registry's integer columns always parse. */
int64_t db_get_int(const PGresult *r, int row, const char *name, int64_t def);
/* A boolean column: true only for PostgreSQL's 't'. */
bool db_get_bool(const PGresult *r, int row, const char *name);

#endif
