/* money.c - the programs' budgets, campaigns (national and provincial), donations (people and organizations,
 * cash and in kind, at a province, a county or a center, many during a campaign) and allocations for 1401-1403 (every
 * province; every county, 80% of its province's amount split by weight; up to 3 centers per county, at most 80% of
 * the county's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jalali.h"
#include "ctl/gendata/gendata.h"

static const char *const in_kind_items[] = {"ویلچر", "سمعک", "اقلام غذایی", "پوشاک زمستانی", "لوازم التحریر",
                                            "تجهیزات توانبخشی", "عصای سفید", "تخت بیمارستانی", "بسته بهداشتی"};
#define N_IN_KIND (sizeof(in_kind_items) / sizeof(in_kind_items[0]))
static const char *const org_prefixes[] = {"شرکت", "بنیاد خیریه", "موسسه", "گروه صنعتی", "هیئت امنای"};
#define N_ORG_PREFIXES (sizeof(org_prefixes) / sizeof(org_prefixes[0]))
static const char *const national_campaigns[] = {"پویش ملی نذر مهربانی", "جشن عاطفه‌ها", "پویش همدلی با سالمندان",
                                                 "پویش ویلچر برای همه"};
static const char *const provincial_campaigns[] = {"جشن نیکوکاری", "پویش گرمای زمستان", "پویش مهر تحصیلی",
                                                   "پویش سفره احسان", "پویش سمعک برای کودکان",
                                                   "پویش مسکن مددجویان", "پویش اشتغال توانخواهان",
                                                   "پویش همراه سالمند"};
#define N_NAT_CAMPAIGNS (sizeof(national_campaigns) / sizeof(national_campaigns[0]))
#define N_PROV_CAMPAIGNS (sizeof(provincial_campaigns) / sizeof(provincial_campaigns[0]))

/* national budget per program for 1401 (rials); +35% a year */
static const struct {
    const char *code;
    int64_t budget;
} program_budgets[] = {
    {"cbr", 1200000 * MILLION},           {"microfinance", 4000000 * MILLION}, {"housing", 6000000 * MILLION},
    {"tele_rehabilitation", 300000 * MILLION}, {"life_skills", 500000 * MILLION},
    {"elderly_care", 2500000 * MILLION},  {"caregiver_training", 400000 * MILLION},
};
#define N_PROGRAMS (sizeof(program_budgets) / sizeof(program_budgets[0]))

int load_programs(gen_t *g)
{
    PGresult *r = q(g, "SELECT id, code FROM programs ORDER BY id", 0, NULL, PGRES_TUPLES_OK);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        for (size_t k = 0; k < N_PROGRAMS; k++)
            if (!strcmp(PQgetvalue(r, i, 1), program_budgets[k].code)) {
                g->prog_id[g->nprog] = atoi(PQgetvalue(r, i, 0));
                g->prog_budget[g->nprog++] = program_budgets[k].budget;
            }
    PQclear(r);
    return 0;
}


