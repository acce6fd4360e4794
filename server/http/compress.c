/* compress.c - gzip for dynamic replies (compress.h says what is compressed, what never is, and why). */
#include "server/http/compress.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "server/http/context.h"
#include "server/http/negotiate.h"

bool compress_route_secret(const char *route_pattern)
{
    /* the sign-in's reply holds a new session token beside the username the request sent */
    return route_pattern && !strncmp(route_pattern, "/api/v1/auth/", 13);
}

bool compress_type_compressible(const char *content_type)
{
    static const char *const types[] = {"application/json", "application/problem+json", "text/csv", "text/plain"};
    if (!content_type)
        return false;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        size_t n = strlen(types[i]);
        if (!strncasecmp(content_type, types[i], n) && (content_type[n] == '\0' || content_type[n] == ';'))
            return true;
    }
    return false;
}

compress_decision compress_decide(const char *route_pattern, int status, const char *content_type,
                                  const char *content_encoding, size_t body_len, const char *accept_encoding)
{
    if (!route_pattern || compress_route_secret(route_pattern) || content_encoding || status < 200 ||
        status == 204 || status == 304 || !compress_type_compressible(content_type))
        return COMPRESS_NEVER;
    if (body_len < COMPRESS_MIN_BYTES ||
        content_coding_pick(accept_encoding, 1u << CODING_GZIP) != CODING_GZIP)
        return COMPRESS_VARY;
    return COMPRESS_GZIP;
}

int gz_stream_init(gz_stream *g, int level)
{
    memset(g, 0, sizeof(*g));
    /* windowBits 15 + 16: a gzip header and trailer instead of zlib's */
    if (deflateInit2(&g->z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    g->ready = true;
    return 0;
}

void gz_stream_reset(gz_stream *g)
{
    deflateReset(&g->z);
}

void gz_stream_free(gz_stream *g)
{
    if (g->ready)
        deflateEnd(&g->z);
    g->ready = false;
}

/* Deflates [data, len) into out, growing it as needed. */
static int deflate_into(gz_stream *g, const void *data, size_t len, struct evbuffer *out, int flush)
{
    g->z.next_in = (Bytef *)(uintptr_t)data;
    g->z.avail_in = (uInt)len;
    for (;;) {
        struct evbuffer_iovec v;
        size_t want = deflateBound(&g->z, g->z.avail_in) + 64;
        if (evbuffer_reserve_space(out, (ev_ssize_t)(want < 4096 ? 4096 : want), &v, 1) < 1)
            return -1;
        g->z.next_out = v.iov_base;
        g->z.avail_out = (uInt)v.iov_len;
        int r = deflate(&g->z, flush);
        v.iov_len -= g->z.avail_out;
        if (evbuffer_commit_space(out, &v, 1) != 0 || r == Z_STREAM_ERROR)
            return -1;
        if (flush == Z_FINISH ? r == Z_STREAM_END : (g->z.avail_in == 0 && g->z.avail_out > 0))
            return 0;
    }
}

int gz_stream_feed(gz_stream *g, struct evbuffer *in, struct evbuffer *out, bool finish)
{
    int n = evbuffer_peek(in, -1, NULL, NULL, 0);
    struct evbuffer_iovec stackv[16], *v = n <= 16 ? stackv : malloc((size_t)n * sizeof(*v));
    if (!v)
        return -1;
    evbuffer_peek(in, -1, NULL, v, n);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        rc = deflate_into(g, v[i].iov_base, v[i].iov_len, out, Z_NO_FLUSH);
    if (rc == 0 && finish)
        rc = deflate_into(g, NULL, 0, out, Z_FINISH);
    if (v != stackv)
        free(v);
    return rc;
}

/* One stream per thread, made on its first compressed reply and reset for each next one: deflateInit's ~260 KB of
 * state is not allocated per reply. Freed when the thread ends. */
static pthread_key_t stream_key;
static pthread_once_t stream_once = PTHREAD_ONCE_INIT;

static void stream_destroy(void *p)
{
    gz_stream_free(p);
    free(p);
}

static void stream_key_make(void)
{
    pthread_key_create(&stream_key, stream_destroy);
}

static gz_stream *thread_stream(int level)
{
    pthread_once(&stream_once, stream_key_make);
    gz_stream *g = pthread_getspecific(stream_key);
    if (g) {
        gz_stream_reset(g);
        return g;
    }
    g = malloc(sizeof(*g));
    if (!g || gz_stream_init(g, level) != 0) {
        free(g);
        return NULL;
    }
    pthread_setspecific(stream_key, g);
    return g;
}

void reply_vary_add(struct evkeyvalq *h, const char *token)
{
    const char *was = evhttp_find_header(h, "Vary");
    if (!was) {
        evhttp_add_header(h, "Vary", token);
        return;
    }
    char both[256];
    snprintf(both, sizeof(both), "%s, %s", was, token);
    evhttp_remove_header(h, "Vary");
    evhttp_add_header(h, "Vary", both);
}

void compress_reply(req_ctx *rc, struct evkeyvalq *h, int status, const char *content_type, struct evbuffer *body)
{
    const route *rt = rc->match.route;
    int level = rc->w->cfg->gzip_level;
    if (level <= 0)
        return;
    compress_decision d = compress_decide(rt ? rt->pattern : NULL, status, content_type,
                                          evhttp_find_header(h, "Content-Encoding"),
                                          body ? evbuffer_get_length(body) : 0,
                                          /* the request is already marked replied: its headers directly */
                                          evhttp_find_header(evhttp_request_get_input_headers(rc->req),
                                                             "Accept-Encoding"));
    if (d == COMPRESS_NEVER)
        return;
    reply_vary_add(h, "Accept-Encoding");
    gz_stream *g = d == COMPRESS_GZIP ? thread_stream(level) : NULL;
    if (!g)
        return;
    size_t before = evbuffer_get_length(body);
    struct evbuffer *gz = evbuffer_new();
    /* the body stays whole until the gzip is known good and smaller */
    if (gz && gz_stream_feed(g, body, gz, true) == 0 && evbuffer_get_length(gz) < before) {
        evbuffer_drain(body, before);
        evbuffer_add_buffer(body, gz);
        evhttp_add_header(h, "Content-Encoding", "gzip");
    }
    if (gz)
        evbuffer_free(gz);
}
