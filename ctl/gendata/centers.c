/* centers.c - the centers: all 14 types (~40% NGO) spread over every county by weight, named after their type,
 * a word and their county ("... شماره ۲" for the second of a name in a county), planned before any table is loaded
 * so that the clients, staff and services that follow know the centers of every county. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/gendata/gendata.h"

typedef struct {
    const char *type, *label;
    int weight, ngo_pct, cap_min, cap_max;
} center_kind;
static const center_kind kinds[] = {
    {"rehabilitation_day", "مرکز توانبخشی روزانه", 140, 50, 20, 150},
    {"rehabilitation_residential", "مرکز توانبخشی شبانه‌روزی", 60, 45, 20, 200},
    {"vocational_training", "مرکز توانبخشی حرفه‌ای", 60, 40, 20, 120},
    {"elderly_care", "خانه سالمندان", 100, 50, 15, 250},
    {"social_work_clinic", "کلینیک مددکاری اجتماعی", 100, 30, 0, 0},
    {"counseling", "مرکز مشاوره", 120, 45, 0, 0},
    {"addiction_outpatient", "مرکز درمان سرپایی اعتیاد", 120, 55, 30, 300},
    {"addiction_residential", "مرکز اقامتی درمان اعتیاد", 50, 50, 15, 80},
    {"children_home", "خانه کودکان", 30, 30, 10, 60},
    {"kindergarten", "مهد کودک توانیاب", 80, 55, 20, 90},
    {"mental_health_rehabilitation", "مرکز توانبخشی بیماران روانی مزمن", 40, 40, 20, 150},
    {"genetic_counseling", "مرکز مشاوره ژنتیک", 20, 20, 0, 0},
    {"social_emergency", "مرکز اورژانس اجتماعی", 40, 0, 10, 40},
    {"cbr_office", "دفتر توانبخشی مبتنی بر جامعه", 40, 0, 0, 0},
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

typedef struct {
    int idx;
    double frac;
} remainder_t;

static int cmp_remainder(const void *a, const void *b)
{
    const remainder_t *x = a, *y = b;
    if (x->frac != y->frac)
        return x->frac > y->frac ? -1 : 1;
    return x->idx - y->idx;
}

static void center_set_name(gen_t *g, int64_t i, const char *base, const char *suffix_num)
{
    static const char word[] = " شماره ";
    size_t n = strlen(base), k = suffix_num ? strlen(suffix_num) : 0;
    char *name = xcalloc(n + sizeof(word) + k, 1);
    memcpy(name, base, n);
    if (suffix_num) {
        memcpy(name + n, word, sizeof(word) - 1);
        memcpy(name + n + sizeof(word) - 1, suffix_num, k + 1);
    }
    free(g->c_name[i]);
    g->c_name[i] = name;
}

static int cmp_center_name(const void *a, const void *b, void *arg)
{
    const gen_t *g = arg;
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    if (g->c_cty[x] != g->c_cty[y])
        return g->c_cty[x] < g->c_cty[y] ? -1 : 1;
    int c = strcmp(g->c_name[x], g->c_name[y]);
    return c ? c : (x < y ? -1 : x > y);
}

/* Asks the database which names are taken, by their registry_search_key() (the key the unique index of centers is
 * on): by a center of the same county already there, or by an earlier one of ours in the same county. Those are
 * renamed with their id. 0 when every name is free, 1 when some had to be renamed (ask again), -1 on error. */
static int center_names_round(gen_t *g, int64_t base)
{
    int64_t n = g->n_centers;
    const char **names = xcalloc((size_t)n, sizeof(char *));
    for (int64_t i = 0; i < n; i++)
        names[i] = g->c_name[i];
    char *counties = xcalloc((size_t)n * 12 + 3, 1), *p = counties;
    *p++ = '{';
    for (int64_t i = 0; i < n; i++)
        p += sprintf(p, "%s%d", i ? "," : "", g->cty[g->c_cty[i]].id);
    *p++ = '}';
    char *names_lit = array_literal(names, (size_t)n);
    free(names);
    const char *params[] = {names_lit, counties};
    PGresult *r = q(g,
                    "SELECT EXISTS (SELECT 1 FROM centers c WHERE c.county_id = u.c AND c.name_key = k.key)"
                    " OR row_number() OVER (PARTITION BY u.c, k.key ORDER BY u.i) > 1"
                    " FROM unnest($1::text[], $2::integer[]) WITH ORDINALITY u(n, c, i),"
                    " LATERAL (SELECT registry_search_key(u.n) AS key) k ORDER BY u.i",
                    2, params, PGRES_TUPLES_OK);
    free(names_lit);
    free(counties);
    if (!r)
        return -1;
    int renamed = 0;
    for (int64_t i = 0; i < n; i++)
        if (PQgetvalue(r, (int)i, 0)[0] == 't') {
            /* the center's own id is unique, and ids only grow: a name with it cannot be taken by an earlier run */
            char num[64], basename[512];
            persian_number(base + i + 1, num, sizeof(num));
            snprintf(basename, sizeof(basename), "%s", g->c_name[i]);
            center_set_name(g, i, basename, num);
            renamed = 1;
        }
    PQclear(r);
    return renamed;
}

