/*
 * audit.c - `registryctl audit verify [--full] [--expect SEQ:HASH]...`: seals what registryd has not sealed yet,
 * then checks the two hash chains of the audit trail: audit_log's, a row at a time, and read_log's, a batch of read
 * records at a time (each batch checked against its rows first).
 *
 * A chain alone shows a row changed or removed in its middle, not rows cut off its end nor a row changed and every
 * hash after it computed again. So heads are kept (migration 0013): the sealer records each day's head of both
 * chains in audit_heads (and logs it), and every verify that finds the chains whole records the heads it checked.
 * Verify checks that every recorded head is still in its chain, and so is every head given with --expect (one
 * printed by an earlier verify and kept outside the database: the only check an owner rewriting rows, heads and
 * chain together cannot pass). --full walks both chains from the start and records where it ended; a plain verify
 * walks on from there (from the start when no --full ran yet): a row changed in place before that point, without
 * the chain computed again, is found by the next --full.
 *
 * SEQ:HASH: SEQ is the chain position (seal_seq), a plain number for audit_log's chain and r and a number for the
 * read batches' (r12), HASH the hex SHA-256 there; verify prints both heads in this form.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"

static int check_chain(PGconn *pg, const char *sql, const char *from, const char *chain, const char *what)
{
    int rc = CTL_OK;
    const char *params[1] = {from};
    PGresult *r = PQexecParams(pg, sql, 1, NULL, params, NULL, NULL, 0);
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

/* One statement returning one row, or NULL after saying what failed. */
static PGresult *one_row(PGconn *pg, const char *sql, int nparams, const char *const *params)
{
    PGresult *r = PQexecParams(pg, sql, nparams, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        fprintf(stderr, "registryctl: audit verify: %s", PQerrorMessage(pg));
        PQclear(r);
        return NULL;
    }
    return r;
}

/* "SEQ:HASH" -> chain ("audit_log" or "read_batches"), position and 64 lower-case hex digits; -1 when malformed. */
static int parse_expect(const char *s, const char **chain, char *seq, size_t seqsz, char *hash)
{
    *chain = "audit_log";
    if (*s == 'r') {
        *chain = "read_batches";
        s++;
    }
    size_t n = strspn(s, "0123456789");
    if (n == 0 || n >= seqsz || n > 18 || s[n] != ':')
        return -1;
    memcpy(seq, s, n);
    seq[n] = '\0';
    const char *h = s + n + 1;
    if (strlen(h) != 64 || strspn(h, "0123456789abcdefABCDEF") != 64)
        return -1;
    for (int i = 0; i < 64; i++)
        hash[i] = (char)(h[i] >= 'A' && h[i] <= 'F' ? h[i] - 'A' + 'a' : h[i]);
    hash[64] = '\0';
    return 0;
}

static int check_expected(PGconn *pg, char **expect, int n)
{
    for (int i = 0; i < n; i++) {
        const char *chain;
        char seq[24], hash[65];
        parse_expect(expect[i], &chain, seq, sizeof(seq), hash);     /* checked before connecting */
        const char *params[3] = {chain, seq, hash};
        PGresult *r = one_row(pg, "SELECT audit_head_problem($1, $2::bigint, decode($3, 'hex'))", 3, params);
        if (!r)
            return CTL_FAIL;
        int bad = !PQgetisnull(r, 0, 0);
        if (bad)
            fprintf(stderr, "registryctl: audit verify: BROKEN: expected head %s of %s: %s\n", expect[i], chain,
                    PQgetvalue(r, 0, 0));
        PQclear(r);
        if (bad)
            return CTL_FAIL;
    }
    return CTL_OK;
}

