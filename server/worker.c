#include "server/worker.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "common/log.h"
#include "server/audit/sealer.h"
#include "server/http/framing_filter.h"

worker *g_workers;
int g_nworkers;

/* Per connection: its worker and a deadline. A client has request_timeout_s from the moment it connects (or from
 * the end of its previous reply) to deliver a whole request; libevent's own timeout only bounds the gap between two
 * reads, which a slowloris client sending a byte every few seconds never exceeds. While the server works on a
 * request the deadline is off (statement_timeout bounds that side). */
typedef struct conn_state {
    worker *w;
    struct bufferevent *bev;
    struct event *deadline;
    struct conn_state *prev, *next;     /* in the worker's list of connections waiting for a request, oldest first */
    bool waiting;
    bool nodelay;                       /* TCP_NODELAY checked on this socket */
    int *cancel_on_close;               /* set to 1 when the connection goes (worker_cancel_on_close) */
    framing_conn framing;               /* the request framing check between TLS and evhttp */
} conn_state;

/* Connections waiting for a request (handshaking, sending, or idle between requests), oldest first: at the
 * connection cap the oldest of them makes room for a new client, so a flood of silent connections cannot lock
 * real clients out. */
static void waiting_remove(conn_state *cs)
{
    if (!cs->waiting)
        return;
    worker *w = cs->w;
    if (cs->prev)
        cs->prev->next = cs->next;
    else
        w->waiting_head = cs->next;
    if (cs->next)
        cs->next->prev = cs->prev;
    else
        w->waiting_tail = cs->prev;
    cs->prev = cs->next = NULL;
    cs->waiting = false;
}

static void waiting_append(conn_state *cs)
{
    worker *w = cs->w;
    waiting_remove(cs);
    cs->prev = w->waiting_tail;
    cs->next = NULL;
    if (w->waiting_tail)
        w->waiting_tail->next = cs;
    else
        w->waiting_head = cs;
    w->waiting_tail = cs;
    cs->waiting = true;
}

static int conn_ex_index = -1;

/* OpenSSL calls this when a connection's SSL object is freed, whichever way the connection ended: the one place
 * where the open-connection count goes down, and where a listener paused at the cap starts accepting again. */
static void ssl_conn_freed(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    conn_state *cs = ptr;
    if (!cs)
        return;
    worker *w = cs->w;
    if (cs->cancel_on_close)
        __atomic_store_n(cs->cancel_on_close, 1, __ATOMIC_RELEASE);
    waiting_remove(cs);
    framing_conn_release(&cs->framing);
    event_free(cs->deadline);
    free(cs);
    w->connections--;
    metrics_conn_closed(&w->metrics);
    /* accept again below the cap, or just over it while some connection waits for a request and can make room */
    if (w->listener_paused && w->bound &&
        (w->connections < w->max_connections || (w->waiting_head && w->connections < w->max_connections + 4))) {
        evconnlistener_enable(evhttp_bound_socket_get_listener(w->bound));
        w->listener_paused = false;
    }
}

static void on_conn_deadline(evutil_socket_t fd, short what, void *arg)
{
    conn_state *cs = arg;
    int sock = bufferevent_getfd(cs->bev);
    /* libevent sees the connection end and cleans up as for any client that went away */
    if (sock >= 0)
        shutdown(sock, SHUT_RDWR);
}

static conn_state *conn_of(struct evhttp_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
    struct bufferevent *tls = bev ? bufferevent_get_underlying(bev) : NULL;    /* under the framing filter */
    SSL *ssl = tls ? bufferevent_openssl_get_ssl(tls) : NULL;
    return ssl ? SSL_get_ex_data(ssl, conn_ex_index) : NULL;
}

int worker_request_fd(struct evhttp_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
    return bev ? bufferevent_getfd(bev) : -1;
}

void worker_cancel_on_close(struct evhttp_request *req, int *flag)
{
    conn_state *cs = conn_of(req);
    if (cs)
        cs->cancel_on_close = flag;
    else if (flag)
        __atomic_store_n(flag, 1, __ATOMIC_RELEASE);    /* already gone */
}

static void conn_deadline_arm(conn_state *cs)
{
    struct timeval tv = {cs->w->cfg->request_timeout_s, 0};
    evtimer_add(cs->deadline, &tv);
    waiting_append(cs);
}

static void conn_deadline_disarm(conn_state *cs)
{
    evtimer_del(cs->deadline);
    waiting_remove(cs);
}

