#include "server/http/reply.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "common/log.h"
#include "server/http/compress.h"
#include "server/http/conflict.h"
#include "server/http/cors.h"
#include "server/http/etag.h"
#include "server/http/field_errors.h"
#include "server/http/messages.h"
#include "server/http/negotiate.h"
#include "server/http/problem_map.h"

const char *status_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

static void log_access(req_ctx *rc, uint64_t dur_us)
{
    const route *rt = rc->match.route;
    log_level lvl = rc->status >= 500 ? LOG_WARN : LOG_INFO;
    if (rt && (rt->flags & ROUTE_NO_LOG) && rc->status < 500)
        lvl = LOG_DEBUG;
    if (!rc->w->cfg->log_requests && rc->status < 500)
        return;
    if (!log_enabled(lvl))
        return;
    strbuf sb = STRBUF_INIT;
    log_line_begin(&sb, lvl);
    strbuf_puts(&sb, ",\"request_id\":");
    strbuf_json_string(&sb, rc->request_id);
    strbuf_puts(&sb, ",\"method\":");
    strbuf_json_string(&sb, rc->method ? rc->method : "?");
    /* the route pattern, not the raw path: raw paths and queries may carry national IDs */
    strbuf_puts(&sb, ",\"path\":");
    strbuf_json_string(&sb, rt ? rt->pattern : "(unmatched)");
    strbuf_printf(&sb, ",\"status\":%d,\"duration_ms\":%.3f", rc->status, (double)dur_us / 1000.0);
    log_line_end(&sb);
    strbuf_free(&sb);
}

/* A 200 to GET or HEAD with an ETag that the request's If-None-Match names: answered 304, with the same headers
 * and no body (RFC 9110 13.1.2), here once for every record. An audited read has written its audit row before its
 * reply was made, so its 304 is recorded too: the 304 confirms to the caller that the person's data they hold is
 * current, which is a read of it. */
static bool not_modified(req_ctx *rc, int status)
{
    if (status != 200 || !rc->method || (strcmp(rc->method, "GET") != 0 && strcmp(rc->method, "HEAD") != 0))
        return false;
    const char *tag = evhttp_find_header(evhttp_request_get_output_headers(rc->req), "ETag");
    return tag && etag_none_match(req_header(rc, "If-None-Match"), tag);
}

/* The one exit of every request: headers, the answer, metrics, the access log, and the context back to the pool.
 * It never starts work. */
static void reply_send(req_ctx *rc, int status, const char *content_type, struct evbuffer *body)
{
    REQ_CHECK(rc, REQ_LIVE);
    if (not_modified(rc, status)) {
        status = 304;
        content_type = NULL;
        body = NULL;
    }
    rc->life = REQ_REPLIED;
    struct evkeyvalq *h = evhttp_request_get_output_headers(rc->req);
    rc->status = status;
    if (content_type)
        evhttp_add_header(h, "Content-Type", content_type);
    evhttp_add_header(h, "Strict-Transport-Security", "max-age=63072000; includeSubDomains");
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    if (!evhttp_find_header(h, "Cache-Control"))    /* only the console's hashed assets set their own */
        evhttp_add_header(h, "Cache-Control", "no-store");
    evhttp_add_header(h, "X-Request-Id", rc->request_id);
    if (rc->w->draining)
        evhttp_add_header(h, "Connection", "close");
    if (evhttp_request_get_connection(rc->req)) {
        rc->w->unflushed++;
        evhttp_request_set_on_complete_cb(rc->req, worker_reply_sent, rc->w);
    }
    cors_reply_headers(rc, h);
    compress_reply(rc, h, status, content_type, body);     /* before HEAD's length: a HEAD says what GET sends */
    if (body && rc->method && !strcmp(rc->method, "HEAD")) {
        /* the GET's headers, its length, no body: libevent would send the body of a reply to HEAD */
        char len[24];
        snprintf(len, sizeof(len), "%zu", evbuffer_get_length(body));
        evhttp_add_header(h, "Content-Length", len);
        evbuffer_drain(body, evbuffer_get_length(body));
    }
    evhttp_send_reply(rc->req, status, status_reason(status), body);
    uint64_t dur = now_us() - rc->start_us;
    metrics_record(&rc->w->metrics, rc->match.route ? rc->match.index : METRICS_ROUTE_NONE, status, dur);
    log_access(rc, dur);
    req_ctx_release(rc);
}

