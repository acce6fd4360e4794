/* geography.c - the provinces and counties of the reference data (migration 0001), each weighted by population,
 * which decides where centers, clients and gifts are; and the first days of the fiscal years generated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jalali.h"
#include "ctl/gendata/gendata.h"

/* population (2016 census, thousands) and the capital's county, per province */
static const struct {
    const char *code;
    int pop;
    const char *capital;
} prov_info[] = {
    {"IR-00", 1429, "اراک"},     {"IR-01", 2531, "رشت"},       {"IR-02", 3284, "ساری"},
    {"IR-03", 3910, "تبریز"},    {"IR-04", 3265, "ارومیه"},    {"IR-05", 1952, "کرمانشاه"},
    {"IR-06", 4711, "اهواز"},    {"IR-07", 4852, "شیراز"},     {"IR-08", 3165, "کرمان"},
    {"IR-09", 6434, "مشهد"},     {"IR-10", 5120, "اصفهان"},    {"IR-11", 2775, "زاهدان"},
    {"IR-12", 1603, "سنندج"},    {"IR-13", 1738, "همدان"},     {"IR-14", 947, "شهرکرد"},
    {"IR-15", 1761, "خرم آباد"}, {"IR-16", 580, "ایلام"},      {"IR-17", 713, "بویراحمد"},
    {"IR-18", 1163, "بوشهر"},    {"IR-19", 1057, "زنجان"},     {"IR-20", 702, "سمنان"},
    {"IR-21", 1138, "یزد"},      {"IR-22", 1776, "بندرعباس"},  {"IR-23", 13267, "تهران"},
    {"IR-24", 1270, "اردبیل"},   {"IR-25", 1292, "قم"},        {"IR-26", 1273, "قزوین"},
    {"IR-27", 1868, "گرگان"},    {"IR-28", 863, "بجنورد"},     {"IR-29", 768, "بیرجند"},
    {"IR-30", 2712, "کرج"},
};
#define N_PROV_INFO (sizeof(prov_info) / sizeof(prov_info[0]))

/* a province's capital county (NULL for a province not in prov_info) and, when it is there, its population */
static const char *capital_of(const char *code, int *pop)
{
    for (size_t k = 0; k < N_PROV_INFO; k++)
        if (!strcmp(prov_info[k].code, code)) {
            *pop = prov_info[k].pop;
            return prov_info[k].capital;
        }
    return NULL;
}

/* the rows of a reference table, which migrate loads: 1 to max of them, or NULL (said) */
static PGresult *reference_rows(gen_t *g, const char *sql, int max, const char *what)
{
    PGresult *r = q(g, sql, 0, NULL, PGRES_TUPLES_OK);
    if (r && (PQntuples(r) == 0 || PQntuples(r) > max)) {
        fprintf(stderr, "registryctl: gen-data: expected the %s of the reference data (run migrate)\n", what);
        PQclear(r);
        return NULL;
    }
    return r;
}

int load_geography(gen_t *g)
{
    PGresult *r = reference_rows(g, "SELECT code, name_fa FROM provinces ORDER BY code", 64, "provinces");
    if (!r)
        return -1;
    g->nprov = PQntuples(r);
    double total = 0;
    for (int i = 0; i < g->nprov; i++) {
        prov_t *p = &g->prov[i];
        snprintf(p->code, sizeof(p->code), "%s", PQgetvalue(r, i, 0));
        p->name_fa = xstrdup(PQgetvalue(r, i, 1));
        p->pop = 1000;
        capital_of(p->code, &p->pop);
        total += p->pop;
    }
    PQclear(r);
    r = reference_rows(g, "SELECT id, province_code, name_fa FROM counties ORDER BY province_code, id", 65535,
                       "counties");
    if (!r)
        return -1;
    g->ncty = PQntuples(r);
    g->cty = xcalloc((size_t)g->ncty, sizeof(cty_t));
    g->cum_cty = xcalloc((size_t)g->ncty, sizeof(double));
    g->cum_in_prov = xcalloc((size_t)g->ncty, sizeof(double));
    for (int i = 0; i < g->ncty; i++) {
        g->cty[i].id = atoi(PQgetvalue(r, i, 0));
        g->cty[i].name_fa = xstrdup(PQgetvalue(r, i, 2));
        g->cty[i].prov = -1;
        for (int p = 0; p < g->nprov; p++)
            if (!strcmp(g->prov[p].code, PQgetvalue(r, i, 1))) {
                g->cty[i].prov = p;
                if (g->prov[p].n++ == 0)
                    g->prov[p].first = i;
            }
    }
    PQclear(r);
    /* within a province: the capital's county holds 45% (Tehran's 60%), the others share the rest, slowly fewer
     * down the reference list */
    double acc = 0;
    for (int p = 0; p < g->nprov; p++) {
        prov_t *pv = &g->prov[p];
        pv->weight = pv->pop / total;
        g->cum_prov[p] = (p ? g->cum_prov[p - 1] : 0) + pv->weight;
        if (pv->n == 0)
            continue;
        int pop;
        const char *capital = capital_of(pv->code, &pop);
        int cap = pv->first;
        for (int c = pv->first; c < pv->first + pv->n; c++)
            if (capital && !strcmp(g->cty[c].name_fa, capital))
                cap = c;
        double cap_share = pv->n == 1 ? 1.0 : !strcmp(pv->code, TEHRAN) ? 0.60 : 0.45;
        double others = 0;
        for (int c = pv->first, k = 0; c < pv->first + pv->n; c++)
            if (c != cap)
                others += 1.0 / (1.0 + 0.1 * k++);
        double in_prov = 0;
        for (int c = pv->first, k = 0; c < pv->first + pv->n; c++) {
            double share = c == cap ? cap_share : (1.0 - cap_share) / others / (1.0 + 0.1 * k++);
            g->cty[c].weight = pv->weight * share;
            in_prov += share;
            g->cum_in_prov[c] = in_prov;
        }
    }
    for (int c = 0; c < g->ncty; c++) {
        if (g->cty[c].prov < 0)
            g->cty[c].weight = 0;
        acc += g->cty[c].weight;
        g->cum_cty[c] = acc;
    }
    /* fiscal years */
    for (int y = 0; y <= NYEARS; y++) {
        ymd first, last;
        if (jalali_fiscal_year_bounds(FIRST_YEAR + y, &first, &last) != 0)
            return -1;
        g->year_first_day[y] = gregorian_to_days(first);
    }
    return 0;
}
