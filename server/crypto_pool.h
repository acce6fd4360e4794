/*
 * crypto_pool.h - a few threads for slow CPU work (scrypt at login: ~0.3 s and 128 MB each), so that a burst of
 * logins never stalls an event loop. The queue is bounded: when it is full, submit refuses and the caller
 * answers 503 rather than letting work pile up.
 */
#ifndef REGISTRY_CRYPTO_POOL_H
#define REGISTRY_CRYPTO_POOL_H

#include <stdbool.h>

struct event_base;
struct event;

typedef struct crypto_task crypto_task;
struct crypto_task {
    void (*work)(crypto_task *t);    /* runs on a pool thread: touch nothing but the task */
    void (*done)(crypto_task *t);    /* runs afterwards on the submitting event loop */
    void *arg;
    /* set (from any thread, e.g. when the client went away) to have work skipped if it has not started; done
     * still runs, with skipped true */
    int cancelled;
    /* when watch_fd is true, work is also skipped if the peer of socket fd has hung up by then (POLLRDHUP) */
    bool watch_fd;
    int fd;
    bool skipped;
    /* internal */
    crypto_task *next;
    struct event *ev;
};

int crypto_pool_start(int threads, int queue_max);
void crypto_pool_stop(void);
/* Returns false (and runs nothing) when the queue is full. */
bool crypto_pool_submit(struct event_base *base, crypto_task *t);

#endif
