/*
 * seed.c - `registryctl seed-demo`: a small, realistic demo data set (idempotent: running it again adds nothing).
 * Demo users, all with the password in REGISTRY_DEMO_PASSWORD (default below, for demonstrations only):
 *   demo.national (national_admin), demo.viewer (national_viewer), demo.tehran (provincial_admin IR-23),
 *   demo.fars (provincial_officer IR-07), demo.county (county_officer, first Tehran county),
 *   demo.ngo (ngo_submitter, the first NGO center).
 * Money of the current Jalali fiscal year (what the console's dashboard and money screens show): allocations of the
 * cbr program to the four provinces, some of their counties and centers (and housing to Tehran), two campaigns and
 * their donations, microfinance loans with overdue installments; and two centers whose licenses expire within 90
 * days. Run in a later fiscal year, it adds that year's money (once).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/national_id.h"
#include "common/password.h"
#include "common/strbuf.h"
#include "ctl/ctl.h"

#define DEMO_PASSWORD "Registry-Demo-2026!"

static const char *const first_f[] = {"مریم", "زهرا", "فاطمه", "سارا", "نرگس", "لیلا", "معصومه", "شیرین", "پروین", "سمیه"};
static const char *const first_m[] = {"علی", "محمد", "حسین", "رضا", "مهدی", "امیر", "حمید", "جواد", "سعید", "محمدرضا"};
static const char *const last[] = {"رضایی", "محمدی", "حسینی", "احمدی", "کریمی", "موسوی", "جعفری", "قاسمی", "صادقی",
                                   "رحیمی", "کاظمی", "نوری", "اکبری", "شریفی", "یزدانی"};
static const char *const dis_types[] = {"physical", "visual", "hearing", "speech", "intellectual", "psychosocial",
                                        "autism", "multiple"};
static const char *const severities[] = {"mild", "moderate", "severe", "very_severe"};
static const char *const needs[] = {"{housing}", "{employment}", "{housing,employment}", "{rehabilitation}",
                                    "{caregiving}", "{}"};
static const char *const professions[] = {"social_worker", "psychologist", "physiotherapist", "occupational_therapist",
                                          "speech_therapist", "nurse", "caregiver"};

typedef struct demo_center {
    const char *province, *name, *type, *sector;
    int capacity;
} demo_center;

static const demo_center centers[] = {
    {"IR-23", "مرکز توانبخشی روزانه امید", "rehabilitation_day", "ngo", 60},
    {"IR-23", "خانه سالمندان مهر", "elderly_care", "public", 120},
    {"IR-23", "مرکز مشاوره بهزیستی شهر ری", "counseling", "public", 0},
    {"IR-07", "مرکز توانبخشی حرفه‌ای شیراز", "vocational_training", "public", 80},
    {"IR-07", "مرکز درمان سرپایی اعتیاد سپید", "addiction_outpatient", "ngo", 50},
    {"IR-09", "مهد کودک توانیاب مشهد", "kindergarten", "ngo", 40},
    {"IR-09", "دفتر توانبخشی مبتنی بر جامعه نیشابور", "cbr_office", "public", 0},
    {"IR-10", "مرکز اورژانس اجتماعی اصفهان", "social_emergency", "public", 30},
};

/* The money of the current Jalali fiscal year, in order (a level's parent first; repayments after their loans); each
 * statement adds only what is not there yet. Places are the demo centers' (each in its province's first county). */
#define FY "(jalali_of(current_date)).jy"
#define FIRST_COUNTY(p) "(SELECT min(id) FROM counties WHERE province_code = '" p "')"
#define SECOND_COUNTY(p) "(SELECT id FROM counties WHERE province_code = '" p "' ORDER BY id OFFSET 1 LIMIT 1)"
#define CENTER(lic) "(SELECT id FROM centers WHERE license_no = '" lic "')"
/* the k-th demo client (by national ID) of a demo center */
#define CLIENT_OF(lic, k)                                                                                          \
    "(SELECT c.id FROM clients c WHERE c.center_id = " CENTER(lic) " AND c.national_id LIKE '2%'"                 \
    " ORDER BY c.national_id OFFSET " k " LIMIT 1)"
