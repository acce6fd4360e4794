/* clients.c - the clients (where they live by weight, ~70% with a center near them, most with a disability) and
 * the services they get at centers of their province. */
#include <stdio.h>
#include <stdlib.h>

#include "ctl/gendata/gendata.h"

static const weighted dis_types[] = {{"physical", 30},     {"visual", 10},       {"hearing", 10}, {"speech", 4},
                                 {"intellectual", 18}, {"psychosocial", 14}, {"autism", 5},   {"multiple", 9}};
static const weighted severities[] = {{"mild", 30}, {"moderate", 35}, {"severe", 25}, {"very_severe", 10}};
static const weighted services_list[] = {
    {"physiotherapy", 16},  {"occupational_therapy", 8}, {"speech_therapy", 7},   {"counseling", 14},
    {"home_visit", 10},     {"social_work_assessment", 9}, {"day_care", 10},      {"vocational_training", 5},
    {"assistive_device", 4}, {"medical_checkup", 6},     {"caregiver_support", 5}, {"cash_assistance", 6}};
/* as the server accepts them (clients.c) */
static const char *const needs_list[] = {"housing",   "employment", "education",          "healthcare",
                                          "rehabilitation", "financial", "caregiving", "legal",
                                          "psychosocial", "assistive_devices"};
#define N_NEEDS (sizeof(needs_list) / sizeof(needs_list[0]))
static const char *const service_notes[] = {"جلسه اول", "پیگیری تلفنی", "ارجاع به پزشک متخصص", "تحویل وسیله کمکی",
                                            "بازدید از منزل", "جلسه با خانواده", "ارزیابی مجدد"};
#define N_SERVICE_NOTES (sizeof(service_notes) / sizeof(service_notes[0]))

int pick_center_near(rng_t *r, const gen_t *g, int cty, int prov, int county_pct)
{
    int cn = g->cty_off[cty + 1] - g->cty_off[cty];
    int pn = g->prov_off[prov + 1] - g->prov_off[prov];
    if (cn > 0 && (pn == cn || rng_chance(r, county_pct)))
        return g->cty_list[g->cty_off[cty] + (int)rng_below(r, (uint32_t)cn)];
    if (pn > 0)
        return g->prov_list[g->prov_off[prov] + (int)rng_below(r, (uint32_t)pn)];
    return -1;
}


static int gen_clients(gen_t *g, copybuf *b, int64_t base)
{
    rng_t r;
    rng_init(&r, g->seed, 3);
    int64_t n = g->n_clients;
    g->cl_cty = xcalloc((size_t)(n ? n : 1), sizeof(uint16_t));
    g->cl_center = xcalloc((size_t)(n ? n : 1), sizeof(int32_t));
    /* births: 19% 1930-1965, the rest 1966-2020 (so about 20% are over 60 in 2026) */
    int64_t old0 = gregorian_to_days((ymd){1930, 1, 1}), young0 = gregorian_to_days((ymd){1966, 1, 1});
    int64_t end = gregorian_to_days((ymd){2020, 12, 31});
    for (int64_t i = 0; i < n; i++) {
        int c = pick_cum(&r, g->cum_cty, g->ncty), p = g->cty[c].prov;
        int male = (int)rng_below(&r, 100) < 51;
        cb_person(b, &r, &g->nid, base + i + 1, male);
        int64_t birth = rng_chance(&r, 19) ? old0 + rng_below(&r, (uint32_t)(young0 - old0))
                                           : young0 + rng_below(&r, (uint32_t)(end - young0 + 1));
        int center = rng_chance(&r, 70) ? pick_center_near(&r, g, c, p, 100) : -1;
        g->cl_cty[i] = (uint16_t)c;
        g->cl_center[i] = center;
        cb_date(b, birth);
        cb_tab(b);
        cb_str(b, male ? "male" : "female");
        cb_tab(b);
        cb_i64(b, g->cty[c].id);
        cb_tab(b);
        if (center >= 0)
            cb_i64(b, g->center_base + center + 1);
        else
            cb_null(b);
        cb_tab(b);
        if (rng_chance(&r, 85)) {
            cb_str(b, PICK_WEIGHTED(&r, dis_types));
            cb_tab(b);
            cb_str(b, PICK_WEIGHTED(&r, severities));
        } else {
            cb_null(b);
            cb_tab(b);
            cb_null(b);
        }
        cb_tab(b);
        /* 0-3 distinct needs, in the list's order */
        uint32_t k = rng_below(&r, 10), want = k < 2 ? 0 : k < 6 ? 1 : k < 9 ? 2 : 3, mask = 0;
        for (uint32_t m = 0; m < want; m++)
            mask |= 1u << rng_below(&r, N_NEEDS);
        cb_ch(b, '{');
        for (uint32_t m = 0, none_yet = 1; m < N_NEEDS; m++)
            if (mask & (1u << m)) {
                if (!none_yet)
                    cb_ch(b, ',');
                cb_str(b, needs_list[m]);
                none_yet = 0;
            }
        cb_ch(b, '}');
        cb_tab(b);
        cb_str(b, rng_chance(&r, 97) ? "active" : "closed");
        cb_ch(b, '\n');
    }
    return 0;
}

