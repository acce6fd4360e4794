/* gendata.h - the parts of `registryctl gen-data` (gendata.c says what it makes and how it loads it).
 *
 * A table family's file plans its rows and writes them (centers.c, clients.c with services, staff.c, money.c with
 * campaigns, donations and allocations), each beside the description of its table (gd_table): the columns it
 * writes, which are what a caller of the API would send, and the columns the table's triggers derive from them.
 * load.c loads a table from that description; names.c, national_ids.c, rng.h and copybuf.h make the values. */
#ifndef REGISTRY_GENDATA_H
#define REGISTRY_GENDATA_H

#include <libpq-fe.h>
#include <stdint.h>

#include "ctl/gendata/copybuf.h"
#include "ctl/gendata/rng.h"

#define TEHRAN "IR-23"
#define FIRST_YEAR 1401
#define LAST_YEAR 1403
#define NYEARS (LAST_YEAR - FIRST_YEAR + 1)
#define NCAMPAIGNS 50
#define MAX_PROGRAMS 16
#define MILLION 1000000LL

/* ---- national IDs (national_ids.c) ---------------------------------------------------------------------------- */

typedef struct {
    uint64_t key[4];
    uint64_t counter;
    uint32_t *taken; /* sorted nine-digit prefixes of the national IDs already stored */
    size_t ntaken;
} nid_gen;

/* ---- the generator's state --------------------------------------------------------------------------------- */

typedef struct {
    char code[8];
    char *name_fa;
    int pop;
    int first, n;  /* its counties: cty[first .. first+n-1] */
    double weight; /* share of the nation */
} prov_t;

typedef struct {
    int id;
    int prov;
    char *name_fa;
    double weight; /* share of the nation */
} cty_t;

typedef struct {
    double secs;
    int64_t rows;
} table_stat;

typedef struct {
    PGconn *pg;
    int superuser;
    uint64_t seed;
    double scale;
    copybuf cb;

    prov_t prov[64];
    int nprov;
    cty_t *cty;
    int ncty;
    double *cum_cty;     /* national cumulative weights of the counties */
    double *cum_in_prov; /* cumulative weights restarting at each province */
    double cum_prov[64];

    /* centers */
    int64_t n_centers, center_base;
    uint16_t *c_cty;
    uint8_t *c_kind, *c_ngo, *c_status; /* status: 0 active, 1 suspended, 2 closed */
    char **c_name;
    int *cty_off, *cty_list; /* non-closed centers of each county (CSR) */
    int prov_off[65], *prov_list;

    /* clients */
    int64_t n_clients, client_base;
    uint16_t *cl_cty;
    int32_t *cl_center; /* -1: none */
    nid_gen nid;

    int64_t n_staff, staff_base, n_services, service_base, n_donations, donation_base;

    /* campaigns: ids, province (-1 national), dates */
    int64_t camp_id[NCAMPAIGNS];
    int camp_prov[NCAMPAIGNS], camp_year[NCAMPAIGNS]; /* year: 0 .. NYEARS-1 */
    int64_t camp_from[NCAMPAIGNS], camp_to[NCAMPAIGNS];
    int ncamp;

    /* programs */
    int prog_id[MAX_PROGRAMS];
    int64_t prog_budget[MAX_PROGRAMS];
    int nprog;

    int64_t year_first_day[NYEARS + 1]; /* days since 1970 of 1 Farvardin of each fiscal year, and past the last */
} gen_t;

/* ---- a table as the loader sees it ------------------------------------------------------------------------- */

/* A column the table's triggers set on insert, and the same in SQL over the staged row `s` (and the joins of its
 * table), for a load that runs with triggers off. */
typedef struct {
    const char *column, *sql;
} gd_derived;

typedef struct gd_table gd_table;
struct gd_table {
    const char *name;
    const char *columns;      /* what rows() writes, in order, ", " between: what an API caller would send */
    const gd_derived *derived; /* ended by a {NULL, NULL} */
    const char *joins;        /* after "FROM gen_stage s" */
    int (*prepare)(gen_t *g, int64_t base); /* optional: runs with the id before the first row, before the COPY */
    int (*rows)(gen_t *g, copybuf *b, int64_t base);
};

/* What set_name_key() (migration 0003) sets for a person, registry_search_key(first_name || ' ' || last_name), asked
 * once per distinct name of the staged rows rather than once per row (at scale 1, 15,000 calls instead of 3 million,
 * 3 s instead of 30): joined as `n`, the key is n.key. OFFSET 0 keeps the planner from pulling the call up into
 * the join's output, where it would run once per row again. */
#define GD_PERSON_NAME_KEYS                                                                                          \
    " JOIN (SELECT f, l, registry_search_key(f || ' ' || l) AS key"                                                 \
    " FROM (SELECT DISTINCT first_name, last_name FROM gen_stage) d (f, l) OFFSET 0) n"                              \
    " ON n.f = s.first_name AND n.l = s.last_name"

extern const gd_table gd_centers, gd_clients, gd_staff, gd_services, gd_donations, gd_allocations;

/* ---- load.c: SQL and loading ------------------------------------------------------------------------------- */

double now_secs(void);
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s);
int64_t scaled(double base, double scale);

/* a statement's result when its status is `want`; otherwise prints the error and returns NULL */
PGresult *q(gen_t *g, const char *sql, int n, const char *const *params, ExecStatusType want);
int exec_ok(gen_t *g, const char *sql);
/* the single integer a query returns (0 for none or NULL), -1 on error */
int64_t query_int(gen_t *g, const char *sql, int n, const char *const *params);
/* a text[] literal of strings holding no quote or backslash; the caller frees it */
char *array_literal(const char *const *items, size_t n);

/* Loads `expect` rows of table t in one transaction; *base receives the id before its first row. */
int load_table(gen_t *g, const gd_table *t, int64_t expect, int64_t *base, table_stat *st);

/* ---- the parts ------------------------------------------------------------------------------------------------ */

/* names.c: a person's first name for a sex (0 female, 1 male) and last name; a word for an organization's name
 * (skewed: the first words of the list more often); v in Persian digits */
void person_name(rng_t *r, int male, const char **first, const char **last);
/* starts a row of a person (clients, staff): id, a new national ID, first and last name for the sex, and a tab */
void cb_person(copybuf *b, rng_t *r, nid_gen *ng, int64_t id, int male);
const char *motif(rng_t *r, int skewed);
const char *first_motif(void);
void persian_number(int64_t v, char *out, size_t outsz);

/* national_ids.c */
void nid_init(nid_gen *ng, uint64_t seed);
void nid_next(nid_gen *ng, char out[11]);
int load_taken_ids(gen_t *g);

/* geography.c: provinces and counties with their weights, and the fiscal years' first days */
int load_geography(gen_t *g);

/* centers.c: everything about the centers but their ids, before any table is loaded */
int plan_centers(gen_t *g);
/* clients.c: a center of county cty (county_pct percent of the time, when it has one) or else of its province;
 * -1 when the province has none */
int pick_center_near(rng_t *r, const gen_t *g, int cty, int prov, int county_pct);
/* clients.c: whether any client lives in a province with a center (services need one) */
int services_possible(const gen_t *g);

/* money.c */
int load_programs(gen_t *g);
int load_campaigns(gen_t *g, table_stat *st);
int64_t allocation_count(const gen_t *g);

/* users.c: the benchmark users; how many were made, -1 on error */
int make_users(gen_t *g, const char *hash, char *county_desc, size_t cdsz, char *ngo_desc, size_t ndsz);

#endif
