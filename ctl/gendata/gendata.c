/*
 * gendata.c - `registryctl gen-data [--scale F] [--seed N] [--force]`: a national-scale data set for benchmarks.
 *
 * At --scale 1: 20,000 centers (all 14 types, ~40% NGO) spread over every county by a simple population weight,
 * 200,000 staff, 3,000,000 clients, 10,000,000 services, 50 campaigns, 1,000,000 donations, and allocations for the
 * fiscal years 1401-1403 x 7 programs (every province; every county, 80% of its province's amount split by weight;
 * up to 3 centers per county, at most 80% of the county's). Row counts are round(scale x those numbers); campaigns
 * and allocations do not scale. Everything follows from the seed: the same seed on the same starting database gives
 * the same rows (national IDs, names, places, amounts).
 *
 * Loading (load.c): one transaction per table; the generators write what an API caller would send, and every
 * column a trigger derives (name_key, province_code, county_id, level) is derived in the database, by the
 * triggers themselves for a role that is not a superuser, or for a superuser (who loads with triggers off) by one
 * set-based INSERT ... SELECT per table with the same SQL (each table's gd_table, beside its generator). Then
 * registry_recompute_totals(), the benchmark users (users.c), an audit record, ANALYZE.
 *
 * Refuses (exit 1) a database that holds more than 1,000 clients, unless --force. With --force, national IDs and
 * center names already in the database are skipped, and allocations are left alone when 1401-1403 has any.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/password.h"
#include "ctl/ctl.h"
#include "ctl/gendata/gendata.h"

#define BENCH_PASSWORD "bench-password-2026!"

static void gen_free(gen_t *g)
{
    for (int p = 0; p < g->nprov; p++)
        free(g->prov[p].name_fa);
    for (int c = 0; c < g->ncty && g->cty; c++)
        free(g->cty[c].name_fa);
    free(g->cty);
    free(g->cum_cty);
    free(g->cum_in_prov);
    for (int64_t i = 0; i < g->n_centers && g->c_name; i++)
        free(g->c_name[i]);
    free(g->c_name);
    free(g->c_cty);
    free(g->c_kind);
    free(g->c_ngo);
    free(g->c_status);
    free(g->cty_off);
    free(g->cty_list);
    free(g->prov_list);
    free(g->cl_cty);
    free(g->cl_center);
    free(g->nid.taken);
    free(g->cb.buf);
    free(g);
}

static int parse_args(int argc, char **argv, double *scale, uint64_t *seed, int *force)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--force")) {
            *force = 1;
            continue;
        }
        const char *v = i + 1 < argc ? argv[++i] : NULL;
        char *end = NULL;
        if (!strcmp(a, "--scale") && v) {
            *scale = strtod(v, &end);
            if (end == v || *end || !(*scale > 0) || *scale > 100) {
                fprintf(stderr, "registryctl: gen-data: --scale wants a number above 0 and at most 100\n");
                return -1;
            }
        } else if (!strcmp(a, "--seed") && v) {
            *seed = strtoull(v, &end, 10);
            if (end == v || *end || *v == '-') {
                fprintf(stderr, "registryctl: gen-data: --seed wants a non-negative integer\n");
                return -1;
            }
        } else {
            fprintf(stderr, "registryctl: gen-data: %s \"%s\"\n", v ? "unknown option" : "missing value for", a);
            return -1;
        }
    }
    return 0;
}

int ctl_gen_data(const registry_config *cfg, int argc, char **argv)
{
    double scale = 1.0;
    uint64_t seed = 1;
    int force = 0;
    if (parse_args(argc, argv, &scale, &seed, &force) != 0) {
        fprintf(stderr, "usage: registryctl gen-data [--scale F] [--seed N] [--force]\n");
        return CTL_USAGE;
    }
    double t_start = now_secs();
    const char *password = getenv("REGISTRY_BENCH_PASSWORD");
    int password_from_env = password && *password;
    if (!password_from_env)
        password = BENCH_PASSWORD;
    char hash[PASSWORD_ENCODED_MAX];
    gen_t *g = xcalloc(1, sizeof(gen_t));
    g->seed = seed;
    g->scale = scale;
    g->pg = ctl_connect(cfg);
    if (!g->pg) {
        gen_free(g);
        return CTL_FAIL;
    }
    int rc = CTL_FAIL;
    const char *su = PQparameterStatus(g->pg, "is_superuser");
    g->superuser = su && !strcmp(su, "on");
    g->cb.pg = g->pg;
    /* each table passes through a temporary table (load.c): room for the largest in memory */
    if (exec_ok(g, "SET temp_buffers = '1GB'") != 0)
        goto out;
    g->cb.buf = xcalloc(COPY_CHUNK, 1);

    int64_t existing = query_int(g, "SELECT count(*) FROM (SELECT 1 FROM clients LIMIT 1001) x", 0, NULL);
    if (existing < 0)
        goto out;
    if (existing > 1000 && !force) {
        fprintf(stderr, "registryctl: gen-data: the database already holds more than 1,000 clients; refusing to add"
                        " generated data to it (use --force to add anyway)\n");
        goto out;
    }
    if (password_hash(password, hash, sizeof(hash)) != 0) {
        fprintf(stderr, "registryctl: gen-data: hashing the benchmark password failed\n");
        goto out;
    }
    int64_t old_allocs = query_int(g, "SELECT count(*) FROM allocations WHERE fiscal_year BETWEEN 1401 AND 1403", 0,
                                   NULL);
    if (old_allocs < 0 || load_geography(g) != 0 || load_programs(g) != 0 || load_taken_ids(g) != 0)
        goto out;
    nid_init(&g->nid, seed);
    g->n_clients = scaled(3000000, scale);
    if (plan_centers(g) != 0)
        goto out;
    g->n_staff = g->n_centers ? scaled(200000, scale) : 0;
    g->n_services = scaled(10000000, scale);
    g->n_donations = scaled(1000000, scale);

    printf("gen-data: scale %g, seed %llu: %s\n", scale, (unsigned long long)seed,
           g->superuser ? "superuser, so triggers are off during the load (session_replication_role = replica)"
                        : "not a superuser: loading with every trigger on (much slower, and slower per row as a"
                          " table grows: the triggers update the same running totals for every row inside one"
                          " transaction; above scale 0.01 or so, connect as a superuser)");
    fflush(stdout);

    table_stat st[9] = {{0}};
    int64_t ignored;
    if (load_table(g, &gd_centers, g->n_centers, &g->center_base, &st[0]) != 0 ||
        load_table(g, &gd_clients, g->n_clients, &g->client_base, &st[1]) != 0 ||
        load_table(g, &gd_staff, g->n_staff, &g->staff_base, &st[2]) != 0)
        goto out;
    /* services need a center in the client's province: none at all only at tiny scales */
    if (!services_possible(g))
        g->n_services = 0;
    if (load_table(g, &gd_services, g->n_services, &g->service_base, &st[3]) != 0 || load_campaigns(g, &st[4]) != 0 ||
        load_table(g, &gd_donations, g->n_donations, &g->donation_base, &st[5]) != 0)
        goto out;
    if (old_allocs > 0)
        printf("  %-12s %10s rows          (1401-1403 has allocations already: left as they are)\n", "allocations",
               "0");
    else if (load_table(g, &gd_allocations, allocation_count(g), &ignored, &st[6]) != 0)
        goto out;

    double t0 = now_secs();
    PGresult *r = q(g, "SELECT registry_recompute_totals()", 0, NULL, PGRES_TUPLES_OK);
    if (!r)
        goto out;
    PQclear(r);
    printf("  %-12s %10s      %8.1f s\n", "totals", "", now_secs() - t0);

    char county_desc[512], ngo_desc[512];
    t0 = now_secs();
    int users = make_users(g, hash, county_desc, sizeof(county_desc), ngo_desc, sizeof(ngo_desc));
    if (users < 0)
        goto out;
    char detail[512];
    snprintf(detail, sizeof(detail),
             "{\"scale\": %g, \"seed\": %llu, \"centers\": %lld, \"clients\": %lld, \"staff\": %lld, \"services\": %lld,"
             " \"donations\": %lld}",
             scale, (unsigned long long)seed, (long long)g->n_centers, (long long)g->n_clients, (long long)g->n_staff,
             (long long)g->n_services, (long long)g->n_donations);
    const char *ap[] = {detail};
    r = q(g,
          "INSERT INTO audit_log (username, role, action, entity, detail)"
          " VALUES ('registryctl', 'system', 'gen_data', 'registry', $1::jsonb)",
          1, ap, PGRES_COMMAND_OK);
    if (!r)
        goto out;
    PQclear(r);
    printf("  %-12s %10d rows %8.1f s\n", "users", users, now_secs() - t0);

    /* ANALYZE what the role may analyze (a superuser: everything; another role: the tables its roles own) */
    t0 = now_secs();
    r = q(g,
          "SELECT string_agg(quote_ident(relname), ', '), count(*) FILTER (WHERE NOT mine) FROM ("
          " SELECT c.relname, pg_has_role(c.relowner, 'USAGE') AS mine FROM pg_class c"
          " WHERE c.oid IN ('centers'::regclass, 'clients'::regclass, 'staff'::regclass, 'services'::regclass,"
          " 'campaigns'::regclass, 'donations'::regclass, 'allocations'::regclass, 'users'::regclass,"
          " 'county_totals'::regclass, 'center_totals'::regclass, 'money_totals'::regclass)) x WHERE mine",
          0, NULL, PGRES_TUPLES_OK);
    if (!r)
        goto out;
    if (!PQgetisnull(r, 0, 0)) {
        char *analyze = xcalloc(strlen(PQgetvalue(r, 0, 0)) + 16, 1);
        sprintf(analyze, "ANALYZE %s", PQgetvalue(r, 0, 0));
        int arc = exec_ok(g, analyze);
        free(analyze);
        if (arc != 0) {
            PQclear(r);
            goto out;
        }
    }
    printf("  %-12s %10s      %8.1f s%s\n", "analyze", "", now_secs() - t0,
           atoi(PQgetvalue(r, 0, 1)) ? "  (skipped the tables this role does not own)" : "");
    PQclear(r);
    printf("total %.1f s\n", now_secs() - t_start);
    printf("benchmark users (password %s):\n", password_from_env ? "from REGISTRY_BENCH_PASSWORD" : BENCH_PASSWORD);
    printf("  bench.national  national_admin\n");
    printf("  bench.province  provincial_admin %s\n", TEHRAN);
    printf("  bench.county    county_officer, %s\n", county_desc);
    printf("  bench.ngo       ngo_submitter, %s\n", ngo_desc);
    rc = CTL_OK;
out:
    PQfinish(g->pg);
    gen_free(g);
    return rc;
}
