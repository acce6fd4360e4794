/* meta.c - /metrics (Prometheus text), /api/v1/openapi.json (built once at start from the route table), OPTIONS. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include <openssl/crypto.h>

#include "common/ipallow.h"
#include "server/handlers/handlers.h"
#include "server/http/compress.h"
#include "server/http/cors.h"
#include "server/http/negotiate.h"
#include "server/http/request.h"
#include "server/metrics.h"
#include "server/openapi.h"

/* /metrics tells a lot about the server (routes, load, errors): only the addresses in metrics_allow (loopback by
 * default), or a caller with metrics_token, may read it. The address is the connection's own peer, never one a
 * client or proxy states (a PROXY-protocol listener, if ever added, must keep it so). */
static bool metrics_allowed(req_ctx *rc)
{
    const registry_config *cfg = rc->w->cfg;
    const struct sockaddr *peer = req_peer(rc);
    if (peer && ipallow_match(&cfg->metrics_allow_list, peer))
        return true;
    const char *token = cfg->metrics_token, *h = req_header(rc, "Authorization");
    if (!token || !*token || !h || strncasecmp(h, "Bearer ", 7) != 0)
        return false;
    h += 7;
    size_t n = strlen(token);
    return strlen(h) == n && CRYPTO_memcmp(h, token, n) == 0;
}

void handle_metrics(req_ctx *rc)
{
    if (!metrics_allowed(rc)) {
        reply_problem(rc, 404, "No such resource.");    /* as for any path that does not exist */
        return;
    }
    strbuf sb = STRBUF_INIT;
    metrics_render(&sb);
    /* per prepared statement: how the work of a request shows in the database (a session lookup, a scope set...) */
    strbuf_puts(&sb, "# HELP registry_db_statements_total Statements sent to PostgreSQL, by prepared statement.\n"
                     "# TYPE registry_db_statements_total counter\n");
    for (int i = 0; i < db_stmt_count(); i++)
        strbuf_printf(&sb, "registry_db_statements_total{statement=\"%s\"} %llu\n", db_stmt_name(i),
                      (unsigned long long)db_stmt_sent(i));
    reply_strbuf(rc, 200, "text/plain; version=0.0.4; charset=utf-8", &sb);
}

/* The description never changes while the process runs: gzipped once (smallest level), not per request. */
static unsigned char *openapi_gz;
static size_t openapi_gz_len;
static pthread_once_t openapi_gz_once = PTHREAD_ONCE_INIT;

static void openapi_gzip(void)
{
    size_t len;
    const char *doc = openapi_document(&len);
    gz_stream g;
    struct evbuffer *in = evbuffer_new(), *out = evbuffer_new();
    if (in && out && gz_stream_init(&g, 9) == 0) {
        if (evbuffer_add_reference(in, doc, len, NULL, NULL) == 0 && gz_stream_feed(&g, in, out, true) == 0 &&
            (openapi_gz = malloc(evbuffer_get_length(out))))
            openapi_gz_len = (size_t)evbuffer_remove(out, openapi_gz, evbuffer_get_length(out));
        gz_stream_free(&g);
    }
    if (in)
        evbuffer_free(in);
    if (out)
        evbuffer_free(out);
}

void handle_openapi(req_ctx *rc)
{
    size_t len;
    const char *doc = openapi_document(&len);
    if (content_coding_pick(req_header(rc, "Accept-Encoding"), 1u << CODING_GZIP) == CODING_GZIP) {
        pthread_once(&openapi_gz_once, openapi_gzip);
        if (openapi_gz) {
            req_add_header(rc, "Content-Encoding", "gzip");
            req_add_header(rc, "Vary", "Accept-Encoding");
            reply_static(rc, 200, "application/json", openapi_gz, openapi_gz_len);
            return;
        }
    }
    reply_body(rc, 200, "application/json", doc, len);     /* compress.c adds Vary */
}

/* OPTIONS: the methods of the path (RFC 9110 9.3.7) and, for an origin cors_origins lists, the preflight's CORS
 * headers; any other origin's preflight gets the plain answer, which the browser takes as a refusal (cors.h).
 * Public: a preflight carries no credentials. */
void handle_options(req_ctx *rc, const char *path)
{
    route_match m;
    if (router_match("OPTIONS", path, &m) || !m.path_known) {
        reply_problem(rc, 404, "No such resource.");
        return;
    }
    req_add_header(rc, "Allow", m.allow);
    cors_preflight_reply_headers(rc, m.allow);
    reply_empty(rc, 204);
}
