#include "server/db/pool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "common/config.h"
#include "common/log.h"

/* Statements: registered once at start, prepared on every connection ---------------------------------------- */

#define DB_MAX_STMTS 512
typedef struct db_stmt {
    char *name;
    char *sql;
    uint64_t sent;      /* times sent, every thread (atomic): what /metrics counts per statement */
} db_stmt;
static db_stmt stmts[DB_MAX_STMTS];
static int nstmts;

int db_stmt_register(const char *name, const char *sql)
{
    for (int i = 0; i < nstmts; i++)
        if (strcmp(stmts[i].name, name) == 0) {
            if (strcmp(stmts[i].sql, sql) != 0) {
                log_msg(LOG_FATAL, NULL, "statement %s registered twice with different SQL", name);
                abort();
            }
            return i;
        }
    if (nstmts == DB_MAX_STMTS) {
        log_msg(LOG_FATAL, NULL, "too many prepared statements (raise DB_MAX_STMTS)");
        abort();
    }
    stmts[nstmts].name = strdup(name);
    stmts[nstmts].sql = strdup(sql);
    return nstmts++;
}

int db_stmt_count(void) { return nstmts; }
const char *db_stmt_name(int id) { return stmts[id].name; }
uint64_t db_stmt_sent(int id) { return __atomic_load_n(&stmts[id].sent, __ATOMIC_RELAXED); }

/* Connections ------------------------------------------------------------------------------------------------ */

typedef enum { CONN_DOWN, CONN_CONNECTING, CONN_SETUP, CONN_READY } conn_state;

typedef struct db_conn {
    db_pool *pool;
    int index;
    PGconn *pg;
    int fd;
    conn_state state;
    struct event *ev_read, *ev_write;   /* on fd; recreated when libpq changes sockets while connecting */
    struct event *ev_timer;             /* reconnect backoff, or connect timeout while connecting */
    db_job *head, *tail;                /* in flight, in the order their results will arrive */
    int inflight;
    int backoff_ms;
    bool was_ready;                     /* reached READY since the last failure: retry at once */
    db_job setup;
} db_conn;

struct db_pool {
    struct event_base *base;
    const registry_config *cfg;
    int worker;
    char *conninfo;
    int nconns;
    db_conn *conns;
    db_job *wait_head, *wait_tail;
    int nwait;
    db_job *done_head, *done_tail;      /* failed before reaching a connection; completed from ev_done */
    /* The last connection attempt failed and none has come up since. Until then a job that finds no ready
     * connection waits for one (a restart, failover or killed connection is a moment's reconnect); after it,
     * such a job fails at once (503), so an outage never makes clients hang. */
    bool unreachable;
    struct event *ev_done, *ev_tick;
    bool stopping;
    char *listen_channel;
    void (*notify_cb)(void *arg, const char *payload);
    void *notify_arg;
    char *listen_channel2;      /* db_pool_listen_also */
    void (*notify_cb2)(void *arg, const char *payload);
    void *notify_arg2;
    /* statistics, written by the owning thread, read by /metrics from any thread */
    int st_ready, st_busy, st_waiting;
    uint64_t st_reconnects, st_jobs, st_failures;
};

#define STAT_SET(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)
#define STAT_ADD(field, v) __atomic_store_n(&(field), __atomic_load_n(&(field), __ATOMIC_RELAXED) + (v), __ATOMIC_RELAXED)
#define STAT_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void conn_start(db_conn *c);
static void conn_fail(db_conn *c, const char *why, bool after_ready_error);
static void pool_dispatch(db_pool *p);
/* Hands every notification libpq has queued on c to the pool's listeners (channel 2: db_pool_listen_also) */
static void conn_notifies(db_conn *c)
{
    PGnotify *n;
    while ((n = PQnotifies(c->pg))) {
        if (c->pool->notify_cb2 && !strcmp(n->relname, c->pool->listen_channel2))
            c->pool->notify_cb2(c->pool->notify_arg2, n->extra);
        else if (c->pool->notify_cb)
            c->pool->notify_cb(c->pool->notify_arg, n->extra);
        PQfreemem(n);
    }
}

static void on_conn_io(evutil_socket_t fd, short what, void *arg);

