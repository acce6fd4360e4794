/*
 * audit.c - `registryctl audit verify`: seals what registryd has not sealed yet, then walks the two hash chains
 * of the audit trail: audit_log's, a row at a time, and read_log's, a batch of read records at a time (each batch
 * checked against its rows first). A row changed or removed after it was written breaks the chain there. Each
 * chain's head (count and last hash) is printed: kept somewhere else, it also shows that no rows were cut off the
 * end.
 */
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"

static int check_chain(PGconn *pg, const char *sql, const char *chain, const char *what)
{
    int rc = CTL_OK;
    PGresult *r = PQexec(pg, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "registryctl: audit verify: %s", PQerrorMessage(pg));
        rc = CTL_FAIL;
    } else if (PQntuples(r) > 0) {
        fprintf(stderr, "registryctl: audit verify: BROKEN at %s position %s (%s %s): %s\n", chain,
                PQgetisnull(r, 0, 0) ? "?" : PQgetvalue(r, 0, 0), what, PQgetisnull(r, 0, 1) ? "?" : PQgetvalue(r, 0, 1),
                PQgetvalue(r, 0, 2));
        rc = CTL_FAIL;
    }
    PQclear(r);
    return rc;
}

static int audit_verify(const registry_config *cfg)
{
    PGconn *pg = ctl_connect(cfg);
    if (!pg)
        return CTL_FAIL;
    int rc = CTL_OK;
    PGresult *r = PQexec(pg, "SELECT audit_seal(1000000)");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "registryctl: audit verify: sealing failed: %s", PQerrorMessage(pg));
        PQclear(r);
        PQfinish(pg);
        return CTL_FAIL;
    }
    PQclear(r);
    /* each chain's walk returns its first problem as (chain position, row or batch id, what), or nothing */
    rc = check_chain(pg, "SELECT seal_seq, audit_id, problem FROM audit_verify()", "chain", "audit id");
    if (rc == CTL_OK)
        rc = check_chain(pg, "SELECT seal_seq, batch_id, problem FROM audit_verify_reads()", "read chain",
                         "read batch");
    if (rc == CTL_OK) {
        r = PQexec(pg, "SELECT set_config('registry.role', 'system', false);"
                       " SELECT (SELECT count(*) FROM audit_log), coalesce(encode((SELECT hash FROM audit_log"
                       " WHERE seal_seq IS NOT NULL ORDER BY seal_seq DESC LIMIT 1), 'hex'), ''),"
                       " (SELECT count(*) FROM read_log), (SELECT count(*) FROM read_batches),"
                       " coalesce(encode((SELECT hash FROM read_batches WHERE seal_seq IS NOT NULL"
                       " ORDER BY seal_seq DESC LIMIT 1), 'hex'), '')");
        if (PQresultStatus(r) == PGRES_TUPLES_OK)
            printf("audit trail intact: %s records, head %s; %s read records in %s batches, head %s\n",
                   PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3),
                   PQgetvalue(r, 0, 4));
        else {
            fprintf(stderr, "registryctl: audit verify: %s", PQerrorMessage(pg));
            rc = CTL_FAIL;
        }
        PQclear(r);
    }
    PQfinish(pg);
    return rc;
}

int ctl_audit(const registry_config *cfg, int argc, char **argv)
{
    if (argc == 1 && !strcmp(argv[0], "verify"))
        return audit_verify(cfg);
    fprintf(stderr, "registryctl: audit: expected \"audit verify\"\n");
    return CTL_USAGE;
}
