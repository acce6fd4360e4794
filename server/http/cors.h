/*
 * cors.h - pages on other origins calling the API (CORS), for the origins the config lists (cors_origins, exact
 * matches, none by default).
 *
 * A listed origin's preflight (OPTIONS with Origin and Access-Control-Request-Method) gets Access-Control-Allow-
 * Origin echoing it, -Allow-Methods (the path's Allow), -Allow-Headers (CORS_ALLOW_HEADERS), -Max-Age; its actual
 * requests get Access-Control-Allow-Origin and -Expose-Headers (CORS_EXPOSE_HEADERS). Anything else gets no
 * Access-Control-* header at all: an unlisted origin's preflight is answered like a plain OPTIONS (204 with Allow),
 * which the browser takes as a refusal. Credentials are bearer tokens only: never Access-Control-Allow-Credentials,
 * so a page elsewhere can never use the console's cookie. While the list is not empty, API replies carry
 * `Vary: Origin` (their headers depend on it).
 */
#ifndef REGISTRY_CORS_H
#define REGISTRY_CORS_H

#include <stdbool.h>

struct req_ctx;
struct evkeyvalq;

#define CORS_ALLOW_HEADERS "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, Accept-Language"
#define CORS_EXPOSE_HEADERS                                                                                         \
    "ETag, Location, Link, X-Next-Cursor, Retry-After, X-Request-Id, Idempotency-Replayed, Content-Disposition, "   \
    "WWW-Authenticate"
#define CORS_MAX_AGE "600"      /* seconds a browser may keep a preflight's answer: short, so a removal takes hold */

typedef void (*cors_add_fn)(void *arg, const char *name, const char *value);

/* Is origin (an Origin header, NULL when absent) one of the n listed? Exact, case-sensitive: browsers send it in
 * lower case, and the config refuses anything else. */
bool cors_origin_listed(const char *const *list, int n, const char *origin);
/* The headers of a preflight's answer (pure): adds them through add and returns true for a listed origin asking
 * with Access-Control-Request-Method; adds only Vary: Origin (when the list is not empty) and returns false
 * otherwise. allow is the path's Allow list. */
bool cors_preflight_headers(const char *const *list, int n, const char *origin, const char *request_method,
                            const char *allow, cors_add_fn add, void *arg);
/* The headers of an actual reply (pure): Vary: Origin while the list is not empty; for a listed origin also
 * Access-Control-Allow-Origin and -Expose-Headers. True when it added the Access-Control-* ones. */
bool cors_actual_headers(const char *const *list, int n, const char *origin, cors_add_fn add, void *arg);

/* reply_send's hook: the actual reply's headers, for API paths (not the console's, which is same-origin only). */
void cors_reply_headers(struct req_ctx *rc, struct evkeyvalq *h);
/* A preflight's answer: its CORS headers (cors_preflight_headers) on rc's reply; allow is the path's Allow.
 * OPTIONS itself is answered by handle_options (handlers/meta.c). */
void cors_preflight_reply_headers(struct req_ctx *rc, const char *allow);

#endif
