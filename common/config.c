#include "common/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { CT_STRING, CT_INT, CT_LONG, CT_BOOL } config_type;

typedef struct config_key {
    const char *name;     /* key in the file */
    const char *env;      /* environment override, or NULL */
    config_type type;
    size_t offset;
    long min, max;
    const char *def;      /* default as text, or NULL */
} config_key;

#define OFF(f) offsetof(registry_config, f)
static const config_key config_keys[] = {
    {"listen", "REGISTRY_LISTEN", CT_STRING, OFF(listen), 0, 0, "127.0.0.1:8443"},
    {"tls_cert", "REGISTRY_TLS_CERT", CT_STRING, OFF(tls_cert), 0, 0, NULL},
    {"tls_key", "REGISTRY_TLS_KEY", CT_STRING, OFF(tls_key), 0, 0, NULL},
    {"db_url", "REGISTRY_DB_URL", CT_STRING, OFF(db_url), 0, 0, "dbname=registry"},
    {"db_role", "REGISTRY_DB_ROLE", CT_STRING, OFF(db_role), 0, 0, "registry_app"},
    {"threads", "REGISTRY_THREADS", CT_INT, OFF(threads), 0, 256, "0"},
    {"db_pool", "REGISTRY_DB_POOL", CT_INT, OFF(db_pool), 1, 64, "4"},
    {"db_pipeline_depth", NULL, CT_INT, OFF(db_pipeline_depth), 1, 256, "8"},
    {"db_queue_max", NULL, CT_INT, OFF(db_queue_max), 0, 1000000, "1024"},
    {"db_queue_timeout_ms", NULL, CT_INT, OFF(db_queue_timeout_ms), 1, 600000, "5000"},
    {"db_statement_timeout_ms", "REGISTRY_DB_STATEMENT_TIMEOUT", CT_INT, OFF(db_statement_timeout_ms), 0, 3600000, "30000"},
    {"db_connect_timeout_s", NULL, CT_INT, OFF(db_connect_timeout_s), 1, 600, "5"},
    {"max_body_bytes", NULL, CT_LONG, OFF(max_body_bytes), 1024, 1L << 30, "6291456"},
    {"max_header_bytes", NULL, CT_LONG, OFF(max_header_bytes), 1024, 1L << 20, "16384"},
    {"request_timeout_s", "REGISTRY_REQUEST_TIMEOUT", CT_INT, OFF(request_timeout_s), 1, 3600, "30"},
    {"max_connections", "REGISTRY_MAX_CONNECTIONS", CT_INT, OFF(max_connections), 1, 1000000, "10000"},
    {"shutdown_grace_s", NULL, CT_INT, OFF(shutdown_grace_s), 0, 600, "10"},
    {"session_ttl_s", "REGISTRY_SESSION_TTL", CT_INT, OFF(session_ttl_s), 60, 7 * 86400, "28800"},
    {"login_threads", "REGISTRY_LOGIN_THREADS", CT_INT, OFF(login_threads), 1, 64, "2"},
    {"login_queue_max", NULL, CT_INT, OFF(login_queue_max), 1, 100000, "64"},
    {"login_inflight_per_address", NULL, CT_INT, OFF(login_inflight_per_address), 1, 100000, "8"},
    {"login_inflight_per_user", NULL, CT_INT, OFF(login_inflight_per_user), 1, 100000, "2"},
    {"rate_limit_per_min", "REGISTRY_RATE_LIMIT", CT_INT, OFF(rate_limit_per_min), 1, 1000000, "120"},
    {"rate_limit_address_per_min", NULL, CT_INT, OFF(rate_limit_address_per_min), 1, 1000000, "600"},
    {"submission_records_per_day", "REGISTRY_SUBMISSION_RECORDS_PER_DAY", CT_INT, OFF(submission_records_per_day), 1,
     100000000, "20000"},
    {"submission_pending_max", "REGISTRY_SUBMISSION_PENDING_MAX", CT_INT, OFF(submission_pending_max), 1, 1000000,
     "50"},
    {"submission_pending_bytes", "REGISTRY_SUBMISSION_PENDING_BYTES", CT_LONG, OFF(submission_pending_bytes), 1024,
     1L << 40, "52428800"},
    {"log_requests", "REGISTRY_LOG_REQUESTS", CT_BOOL, OFF(log_requests), 0, 1, "true"},
    {"log_level", "REGISTRY_LOG_LEVEL", CT_STRING, OFF(log_level), 0, 0, "info"},
    {"migrations_dir", "REGISTRY_MIGRATIONS_DIR", CT_STRING, OFF(migrations_dir), 0, 0, "migrations"},
    {"metrics_allow", "REGISTRY_METRICS_ALLOW", CT_STRING, OFF(metrics_allow), 0, 0, "127.0.0.0/8, ::1"},
    {"metrics_token", "REGISTRY_METRICS_TOKEN", CT_STRING, OFF(metrics_token), 0, 0, NULL},
    {"console_idle_timeout_s", "REGISTRY_CONSOLE_IDLE_TIMEOUT", CT_INT, OFF(console_idle_timeout_s), 60, 86400, "1800"},
    {"public_origin", "REGISTRY_PUBLIC_ORIGIN", CT_STRING, OFF(public_origin), 0, 0, NULL},
    {"gzip_level", NULL, CT_INT, OFF(gzip_level), 0, 9, "1"},
    {"cors_origins", "REGISTRY_CORS_ORIGINS", CT_STRING, OFF(cors_origins), 0, 0, NULL},
    {"default_language", "REGISTRY_DEFAULT_LANGUAGE", CT_STRING, OFF(default_language), 0, 0, "en"},
};
#define NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

