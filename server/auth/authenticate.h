/*
 * authenticate.h - the gate every non-public request passes: its query checked, the bearer token, the caller
 * (session cache, else one lookup: auth/transaction.h), the role's permission for the route (403, audited), the
 * rate limit of expensive requests, then the handler.
 *
 * The token comes from "Authorization: Bearer", or, when there is no Authorization header, from the console's
 * session cookie (SESSION_COOKIE: set by POST /api/v1/auth/login?cookie=true). A browser sends a cookie with any
 * request, even one another site started, so a cookie request with an unsafe method must prove it came from this
 * origin (Origin or Sec-Fetch-Site) or is refused 403 before any database work (cross-site request forgery).
 */
#ifndef REGISTRY_AUTHENTICATE_H
#define REGISTRY_AUTHENTICATE_H

#include "server/auth/transaction.h"
#include "server/http/context.h"

/* The console's session: __Host- makes the browser insist on Secure, Path=/ and no Domain. */
#define SESSION_COOKIE "__Host-registry_session"

void authenticate_init(void);
/* Authenticates rc, checks rc->match.route->perm, then runs the route's handler (or replies 401/403/429). */
void authenticate_and_run(req_ctx *rc);
/* Refuses the request with 403 and detail (a static string), after recording the refusal in the audit trail. */
void req_deny(req_ctx *rc, const char *detail);
/* True when the request's session came (or would come) from SESSION_COOKIE: it has no Authorization header. */
bool req_by_cookie(req_ctx *rc);
/* Adds Set-Cookie with SESSION_COOKIE holding token for max_age_s seconds; token "" and 0 clear it. */
/* Set-Cookie for the console's session: max_age_s < 0 makes it last until the browser closes (a shared office
 * computer keeps no session overnight), 0 clears it. */
void req_set_session_cookie(req_ctx *rc, const char *token, int max_age_s);

#endif