static void update_stats(db_pool *p)
{
    int ready = 0, busy = 0;
    for (int i = 0; i < p->nconns; i++) {
        if (p->conns[i].state == CONN_READY)
            ready++;
        if (p->conns[i].inflight > 0)
            busy++;
    }
    STAT_SET(p->st_ready, ready);
    STAT_SET(p->st_busy, busy);
    STAT_SET(p->st_waiting, p->nwait);
}

static int pool_ready_count(const db_pool *p)
{
    int n = 0;
    for (int i = 0; i < p->nconns; i++)
        n += p->conns[i].state == CONN_READY;
    return n;
}

void db_job_clear(db_job *job)
{
    for (int i = 0; i < DB_JOB_MAX; i++)
        if (job->res[i]) {
            PQclear(job->res[i]);
            job->res[i] = NULL;
        }
}

db_query *db_job_add(db_job *job, int stmt)
{
    if (job->n >= DB_JOB_MAX)
        abort();    /* a programming error: jobs are built from fixed code paths */
    db_query *q = &job->q[job->n++];
    q->stmt = stmt;
    q->nparams = 0;
    return q;
}

/* Hands a job that never reached PostgreSQL back through the event loop, so callbacks never run inside
 * db_submit() (callers would otherwise see their callback fire before db_submit returns). */
static void complete_later(db_pool *p, db_job *job, db_status st)
{
    db_job_clear(job);
    job->status = st;
    job->next = NULL;
    if (p->done_tail)
        p->done_tail->next = job;
    else
        p->done_head = job;
    p->done_tail = job;
    event_active(p->ev_done, EV_TIMEOUT, 0);
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
    db_pool *p = arg;
    db_job *list = p->done_head;
    p->done_head = p->done_tail = NULL;
    while (list) {
        db_job *j = list;
        list = j->next;
        STAT_ADD(p->st_failures, 1);
        j->cb(j, j->arg);
    }
}

/* Event wiring ------------------------------------------------------------------------------------------------ */

static void conn_events_free(db_conn *c)
{
    if (c->ev_read) {
        event_free(c->ev_read);
        c->ev_read = NULL;
    }
    if (c->ev_write) {
        event_free(c->ev_write);
        c->ev_write = NULL;
    }
    c->fd = -1;
}

static void conn_watch(db_conn *c, bool want_read, bool want_write)
{
    int fd = PQsocket(c->pg);
    if (fd != c->fd) {
        conn_events_free(c);
        c->fd = fd;
        c->ev_read = event_new(c->pool->base, fd, EV_READ | EV_PERSIST, on_conn_io, c);
        c->ev_write = event_new(c->pool->base, fd, EV_WRITE | EV_PERSIST, on_conn_io, c);
    }
    if (want_read)
        event_add(c->ev_read, NULL);
    else
        event_del(c->ev_read);
    if (want_write)
        event_add(c->ev_write, NULL);
    else
        event_del(c->ev_write);
}

/* Sending ----------------------------------------------------------------------------------------------------- */

static bool conn_flush(db_conn *c)
{
    int r = PQflush(c->pg);
    if (r < 0)
        return false;
    conn_watch(c, true, r == 1);
    return true;
}

static bool conn_send(db_conn *c, db_job *j)
{
    PGconn *pg = c->pg;
    j->next = NULL;
    j->cur = 0;
    j->cur_has_result = false;
    j->sent_at_ms = now_ms();
    if (c->tail)
        c->tail->next = j;
    else
        c->head = j;
    c->tail = j;
    c->inflight++;

    if (j->internal) {
        /* Connection setup: run as the unprivileged role, bound every statement, then prepare everything. */
        const registry_config *cfg = c->pool->cfg;
        char timeout[32], appname[64];
        snprintf(timeout, sizeof(timeout), "%d", cfg->db_statement_timeout_ms);
        snprintf(appname, sizeof(appname), "registryd/%d", c->pool->worker);
        const char *vals[3] = {cfg->db_role ? cfg->db_role : "", timeout, appname};
        if (!PQsendQueryParams(pg,
                               "SELECT CASE WHEN $1 <> '' THEN set_config('role', $1, false) END,"
                               " set_config('statement_timeout', $2, false),"
                               " set_config('application_name', $3, false),"
                               " set_config('timezone', 'UTC', false),"
                               /* the encoder reads timestamps in this form (encode_timestamp) */
                               " set_config('datestyle', 'ISO, MDY', false)",
                               3, NULL, vals, NULL, NULL, 0))
            return false;
        for (int i = 0; i < nstmts; i++)
            if (!PQsendPrepare(pg, stmts[i].name, stmts[i].sql, 0, NULL))
                return false;
        j->n = 1 + nstmts;
        if (c->index == 0 && c->pool->listen_channel) {
            char listen[128];
            snprintf(listen, sizeof(listen), "LISTEN %s", c->pool->listen_channel);
            if (!PQsendQueryParams(pg, listen, 0, NULL, NULL, NULL, NULL, 0))
                return false;
            j->n++;
            if (c->pool->listen_channel2) {
                snprintf(listen, sizeof(listen), "LISTEN %s", c->pool->listen_channel2);
                if (!PQsendQueryParams(pg, listen, 0, NULL, NULL, NULL, NULL, 0))
                    return false;
                j->n++;
            }
        }
    } else {
        for (int i = 0; i < j->n; i++) {
            const db_query *q = &j->q[i];
            if (!PQsendQueryPrepared(pg, stmts[q->stmt].name, q->nparams, q->values, NULL, NULL, 0))
                return false;
            __atomic_add_fetch(&stmts[q->stmt].sent, 1, __ATOMIC_RELAXED);
        }
    }
    if (!PQpipelineSync(pg))
        return false;
    return conn_flush(c);
}