static const char *const money_sql[] = {
    "INSERT INTO allocations (fiscal_year, program_id, province_code, county_id, amount_rials, note)"
    " SELECT " FY ", p.id, v.province, v.county, v.amount, v.note FROM (VALUES"
    " ('cbr', 'IR-23', NULL::integer, 50000000000, 'سهم استان تهران'),"
    " ('housing', 'IR-23', NULL, 40000000000, 'مسکن خانوارهای دارای دو عضو معلول'),"
    " ('cbr', 'IR-07', NULL, 30000000000, 'سهم استان فارس'),"
    " ('cbr', 'IR-09', NULL, 25000000000, 'سهم استان خراسان رضوی'),"
    " ('cbr', 'IR-10', NULL, 20000000000, 'سهم استان اصفهان')) v(program, province, county, amount, note)"
    " JOIN programs p ON p.code = v.program ON CONFLICT DO NOTHING",
    "INSERT INTO allocations (fiscal_year, program_id, province_code, county_id, amount_rials)"
    " SELECT " FY ", p.id, v.province, v.county, v.amount FROM (VALUES"
    " ('cbr', 'IR-23', " FIRST_COUNTY("IR-23") ", 20000000000),"
    " ('cbr', 'IR-23', " SECOND_COUNTY("IR-23") ", 12000000000),"
    " ('housing', 'IR-23', " FIRST_COUNTY("IR-23") ", 15000000000),"
    " ('cbr', 'IR-07', " FIRST_COUNTY("IR-07") ", 18000000000),"
    " ('cbr', 'IR-09', " FIRST_COUNTY("IR-09") ", 10000000000)) v(program, province, county, amount)"
    " JOIN programs p ON p.code = v.program ON CONFLICT DO NOTHING",
    "INSERT INTO allocations (fiscal_year, program_id, province_code, center_id, amount_rials)"
    " SELECT " FY ", p.id, c.province_code, c.id, v.amount FROM (VALUES"
    " ('cbr', 'DEMO-01', 8000000000), ('cbr', 'DEMO-02', 6000000000), ('cbr', 'DEMO-04', 9000000000),"
    " ('housing', 'DEMO-02', 5000000000)) v(program, lic, amount)"
    " JOIN programs p ON p.code = v.program JOIN centers c ON c.license_no = v.lic ON CONFLICT DO NOTHING",
    "INSERT INTO campaigns (name, description, province_code, starts_on, ends_on, goal_rials)"
    " SELECT v.name, v.description, v.province, jalali_nowruz(" FY "), jalali_nowruz(" FY " + 1) - 1, v.goal"
    " FROM (VALUES ('کمپین آجر به آجر', 'ساخت مسکن برای خانوارهای دارای عضو معلول', NULL::text, 100000000000),"
    " ('پویش ویلچر برای همه', 'ویلچر و وسایل کمک‌حرکتی برای مددجویان خراسان رضوی', 'IR-09', 5000000000))"
    " v(name, description, province, goal) ON CONFLICT DO NOTHING",
    /* each demo donation known by its description; received within this fiscal year, up to today */
    "INSERT INTO donations (donor_name, donor_type, anonymous, kind, description, amount_rials, campaign_id,"
    " received_on, fiscal_year, province_code, county_id, center_id)"
    " SELECT v.donor, v.donor_type::donor_type, v.donor IS NULL, v.kind::donation_kind, v.description, v.amount,"
    " (SELECT id FROM campaigns WHERE name = v.campaign), d.day, (jalali_of(d.day)).jy, v.province, v.county,"
    " v.center FROM (VALUES"
    " ('بنیاد خیریه نیکان', 'organization', 'cash', 'کمک نقدی به کمپین آجر به آجر', 3000000000::bigint,"
    "  'کمپین آجر به آجر', 'IR-23', NULL::integer, NULL::bigint, 5),"
    " (NULL, 'person', 'cash', 'کمک بی‌نام برای مسکن', 750000000, 'کمپین آجر به آجر', 'IR-07', NULL, NULL, 12),"
    " ('علی رضایی', 'person', 'cash', 'کمک به مرکز توانبخشی امید', 200000000, NULL, 'IR-23', NULL, "
    CENTER("DEMO-01") ", 20),"
    " ('شرکت فولاد سپاهان', 'organization', 'in_kind', '۲۰ دستگاه ویلچر', 1200000000, 'پویش ویلچر برای همه',"
    "  'IR-09', " FIRST_COUNTY("IR-09") ", NULL, 9),"
    " ('زهرا محمدی', 'person', 'cash', 'کمک نقدی به پویش ویلچر', 150000000, 'پویش ویلچر برای همه', 'IR-09',"
    "  NULL, NULL, 3),"
    " ('گروه جهادی امید', 'organization', 'in_kind', 'اقلام بهداشتی خانهٔ سالمندان', 400000000, NULL, 'IR-23', NULL, "
    CENTER("DEMO-02") ", 15),"
    " ('حسین کریمی', 'person', 'cash', 'کمک به اورژانس اجتماعی اصفهان', 300000000, NULL, 'IR-10', NULL, "
    CENTER("DEMO-08") ", 7)) v(donor, donor_type, kind, description, amount, campaign, province, county, center,"
    " days_ago)"
    " CROSS JOIN LATERAL (SELECT greatest(jalali_nowruz(" FY "), current_date - v.days_ago) AS day) d"
    " WHERE NOT EXISTS (SELECT 1 FROM donations x WHERE x.description = v.description)",
    /* microfinance loans, an installment a Jalali month: some long due and partly repaid (overdue), one not due
     * yet; a demo client has one at most */
    "INSERT INTO loans (client_id, amount_rials, installments, first_due_on)"
    " SELECT v.client, v.amount, v.n, current_date + v.first_due FROM (VALUES"
    " (" CLIENT_OF("DEMO-01", "0") ", 120000000::bigint, 12, -150),"
    " (" CLIENT_OF("DEMO-01", "1") ", 60000000, 6, -100),"
    " (" CLIENT_OF("DEMO-02", "0") ", 90000000, 9, -40),"
    " (" CLIENT_OF("DEMO-04", "0") ", 80000000, 8, -70),"
    " (" CLIENT_OF("DEMO-05", "1") ", 45000000, 3, 30),"
    " (" CLIENT_OF("DEMO-07", "0") ", 150000000, 10, -200),"
    " (" CLIENT_OF("DEMO-08", "0") ", 40000000, 4, -20)) v(client, amount, n, first_due)"
    " WHERE v.client IS NOT NULL AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.client_id = v.client)",
    "INSERT INTO repayments (loan_id, amount_rials, paid_on)"
    " SELECT l.id, v.amount, current_date - 20 FROM (VALUES"
    " (" CLIENT_OF("DEMO-01", "0") ", 30000000::bigint), (" CLIENT_OF("DEMO-02", "0") ", 10000000),"
    " (" CLIENT_OF("DEMO-07", "0") ", 60000000)) v(client, amount)"
    " JOIN loans l ON l.client_id = v.client WHERE NOT EXISTS (SELECT 1 FROM repayments r WHERE r.loan_id = l.id)",
};

