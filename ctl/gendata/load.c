/* load.c - SQL helpers, and loading one table from its description (gd_table, gendata.h).
 *
 * One transaction per table: lock it against other writers, take ids past its rows and its identity sequence,
 * COPY the generated rows (the columns an API caller would send) into a temporary table, then insert them:
 * - as a superuser, with triggers off (session_replication_role = replica: neither ours nor the foreign-key
 *   checks fire) in one INSERT ... SELECT that computes the columns the triggers would have derived with the same
 *   SQL functions and lookups, set-based (gd_table.derived); the references are right by construction;
 * - as another role, which cannot turn triggers off, with every trigger on (much slower).
 * Then the sequence is moved past the new rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/ctl.h"
#include "ctl/gendata/gendata.h"

double now_secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fprintf(stderr, "registryctl: gen-data: out of memory\n");
        exit(CTL_FAIL);
    }
    return p;
}

char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p) {
        fprintf(stderr, "registryctl: gen-data: out of memory\n");
        exit(CTL_FAIL);
    }
    return p;
}

int64_t scaled(double base, double scale)
{
    double v = base * scale + 0.5;
    return v < 1 ? 0 : (int64_t)v;
}

/* ---- SQL helpers ------------------------------------------------------------------------------------------- */

PGresult *q(gen_t *g, const char *sql, int n, const char *const *params, ExecStatusType want)
{
    PGresult *r = PQexecParams(g->pg, sql, n, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != want) {
        fprintf(stderr, "registryctl: gen-data: %s", PQerrorMessage(g->pg));
        PQclear(r);
        return NULL;
    }
    return r;
}

