/*
 * session.c - signing in and out: POST /api/v1/auth/login, POST /api/v1/auth/logout, GET /api/v1/auth/me,
 * POST /api/v1/auth/password.
 *
 * Login answers the same way, in about the same time, for an unknown user and a wrong password: an unknown
 * user's attempt is checked against a dummy hash. Password hashing runs on the crypto pool, never on an event
 * loop. Lock-outs (429) and audit records are kept in the database, so they hold across every registryd.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/password.h"
#include "common/token.h"
#include "server/auth/authenticate.h"
#include "server/crypto_pool.h"
#include "server/handlers/handlers.h"
#include "server/http/encode.h"
#include "server/http/validate.h"

static int stmt_login_lookup, stmt_login_finish, stmt_logout, stmt_me, stmt_own_hash, stmt_set_own_password;

void session_init(void)
{
    stmt_login_lookup = db_stmt_register("login_lookup",
                                         "SELECT user_id, password_hash, retry_after_s FROM auth_login_lookup($1, $2)");
    stmt_login_finish = db_stmt_register(
        "login_finish",
        "SELECT to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), username, role,"
        " province_code, county_id, center_id, full_name"
        " FROM auth_login_finish($1, $2, $3, $4, $5, $6, $7)");
    stmt_logout = db_stmt_register("logout", "SELECT auth_logout($1)");
    stmt_me = db_stmt_register("me",
                               "SELECT id, username, role, province_code, county_id, center_id, full_name,"
                               " to_char(password_changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                               " version FROM users WHERE id = registry_user_id()");
    stmt_own_hash = db_stmt_register("own_password_hash", "SELECT auth_own_password_hash()");
    stmt_set_own_password = db_stmt_register("set_own_password", "SELECT auth_set_own_password($1, $2)");
}

static const col_spec user_public_cols[] = {{"id", COL_INT},         {"username", COL_TEXT},  {"role", COL_TEXT},
                                            {"province", COL_TEXT},  {"county_id", COL_INT}, {"center_id", COL_INT},
                                            {"full_name", COL_TEXT}, {"password_changed_at", COL_TIMESTAMP},
                                            {"version", COL_HIDDEN}};

/* Login ------------------------------------------------------------------------------------------------------- */

typedef struct login_state {
    crypto_task task;
    req_ctx *rc;
    char username[72];
    char password[1040];
    char hash[256];
    char user_id[24];       /* "" when no such user */
    bool ok;
    char token[44];
    char token_hash[65];
} login_state;

static void login_finish_done(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    login_state *st = rc->state;
    if (!req_job_ok(rc, job))
        return;
    if (!st->ok) {
        reply_problem(rc, 401, "Wrong username or password.");
        return;
    }
    const PGresult *r = job->res[0];
    if (PQntuples(r) != 1) {
        reply_problem(rc, 500, "Internal error; quote the request id when reporting it.");
        return;
    }
    strbuf sb = STRBUF_INIT;
    strbuf_puts(&sb, "{\"token\":");
    strbuf_json_string(&sb, st->token);
    strbuf_puts(&sb, ",\"expires_at\":");
    strbuf_json_string(&sb, PQgetvalue(r, 0, 0));
    strbuf_printf(&sb, ",\"user\":{\"id\":%s,\"username\":", st->user_id);
    strbuf_json_string(&sb, PQgetvalue(r, 0, 1));
    strbuf_puts(&sb, ",\"role\":");
    strbuf_json_string(&sb, PQgetvalue(r, 0, 2));
    strbuf_puts(&sb, ",\"province\":");
    if (PQgetisnull(r, 0, 3))
        strbuf_puts(&sb, "null");
    else
        strbuf_json_string(&sb, PQgetvalue(r, 0, 3));
    strbuf_printf(&sb, ",\"county_id\":%s,\"center_id\":%s,\"full_name\":",
                  PQgetisnull(r, 0, 4) ? "null" : PQgetvalue(r, 0, 4), PQgetisnull(r, 0, 5) ? "null" : PQgetvalue(r, 0, 5));
    if (PQgetisnull(r, 0, 6))
        strbuf_puts(&sb, "null");
    else
        strbuf_json_string(&sb, PQgetvalue(r, 0, 6));
    strbuf_puts(&sb, "}}");
    reply_strbuf(rc, 200, "application/json", &sb);
}

