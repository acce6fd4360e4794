/*
 * config.h - registry configuration: defaults, then the config file (key = value, # comments), then the
 * REGISTRY_* environment variables of the contract. Every problem is reported as one line naming the key.
 */
#ifndef REGISTRY_CONFIG_H
#define REGISTRY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/ipallow.h"

typedef struct registry_config {
    char *listen;               /* host:port as given */
    char listen_host[256];      /* parsed from listen */
    int listen_port;
    char *tls_cert, *tls_key;
    char *db_url;
    char *db_role;              /* unprivileged role every request runs as (SET ROLE) */
    int threads;                /* 0 = number of cores */
    int db_pool;                /* connections per thread */
    int db_pipeline_depth;      /* jobs in flight on one connection before the next one is used */
    int db_queue_max;           /* jobs waiting per thread before 503 */
    int db_queue_timeout_ms;
    int db_statement_timeout_ms;
    int db_connect_timeout_s;
    long max_body_bytes;
    long max_header_bytes;
    int request_timeout_s;      /* reading a request / writing a reply */
    int max_connections;        /* whole process */
    int shutdown_grace_s;
    int session_ttl_s;          /* how long a login lasts */
    int login_threads;          /* threads for password hashing (scrypt) */
    int login_queue_max;        /* password checks waiting before 503 */
    int login_inflight_per_address; /* sign-ins in flight per client address before 429 */
    int login_inflight_per_user;    /* ... and per username */
    int rate_limit_per_min;     /* expensive requests (search, export, reports) per token per minute */
    int rate_limit_address_per_min; /* ... and per client address */
    int submission_records_per_day;  /* records one user may send in submissions in 24 hours */
    int submission_pending_max;     /* submissions of one user awaiting review */
    long submission_pending_bytes;  /* ... and their bytes */
    int log_requests;
    char *log_level;
    char *migrations_dir;
    char *metrics_allow;        /* who may read /metrics: addresses and networks, as given ... */
    ipallow metrics_allow_list; /* ... and parsed */
    char *metrics_token;        /* or whoever sends it as a bearer token; NULL: none */
    int console_idle_timeout_s; /* an idle console signs itself out after this long */
    char *public_origin;        /* https://host[:port] the console is reached at; NULL: trust the Host header */
    int gzip_level;             /* zlib level of dynamic replies' gzip (1 fastest ... 9 smallest); 0: never gzip */
    char *cors_origins;         /* other origins whose pages may call the API (CORS): comma-separated, as given ... */
    char **cors_origin_list;    /* ... and parsed: exact origins, none by default */
    int cors_origin_count;
    char *default_language;     /* of problem replies to a request without Accept-Language: "en" or "fa" ... */
    bool default_language_fa;   /* ... and parsed */
} registry_config;

/* Fills c. path may be NULL (defaults + environment only). On error returns -1 with one line in err. */
int config_load(registry_config *c, const char *path, char *err, size_t errlen);
void config_free(registry_config *c);

/* Whether s is an origin as browsers send it in Origin: https://host or https://host:port. */
bool config_origin_valid(const char *s);

/* Whether s is an origin a CORS allow-list may name: https://host[:port] or http://host[:port], lower case (browsers
 * send it so, and it is matched exactly), without the scheme's default port or a path. */
bool config_cors_origin_valid(const char *s);
/* Splits a comma-separated list of origins into c->cors_origin_list. On error returns -1 with one line in err. */
int config_parse_cors_origins(registry_config *c, const char *list, char *err, size_t errlen);

/* Parses "host:port" or "[v6]:port". Returns 0 on success. */
int config_parse_listen(const char *s, char *host, size_t hostlen, int *port);

#endif