static void pool_dispatch(db_pool *p)
{
    while (p->wait_head) {
        db_conn *best = NULL;
        for (int i = 0; i < p->nconns; i++) {
            db_conn *c = &p->conns[i];
            /* the least loaded: an idle connection first, so one slow job does not hold up others behind it */
            if (c->state == CONN_READY && c->inflight < p->cfg->db_pipeline_depth &&
                (!best || c->inflight < best->inflight))
                best = c;
        }
        if (!best)
            break;
        db_job *j = p->wait_head;
        p->wait_head = j->next;
        if (!p->wait_head)
            p->wait_tail = NULL;
        p->nwait--;
        if (!conn_send(best, j)) {
            conn_fail(best, PQerrorMessage(best->pg), true);
            return;    /* conn_fail dispatches again */
        }
    }
    if (p->wait_head && p->unreachable && pool_ready_count(p) == 0) {
        /* nothing can serve them: fail now (503) rather than let clients hang on an outage */
        while (p->wait_head) {
            db_job *j = p->wait_head;
            p->wait_head = j->next;
            p->nwait--;
            complete_later(p, j, DB_UNAVAILABLE);
        }
        p->wait_tail = NULL;
    }
    update_stats(p);
}

void db_submit(db_pool *p, db_job *job)
{
    job->status = DB_OK;
    job->sqlstate[0] = '\0';
    job->errmsg[0] = '\0';
    job->constraint[0] = '\0';
    job->err_index = -1;
    job->retries = 0;
    job->internal = false;
    memset(job->res, 0, sizeof(job->res));
    job->queued_at_ms = now_ms();
    job->next = NULL;
    STAT_ADD(p->st_jobs, 1);
    if (p->stopping || (p->unreachable && pool_ready_count(p) == 0)) {
        complete_later(p, job, DB_UNAVAILABLE);
        return;
    }
    if (p->nwait >= p->cfg->db_queue_max) {
        complete_later(p, job, DB_BUSY);
        return;
    }
    if (p->wait_tail)
        p->wait_tail->next = job;
    else
        p->wait_head = job;
    p->wait_tail = job;
    p->nwait++;
    pool_dispatch(p);
}

/* Receiving --------------------------------------------------------------------------------------------------- */

static void setup_done(db_conn *c, db_job *j)
{
    if (j->status != DB_OK) {
        log_msg(LOG_ERROR, NULL, "database connection setup failed (worker %d, connection %d) at %s: %s%s",
                c->pool->worker, c->index, j->err_index > 0 ? stmts[j->err_index - 1].name : "session settings",
                j->errmsg,
                strcmp(j->sqlstate, "42P01") == 0 ? " (has `registryctl migrate` been run?)" : "");
        conn_fail(c, "setup failed", false);
        return;
    }
    c->state = CONN_READY;
    c->was_ready = true;
    c->backoff_ms = 0;
    c->pool->unreachable = false;
    /* listening again: whatever was announced while it was not is unknown, so forget everything */
    if (c->index == 0 && c->pool->notify_cb)
        c->pool->notify_cb(c->pool->notify_arg, NULL);
    if (c->index == 0 && c->pool->notify_cb2)
        c->pool->notify_cb2(c->pool->notify_arg2, NULL);
    log_msg(LOG_INFO, NULL, "database connection ready (worker %d, connection %d)", c->pool->worker, c->index);
    pool_dispatch(c->pool);
}

