/*
 * worker.h - one event-loop thread: its event_base, its evhttp listener (TLS), its database pool, its metrics.
 * Nothing here is shared between threads except the read-only configuration, the TLS context and the metrics
 * counters (written by their owner only, read by /metrics).
 */
#ifndef REGISTRY_WORKER_H
#define REGISTRY_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "common/config.h"
#include "server/auth/session_cache.h"
#include "server/db/pool.h"
#include "server/http/ratelimit.h"
#include "server/metrics.h"

struct event_base;
struct evhttp;
struct evhttp_bound_socket;
struct event;
struct evhttp_request;
struct req_ctx;

typedef struct worker {
    int index;
    pthread_t thread;
    const registry_config *cfg;
    SSL_CTX *ssl_ctx;
    int listen_fd;

    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *bound;
    struct event *ev_shutdown, *ev_deadline, *ev_flush_wait;
    db_pool *db;
    struct read_audit *read_audit;      /* audit rows of reads, written in batches (server/audit/read_audit.h) */
    metrics_shard metrics;
    session_cache sessions;
    ratelimit rl_token, rl_address;     /* expensive requests */

    int connections, max_connections;   /* open TLS connections; at the cap the oldest waiting one is dropped */
    struct conn_state *waiting_head, *waiting_tail;
    bool listener_paused;
    int inflight;                       /* requests accepted and not yet answered */
    int unflushed;                      /* replies handed to libevent and not yet written out */
    bool draining;
    uint64_t rng;                       /* request ids */
    struct event *ev_seal;              /* worker 0: seals the audit trail's hash chain every second ... */
    registry_config seal_cfg;           /* ... on a connection of its own, so requests never queue behind it */
    db_pool *seal_db;
    db_job seal_job;
    bool seal_running;
    struct req_ctx *free_ctx;           /* request contexts kept for reuse, with their arenas */
    int nfree_ctx;
} worker;

/* All workers, for /metrics and /readyz aggregation. Set once before the threads start. */
extern worker *g_workers;
extern int g_nworkers;

int worker_init(worker *w, int index, const registry_config *cfg, SSL_CTX *ctx, int listen_fd);
void *worker_run(void *arg);
void worker_discard(worker *w);            /* frees a worker that was set up but never run */
void worker_request_shutdown(worker *w);   /* thread-safe */
void worker_request_done(worker *w);       /* one request answered; may finish a drain */
/* While flag is set here, the closing of req's connection stores 1 in it (from this worker's thread); NULL
 * stops that. A connection already gone sets it at once. */
void worker_cancel_on_close(struct evhttp_request *req, int *flag);
/* The socket of req's connection, or -1 when it has none any more. */
int worker_request_fd(struct evhttp_request *req);
void worker_reply_sent(struct evhttp_request *req, void *arg);   /* libevent: a reply was written out */

#endif
