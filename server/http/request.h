/*
 * request.h - everything a handler needs to serve one HTTP request, in one include:
 *   context.h       the request's life: its context, arena, state, headers and query, its database job
 *   input.h         what it brings: query, path parameters, JSON body, list parameters, If-Match
 *   reply.h         the one way out: replies, problem+json, the exit (access log, metrics, release)
 *   field_errors.h  the field list of a 422
 * and the caller's transaction (req_job_begin, req_job_ok: the session check that begins every job).
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
#include "server/http/context.h"
#include "server/http/field_errors.h"
#include "server/http/input.h"
#include "server/http/reply.h"
#include "server/router.h"
#include "server/worker.h"

/* Empties rc->job and makes auth_begin() its first statement: the session is checked again in the database and
 * the caller's scope set for row-level security. A handler's own statements follow (their results start at
 * res[1]). read_only: the transaction writes nothing but audit records of reads (asynchronous commit). */
void req_job_begin(req_ctx *rc, bool read_only);
/* Empties rc->job for a job without a session (login). */
void req_job_reset(req_ctx *rc);
/* After a job: true when it succeeded; otherwise replies (401 when the session has ended, 503, 409, 500...). */
bool req_job_ok(req_ctx *rc, const db_job *job);
/* The deferred session check (rc->hold_error_reply): confirms a cached caller's session, then sends the held
 * error reply. */
void req_confirm_session(req_ctx *rc);

#endif