static struct bufferevent *make_tls_bev(struct event_base *base, void *arg)
{
    worker *w = arg;
    SSL *ssl = SSL_new(w->ssl_ctx);
    if (!ssl)
        return NULL;
    struct bufferevent *bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                             BEV_OPT_CLOSE_ON_FREE);
    if (!bev)
        return NULL;
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    conn_state *cs = calloc(1, sizeof(*cs));
    cs->w = w;
    cs->bev = bev;
    cs->deadline = evtimer_new(base, on_conn_deadline, cs);
    SSL_set_ex_data(ssl, conn_ex_index, cs);
    w->connections++;
    metrics_conn_opened(&w->metrics);
    if (w->connections > w->max_connections && w->waiting_head) {
        /* at the cap: the connection that has waited longest without a request makes room */
        conn_state *old = w->waiting_head;
        waiting_remove(old);
        int sock = bufferevent_getfd(old->bev);
        if (sock >= 0)
            shutdown(sock, SHUT_RDWR);
    }
    conn_deadline_arm(cs);
    /* Pause accepting (further clients wait in the kernel's backlog) when every connection is busy with a request,
     * or when evicted connections have not closed yet and a burst would overshoot the cap by more than a few. */
    if (w->connections >= w->max_connections && w->bound && !w->listener_paused &&
        (!w->waiting_head->next || w->connections >= w->max_connections + 4)) {
        evconnlistener_disable(evhttp_bound_socket_get_listener(w->bound));
        w->listener_paused = true;
    }
    /* evhttp reads and writes through the framing check (server/http/framing_filter.h) */
    framing_limits lim = {(size_t)w->cfg->max_header_bytes, (uint64_t)w->cfg->max_body_bytes};
    struct bufferevent *filtered = framing_filter_new(bev, &cs->framing, &lim, w->cfg->request_timeout_s);
    if (!filtered)
        bufferevent_free(bev);
    return filtered;
}

void worker_request_arrived(struct evhttp_request *req)
{
    conn_state *cs = conn_of(req);
    if (!cs)
        return;
    conn_deadline_disarm(cs);    /* the request is in: the server's turn */
    if (!cs->nodelay) {
        /* Linux copies TCP_NODELAY from the listener, other systems may not: once per connection, make sure
         * (without it Nagle's algorithm meets delayed ACKs and replies wait ~40 ms) */
        int one = 1, sock = bufferevent_getfd(cs->bev);
        if (sock >= 0)
            setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        cs->nodelay = true;
    }
}

bool worker_framing_rejected(struct evhttp_request *req, int *status, const char **detail, const char **method)
{
    conn_state *cs = conn_of(req);
    return cs && framing_reject_due(&cs->framing, evhttp_request_get_uri(req), status, detail, method);
}

static void maybe_finish_drain(worker *w);

static void on_shutdown(evutil_socket_t fd, short what, void *arg)
{
    worker *w = arg;
    if (w->draining)
        return;
    w->draining = true;
    audit_sealer_stop(w->sealer);
    if (w->bound) {
        evhttp_del_accept_socket(w->http, w->bound);    /* closes the listening socket */
        w->bound = NULL;
    }
    struct timeval grace = {w->cfg->shutdown_grace_s, 0};
    evtimer_add(w->ev_deadline, &grace);
    if (worker_changes_hook)
        worker_changes_hook(w, NULL, true);    /* long polls answer now */
    maybe_finish_drain(w);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    worker *w = arg;
    log_msg(LOG_WARN, NULL, "worker %d: %d requests still in flight after the grace period; closing", w->index,
            w->inflight);
    event_base_loopbreak(w->base);
}

/* A drain ends when every request has been answered and every answer written out; a reply whose connection
 * broke never reports being written, so that part waits one second at most. */
static void maybe_finish_drain(worker *w)
{
    if (!w->draining || w->inflight > 0)
        return;
    if (w->unflushed == 0) {
        event_base_loopbreak(w->base);
        return;
    }
    if (!evtimer_pending(w->ev_flush_wait, NULL)) {
        struct timeval tv = {1, 0};
        evtimer_add(w->ev_flush_wait, &tv);
    }
}

static void on_flush_wait(evutil_socket_t fd, short what, void *arg)
{
    worker *w = arg;
    event_base_loopbreak(w->base);
}

void worker_request_done(worker *w)
{
    w->inflight--;
    maybe_finish_drain(w);
}

void worker_reply_sent(struct evhttp_request *req, void *arg)
{
    worker *w = arg;
    conn_state *cs = conn_of(req);
    if (cs)
        conn_deadline_arm(cs);    /* the client's turn again: the next request, or closing */
    if (cs && cs->framing.closing) {
        /* we close, not evhttp: it would close at once and a reset could destroy the answer at the client */
        while (evhttp_remove_header(evhttp_request_get_input_headers(req), "Connection") == 0)
            ;
        while (evhttp_remove_header(evhttp_request_get_output_headers(req), "Connection") == 0)
            ;
        framing_close_gently(&cs->framing);
    }
    w->unflushed--;
    maybe_finish_drain(w);
}