/* everything about the centers but their ids, which need the table's lock: made before the load, so the centers
 * of every county are known to the clients, staff and services that follow */
int plan_centers(gen_t *g)
{
    rng_t r;
    rng_init(&r, g->seed, 1);
    int64_t n = g->n_centers = scaled(20000, g->scale);
    g->c_cty = xcalloc((size_t)n, sizeof(uint16_t));
    g->c_kind = xcalloc((size_t)n, 1);
    g->c_ngo = xcalloc((size_t)n, 1);
    g->c_status = xcalloc((size_t)n, 1);
    g->c_name = xcalloc((size_t)n, sizeof(char *));
    /* centers per county: at least one in every county once there are twice as many centers as counties, the
     * rest by weight (largest remainders) */
    int64_t *count = xcalloc((size_t)g->ncty, sizeof(int64_t));
    int64_t assigned = 0, floor_each = n >= 2 * (int64_t)g->ncty ? 1 : 0, rest = n - floor_each * g->ncty;
    double total = g->cum_cty[g->ncty - 1];
    remainder_t *rem = xcalloc((size_t)g->ncty, sizeof(remainder_t));
    for (int c = 0; c < g->ncty; c++) {
        double quota = rest * g->cty[c].weight / total;
        count[c] = floor_each + (int64_t)quota;
        rem[c].idx = c;
        rem[c].frac = quota - (double)(int64_t)quota;
        assigned += count[c];
    }
    qsort(rem, (size_t)g->ncty, sizeof(remainder_t), cmp_remainder);
    for (int k = 0; assigned < n; k = (k + 1) % g->ncty, assigned++)
        count[rem[k].idx]++;
    free(rem);
    int64_t i = 0;
    for (int c = 0; c < g->ncty; c++)
        for (int64_t k = 0; k < count[c]; k++)
            g->c_cty[i++] = (uint16_t)c;
    free(count);
    for (int64_t k = n - 1; k > 0; k--) { /* Fisher-Yates */
        int64_t j = (int64_t)rng_below(&r, (uint32_t)(k + 1));
        uint16_t t = g->c_cty[k];
        g->c_cty[k] = g->c_cty[j];
        g->c_cty[j] = t;
    }
    weighted kv[N_KINDS];
    for (size_t k = 0; k < N_KINDS; k++) {
        kv[k].value = kinds[k].type;
        kv[k].weight = kinds[k].weight;
    }
    int tehran_ngo = -1, tehran_any = -1;
    for (i = 0; i < n; i++) {
        int kind = i < (int64_t)N_KINDS && n >= (int64_t)N_KINDS ? (int)i : pick_weighted(&r, kv, N_KINDS);
        g->c_kind[i] = (uint8_t)kind;
        g->c_ngo[i] = rng_chance(&r, kinds[kind].ngo_pct);
        uint32_t s = rng_below(&r, 100);
        g->c_status[i] = s < 96 ? 0 : s < 99 ? 1 : 2;
        char base[512];
        snprintf(base, sizeof(base), "%s %s %s", kinds[kind].label, motif(&r, 1),
                 g->cty[g->c_cty[i]].name_fa);
        g->c_name[i] = xstrdup(base);
        if (!strcmp(g->prov[g->cty[g->c_cty[i]].prov].code, TEHRAN)) {
            if (tehran_any < 0)
                tehran_any = (int)i;
            if (tehran_ngo < 0 && g->c_ngo[i] && g->c_status[i] == 0)
                tehran_ngo = (int)i;
        }
    }
    if (tehran_ngo < 0 && tehran_any >= 0) { /* bench.ngo needs an active NGO center in Tehran */
        g->c_ngo[tehran_any] = 1;
        g->c_status[tehran_any] = 0;
        if (!kinds[g->c_kind[tehran_any]].ngo_pct)
            g->c_kind[tehran_any] = 0;
        char base[512];
        snprintf(base, sizeof(base), "%s %s %s", kinds[g->c_kind[tehran_any]].label, first_motif(),
                 g->cty[g->c_cty[tehran_any]].name_fa);
        center_set_name(g, tehran_any, base, NULL);
    }
    /* the same name twice in a county: "... شماره ۲", "... شماره ۳" (ranks taken before any renaming) */
    int64_t *order = xcalloc((size_t)(n ? n : 1), sizeof(int64_t)), *rank = xcalloc((size_t)(n ? n : 1), sizeof(int64_t));
    for (i = 0; i < n; i++)
        order[i] = i;
    qsort_r(order, (size_t)n, sizeof(int64_t), cmp_center_name, g);
    for (int64_t k = 0, run = 1; k < n; k++) {
        if (k > 0 && g->c_cty[order[k]] == g->c_cty[order[k - 1]] && !strcmp(g->c_name[order[k]], g->c_name[order[k - 1]]))
            run++;
        else
            run = 1;
        rank[order[k]] = run;
    }
    for (i = 0; i < n; i++)
        if (rank[i] > 1) {
            char num[64], base[512];
            persian_number(rank[i], num, sizeof(num));
            snprintf(base, sizeof(base), "%s", g->c_name[i]);
            center_set_name(g, i, base, num);
        }
    free(rank);
    free(order);
    /* non-closed centers of each county and province */
    g->cty_off = xcalloc((size_t)g->ncty + 1, sizeof(int));
    g->cty_list = xcalloc((size_t)(n ? n : 1), sizeof(int));
    g->prov_list = xcalloc((size_t)(n ? n : 1), sizeof(int));
    for (i = 0; i < n; i++)
        if (g->c_status[i] != 2)
            g->cty_off[g->c_cty[i] + 1]++;
    for (int c = 0; c < g->ncty; c++)
        g->cty_off[c + 1] += g->cty_off[c];
    int *fill = xcalloc((size_t)g->ncty, sizeof(int));
    for (i = 0; i < n; i++)
        if (g->c_status[i] != 2) {
            int c = g->c_cty[i];
            g->cty_list[g->cty_off[c] + fill[c]++] = (int)i;
        }
    free(fill);
    /* counties are ordered by province, so a province's centers are its counties' lists back to back */
    memset(g->prov_off, 0, sizeof(g->prov_off));
    for (int p = 0; p < g->nprov; p++) {
        int from = g->prov[p].n ? g->cty_off[g->prov[p].first] : 0;
        int to = g->prov[p].n ? g->cty_off[g->prov[p].first + g->prov[p].n] : 0;
        g->prov_off[p + 1] = g->prov_off[p] + (to - from);
        memcpy(g->prov_list + g->prov_off[p], g->cty_list + from, (size_t)(to - from) * sizeof(int));
    }
    return 0;
}

