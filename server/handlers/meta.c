/* meta.c - /metrics (Prometheus text) and /api/v1/openapi.json (built once at start from the route table). */
#include "server/handlers/handlers.h"
#include "server/http/request.h"
#include "server/metrics.h"
#include "server/openapi.h"

void handle_metrics(req_ctx *rc)
{
    strbuf sb = STRBUF_INIT;
    metrics_render(&sb);
    reply_strbuf(rc, 200, "text/plain; version=0.0.4; charset=utf-8", &sb);
}

void handle_openapi(req_ctx *rc)
{
    size_t len;
    const char *doc = openapi_document(&len);
    reply_body(rc, 200, "application/json", doc, len);
}