static void record_error(db_job *j, const PGresult *r)
{
    if (j->status != DB_OK)
        return;    /* keep the first error: the rest were aborted because of it */
    j->status = DB_ERROR;
    j->err_index = j->cur;
    const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    snprintf(j->sqlstate, sizeof(j->sqlstate), "%s", st ? st : "XX000");
    const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    snprintf(j->errmsg, sizeof(j->errmsg), "%s", msg ? msg : PQresultErrorMessage(r));
    const char *con = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
    snprintf(j->constraint, sizeof(j->constraint), "%s", con ? con : "");
}

/* Reads every result that has arrived, completing jobs at their Sync. Callbacks may submit new jobs, and may
 * even break this connection, so the loop re-checks the connection after each one. */
static void conn_process(db_conn *c)
{
    while (c->pg && c->head) {
        db_job *j = c->head;
        if (PQisBusy(c->pg))
            return;
        PGresult *r = PQgetResult(c->pg);
        if (!r) {
            if (!j->cur_has_result)
                return;    /* nothing more has arrived */
            j->cur++;
            j->cur_has_result = false;
            continue;
        }
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            c->head = j->next;
            if (!c->head)
                c->tail = NULL;
            c->inflight--;
            if (j->internal)
                setup_done(c, j);
            else {
                if (j->status != DB_OK)
                    STAT_ADD(c->pool->st_failures, 1);
                pool_dispatch(c->pool);    /* refill this connection before running the callback */
                j->cb(j, j->arg);
            }
            continue;
        }
        j->cur_has_result = true;
        if (st == PGRES_FATAL_ERROR)
            record_error(j, r);
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
            if (!j->internal && j->cur < j->n && !j->res[j->cur]) {
                j->res[j->cur] = r;
                continue;
            }
        }
        PQclear(r);
    }
    if (c->pg && !c->head) {
        /* Nothing is expected: drain what the server sent on its own (e.g. a termination notice). */
        while (!PQisBusy(c->pg)) {
            PGresult *r = PQgetResult(c->pg);
            if (!r)
                break;
            PQclear(r);
        }
    }
    update_stats(c->pool);
}

static void on_conn_io(evutil_socket_t fd, short what, void *arg)
{
    db_conn *c = arg;
    if (c->state == CONN_CONNECTING) {
        switch (PQconnectPoll(c->pg)) {
        case PGRES_POLLING_FAILED:
            conn_fail(c, PQerrorMessage(c->pg), false);
            return;
        case PGRES_POLLING_READING:
            conn_watch(c, true, false);
            return;
        case PGRES_POLLING_WRITING:
            conn_watch(c, false, true);
            return;
        default:    /* PGRES_POLLING_OK */
            break;
        }
        evtimer_del(c->ev_timer);
        if (PQsetnonblocking(c->pg, 1) != 0 || !PQenterPipelineMode(c->pg)) {
            conn_fail(c, PQerrorMessage(c->pg), false);
            return;
        }
        c->state = CONN_SETUP;
        memset(&c->setup, 0, sizeof(c->setup));
        c->setup.internal = true;
        c->setup.status = DB_OK;
        if (!conn_send(c, &c->setup))
            conn_fail(c, PQerrorMessage(c->pg), false);
        return;
    }
    if (what & EV_WRITE) {
        if (!conn_flush(c)) {
            conn_fail(c, PQerrorMessage(c->pg), true);
            return;
        }
    }
    if (what & EV_READ) {
        if (!PQconsumeInput(c->pg)) {
            conn_fail(c, PQerrorMessage(c->pg), true);
            return;
        }
        conn_notifies(c);
        conn_process(c);
        if (!c->pg)
            return;
        /* libpq also parses what it reads while results are taken (and PQflush reads when it cannot write): a
         * notification that came in the same packet as a result (our own transaction's NOTIFY arrives just before
         * its ReadyForQuery, on this very connection) is queued there now, and no new EV_READ would ever tell us */
        conn_notifies(c);
    }
    if (PQstatus(c->pg) == CONNECTION_BAD)
        conn_fail(c, PQerrorMessage(c->pg), true);
}