bool config_origin_valid(const char *s)
{
    static const char scheme[] = "https://";
    if (strncmp(s, scheme, sizeof(scheme) - 1) != 0)
        return false;
    s += sizeof(scheme) - 1;
    /* host: a name of letters, digits, '.' and '-', or a bracketed IPv6 address */
    const char *h = s;
    if (*s == '[') {
        s++;
        while (isxdigit((unsigned char)*s) || *s == ':' || *s == '.')
            s++;
        if (*s != ']' || s == h + 1)
            return false;
        s++;
    } else {
        while (isalnum((unsigned char)*s) || *s == '.' || *s == '-')
            s++;
        if (s == h)
            return false;
    }
    if (*s == '\0')
        return true;
    /* an explicit port: 1-65535, never 443 (browsers leave the default port out of Origin, so it could never
     * match) and no leading zero; nothing after it (an Origin has no path) */
    if (*s != ':' || !isdigit((unsigned char)s[1]) || s[1] == '0')
        return false;
    long port = 0;
    for (s++; isdigit((unsigned char)*s); s++)
        if ((port = port * 10 + (*s - '0')) > 65535)
            return false;
    return *s == '\0' && port != 443;
}

bool config_cors_origin_valid(const char *s)
{
    for (const char *p = s; *p; p++)
        if (isupper((unsigned char)*p))
            return false;
    if (!strncmp(s, "https://", 8))
        return config_origin_valid(s);
    if (strncmp(s, "http://", 7) != 0)
        return false;
    /* the same shape over http, whose default port is 80 (443 is then an explicit port like any other) */
    size_t n = strlen(s);
    if (n > 3 && !strcmp(s + n - 3, ":80"))
        return false;
    char as_https[320];
    bool port443 = n > 4 && !strcmp(s + n - 4, ":443");
    if (snprintf(as_https, sizeof(as_https), "https://%.*s", (int)(n - 7 - (port443 ? 4 : 0)), s + 7) >=
        (int)sizeof(as_https))
        return false;
    return config_origin_valid(as_https);
}

static void cors_origins_free(registry_config *c)
{
    for (int i = 0; i < c->cors_origin_count; i++)
        free(c->cors_origin_list[i]);
    free(c->cors_origin_list);
    c->cors_origin_list = NULL;
    c->cors_origin_count = 0;
}

int config_parse_cors_origins(registry_config *c, const char *list, char *err, size_t errlen)
{
    cors_origins_free(c);
    for (const char *p = list ? list : ""; *p;) {
        p += strspn(p, " \t,");
        size_t n = strcspn(p, ",");
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (!n)
            continue;
        char *o = strndup(p, n);
        char **more = o ? realloc(c->cors_origin_list, (size_t)(c->cors_origin_count + 1) * sizeof(char *)) : NULL;
        if (!more) {
            free(o);
            snprintf(err, errlen, "config: cors_origins: out of memory");
            return -1;
        }
        c->cors_origin_list = more;
        c->cors_origin_list[c->cors_origin_count++] = o;
        if (!strcmp(o, "*") || !strcmp(o, "null")) {
            snprintf(err, errlen, "config: cors_origins: \"%s\" is not allowed: name each origin exactly", o);
            return -1;
        }
        if (!config_cors_origin_valid(o)) {
            snprintf(err, errlen, "config: cors_origins: \"%s\" is not https://host[:port] or http://host[:port] "
                     "in lower case, without a path", o);
            return -1;
        }
        p += strcspn(p, ",");
    }
    return 0;
}

