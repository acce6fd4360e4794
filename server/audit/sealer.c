#include "server/audit/sealer.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/config.h"
#include "common/log.h"
#include "server/db/pool.h"
#include "server/db/result.h"

struct audit_sealer {
    struct event *ev_tick;
    registry_config cfg;            /* the workers' configuration with a pool of one connection */
    db_pool *db;
    db_job job;
    bool running, stopped;
};

static int stmt_audit_seal = -1;

void audit_sealer_init(void)
{
    stmt_audit_seal = db_stmt_register("audit_seal",
                                       "SELECT audit_seal(10000) AS sealed,"
                                       " current_setting('registry.sealed_heads', true) AS heads");
}

static void seal_done(db_job *job, void *arg)
{
    audit_sealer *s = arg;
    s->running = false;
    bool more = false;
    if (job->status == DB_ERROR)
        log_msg(LOG_WARN, NULL, "sealing the audit trail failed: %s", job->errmsg);
    else if (job->status == DB_OK && db_nrows(job->res[0]) == 1) {
        more = db_get_int(job->res[0], 0, "sealed", 0) >= 10000;    /* a backlog: go on at once */
        /* the day's heads the sealer recorded (migration 0013): in the log too, a copy outside the database */
        const char *heads = db_get(job->res[0], 0, "heads");
        for (const char *h = heads ? heads : ""; *h;) {
            size_t n = strcspn(h, "\n");
            log_msg(LOG_INFO, NULL, "audit head recorded: %.*s", (int)n, h);
            h += n + (h[n] == '\n');
        }
    }
    db_job_clear(job);
    if (more && !s->stopped)
        event_active(s->ev_tick, EV_TIMEOUT, 0);
}

static void on_seal_tick(evutil_socket_t fd, short what, void *arg)
{
    audit_sealer *s = arg;
    if (s->running || s->stopped)
        return;
    memset(&s->job, 0, sizeof(s->job));
    db_job_add(&s->job, stmt_audit_seal);
    s->job.cb = seal_done;
    s->job.arg = s;
    s->running = true;
    db_submit(s->db, &s->job);
}

audit_sealer *audit_sealer_new(struct event_base *base, const registry_config *cfg, int worker_index)
{
    audit_sealer *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->cfg = *cfg;
    s->cfg.db_pool = 1;
    s->db = db_pool_new(base, &s->cfg, worker_index);
    s->ev_tick = event_new(base, -1, EV_PERSIST, on_seal_tick, s);
    if (!s->db || !s->ev_tick) {
        audit_sealer_free(s);
        return NULL;
    }
    struct timeval tv = {1, 0};
    event_add(s->ev_tick, &tv);
    return s;
}

void audit_sealer_start(audit_sealer *s)
{
    if (s)
        db_pool_start(s->db);
}

void audit_sealer_stop(audit_sealer *s)
{
    if (s)
        s->stopped = true;
}

void audit_sealer_free(audit_sealer *s)
{
    if (!s)
        return;
    if (s->db)
        db_pool_free(s->db, true);
    if (s->ev_tick)
        event_free(s->ev_tick);
    free(s);
}