/* Every reply passes here on its way to the exit. An error that came from the request alone (a 422, a 428...) while
 * the caller is known only from the session cache is held: the step the caller's transaction set in
 * rc->hold_error_reply confirms the session first, then sends it with reply_send_held (or answers 401). */
static void reply_finish(req_ctx *rc, int status, const char *content_type, struct evbuffer *body)
{
    if (rc->hold_error_reply && status >= 400 && status < 500 && status != 401) {
        void (*confirm)(req_ctx *) = rc->hold_error_reply;
        rc->hold_error_reply = NULL;
        rc->held_status = status;
        rc->held_type = content_type;
        rc->held_body = evbuffer_new();
        if (body)
            evbuffer_add_buffer(rc->held_body, body);
        confirm(rc);
        return;
    }
    reply_send(rc, status, content_type, body);
}

void reply_send_held(req_ctx *rc)
{
    struct evbuffer *b = rc->held_body;
    rc->held_body = NULL;
    reply_send(rc, rc->held_status, rc->held_type, b);
    evbuffer_free(b);
}

void reply_body(req_ctx *rc, int status, const char *content_type, const char *body, size_t len)
{
    REQ_CHECK(rc, REQ_LIVE);
    struct evbuffer *buf = evbuffer_new();
    if (len)
        evbuffer_add(buf, body, len);
    reply_finish(rc, status, content_type, buf);
    evbuffer_free(buf);
}

static void free_strbuf_data(const void *data, size_t len, void *arg)
{
    free((void *)data);
}

void reply_strbuf(req_ctx *rc, int status, const char *content_type, strbuf *sb)
{
    REQ_CHECK(rc, REQ_LIVE);
    struct evbuffer *buf = evbuffer_new();
    if (sb->len) {
        /* hand the memory over instead of copying it */
        evbuffer_add_reference(buf, sb->data, sb->len, free_strbuf_data, NULL);
        sb->data = NULL;
        sb->len = sb->cap = 0;
    } else
        strbuf_free(sb);
    reply_finish(rc, status, content_type, buf);
    evbuffer_free(buf);
}

void reply_static(req_ctx *rc, int status, const char *content_type, const void *data, size_t len)
{
    REQ_CHECK(rc, REQ_LIVE);
    struct evbuffer *buf = evbuffer_new();
    if (len)
        evbuffer_add_reference(buf, data, len, NULL, NULL);     /* static memory: nothing to copy or free */
    reply_finish(rc, status, content_type, buf);
    evbuffer_free(buf);
}

void reply_empty(req_ctx *rc, int status)
{
    REQ_CHECK(rc, REQ_LIVE);
    reply_finish(rc, status, NULL, NULL);
}

/* The language of a problem reply: what Accept-Language asks (the console sends fa), else the deployment's. */
static bool problem_in_persian(req_ctx *rc)
{
    switch (accept_language_preference(req_header(rc, "Accept-Language"))) {
    case LANGUAGE_PREFERS_FA:
        return true;
    case LANGUAGE_PREFERS_EN:
        return false;
    case LANGUAGE_NO_PREFERENCE:
        break;
    }
    return rc->w->cfg->default_language_fa;
}

