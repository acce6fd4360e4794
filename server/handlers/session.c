/*
 * session.c - signing in and out: POST /api/v1/auth/login, POST /api/v1/auth/logout, GET /api/v1/auth/me,
 * POST /api/v1/auth/password.
 *
 * A password check never sees the stored hash: auth_*_start (one round trip) counts the attempt and returns only
 * the scrypt parameters and salt (a stable fake one for an unknown user), the crypto pool derives the key, and
 * auth_*_check (one round trip) compares it with the stored hash inside the database, which alone creates the
 * session or changes the password (migrations/0014_login_guard.sql). So an unknown user and a wrong password cost
 * the same and answer alike. Before anything is sent, attempts in flight are capped per address and per username
 * in this process (login_inflight.h); the database counts them across every registryd and throttles (429 with
 * Retry-After). Hashing runs on the crypto pool, never on an event loop; audit records are written by the check.
 *
 * The console signs in with ?cookie=true: the session then lives in an HttpOnly cookie (authenticate.h) and the
 * token is left out of the JSON body, so no script of the page ever holds it. Signing out by that cookie clears it.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "common/password.h"
#include "common/token.h"
#include "server/auth/authenticate.h"
#include "server/auth/login_inflight.h"
#include "server/crypto_pool.h"
#include "server/db/result.h"
#include "server/handlers/handlers.h"
#include "server/http/encode.h"
#include "server/http/validate.h"
#include "server/metrics.h"

static int stmt_login_start, stmt_login_check, stmt_logout, stmt_me, stmt_password_start, stmt_password_check,
    stmt_refusal_audit;

void session_init(void)
{
    stmt_login_start = db_stmt_register("login_start",
                                        "SELECT attempt_id, setting, retry_after_s FROM auth_login_start($1, $2, $3)");
    stmt_login_check = db_stmt_register(
        "login_check",
        "SELECT ok, user_id, " SQL_UTC_TS_OF("expires_at") " AS expires_at,"
        " username, role,"
        " province_code, county_id, center_id, full_name"
        " FROM auth_login_check($1::bigint, $2, $3, $4::integer, $5, $6)");
    stmt_logout = db_stmt_register("logout", "SELECT auth_logout($1)");
    stmt_me = db_stmt_register("me",
                               "SELECT id, username, role, province_code, county_id, center_id, full_name,"
                               " " SQL_UTC_TS_OF("password_changed_at") ","
                               " version FROM users WHERE id = registry_user_id()");
    stmt_password_start = db_stmt_register("password_start",
                                           "SELECT attempt_id, setting, retry_after_s FROM auth_password_start()");
    stmt_password_check = db_stmt_register("password_check",
                                           "SELECT auth_password_check($1::bigint, $2, $3, $4) AS ok");
    stmt_refusal_audit = db_stmt_register("busy_audit", "SELECT auth_busy_audit($1, $2, $3)");
}

static const col_spec user_public_cols[] = {{"id", COL_INT},         {"username", COL_TEXT},  {"role", COL_TEXT},
                                            {"province", COL_TEXT},  {"county_id", COL_INT}, {"center_id", COL_INT},
                                            {"full_name", COL_TEXT}, {"password_changed_at", COL_TIMESTAMP},
                                            {"version", COL_HIDDEN}};

/* Password checks in flight ----------------------------------------------------------------------------------- */

static void release_hold(void *h)
{
    login_inflight_release(h);
}

static void reply_busy(req_ctx *rc)
{
    req_add_header(rc, "Retry-After", "1");
    reply_problem(rc, 429, "Too many password checks at once for this user or from this address; try again "
                           "shortly.");
}

static void busy_audited(db_job *job, void *arg)
{
    (void)job;      /* refused either way; the database bounds how many of these it records */
    reply_busy(arg);
}

/* At most one audit call a minute per address from this process, so a flood of 429s costs the database nothing
 * (the database too records at most one a minute per address, whatever registryd sends). */