int load_campaigns(gen_t *g, table_stat *st)
{
    double t0 = now_secs();
    rng_t r;
    rng_init(&r, g->seed, 6);
    const char *names[NCAMPAIGNS], *descs[NCAMPAIGNS], *provs[NCAMPAIGNS], *froms[NCAMPAIGNS], *tos[NCAMPAIGNS],
        *goals[NCAMPAIGNS];
    char namebuf[NCAMPAIGNS][256], frombuf[NCAMPAIGNS][11], tobuf[NCAMPAIGNS][11], goalbuf[NCAMPAIGNS][24];
    char provbuf[NCAMPAIGNS][8];
    int n = 0;
    /* national: each of the 4 themes every year (12); provincial: the rest, provinces by weight */
    for (int y = 0; y < NYEARS; y++)
        for (size_t k = 0; k < N_NAT_CAMPAIGNS && n < NCAMPAIGNS; k++, n++) {
            char yr[16];
            persian_number(FIRST_YEAR + y, yr, sizeof(yr));
            snprintf(namebuf[n], sizeof(namebuf[n]), "%s %s", national_campaigns[k], yr);
            g->camp_prov[n] = -1;
            g->camp_year[n] = y;
        }
    for (int k = 0; n < NCAMPAIGNS; k++) {
        int y = k % NYEARS, p = pick_cum(&r, g->cum_prov, g->nprov);
        char yr[16];
        persian_number(FIRST_YEAR + y, yr, sizeof(yr));
        snprintf(namebuf[n], sizeof(namebuf[n]), "%s %s %s", provincial_campaigns[rng_below(&r, N_PROV_CAMPAIGNS)],
                 g->prov[p].name_fa, yr);
        int dup = 0;
        for (int j = 0; j < n; j++)
            dup |= g->camp_prov[j] == p && !strcmp(namebuf[j], namebuf[n]);
        if (dup)
            continue;
        g->camp_year[n] = y;
        g->camp_prov[n++] = p;
    }
    for (int i = 0; i < n; i++) {
        int y = g->camp_year[i];
        int64_t y0 = g->year_first_day[y], len = g->year_first_day[y + 1] - y0;
        g->camp_from[i] = y0 + rng_below(&r, (uint32_t)(len - 150));
        g->camp_to[i] = g->camp_from[i] + 30 + rng_below(&r, 120);
        date_format(days_to_gregorian(g->camp_from[i]), frombuf[i]);
        date_format(days_to_gregorian(g->camp_to[i]), tobuf[i]);
        snprintf(goalbuf[i], sizeof(goalbuf[i]), "%lld", (long long)((10 + rng_below(&r, 990)) * 1000 * MILLION));
        names[i] = namebuf[i];
        descs[i] = g->camp_prov[i] < 0 ? "پویش ملی جمع‌آوری کمک‌های مردمی" : "پویش استانی جمع‌آوری کمک‌های مردمی";
        if (g->camp_prov[i] >= 0)
            snprintf(provbuf[i], sizeof(provbuf[i]), "%s", g->prov[g->camp_prov[i]].code);
        else
            snprintf(provbuf[i], sizeof(provbuf[i]), "%s", "");
        provs[i] = provbuf[i];
        froms[i] = frombuf[i];
        tos[i] = tobuf[i];
        goals[i] = goalbuf[i];
    }
    char *a_names = array_literal(names, (size_t)n), *a_descs = array_literal(descs, (size_t)n),
         *a_provs = array_literal(provs, (size_t)n), *a_froms = array_literal(froms, (size_t)n),
         *a_tos = array_literal(tos, (size_t)n), *a_goals = array_literal(goals, (size_t)n);
    const char *params[] = {a_names, a_descs, a_provs, a_froms, a_tos, a_goals};
    int rc = -1;
    PGresult *res = NULL;
    if (exec_ok(g, "BEGIN") != 0)
        goto out;
    res = q(g,
            "INSERT INTO campaigns (name, description, province_code, starts_on, ends_on, goal_rials)"
            " SELECT n, d, nullif(p, ''), f, t, gl FROM unnest($1::text[], $2::text[], $3::text[], $4::date[],"
            " $5::date[], $6::bigint[]) u(n, d, p, f, t, gl) ON CONFLICT DO NOTHING",
            6, params, PGRES_COMMAND_OK);
    if (!res)
        goto rollback;
    st->rows = atoll(PQcmdTuples(res));
    PQclear(res);
    const char *keys[] = {a_names, a_provs};
    res = q(g,
            "SELECT c.id FROM unnest($1::text[], $2::text[]) WITH ORDINALITY u(n, p, i)"
            " JOIN campaigns c ON c.name = u.n AND coalesce(c.province_code, '') = u.p ORDER BY u.i",
            2, keys, PGRES_TUPLES_OK);
    if (!res || PQntuples(res) != n)
        goto rollback;
    for (int i = 0; i < n; i++)
        g->camp_id[i] = atoll(PQgetvalue(res, i, 0));
    g->ncamp = n;
    if (exec_ok(g, "COMMIT") == 0)
        rc = 0;
    goto out;
rollback:
    PQclear(PQexec(g->pg, "ROLLBACK"));
out:
    PQclear(res);
    free(a_names);
    free(a_descs);
    free(a_provs);
    free(a_froms);
    free(a_tos);
    free(a_goals);
    st->secs = now_secs() - t0;
    if (rc == 0) {
        printf("  %-12s %10lld rows %8.1f s%s\n", "campaigns", (long long)st->rows, st->secs,
               st->rows < n ? "  (the others of the 50 were there already: used again)" : "");
        fflush(stdout);
    }
    return rc;
}

/* The fiscal year of a day: its Jalali year, as the server sets a donation's (server/handlers/donations.c, with the
 * same gregorian_to_jalali()); -1 if it has none. */
static int fiscal_year_of(int64_t day)
{
    ymd j;
    return gregorian_to_jalali(days_to_gregorian(day), &j) == 0 ? j.y : -1;
}

/* A donation's or an allocation's place as a caller gives it: the center, else the county, else the province
 * (county 0 and center 0: none); the other two are left to the derivation (place_derived). */
static void cb_place(copybuf *b, const char *province, int county, int64_t center)
{
    if (center > 0 || county > 0)
        cb_null(b);
    else
        cb_str(b, province);
    cb_tab(b);
    cb_id_or_null(b, center > 0 ? 0 : county);
    cb_tab(b);
    cb_id_or_null(b, center);
}

