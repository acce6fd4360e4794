/*
 * router.h - the one table of routes. Dispatch, metrics labels and the OpenAPI description are all produced
 * from it, so an endpoint cannot exist without being described.
 */
#ifndef REGISTRY_ROUTER_H
#define REGISTRY_ROUTER_H

#include <stdbool.h>

#include "server/auth/identity.h"

struct req_ctx;
typedef void (*route_handler)(struct req_ctx *rc);

enum {
    ROUTE_LIST = 1 << 1,        /* takes ?limit= and ?cursor=, answers {"items","next_cursor"}, CSV on request */
    ROUTE_JSON_BODY = 1 << 2,   /* expects a JSON body */
    ROUTE_NO_LOG = 1 << 3,      /* probes: not in the access log at info level */
    ROUTE_NOT_API = 1 << 4,     /* outside /api/v1 (probes, metrics); still described */
    ROUTE_EXPENSIVE = 1 << 5,   /* rate limited (reports); lists are when searched (?q=) or exported (CSV) */
    ROUTE_THROTTLED = 1 << 6,   /* checks a password: 429 with Retry-After past the sign-in limits */
};

typedef struct route_param {
    const char *name;
    const char *type;           /* OpenAPI schema type: string, integer, boolean */
    const char *description;
} route_param;

#define ROUTE_MAX_PATH_PARAMS 4
#define ROUTE_MAX_SEGMENTS 8

typedef struct route {
    const char *method;         /* GET, POST, PATCH, DELETE */
    const char *pattern;        /* /api/v1/centers/{id} */
    route_handler handler;
    permission perm;            /* PERM_PUBLIC: no token needed */
    unsigned flags;
    const char *tag;
    const char *summary;
    const route_param *query;   /* NULL-terminated by name, or NULL */
    const char *response;       /* OpenAPI component schema of a 2xx body, or NULL */
    const char *request;        /* OpenAPI component schema of the request body, or NULL */
    int ok_status;              /* 200, 201, 204 */
    const char *operation_id;   /* OpenAPI operationId, camelCase and url-safe (listClients, getClient); unique */
} route;

extern const route routes[];
extern const int nroutes;

typedef struct route_match {
    const route *route;
    int index;
    int nparams;
    const char *params[ROUTE_MAX_PATH_PARAMS];   /* raw (still percent-encoded) segments, in pattern order */
    int param_len[ROUTE_MAX_PATH_PARAMS];
    bool path_known;            /* some route has this path, with another method: 405 */
    char allow[64];             /* the methods that path has, for the Allow header */
} route_match;

void router_init(void);
/* The query parameters of each route, precomputed once at start (dispatch refuses any other with 400, and
 * openapi.json lists exactly these): the route's own (route->query), else, for a GET, what described(pattern) gives
 * (a described list's or report's filters: describe_query_params_of, passed in because the router sits below
 * describe.h); then limit and cursor on ROUTE_LIST routes and format where CSV is served. Call after router_init and
 * after the handlers described their resources (routes_init). Without it (unit tests) described filters are absent. */
void router_describe_queries(const route_param *(*described)(const char *pattern));
/* The query parameters the route at index takes, NULL-terminated by name. */
const route_param *router_query_params(int index);
/* Whether the route at index takes the query parameter name; NULL when it does, else the nearest it takes within
 * edit distance 2 (a likely typo) or "" when none is that near. */
const char *router_query_unknown(int index, const char *name);

/* What a route's success replies can be (errors are problem+json whatever was asked). */
enum { MEDIA_JSON = 0, MEDIA_CSV = 1, MEDIA_TEXT = 2, MEDIA_HTML = 3, MEDIA_KINDS };
extern const char *const media_type_names[MEDIA_KINDS];     /* "application/json", "text/csv", "text/plain", ... */
extern const char *const media_format_names[MEDIA_KINDS];   /* ?format= values: "json", "csv", "text" */
/* The media the route at index produces, a bit per MEDIA_* (1u << MEDIA_JSON...): JSON; JSON and CSV for lists
 * (ROUTE_LIST) and reports (GET + ROUTE_EXPENSIVE); text for /metrics; 0 when it answers no body (204). */
unsigned router_produces(int index);
/* Handler modules' start-up hooks (routes.c). */
void routes_init(void);
/* path is the raw path without the query. Returns true when a route matched. */
bool router_match(const char *method, const char *path, route_match *m);

#endif