static int exec_params(PGconn *pg, const char *sql, int n, const char *const *params)
{
    PGresult *r = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "registryctl: seed-demo: %s", PQerrorMessage(pg));
    PQclear(r);
    return ok ? 0 : -1;
}

int ctl_seed_demo(const registry_config *cfg, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    const char *password = getenv("REGISTRY_DEMO_PASSWORD");
    if (!password || !*password)
        password = DEMO_PASSWORD;
    char hash[256];
    if (password_hash(password, hash, sizeof(hash)) != 0) {
        fprintf(stderr, "registryctl: seed-demo: hashing failed\n");
        return CTL_FAIL;
    }
    PGconn *pg = ctl_connect(cfg);
    if (!pg)
        return CTL_FAIL;
    int rc = CTL_OK;
    PQclear(PQexec(pg, "BEGIN"));
    PQclear(PQexec(pg, "SELECT set_config('registry.role', 'system', true)"));

    /* centers: in the first county of their province */
    for (size_t i = 0; i < sizeof(centers) / sizeof(centers[0]) && rc == CTL_OK; i++) {
        char cap[16], lic[32];
        snprintf(cap, sizeof(cap), "%d", centers[i].capacity);
        snprintf(lic, sizeof(lic), "DEMO-%02zu", i + 1);
        const char *p[] = {centers[i].name, centers[i].type, centers[i].sector, centers[i].province, cap, lic};
        if (exec_params(pg,
                        "INSERT INTO centers (name, type, sector, county_id, capacity, license_no, license_expires_on)"
                        " SELECT $1, $2::center_type, $3::center_sector,"
                        " (SELECT min(id) FROM counties WHERE province_code = $4), nullif($5::integer, 0), $6,"
                        " current_date + CASE $6 WHEN 'DEMO-02' THEN 60 WHEN 'DEMO-05' THEN 45 ELSE 400 END"
                        " ON CONFLICT DO NOTHING",
                        6, p) != 0)
            rc = CTL_FAIL;
    }

    /* staff and clients, deterministic */
    for (int i = 0; i < 16 && rc == CTL_OK; i++) {
        char nid[11], lic[32];
        national_id_make(100000000ULL + (uint64_t)i * 7919, nid);
        snprintf(lic, sizeof(lic), "DEMO-%02d", i % 8 + 1);
        const char *fn = i % 2 ? first_m[i % 10] : first_f[i % 10];
        const char *p[] = {nid, fn, last[i % 15], professions[i % 7], lic};
        if (exec_params(pg,
                        "INSERT INTO staff (national_id, first_name, last_name, profession, center_id, trainings)"
                        " SELECT $1, $2, $3, $4::staff_profession, (SELECT id FROM centers WHERE license_no = $5),"
                        " jsonb_build_array(jsonb_build_object('course', 'CBR', 'hours', 24,"
                        " 'completed_on', '2024-05-20', 'completed_on_jalali', '1403-02-31'))"
                        " ON CONFLICT DO NOTHING",
                        5, p) != 0)
            rc = CTL_FAIL;
    }
    for (int i = 0; i < 48 && rc == CTL_OK; i++) {
        char nid[11], lic[32], birth[16];
        national_id_make(200000000ULL + (uint64_t)i * 104729, nid);
        snprintf(lic, sizeof(lic), "DEMO-%02d", i % 8 + 1);
        snprintf(birth, sizeof(birth), "%d-%02d-%02d", 1935 + (i * 7) % 80, i % 12 + 1, i % 28 + 1);
        const char *sex = i % 2 ? "male" : "female";
        const char *fn = i % 2 ? first_m[(i / 2) % 10] : first_f[(i / 2) % 10];
        int dis = i % 5 != 4;
        const char *p[] = {nid, fn, last[(i * 7) % 15], birth, sex, lic,
                           dis ? dis_types[i % 8] : NULL, dis ? severities[i % 4] : NULL, needs[i % 6]};
        if (exec_params(pg,
                        "INSERT INTO clients (national_id, first_name, last_name, birth_date, sex, county_id,"
                        " center_id, disability_type, disability_severity, needs)"
                        " SELECT $1, $2, $3, $4::date, $5::client_sex, c.county_id, c.id, $7::disability_type,"
                        " $8::disability_severity, $9::text[] FROM centers c WHERE c.license_no = $6"
                        " ON CONFLICT DO NOTHING",
                        9, p) != 0)
            rc = CTL_FAIL;
    }
    if (rc == CTL_OK &&
        exec_params(pg,
                    "INSERT INTO enrollments (client_id, program_id, started_on)"
                    " SELECT c.id, p.id, date '2024-03-20' + (c.id % 90)::integer FROM clients c"
                    " JOIN programs p ON p.code = (ARRAY['cbr','housing','life_skills','elderly_care'])[c.id % 4 + 1]"
                    " WHERE c.national_id LIKE '2%' AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.client_id = c.id)",
                    0, NULL) != 0)
        rc = CTL_FAIL;

    for (size_t i = 0; i < sizeof(money_sql) / sizeof(money_sql[0]) && rc == CTL_OK; i++)
        if (exec_params(pg, money_sql[i], 0, NULL) != 0)
            rc = CTL_FAIL;

    /* users */
    static const char *const users[][3] = {
        {"demo.national", "national_admin", ""},   {"demo.viewer", "national_viewer", ""},
        {"demo.tehran", "provincial_admin", "p"},  {"demo.fars", "provincial_officer", "f"},
        {"demo.county", "county_officer", "c"},    {"demo.ngo", "ngo_submitter", "n"}};
    for (size_t i = 0; i < sizeof(users) / sizeof(users[0]) && rc == CTL_OK; i++) {
        const char *p[] = {users[i][0], hash, users[i][1], users[i][2]};
        if (exec_params(pg,
                        "INSERT INTO users (username, password_hash, role, province_code, county_id, center_id)"
                        " SELECT $1, $2, $3::user_role,"
                        " CASE $4 WHEN 'p' THEN 'IR-23' WHEN 'f' THEN 'IR-07' END,"
                        " CASE $4 WHEN 'c' THEN (SELECT min(id) FROM counties WHERE province_code = 'IR-23') END,"
                        " CASE $4 WHEN 'n' THEN (SELECT id FROM centers WHERE license_no = 'DEMO-01') END"
                        " ON CONFLICT DO NOTHING",
                        4, p) != 0)
            rc = CTL_FAIL;
    }
    if (rc == CTL_OK)
        exec_params(pg,
                    "INSERT INTO audit_log (username, role, action, entity, detail)"
                    " VALUES ('registryctl', 'system', 'seed_demo', 'registry', jsonb_build_object('centers',"
                    " (SELECT count(*) FROM centers), 'staff', (SELECT count(*) FROM staff), 'clients',"
                    " (SELECT count(*) FROM clients), 'allocations', (SELECT count(*) FROM allocations),"
                    " 'campaigns', (SELECT count(*) FROM campaigns), 'donations', (SELECT count(*) FROM donations),"
                    " 'loans', (SELECT count(*) FROM loans), 'repayments', (SELECT count(*) FROM repayments)))",
                    0, NULL);
    PGresult *r = PQexec(pg, rc == CTL_OK ? "COMMIT" : "ROLLBACK");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        rc = CTL_FAIL;
    PQclear(r);
    if (rc == CTL_OK) {
        r = PQexec(pg, "SELECT (SELECT count(*) FROM centers), (SELECT count(*) FROM staff),"
                       " (SELECT count(*) FROM clients), (SELECT count(*) FROM users WHERE username LIKE 'demo.%')");
        if (PQresultStatus(r) == PGRES_TUPLES_OK)
            printf("demo data: %s centers, %s staff, %s clients, %s demo users (password: %s)\n", PQgetvalue(r, 0, 0),
                   PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3),
                   getenv("REGISTRY_DEMO_PASSWORD") ? "from REGISTRY_DEMO_PASSWORD" : DEMO_PASSWORD);
        PQclear(r);
    }
    PQfinish(pg);
    return rc;
}
