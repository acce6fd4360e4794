#include "server/http/framing_filter.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

enum { FR_HEAD, FR_BODY, FR_CHUNK_LINE, FR_CHUNK_DATA, FR_CHUNK_CRLF, FR_TRAILER, FR_REFUSED };

/* What evhttp reads in place of a refused head: dispatch knows it by its number (and its path). */
static const char standin[] = "GET " FRAMING_STANDIN_PATH " HTTP/1.1\r\nHost: -\r\n\r\n";

static void refuse_head(framing_conn *fc, struct evbuffer *src, struct evbuffer *dst, int status, const char *detail,
                        const char *method)
{
    fc->reject_status = status;
    fc->reject_detail = detail;
    snprintf(fc->reject_method, sizeof(fc->reject_method), "%s", method && *method ? method : "?");
    fc->reject_at = ++fc->passed;
    evbuffer_add(dst, standin, sizeof(standin) - 1);
    evbuffer_drain(src, evbuffer_get_length(src));
    fc->state = FR_REFUSED;
}

/* Mid-body: evhttp already has this request's head and whole chunks; a last chunk ends it, and dispatch refuses it. */
static void refuse_body(framing_conn *fc, struct evbuffer *src, struct evbuffer *dst, int status, const char *detail)
{
    fc->reject_status = status;
    fc->reject_detail = detail;
    snprintf(fc->reject_method, sizeof(fc->reject_method), "?");
    fc->reject_at = fc->passed;
    evbuffer_add(dst, "0\r\n\r\n", 5);
    evbuffer_drain(src, evbuffer_get_length(src));
    fc->state = FR_REFUSED;
}

/* The length of the next line (through its LF), or 0 while its LF has not arrived. */
static size_t next_line(framing_conn *fc, struct evbuffer *src, size_t avail)
{
    struct evbuffer_ptr from;
    if (evbuffer_ptr_set(src, &from, fc->line_scanned, EVBUFFER_PTR_SET) != 0)
        return 0;
    struct evbuffer_ptr lf = evbuffer_search(src, "\n", 1, &from);
    if (lf.pos < 0) {
        fc->line_scanned = avail;
        return 0;
    }
    fc->line_scanned = 0;
    return (size_t)lf.pos + 1;
}

/* Feeds the scanner what it has not seen yet of the head at the front of src. */
static size_t scan_head(framing_conn *fc, struct evbuffer *src)
{
    struct evbuffer_ptr from;
    if (evbuffer_ptr_set(src, &from, fc->scan.scanned, EVBUFFER_PTR_SET) != 0)
        return 0;
    struct evbuffer_iovec v[8];
    for (;;) {
        int n = evbuffer_peek(src, -1, &from, v, 8);
        if (n <= 0)
            return 0;
        int got = n < 8 ? n : 8;
        size_t fed = 0;
        for (int i = 0; i < got; i++) {
            size_t end = framing_scan_feed(&fc->scan, v[i].iov_base, v[i].iov_len);
            if (end)
                return end;
            fed += v[i].iov_len;
        }
        if (n <= 8 || evbuffer_ptr_set(src, &from, fed, EVBUFFER_PTR_ADD) != 0)
            return 0;
    }
}

