#include "server/metrics.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "server/router.h"

#define M_ADD(field, v) __atomic_store_n(&(field), __atomic_load_n(&(field), __ATOMIC_RELAXED) + (v), __ATOMIC_RELAXED)
#define M_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

static const int status_codes[METRICS_STATUS_SLOTS] = {200, 201, 204, 304, 400, 401, 403, 404, 405, 406, 409, 412,
                                                       413, 414, 415, 417, 422, 428, 429, 431, 500, 503, 504, 501,
                                                       505, 0};
/* upper bounds in microseconds; the last bucket is +Inf */
static const uint64_t bucket_us[METRICS_BUCKETS - 1] = {500, 1000, 2500, 5000, 10000, 25000, 50000,
                                                        100000, 250000, 500000, 1000000, 2500000, 10000000};

/* The shards to sum: set before the worker threads start, only read after. */
static struct shard_entry {
    metrics_shard *m;
    db_pool *const *db;
} *shards;
static int nshards;

void metrics_add_shard(metrics_shard *m, db_pool *const *db)
{
    struct shard_entry *more = realloc(shards, (size_t)(nshards + 1) * sizeof(*shards));
    if (!more)
        abort();
    shards = more;
    shards[nshards++] = (struct shard_entry){m, db};
}

int metrics_status_slot(int status)
{
    for (int i = 0; i < METRICS_STATUS_SLOTS; i++)
        if (status_codes[i] == status)
            return i;
    return METRICS_STATUS_SLOTS - 1;    /* "other" */
}

int metrics_slot_status(int slot)
{
    return status_codes[slot];
}

void metrics_record(metrics_shard *m, int route_index, int status, uint64_t duration_us)
{
    if (route_index < 0 || route_index >= METRICS_MAX_ROUTES)
        route_index = METRICS_ROUTE_NONE;
    M_ADD(m->requests[route_index][metrics_status_slot(status)], 1);
    int b = 0;
    while (b < METRICS_BUCKETS - 1 && duration_us > bucket_us[b])
        b++;
    M_ADD(m->latency_bucket[route_index][b], 1);
    M_ADD(m->latency_sum_us[route_index], duration_us);
}

void metrics_read_audit_batch(metrics_shard *m, int rows)
{
    M_ADD(m->read_audit_batches, 1);
    M_ADD(m->read_audit_rows, (uint64_t)rows);
}

void metrics_login(metrics_shard *m, int outcome)
{
    M_ADD(m->login[outcome], 1);
}

void metrics_event(metrics_shard *m, int event)
{
    M_ADD(m->events[event], 1);
}

void metrics_conn_opened(metrics_shard *m)
{
    M_ADD(m->connections_accepted, 1);
    M_ADD(m->connections_open, 1);
}

void metrics_conn_closed(metrics_shard *m)
{
    M_ADD(m->connections_open, (uint64_t)-1);
}

static void route_label(strbuf *out, int r)
{
    if (r == METRICS_ROUTE_NONE)
        strbuf_puts(out, "method=\"\",route=\"unmatched\"");
    else
        strbuf_printf(out, "method=\"%s\",route=\"%s\"", routes[r].method, routes[r].pattern);
}

#ifndef REGISTRY_VERSION
#define REGISTRY_VERSION "unknown"
#endif
#ifndef REGISTRY_COMMIT
#define REGISTRY_COMMIT ""
#endif

/* When the process started, in seconds since the epoch: its start in clock ticks after boot (/proc/self/stat, field
 * 22) plus the boot time (/proc/stat btime), as the Prometheus clients compute it. 0 when unreadable. */
static double process_start_time(void)
{
    char buf[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');      /* the command name may hold spaces and parentheses */
    unsigned long long ticks = 0, btime = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
                     &ticks) != 1)
        return 0;
    if (!(f = fopen("/proc/stat", "r")))
        return 0;
    char line[256];
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "btime %llu", &btime) == 1)
            break;
    fclose(f);
    long hz = sysconf(_SC_CLK_TCK);
    return btime && hz > 0 ? (double)btime + (double)ticks / (double)hz : 0;
}