void (*worker_changes_hook)(worker *w, const char *payload, bool draining);

static void on_changes_notify(void *arg, const char *payload)
{
    if (worker_changes_hook)
        worker_changes_hook(arg, payload, false);
}

void worker_request_shutdown(worker *w)
{
    event_active(w->ev_shutdown, EV_TIMEOUT, 0);
}

int worker_init(worker *w, int index, const registry_config *cfg, SSL_CTX *ctx, int listen_fd)
{
    if (conn_ex_index < 0)
        conn_ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, ssl_conn_freed);
    memset(w, 0, sizeof(*w));
    w->index = index;
    w->cfg = cfg;
    w->ssl_ctx = ctx;
    w->listen_fd = listen_fd;
    metrics_add_shard(&w->metrics, &w->db);     /* /metrics sums it (and reads the pool's stats) from now on */
    if (getrandom(&w->rng, sizeof(w->rng), 0) != sizeof(w->rng) || w->rng == 0)
        w->rng = 0x9e3779b97f4a7c15ULL ^ (uint64_t)index;
    int threads = g_nworkers > 0 ? g_nworkers : 1;
    /* a client's connections spread over the threads: each thread allows its share */
    ratelimit_init(&w->rl_token, (double)cfg->rate_limit_per_min / threads, (double)cfg->rate_limit_per_min / threads);
    ratelimit_init(&w->rl_address, (double)cfg->rate_limit_address_per_min / threads,
                   (double)cfg->rate_limit_address_per_min / threads);
    w->max_connections = cfg->max_connections / threads;
    if (w->max_connections < 1)
        w->max_connections = 1;

    w->base = event_base_new();
    if (!w->base)
        return -1;
    w->http = evhttp_new(w->base);
    evhttp_set_bevcb(w->http, make_tls_bev, w);
    /* libevent's own caps are above ours, which the framing check answers first (431, 413) */
    evhttp_set_max_headers_size(w->http, (ev_ssize_t)cfg->max_header_bytes * 4);
    evhttp_set_max_body_size(w->http, (ev_ssize_t)cfg->max_body_bytes);
    evhttp_set_timeout(w->http, cfg->request_timeout_s);
    evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH |
                                            EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS);
    w->bound = evhttp_accept_socket_with_handle(w->http, listen_fd);
    if (!w->bound)
        return -1;
    w->db = db_pool_new(w->base, cfg, index);
    db_pool_listen(w->db, "registry_auth", session_cache_on_notify, &w->sessions);
    db_pool_listen_also(w->db, "registry_changes", on_changes_notify, w);
    w->ev_shutdown = event_new(w->base, -1, 0, on_shutdown, w);
    w->ev_deadline = evtimer_new(w->base, on_deadline, w);
    w->ev_flush_wait = evtimer_new(w->base, on_flush_wait, w);
    if (index == 0 && !(w->sealer = audit_sealer_new(w->base, cfg, index)))
        return -1;
    return 0;
}

void *worker_run(void *arg)
{
    worker *w = arg;
    db_pool_start(w->db);
    audit_sealer_start(w->sealer);
    event_base_dispatch(w->base);

    /* Drained (or out of time). Requests still waiting on the database are dropped without callbacks, then the
     * HTTP side closes every connection. */
    db_pool *db = w->db;
    __atomic_store_n(&w->db, NULL, __ATOMIC_RELEASE);    /* /metrics on another thread stops reading it */
    db_pool_free(db, true);
    audit_sealer_free(w->sealer);
    w->sealer = NULL;
    evhttp_free(w->http);
    w->http = NULL;
    event_free(w->ev_shutdown);
    event_free(w->ev_deadline);
    event_free(w->ev_flush_wait);
    /* A connection closed above whose framing filter still had a deferred output callback pending is held by it
     * (libevent frees a bufferevent only when its deferred callbacks have run), and event_base_free does not run
     * them: let the loop run what is ready a few more times, so those connections are freed too. */
    for (int i = 0; i < 4; i++)
        event_base_loop(w->base, EVLOOP_NONBLOCK);
    event_base_free(w->base);
    w->base = NULL;
    return NULL;
}

void worker_discard(worker *w)
{
    if (!w->base)
        return;
    if (w->db)
        db_pool_free(w->db, true);
    audit_sealer_free(w->sealer);
    w->sealer = NULL;
    if (w->http)
        evhttp_free(w->http);    /* also closes the listening socket it was given */
    if (w->ev_shutdown)
        event_free(w->ev_shutdown);
    if (w->ev_deadline)
        event_free(w->ev_deadline);
    if (w->ev_flush_wait)
        event_free(w->ev_flush_wait);
    event_base_free(w->base);
    w->base = NULL;
}
