#include "server/http/request.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http_struct.h>

#include "common/digits.h"
#include "common/json_strict.h"
#include "common/log.h"
#include "common/utf8.h"
#include "server/auth/authenticate.h"
#include "server/http/conflict.h"
#include "server/http/etag.h"

#define REQ_ARENA_BLOCK 16384
#define MAX_FREE_CTX 256

uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t xorshift64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

req_ctx *req_ctx_acquire(worker *w, struct evhttp_request *req)
{
    req_ctx *rc = w->free_ctx;
    arena *a;
    if (rc) {
        w->free_ctx = rc->next_free;
        w->nfree_ctx--;
        a = rc->arena;
    } else {
        a = arena_new(REQ_ARENA_BLOCK);
        rc = malloc(sizeof(*rc));
        if (!rc)
            abort();
    }
    memset(rc, 0, sizeof(*rc));
    rc->arena = a;
    rc->req = req;
    rc->w = w;
    rc->start_us = now_us();
    TAILQ_INIT(&rc->query);
    snprintf(rc->request_id, sizeof(rc->request_id), "%016llx", (unsigned long long)xorshift64(&w->rng));
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    if (evcon) {
        char *peer = NULL;
        ev_uint16_t port = 0;
        evhttp_connection_get_peer(evcon, &peer, &port);
        snprintf(rc->address, sizeof(rc->address), "%s", peer ? peer : "");
    }
    w->inflight++;
    return rc;
}

static void ctx_release(req_ctx *rc)
{
    worker *w = rc->w;
    if (rc->deferred_body)
        evbuffer_free(rc->deferred_body);
    db_job_clear(&rc->job);
    evhttp_clear_headers(&rc->query);
    arena_reset(rc->arena);
    if (w->nfree_ctx < MAX_FREE_CTX) {
        rc->next_free = w->free_ctx;
        w->free_ctx = rc;
        w->nfree_ctx++;
    } else {
        arena_free(rc->arena);
        free(rc);
    }
    worker_request_done(w);
}

void req_ctx_release_all(worker *w)
{
    while (w->free_ctx) {
        req_ctx *rc = w->free_ctx;
        w->free_ctx = rc->next_free;
        arena_free(rc->arena);
        free(rc);
    }
    w->nfree_ctx = 0;
}

const char *status_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
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

static const char *problem_slug(int status)
{
    switch (status) {
    case 400: return "bad-request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not-found";
    case 405: return "method-not-allowed";
    case 409: return "conflict";
    case 412: return "precondition-failed";
    case 413: return "content-too-large";
    case 414: return "uri-too-long";
    case 415: return "unsupported-media-type";
    case 417: return "expectation-failed";
    case 422: return "validation";
    case 428: return "precondition-required";
    case 429: return "too-many-requests";
    case 431: return "header-fields-too-large";
    case 501: return "not-implemented";
    case 503: return "unavailable";
    case 505: return "http-version-not-supported";
    default: return status >= 500 ? "internal" : "error";
    }
}

void req_add_header(req_ctx *rc, const char *name, const char *value)
{
    evhttp_add_header(evhttp_request_get_output_headers(rc->req), name, value);
}

const char *req_header(req_ctx *rc, const char *name)
{
    return evhttp_find_header(evhttp_request_get_input_headers(rc->req), name);
}

const char *req_query(req_ctx *rc, const char *name)
{
    return evhttp_find_header(&rc->query, name);
}

#define MAX_QUERY_PARAMS 64

bool req_query_check(req_ctx *rc)
{
    /* Decoded keys and values end up in SQL parameters and in read records written in batches shared with other
     * users' reads: one invalid byte there would fail the whole batch. And a filter given twice is ambiguous
     * (the handler reads the first, a log might read the last): refused, not guessed. */
    field_errors fe = {0};
    int n = 0;
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, &rc->query, next) {
        if (++n > MAX_QUERY_PARAMS) {
            field_error(&fe, "", "a request may have at most %d query parameters", MAX_QUERY_PARAMS);
            break;
        }
        if (utf8_validate(kv->key, strlen(kv->key)) != 0) {
            field_error(&fe, "", "a query parameter's name is not valid UTF-8");
            break;
        }
        if (utf8_validate(kv->value, strlen(kv->value)) != 0) {
            field_error(&fe, kv->key, "is not valid UTF-8 (after percent-decoding)");
            continue;
        }
        for (struct evkeyval *prev = TAILQ_FIRST(&rc->query); prev != kv; prev = TAILQ_NEXT(prev, next))
            if (!strcmp(prev->key, kv->key)) {
                field_error(&fe, kv->key, "is given more than once; give each query parameter at most once");
                break;
            }
    }
    if (!fe.list)
        return true;
    reply_problem_fields(rc, 400, "Invalid query parameter.", &fe);
    return false;
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

static void reply_finish(req_ctx *rc, int status, const char *content_type, struct evbuffer *body);
static void job_begin(req_ctx *rc, bool read_only, bool may_use_cache);

