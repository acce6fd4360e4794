/*
 * worker.h - one event-loop thread: its event_base, its evhttp listener (TLS), its database pool, its metrics.
 * Nothing here is shared between threads except the read-only configuration, the TLS context and the metrics
 * counters (written by their owner only, read by /metrics).
 *
 * The worker knows nothing of requests: dispatch_attach (server/http/dispatch.h) connects its listener to the
 * request core, which depends on the worker, never the other way round.
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
    struct audit_sealer *sealer;        /* worker 0: chains the audit trail (server/audit/sealer.h) */
    struct req_ctx *free_ctx;           /* request contexts kept for reuse, with their arenas */
    int nfree_ctx;
} worker;

/* The changes feed's long polls (server/handlers/changes.c) are above the worker, which only tells them: set once
 * at start, before the threads; called on the worker's thread when a registry_changes notification arrives (its
 * payload: where the change was; NULL when notifications may have been missed) and when the worker starts draining
 * (draining true: answer every waiting request now). */
extern void (*worker_changes_hook)(struct worker *w, const char *payload, bool draining);

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
/* A request has arrived on req's connection: its deadline is off while the server works on it. */
void worker_request_arrived(struct evhttp_request *req);
/* True when the framing check refused req's head (the problem to answer, then the connection ends). */
bool worker_framing_rejected(struct evhttp_request *req, int *status, const char **detail, const char **method);
/* The socket of req's connection, or -1 when it has none any more. */
int worker_request_fd(struct evhttp_request *req);
void worker_reply_sent(struct evhttp_request *req, void *arg);   /* libevent: a reply was written out */

#endif