#define BUSY_AUDIT_SLOTS 512
static struct {
    uint64_t h;
    time_t at;
} busy_audit_seen[BUSY_AUDIT_SLOTS];
static pthread_mutex_t busy_audit_mu = PTHREAD_MUTEX_INITIALIZER;

static bool busy_audit_due(const char *address)
{
    char key[LOGIN_ADDRESS_KEY_MAX];
    login_address_key(address, key);
    uint64_t h = 1469598103934665603ULL;        /* FNV-1a */
    for (const unsigned char *c = (const unsigned char *)key; *c; c++)
        h = (h ^ *c) * 1099511628211ULL;
    size_t i = (size_t)(h % BUSY_AUDIT_SLOTS);
    time_t now = time(NULL);
    pthread_mutex_lock(&busy_audit_mu);
    bool due = busy_audit_seen[i].h != h || now - busy_audit_seen[i].at >= 60 || now < busy_audit_seen[i].at;
    if (due) {
        busy_audit_seen[i].h = h;
        busy_audit_seen[i].at = now;
    }
    pthread_mutex_unlock(&busy_audit_mu);
    return due;
}

/* Adds the audit record of a refusal in this process to rc->job. */
static void add_busy_audit(req_ctx *rc, const char *username)
{
    db_query *q = db_job_add(&rc->job, stmt_refusal_audit);
    db_query_param(q, username);
    db_query_param(q, rc->address);
    db_query_param(q, rc->request_id);
}

/* Takes places for keys (released when the request ends), or answers 429 (audited) and returns false. */
static bool inflight_take(req_ctx *rc, login_hold *hold, const char *const *keys, const int *caps, int n,
                          const char *username)
{
    if (!login_inflight_acquire(hold, keys, caps, n)) {
        metrics_login(&rc->w->metrics, METRICS_LOGIN_REFUSED);
        if (!busy_audit_due(rc->address)) {
            reply_busy(rc);
            return false;
        }
        req_job_reset(rc);
        add_busy_audit(rc, username);
        req_db_submit(rc, busy_audited);
        return false;
    }
    arena_on_reset(rc->arena, release_hold, hold);
    return true;
}

/* The database's throttle said wait: 429 with its Retry-After, nothing hashed. */
/* A text column's value as a JSON string, or null for SQL NULL. */
static void json_text_or_null(strbuf *sb, const char *v)
{
    if (v)
        strbuf_json_string(sb, v);
    else
        strbuf_puts(sb, "null");
}

static void reply_throttled(req_ctx *rc, const char *retry, const char *detail);

/* The answer of auth_login_start / auth_password_start (columns attempt_id, setting, retry_after_s): false after
 * replying 429 when the database throttles; else the attempt and the scrypt setting to derive the key with. */
static bool attempt_started(req_ctx *rc, const PGresult *r, char *attempt, size_t attempt_size, char *setting,
                            size_t setting_size, const char *throttled)
{
    const char *retry = db_get(r, 0, "retry_after_s");
    if (retry && atoi(retry) > 0) {
        reply_throttled(rc, retry, throttled);
        return false;
    }
    const char *a = db_get(r, 0, "attempt_id"), *set = db_get(r, 0, "setting");
    snprintf(attempt, attempt_size, "%s", a ? a : "");
    snprintf(setting, setting_size, "%s", set ? set : "");
    return true;
}

static void reply_throttled(req_ctx *rc, const char *retry, const char *detail)
{
    metrics_login(&rc->w->metrics, METRICS_LOGIN_REFUSED);
    metrics_event(&rc->w->metrics, METRICS_EV_LOCKED_OUT);
    req_add_header(rc, "Retry-After", retry);
    reply_problem(rc, 429, detail);
}

/* Login ------------------------------------------------------------------------------------------------------- */

