/*
 * authenticate.h - the gate every non-public request passes: bearer token, session (cache, then database),
 * the role's permission for the route (403, audited), then the handler.
 */
#ifndef REGISTRY_AUTHENTICATE_H
#define REGISTRY_AUTHENTICATE_H

#include <libpq-fe.h>

#include "server/auth/identity.h"

struct req_ctx;

void authenticate_init(void);
/* Authenticates rc, checks rc->match.route->perm, then runs the route's handler (or replies 401/403). */
void authenticate_and_run(struct req_ctx *rc);
/* Refuses the request with 403 and detail (a static string), after recording the refusal in the audit trail. */
void req_deny(struct req_ctx *rc, const char *detail);
/* Reads an identity from a result whose columns are user_id, username, role, province, county_id, center_id. */
void identity_from_row(const PGresult *r, int row, identity *who);
/* Seconds the session of an auth_begin row has left. */
int identity_expires_in_s(const PGresult *r, int row);
/* The statement id of auth_begin (used by req_job_begin). */
int auth_begin_stmt(void);
/* The statement that sets a cached caller's scope for a read (req_job_begin; see session_cache.h), with its
 * parameters from who. */
int scope_set_stmt(void);
void scope_set_params(struct req_ctx *rc, const identity *who);

#endif
