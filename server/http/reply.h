/*
 * reply.h - the way out of a request: every answer (a body, JSON, problem+json) leaves through one exit that adds
 * the common headers, records metrics and the access log, and gives the context back. The exit never starts work.
 * After any reply_* the request is over: the caller must not touch rc again (a debug build checks it).
 */
#ifndef REGISTRY_REPLY_H
#define REGISTRY_REPLY_H

#include <stddef.h>

#include <json-c/json.h>

#include "common/strbuf.h"
#include "server/db/pool.h"
#include "server/http/context.h"
#include "server/http/field_errors.h"
#include "server/http/problem_map.h"

/* Replies. Each consumes the request: after one of these the handler must not touch rc again. */
void reply_body(req_ctx *rc, int status, const char *content_type, const char *body, size_t len);
void reply_strbuf(req_ctx *rc, int status, const char *content_type, strbuf *sb);   /* takes sb's memory */
/* data is static (it outlives every request): sent by reference, never copied. */
void reply_static(req_ctx *rc, int status, const char *content_type, const void *data, size_t len);
void reply_empty(req_ctx *rc, int status);
void reply_problem(req_ctx *rc, int status, const char *detail);
void reply_problem_fields(req_ctx *rc, int status, const char *detail, field_errors *fe);
/* Answers a failed db_job: 503 (with Retry-After) for an unavailable or busy database, otherwise its SQLSTATE's
 * row in context (server/http/problem_map.c). body (may be NULL) is the request's, to name a unique conflict's
 * fields. PostgreSQL's own words go to the log, never to the client. */
void reply_db_error(req_ctx *rc, const db_job *job, db_context context, json_object *body);
/* reply_db_error in DB_CONTEXT_REQUEST, without a body. */
void reply_db_failure(req_ctx *rc, const db_job *job);
/* Answers 409 for a unique violation (job->sqlstate 23505); body (may be NULL) is the request's, to name the
 * fields it used among those of the rule (server/http/conflict.c). */
void reply_unique_conflict(req_ctx *rc, const db_job *job, json_object *body);
/* Sends the error reply held while the session was confirmed (rc->hold_error_reply). */
void reply_send_held(req_ctx *rc);

/* The ETag of a record as this reply shows it (server/http/etag.h): entity, id, version and the variant of the
 * representation (NULL when there is one). */
void req_set_etag(req_ctx *rc, const char *entity, const char *id, const char *version, const char *variant);

const char *status_reason(int status);

#endif