static int gen_donations(gen_t *g, copybuf *b, int64_t base)
{
    rng_t r;
    rng_init(&r, g->seed, 7);
    int64_t d0 = g->year_first_day[0], span = g->year_first_day[NYEARS] - d0;
    int cand[NCAMPAIGNS];
    for (int64_t i = 0; i < g->n_donations; i++) {
        int p = pick_cum(&r, g->cum_prov, g->nprov);
        const prov_t *pv = &g->prov[p];
        int cty = -1, center = -1;
        uint32_t place = rng_below(&r, 100);
        if (place >= 20 && pv->n > 0) {
            int lo = pv->first;
            cty = lo + pick_cum(&r, g->cum_in_prov + lo, pv->n);
            int cn = g->cty_off[cty + 1] - g->cty_off[cty];
            if (place >= 55 && cn > 0)
                center = g->cty_list[g->cty_off[cty] + (int)rng_below(&r, (uint32_t)cn)];
        }
        /* a campaign of the nation or of this province; the gift arrives while it runs */
        int nc = 0, camp = -1;
        if (rng_chance(&r, 55)) {
            for (int k = 0; k < g->ncamp; k++)
                if (g->camp_prov[k] < 0 || g->camp_prov[k] == p)
                    cand[nc++] = k;
            if (nc)
                camp = cand[rng_below(&r, (uint32_t)nc)];
        }
        int64_t day = camp >= 0 ? g->camp_from[camp] + rng_below(&r, (uint32_t)(g->camp_to[camp] - g->camp_from[camp] + 1))
                                : d0 + rng_below(&r, (uint32_t)span);
        int org = rng_chance(&r, 15), cash = rng_chance(&r, 85);
        /* roughly log-uniform amounts: 1..9.99 x 10^k rials, k 6..9 (organizations 7..10) */
        int64_t amount = (100 + rng_below(&r, 900)) * 10000;
        for (uint32_t e = rng_below(&r, 4) + (org ? 1 : 0); e > 0; e--)
            amount *= 10;
        cb_row(b);
        cb_i64(b, base + i + 1);
        cb_tab(b);
        if (org) {
            cb_str(b, org_prefixes[rng_below(&r, N_ORG_PREFIXES)]);
            cb_ch(b, ' ');
            cb_str(b, motif(&r, 0));
        } else {
            const char *first, *last;
            person_name(&r, rng_chance(&r, 50), &first, &last);
            cb_str(b, first);
            cb_ch(b, ' ');
            cb_str(b, last);
        }
        cb_tab(b);
        cb_str(b, org ? "organization" : "person");
        cb_tab(b);
        cb_str(b, rng_chance(&r, 8) ? "t" : "f");
        cb_tab(b);
        cb_str(b, cash ? "cash" : "in_kind");
        cb_tab(b);
        if (cash)
            cb_null(b);
        else
            cb_str(b, in_kind_items[rng_below(&r, N_IN_KIND)]);
        cb_tab(b);
        cb_i64(b, amount);
        cb_tab(b);
        if (camp >= 0)
            cb_i64(b, g->camp_id[camp]);
        else
            cb_null(b);
        cb_tab(b);
        cb_date(b, day);
        cb_tab(b);
        int fiscal_year = fiscal_year_of(day);
        if (fiscal_year < 0)
            return -1;
        cb_i64(b, fiscal_year);
        cb_tab(b);
        cb_place(b, pv->code, cty >= 0 ? g->cty[cty].id : 0, center >= 0 ? g->center_base + center + 1 : 0);
        cb_ch(b, '\n');
    }
    return 0;
}

/* rows: every province; every county, 80% of its province's amount split by weight (whole millions, rounded
 * down); up to 3 non-closed centers of each county, 80% of the county's amount split 1-3 ways */
int64_t allocation_count(const gen_t *g)
{
    int64_t per = g->nprov + g->ncty;
    for (int c = 0; c < g->ncty; c++) {
        int n = g->cty_off[c + 1] - g->cty_off[c];
        per += n < 3 ? n : 3;
    }
    return per * NYEARS * g->nprog;
}

static void alloc_row(copybuf *b, int64_t id, int year, int prog, const char *prov, int county, int64_t center,
                      int64_t amount)
{
    cb_row(b);
    cb_i64(b, id);
    cb_tab(b);
    cb_i64(b, year);
    cb_tab(b);
    cb_i64(b, prog);
    cb_tab(b);
    cb_place(b, prov, county, center);
    cb_tab(b);
    cb_i64(b, amount);
    cb_tab(b);
    cb_null(b);
    cb_ch(b, '\n');
}