/* Connecting, failing, reconnecting --------------------------------------------------------------------------- */

static void on_conn_timer(evutil_socket_t fd, short what, void *arg)
{
    db_conn *c = arg;
    if (c->state == CONN_CONNECTING)
        conn_fail(c, "connect timeout", false);
    else if (c->state == CONN_DOWN)
        conn_start(c);
}

static void conn_start(db_conn *c)
{
    db_pool *p = c->pool;
    if (p->stopping)
        return;
    c->pg = PQconnectStart(p->conninfo);
    if (!c->pg || PQstatus(c->pg) == CONNECTION_BAD) {
        conn_fail(c, c->pg ? PQerrorMessage(c->pg) : "out of memory", false);
        return;
    }
    c->state = CONN_CONNECTING;
    c->fd = -1;
    conn_watch(c, false, true);    /* libpq: behave as if PGRES_POLLING_WRITING had been returned */
    struct timeval tv = {p->cfg->db_connect_timeout_s, 0};
    evtimer_add(c->ev_timer, &tv);
}

static void conn_fail(db_conn *c, const char *why, bool after_ready_error)
{
    db_pool *p = c->pool;
    char reason[256];
    snprintf(reason, sizeof(reason), "%s", why ? why : "");
    size_t rl = strlen(reason);
    while (rl && (reason[rl - 1] == '\n' || reason[rl - 1] == ' '))
        reason[--rl] = '\0';
    log_msg(c->was_ready ? LOG_WARN : LOG_DEBUG, NULL, "database connection lost (worker %d, connection %d): %s",
            p->worker, c->index, reason);
    (void)after_ready_error;

    conn_events_free(c);
    if (c->pg)
        PQfinish(c->pg);
    c->pg = NULL;
    if (c->state == CONN_READY && c->index == 0 && p->notify_cb)
        p->notify_cb(p->notify_arg, NULL);    /* no longer hearing notifications */
    if (c->state == CONN_READY && c->index == 0 && p->notify_cb2)
        p->notify_cb2(p->notify_arg2, NULL);
    if (c->state != CONN_READY)
        p->unreachable = true;    /* an attempt to connect failed: the database is not there right now */
    c->state = CONN_DOWN;
    evtimer_del(c->ev_timer);

    db_job *jobs = c->head;
    c->head = c->tail = NULL;
    c->inflight = 0;

    /* Back off: straight away the first time a working connection breaks (a killed idle connection should cost
     * nobody anything), then 100 ms doubling to 5 s, with jitter so a restarted server is not hit in step. */
    int delay = 0;
    if (!c->was_ready) {
        c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : 100;
        if (c->backoff_ms > 5000)
            c->backoff_ms = 5000;
        delay = c->backoff_ms / 2 + rand() % (c->backoff_ms / 2 + 1);
    }
    c->was_ready = false;
    STAT_ADD(p->st_reconnects, 1);
    if (!p->stopping) {
        struct timeval tv = {delay / 1000, (delay % 1000) * 1000};
        evtimer_add(c->ev_timer, &tv);
    }

    /* Jobs that were on the connection: a read that may safely run again goes back to the queue; anything else
     * fails, since a write's outcome is now unknown (the client gets 503 and may retry). A read may meet one
     * dead connection after another when the database killed them all at once (each is only found dead when
     * used), so it is resent up to once per connection of the pool: each try retires one broken connection. */
    db_job *fail = NULL, **fail_tail = &fail;
    while (jobs) {
        db_job *j = jobs;
        jobs = j->next;
        j->next = NULL;
        if (j->internal)
            continue;
        db_job_clear(j);
        if (j->retry_safe && j->retries < p->nconns && !p->stopping) {
            j->retries++;
            j->status = DB_OK;
            j->sqlstate[0] = '\0';
            j->err_index = -1;
            j->next = p->wait_head;
            p->wait_head = j;
            if (!p->wait_tail)
                p->wait_tail = j;
            p->nwait++;
        } else {
            *fail_tail = j;
            fail_tail = &j->next;
        }
    }
    while (fail) {
        db_job *j = fail;
        fail = j->next;
        complete_later(p, j, DB_UNAVAILABLE);
    }
    pool_dispatch(p);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    db_pool *p = arg;
    uint64_t now = now_ms();
    /* jobs that waited too long for a connection: busy, or no connection came back in time */
    db_status expired = pool_ready_count(p) == 0 ? DB_UNAVAILABLE : DB_BUSY;
    while (p->wait_head && now - p->wait_head->queued_at_ms > (uint64_t)p->cfg->db_queue_timeout_ms) {
        db_job *j = p->wait_head;
        p->wait_head = j->next;
        if (!p->wait_head)
            p->wait_tail = NULL;
        p->nwait--;
        complete_later(p, j, expired);
    }
    /* a connection whose oldest job outlived statement_timeout by far: the server or network is gone silent */
    if (p->cfg->db_statement_timeout_ms > 0)
        for (int i = 0; i < p->nconns; i++) {
            db_conn *c = &p->conns[i];
            if (c->head && c->state == CONN_READY &&
                now - c->head->sent_at_ms > (uint64_t)p->cfg->db_statement_timeout_ms + 10000)
                conn_fail(c, "no answer from the database", true);
        }
    update_stats(p);
}

