#include "server/auth/transaction.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "server/auth/session_cache.h"
#include "server/db/result.h"
#include "server/http/reply.h"

static int stmt_auth_begin, stmt_scope_set;

void transaction_init(void)
{
    stmt_auth_begin = db_stmt_register(
        "auth_begin",
        "SELECT user_id, username, role, province_code, county_id, center_id, expires_in_s, ticket"
        " FROM auth_begin($1, $2, $3, $4)");
    /* what auth_begin sets, for a read whose caller is known (session_cache.h): the session's scope ticket
     * auth_begin returned. The policies check it on every statement (migration 0013); this returns its user id, or
     * NULL when it is no longer a live session's (req_job_ok answers 401). One statement, not scope_set() in
     * PL/pgSQL: that cost a quarter of GET by id. LATERAL: the ticket is read after it is set. */
    stmt_scope_set = db_stmt_register(
        "scope_set",
        "SELECT x.user_id FROM (SELECT set_config('registry.scope', $1, true) AS t,"
        " set_config('registry.request_id', $2, true), set_config('registry.address', $3, true),"
        " set_config('synchronous_commit', 'off', true) OFFSET 0) s"
        " LEFT JOIN LATERAL (SELECT v.user_id FROM registry_scope_v v WHERE s.t IS NOT NULL) x ON true");
}

int identity_expires_in_s(const PGresult *r, int row)
{
    return (int)db_get_int(r, row, "expires_in_s", 0);
}

void identity_from_row(const PGresult *r, int row, identity *who)
{
    const char *v;
    memset(who, 0, sizeof(*who));
    who->user_id = db_get_int(r, row, "user_id", 0);
    snprintf(who->username, sizeof(who->username), "%s", (v = db_get(r, row, "username")) ? v : "");
    who->role = role_parse((v = db_get(r, row, "role")) ? v : "");
    snprintf(who->province, sizeof(who->province), "%s", (v = db_get(r, row, "province_code")) ? v : "");
    who->county_id = (int32_t)db_get_int(r, row, "county_id", 0);
    who->center_id = db_get_int(r, row, "center_id", 0);
    snprintf(who->ticket, sizeof(who->ticket), "%s", (v = db_get(r, row, "ticket")) ? v : "");
}

void req_job_reset(req_ctx *rc)
{
    REQ_CHECK(rc, REQ_LIVE);
    db_job_clear(&rc->job);
    memset(&rc->job, 0, sizeof(rc->job));
}

/* may_use_ticket: a read may start with the caller's ticket instead of auth_begin when the database confirmed the
 * session earlier in this request, or when the caller came from the session cache while this thread hears
 * revocations (session_cache.h explains why that is safe). scope_set refuses a ticket that is no longer live. */
static void job_begin(req_ctx *rc, bool read_only, bool may_use_ticket)
{
    req_job_reset(rc);
    if (read_only && may_use_ticket && rc->who.ticket[0] &&
        (rc->session_verified || (rc->session_from_cache && db_pool_listening(rc->w->db)))) {
        db_query *q = db_job_add(&rc->job, stmt_scope_set);
        db_query_param(q, rc->who.ticket);
        db_query_param(q, rc->request_id);
        db_query_param(q, rc->address);
        return;
    }
    rc->cache_generation = session_cache_generation(&rc->w->sessions);
    db_query *q = db_job_add(&rc->job, stmt_auth_begin);
    db_query_param(q, rc->token_hash);
    db_query_param(q, rc->request_id);
    db_query_param(q, rc->address);
    db_query_param(q, read_only ? "true" : "false");
}

void req_job_begin(req_ctx *rc, bool read_only)
{
    REQ_CHECK(rc, REQ_LIVE);
    job_begin(rc, read_only, true);
}

static void reply_session_ended(req_ctx *rc)
{
    session_cache_drop(&rc->w->sessions, rc->token_hash);
    req_add_header(rc, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
    reply_problem(rc, 401, sqlstate_problem_find("RA401", DB_CONTEXT_REQUEST)->detail);
}

/* The session side of a job's answer: false after replying. */
static bool session_ok(req_ctx *rc, const db_job *job)
{
    if (job->n == 0)
        return true;
    if (job->q[0].stmt == stmt_scope_set && (db_nrows(job->res[0]) != 1 || !db_get(job->res[0], 0, "user_id"))) {
        /* the ticket is no longer a live session's (it ended a moment ago): as auth_begin would say */
        reply_session_ended(rc);
        return false;
    }
    if (job->q[0].stmt != stmt_auth_begin || db_nrows(job->res[0]) != 1)
        return true;
    /* who the database says the caller is now: the server's own checks of what comes back use this, and the
     * session cache learns it */
    identity_from_row(job->res[0], 0, &rc->who);
    session_cache_put(&rc->w->sessions, rc->token_hash, &rc->who, now_us() / 1000,
                      identity_expires_in_s(job->res[0], 0), rc->cache_generation);
    rc->session_verified = true;
    rc->hold_error_reply = NULL;
    /* the role may have changed since the cache was filled: the route's permission, once more (a caller not from
     * the cache has its permission checked right after its lookup, with this identity) */
    if (rc->session_from_cache && rc->match.route && !role_may(rc->who.role, rc->match.route->perm)) {
        reply_problem(rc, 403, "Your role may not do this.");
        return false;
    }
    return true;
}

bool req_job_ok_in(req_ctx *rc, const db_job *job, db_context context, json_object *body)
{
    REQ_CHECK(rc, REQ_LIVE);
    if (job->status == DB_OK)
        return session_ok(rc, job);
    if (job->status == DB_ERROR && sqlstate_problem_find(job->sqlstate, context)->action == PROBLEM_SESSION_ENDED)
        reply_session_ended(rc);
    else
        reply_db_error(rc, job, context, body);
    return false;
}

bool req_job_ok(req_ctx *rc, const db_job *job)
{
    return req_job_ok_in(rc, job, DB_CONTEXT_REQUEST, NULL);
}

static void lookup_done(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    void (*then)(req_ctx *) = rc->after_lookup;
    rc->after_lookup = NULL;
    if (!req_job_ok(rc, job))
        return;
    if (!rc->session_verified) {
        reply_problem(rc, 500, "Internal error; quote the request id when reporting it.");
        return;
    }
    then(rc);
}

void txn_lookup_caller(req_ctx *rc, void (*then)(req_ctx *rc))
{
    REQ_CHECK(rc, REQ_LIVE);
    job_begin(rc, true, false);
    rc->job.retry_safe = true;
    rc->after_lookup = then;
    req_db_submit(rc, lookup_done);
}

void txn_caller_from_cache(req_ctx *rc, const identity *cached)
{
    REQ_CHECK(rc, REQ_LIVE);
    rc->who = *cached;
    rc->session_from_cache = true;
    rc->hold_error_reply = req_confirm_session;
}

static void session_confirmed(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (!req_job_ok(rc, job))
        return;
    if (!rc->session_verified) {
        /* auth_begin answered without the caller's row: never let the held answer out on that */
        reply_session_ended(rc);
        return;
    }
    reply_send_held(rc);
}

void req_confirm_session(req_ctx *rc)
{
    REQ_CHECK(rc, REQ_LIVE);
    /* The answer came from the request alone (a 422, a 428...), the caller only from the session cache: make sure
     * the session still lives before answering anything but 401 (one round trip, on errors only). */
    job_begin(rc, true, false);
    rc->job.retry_safe = true;
    req_db_submit(rc, session_confirmed);
}
