/*
 * transaction.h - the caller's transaction. Every job of an authenticated request begins with a statement that
 * tells PostgreSQL who is asking: auth_begin() (the session checked in the database, the caller's scope ticket set
 * for row-level security), or, for a read whose caller's session is already known, scope_set (the ticket alone,
 * refused when it is no longer a live session's). What the answer says about the session is read here too: who
 * the caller is (the session cache learns it), 401 when the session has ended, 403 when a cached caller's role
 * lost the route's permission.
 *
 * The steps of an authenticated request (authenticate.c runs them):
 *   1. the caller from the session cache, or else a lookup job (auth_begin alone);
 *   2. the handler's job(s), each begun by req_job_begin: auth_begin for writes; scope_set for reads when the
 *      session was confirmed earlier in this request (step 1's lookup) or the caller came from the cache while this
 *      thread hears revocations (session_cache.h); auth_begin otherwise;
 *   3. the deferred session check: an error reply from the request alone, to a caller known only from the cache,
 *      waits for one auth_begin (req_confirm_session, set as rc->hold_error_reply).
 */
#ifndef REGISTRY_TRANSACTION_H
#define REGISTRY_TRANSACTION_H

#include <stdbool.h>

#include <json-c/json.h>
#include <libpq-fe.h>

#include "server/auth/identity.h"
#include "server/http/context.h"
#include "server/http/problem_map.h"

void transaction_init(void);      /* registers the statements; before any pool starts */

/* Empties rc->job and makes the caller's statement its first (see above). A handler's own statements follow
 * (their results start at res[1]). read_only: the transaction writes nothing but audit records of reads
 * (asynchronous commit). */
void req_job_begin(req_ctx *rc, bool read_only);
/* Empties rc->job for a job without a session (login). */
void req_job_reset(req_ctx *rc);
/* After a job: true when it succeeded; otherwise replies (401 when the session has ended, 503, 409, 500...). */
bool req_job_ok(req_ctx *rc, const db_job *job);
/* req_job_ok where the statements' SQLSTATEs mean what context says (server/http/problem_map.h); body (may be
 * NULL) is the request's, to name a unique conflict's fields. */
bool req_job_ok_in(req_ctx *rc, const db_job *job, db_context context, json_object *body);

/* Step 1 without a cached caller: a job of auth_begin alone; then(rc) runs once it confirmed the session and
 * rc->who holds the caller (otherwise the request has been answered). */
void txn_lookup_caller(req_ctx *rc, void (*then)(req_ctx *rc));
/* Step 1 with a cached caller: rc->who from the cache, and step 3 armed. */
void txn_caller_from_cache(req_ctx *rc, const identity *cached);
/* Step 3 (rc->hold_error_reply): confirms a cached caller's session, then sends the held error reply. */
void req_confirm_session(req_ctx *rc);

/* Reads an identity from an auth_begin row (columns user_id, username, role, province_code, county_id, center_id,
 * ticket). */
void identity_from_row(const PGresult *r, int row, identity *who);
/* Seconds the session of an auth_begin row has left. */
int identity_expires_in_s(const PGresult *r, int row);

#endif
