/*
 * metrics.h - Prometheus counters. Each worker owns a shard and is its only writer (relaxed atomic stores, no
 * locked instructions on the hot path); /metrics sums the shards the workers registered (metrics_add_shard), so this
 * module knows nothing of workers.
 */
#ifndef REGISTRY_METRICS_H
#define REGISTRY_METRICS_H

#include <stdint.h>

#include "common/strbuf.h"
#include "server/db/pool.h"

#define METRICS_MAX_ROUTES 128
#define METRICS_STATUS_SLOTS 26
#define METRICS_BUCKETS 14

typedef struct metrics_shard {
    uint64_t requests[METRICS_MAX_ROUTES][METRICS_STATUS_SLOTS];
    uint64_t latency_bucket[METRICS_MAX_ROUTES][METRICS_BUCKETS];   /* cumulative-by-render, stored per bucket */
    uint64_t latency_sum_us[METRICS_MAX_ROUTES];
    uint64_t connections_accepted;
    uint64_t connections_open;
    uint64_t read_audit_batches;        /* batches of read audit rows written (server/audit/read_audit.c) ... */
    uint64_t read_audit_rows;           /* ... and the rows in them */
    uint64_t login[3];                  /* password checks: hashed, skipped (abandoned), refused (429) */
    uint64_t events[3];                 /* METRICS_EV_*: wrong passwords, lock-outs, rate-limit refusals */
} metrics_shard;

/* route index METRICS_MAX_ROUTES-1 is "no route matched" */
#define METRICS_ROUTE_NONE (METRICS_MAX_ROUTES - 1)

/* A worker's shard, and where it keeps its database pool (read atomically: NULL while it has none), summed by
 * metrics_render from now on. Called from the main thread before the worker threads start. */
void metrics_add_shard(metrics_shard *m, db_pool *const *db);
void metrics_record(metrics_shard *m, int route_index, int status, uint64_t duration_us);
void metrics_conn_opened(metrics_shard *m);
void metrics_conn_closed(metrics_shard *m);
void metrics_read_audit_batch(metrics_shard *m, int rows);
/* A password check (sign-in or password change) ended: scrypt ran, was skipped because the client had gone, or
 * was refused before hashing (too many in flight, or the database's throttle). */
enum { METRICS_LOGIN_HASHED, METRICS_LOGIN_SKIPPED, METRICS_LOGIN_REFUSED };
void metrics_login(metrics_shard *m, int outcome);
/* Security events an operator alerts on: a sign-in or password check with a wrong password (or unknown user); a
 * password check the database's login guard refused (too many failures: locked out or slowed down); a request
 * refused by a rate limit or quota (searches, exports, reports per token and address; records submitted a day). */
enum { METRICS_EV_LOGIN_FAILED, METRICS_EV_LOCKED_OUT, METRICS_EV_RATE_LIMITED };
void metrics_event(metrics_shard *m, int event);
/* The whole exposition: registry_* families, registry_build_info and the process_* families Prometheus clients
 * export (CPU seconds, resident memory, open and maximum fds, start time), read from /proc when rendered. */
void metrics_render(strbuf *out);
/* Requests of the changes feed waiting for a change now (long polls, all threads): +1 / -1 */
void metrics_changes_waiting_add(int delta);
int metrics_status_slot(int status);
int metrics_slot_status(int slot);

#endif