int exec_ok(gen_t *g, const char *sql)
{
    PGresult *r = q(g, sql, 0, NULL, PGRES_COMMAND_OK);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

int64_t query_int(gen_t *g, const char *sql, int n, const char *const *params)
{
    PGresult *r = q(g, sql, n, params, PGRES_TUPLES_OK);
    if (!r)
        return -1;
    int64_t v = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    return v;
}

/* a text[] literal of strings holding no quote or backslash */
char *array_literal(const char *const *items, size_t n)
{
    size_t len = 3;
    for (size_t i = 0; i < n; i++)
        len += strlen(items[i]) + 3;
    char *s = xcalloc(len, 1), *p = s;
    *p++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        *p++ = '"';
        size_t k = strlen(items[i]);
        memcpy(p, items[i], k);
        p += k;
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return s;
}

void cb_flush(copybuf *b)
{
    if (b->len && !b->failed && PQputCopyData(b->pg, b->buf, (int)b->len) != 1)
        b->failed = 1;
    b->len = 0;
}

/* The search-key copy a table keeps in step by trigger (migration 0009), or NULL */
static const char *names_table(const char *table)
{
    if (strcmp(table, "clients") == 0)
        return "client_names";
    if (strcmp(table, "staff") == 0)
        return "staff_names";
    return NULL;
}

/* Drops a table's indexes that nothing depends on (all but the primary key and constraints' indexes), inside the
 * caller's transaction; returns their names and definitions for build_indexes(), or NULL on error. */
static PGresult *drop_indexes(gen_t *g, const char *table)
{
    char sql[512];
    const char *p[] = {table};
    PGresult *idx = q(g,
                      "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
                      " WHERE i.indrelid = $1::regclass"
                      " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
                      " ORDER BY i.indexrelid",
                      1, p, PGRES_TUPLES_OK);
    PGresult *mw = idx ? q(g,
                           "SELECT set_config('maintenance_work_mem', '512MB', true) FROM pg_settings"
                           " WHERE name = 'maintenance_work_mem' AND setting::bigint < 512 * 1024",
                           0, NULL, PGRES_TUPLES_OK)
                       : NULL;
    if (!mw) {
        PQclear(idx);
        return NULL;
    }
    PQclear(mw);
    for (int i = 0; i < PQntuples(idx); i++) {
        snprintf(sql, sizeof(sql), "DROP INDEX %s", PQgetvalue(idx, i, 0));
        if (exec_ok(g, sql) != 0) {
            PQclear(idx);
            return NULL;
        }
    }
    return idx;
}

static int build_indexes(gen_t *g, const PGresult *idx)
{
    for (int i = 0; i < PQntuples(idx); i++)
        if (exec_ok(g, PQgetvalue(idx, i, 1)) != 0)
            return -1;
    return 0;
}

/* The INSERT's column list and the matching SELECT list over the staged rows `s`: the written columns that no
 * trigger derives as they are, then each derived column computed by its SQL. 0, or -1 when they do not fit. */
static int insert_lists(const gd_table *t, char *cols, size_t ncols, char *sel, size_t nsel)
{
    size_t lc = 0, ls = 0;
    cols[0] = sel[0] = '\0';
    for (const char *c = t->columns; *c;) {
        size_t n = strcspn(c, ",");
        int derived = 0;
        for (const gd_derived *d = t->derived; d->column; d++)
            derived |= strlen(d->column) == n && !strncmp(d->column, c, n);
        if (!derived) {
            lc += (size_t)snprintf(cols + lc, lc < ncols ? ncols - lc : 0, "%s%.*s", lc ? ", " : "", (int)n, c);
            ls += (size_t)snprintf(sel + ls, ls < nsel ? nsel - ls : 0, "%ss.%.*s", ls ? ", " : "", (int)n, c);
        }
        c += n;
        c += strspn(c, ", ");
    }
    for (const gd_derived *d = t->derived; d->column; d++) {
        lc += (size_t)snprintf(cols + lc, lc < ncols ? ncols - lc : 0, ", %s", d->column);
        ls += (size_t)snprintf(sel + ls, ls < nsel ? nsel - ls : 0, ", %s", d->sql);
    }
    return lc < ncols && ls < nsel ? 0 : -1;
}

/* Moves the staged rows into the table; -1 unless exactly `expect` arrive (a derivation's join that found no
 * match would drop a row). */
static int insert_staged(gen_t *g, const gd_table *t, int64_t expect)
{
    char sql[8192], cols[1024], sel[4096];
    if (g->superuser) {
        if (insert_lists(t, cols, sizeof(cols), sel, sizeof(sel)) != 0)
            return -1;
        snprintf(sql, sizeof(sql), "INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM gen_stage s%s", t->name,
                 cols, sel, t->joins);
    } else
        snprintf(sql, sizeof(sql), "INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT * FROM gen_stage ORDER BY id",
                 t->name, t->columns);
    PGresult *r = q(g, sql, 0, NULL, PGRES_COMMAND_OK);
    if (!r)
        return -1;
    int64_t got = atoll(PQcmdTuples(r));
    PQclear(r);
    if (got != expect) {
        fprintf(stderr, "registryctl: gen-data: %s: %lld of %lld rows inserted\n", t->name, (long long)got,
                (long long)expect);
        return -1;
    }
    return 0;
}

/* COPY the rows t->rows() writes into gen_stage, a temporary table of t's written columns; 0 or -1 */
static int copy_staged(gen_t *g, const gd_table *t, int64_t expect, int64_t base)
{
    char sql[2048];
    snprintf(sql, sizeof(sql), "CREATE TEMP TABLE gen_stage ON COMMIT DROP AS SELECT %s FROM %s WITH NO DATA",
             t->columns, t->name);
    if (exec_ok(g, sql) != 0)
        return -1;
    snprintf(sql, sizeof(sql), "COPY gen_stage (%s) FROM STDIN", t->columns);
    PGresult *r = PQexec(g->pg, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        fprintf(stderr, "registryctl: gen-data: %s: %s", t->name, PQerrorMessage(g->pg));
        PQclear(r);
        return -1;
    }
    PQclear(r);
    copybuf *b = &g->cb;
    b->len = 0;
    b->failed = 0;
    b->rows = 0;
    int grc = t->rows(g, b, base);
    cb_flush(b);
    int bad = grc != 0 || b->failed || b->rows != expect;
    if (bad && !b->failed && grc == 0)
        fprintf(stderr, "registryctl: gen-data: %s: made %lld rows instead of %lld\n", t->name, (long long)b->rows,
                (long long)expect);
    if (PQputCopyEnd(g->pg, bad ? "gen-data failed" : NULL) != 1)
        bad = 1;
    r = PQgetResult(g->pg);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        if (!bad || b->failed)
            fprintf(stderr, "registryctl: gen-data: %s: %s", t->name, PQerrorMessage(g->pg));
        bad = 1;
    }
    PQclear(r);
    while ((r = PQgetResult(g->pg)))
        PQclear(r);
    return bad ? -1 : 0;
}