static void render_process(strbuf *out)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
                 ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
    unsigned long long vsize_pages = 0, rss_pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%llu %llu", &vsize_pages, &rss_pages) != 2)
            vsize_pages = rss_pages = 0;
        fclose(f);
    }
    long page = sysconf(_SC_PAGESIZE);
    long fds = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        for (struct dirent *e; (e = readdir(d));)
            if (e->d_name[0] != '.')
                fds++;
        closedir(d);
        fds--;      /* the directory's own, open while it is read */
    }
    struct rlimit rl;
    double max_fds = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY ? (double)rl.rlim_cur : -1;
    strbuf_puts(out, "# HELP registry_build_info The running build: version and commit (value 1).\n"
                     "# TYPE registry_build_info gauge\n"
                     "registry_build_info{version=\"" REGISTRY_VERSION "\"");
    if (REGISTRY_COMMIT[0])
        strbuf_puts(out, ",commit=\"" REGISTRY_COMMIT "\"");
    strbuf_puts(out, "} 1\n");
    strbuf_printf(out,
                  "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
                  "# TYPE process_cpu_seconds_total counter\n"
                  "process_cpu_seconds_total %.6f\n"
                  "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                  "# TYPE process_resident_memory_bytes gauge\n"
                  "process_resident_memory_bytes %llu\n"
                  "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
                  "# TYPE process_virtual_memory_bytes gauge\n"
                  "process_virtual_memory_bytes %llu\n"
                  "# HELP process_open_fds Number of open file descriptors.\n"
                  "# TYPE process_open_fds gauge\n"
                  "process_open_fds %ld\n",
                  cpu, rss_pages * (unsigned long long)page, vsize_pages * (unsigned long long)page, fds);
    if (max_fds >= 0)
        strbuf_printf(out,
                      "# HELP process_max_fds Maximum number of open file descriptors.\n"
                      "# TYPE process_max_fds gauge\n"
                      "process_max_fds %.0f\n", max_fds);
    double start = process_start_time();
    if (start > 0)
        strbuf_printf(out,
                      "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
                      "# TYPE process_start_time_seconds gauge\n"
                      "process_start_time_seconds %.2f\n", start);
}
static int changes_waiting;