typedef struct login_state {
    crypto_task task;
    req_ctx *rc;
    login_hold hold;                /* the address's place */
    login_hold user_hold;           /* the username's, once the database has counted the attempt */
    char username[64 * 4 + 1];      /* up to 64 characters of UTF-8, never cut */
    char password[1040];
    char attempt[24];
    char setting[PASSWORD_ENCODED_MAX];
    char candidate[PASSWORD_ENCODED_MAX];
    char upgrade[PASSWORD_ENCODED_MAX];     /* a verifier with the current parameters, when the stored one is older */
    bool abandoned;                 /* nothing was checked: the check only takes the attempt's count back */
    bool busy;                      /* abandoned because the username had too many checks in flight here */
    bool cookie;                    /* ?cookie=true: the token goes in SESSION_COOKIE, not in the body */
    char token[44];
    char token_hash[65];
} login_state;

/* Whatever path the request took (a database error, a 429, a hang-up), secrets go with it. */
static void login_wipe(void *p)
{
    login_state *st = p;
    OPENSSL_cleanse(st->password, sizeof(st->password));
    OPENSSL_cleanse(st->candidate, sizeof(st->candidate));
    OPENSSL_cleanse(st->upgrade, sizeof(st->upgrade));
    OPENSSL_cleanse(st->token, sizeof(st->token));
}

static void login_checked(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    login_state *st = rc->state;
    if (!req_job_ok(rc, job))
        return;
    if (st->busy) {
        reply_busy(rc);
        return;
    }
    if (st->abandoned) {
        /* the client hung up before its turn (or there was no room to hash): nobody to answer, or 503 */
        reply_problem(rc, 503, "Too many sign-ins at once; try again shortly.");
        return;
    }
    const PGresult *r = job->res[0];
    if (db_nrows(r) != 1) {
        reply_problem(rc, 500, "Internal error; quote the request id when reporting it.");
        return;
    }
    if (!db_get_bool(r, 0, "ok")) {
        metrics_event(&rc->w->metrics, METRICS_EV_LOGIN_FAILED);
        reply_problem(rc, 401, "Wrong username or password.");
        return;
    }
    strbuf sb = STRBUF_INIT;
    if (st->cookie) {
        req_set_session_cookie(rc, st->token, -1);    /* the server's session_ttl_s bounds it */
        strbuf_puts(&sb, "{\"expires_at\":");
    } else {
        strbuf_puts(&sb, "{\"token\":");
        strbuf_json_string(&sb, st->token);
        strbuf_puts(&sb, ",\"expires_at\":");
    }
    json_text_or_null(&sb, db_get(r, 0, "expires_at"));
    strbuf_printf(&sb, ",\"user\":{\"id\":%s,\"username\":", db_get(r, 0, "user_id"));
    json_text_or_null(&sb, db_get(r, 0, "username"));
    strbuf_puts(&sb, ",\"role\":");
    json_text_or_null(&sb, db_get(r, 0, "role"));
    strbuf_puts(&sb, ",\"province\":");
    json_text_or_null(&sb, db_get(r, 0, "province_code"));
    const char *county = db_get(r, 0, "county_id"), *center = db_get(r, 0, "center_id");
    strbuf_printf(&sb, ",\"county_id\":%s,\"center_id\":%s,\"full_name\":", county ? county : "null",
                  center ? center : "null");
    json_text_or_null(&sb, db_get(r, 0, "full_name"));
    strbuf_puts(&sb, "}}");
    reply_strbuf(rc, 200, "application/json", &sb);
}

/* Sends the derived key to the database (or, abandoned, no key: the attempt's count is taken back). */
static void login_send_check(req_ctx *rc, login_state *st)
{
    char ttl[16];
    snprintf(ttl, sizeof(ttl), "%d", rc->w->cfg->session_ttl_s);
    req_job_reset(rc);
    db_query *q = db_job_add(&rc->job, stmt_login_check);
    db_query_param(q, st->attempt);
    db_query_param(q, st->abandoned ? NULL : st->candidate);
    db_query_param(q, st->abandoned ? NULL : st->token_hash);
    db_query_param(q, arena_strdup(rc->arena, ttl));
    db_query_param(q, rc->request_id);
    db_query_param(q, st->abandoned || !st->upgrade[0] ? NULL : st->upgrade);
    if (st->busy && busy_audit_due(rc->address))
        add_busy_audit(rc, st->username);
    req_db_submit(rc, login_checked);
}