static void deferred_verified(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    struct evbuffer *b = rc->deferred_body;
    rc->deferred_body = NULL;
    if (req_job_ok(rc, job))
        reply_finish(rc, rc->deferred_status, rc->deferred_type, b);
    evbuffer_free(b);
}

/* The one exit of every request. */
static void reply_finish(req_ctx *rc, int status, const char *content_type, struct evbuffer *body)
{
    if (rc->session_from_cache && !rc->session_verified && status >= 400 && status < 500 && status != 401) {
        /* The answer came from the request alone (a 422, a 428...), the caller only from the session cache: make
         * sure the session still lives before answering anything but 401 (one round trip, on errors only). */
        rc->deferred_status = status;
        rc->deferred_type = content_type;
        rc->deferred_body = evbuffer_new();
        if (body)
            evbuffer_add_buffer(rc->deferred_body, body);
        job_begin(rc, true, false);
        rc->job.retry_safe = true;
        req_db_submit(rc, deferred_verified);
        return;
    }
    struct evkeyvalq *h = evhttp_request_get_output_headers(rc->req);
    rc->status = status;
    if (content_type)
        evhttp_add_header(h, "Content-Type", content_type);
    evhttp_add_header(h, "Strict-Transport-Security", "max-age=63072000; includeSubDomains");
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "Cache-Control", "no-store");
    evhttp_add_header(h, "X-Request-Id", rc->request_id);
    if (rc->w->draining)
        evhttp_add_header(h, "Connection", "close");
    if (evhttp_request_get_connection(rc->req)) {
        rc->w->unflushed++;
        evhttp_request_set_on_complete_cb(rc->req, worker_reply_sent, rc->w);
    }
    evhttp_send_reply(rc->req, status, status_reason(status), body);
    uint64_t dur = now_us() - rc->start_us;
    metrics_record(&rc->w->metrics, rc->match.route ? rc->match.index : METRICS_ROUTE_NONE, status, dur);
    log_access(rc, dur);
    ctx_release(rc);
}

void reply_body(req_ctx *rc, int status, const char *content_type, const char *body, size_t len)
{
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

void reply_json(req_ctx *rc, int status, json_object *obj)
{
    size_t len;
    const char *s = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
                                                      &len);
    reply_body(rc, status, "application/json", s, len);
    json_object_put(obj);
}

void reply_empty(req_ctx *rc, int status)
{
    reply_finish(rc, status, NULL, NULL);
}

void field_error(field_errors *fe, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!fe->list)
        fe->list = json_object_new_array();
    json_object *e = json_object_new_object();
    json_object_object_add(e, "field", json_object_new_string(field));
    json_object_object_add(e, "message", json_object_new_string(msg));
    json_object_array_add(fe->list, e);
}

