/*
 * authenticate.h - the gate every non-public request passes: its query checked, the bearer token, the caller
 * (session cache, else one lookup: auth/transaction.h), the role's permission for the route (403, audited), the
 * rate limit of expensive requests, then the handler.
 */
#ifndef REGISTRY_AUTHENTICATE_H
#define REGISTRY_AUTHENTICATE_H

#include "server/auth/transaction.h"
#include "server/http/context.h"

void authenticate_init(void);
/* Authenticates rc, checks rc->match.route->perm, then runs the route's handler (or replies 401/403/429). */
void authenticate_and_run(req_ctx *rc);
/* Refuses the request with 403 and detail (a static string), after recording the refusal in the audit trail. */
void req_deny(req_ctx *rc, const char *detail);

#endif