static void login_check_work(crypto_task *t)
{
    login_state *st = t->arg;
    if (password_derive_setting(st->password, st->setting, st->candidate, sizeof(st->candidate)) != 0) {
        /* a stored hash registryd cannot use: cost the same, and let the database record a failure */
        (void)password_verify(st->password, password_dummy_hash());
        st->candidate[0] = '\0';
    } else if (password_setting_needs_rehash(st->setting) == 1 &&
               password_hash(st->password, st->upgrade, sizeof(st->upgrade)) != 0) {
        /* older parameters: a verifier with the current ones, which the database stores if the key matches */
        st->upgrade[0] = '\0';
    }
    OPENSSL_cleanse(st->password, sizeof(st->password));
    if (token_generate(st->token) == 0)
        token_hash_hex(st->token, st->token_hash);
    else
        st->candidate[0] = '\0';    /* no token: a sure mismatch rather than a session nobody can use */
}

static void login_check_done(crypto_task *t)
{
    login_state *st = t->arg;
    req_ctx *rc = st->rc;
    worker_cancel_on_close(rc->req, NULL);
    OPENSSL_cleanse(st->password, sizeof(st->password));
    st->abandoned = t->skipped;
    metrics_login(&rc->w->metrics, t->skipped ? METRICS_LOGIN_SKIPPED : METRICS_LOGIN_HASHED);
    login_send_check(rc, st);
}

static void login_started(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    login_state *st = rc->state;
    if (!req_job_ok(rc, job))
        return;
    if (!attempt_started(rc, job->res[0], st->attempt, sizeof(st->attempt), st->setting, sizeof(st->setting),
                         "Too many failed sign-ins for this user or from this address; try again later."))
        return;
    /* the username's place only now: a stranger refused by the database takes none from the real user */
    const char *ukey[] = {arena_sprintf(rc->arena, "u:%s", st->username)};
    const int ucap[] = {rc->w->cfg->login_inflight_per_user};
    if (!login_inflight_acquire(&st->user_hold, ukey, ucap, 1)) {
        metrics_login(&rc->w->metrics, METRICS_LOGIN_REFUSED);
        OPENSSL_cleanse(st->password, sizeof(st->password));
        st->abandoned = st->busy = true;      /* the attempt's count goes back */
        login_send_check(rc, st);
        return;
    }
    arena_on_reset(rc->arena, release_hold, &st->user_hold);
    st->task.work = login_check_work;
    st->task.done = login_check_done;
    st->task.arg = st;
    worker_cancel_on_close(rc->req, &st->task.cancelled);
    st->task.fd = worker_request_fd(rc->req);
    st->task.watch_fd = true;
    if (!crypto_pool_submit(rc->w->base, &st->task)) {
        worker_cancel_on_close(rc->req, NULL);
        OPENSSL_cleanse(st->password, sizeof(st->password));
        st->abandoned = true;
        login_send_check(rc, st);
    }
}

static const field_spec login_fields[] = {
    {"username", F_STRING, true, 1, 64, NULL},
    {"password", F_STRING, true, 1, 256, NULL},
};

