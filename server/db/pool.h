/*
 * pool.h - the per-thread PostgreSQL pool. Every connection is non-blocking and in pipeline mode; its socket is
 * watched by the thread's event loop, so no thread ever waits on the database.
 *
 * A db_job is one unit of work: up to DB_JOB_MAX prepared statements sent back to back and closed by one Sync.
 * PostgreSQL runs everything between two Syncs as one implicit transaction, so a job is atomic (a failing
 * statement rolls back the ones before it) and costs one round trip. Transaction-local settings made with
 * set_config(..., true) in the first statement hold for the rest of the job and vanish at its end.
 * Several jobs may be in flight on one connection (pipelining); each is still its own transaction.
 */
#ifndef REGISTRY_DB_POOL_H
#define REGISTRY_DB_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

struct event_base;
struct registry_config;

#define DB_JOB_MAX 8
#define DB_MAX_PARAMS 32

typedef enum {
    DB_OK = 0,         /* every statement succeeded; res[] holds the results */
    DB_ERROR,          /* a statement failed (sqlstate, err_index); the job was rolled back */
    DB_UNAVAILABLE,    /* no connection, or it broke: the outcome of a write is unknown */
    DB_BUSY,           /* too many jobs waiting, or waited too long */
} db_status;

typedef struct db_job db_job;
typedef void (*db_job_cb)(db_job *job, void *arg);

typedef struct db_query {
    int stmt;                     /* from db_stmt_register() */
    int nparams;
    const char *values[DB_MAX_PARAMS];   /* text format; NULL is SQL NULL */
} db_query;

struct db_job {
    /* set by the caller */
    int n;
    db_query q[DB_JOB_MAX];
    db_job_cb cb;
    void *arg;
    const char *request_id;       /* for log lines, may be NULL */
    bool retry_safe;              /* read-only: may be resent on another connection if its own broke */

    /* set by the pool before cb runs */
    db_status status;
    PGresult *res[DB_JOB_MAX];    /* owned by the job; db_job_clear() frees them */
    char sqlstate[6];
    int err_index;
    char errmsg[256];             /* PostgreSQL's message, for logs only: never shown to clients */
    char constraint[64];          /* the constraint (or unique index) an error names, else "" */

    /* pool internals */
    db_job *next;
    uint64_t queued_at_ms;
    uint64_t sent_at_ms;
    int cur;                      /* query whose results are being read */
    bool cur_has_result;
    bool internal;                /* connection setup, not a caller's job */
    int retries;
};

typedef struct db_pool db_pool;

typedef struct db_pool_stats {
    int size, ready, busy;        /* connections: configured, usable now, with jobs in flight */
    int waiting;                  /* jobs queued for a connection */
    uint64_t reconnects, jobs, failures;
} db_pool_stats;

/* Registers a statement before any pool starts; returns its id. Statements are prepared on every connection as
 * it comes up, so a handler never pays for parsing or planning twice. */
int db_stmt_register(const char *name, const char *sql);
int db_stmt_count(void);
const char *db_stmt_name(int id);
/* How many times statement id was sent, by every pool of the process (each job's statements count once per
 * sending; a job resent after its connection broke counts again). */
uint64_t db_stmt_sent(int id);

db_pool *db_pool_new(struct event_base *base, const struct registry_config *cfg, int worker_index);
void db_pool_start(db_pool *p);
/* Drops every connection. In-flight jobs are failed through their callbacks unless silent is true. */
void db_pool_free(db_pool *p, bool silent);

/* The pool's first connection LISTENs on channel; each notification's payload reaches cb on the pool's thread.
 * cb(arg, NULL) means "notifications may have been missed" (the listening connection was down): forget
 * everything that depends on them. Set before db_pool_start. */
void db_pool_listen(db_pool *p, const char *channel, void (*cb)(void *arg, const char *payload), void *arg);

/* A second channel on the same connection (after db_pool_listen's), with its own callback: the changes feed's
 * registry_changes beside the session cache's registry_auth. */
void db_pool_listen_also(db_pool *p, const char *channel, void (*cb)(void *arg, const char *payload), void *arg);

/* True while the listening connection is up (its LISTEN done): notifications are arriving. */
bool db_pool_listening(const db_pool *p);

/* Queues the job. The callback always runs later from the event loop, never from inside db_submit. */
void db_submit(db_pool *p, db_job *job);
void db_job_clear(db_job *job);

void db_pool_get_stats(const db_pool *p, db_pool_stats *out);

/* Convenience for building jobs: adds a statement and returns its query slot for the parameters. */
db_query *db_job_add(db_job *job, int stmt);
static inline void db_query_param(db_query *q, const char *v) { q->values[q->nparams++] = v; }

#endif
