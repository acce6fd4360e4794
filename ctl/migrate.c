/*
 * migrate.c - `registryctl migrate`: applies migrations/NNNN_name.sql in order, each once, each in its own
 * transaction, recording a SHA-256 checksum; refuses to run when an applied file has since changed.
 *
 * A migration may load a data file that ships beside it with a directive line:
 *     -- registry:copy TABLE (COLUMNS) FROM data/file.csv
 * The CSV (with a header row) is streamed through COPY inside the same transaction, and its bytes are part of the
 * migration's checksum, so editing the data counts as editing the migration.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "common/strbuf.h"
#include "ctl/ctl.h"

#define MIGRATE_LOCK_KEY "727274001"
#define COPY_DIRECTIVE "-- registry:copy "

typedef struct migration {
    char *file;       /* 0001_name.sql */
    int version;
    char checksum[65];
} migration;

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    strbuf sb = STRBUF_INIT;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        strbuf_append(&sb, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        strbuf_free(&sb);
        return NULL;
    }
    if (!sb.data)
        strbuf_append(&sb, "", 0);
    *len = sb.len;
    return sb.data;
}

static int cmp_migration(const void *a, const void *b)
{
    return ((const migration *)a)->version - ((const migration *)b)->version;
}

/* Parses "-- registry:copy SPEC FROM PATH"; returns 0 and pointers into line (NUL-terminated in place). */
static int parse_copy(char *line, char **spec, char **path)
{
    char *s = line + strlen(COPY_DIRECTIVE);
    char *from = strstr(s, " FROM ");
    if (!from)
        return -1;
    *from = '\0';
    *spec = s;
    *path = from + 6;
    char *e = *path + strlen(*path);
    while (e > *path && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '))
        *--e = '\0';
    if (!**path || **path == '/' || strstr(*path, ".."))
        return -1;
    return 0;
}

/* Checksum over the SQL and every data file it copies from. */
static int checksum(const char *dir, const migration *m, char out[65], char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, m->file);
    size_t len;
    char *sql = read_file(path, &len);
    if (!sql) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    EVP_DigestUpdate(md, sql, len);
    int rc = 0;
    for (char *line = sql; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, COPY_DIRECTIVE, strlen(COPY_DIRECTIVE)) != 0)
            continue;
        char *nl = strchr(line, '\n');
        size_t ll = nl ? (size_t)(nl - line) : strlen(line);
        char *copy = strndup(line, ll), *spec, *dpath;
        if (parse_copy(copy, &spec, &dpath) != 0) {
            snprintf(err, errlen, "%s: malformed copy directive: %.*s", m->file, (int)ll, line);
            rc = -1;
        } else {
            char full[4096];
            size_t dlen;
            snprintf(full, sizeof(full), "%s/%s", dir, dpath);
            char *data = read_file(full, &dlen);
            if (!data) {
                snprintf(err, errlen, "%s: cannot read %s: %s", m->file, full, strerror(errno));
                rc = -1;
            } else {
                EVP_DigestUpdate(md, data, dlen);
                free(data);
            }
        }
        free(copy);
        if (rc)
            break;
    }
    unsigned char digest[32];
    unsigned int dl;
    EVP_DigestFinal_ex(md, digest, &dl);
    EVP_MD_CTX_free(md);
    for (int i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02x", digest[i]);
    free(sql);
    return rc;
}

static int list_migrations(const char *dir, migration **out, int *n)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "registryctl: migrate: cannot open migrations directory %s: %s\n", dir, strerror(errno));
        return -1;
    }
    int cap = 16, cnt = 0;
    migration *ms = calloc((size_t)cap, sizeof(*ms));
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        const char *nm = e->d_name;
        size_t l = strlen(nm);
        if (l < 9 || strcmp(nm + l - 4, ".sql") != 0)
            continue;
        if (!(nm[0] >= '0' && nm[0] <= '9' && nm[1] >= '0' && nm[1] <= '9' && nm[2] >= '0' && nm[2] <= '9' &&
              nm[3] >= '0' && nm[3] <= '9' && nm[4] == '_')) {
            fprintf(stderr, "registryctl: migrate: %s/%s: name must look like 0001_what.sql\n", dir, nm);
            rc = -1;
            continue;
        }
        if (cnt == cap) {
            cap *= 2;
            ms = realloc(ms, (size_t)cap * sizeof(*ms));
        }
        ms[cnt].file = strdup(nm);
        ms[cnt].version = atoi(nm);
        cnt++;
    }
    closedir(d);
    qsort(ms, (size_t)cnt, sizeof(*ms), cmp_migration);
    for (int i = 1; i < cnt; i++)
        if (ms[i].version == ms[i - 1].version) {
            fprintf(stderr, "registryctl: migrate: %s and %s have the same number\n", ms[i - 1].file, ms[i].file);
            rc = -1;
        }
    *out = ms;
    *n = cnt;
    return rc;
}