static enum bufferevent_filter_result filter_in(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
                                                enum bufferevent_flush_mode mode, void *ctx)
{
    framing_conn *fc = ctx;
    bool moved = false;
    for (;;) {
        size_t avail = evbuffer_get_length(src);
        if (fc->state == FR_REFUSED) {
            evbuffer_drain(src, avail);     /* nothing after a refusal is read as HTTP */
            break;
        }
        if (!avail)
            break;
        switch (fc->state) {
        case FR_HEAD: {
            if (fc->scan.scanned == 0) {
                /* RFC 9112 2.2: empty lines before a request line are ignored */
                unsigned char two[2];
                if (evbuffer_copyout(src, two, 2) >= 1 && two[0] == '\r') {
                    if (avail < 2)
                        goto out;
                    if (two[1] == '\n') {
                        evbuffer_drain(src, 2);
                        continue;
                    }
                }
            }
            size_t end = scan_head(fc, src);
            if (!end) {
                const char *detail;
                int st = framing_scan_overflow(&fc->scan, &fc->lim, &detail);
                if (!st)
                    goto out;
                refuse_head(fc, src, dst, st, detail, NULL);
                moved = true;
                continue;
            }
            framing_verdict v;
            const char *head = (const char *)evbuffer_pullup(src, (ev_ssize_t)end);
            framing_check_head(head, end, &fc->lim, &v);
            framing_scan_init(&fc->scan);
            moved = true;
            if (v.status) {
                refuse_head(fc, src, dst, v.status, v.detail, v.method);
                continue;
            }
            evbuffer_remove_buffer(src, dst, end);
            fc->passed++;
            if (v.body == FRAMING_BODY_LENGTH) {
                fc->left = v.length;
                fc->state = FR_BODY;
            } else if (v.body == FRAMING_BODY_CHUNKED) {
                fc->body_total = 0;
                fc->line_scanned = 0;
                fc->state = FR_CHUNK_LINE;
            }
            break;
        }
        case FR_BODY:
        case FR_CHUNK_DATA: {
            size_t n = avail < fc->left ? avail : (size_t)fc->left;
            evbuffer_remove_buffer(src, dst, n);
            fc->left -= n;
            moved = true;
            if (fc->left == 0) {
                if (fc->state == FR_BODY)
                    fc->state = FR_HEAD;
                else {
                    evbuffer_add(dst, "\r\n", 2);
                    fc->state = FR_CHUNK_CRLF;
                }
            }
            break;
        }
        case FR_CHUNK_CRLF: {
            char two[2];
            if (avail < 2)
                goto out;
            evbuffer_copyout(src, two, 2);
            if (two[0] != '\r' || two[1] != '\n') {
                refuse_body(fc, src, dst, 400, "A chunk's data does not end where its size says.");
                moved = true;
                continue;
            }
            evbuffer_drain(src, 2);
            fc->state = FR_CHUNK_LINE;
            break;
        }
        case FR_CHUNK_LINE: {
            size_t n = next_line(fc, src, avail);
            if (!n) {
                if (avail <= FRAMING_MAX_CHUNK_LINE)
                    goto out;
                refuse_body(fc, src, dst, 400, "A chunk-size line is too long.");
                moved = true;
                continue;
            }
            uint64_t size;
            moved = true;
            if (n > FRAMING_MAX_CHUNK_LINE ||
                framing_chunk_size((const char *)evbuffer_pullup(src, (ev_ssize_t)n), n, &size) != 0) {
                refuse_body(fc, src, dst, 400, "A chunk-size line is malformed.");
                continue;
            }
            if (size > fc->lim.max_body_bytes - fc->body_total) {
                refuse_body(fc, src, dst, 413, "The request body is larger than this server accepts.");
                continue;
            }
            evbuffer_drain(src, n);
            fc->body_total += size;
            if (size == 0) {
                fc->trailer_bytes = 0;
                fc->state = FR_TRAILER;
            } else {
                /* canonical form: evhttp's chunk parser is lenient (0x, signs, LF alone, no extensions) */
                evbuffer_add_printf(dst, "%" PRIx64 "\r\n", size);
                fc->left = size;
                fc->state = FR_CHUNK_DATA;
            }
            break;
        }
        case FR_TRAILER: {
            size_t n = next_line(fc, src, avail);
            if (!n) {
                if (fc->trailer_bytes + avail <= fc->lim.max_header_bytes)
                    goto out;
                refuse_body(fc, src, dst, 431, "The request's trailer fields are too large.");
                moved = true;
                continue;
            }
            const char *line = (const char *)evbuffer_pullup(src, (ev_ssize_t)n);
            fc->trailer_bytes += n;
            moved = true;
            if (n == 2 && line[0] == '\r') {
                evbuffer_drain(src, 2);
                evbuffer_add(dst, "0\r\n\r\n", 5);
                fc->state = FR_HEAD;
                break;
            }
            if (fc->trailer_bytes > fc->lim.max_header_bytes) {
                refuse_body(fc, src, dst, 431, "The request's trailer fields are too large.");
                continue;
            }
            if (n < 3 || line[n - 2] != '\r' || line[0] == ' ' || line[0] == '\t' ||
                framing_check_field(line, n - 2) != 0) {
                refuse_body(fc, src, dst, 400, "A trailer field is malformed.");
                continue;
            }
            evbuffer_drain(src, n);     /* trailers are never merged into the header fields: dropped */
            break;
        }
        }
    }
out:
    return moved ? BEV_OK : BEV_NEED_MORE;
}

void framing_conn_init(framing_conn *fc, const framing_limits *lim)
{
    memset(fc, 0, sizeof(*fc));
    fc->lim = *lim;
    framing_scan_init(&fc->scan);
    fc->state = FR_HEAD;
}