/* the names that need their id to be free: settled before the COPY */
static int prepare_centers(gen_t *g, int64_t base)
{
    int rc;
    for (int round = 0; (rc = center_names_round(g, base)) == 1; round++)
        if (round == 3) {
            fprintf(stderr, "registryctl: gen-data: could not find free center names\n");
            return -1;
        }
    return rc;
}

static int gen_centers(gen_t *g, copybuf *b, int64_t base)
{
    rng_t r;
    rng_init(&r, g->seed, 2);
    int64_t day0 = gregorian_to_days((ymd){2025, 1, 1});
    for (int64_t i = 0; i < g->n_centers; i++) {
        const cty_t *c = &g->cty[g->c_cty[i]];
        const center_kind *k = &kinds[g->c_kind[i]];
        cb_row(b);
        cb_i64(b, base + i + 1);
        cb_tab(b);
        cb_str(b, g->c_name[i]);
        cb_tab(b);
        cb_str(b, k->type);
        cb_tab(b);
        cb_str(b, g->c_ngo[i] ? "ngo" : "public");
        cb_tab(b);
        cb_i64(b, c->id);
        cb_tab(b);
        if (k->cap_max)
            cb_i64(b, k->cap_min + (int64_t)rng_below(&r, (uint32_t)(k->cap_max - k->cap_min + 1)));
        else
            cb_null(b);
        cb_tab(b);
        cb_str(b, "GD-");
        cb_str(b, g->prov[c->prov].code + 3);
        cb_ch(b, '-');
        char num[24];
        snprintf(num, sizeof(num), "%07lld", (long long)(base + i + 1));
        cb_str(b, num);
        cb_tab(b);
        if (rng_chance(&r, 92))
            cb_date(b, day0 + rng_below(&r, 4 * 365));
        else
            cb_null(b);
        cb_tab(b);
        cb_str(b, g->c_status[i] == 0 ? "active" : g->c_status[i] == 1 ? "suspended" : "closed");
        cb_ch(b, '\n');
    }
    return 0;
}

/* centers_derive (derive_from_county) and centers_name_key (set_name_key), migration 0003 */
static const gd_derived center_derived[] = {
    {"province_code", "k.province_code"},
    {"name_key", "registry_search_key(s.name)"},
    {NULL, NULL},
};

const gd_table gd_centers = {
    .name = "centers",
    .columns = "id, name, type, sector, county_id, capacity, license_no, license_expires_on, status",
    .derived = center_derived,
    .joins = " JOIN counties k ON k.id = s.county_id",
    .prepare = prepare_centers,
    .rows = gen_centers,
};