void reply_problem_fields(req_ctx *rc, int status, const char *detail, field_errors *fe)
{
    REQ_CHECK(rc, REQ_LIVE);
    json_object *p = req_json_object(rc);     /* put when the exit gives the context back */
    char type[64];
    snprintf(type, sizeof(type), "/problems/%s", problem_slug(status));
    /* Persian from the catalog (server/http/messages.c) where it has the text; the codes stay as they are */
    bool fa = problem_in_persian(rc);
    const char *title = fa && status_title_fa(status) ? status_title_fa(status) : status_reason(status);
    char detail_fa[1024];
    if (!detail)
        detail = title;
    else if (fa && message_fa(NULL, detail, detail_fa, sizeof(detail_fa)))
        detail = detail_fa;
    json_object_object_add(p, "type", json_object_new_string(type));
    json_object_object_add(p, "title", json_object_new_string(title));
    json_object_object_add(p, "status", json_object_new_int(status));
    json_object_object_add(p, "detail", json_object_new_string(detail));
    json_object_object_add(p, "request_id", json_object_new_string(rc->request_id));
    if (rc->problem_members) {  /* a problem's own members (406: available) */
        json_object_object_foreach(rc->problem_members, mk, mv)
            json_object_object_add(p, mk, json_object_get(mv));
    }
    if (fe && fe->list) {
        /* each error made its Persian when it was made (field_error, field_error_coded), kept beside it */
        if (fa)
            for (size_t i = 0, n = json_object_array_length(fe->list); i < n; i++) {
                json_object *e = json_object_array_get_idx(fe->list, i);
                const char *m = field_error_fa(e);
                if (m)
                    json_object_object_add(e, "message", json_object_new_string(m));
            }
        json_object_object_add(p, "errors", fe->list);
        fe->list = NULL;
    }
    req_add_header(rc, "Content-Language", fa ? "fa" : "en");
    if (status == 503 || (status == 429 && !evhttp_find_header(evhttp_request_get_output_headers(rc->req),
                                                               "Retry-After")))
        req_add_header(rc, "Retry-After", status == 503 ? "2" : "1");
    size_t len;
    const char *s = json_object_to_json_string_length(p, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    reply_body(rc, status, "application/problem+json", s, len);
}

void reply_problem(req_ctx *rc, int status, const char *detail)
{
    REQ_CHECK(rc, REQ_LIVE);
    reply_problem_fields(rc, status, detail, NULL);
}

void reply_unique_conflict(req_ctx *rc, const db_job *job, json_object *body)
{
    REQ_CHECK(rc, REQ_LIVE);
    field_errors fe = {0};
    const char *detail = unique_conflict_problem(job, body, &fe);
    reply_problem_fields(rc, 409, detail, &fe);
}

/* A rule of the registry's own (an allocation overrun, a reference to another province): its message is ours,
 * written "field: what is wrong" */
static void reply_rule_field(req_ctx *rc, const db_job *job, const char *detail)
{
    field_errors fe = {0};
    const char *colon = strstr(job->errmsg, ": ");
    size_t flen = colon ? (size_t)(colon - job->errmsg) : 0;
    bool named = flen > 0 && flen < 64 && strspn(job->errmsg, "abcdefghijklmnopqrstuvwxyz_") == flen;
    char field[64] = "";
    if (named)
        memcpy(field, job->errmsg, flen), field[flen] = '\0';
    field_error(&fe, field, "%s", named ? colon + 2 : job->errmsg);
    reply_problem_fields(rc, 422, detail, &fe);
}

void reply_db_error(req_ctx *rc, const db_job *job, db_context context, json_object *body)
{
    REQ_CHECK(rc, REQ_LIVE);
    switch (job->status) {
    case DB_UNAVAILABLE:
        reply_problem(rc, 503, "The database is unavailable; try again shortly.");
        return;
    case DB_BUSY:
        reply_problem(rc, 503, "The server is busy; try again shortly.");
        return;
    default:
        break;
    }
    const sqlstate_problem *p = sqlstate_problem_find(job->sqlstate, context);
    log_msg(p->log, rc->request_id, "database error %s in statement %d: %s", job->sqlstate, job->err_index,
            job->errmsg);
    switch (p->action) {
    case PROBLEM_UNIQUE:
        reply_unique_conflict(rc, job, body);
        return;
    case PROBLEM_RULE_FIELD:
        reply_rule_field(rc, job, p->detail);
        return;
    case PROBLEM_SESSION_ENDED:
        req_add_header(rc, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
        break;
    case PROBLEM_PLAIN:
        break;
    }
    reply_problem(rc, p->status, p->detail);
}

void reply_db_failure(req_ctx *rc, const db_job *job)
{
    reply_db_error(rc, job, DB_CONTEXT_REQUEST, NULL);
}

void req_set_etag(req_ctx *rc, const char *entity, const char *id, const char *version, const char *variant)
{
    REQ_CHECK(rc, REQ_LIVE);
    char etag[ETAG_BUFSZ];
    etag_make(etag, entity, id, version, variant);
    req_add_header(rc, "ETag", etag);
}