bool framing_feed(framing_conn *fc, struct evbuffer *in, struct evbuffer *out)
{
    filter_in(in, out, -1, BEV_NORMAL, fc);
    return fc->state == FR_REFUSED;
}

/* Replies go to the TLS side as they are written. Never "processed": evhttp hears that its reply is written only
 * when the TLS side has written it (tls_out_changed). */
static void move_out(framing_conn *fc, struct evbuffer *src)
{
    if (fc->tls && evbuffer_get_length(src)) {
        fc->write_pending = true;
        evbuffer_add_buffer(bufferevent_get_output(fc->tls), src);
    }
}

static enum bufferevent_filter_result filter_out(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
                                                 enum bufferevent_flush_mode mode, void *ctx)
{
    move_out(ctx, src);
    return BEV_NEED_MORE;
}

/* libevent 2.1's filter moves output only while writing is enabled, and evhttp writes a reply before enabling it */
static void filter_out_added(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    if (info->n_added)
        move_out(arg, buf);
}

static void tls_out_changed(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    framing_conn *fc = arg;
    if (!fc->filter || !info->n_deleted || !fc->write_pending)
        return;
    if (evbuffer_get_length(buf) > 0) {
        bufferevent_set_timeouts(fc->filter, &fc->timeout, &fc->timeout);   /* progress: the clock starts again */
        return;
    }
    fc->write_pending = false;
    /* at once, as the TLS bufferevent itself would: a deferred call could arrive after evhttp began the next
     * write and end that one early */
    bufferevent_trigger(fc->filter, EV_WRITE, 0);
}

/* evhttp freed the filter (the TLS side goes with it): nothing may reach the filter through the TLS side now */
static void filter_freed(void *ctx)
{
    framing_conn *fc = ctx;
    fc->filter = NULL;
    if (fc->tls && fc->tls_out_cb)
        evbuffer_remove_cb_entry(bufferevent_get_output(fc->tls), fc->tls_out_cb);
    fc->tls_out_cb = NULL;
}

struct bufferevent *framing_filter_new(struct bufferevent *tls, framing_conn *fc, const framing_limits *lim,
                                       int timeout_s)
{
    framing_conn_init(fc, lim);
    fc->tls = tls;
    fc->timeout.tv_sec = timeout_s;
    struct bufferevent *f = bufferevent_filter_new(tls, filter_in, filter_out, BEV_OPT_CLOSE_ON_FREE, filter_freed, fc);
    if (!f)
        return NULL;
    fc->filter = f;
    fc->tls_out_cb = evbuffer_add_cb(bufferevent_get_output(tls), tls_out_changed, fc);
    if (!fc->tls_out_cb || !evbuffer_add_cb(bufferevent_get_output(f), filter_out_added, fc))
        abort();    /* out of memory */
    /* evhttp writes a reply a header line at a time: move it to the TLS side once, when the writing is over, or
     * every line would become a TLS record and a system call of its own */
    evbuffer_defer_callbacks(bufferevent_get_output(f), bufferevent_get_base(tls));
    return f;
}

void framing_conn_release(framing_conn *fc)
{
    if (fc->tls && fc->tls_out_cb)
        evbuffer_remove_cb_entry(bufferevent_get_output(fc->tls), fc->tls_out_cb);
    fc->tls_out_cb = NULL;
    fc->tls = NULL;
}

bool framing_reject_due(framing_conn *fc, const char *uri, int *status, const char **detail, const char **method)
{
    unsigned n = ++fc->dispatched;
    if (!fc->reject_at || (n != fc->reject_at && !(uri && !strcmp(uri, FRAMING_STANDIN_PATH))))
        return false;
    *status = fc->reject_status;
    *detail = fc->reject_detail;
    *method = fc->reject_method;
    fc->closing = true;
    return true;
}

void framing_close_gently(framing_conn *fc)
{
    if (!fc->tls)
        return;
    SSL *ssl = bufferevent_openssl_get_ssl(fc->tls);
    int fd = bufferevent_getfd(fc->tls);
    bool sent = true;
    if (ssl) {
        /* close_notify: the client reads a clean end. A full socket buffer (WANT_WRITE) would leave it unsent: then
         * no SHUT_WR, which would cut it off, and the connection's deadline closes the connection instead. */
        int rc = SSL_shutdown(ssl);
        sent = rc >= 0 || SSL_get_error(ssl, rc) != SSL_ERROR_WANT_WRITE;
        ERR_clear_error();      /* nothing of this may be taken for the next read's error */
    }
    if (fd >= 0 && sent)
        shutdown(fd, SHUT_WR);
}
