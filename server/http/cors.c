/* cors.c - CORS for the origins the config lists (cors.h says what is sent to whom). */
#include "server/http/cors.h"

#include <string.h>

#include <event2/http.h>

#include "server/http/compress.h"
#include "server/http/context.h"

bool cors_origin_listed(const char *const *list, int n, const char *origin)
{
    if (!origin || !*origin)
        return false;
    for (int i = 0; i < n; i++)
        if (!strcmp(list[i], origin))
            return true;
    return false;
}

bool cors_preflight_headers(const char *const *list, int n, const char *origin, const char *request_method,
                            const char *allow, cors_add_fn add, void *arg)
{
    if (n > 0)
        add(arg, "Vary", "Origin");
    if (!request_method || !*request_method || !cors_origin_listed(list, n, origin))
        return false;
    add(arg, "Access-Control-Allow-Origin", origin);
    add(arg, "Access-Control-Allow-Methods", allow);
    add(arg, "Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
    add(arg, "Access-Control-Max-Age", CORS_MAX_AGE);
    return true;
}

bool cors_actual_headers(const char *const *list, int n, const char *origin, cors_add_fn add, void *arg)
{
    if (n > 0)
        add(arg, "Vary", "Origin");
    if (!cors_origin_listed(list, n, origin))
        return false;
    add(arg, "Access-Control-Allow-Origin", origin);
    add(arg, "Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS);
    return true;
}

static void add_to_headers(void *arg, const char *name, const char *value)
{
    if (!strcmp(name, "Vary"))
        reply_vary_add(arg, value);
    else
        evhttp_add_header(arg, name, value);
}

void cors_reply_headers(req_ctx *rc, struct evkeyvalq *h)
{
    const registry_config *cfg = rc->w->cfg;
    if (!cfg->cors_origin_count || !rc->method || !strcmp(rc->method, "OPTIONS"))
        return;     /* none listed: nothing changes; a preflight's answer has its own (cors_handle_options) */
    if (!rc->match.route && !(rc->path && !strncmp(rc->path, "/api/", 5)))
        return;     /* the console and its door: same-origin only */
    cors_actual_headers((const char *const *)cfg->cors_origin_list, cfg->cors_origin_count,
                        evhttp_find_header(evhttp_request_get_input_headers(rc->req), "Origin"), add_to_headers, h);
}

void cors_preflight_reply_headers(req_ctx *rc, const char *allow)
{
    const registry_config *cfg = rc->w->cfg;
    cors_preflight_headers((const char *const *)cfg->cors_origin_list, cfg->cors_origin_count,
                           req_header(rc, "Origin"), req_header(rc, "Access-Control-Request-Method"), allow,
                           add_to_headers, evhttp_request_get_output_headers(rc->req));
}