static int exec_ok(PGconn *pg, const char *sql, const char *what)
{
    PGresult *r = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
        fprintf(stderr, "registryctl: migrate: %s: %s", what, PQerrorMessage(pg));
        PQclear(r);
        return -1;
    }
    PQclear(r);
    return 0;
}

static int copy_in(PGconn *pg, const char *dir, const char *spec, const char *path, const char *file)
{
    char full[4096];
    snprintf(full, sizeof(full), "%s/%s", dir, path);
    size_t len;
    char *data = read_file(full, &len);
    if (!data) {
        fprintf(stderr, "registryctl: migrate: %s: cannot read %s\n", file, full);
        return -1;
    }
    strbuf cmd = STRBUF_INIT;
    strbuf_printf(&cmd, "COPY %s FROM STDIN WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')", spec);
    PGresult *r = PQexec(pg, cmd.data);
    strbuf_free(&cmd);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        fprintf(stderr, "registryctl: migrate: %s: copy from %s: %s", file, path, PQerrorMessage(pg));
        PQclear(r);
        free(data);
        return -1;
    }
    PQclear(r);
    int ok = PQputCopyData(pg, data, (int)len) == 1 && PQputCopyEnd(pg, NULL) == 1;
    free(data);
    r = PQgetResult(pg);
    if (!ok || PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "registryctl: migrate: %s: copy from %s: %s", file, path, PQerrorMessage(pg));
        PQclear(r);
        while ((r = PQgetResult(pg)))
            PQclear(r);
        return -1;
    }
    PQclear(r);
    while ((r = PQgetResult(pg)))
        PQclear(r);
    return 0;
}

/* Runs the SQL of one migration, pausing at each copy directive to stream its data. */
static int apply_body(PGconn *pg, const char *dir, const migration *m)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, m->file);
    size_t len;
    char *sql = read_file(path, &len);
    if (!sql)
        return -1;
    strbuf chunk = STRBUF_INIT;
    int rc = 0;
    char *line = sql;
    while (line && *line && rc == 0) {
        char *nl = strchr(line, '\n');
        size_t ll = nl ? (size_t)(nl - line + 1) : strlen(line);
        if (strncmp(line, COPY_DIRECTIVE, strlen(COPY_DIRECTIVE)) == 0) {
            if (chunk.len && exec_ok(pg, chunk.data, m->file) != 0)
                rc = -1;
            strbuf_clear(&chunk);
            char *copy = strndup(line, ll), *spec, *dpath;
            if (rc == 0 && (parse_copy(copy, &spec, &dpath) != 0 || copy_in(pg, dir, spec, dpath, m->file) != 0))
                rc = -1;
            free(copy);
        } else
            strbuf_append(&chunk, line, ll);
        line = nl ? nl + 1 : NULL;
    }
    if (rc == 0 && chunk.len && exec_ok(pg, chunk.data, m->file) != 0)
        rc = -1;
    strbuf_free(&chunk);
    free(sql);
    return rc;
}

static double elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