void handle_login(req_ctx *rc)
{
    const char *cookie = req_query(rc, "cookie");
    if (cookie && strcmp(cookie, "true") != 0 && strcmp(cookie, "false") != 0) {
        field_errors qe = {0};
        field_error(&qe, "cookie", "is true or false");
        reply_problem_fields(rc, 400, "Invalid query parameter.", &qe);
        return;
    }
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
    st->cookie = cookie && !strcmp(cookie, "true");
    rc->state = st;
    arena_on_reset(rc->arena, login_wipe, st);
    /* at most 64 characters (validated), so it fits whole: cutting it could split a character */
    const char *u = body_string(body, "username");
    size_t i = 0;
    for (; u[i] && i < sizeof(st->username) - 1; i++)
        st->username[i] = (u[i] >= 'A' && u[i] <= 'Z') ? (char)(u[i] | 0x20) : u[i];
    st->username[i] = '\0';
    char akey[LOGIN_ADDRESS_KEY_MAX];
    login_address_key(rc->address, akey);
    const char *keys[] = {arena_sprintf(rc->arena, "a:%s", akey)};
    const int caps[] = {rc->w->cfg->login_inflight_per_address};
    if (!inflight_take(rc, &st->hold, keys, caps, 1, st->username))
        return;
    snprintf(st->password, sizeof(st->password), "%s", body_string(body, "password"));
    db_query *q = db_job_add(&rc->job, stmt_login_start);
    db_query_param(q, st->username);
    db_query_param(q, rc->address);
    /* an unknown user's fake salt comes with the parameters a real one's verifier is upgraded to */
    db_query_param(q, arena_sprintf(rc->arena, "ln=%d,r=%d,p=%d", PASSWORD_DEFAULT_LN, PASSWORD_DEFAULT_R,
                                    PASSWORD_DEFAULT_P));
    req_db_submit(rc, login_started);
}

/* Logout, me ------------------------------------------------------------------------------------------------- */

static void logout_done(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (!req_job_ok(rc, job))
        return;
    session_cache_drop(&rc->w->sessions, rc->token_hash);
    session_cache_forget_all();     /* every thread, before the caller hears the logout worked */
    if (req_by_cookie(rc))
        req_set_session_cookie(rc, "", 0);
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
    if (db_nrows(job->res[1]) != 1) {
        reply_problem(rc, 404, "No such user.");
        return;
    }
    strbuf sb = STRBUF_INIT;
    req_set_etag(rc, "user", db_get(job->res[1], 0, "id"), db_get(job->res[1], 0, "version"), "me");
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
    login_hold hold;
    char current[1040], next[1040];
    char attempt[24];
    char setting[PASSWORD_ENCODED_MAX];
    char candidate[PASSWORD_ENCODED_MAX];
    char new_hash[256];
    bool abandoned;
} password_state;

static void password_wipe(void *p)
{
    password_state *st = p;
    OPENSSL_cleanse(st->current, sizeof(st->current));
    OPENSSL_cleanse(st->next, sizeof(st->next));
    OPENSSL_cleanse(st->candidate, sizeof(st->candidate));
    OPENSSL_cleanse(st->new_hash, sizeof(st->new_hash));
}

static void password_checked(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    password_state *st = rc->state;
    if (!req_job_ok(rc, job))
        return;
    if (st->abandoned) {
        reply_problem(rc, 503, "Too many password checks at once; try again shortly.");
        return;
    }
    if (!db_get_bool(job->res[1], 0, "ok")) {
        metrics_event(&rc->w->metrics, METRICS_EV_LOGIN_FAILED);
        field_errors fe = {0};
        field_error_coded(&fe, "current_password", "wrong", "گذرواژهٔ کنونی درست نیست.", "is not your current password");
        reply_problem_fields(rc, 422, "The password was not changed.", &fe);
        return;
    }
    reply_empty(rc, 204);
}

static void password_work(crypto_task *t)
{
    password_state *st = t->arg;
    if (password_derive_setting(st->current, st->setting, st->candidate, sizeof(st->candidate)) != 0)
        st->candidate[0] = '\0';
    if (password_hash(st->next, st->new_hash, sizeof(st->new_hash)) != 0)
        st->candidate[0] = '\0';    /* nothing to store: refuse rather than fail half-way */
    OPENSSL_cleanse(st->current, sizeof(st->current));
    OPENSSL_cleanse(st->next, sizeof(st->next));
}

static void password_hashed(crypto_task *t)
{
    password_state *st = t->arg;
    req_ctx *rc = st->rc;
    worker_cancel_on_close(rc->req, NULL);
    OPENSSL_cleanse(st->current, sizeof(st->current));
    OPENSSL_cleanse(st->next, sizeof(st->next));
    st->abandoned = t->skipped;
    metrics_login(&rc->w->metrics, t->skipped ? METRICS_LOGIN_SKIPPED : METRICS_LOGIN_HASHED);
    req_job_begin(rc, false);
    db_query *q = db_job_add(&rc->job, stmt_password_check);
    db_query_param(q, st->attempt);
    db_query_param(q, st->abandoned ? NULL : st->candidate);
    db_query_param(q, st->abandoned || !st->new_hash[0] ? "" : st->new_hash);
    db_query_param(q, rc->token_hash);
    req_db_submit(rc, password_checked);
}

