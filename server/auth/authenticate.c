#include "server/auth/authenticate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/token.h"
#include "server/auth/session_cache.h"
#include "server/http/input.h"
#include "server/http/reply.h"

static int stmt_audit_denied;

void authenticate_init(void)
{
    transaction_init();
    stmt_audit_denied = db_stmt_register(
        "audit_denied",
        "INSERT INTO audit_log (action, entity, detail, province_code, county_id, center_id)"
        " VALUES ('denied', 'route', jsonb_build_object('method', $1::text, 'route', $2::text),"
        " registry_province(), registry_county(), registry_center())");
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
    metrics_event(&rc->w->metrics, METRICS_EV_RATE_LIMITED);
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
    req_enter_handler(rc);
    rt->handler(rc);
}

bool req_by_cookie(req_ctx *rc)
{
    return req_header(rc, "Authorization") == NULL;
}

void req_set_session_cookie(req_ctx *rc, const char *token, int max_age_s)
{
    if (max_age_s < 0)      /* a browser-session cookie: closing the browser ends it (the server's TTL still holds) */
        req_add_header(rc, "Set-Cookie",
                       arena_sprintf(rc->arena, SESSION_COOKIE "=%s; Path=/; Secure; HttpOnly; SameSite=Strict", token));
    else
        req_add_header(rc, "Set-Cookie",
                       arena_sprintf(rc->arena, SESSION_COOKIE "=%s; Path=/; Max-Age=%d; Secure; HttpOnly; SameSite=Strict",
                                     token, max_age_s));
}

/* A cookie request that may change something: did this origin's own page send it? */
static bool cookie_request_allowed(req_ctx *rc)
{
    const char *m = rc->match.route->method;
    if (!strcmp(m, "GET") || !strcmp(m, "HEAD"))
        return true;
    const char *site = req_header(rc, "Sec-Fetch-Site");
    if (site && !strcmp(site, "same-origin"))
        return true;
    /* behind a proxy that rewrites Host, the configured public origin is the console's; else its own Host */
    const char *origin = req_header(rc, "Origin"), *pub = rc->w->cfg->public_origin;
    if (pub && *pub)
        return origin && strcasecmp(origin, pub) == 0;
    return origin_is_own(origin, req_header(rc, "Host"));
}

/* The request's token in token: the bearer header's, else the session cookie's; false after replying 401/403. */
static bool request_token(req_ctx *rc, char token[TOKEN_BUFSZ])
{
    const char *h = req_header(rc, "Authorization");
    if (!h && cookie_value(req_header(rc, "Cookie"), SESSION_COOKIE, token, TOKEN_BUFSZ)) {
        if (cookie_request_allowed(rc))
            return true;
        reply_problem(rc, 403, "cross-site request refused");
        return false;
    }
    if (bearer_parse(h, token) != 0) {
        req_add_header(rc, "WWW-Authenticate", "Bearer");
        reply_problem(rc, 401, h ? "The Authorization header is not a bearer token."
                                 : "Sign in first, then send Authorization: Bearer TOKEN.");
        return false;
    }
    return true;
}

void authenticate_and_run(req_ctx *rc)
{
    char token[TOKEN_BUFSZ];
    if (!request_token(rc, token))
        return;
    token_hash_hex(token, rc->token_hash);
    const identity *cached = session_cache_get(&rc->w->sessions, rc->token_hash, now_us() / 1000);
    if (cached) {
        txn_caller_from_cache(rc, cached);
        run_handler(rc);
        return;
    }
    txn_lookup_caller(rc, run_handler);
}