int config_parse_listen(const char *s, char *host, size_t hostlen, int *port)
{
    const char *colon;
    size_t hl;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return -1;
        hl = (size_t)(close - s - 1);
        s++;
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return -1;
        hl = (size_t)(colon - s);
    }
    if (hl == 0 || hl >= hostlen)
        return -1;
    memcpy(host, s, hl);
    host[hl] = '\0';
    char *end;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || p < 0 || p > 65535)
        return -1;
    *port = (int)p;
    return 0;
}

static int set_value(registry_config *c, const config_key *k, const char *value, const char *where, char *err,
                     size_t errlen)
{
    void *field = (char *)c + k->offset;
    switch (k->type) {
    case CT_STRING: {
        char **sp = field;
        free(*sp);
        *sp = strdup(value);
        return 0;
    }
    case CT_BOOL: {
        int b;
        if (!strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "on") || !strcmp(value, "1"))
            b = 1;
        else if (!strcmp(value, "false") || !strcmp(value, "no") || !strcmp(value, "off") || !strcmp(value, "0"))
            b = 0;
        else {
            snprintf(err, errlen, "%s: %s: \"%s\" is not true or false", where, k->name, value);
            return -1;
        }
        *(int *)field = b;
        return 0;
    }
    case CT_INT:
    case CT_LONG: {
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end) {
            snprintf(err, errlen, "%s: %s: \"%s\" is not a whole number", where, k->name, value);
            return -1;
        }
        if (v < k->min || v > k->max) {
            snprintf(err, errlen, "%s: %s: %ld is out of range (%ld to %ld)", where, k->name, v, k->min, k->max);
            return -1;
        }
        if (k->type == CT_INT)
            *(int *)field = (int)v;
        else
            *(long *)field = v;
        return 0;
    }
    }
    return -1;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static const config_key *find_key(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (!strcmp(config_keys[i].name, name))
            return &config_keys[i];
    return NULL;
}

static int load_file(registry_config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "config: cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    char line[4096], where[512];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        snprintf(where, sizeof(where), "config: %s:%d", path, lineno);
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, errlen, "%s: line too long", where);
            rc = -1;
            break;
        }
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s: expected key = value", where);
            rc = -1;
            break;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        size_t vl = strlen(value);
        if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') {
            value[vl - 1] = '\0';
            value++;
        }
        const config_key *k = find_key(key);
        if (!k) {
            snprintf(err, errlen, "%s: unknown key \"%s\"", where, key);
            rc = -1;
            break;
        }
        if (set_value(c, k, value, where, err, errlen) != 0) {
            rc = -1;
            break;
        }
    }
    fclose(f);
    return rc;
}

int config_load(registry_config *c, const char *path, char *err, size_t errlen)
{
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < NKEYS; i++)
        if (config_keys[i].def && set_value(c, &config_keys[i], config_keys[i].def, "config: default", err, errlen))
            return -1;
    if (path && load_file(c, path, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < NKEYS; i++) {
        const char *v = config_keys[i].env ? getenv(config_keys[i].env) : NULL;
        if (v && *v) {
            char where[128];
            snprintf(where, sizeof(where), "config: environment %s", config_keys[i].env);
            if (set_value(c, &config_keys[i], v, where, err, errlen) != 0)
                return -1;
        }
    }
    if (config_parse_listen(c->listen, c->listen_host, sizeof(c->listen_host), &c->listen_port) != 0) {
        snprintf(err, errlen, "config: listen: \"%s\" is not host:port", c->listen);
        return -1;
    }
    char why[160];
    if (ipallow_parse(&c->metrics_allow_list, c->metrics_allow, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "config: metrics_allow: %s", why);
        return -1;
    }
    if (c->public_origin && *c->public_origin && !config_origin_valid(c->public_origin)) {
        snprintf(err, errlen, "config: public_origin: \"%s\" is not https://host or https://host:port", c->public_origin);
        return -1;
    }
    if (strcmp(c->default_language, "en") != 0 && strcmp(c->default_language, "fa") != 0) {
        snprintf(err, errlen, "config: default_language: \"%s\" is not en or fa", c->default_language);
        return -1;
    }
    c->default_language_fa = !strcmp(c->default_language, "fa");
    if (c->metrics_token && *c->metrics_token && strlen(c->metrics_token) < 16) {
        snprintf(err, errlen, "config: metrics_token: at least 16 characters (it is a password)");
        return -1;
    }
    if (config_parse_cors_origins(c, c->cors_origins, err, errlen) != 0)
        return -1;
    return 0;
}

void config_free(registry_config *c)
{
    cors_origins_free(c);
    for (size_t i = 0; i < NKEYS; i++)
        if (config_keys[i].type == CT_STRING) {
            char **sp = (char **)((char *)c + config_keys[i].offset);
            free(*sp);
            *sp = NULL;
        }
}