int ctl_migrate(const registry_config *cfg, int argc, char **argv)
{
    const char *dir = cfg->migrations_dir;
    int status_only = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "--status"))
            status_only = 1;
        else {
            fprintf(stderr, "registryctl: migrate: unknown argument \"%s\"\n", argv[i]);
            return CTL_USAGE;
        }
    }
    migration *ms = NULL;
    int n = 0, rc = CTL_OK;
    if (list_migrations(dir, &ms, &n) != 0) {
        rc = CTL_FAIL;
        goto out;
    }
    if (n == 0) {
        fprintf(stderr, "registryctl: migrate: no migrations in %s (set migrations_dir or REGISTRY_MIGRATIONS_DIR)\n",
                dir);
        rc = CTL_FAIL;
        goto out;
    }
    char err[10240];
    for (int i = 0; i < n; i++)
        if (checksum(dir, &ms[i], ms[i].checksum, err, sizeof(err)) != 0) {
            fprintf(stderr, "registryctl: migrate: %s\n", err);
            rc = CTL_FAIL;
            goto out;
        }

    PGconn *pg = ctl_connect(cfg);
    if (!pg) {
        rc = CTL_FAIL;
        goto out;
    }
    /* one migrator at a time, whichever machine it runs on */
    if (exec_ok(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", "lock") != 0 ||
        exec_ok(pg,
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL,"
                " checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                "version table") != 0) {
        rc = CTL_FAIL;
        goto done;
    }
    PGresult *applied = PQexec(pg, "SELECT version, name, checksum FROM schema_migrations ORDER BY version");
    if (PQresultStatus(applied) != PGRES_TUPLES_OK) {
        fprintf(stderr, "registryctl: migrate: %s", PQerrorMessage(pg));
        PQclear(applied);
        rc = CTL_FAIL;
        goto done;
    }
    /* every applied migration must still be there, unchanged */
    for (int r = 0; r < PQntuples(applied); r++) {
        int v = atoi(PQgetvalue(applied, r, 0));
        const migration *m = NULL;
        for (int i = 0; i < n; i++)
            if (ms[i].version == v)
                m = &ms[i];
        if (!m) {
            fprintf(stderr, "registryctl: migrate: migration %s is applied but missing from %s; refusing to go on\n",
                    PQgetvalue(applied, r, 1), dir);
            rc = CTL_FAIL;
        } else if (strcmp(m->checksum, PQgetvalue(applied, r, 2)) != 0) {
            fprintf(stderr,
                    "registryctl: migrate: %s was changed after it was applied (checksum %.12s..., applied %.12s...);"
                    " refusing to go on. Restore the file and put the change in a new migration.\n",
                    m->file, m->checksum, PQgetvalue(applied, r, 2));
            rc = CTL_FAIL;
        }
    }
    int done_count = 0, applied_count = 0;
    for (int i = 0; i < n && rc == CTL_OK; i++) {
        int is_applied = 0;
        for (int r = 0; r < PQntuples(applied); r++)
            if (atoi(PQgetvalue(applied, r, 0)) == ms[i].version)
                is_applied = 1;
        if (status_only) {
            printf("%-50s %s\n", ms[i].file, is_applied ? "applied" : "pending");
            continue;
        }
        if (is_applied) {
            done_count++;
            continue;
        }
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        char version[16];
        snprintf(version, sizeof(version), "%d", ms[i].version);
        const char *params[3] = {version, ms[i].file, ms[i].checksum};
        if (exec_ok(pg, "BEGIN", ms[i].file) != 0 || apply_body(pg, dir, &ms[i]) != 0) {
            PQclear(PQexec(pg, "ROLLBACK"));
            fprintf(stderr, "registryctl: migrate: %s failed; nothing of it was applied\n", ms[i].file);
            rc = CTL_FAIL;
            break;
        }
        PGresult *ins = PQexecParams(pg, "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                                     3, NULL, params, NULL, NULL, 0);
        int ok = PQresultStatus(ins) == PGRES_COMMAND_OK;
        if (!ok)
            fprintf(stderr, "registryctl: migrate: recording %s: %s", ms[i].file, PQerrorMessage(pg));
        PQclear(ins);
        if (!ok || exec_ok(pg, "COMMIT", ms[i].file) != 0) {
            PQclear(PQexec(pg, "ROLLBACK"));
            rc = CTL_FAIL;
            break;
        }
        applied_count++;
        printf("applied %s (%.0f ms)\n", ms[i].file, elapsed_ms(&t0));
    }
    PQclear(applied);
    if (!status_only && rc == CTL_OK)
        printf("migrations: %d applied now, %d already applied\n", applied_count, done_count);
done:
    PQfinish(pg);
out:
    for (int i = 0; i < n; i++)
        free(ms[i].file);
    free(ms);
    return rc;
}