static int audit_verify(const registry_config *cfg, bool full, char **expect, int nexpect)
{
    PGconn *pg = ctl_connect(cfg);
    if (!pg)
        return CTL_FAIL;
    /* audit_seal() skips when another sealer (registryd's) holds its lock, which would leave what that one has not
     * committed yet unsealed in our snapshot: wait for the lock instead (advisory locks are re-entrant within a
     * session, so audit_seal takes it again here), seal, and let go */
    PQclear(PQexec(pg, "SELECT pg_advisory_lock(727274002)"));
    PGresult *r = PQexec(pg, "SELECT audit_seal(1000000)");
    PQclear(PQexec(pg, "SELECT pg_advisory_unlock(727274002)"));
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "registryctl: audit verify: sealing failed: %s", PQerrorMessage(pg));
        PQclear(r);
        PQfinish(pg);
        return CTL_FAIL;
    }
    /* a day's first heads, when this seal was the one to record them: said outside the database too, as registryd
     * logs those its sealer records */
    const char *heads = PQntuples(r) == 1 && PQnfields(r) > 1 ? PQgetvalue(r, 0, 1) : "";
    for (const char *h = heads; *h;) {
        size_t n = strcspn(h, "\n");
        fprintf(stderr, "registryctl: audit head recorded: %.*s\n", (int)n, h);
        h += n + (h[n] == '\n');
    }
    PQclear(r);
    /* one snapshot for the walks, the checks, the heads recorded and those printed: rows registryd seals meanwhile
     * are neither walked nor vouched for */
    PQclear(PQexec(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ"));
    int rc = CTL_OK;
    /* where each walk starts: the newest head a --full verify recorded (it walked everything before), or the start */
    char from_log[24] = "1", from_reads[24] = "1";
    if (!full) {
        r = one_row(pg, "SELECT coalesce((SELECT max(seal_seq) FROM audit_heads WHERE chain = 'audit_log'"
                        " AND recorded_by = 'verify_full'), 1), coalesce((SELECT max(seal_seq) FROM audit_heads"
                        " WHERE chain = 'read_batches' AND recorded_by = 'verify_full'), 1)", 0, NULL);
        if (!r) {
            PQfinish(pg);
            return CTL_FAIL;
        }
        snprintf(from_log, sizeof(from_log), "%s", PQgetvalue(r, 0, 0));
        snprintf(from_reads, sizeof(from_reads), "%s", PQgetvalue(r, 0, 1));
        PQclear(r);
    }
    /* each chain's walk returns its first problem as (chain position, row or batch id, what), or nothing */
    rc = check_chain(pg, "SELECT seal_seq, audit_id, problem FROM audit_verify($1::bigint)", from_log, "chain",
                     "audit id");
    if (rc == CTL_OK)
        rc = check_chain(pg, "SELECT seal_seq, batch_id, problem FROM audit_verify_reads($1::bigint)", from_reads,
                         "read chain", "read batch");
    if (rc == CTL_OK)
        rc = check_expected(pg, expect, nexpect);
    if (rc == CTL_OK) {
        r = PQexec(pg, "SELECT chain, seal_seq, hash, recorded_at, problem FROM audit_verify_heads()");
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            fprintf(stderr, "registryctl: audit verify: %s", PQerrorMessage(pg));
            rc = CTL_FAIL;
        } else if (PQntuples(r) > 0) {
            fprintf(stderr, "registryctl: audit verify: BROKEN: head %s%s:%s of %s recorded %s: %s\n",
                    strcmp(PQgetvalue(r, 0, 0), "read_batches") ? "" : "r", PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2),
                    PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 4));
            rc = CTL_FAIL;
        }
        PQclear(r);
    }
    if (rc == CTL_OK) {
        /* whole: these heads are recorded, so a later cut or re-chain below them is seen even without --expect */
        r = PQexec(pg, full ? "SELECT audit_record_heads('verify_full')" : "SELECT audit_record_heads('verify')");
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            fprintf(stderr, "registryctl: audit verify: recording the heads failed: %s", PQerrorMessage(pg));
            PQclear(r);
            PQfinish(pg);
            return CTL_FAIL;
        }
        PQclear(r);
        r = PQexec(pg, "SELECT (SELECT count(*) FROM audit_log),"
                       " coalesce((SELECT seal_seq || ':' || encode(hash, 'hex') FROM audit_log"
                       " WHERE seal_seq IS NOT NULL ORDER BY seal_seq DESC LIMIT 1), 'none'),"
                       " (SELECT count(*) FROM read_log), (SELECT count(*) FROM read_batches),"
                       " coalesce((SELECT 'r' || seal_seq || ':' || encode(hash, 'hex') FROM read_batches"
                       " WHERE seal_seq IS NOT NULL ORDER BY seal_seq DESC LIMIT 1), 'none')");
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
            printf("audit trail intact (%s): %s records, head %s; %s read records in %s batches, head %s\n",
                   full ? "walked from the start" : "walked from the last --full", PQgetvalue(r, 0, 0),
                   PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 4));
        else {
            fprintf(stderr, "registryctl: audit verify: %s", PQerrorMessage(pg));
            rc = CTL_FAIL;
        }
        PQclear(r);
    }
    if (rc == CTL_OK) {
        r = PQexec(pg, "COMMIT");
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
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
    if (argc < 1 || strcmp(argv[0], "verify")) {
        fprintf(stderr, "registryctl: audit: expected \"audit verify [--full] [--expect SEQ:HASH]...\"\n");
        return CTL_USAGE;
    }
    bool full = false;
    char **expect = calloc((size_t)argc, sizeof(*expect));
    int nexpect = 0;
    if (!expect)
        return CTL_FAIL;
    for (int i = 1; i < argc; i++) {
        const char *chain;
        char seq[24], hash[65];
        if (!strcmp(argv[i], "--full"))
            full = true;
        else if (!strcmp(argv[i], "--expect") && i + 1 < argc &&
                 parse_expect(argv[i + 1], &chain, seq, sizeof(seq), hash) == 0)
            expect[nexpect++] = argv[++i];
        else {
            fprintf(stderr, "registryctl: audit verify: %s%s: expected --full or --expect SEQ:HASH (SEQ a chain"
                            " position: N for audit_log's chain, rN for the read batches'; HASH 64 hex digits, as"
                            " verify prints them)\n",
                    argv[i], !strcmp(argv[i], "--expect") && i + 1 < argc ? " with that value" : "");
            free(expect);
            return CTL_USAGE;
        }
    }
    int rc = audit_verify(cfg, full, expect, nexpect);
    free(expect);
    return rc;
}