static int gen_allocations(gen_t *g, copybuf *b, int64_t base)
{
    rng_t r;
    rng_init(&r, g->seed, 8);
    int64_t id = base;
    int64_t *prov_amt = xcalloc((size_t)g->nprov * NYEARS * N_PROGRAMS, sizeof(int64_t));
    int64_t *cty_amt = xcalloc((size_t)g->ncty * NYEARS * N_PROGRAMS, sizeof(int64_t));
    /* provinces first, then counties, then centers: the order the limit triggers want when they run */
    for (int y = 0; y < NYEARS; y++)
        for (int pr = 0; pr < g->nprog; pr++) {
            double budget = (double)g->prog_budget[pr];
            for (int k = 0; k < y; k++)
                budget *= 1.35;
            for (int p = 0; p < g->nprov; p++) {
                double jitter = 0.9 + 0.2 * rng_unit(&r);
                int64_t amt = (int64_t)(budget * g->prov[p].weight * jitter / (double)MILLION) * MILLION;
                prov_amt[(y * N_PROGRAMS + pr) * g->nprov + p] = amt;
                alloc_row(b, ++id, FIRST_YEAR + y, g->prog_id[pr], g->prov[p].code, 0, 0, amt);
            }
        }
    for (int y = 0; y < NYEARS; y++)
        for (int pr = 0; pr < g->nprog; pr++)
            for (int p = 0; p < g->nprov; p++) {
                const prov_t *pv = &g->prov[p];
                int64_t limit_m = prov_amt[(y * N_PROGRAMS + pr) * g->nprov + p] * 8 / 10 / MILLION, wsum = 0;
                for (int c = pv->first; c < pv->first + pv->n; c++)
                    wsum += 1 + (int64_t)(g->cty[c].weight / pv->weight * 1e6);
                for (int c = pv->first; c < pv->first + pv->n; c++) {
                    int64_t w = 1 + (int64_t)(g->cty[c].weight / pv->weight * 1e6);
                    int64_t amt = limit_m * w / wsum * MILLION;
                    cty_amt[(y * N_PROGRAMS + pr) * g->ncty + c] = amt;
                    alloc_row(b, ++id, FIRST_YEAR + y, g->prog_id[pr], pv->code, g->cty[c].id, 0, amt);
                }
            }
    int pick[3];
    for (int y = 0; y < NYEARS; y++)
        for (int pr = 0; pr < g->nprog; pr++)
            for (int c = 0; c < g->ncty; c++) {
                int cn = g->cty_off[c + 1] - g->cty_off[c], k = cn < 3 ? cn : 3;
                if (!k)
                    continue;
                for (int j = 0; j < k; j++) { /* k distinct centers of the county */
                    int again;
                    do {
                        pick[j] = g->cty_list[g->cty_off[c] + (int)rng_below(&r, (uint32_t)cn)];
                        again = 0;
                        for (int m = 0; m < j; m++)
                            again |= pick[m] == pick[j];
                    } while (again);
                }
                int64_t share[3], ssum = 0, limit = cty_amt[(y * N_PROGRAMS + pr) * g->ncty + c] * 8 / 10;
                for (int j = 0; j < k; j++)
                    ssum += share[j] = 1 + rng_below(&r, 3);
                for (int j = 0; j < k; j++)
                    alloc_row(b, ++id, FIRST_YEAR + y, g->prog_id[pr], g->prov[g->cty[c].prov].code,
                              g->cty[c].id, g->center_base + pick[j] + 1, limit * share[j] / ssum / MILLION * MILLION);
            }
    free(prov_amt);
    free(cty_amt);
    return 0;
}

/* donations_place and allocations_place (migration 0007): a row at a center is in the center's county and
 * province, a row at a county in the county's province */
#define PLACE_JOINS " LEFT JOIN centers c ON c.id = s.center_id LEFT JOIN counties k ON k.id = s.county_id"
#define PLACE_DERIVED                                                                                                \
    {"province_code", "coalesce(c.province_code, k.province_code, s.province_code)"},                                \
        {"county_id", "coalesce(c.county_id, s.county_id)"}

static const gd_derived donation_derived[] = {PLACE_DERIVED, {NULL, NULL}};

const gd_table gd_donations = {
    .name = "donations",
    .columns = "id, donor_name, donor_type, anonymous, kind, description, amount_rials, campaign_id, received_on,"
               " fiscal_year, province_code, county_id, center_id",
    .derived = donation_derived,
    .joins = PLACE_JOINS,
    .rows = gen_donations,
};

/* allocations_place also sets the level from the place */
static const gd_derived allocation_derived[] = {
    PLACE_DERIVED,
    {"level", "CASE WHEN s.center_id IS NOT NULL THEN 'center' WHEN s.county_id IS NOT NULL THEN 'county'"
              " ELSE 'province' END::allocation_level"},
    {NULL, NULL},
};

const gd_table gd_allocations = {
    .name = "allocations",
    .columns = "id, fiscal_year, program_id, province_code, county_id, center_id, amount_rials, note",
    .derived = allocation_derived,
    .joins = PLACE_JOINS,
    .rows = gen_allocations,
};
