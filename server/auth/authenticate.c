#include "server/auth/authenticate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/token.h"
#include "server/http/request.h"

static int stmt_auth_begin, stmt_scope_set, stmt_audit_denied;

void authenticate_init(void)
{
    stmt_auth_begin = db_stmt_register(
        "auth_begin",
        "SELECT user_id, username, role, province_code, county_id, center_id, expires_in_s, ticket"
        " FROM auth_begin($1, $2, $3, $4)");
    /* what auth_begin sets, for a read whose caller is known from the session cache (session_cache.h): the
     * session's scope ticket auth_begin returned. The policies check it on every statement (migration 0013); this
     * returns its user id, or NULL when it is no longer a live session's (req_job_ok answers 401). One statement,
     * not scope_set() in PL/pgSQL: that cost a quarter of GET by id. LATERAL: the ticket is read after it is set. */
    stmt_scope_set = db_stmt_register(
        "scope_set",
        "SELECT x.user_id FROM (SELECT set_config('registry.scope', $1, true) AS t,"
        " set_config('registry.request_id', $2, true), set_config('registry.address', $3, true),"
        " set_config('synchronous_commit', 'off', true) OFFSET 0) s"
        " LEFT JOIN LATERAL (SELECT v.user_id FROM registry_scope_v v WHERE s.t IS NOT NULL) x ON true");
    stmt_audit_denied = db_stmt_register(
        "audit_denied",
        "INSERT INTO audit_log (action, entity, detail, province_code, county_id, center_id)"
        " VALUES ('denied', 'route', jsonb_build_object('method', $1::text, 'route', $2::text),"
        " registry_province(), registry_county(), registry_center())");
}

int auth_begin_stmt(void)
{
    return stmt_auth_begin;
}

int scope_set_stmt(void)
{
    return stmt_scope_set;
}

void scope_set_params(req_ctx *rc, const identity *who)
{
    db_query *q = &rc->job.q[rc->job.n - 1];
    db_query_param(q, who->ticket);
    db_query_param(q, rc->request_id);
    db_query_param(q, rc->address);
}

static int64_t to_i64(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

int identity_expires_in_s(const PGresult *r, int row)
{
    return PQnfields(r) > 6 && !PQgetisnull(r, row, 6) ? atoi(PQgetvalue(r, row, 6)) : 0;
}

void identity_from_row(const PGresult *r, int row, identity *who)
{
    memset(who, 0, sizeof(*who));
    who->user_id = to_i64(r, row, 0);
    snprintf(who->username, sizeof(who->username), "%s", PQgetvalue(r, row, 1));
    who->role = role_parse(PQgetvalue(r, row, 2));
    snprintf(who->province, sizeof(who->province), "%s", PQgetvalue(r, row, 3));
    who->county_id = (int32_t)to_i64(r, row, 4);
    who->center_id = to_i64(r, row, 5);
    if (PQnfields(r) > 7 && !PQgetisnull(r, row, 7))
        snprintf(who->ticket, sizeof(who->ticket), "%s", PQgetvalue(r, row, 7));
}

static void denied_done(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (!req_job_ok(rc, job))
        return;
    reply_problem(rc, 403, rc->state);
}

void req_deny(req_ctx *rc, const char *detail)
{
    /* refusals are audited too: who tried what */
    const route *rt = rc->match.route;
    rc->state = (void *)detail;
    req_job_begin(rc, false);
    db_query *q = db_job_add(&rc->job, stmt_audit_denied);
    db_query_param(q, rt->method);
    db_query_param(q, rt->pattern);
    req_db_submit(rc, denied_done);
}

/* Searches, exports and reports cost the database most: each token and each address gets a budget of them. */
static bool within_rate_limit(req_ctx *rc)
{
    const route *rt = rc->match.route;
    bool expensive = (rt->flags & ROUTE_EXPENSIVE) ||
                     ((rt->flags & ROUTE_LIST) && (rc->want_csv || req_query(rc, "q")));
    if (!expensive)
        return true;
    uint64_t now = now_us() / 1000;
    int retry = 0;
    if (ratelimit_take(&rc->w->rl_token, ratelimit_key(rc->token_hash), now, &retry) &&
        ratelimit_take(&rc->w->rl_address, ratelimit_key(rc->address), now, &retry))
        return true;
    char ra[16];
    snprintf(ra, sizeof(ra), "%d", retry);
    req_add_header(rc, "Retry-After", ra);
    reply_problem(rc, 429, "Too many searches, exports or reports; wait a little.");
    return false;
}

static void run_handler(req_ctx *rc)
{
    const route *rt = rc->match.route;
    if (!role_may(rc->who.role, rt->perm)) {
        req_deny(rc, "Your role may not do this.");
        return;
    }
    if (!within_rate_limit(rc))
        return;
    req_job_reset(rc);
    rt->handler(rc);
}

static void lookup_done(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (!req_job_ok(rc, job))
        return;
    if (PQntuples(job->res[0]) != 1) {
        reply_problem(rc, 500, "Internal error; quote the request id when reporting it.");
        return;
    }
    run_handler(rc);
}

void authenticate_and_run(req_ctx *rc)
{
    if (!req_query_check(rc))
        return;
    char token[44];
    const char *h = req_header(rc, "Authorization");
    if (bearer_parse(h, token) != 0) {
        req_add_header(rc, "WWW-Authenticate", "Bearer");
        reply_problem(rc, 401, h ? "The Authorization header is not a bearer token."
                                 : "Sign in first, then send Authorization: Bearer TOKEN.");
        return;
    }
    token_hash_hex(token, rc->token_hash);
    const identity *cached = session_cache_get(&rc->w->sessions, rc->token_hash, now_us() / 1000);
    if (cached) {
        rc->who = *cached;
        rc->session_from_cache = true;
        rc->hold_error_reply = req_confirm_session;
        run_handler(rc);
        return;
    }
    req_job_begin(rc, true);
    rc->job.retry_safe = true;
    req_db_submit(rc, lookup_done);
}
