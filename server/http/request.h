/*
 * request.h - the life of one HTTP request: its context and arena, and the single place every reply leaves
 * from (common headers, problem+json errors, access log, metrics, release of everything the request held).
 */
#ifndef REGISTRY_REQUEST_H
#define REGISTRY_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <json-c/json.h>

#include "common/arena.h"
#include "common/strbuf.h"
#include "server/auth/identity.h"
#include "server/db/pool.h"
#include "server/router.h"
#include "server/worker.h"

typedef struct req_ctx {
    struct evhttp_request *req;
    worker *w;
    arena *arena;
    route_match match;
    const char *method;
    const char *path;               /* raw path, without the query */
    struct evkeyvalq query;         /* decoded query parameters */
    char request_id[17];
    uint64_t start_us;
    int status;
    bool want_csv;                  /* Accept: text/csv */
    db_job job;                     /* most requests need exactly one */
    int limit;                      /* page size of a list request */
    identity who;                   /* the caller, once authenticated */
    char token_hash[65];            /* SHA-256 of the bearer token, hex */
    char address[48];               /* the client's IP address */
    bool session_from_cache;        /* the caller was recognised from the session cache ... */
    bool session_verified;          /* ... and/or the database has confirmed the session in this request */
    uint64_t cache_generation;      /* the session cache's, when auth_begin was sent (session_cache_put) */
    int deferred_status;            /* an error held back until the session is confirmed */
    const char *deferred_type;
    struct evbuffer *deferred_body;
    void *state;                    /* a handler's own per-request state, allocated from the arena */
    struct req_ctx *next_free;
} req_ctx;

/* Field errors for a 422: {"field","message"} pairs, collected while validating. */
typedef struct field_errors {
    json_object *list;              /* a json array, or NULL while empty */
} field_errors;

void field_error(field_errors *fe, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Replies. Each consumes the request: after one of these the handler must not touch rc again. */
void reply_body(req_ctx *rc, int status, const char *content_type, const char *body, size_t len);
void reply_strbuf(req_ctx *rc, int status, const char *content_type, strbuf *sb);   /* takes sb's memory */
void reply_json(req_ctx *rc, int status, json_object *obj);                         /* takes a reference */
void reply_empty(req_ctx *rc, int status);
void reply_problem(req_ctx *rc, int status, const char *detail);
void reply_problem_fields(req_ctx *rc, int status, const char *detail, field_errors *fe);
/* Maps a failed db_job to the client's answer: 503 (with Retry-After) for an unavailable or busy database,
 * 409 for unique violations, 500 otherwise. PostgreSQL's own words go to the log, never to the client. */
void reply_db_failure(req_ctx *rc, const db_job *job);

void req_add_header(req_ctx *rc, const char *name, const char *value);
const char *req_header(req_ctx *rc, const char *name);
const char *req_query(req_ctx *rc, const char *name);
/* Every decoded query parameter is valid UTF-8 and given at most once (at most 64 of them); false after replying
 * 400 naming the offending ones. Runs before any handler of an authenticated route. */
bool req_query_check(req_ctx *rc);
/* Decoded path parameter i, or NULL after replying 400 when it is not valid percent-encoding. */
const char *req_path_param(req_ctx *rc, int i);

/* ?limit= (default 50, 1..500) and ?cursor=. Returns false after replying 400. */
bool req_list_params(req_ctx *rc, int *limit, const char **cursor);
/* The JSON body, or NULL after replying (415 not JSON, 400 malformed). The object lives as long as the request. */
json_object *req_json_body(req_ctx *rc);
/* The request owns obj (one reference): it is put when the request's arena is reset, whichever way it ends. */
void req_own_json(req_ctx *rc, json_object *obj);

/* Starts rc->job on this worker's pool; cb runs from the event loop with rc as its argument. */
void req_db_submit(req_ctx *rc, void (*cb)(db_job *job, void *arg));
/* Empties rc->job and makes auth_begin() its first statement: the session is checked again in the database and
 * the caller's scope set for row-level security. A handler's own statements follow (their results start at
 * res[1]). read_only: the transaction writes nothing but audit records of reads (asynchronous commit). */
void req_job_begin(req_ctx *rc, bool read_only);
/* Empties rc->job for a job without a session (login). */
void req_job_reset(req_ctx *rc);
/* After a job: true when it succeeded; otherwise replies (401 when the session has ended, 503, 409, 500...). */
bool req_job_ok(req_ctx *rc, const db_job *job);

/* "IR-08" (digits in any script) as stored; NULL when in is not a province code. */
const char *req_province_code(req_ctx *rc, const char *in);

/* The ETag of a record as this reply shows it (server/http/etag.h): entity, id, version and the variant of the
 * representation (NULL when there is one). */
void req_set_etag(req_ctx *rc, const char *entity, const char *id, const char *version, const char *variant);
/* For PATCH/DELETE: the version the client last saw, from If-Match on this record. Returns NULL after replying
 * 428 (missing); "" for "*" (any version); ETAG_NO_VERSION when no tag in it is this record's, so the record is
 * looked up first and the answer is 404 when it is not there for the caller, 412 when it is. */
const char *req_if_match(req_ctx *rc, const char *entity, const char *id, const char *variant);

uint64_t now_us(void);

/* Worker glue */
req_ctx *req_ctx_acquire(worker *w, struct evhttp_request *req);
void req_ctx_release_all(worker *w);
const char *status_reason(int status);

#endif