static int gen_services(gen_t *g, copybuf *b, int64_t base)
{
    rng_t r;
    rng_init(&r, g->seed, 5);
    /* a service needs a center of the client's province */
    uint32_t *eligible = xcalloc((size_t)(g->n_clients ? g->n_clients : 1), sizeof(uint32_t));
    int64_t ne = 0;
    for (int64_t i = 0; i < g->n_clients; i++) {
        int p = g->cty[g->cl_cty[i]].prov;
        if (g->prov_off[p + 1] > g->prov_off[p])
            eligible[ne++] = (uint32_t)i;
    }
    int64_t n = ne ? g->n_services : 0;
    int64_t day0 = gregorian_to_days((ymd){2022, 3, 21}), days = gregorian_to_days((ymd){2025, 9, 22}) - day0;
    for (int64_t i = 0; i < n; i++) {
        uint32_t cl = eligible[rng_below(&r, (uint32_t)ne)];
        int c = g->cl_cty[cl], p = g->cty[c].prov;
        int center = g->cl_center[cl] >= 0 && rng_chance(&r, 85) ? g->cl_center[cl] : pick_center_near(&r, g, c, p, 60);
        cb_row(b);
        cb_i64(b, base + i + 1);
        cb_tab(b);
        cb_i64(b, g->client_base + cl + 1);
        cb_tab(b);
        cb_i64(b, g->center_base + center + 1);
        cb_tab(b);
        cb_str(b, PICK_WEIGHTED(&r, services_list));
        cb_tab(b);
        cb_date(b, day0 + rng_below(&r, (uint32_t)days));
        cb_tab(b);
        if (rng_chance(&r, 10))
            cb_str(b, service_notes[rng_below(&r, N_SERVICE_NOTES)]);
        else
            cb_null(b);
        cb_ch(b, '\n');
    }
    free(eligible);
    return 0;
}

int services_possible(const gen_t *g)
{
    for (int64_t i = 0; i < g->n_clients; i++) {
        int p = g->cty[g->cl_cty[i]].prov;
        if (g->prov_off[p + 1] > g->prov_off[p])
            return 1;
    }
    return 0;
}

/* clients_derive (derive_from_county) and clients_name_key (set_name_key), migration 0003 */
static const gd_derived client_derived[] = {
    {"province_code", "k.province_code"},
    {"name_key", "n.key"},
    {NULL, NULL},
};

const gd_table gd_clients = {
    .name = "clients",
    .columns = "id, national_id, first_name, last_name, birth_date, sex, county_id, center_id, disability_type,"
               " disability_severity, needs, status",
    .derived = client_derived,
    .joins = " JOIN counties k ON k.id = s.county_id" GD_PERSON_NAME_KEYS,
    .rows = gen_clients,
};

/* services_derive (derive_from_client, migration 0019): a service lives where its client lives */
static const gd_derived service_derived[] = {
    {"province_code", "c.province_code"},
    {"county_id", "c.county_id"},
    {NULL, NULL},
};

const gd_table gd_services = {
    .name = "services",
    .columns = "id, client_id, center_id, service, provided_on, notes",
    .derived = service_derived,
    .joins = " JOIN clients c ON c.id = s.client_id",
    .rows = gen_services,
};