void reply_problem_fields(req_ctx *rc, int status, const char *detail, field_errors *fe)
{
    json_object *p = json_object_new_object();
    char type[64];
    snprintf(type, sizeof(type), "/problems/%s", problem_slug(status));
    json_object_object_add(p, "type", json_object_new_string(type));
    json_object_object_add(p, "title", json_object_new_string(status_reason(status)));
    json_object_object_add(p, "status", json_object_new_int(status));
    json_object_object_add(p, "detail", json_object_new_string(detail ? detail : status_reason(status)));
    json_object_object_add(p, "request_id", json_object_new_string(rc->request_id));
    if (fe && fe->list) {
        json_object_object_add(p, "errors", fe->list);
        fe->list = NULL;
    }
    if (status == 503 || (status == 429 && !evhttp_find_header(evhttp_request_get_output_headers(rc->req),
                                                               "Retry-After")))
        req_add_header(rc, "Retry-After", status == 503 ? "2" : "1");
    size_t len;
    const char *s = json_object_to_json_string_length(p, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    reply_body(rc, status, "application/problem+json", s, len);
    json_object_put(p);
}

void reply_problem(req_ctx *rc, int status, const char *detail)
{
    reply_problem_fields(rc, status, detail, NULL);
}

void reply_db_failure(req_ctx *rc, const db_job *job)
{
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
    const char *st = job->sqlstate;
    log_msg(LOG_WARN, rc->request_id, "database error %s in statement %d: %s", st, job->err_index, job->errmsg);
    if (!strcmp(st, "23505"))
        reply_unique_conflict(rc, job, NULL);
    else if (!strcmp(st, "23514") || !strcmp(st, "23503") || !strcmp(st, "23502") || !strcmp(st, "22P02") ||
             !strcmp(st, "22003") || !strcmp(st, "22007") || !strcmp(st, "22008"))
        reply_problem(rc, 422, "The fields do not fit together or refer to something that does not exist.");
    else if (!strcmp(st, "57014") || !strcmp(st, "40001") || !strcmp(st, "40P01") || !strncmp(st, "08", 2) ||
             !strcmp(st, "57P01") || !strcmp(st, "57P03") || !strcmp(st, "55P03"))
        reply_problem(rc, 503, "The database could not complete the request in time; try again shortly.");
    else
        reply_problem(rc, 500, "Internal error; quote the request id when reporting it.");
}

/* Percent-decoding of a path segment: invalid escapes and NUL bytes are refused, not passed through. */
static char *decode_segment(arena *a, const char *s, int len)
{
    char *out = arena_alloc(a, (size_t)len + 1), *o = out;
    for (int i = 0; i < len; i++) {
        if (s[i] == '%') {
            if (i + 2 >= len)
                return NULL;
            if (!isxdigit((unsigned char)s[i + 1]) || !isxdigit((unsigned char)s[i + 2]))
                return NULL;
            char hex[3] = {s[i + 1], s[i + 2], 0};
            int v = (int)strtol(hex, NULL, 16);
            if (v == 0)
                return NULL;
            *o++ = (char)v;
            i += 2;
        } else
            *o++ = s[i];
    }
    *o = '\0';
    if (utf8_validate(out, (size_t)(o - out)) != 0)
        return NULL;    /* a path parameter is text: never bytes that are not UTF-8 */
    return out;
}

const char *req_path_param(req_ctx *rc, int i)
{
    if (i >= rc->match.nparams)
        return NULL;
    char *v = decode_segment(rc->arena, rc->match.params[i], rc->match.param_len[i]);
    if (!v)
        reply_problem(rc, 400, "The path holds an invalid percent-encoding or bytes that are not UTF-8.");
    return v;
}

bool req_list_params(req_ctx *rc, int *limit, const char **cursor)
{
    *limit = 50;
    *cursor = NULL;
    const char *l = req_query(rc, "limit");
    if (l) {
        int64_t v;
        if (parse_int64_digits(l, &v) != 0 || v < 1 || v > 500) {
            field_errors fe = {0};
            field_error(&fe, "limit", "must be a whole number from 1 to 500");
            reply_problem_fields(rc, 400, "Invalid query parameter.", &fe);
            return false;
        }
        *limit = (int)v;
    }
    const char *c = req_query(rc, "cursor");
    if (c && *c)
        *cursor = c;
    return true;
}

static void put_json(void *o)
{
    json_object_put(o);
}

void req_own_json(req_ctx *rc, json_object *obj)
{
    if (obj)
        arena_on_reset(rc->arena, put_json, obj);
}

json_object *req_json_body(req_ctx *rc)
{
    const char *ct = req_header(rc, "Content-Type");
    size_t ctl = ct ? strcspn(ct, "; \t") : 0;
    if (!ct || !((ctl == 16 && !strncasecmp(ct, "application/json", 16)) ||
                 (ctl == 24 && !strncasecmp(ct, "application/problem+json", 24)))) {
        reply_problem(rc, 415, "The body must be JSON (Content-Type: application/json).");
        return NULL;
    }
    struct evbuffer *in = evhttp_request_get_input_buffer(rc->req);
    size_t len = evbuffer_get_length(in);
    if (len == 0) {
        reply_problem(rc, 400, "The request body is empty; a JSON document is expected.");
        return NULL;
    }
    const char *data = (const char *)evbuffer_pullup(in, -1);
    char detail[260];
    json_object *obj = json_body_parse(data, len, detail, sizeof(detail));
    if (!obj) {
        reply_problem(rc, 400, detail);
        return NULL;
    }
    req_own_json(rc, obj);
    return obj;
}

/* "IR-08", with digits in any script; NULL when it is not a province code. */
const char *req_province_code(req_ctx *rc, const char *in)
{
    size_t n = strlen(in);
    char *out = arena_alloc(rc->arena, n + 1);
    digits_fold(in, out, n + 1);
    if (strlen(out) != 5 || out[0] != 'I' || out[1] != 'R' || out[2] != '-' || out[3] < '0' || out[3] > '9' ||
        out[4] < '0' || out[4] > '9')
        return NULL;
    return out;
}

void req_set_etag(req_ctx *rc, const char *entity, const char *id, const char *version, const char *variant)
{
    char etag[ETAG_BUFSZ];
    etag_make(etag, entity, id, version, variant);
    req_add_header(rc, "ETag", etag);
}

const char *req_if_match(req_ctx *rc, const char *entity, const char *id, const char *variant)
{
    const char *h = req_header(rc, "If-Match");
    if (!h) {
        reply_problem(rc, 428, "Send If-Match with the ETag you last read, so a concurrent change is not lost.");
        return NULL;
    }
    /* not this record's tag: ETAG_NO_VERSION, decided once the record is found (404 before 412) */
    char *version = arena_alloc(rc->arena, 24);
    return etag_if_match(h, entity, id, variant, version, 24);
}

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

void req_db_submit(req_ctx *rc, void (*cb)(db_job *job, void *arg))
{
    rc->job.cb = cb;
    rc->job.arg = rc;
    rc->job.request_id = rc->request_id;
    db_submit(rc->w->db, &rc->job);
}
