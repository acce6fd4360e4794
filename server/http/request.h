/*
 * request.h - everything a handler needs to serve one HTTP request, in one include:
 *   http/context.h       the request's life: its context, arena, state, headers and query, its database job
 *   http/input.h         what it brings: query, path parameters, JSON body, list parameters, If-Match
 *   http/reply.h         the one way out: replies, problem+json, database errors through the SQLSTATE table
 *   http/field_errors.h  the field list of a 422
 *   auth/transaction.h   the caller's transaction: req_job_begin, req_job_ok (the session check of every job)
 *
 * One way in, dispatch_request (dispatch.c); one way out, reply_send (reply.c): headers, metrics, access log, the
 * context back to its pool; it never starts work. The state (new, handler, waiting for the database, replied) is
 * checked by every req_* and reply_* in debug builds: a touch after the reply aborts, and ASan poisons a pooled
 * context. Memory: all a request makes belongs to its arena, json-c roots too (req_json_object, req_own_json), and a
 * field_errors list nobody took is put when the request ends. SQLSTATEs (and constraint names) become problems in one
 * table, http/problem_map.c.
 *
 * Dependencies point one way, each layer using only those below it (tests/check_layers.py fails on any cycle):
 *   main -> http/dispatch (the way in) -> auth/authenticate (the gate) -> handlers (through this header)
 *        -> auth/transaction -> http/input -> http/reply (the way out) -> http/context -> worker -> metrics, db/pool
 * worker.c knows nothing of requests (dispatch_attach connects them); the sealer (audit/sealer.c) and the NOTIFY
 * handling (auth/session_cache.c) are the worker's, and use neither requests nor the gate. No layer of the core
 * includes this header: it is for handlers and the modules above them.
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
#include "server/auth/transaction.h"
#include "server/db/pool.h"
#include "server/http/context.h"
#include "server/http/field_errors.h"
#include "server/http/input.h"
#include "server/http/reply.h"
#include "server/router.h"
#include "server/worker.h"

#endif