/* See the top of this file. A superuser adding many rows (at least a quarter of what the table holds) also drops
 * the table's indexes that nothing depends on (all but the primary key and constraints' indexes) in the same
 * transaction and builds them again from their definitions after the insert: building an index is several times
 * faster than growing it a row at a time (a trigram GIN index above all). Readers of the table wait for the
 * transaction meanwhile. */
int load_table(gen_t *g, const gd_table *t, int64_t expect, int64_t *base, table_stat *st)
{
    char sql[1024];
    double t0 = now_secs(), t_index = 0;
    PGresult *idx = NULL, *names_idx = NULL;
    const char *names = names_table(t->name);
    if (exec_ok(g, "BEGIN") != 0)
        return -1;
    /* The derivations are equality joins of the staged rows (a temporary table without statistics) with a lookup:
     * hash joins, holding the lookup's few columns in memory (services: every client's place), keep them one pass
     * over the rows in their order, where the planner would otherwise sort millions of rows for a merge join or
     * probe an index once per row. */
    if ((g->superuser && (exec_ok(g, "SET LOCAL session_replication_role = replica") != 0 ||
                          exec_ok(g, "SET LOCAL work_mem = '256MB'") != 0 ||
                          exec_ok(g, "SET LOCAL enable_mergejoin = off") != 0 ||
                          exec_ok(g, "SET LOCAL enable_nestloop = off") != 0)) ||
        exec_ok(g, "SET LOCAL synchronous_commit = off") != 0)
        goto fail;
    snprintf(sql, sizeof(sql), "LOCK TABLE %s IN EXCLUSIVE MODE", t->name);
    if (exec_ok(g, sql) != 0)
        goto fail;
    snprintf(sql, sizeof(sql),
             "SELECT greatest(coalesce(max(id), 0),"
             " coalesce(pg_sequence_last_value(pg_get_serial_sequence('%s', 'id')::regclass), 0)) FROM %s",
             t->name, t->name);
    *base = query_int(g, sql, 0, NULL);
    if (*base < 0 || (t->prepare && t->prepare(g, *base) != 0))
        goto fail;
    if (g->superuser && expect >= 10000) {
        const char *p[] = {t->name};
        int64_t have = query_int(g, "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = $1::regclass", 1, p);
        if (have >= 0 && expect >= have / 4) {
            idx = drop_indexes(g, t->name);
            if (!idx || (names && !(names_idx = drop_indexes(g, names))))
                goto fail;
        }
    }
    if (copy_staged(g, t, expect, *base) != 0 || insert_staged(g, t, expect) != 0)
        goto fail;
    /* triggers were off: copy the new rows' search keys (migration 0009) as the trigger would have */
    if (names && g->superuser) {
        char after[32];
        snprintf(after, sizeof(after), "%lld", (long long)*base);
        const char *p[] = {strcmp(t->name, "clients") == 0 ? "client" : "staff", after};
        PGresult *nr = q(g, "SELECT registry_names_refresh($1, $2::bigint)", 2, p, PGRES_TUPLES_OK);
        if (!nr)
            goto fail;
        PQclear(nr);
    }
    t_index = now_secs();
    if ((idx && build_indexes(g, idx) != 0) || (names_idx && build_indexes(g, names_idx) != 0))
        goto fail;
    t_index = now_secs() - t_index;
    if (expect > 0) {
        char last[32];
        snprintf(last, sizeof(last), "%lld", (long long)(*base + expect));
        const char *p[] = {last};
        snprintf(sql, sizeof(sql), "SELECT setval(pg_get_serial_sequence('%s', 'id'), $1::bigint)", t->name);
        PGresult *sr = q(g, sql, 1, p, PGRES_TUPLES_OK);
        if (!sr)
            goto fail;
        PQclear(sr);
    }
    if (exec_ok(g, "COMMIT") != 0)
        return -1;
    st->rows = expect;
    st->secs = now_secs() - t0;
    printf("  %-12s %10lld rows %8.1f s", t->name, (long long)expect, st->secs);
    if (idx)
        printf("  (%d indexes built again in %.1f s)", PQntuples(idx) + (names_idx ? PQntuples(names_idx) : 0),
               t_index);
    printf("\n");
    fflush(stdout);
    PQclear(idx);
    PQclear(names_idx);
    return 0;
fail:
    PQclear(idx);
    PQclear(names_idx);
    PQclear(PQexec(g->pg, "ROLLBACK"));
    fprintf(stderr, "registryctl: gen-data: loading %s failed; it was rolled back (the tables loaded before it"
                    " stay)\n", t->name);
    return -1;
}
