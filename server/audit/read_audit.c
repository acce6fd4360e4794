/*
 * read_audit.c - batches of read records; see read_audit.h for why.
 *
 * A worker has at most RA_MAX_INFLIGHT batches in flight and one filling. A row added while fewer are in flight
 * goes out at once (alone, under light load); otherwise it waits in the filling batch, which goes out as soon as
 * one in flight comes back. Each batch is one statement: ten PostgreSQL array literals, one per column,
 * unnested by audit_reads() into rows.
 */
#include "server/audit/read_audit.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "server/db/pool.h"
#include "server/http/request.h"

enum { RA_TICKET, RA_ADDRESS, RA_REQUEST, RA_ACTION, RA_ENTITY, RA_ENTITY_ID, RA_PROVINCE,
       RA_COUNTY, RA_CENTER, RA_DETAIL, RA_COLS };

/* One batch in flight per thread: under load the next batch fills while it is out, and a batch's fixed cost in
 * the database (~200 us) is most of its cost: with 2 in flight batches held 4 rows on average at national scale,
 * with 1 they hold 8, and GET by id served 24% more (tests/bench, case a). */
#define RA_MAX_INFLIGHT 1
#define RA_SLOTS (RA_MAX_INFLIGHT + 1)

typedef struct ra_entry {
    req_ctx *rc;
    read_audit_done done;
} ra_entry;

typedef enum { SLOT_FREE, SLOT_FILLING, SLOT_IN_FLIGHT } slot_state;

typedef struct ra_batch {
    slot_state state;
    strbuf col[RA_COLS];        /* array literals being built, "{" and the elements so far */
    ra_entry *entries;
    int n, cap;
    db_job job;
    read_audit *owner;
} ra_batch;

struct read_audit {
    worker *w;
    ra_batch slot[RA_SLOTS];
    ra_batch *filling;
    int inflight;
};

static int stmt_audit_reads;

void read_audit_init(void)
{
    stmt_audit_reads = db_stmt_register(
        "audit_reads",
        "SELECT audit_reads($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],"
        " $8::integer[], $9::bigint[], $10::jsonb[])");
}

read_audit *read_audit_new(worker *w)
{
    read_audit *ra = calloc(1, sizeof(*ra));
    if (!ra)
        abort();
    ra->w = w;
    for (int i = 0; i < RA_SLOTS; i++)
        ra->slot[i].owner = ra;
    return ra;
}

static void batch_reset(ra_batch *b)
{
    for (int c = 0; c < RA_COLS; c++)
        strbuf_clear(&b->col[c]);
    b->n = 0;
    db_job_clear(&b->job);
    memset(&b->job, 0, sizeof(b->job));
    b->state = SLOT_FREE;
}

void read_audit_free(read_audit *ra)
{
    if (!ra)
        return;
    for (int i = 0; i < RA_SLOTS; i++) {
        ra_batch *b = &ra->slot[i];
        for (int c = 0; c < RA_COLS; c++)
            strbuf_free(&b->col[c]);
        db_job_clear(&b->job);
        free(b->entries);
    }
    free(ra);
}

/* One element of a PostgreSQL array literal: NULL, or the value in double quotes with " and \ escaped. */
static void put_element(strbuf *sb, const char *v)
{
    strbuf_putc(sb, sb->len > 1 ? ',' : '{');
    if (!v) {
        strbuf_puts(sb, "NULL");
        return;
    }
    strbuf_putc(sb, '"');
    for (const char *s = v; *s; s++) {
        if (*s == '"' || *s == '\\')
            strbuf_putc(sb, '\\');
        strbuf_putc(sb, *s);
    }
    strbuf_putc(sb, '"');
}

static void batch_written(db_job *job, void *arg);

static void batch_send(read_audit *ra, ra_batch *b)
{
    db_query *q = db_job_add(&b->job, stmt_audit_reads);
    for (int c = 0; c < RA_COLS; c++) {
        strbuf_putc(&b->col[c], '}');
        db_query_param(q, b->col[c].data);
    }
    b->job.cb = batch_written;
    b->job.arg = b;
    b->job.request_id = b->entries[0].rc->request_id;
    b->state = SLOT_IN_FLIGHT;
    ra->inflight++;
    if (ra->filling == b)
        ra->filling = NULL;
    db_submit(ra->w->db, &b->job);
}

static void batch_written(db_job *job, void *arg)
{
    ra_batch *b = arg;
    read_audit *ra = b->owner;
    bool ok = job->status == DB_OK;
    if (ok)
        metrics_read_audit_batch(&ra->w->metrics, b->n);
    else
        log_msg(LOG_ERROR, job->request_id, "the audit rows of %d reads could not be written (%s %s); answering 503",
                b->n, job->sqlstate, job->errmsg);
    /* each done() replies and releases its request; none of them can touch this slot, which stays in flight
     * until they have all run */
    for (int i = 0; i < b->n; i++)
        b->entries[i].done(b->entries[i].rc, ok);
    batch_reset(b);
    ra->inflight--;
    if (ra->filling && ra->filling->n > 0)
        batch_send(ra, ra->filling);
}

void read_audit_add(req_ctx *rc, const char *action, const char *entity, const char *entity_id,
                    const char *province, const char *county, const char *center, const char *detail,
                    read_audit_done done)
{
    read_audit *ra = rc->w->read_audit;
    ra_batch *b = ra->filling;
    if (!b) {
        for (int i = 0; i < RA_SLOTS && !b; i++)
            if (ra->slot[i].state == SLOT_FREE)
                b = &ra->slot[i];
        /* RA_SLOTS = in flight + 1, and a slot is freed before its next use: one is always free here */
        b->state = SLOT_FILLING;
        ra->filling = b;
    }
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 64;
        b->entries = realloc(b->entries, (size_t)b->cap * sizeof(*b->entries));
        if (!b->entries)
            abort();
    }
    b->entries[b->n++] = (ra_entry){rc, done};

    /* who read is the database's to say: the scope ticket of the read (migration 0013) names the caller */
    put_element(&b->col[RA_TICKET], rc->who.ticket);
    put_element(&b->col[RA_ADDRESS], rc->address[0] ? rc->address : NULL);
    put_element(&b->col[RA_REQUEST], rc->request_id);
    put_element(&b->col[RA_ACTION], action);
    put_element(&b->col[RA_ENTITY], entity);
    put_element(&b->col[RA_ENTITY_ID], entity_id);
    put_element(&b->col[RA_PROVINCE], province);
    put_element(&b->col[RA_COUNTY], county);
    put_element(&b->col[RA_CENTER], center);
    put_element(&b->col[RA_DETAIL], detail);

    if (ra->inflight < RA_MAX_INFLIGHT)
        batch_send(ra, b);
}
