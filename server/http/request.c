/* The caller's transaction: the statement every job of an authenticated request begins with, and what its answer
 * says about the session (moves to server/auth/ next). */
#include "server/http/request.h"

#include <string.h>

#include "common/log.h"
#include "server/auth/authenticate.h"

void req_job_reset(req_ctx *rc)
{
    db_job_clear(&rc->job);
    memset(&rc->job, 0, sizeof(rc->job));
}

/* may_use_cache: a read whose caller came from the session cache starts with the cached scope instead of
 * auth_begin, while this thread hears revocations (session_cache.h explains why that is safe) */
static void job_begin(req_ctx *rc, bool read_only, bool may_use_cache)
{
    req_job_reset(rc);
    if (read_only && may_use_cache && rc->session_from_cache && db_pool_listening(rc->w->db)) {
        db_job_add(&rc->job, scope_set_stmt());
        scope_set_params(rc, &rc->who);
        return;
    }
    rc->cache_generation = session_cache_generation(&rc->w->sessions);
    db_query *q = db_job_add(&rc->job, auth_begin_stmt());
    db_query_param(q, rc->token_hash);
    db_query_param(q, rc->request_id);
    db_query_param(q, rc->address);
    db_query_param(q, read_only ? "true" : "false");
}

void req_job_begin(req_ctx *rc, bool read_only)
{
    job_begin(rc, read_only, true);
}

bool req_job_ok(req_ctx *rc, const db_job *job)
{
    if (job->status == DB_OK && job->n > 0 && job->q[0].stmt == scope_set_stmt() &&
        (!job->res[0] || PQntuples(job->res[0]) != 1 || PQgetisnull(job->res[0], 0, 0))) {
        /* the cached ticket is no longer a live session's (it ended a moment ago): as auth_begin would say */
        session_cache_drop(&rc->w->sessions, rc->token_hash);
        req_add_header(rc, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
        reply_problem(rc, 401, "The session has ended or the token is not valid; sign in again.");
        return false;
    }
    if (job->status == DB_OK) {
        /* who the database says the caller is now: the server's own checks of what comes back use this, and the
         * session cache learns it */
        if (job->n > 0 && job->q[0].stmt == auth_begin_stmt() && job->res[0] && PQntuples(job->res[0]) == 1) {
            identity_from_row(job->res[0], 0, &rc->who);
            session_cache_put(&rc->w->sessions, rc->token_hash, &rc->who, now_us() / 1000,
                              identity_expires_in_s(job->res[0], 0), rc->cache_generation);
            rc->session_verified = true;
            rc->hold_error_reply = NULL;
            /* the role may have changed since the cache was filled: the route's permission, once more (a caller
             * not from the cache has its permission checked right after this lookup, with this identity) */
            if (rc->session_from_cache && rc->match.route && !role_may(rc->who.role, rc->match.route->perm)) {
                reply_problem(rc, 403, "Your role may not do this.");
                return false;
            }
        }
        return true;
    }
    if (job->status == DB_ERROR && strcmp(job->sqlstate, "RA401") == 0) {
        session_cache_drop(&rc->w->sessions, rc->token_hash);
        req_add_header(rc, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
        reply_problem(rc, 401, "The session has ended or the token is not valid; sign in again.");
        return false;
    }
    if (job->status == DB_ERROR && strcmp(job->sqlstate, "RA422") == 0) {
        /* a rule of the registry's own (an allocation overrun, a reference to another province): the message is
         * ours, written "field: what is wrong" */
        field_errors fe = {0};
        const char *colon = strstr(job->errmsg, ": ");
        size_t flen = colon ? (size_t)(colon - job->errmsg) : 0;
        bool named = flen > 0 && flen < 64 && strspn(job->errmsg, "abcdefghijklmnopqrstuvwxyz_") == flen;
        char field[64] = "";
        if (named)
            memcpy(field, job->errmsg, flen), field[flen] = '\0';
        field_error(&fe, field, "%s", named ? colon + 2 : job->errmsg);
        reply_problem_fields(rc, 422, "The record breaks a rule of the registry.", &fe);
        return false;
    }
    if (job->status == DB_ERROR && strcmp(job->sqlstate, "RA404") == 0) {
        reply_problem(rc, 404, "No such record (or it is outside your scope).");
        return false;
    }
    if (job->status == DB_ERROR && strcmp(job->sqlstate, "42501") == 0) {
        /* row-level security refused a write: outside the caller's scope */
        log_msg(LOG_WARN, rc->request_id, "row-level security refused a write: %s", job->errmsg);
        reply_problem(rc, 403, "This is outside your scope.");
        return false;
    }
    reply_db_failure(rc, job);
    return false;
}

static void session_confirmed(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (req_job_ok(rc, job))
        reply_send_held(rc);
}

void req_confirm_session(req_ctx *rc)
{
    /* The answer came from the request alone (a 422, a 428...), the caller only from the session cache: make sure
     * the session still lives before answering anything but 401 (one round trip, on errors only). */
    job_begin(rc, true, false);
    rc->job.retry_safe = true;
    req_db_submit(rc, session_confirmed);
}