void metrics_render(strbuf *out)
{
    render_process(out);
    strbuf_puts(out, "# HELP registry_http_requests_total HTTP requests answered, by route and status.\n"
                     "# TYPE registry_http_requests_total counter\n");
    for (int r = 0; r < METRICS_MAX_ROUTES; r++) {
        if (r >= nroutes && r != METRICS_ROUTE_NONE)
            continue;
        for (int s = 0; s < METRICS_STATUS_SLOTS; s++) {
            uint64_t n = 0;
            for (int w = 0; w < nshards; w++)
                n += M_GET(shards[w].m->requests[r][s]);
            if (!n)
                continue;
            strbuf_puts(out, "registry_http_requests_total{");
            route_label(out, r);
            if (status_codes[s])
                strbuf_printf(out, ",status=\"%d\"} %llu\n", status_codes[s], (unsigned long long)n);
            else
                strbuf_printf(out, ",status=\"other\"} %llu\n", (unsigned long long)n);
        }
    }
    strbuf_puts(out, "# HELP registry_http_request_duration_seconds Time from request to reply, by route.\n"
                     "# TYPE registry_http_request_duration_seconds histogram\n");
    for (int r = 0; r < METRICS_MAX_ROUTES; r++) {
        if (r >= nroutes && r != METRICS_ROUTE_NONE)
            continue;
        uint64_t counts[METRICS_BUCKETS] = {0}, sum = 0, total = 0;
        for (int w = 0; w < nshards; w++) {
            for (int b = 0; b < METRICS_BUCKETS; b++)
                counts[b] += M_GET(shards[w].m->latency_bucket[r][b]);
            sum += M_GET(shards[w].m->latency_sum_us[r]);
        }
        for (int b = 0; b < METRICS_BUCKETS; b++)
            total += counts[b];
        if (!total)
            continue;
        uint64_t cum = 0;
        for (int b = 0; b < METRICS_BUCKETS; b++) {
            cum += counts[b];
            strbuf_puts(out, "registry_http_request_duration_seconds_bucket{");
            route_label(out, r);
            if (b < METRICS_BUCKETS - 1)
                strbuf_printf(out, ",le=\"%g\"} %llu\n", (double)bucket_us[b] / 1e6, (unsigned long long)cum);
            else
                strbuf_printf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)cum);
        }
        strbuf_puts(out, "registry_http_request_duration_seconds_sum{");
        route_label(out, r);
        strbuf_printf(out, "} %.6f\n", (double)sum / 1e6);
        strbuf_puts(out, "registry_http_request_duration_seconds_count{");
        route_label(out, r);
        strbuf_printf(out, "} %llu\n", (unsigned long long)total);
    }

    uint64_t accepted = 0, open = 0, ra_batches = 0, ra_rows = 0, login[3] = {0}, events[3] = {0};
    db_pool_stats agg = {0};
    for (int w = 0; w < nshards; w++) {
        accepted += M_GET(shards[w].m->connections_accepted);
        open += M_GET(shards[w].m->connections_open);
        ra_batches += M_GET(shards[w].m->read_audit_batches);
        ra_rows += M_GET(shards[w].m->read_audit_rows);
        for (int i = 0; i < 3; i++) {
            login[i] += M_GET(shards[w].m->login[i]);
            events[i] += M_GET(shards[w].m->events[i]);
        }
        db_pool_stats s;
        db_pool *db = __atomic_load_n(shards[w].db, __ATOMIC_ACQUIRE);
        if (!db)
            continue;
        db_pool_get_stats(db, &s);
        agg.size += s.size;
        agg.ready += s.ready;
        agg.busy += s.busy;
        agg.waiting += s.waiting;
        agg.reconnects += s.reconnects;
        agg.jobs += s.jobs;
        agg.failures += s.failures;
    }
    strbuf_printf(out,
                  "# HELP registry_connections_accepted_total TLS connections accepted.\n"
                  "# TYPE registry_connections_accepted_total counter\n"
                  "registry_connections_accepted_total %llu\n"
                  "# HELP registry_connections_open TLS connections open now.\n"
                  "# TYPE registry_connections_open gauge\n"
                  "registry_connections_open %llu\n"
                  "# HELP registry_db_pool_size Database connections configured (all threads).\n"
                  "# TYPE registry_db_pool_size gauge\n"
                  "registry_db_pool_size %d\n"
                  "# HELP registry_db_pool_ready Database connections ready for work.\n"
                  "# TYPE registry_db_pool_ready gauge\n"
                  "registry_db_pool_ready %d\n"
                  "# HELP registry_db_pool_busy Database connections with queries in flight.\n"
                  "# TYPE registry_db_pool_busy gauge\n"
                  "registry_db_pool_busy %d\n"
                  "# HELP registry_db_pool_waiting Jobs waiting for a database connection.\n"
                  "# TYPE registry_db_pool_waiting gauge\n"
                  "registry_db_pool_waiting %d\n"
                  "# HELP registry_db_reconnects_total Database connections lost and re-established.\n"
                  "# TYPE registry_db_reconnects_total counter\n"
                  "registry_db_reconnects_total %llu\n"
                  "# HELP registry_db_jobs_total Database jobs submitted.\n"
                  "# TYPE registry_db_jobs_total counter\n"
                  "registry_db_jobs_total %llu\n"
                  "# HELP registry_db_job_failures_total Database jobs that failed (error, unavailable, busy).\n"
                  "# TYPE registry_db_job_failures_total counter\n"
                  "registry_db_job_failures_total %llu\n",
                  (unsigned long long)accepted, (unsigned long long)open, agg.size, agg.ready, agg.busy,
                  agg.waiting, (unsigned long long)agg.reconnects, (unsigned long long)agg.jobs,
                  (unsigned long long)agg.failures);
    strbuf_printf(out,
                  "# HELP registry_read_audit_batches_total Batches of read audit rows written.\n"
                  "# TYPE registry_read_audit_batches_total counter\n"
                  "registry_read_audit_batches_total %llu\n"
                  "# HELP registry_read_audit_rows_total Read audit rows written in those batches.\n"
                  "# TYPE registry_read_audit_rows_total counter\n"
                  "registry_read_audit_rows_total %llu\n"
                  "# HELP registry_login_hashes_total Password checks (sign-in, password change) that ran scrypt.\n"
                  "# TYPE registry_login_hashes_total counter\n"
                  "registry_login_hashes_total %llu\n"
                  "# HELP registry_login_skipped_total Password checks skipped: the client had gone before its turn.\n"
                  "# TYPE registry_login_skipped_total counter\n"
                  "registry_login_skipped_total %llu\n"
                  "# HELP registry_login_refused_total Password checks refused (429) before any hashing.\n"
                  "# TYPE registry_login_refused_total counter\n"
                  "registry_login_refused_total %llu\n",
                  (unsigned long long)ra_batches, (unsigned long long)ra_rows, (unsigned long long)login[0],
                  (unsigned long long)login[1], (unsigned long long)login[2]);
    strbuf_printf(out,
                  "# HELP registry_login_failures_total Sign-ins and password checks with a wrong password or an "
                  "unknown username (401).\n"
                  "# TYPE registry_login_failures_total counter\n"
                  "registry_login_failures_total %llu\n"
                  "# HELP registry_login_lockouts_total Password checks the login guard refused (429) after too many "
                  "failures for the username or the address.\n"
                  "# TYPE registry_login_lockouts_total counter\n"
                  "registry_login_lockouts_total %llu\n"
                  "# HELP registry_rate_limited_total Requests refused (429) by a rate limit or quota: searches, "
                  "exports and reports per token and address, records submitted a day.\n"
                  "# TYPE registry_rate_limited_total counter\n"
                  "registry_rate_limited_total %llu\n",
                  (unsigned long long)events[METRICS_EV_LOGIN_FAILED],
                  (unsigned long long)events[METRICS_EV_LOCKED_OUT],
                  (unsigned long long)events[METRICS_EV_RATE_LIMITED]);
    strbuf_printf(out,
                  "# HELP registry_changes_waiting Requests of the changes feed waiting for a change (long polls).\n"
                  "# TYPE registry_changes_waiting gauge\n"
                  "registry_changes_waiting %d\n",
                  __atomic_load_n(&changes_waiting, __ATOMIC_RELAXED));
}

void metrics_changes_waiting_add(int delta)
{
    __atomic_add_fetch(&changes_waiting, delta, __ATOMIC_RELAXED);
}
