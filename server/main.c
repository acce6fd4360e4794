/*
 * registryd - the registry's HTTPS API server.
 *
 * One event loop per thread, each with its own listening socket (SO_REUSEPORT: the kernel spreads connections),
 * its own TLS connections and its own non-blocking PostgreSQL pool. The main thread only waits for signals.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "common/config.h"
#include "common/log.h"
#include "common/password.h"
#include "server/audit/sealer.h"
#include "server/crypto_pool.h"
#include "server/handlers/handlers.h"
#include "server/http/describe.h"
#include "server/http/dispatch.h"
#include "server/http/messages.h"
#include "server/openapi.h"
#include "server/router.h"
#include "server/tls.h"
#include "server/worker.h"

#define EXIT_CONFIG 2

static void usage(FILE *f)
{
    fputs("usage: registryd [--config FILE]\n"
          "  The registry's HTTPS API server. Settings come from FILE (see config/registry.conf) and the\n"
          "  REGISTRY_* environment variables, which override it.\n",
          f);
}

static int resolve(const char *host, int port, struct sockaddr_storage *ss, socklen_t *len)
{
    struct addrinfo hints = {0}, *res;
    char portstr[8];
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(portstr, sizeof(portstr), "%d", port);
    if (getaddrinfo(host, portstr, &hints, &res) != 0)
        return -1;
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* One listening socket per thread. A plain bind first proves the port is free: SO_REUSEPORT alone would let us
 * silently share it with a forgotten process of the same user. */
static int open_listeners(const registry_config *cfg, int n, int *fds)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    if (resolve(cfg->listen_host, cfg->listen_port, &ss, &sl) != 0) {
        fprintf(stderr, "registryd: listen: cannot resolve %s\n", cfg->listen_host);
        return -1;
    }
    int probe = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(probe, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (probe < 0 || bind(probe, (struct sockaddr *)&ss, sl) != 0) {
        fprintf(stderr, "registryd: listen: cannot bind %s: %s\n", cfg->listen, strerror(errno));
        if (probe >= 0)
            close(probe);
        return -1;
    }
    close(probe);
    for (int i = 0; i < n; i++) {
        int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
            setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
            /* accepted sockets inherit it: without it Nagle meets delayed ACK and every reply waits ~40 ms */
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
            bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 1024) != 0) {
            fprintf(stderr, "registryd: listen: %s: %s\n", cfg->listen, strerror(errno));
            if (fd >= 0)
                close(fd);
            return -1;
        }
        fds[i] = fd;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *config_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            config_path = argv[++i];
        else if (!strncmp(argv[i], "--config=", 9))
            config_path = argv[i] + 9;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--version")) {
            puts("registryd 0.1.0");
            return 0;
        } else {
            fprintf(stderr, "registryd: unknown argument \"%s\"\n", argv[i]);
            usage(stderr);
            return EXIT_CONFIG;
        }
    }

    static registry_config cfg;
    char err[512];
    int rc = EXIT_CONFIG, threads = 0;
    SSL_CTX *ssl_ctx = NULL;
    int *fds = NULL;
    if (config_load(&cfg, config_path, err, sizeof(err)) != 0) {
        fprintf(stderr, "registryd: %s\n", err);
        goto out;
    }
    log_level lvl;
    if (log_level_parse(cfg.log_level, &lvl) != 0) {
        fprintf(stderr, "registryd: config: log_level: \"%s\" is not one of debug, info, warn, error\n",
                cfg.log_level);
        goto out;
    }
    log_init("registryd", lvl);
    if (!cfg.tls_cert || !*cfg.tls_cert || !cfg.tls_key || !*cfg.tls_key) {
        fprintf(stderr, "registryd: no TLS certificate: set REGISTRY_TLS_CERT and REGISTRY_TLS_KEY (or tls_cert "
                        "and tls_key in the config file); the server speaks HTTPS only\n");
        goto out;
    }
    ssl_ctx = tls_context_new(cfg.tls_cert, cfg.tls_key, err, sizeof(err));
    if (!ssl_ctx) {
        fprintf(stderr, "registryd: %s\n", err);
        goto out;
    }

    threads = cfg.threads > 0 ? cfg.threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1)
        threads = 1;

    /* Signals: a dropped client must not kill the process (SIGPIPE); SIGTERM/SIGINT are taken by sigwait() in
     * this thread only, so block them before any worker exists. */
    signal(SIGPIPE, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    evthread_use_pthreads();
    routes_init();
    audit_sealer_init();
    router_init();
    router_describe_queries(describe_query_params_of);     /* the described lists' filters, now initialised */
    openapi_build();
    if (messages_init() != 0) {
        fprintf(stderr, "registryd: the message catalog is broken (see the log)\n");
        goto out;
    }
    if (console_init(&cfg) != 0) {
        fprintf(stderr, "registryd: the console's shell page is broken (rebuild web/)\n");
        goto out;
    }
    if (nroutes >= METRICS_MAX_ROUTES - 1) {
        fprintf(stderr, "registryd: too many routes for the metrics table\n");
        goto out;
    }

    fds = calloc((size_t)threads, sizeof(int));
    for (int i = 0; i < threads; i++)
        fds[i] = -1;
    if (open_listeners(&cfg, threads, fds) != 0)
        goto out;

    g_nworkers = threads;
    g_workers = calloc((size_t)threads, sizeof(worker));
    for (int i = 0; i < threads; i++) {
        int ok = worker_init(&g_workers[i], i, &cfg, ssl_ctx, fds[i]) == 0;
        if (g_workers[i].bound)
            fds[i] = -1;    /* evhttp owns it now */
        if (ok)
            dispatch_attach(&g_workers[i]);
        if (!ok) {
            fprintf(stderr, "registryd: cannot set up worker %d\n", i);
            rc = 1;
            goto out;
        }
    }
    /* the hash an unknown user's login is checked against, computed now rather than during the first login */
    password_dummy_hash();
    if (crypto_pool_start(cfg.login_threads, cfg.login_queue_max) != 0) {
        fprintf(stderr, "registryd: cannot start the password-hashing threads\n");
        rc = 1;
        goto out;
    }
    for (int i = 0; i < threads; i++)
        pthread_create(&g_workers[i].thread, NULL, worker_run, &g_workers[i]);
    log_msg(LOG_INFO, NULL, "listening on https://%s (threads %d, database connections per thread %d)",
            cfg.listen, threads, cfg.db_pool);

    int sig = 0;
    while (sigwait(&set, &sig) == 0 && sig != SIGTERM && sig != SIGINT)
        ;
    log_msg(LOG_INFO, NULL, "signal %d: no new connections; finishing requests in flight (at most %d s)", sig,
            cfg.shutdown_grace_s);
    for (int i = 0; i < threads; i++)
        worker_request_shutdown(&g_workers[i]);
    for (int i = 0; i < threads; i++) {
        pthread_join(g_workers[i].thread, NULL);
        dispatch_detach(&g_workers[i]);
    }
    crypto_pool_stop();
    log_msg(LOG_INFO, NULL, "stopped");
    rc = 0;

out:
    if (g_workers && rc != 0)
        for (int i = 0; i < threads; i++) {
            worker_discard(&g_workers[i]);    /* set up but never run */
            dispatch_detach(&g_workers[i]);
        }
    free(g_workers);
    if (fds && rc != 0)
        for (int i = 0; i < threads; i++)
            if (fds[i] >= 0)
                close(fds[i]);
    free(fds);
    if (ssl_ctx)
        SSL_CTX_free(ssl_ctx);
    console_shutdown();
    config_free(&cfg);
    libevent_global_shutdown();
    return rc;
}