/* Pool -------------------------------------------------------------------------------------------------------- */

db_pool *db_pool_new(struct event_base *base, const registry_config *cfg, int worker_index)
{
    db_pool *p = calloc(1, sizeof(*p));
    p->base = base;
    p->cfg = cfg;
    p->worker = worker_index;
    p->conninfo = strdup(cfg->db_url);
    p->nconns = cfg->db_pool;
    p->conns = calloc((size_t)p->nconns, sizeof(db_conn));
    for (int i = 0; i < p->nconns; i++) {
        db_conn *c = &p->conns[i];
        c->pool = p;
        c->index = i;
        c->fd = -1;
        c->ev_timer = evtimer_new(base, on_conn_timer, c);
    }
    p->ev_done = event_new(base, -1, 0, on_done, p);
    p->ev_tick = event_new(base, -1, EV_PERSIST, on_tick, p);
    return p;
}

void db_pool_start(db_pool *p)
{
    for (int i = 0; i < p->nconns; i++)
        conn_start(&p->conns[i]);
    struct timeval tv = {0, 250000};
    event_add(p->ev_tick, &tv);
}

static void drop_jobs(db_job *list, bool silent)
{
    while (list) {
        db_job *j = list;
        list = j->next;
        db_job_clear(j);
        if (!silent && !j->internal) {
            j->status = DB_UNAVAILABLE;
            j->cb(j, j->arg);
        }
    }
}

void db_pool_free(db_pool *p, bool silent)
{
    if (!p)
        return;
    p->stopping = true;
    for (int i = 0; i < p->nconns; i++) {
        db_conn *c = &p->conns[i];
        conn_events_free(c);
        if (c->pg)
            PQfinish(c->pg);
        c->pg = NULL;
        c->state = CONN_DOWN;
        db_job *jobs = c->head;
        c->head = c->tail = NULL;
        drop_jobs(jobs, silent);
        event_free(c->ev_timer);
    }
    db_job *w = p->wait_head, *d = p->done_head;
    p->wait_head = p->done_head = NULL;
    drop_jobs(w, silent);
    drop_jobs(d, silent);
    event_free(p->ev_done);
    event_free(p->ev_tick);
    free(p->conns);
    free(p->conninfo);
    free(p->listen_channel);
    free(p->listen_channel2);
    free(p);
}

bool db_pool_listening(const db_pool *p)
{
    return p->listen_channel && p->nconns > 0 && p->conns[0].state == CONN_READY;
}

void db_pool_listen(db_pool *p, const char *channel, void (*cb)(void *arg, const char *payload), void *arg)
{
    free(p->listen_channel);
    p->listen_channel = strdup(channel);
    p->notify_cb = cb;
    p->notify_arg = arg;
}

void db_pool_listen_also(db_pool *p, const char *channel, void (*cb)(void *arg, const char *payload), void *arg)
{
    free(p->listen_channel2);
    p->listen_channel2 = strdup(channel);
    p->notify_cb2 = cb;
    p->notify_arg2 = arg;
}

void db_pool_get_stats(const db_pool *p, db_pool_stats *out)
{
    out->size = p->nconns;
    out->ready = STAT_GET(p->st_ready);
    out->busy = STAT_GET(p->st_busy);
    out->waiting = STAT_GET(p->st_waiting);
    out->reconnects = STAT_GET(p->st_reconnects);
    out->jobs = STAT_GET(p->st_jobs);
    out->failures = STAT_GET(p->st_failures);
}
