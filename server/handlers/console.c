/*
 * console.c - the web console: GET / sends a browser to /console/; /console/assets/NAME are the bundled files
 * (hashed names, so cached for a year and never revalidated); every other GET /console/... path answers the shell
 * page, so any screen has a link a person can paste. Called by dispatch.c before routing: none of this is an API
 * resource, so it stays out of the route table and of the OpenAPI description. The API reference, GET /api/v1/docs,
 * is a route of its own (routes.c) whose page is one of these assets (web/src/docs/, docs-HASH.html).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/log.h"
#include "server/console/assets.h"
#include "server/handlers/handlers.h"
#include "server/http/negotiate.h"
#include "server/http/request.h"

/* Strict: only the server's own files run or style anything; nothing may frame the console (clickjacking), no
 * <base> may redirect its relative links, forms post only here. 'unsafe-inline' and 'unsafe-eval' are absent. */
#define CONSOLE_CSP                                                                                                    \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "                \
    "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

/* The shell page with the configured idle time filled in, made once at start (replies reference it: never freed
 * while workers run). */
static char *shell;
static size_t shell_len;
/* The API reference's page (web/build.mjs writes it as assets/docs-HASH.html), found once at start. */
static const console_asset *docs_page;

static const console_asset *find_docs_page(void)
{
    static const char prefix[] = "/console/assets/docs-", suffix[] = ".html";
    const console_asset *found = NULL;
    for (size_t i = 0; i < console_asset_count; i++) {
        const char *p = console_assets[i].path;
        size_t n = strlen(p);
        if (strncmp(p, prefix, sizeof(prefix) - 1) || n < sizeof(prefix) - 1 + sizeof(suffix) - 1 ||
            strcmp(p + n - (sizeof(suffix) - 1), suffix))
            continue;
        if (found)
            return NULL;            /* two pages: a stale build directory; refuse rather than guess */
        found = &console_assets[i];
    }
    return found;
}

int console_init(const registry_config *cfg)
{
    static const char mark[] = "@IDLE_SECONDS@";
    if (!(docs_page = find_docs_page())) {
        log_msg(LOG_ERROR, NULL, "console: not exactly one API reference page (docs-HASH.html) among the assets "
                                 "(web/build.mjs)");
        return -1;
    }
    const char *html = (const char *)console_shell_html, *at = strstr(html, mark);
    if (!at) {
        log_msg(LOG_ERROR, NULL, "console: the shell page has no %s mark (web/build.mjs)", mark);
        return -1;
    }
    char secs[16];
    int sl = snprintf(secs, sizeof(secs), "%d", cfg->console_idle_timeout_s);
    size_t before = (size_t)(at - html), after = console_shell_html_len - before - (sizeof(mark) - 1);
    shell_len = before + (size_t)sl + after;
    shell = malloc(shell_len + 1);
    if (!shell)
        return -1;
    memcpy(shell, html, before);
    memcpy(shell + before, secs, (size_t)sl);
    memcpy(shell + before + sl, at + sizeof(mark) - 1, after);
    shell[shell_len] = '\0';
    return 0;
}

void console_shutdown(void)
{
    free(shell);
    shell = NULL;
}

static int by_path(const void *key, const void *elem)
{
    return strcmp(key, ((const console_asset *)elem)->path);
}

const console_asset *console_asset_find(const char *path)
{
    return bsearch(path, console_assets, console_asset_count, sizeof(console_assets[0]), by_path);
}

/* cache: the Cache-Control, or NULL for reply.c's no-store */
static void serve_asset(req_ctx *rc, const console_asset *a, const char *cache)
{
    unsigned available = (a->gzip ? 1u << CODING_GZIP : 0) | (a->brotli ? 1u << CODING_BR : 0);
    content_coding c = content_coding_pick(req_header(rc, "Accept-Encoding"), available);
    if (available)
        req_add_header(rc, "Vary", "Accept-Encoding");
    if (cache)
        req_add_header(rc, "Cache-Control", cache);
    if (c == CODING_BR) {
        req_add_header(rc, "Content-Encoding", "br");
        reply_static(rc, 200, a->content_type, a->brotli, a->brotli_len);
    } else if (c == CODING_GZIP) {
        req_add_header(rc, "Content-Encoding", "gzip");
        reply_static(rc, 200, a->content_type, a->gzip, a->gzip_len);
    } else
        reply_static(rc, 200, a->content_type, a->identity, a->identity_len);
}

bool console_path(const char *path)
{
    return !strcmp(path, "/console") || !strncmp(path, "/console/", 9);
}

static void add_page_headers(req_ctx *rc)
{
    req_add_header(rc, "Content-Security-Policy", CONSOLE_CSP);
    req_add_header(rc, "X-Frame-Options", "DENY");
    req_add_header(rc, "Referrer-Policy", "same-origin");
}

void handle_console(req_ctx *rc)
{
    add_page_headers(rc);
    if (strcmp(rc->method, "GET") && strcmp(rc->method, "HEAD")) {
        req_add_header(rc, "Allow", "GET, HEAD");
        reply_problem(rc, 405, "The console's pages are only read (GET).");
        return;
    }
    if (!strcmp(rc->path, "/console")) {
        req_add_header(rc, "Location", "/console/");
        reply_empty(rc, 301);
        return;
    }
    if (!strncmp(rc->path, "/console/assets/", 16)) {
        const console_asset *a = console_asset_find(rc->path);
        if (a)
            serve_asset(rc, a, "public, max-age=31536000, immutable");
        else
            reply_problem(rc, 404, "No such file of the console.");    /* an old hash after an upgrade, say */
        return;
    }
    reply_static(rc, 200, "text/html; charset=utf-8", shell, shell_len);
}

/* GET /api/v1/docs: the page under the console's policy, not cached (its script's name changes with each build),
 * compressed as the assets are. It reads /api/v1/openapi.json itself. */
void handle_api_docs(req_ctx *rc)
{
    add_page_headers(rc);
    serve_asset(rc, docs_page, NULL);
}

void handle_root_redirect(req_ctx *rc)
{
    req_add_header(rc, "Location", "/console/");
    reply_empty(rc, 302);
}