static void login_check_work(crypto_task *t)
{
    login_state *st = t->arg;
    /* an unknown user costs the same scrypt as a known one */
    const char *hash = st->user_id[0] ? st->hash : password_dummy_hash();
    st->ok = password_verify(st->password, hash) == 1 && st->user_id[0];
    memset(st->password, 0, sizeof(st->password));
    if (st->ok && token_generate(st->token) == 0)
        token_hash_hex(st->token, st->token_hash);
    else
        st->ok = false;
}

static void login_check_done(crypto_task *t)
{
    login_state *st = t->arg;
    req_ctx *rc = st->rc;
    worker_cancel_on_close(rc->req, NULL);
    if (t->skipped) {
        /* the client hung up before its turn: nothing was checked, nothing to record, nobody to answer */
        memset(st->password, 0, sizeof(st->password));
        reply_problem(rc, 503, "The sign-in was abandoned.");
        return;
    }
    char ttl[16];
    snprintf(ttl, sizeof(ttl), "%d", rc->w->cfg->session_ttl_s);
    req_job_reset(rc);
    db_query *q = db_job_add(&rc->job, stmt_login_finish);
    db_query_param(q, st->username);
    db_query_param(q, st->user_id[0] ? st->user_id : NULL);
    db_query_param(q, st->ok ? "true" : "false");
    db_query_param(q, st->ok ? st->token_hash : NULL);
    db_query_param(q, arena_strdup(rc->arena, ttl));
    db_query_param(q, rc->address);
    db_query_param(q, rc->request_id);
    req_db_submit(rc, login_finish_done);
}

static void login_lookup_done(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    login_state *st = rc->state;
    if (!req_job_ok(rc, job))
        return;
    const PGresult *r = job->res[0];
    int retry = atoi(PQgetvalue(r, 0, 2));
    if (retry > 0) {
        char ra[16];
        snprintf(ra, sizeof(ra), "%d", retry);
        req_add_header(rc, "Retry-After", ra);
        reply_problem(rc, 429, "Too many failed sign-ins for this user or from this address; try again later.");
        return;
    }
    snprintf(st->user_id, sizeof(st->user_id), "%s", PQgetvalue(r, 0, 0));
    snprintf(st->hash, sizeof(st->hash), "%s", PQgetvalue(r, 0, 1));
    st->task.work = login_check_work;
    st->task.done = login_check_done;
    st->task.arg = st;
    worker_cancel_on_close(rc->req, &st->task.cancelled);
    st->task.fd = worker_request_fd(rc->req);
    st->task.watch_fd = true;
    if (!crypto_pool_submit(rc->w->base, &st->task)) {
        worker_cancel_on_close(rc->req, NULL);
        reply_problem(rc, 503, "Too many sign-ins at once; try again shortly.");
    }
}

static const field_spec login_fields[] = {
    {"username", F_STRING, true, 1, 64, NULL},
    {"password", F_STRING, true, 1, 256, NULL},
};

void handle_login(req_ctx *rc)
{
    json_object *body = req_json_body(rc);
    if (!body)
        return;
    field_errors fe = {0};
    if (!validate_fields(body, login_fields, NCOLS(login_fields), false, &fe)) {
        reply_problem_fields(rc, 422, "The sign-in request is incomplete.", &fe);
        return;
    }
    login_state *st = arena_calloc(rc->arena, sizeof(*st));
    st->rc = rc;
    rc->state = st;
    const char *u = body_string(body, "username");
    size_t i = 0;
    for (; u[i] && i < sizeof(st->username) - 1; i++)
        st->username[i] = (u[i] >= 'A' && u[i] <= 'Z') ? (char)(u[i] | 0x20) : u[i];
    st->username[i] = '\0';
    snprintf(st->password, sizeof(st->password), "%s", body_string(body, "password"));
    db_query *q = db_job_add(&rc->job, stmt_login_lookup);
    db_query_param(q, st->username);
    db_query_param(q, rc->address);
    req_db_submit(rc, login_lookup_done);
}

/* Logout, me ------------------------------------------------------------------------------------------------- */