static void password_started(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    password_state *st = rc->state;
    if (!req_job_ok(rc, job))
        return;
    if (!attempt_started(rc, job->res[1], st->attempt, sizeof(st->attempt), st->setting, sizeof(st->setting),
                         "Too many failed password checks for this user; try again later."))
        return;
    st->task.work = password_work;
    st->task.done = password_hashed;
    st->task.arg = st;
    worker_cancel_on_close(rc->req, &st->task.cancelled);
    st->task.fd = worker_request_fd(rc->req);
    st->task.watch_fd = true;
    if (!crypto_pool_submit(rc->w->base, &st->task)) {
        /* no room to hash: hand the attempt back, then 503 */
        st->task.skipped = true;
        password_hashed(&st->task);
    }
}

/* The password rules' refusals (common/password.c) as stable codes and Persian sentences: the console shows them
 * beside the field. A reason not in the table (a rule added later) stays an uncoded English message. */
static const struct {
    const char *reason, *code, *fa;
} password_rules[] = {
    {"no password given", "empty", "گذرواژه نباید خالی باشد."},
    {"password is longer than 256 bytes", "too_long", "گذرواژه بیش از ۲۵۶ بایت است."},
    {"password is not valid UTF-8", "not_utf8", "گذرواژه متن UTF-8 معتبری نیست."},
    {"password is shorter than 12 characters", "too_short", "گذرواژه باید دست‌کم ۱۲ نویسه باشد."},
    {"password is one character repeated", "repeated", "گذرواژه نباید تکرار یک نویسه باشد."},
    {"password is a straight run of consecutive digits or letters", "sequence",
     "گذرواژه نباید رشته‌ای از رقم‌ها یا حرف‌های پشت سر هم باشد."},
    {"password contains the username", "contains_username", "گذرواژه نباید نام کاربری را در خود داشته باشد."},
    {"password is too common", "common", "این گذرواژه بسیار رایج است؛ گذرواژهٔ دیگری برگزینید."},
    {"password is a common word with digits or symbols added", "common_word",
     "گذرواژه یک واژهٔ رایج با چند رقم یا نماد است؛ گذرواژهٔ دیگری برگزینید."},
};

void field_error_password_rule(field_errors *fe, const char *field, const char *reason)
{
    for (int i = 0; i < NCOLS(password_rules); i++)
        if (!strcmp(reason, password_rules[i].reason)) {
            field_error_coded(fe, field, password_rules[i].code, password_rules[i].fa, "%s", reason);
            return;
        }
    field_error(fe, field, "%s", reason);
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
        field_error_password_rule(&fe, "new_password", reason);
    if (fe.list) {
        reply_problem_fields(rc, 422, "The password was not changed.", &fe);
        return;
    }
    password_state *st = arena_calloc(rc->arena, sizeof(*st));
    st->rc = rc;
    rc->state = st;
    arena_on_reset(rc->arena, password_wipe, st);
    /* one check at a time per user: a stolen token cannot keep the login threads busy. A key of its own, not the
     * sign-ins' "u:", so a stranger's sign-ins in flight for the username cannot refuse its owner's change. */
    const char *keys[] = {arena_sprintf(rc->arena, "pw:%s", rc->who.username)};
    const int caps[] = {1};
    if (!inflight_take(rc, &st->hold, keys, caps, 1, rc->who.username))
        return;
    snprintf(st->current, sizeof(st->current), "%s", body_string(body, "current_password"));
    snprintf(st->next, sizeof(st->next), "%s", body_string(body, "new_password"));
    req_job_begin(rc, false);
    db_job_add(&rc->job, stmt_password_start);
    req_db_submit(rc, password_started);
}
