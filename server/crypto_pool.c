#include "server/crypto_pool.h"

#include <poll.h>
#include <pthread.h>
#include <stdlib.h>

#include <event2/event.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static crypto_task *head, *tail;
static int queued, max_queued, nthreads;
static bool stopping;
static pthread_t *threads;

/* Has the client of t's connection hung up? libevent does not read a connection while its request is being
 * answered, so it would only notice when writing the reply; the kernel knows already. (If the connection had been
 * closed and its number reused, the request was abandoned anyway: whatever this answers is harmless.) */
static bool peer_gone(const crypto_task *t)
{
    if (!t->watch_fd || t->fd < 0)
        return false;
    struct pollfd p = {.fd = t->fd, .events = POLLRDHUP};
    return poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

static void *run(void *arg)
{
    for (;;) {
        pthread_mutex_lock(&mu);
        while (!head && !stopping)
            pthread_cond_wait(&cv, &mu);
        if (!head) {
            pthread_mutex_unlock(&mu);
            return NULL;
        }
        crypto_task *t = head;
        head = t->next;
        if (!head)
            tail = NULL;
        queued--;
        pthread_mutex_unlock(&mu);
        /* a login whose client has hung up costs no scrypt: a burst of abandoned logins would otherwise keep
         * every later one waiting (seen after a 64-connection login benchmark: 503s for half a minute) */
        t->skipped = __atomic_load_n(&t->cancelled, __ATOMIC_ACQUIRE) != 0 || peer_gone(t);
        if (!t->skipped)
            t->work(t);
        event_active(t->ev, EV_TIMEOUT, 0);    /* hands the task back to its event loop (thread-safe) */
    }
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
    crypto_task *t = arg;
    event_free(t->ev);
    t->ev = NULL;
    t->done(t);
}

int crypto_pool_start(int n, int queue_max)
{
    nthreads = n;
    max_queued = queue_max;
    stopping = false;
    threads = calloc((size_t)n, sizeof(pthread_t));
    for (int i = 0; i < n; i++)
        if (pthread_create(&threads[i], NULL, run, NULL) != 0)
            return -1;
    return 0;
}

void crypto_pool_stop(void)
{
    pthread_mutex_lock(&mu);
    stopping = true;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < nthreads; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    threads = NULL;
    nthreads = 0;
}

bool crypto_pool_submit(struct event_base *base, crypto_task *t)
{
    pthread_mutex_lock(&mu);
    if (queued >= max_queued || stopping) {
        pthread_mutex_unlock(&mu);
        return false;
    }
    t->ev = event_new(base, -1, 0, on_done, t);
    t->next = NULL;
    if (tail)
        tail->next = t;
    else
        head = t;
    tail = t;
    queued++;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    return true;
}