static void logout_done(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (!req_job_ok(rc, job))
        return;
    session_cache_drop(&rc->w->sessions, rc->token_hash);
    session_cache_forget_all();     /* every thread, before the caller hears the logout worked */
    reply_empty(rc, 204);
}

void handle_logout(req_ctx *rc)
{
    req_job_begin(rc, false);
    db_query_param(db_job_add(&rc->job, stmt_logout), rc->token_hash);
    req_db_submit(rc, logout_done);
}

static void me_done(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (!req_job_ok(rc, job))
        return;
    if (PQntuples(job->res[1]) != 1) {
        reply_problem(rc, 404, "No such user.");
        return;
    }
    strbuf sb = STRBUF_INIT;
    req_set_etag(rc, "user", PQgetvalue(job->res[1], 0, 0), PQgetvalue(job->res[1], 0, 8), "me");
    encode_row_json(&sb, job->res[1], 0, user_public_cols, NCOLS(user_public_cols));
    reply_strbuf(rc, 200, "application/json", &sb);
}

void handle_me(req_ctx *rc)
{
    req_job_begin(rc, true);
    db_job_add(&rc->job, stmt_me);
    rc->job.retry_safe = true;
    req_db_submit(rc, me_done);
}

/* Password change --------------------------------------------------------------------------------------------- */

typedef struct password_state {
    crypto_task task;
    req_ctx *rc;
    char current[1040], next[1040];
    char old_hash[256], new_hash[256];
    bool ok;
} password_state;

static void password_set_done(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (!req_job_ok(rc, job))
        return;
    reply_empty(rc, 204);
}

static void password_work(crypto_task *t)
{
    password_state *st = t->arg;
    st->ok = password_verify(st->current, st->old_hash) == 1 && password_hash(st->next, st->new_hash, sizeof(st->new_hash)) == 0;
    memset(st->current, 0, sizeof(st->current));
    memset(st->next, 0, sizeof(st->next));
}

static void password_checked(crypto_task *t)
{
    password_state *st = t->arg;
    req_ctx *rc = st->rc;
    if (!st->ok) {
        field_errors fe = {0};
        field_error(&fe, "current_password", "is not your current password");
        reply_problem_fields(rc, 422, "The password was not changed.", &fe);
        return;
    }
    req_job_begin(rc, false);
    db_query *q = db_job_add(&rc->job, stmt_set_own_password);
    db_query_param(q, st->new_hash);
    db_query_param(q, rc->token_hash);
    req_db_submit(rc, password_set_done);
}

static void password_hash_loaded(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    password_state *st = rc->state;
    if (!req_job_ok(rc, job))
        return;
    snprintf(st->old_hash, sizeof(st->old_hash), "%s", PQgetvalue(job->res[1], 0, 0));
    st->task.work = password_work;
    st->task.done = password_checked;
    st->task.arg = st;
    if (!crypto_pool_submit(rc->w->base, &st->task))
        reply_problem(rc, 503, "Too many password checks at once; try again shortly.");
}

static const field_spec password_fields[] = {
    {"current_password", F_STRING, true, 1, 256, NULL},
    {"new_password", F_STRING, true, 1, 256, NULL},
};

void handle_password_change(req_ctx *rc)
{
    json_object *body = req_json_body(rc);
    if (!body)
        return;
    field_errors fe = {0};
    const char *reason = NULL;
    if (validate_fields(body, password_fields, NCOLS(password_fields), false, &fe) &&
        password_check_strength(body_string(body, "new_password"), rc->who.username, &reason) != 0)
        field_error(&fe, "new_password", "%s", reason);
    if (fe.list) {
        reply_problem_fields(rc, 422, "The password was not changed.", &fe);
        return;
    }
    password_state *st = arena_calloc(rc->arena, sizeof(*st));
    st->rc = rc;
    rc->state = st;
    snprintf(st->current, sizeof(st->current), "%s", body_string(body, "current_password"));
    snprintf(st->next, sizeof(st->next), "%s", body_string(body, "new_password"));
    req_job_begin(rc, true);
    db_job_add(&rc->job, stmt_own_hash);
    req_db_submit(rc, password_hash_loaded);
}
