/* health.c - liveness and readiness probes. */
#include "server/handlers/handlers.h"
#include "server/http/request.h"

static int stmt_ping;

void health_init(void)
{
    stmt_ping = db_stmt_register("health_ping", "SELECT 1");
}

void handle_healthz(req_ctx *rc)
{
    static const char body[] = "{\"status\":\"ok\"}";
    reply_body(rc, 200, "application/json", body, sizeof(body) - 1);
}

static void readyz_done(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (job->status != DB_OK) {
        reply_problem(rc, 503, "The database does not answer.");
        return;
    }
    static const char body[] = "{\"status\":\"ready\"}";
    reply_body(rc, 200, "application/json", body, sizeof(body) - 1);
}

void handle_readyz(req_ctx *rc)
{
    db_job_add(&rc->job, stmt_ping);
    req_db_submit(rc, readyz_done);
}
