/*
 * dispatch.c - the one way in: every request arrives here from its worker's evhttp, gets a context, has its target
 * checked and routed, and goes to its handler (through the authentication gate unless the route is public).
 */
#include "server/http/dispatch.h"

#include <ctype.h>
#include <string.h>

#include <event2/http.h>

#include "server/audit/read_audit.h"
#include "server/auth/authenticate.h"
#include "server/handlers/handlers.h"
#include "server/http/context.h"
#include "server/http/input.h"
#include "server/http/negotiate.h"
#include "server/http/reply.h"
#include "server/http/validate.h"
#include "server/router.h"

static const char *method_name(enum evhttp_cmd_type t)
{
    switch (t) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_HEAD: return "HEAD";
    case EVHTTP_REQ_PUT: return "PUT";
    case EVHTTP_REQ_DELETE: return "DELETE";
    case EVHTTP_REQ_OPTIONS: return "OPTIONS";
    case EVHTTP_REQ_PATCH: return "PATCH";
    default: return "OTHER";
    }
}

/* The media type of rc's reply, rc->media, among what its route produces: ?format= when given (declared only where
 * CSV is served, and it wins over Accept), else by Accept (negotiate.h). False after replying 400 (a format the
 * route has not) or 406 (Accept allows none of them; the problem's "available" lists them). Errors are
 * problem+json whatever Accept says: RFC 9110 15.5.7 lets a server send a representation the client did not ask
 * for rather than nothing, and a client that cannot read the problem still has its status. */
static bool negotiate_media(req_ctx *rc)
{
    unsigned produces = router_produces(rc->match.index);
    if (!produces)
        return true;    /* no body (204): nothing to negotiate */
    const char *types[MEDIA_KINDS];
    int kinds[MEDIA_KINDS], n = 0;
    for (int k = 0; k < MEDIA_KINDS; k++)
        if (produces & (1u << k)) {
            types[n] = media_type_names[k];
            kinds[n++] = k;
        }
    if (n > 1)
        req_add_header(rc, "Vary", "Accept");   /* the same URL answers JSON or CSV */
    const char *format = req_query(rc, "format");
    int pick = -1;
    if (format) {
        for (int i = 0; i < n && pick < 0; i++)
            if (!strcmp(format, media_format_names[kinds[i]]))
                pick = i;
        if (pick < 0) {
            field_errors fe = {0};
            char en[128] = "must be one of", fa[160] = "باید یکی از این‌ها باشد:";
            for (int i = 0; i < n; i++) {
                size_t el = strlen(en), fl = strlen(fa);
                snprintf(en + el, sizeof(en) - el, "%s %s", i ? "," : "", media_format_names[kinds[i]]);
                snprintf(fa + fl, sizeof(fa) - fl, "%s %s", i ? "،" : "", media_format_names[kinds[i]]);
            }
            field_error_coded(&fe, "format", "choice", fa, "%s", en);
            reply_problem_fields(rc, 400, "Invalid query parameter.", &fe);
            return false;
        }
    } else
        pick = media_type_pick(req_header(rc, "Accept"), types, n);
    if (pick < 0) {
        json_object *m = req_json_object(rc), *avail = json_object_new_array();
        strbuf sb = STRBUF_INIT;
        strbuf_puts(&sb, "Accept allows none of the media types this resource is served as: ");
        for (int i = 0; i < n; i++) {
            json_object_array_add(avail, json_object_new_string(types[i]));
            strbuf_printf(&sb, "%s%s", i ? ", " : "", types[i]);
        }
        strbuf_puts(&sb, n > 1 ? " (or ?format=)." : ".");
        json_object_object_add(m, "available", avail);
        rc->problem_members = m;
        const char *detail = arena_strdup(rc->arena, sb.data);
        strbuf_free(&sb);
        reply_problem(rc, 406, detail);
        return false;
    }
    rc->media = kinds[pick];
    rc->want_csv = rc->media == MEDIA_CSV;
    return true;
}

/* Checks, routes and hands rc to its handler, or replies. */
static void serve(req_ctx *rc, struct evhttp_request *req)
{
    rc->method = method_name(evhttp_request_get_command(req));

    /* a request the framing check refused (its head never reached evhttp): the problem, then the connection ends */
    int fstatus;
    const char *fdetail, *fmethod;
    if (worker_framing_rejected(req, &fstatus, &fdetail, &fmethod)) {
        rc->method = fmethod;
        req_add_header(rc, "Connection", "close");
        reply_problem(rc, fstatus, fdetail);
        return;
    }

    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    if (!path || !*path)
        path = "/";
    rc->path = path;
    const char *raw_query = uri ? evhttp_uri_get_query(uri) : NULL;
    for (int part = 0; part < 2; part++)
        for (const unsigned char *p = (const unsigned char *)(part ? (raw_query ? raw_query : "") : path); *p; p++) {
            if (*p < 0x21 || *p == 0x7f) {
                reply_problem(rc, 400, "The request target holds control characters.");
                return;
            }
            if (*p == '%' && !(isxdigit(p[1]) && isxdigit(p[2]))) {
                reply_problem(rc, 400, "The request target holds an invalid percent-encoding.");
                return;
            }
        }

    /* the site's root is the console's door, not a resource: it stays out of the route table and the API's
     * description (tests/unit/test_router.c: no pattern ends in '/') */
    if (!strcmp(path, "/") && (!strcmp(rc->method, "GET") || !strcmp(rc->method, "HEAD"))) {
        handle_root_redirect(rc);
        return;
    }
    if (console_path(path)) {
        handle_console(rc);
        return;
    }
    if (!strcmp(rc->method, "OPTIONS")) {     /* the path's methods, and CORS preflights: public (meta.c) */
        handle_options(rc, path);
        return;
    }
    if (!router_match(rc->method, path, &rc->match)) {
        if (rc->match.path_known) {
            req_add_header(rc, "Allow", rc->match.allow);
            reply_problem(rc, 405, "This method is not allowed on this resource.");
        } else
            reply_problem(rc, 404, "No such resource.");
        return;
    }
    const char *q = uri ? evhttp_uri_get_query(uri) : NULL;
    if (q && *q && evhttp_parse_query_str(q, &rc->query) != 0) {
        reply_problem(rc, 400, "The query string is malformed.");
        return;
    }
    /* the query and the media type are the request's own business: refused before the gate, on every route */
    if (!req_query_check(rc) || !negotiate_media(rc))
        return;
    if (rc->match.route->perm != PERM_PUBLIC) {
        authenticate_and_run(rc);
        return;
    }
    req_enter_handler(rc);
    rc->match.route->handler(rc);
}

/* Every request enters here. */
static void dispatch_request(struct evhttp_request *req, void *arg)
{
    worker *w = arg;
    worker_request_arrived(req);
    req_ctx *rc = req_ctx_acquire(w, req);
    req_ctx *was = req_current_set(rc);
    serve(rc, req);
    req_current_set(was);
}

void dispatch_attach(worker *w)
{
    w->read_audit = read_audit_new(w);
    evhttp_set_gencb(w->http, dispatch_request, w);
}

void dispatch_detach(worker *w)
{
    read_audit_free(w->read_audit);    /* its jobs are gone with the worker's pool */
    w->read_audit = NULL;
    req_ctx_release_all(w);
}
