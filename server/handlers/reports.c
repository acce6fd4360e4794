/*
 * reports.c - what the national office and the directorates read:
 *   GET /api/v1/reports/summary?fiscal_year=1403[&province=IR-NN]: a row per province (or per county inside one
 *     province) in the caller's scope: centers, staff and clients (active), allocations and donations of the year.
 *     Read from running totals kept by triggers inside every writing transaction, so it is exact, never stale,
 *     and does not count millions of rows.
 *   GET /api/v1/reports/clients-by-disability[?province=]: clients by disability type, with the share over 60.
 *   GET /api/v1/reports/centers-by-type[?province=]: centers by type, capacity and active clients (occupancy).
 *   GET /api/v1/reports/donations-by-campaign?fiscal_year=: donations by campaign, cash and in kind.
 * All also as CSV (Accept: text/csv).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/digits.h"
#include "common/jalali.h"
#include "server/auth/authenticate.h"
#include "server/handlers/handlers.h"
#include "server/http/encode.h"
#include "server/http/request.h"

static int stmt_by_province, stmt_by_county, stmt_disability, stmt_center_types, stmt_campaigns;

static const col_spec province_cols[] = {{"province", COL_TEXT}, {"county_id", COL_HIDDEN},
                                         {"centers", COL_INT},   {"staff", COL_INT},
                                         {"clients", COL_INT},   {"allocations_rials", COL_INT},
                                         {"donations_rials", COL_INT}};
static const col_spec county_cols[] = {{"province", COL_TEXT}, {"county_id", COL_INT},
                                       {"centers", COL_INT},   {"staff", COL_INT},
                                       {"clients", COL_INT},   {"allocations_rials", COL_INT},
                                       {"donations_rials", COL_INT}};
static const col_spec disability_cols[] = {{"disability_type", COL_TEXT}, {"clients", COL_INT},
                                           {"over_60", COL_INT},           {"share_over_60", COL_TEXT}};
static const col_spec center_type_cols[] = {{"type", COL_TEXT}, {"centers", COL_INT}, {"capacity", COL_INT},
                                            {"clients", COL_INT}, {"occupancy", COL_TEXT}};
static const col_spec campaign_cols[] = {{"campaign_id", COL_INT},   {"campaign", COL_TEXT},
                                         {"donations", COL_INT},     {"cash_rials", COL_INT},
                                         {"in_kind_rials", COL_INT}, {"total_rials", COL_INT}};

void reports_init(void)
{
    stmt_by_province = db_stmt_register(
        "report_summary_provinces",
        "SELECT p.code, NULL::integer, coalesce(c.centers, 0), coalesce(c.staff, 0), coalesce(c.clients, 0),"
        " coalesce(m.allocations_rials, 0), coalesce(m.donations_rials, 0)"
        " FROM provinces p"
        " LEFT JOIN (SELECT province_code, sum(centers) AS centers, sum(staff) AS staff, sum(clients) AS clients"
        "  FROM county_totals GROUP BY province_code) c ON c.province_code = p.code"
        " LEFT JOIN money_totals m ON m.fiscal_year = $1::integer AND m.province_code = p.code AND m.county_id = 0"
        " WHERE ($2::text IS NULL OR p.code = $2) ORDER BY p.code");
    stmt_by_county = db_stmt_register(
        "report_summary_counties",
        "SELECT t.province_code, t.county_id, t.centers, t.staff, t.clients,"
        " coalesce(m.allocations_rials, 0), coalesce(m.donations_rials, 0)"
        " FROM county_totals t LEFT JOIN money_totals m ON m.fiscal_year = $1::integer"
        " AND m.province_code = t.province_code AND m.county_id = t.county_id"
        " WHERE t.province_code = $2 AND ($3::integer IS NULL OR t.county_id = $3::integer) ORDER BY t.county_id");
    stmt_disability = db_stmt_register(
        "report_clients_by_disability",
        "SELECT coalesce(disability_type::text, 'none'), count(*),"
        " count(*) FILTER (WHERE birth_date <= current_date - interval '60 years'),"
        " round(count(*) FILTER (WHERE birth_date <= current_date - interval '60 years')::numeric / count(*), 4)::text"
        " FROM clients WHERE status = 'active'"
        " AND ($1::text IS NULL OR province_code = $1) AND ($2::integer IS NULL OR county_id = $2::integer)"
        " AND ($3::bigint IS NULL OR center_id = $3::bigint) AND ($4::text IS NULL OR province_code = $4)"
        " GROUP BY 1 ORDER BY 1");
    stmt_center_types = db_stmt_register(
        "report_centers_by_type",
        "SELECT c.type::text, count(*), coalesce(sum(c.capacity), 0), coalesce(sum(t.clients), 0),"
        " CASE WHEN sum(c.capacity) > 0 THEN round(coalesce(sum(t.clients), 0)::numeric / sum(c.capacity), 4)::text END"
        " FROM centers c LEFT JOIN center_totals t ON t.center_id = c.id WHERE c.status <> 'closed'"
        " AND ($1::text IS NULL OR c.province_code = $1) AND ($2::integer IS NULL OR c.county_id = $2::integer)"
        " AND ($3::bigint IS NULL OR c.id = $3::bigint) AND ($4::text IS NULL OR c.province_code = $4)"
        " GROUP BY c.type ORDER BY c.type");
    stmt_campaigns = db_stmt_register(
        "report_donations_by_campaign",
        "SELECT d.campaign_id, coalesce(c.name, '(no campaign)'), count(*),"
        " coalesce(sum(d.amount_rials) FILTER (WHERE d.kind = 'cash'), 0),"
        " coalesce(sum(d.amount_rials) FILTER (WHERE d.kind = 'in_kind'), 0), sum(d.amount_rials)"
        " FROM donations d LEFT JOIN campaigns c ON c.id = d.campaign_id"
        " WHERE d.fiscal_year = $5::integer"
        " AND ($1::text IS NULL OR d.province_code = $1) AND ($2::integer IS NULL OR d.county_id = $2::integer)"
        " AND ($3::bigint IS NULL OR d.center_id = $3::bigint) AND ($4::text IS NULL OR d.province_code = $4)"
        " GROUP BY d.campaign_id, c.name ORDER BY 6 DESC");
}

/* The Jalali year today, for a report asked without ?fiscal_year=. */
static int current_fiscal_year(void)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    ymd g = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday}, j;
    return gregorian_to_jalali(g, &j) == 0 ? j.y : 1400;
}

static void reply_items(req_ctx *rc, const PGresult *r, const col_spec *cols, int ncols)
{
    strbuf sb = STRBUF_INIT;
    int n = PQntuples(r);
    if (rc->want_csv) {
        encode_list_csv(&sb, r, n, cols, ncols);
        reply_strbuf(rc, 200, "text/csv; charset=utf-8", &sb);
        return;
    }
    strbuf_puts(&sb, "{\"items\":[");
    for (int i = 0; i < n; i++) {
        if (i)
            strbuf_putc(&sb, ',');
        encode_row_json(&sb, r, i, cols, ncols);
    }
    strbuf_puts(&sb, "]}");
    reply_strbuf(rc, 200, "application/json", &sb);
}

static void summary_done(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (!req_job_ok(rc, job))
        return;
    bool per_county = rc->state != NULL;
    reply_items(rc, job->res[1], per_county ? county_cols : province_cols, NCOLS(county_cols));
}

/* ?fiscal_year= (digits in any script; default: this year) and ?province= within the caller's scope. Returns false
 * after replying. *province is the province to break down by county, or NULL for the per-province form. */
static bool report_params(req_ctx *rc, const char **year, const char **province)
{
    field_errors fe = {0};
    const char *y = req_query(rc, "fiscal_year");
    int64_t v = current_fiscal_year();
    if (y && (parse_int64_digits(y, &v) != 0 || v < 1300 || v > 1500))
        field_error(&fe, "fiscal_year", "must be a Jalali year such as 1403");
    *year = arena_sprintf(rc->arena, "%lld", (long long)v);
    const char *p = req_query(rc, "province");
    *province = NULL;
    if (p && !(*province = req_province_code(rc, p)))
        field_error(&fe, "province", "must be a province code such as IR-08");
    if (fe.list) {
        reply_problem_fields(rc, 400, "Invalid query parameter.", &fe);
        return false;
    }
    int level = role_level(rc->who.role);
    if (*province && level >= 1 && strcmp(*province, rc->who.province) != 0) {
        reply_problem(rc, 404, "No such province in your scope.");
        return false;
    }
    return true;
}

void handle_report_summary(req_ctx *rc)
{
    const char *year, *province;
    if (!report_params(rc, &year, &province))
        return;
    int level = role_level(rc->who.role);
    if (level >= 3) {
        req_deny(rc, "The summary report is for officers and admins.");
        return;
    }
    req_job_begin(rc, true);
    /* a county officer sees its county's row; a province's staff their province, or its counties */
    if (province || level == 2) {
        db_query *q = db_job_add(&rc->job, stmt_by_county);
        db_query_param(q, year);
        db_query_param(q, level == 2 ? rc->who.province : province);
        db_query_param(q, level == 2 ? arena_sprintf(rc->arena, "%d", rc->who.county_id) : NULL);
        rc->state = (void *)1;
    } else {
        db_query *q = db_job_add(&rc->job, stmt_by_province);
        db_query_param(q, year);
        db_query_param(q, level == 1 ? rc->who.province : NULL);
    }
    rc->job.retry_safe = true;
    req_db_submit(rc, summary_done);
}

static void breakdown_done(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (!req_job_ok(rc, job))
        return;
    const col_spec *cols = rc->state;
    int n = cols == disability_cols ? NCOLS(disability_cols)
                                    : cols == center_type_cols ? NCOLS(center_type_cols) : NCOLS(campaign_cols);
    reply_items(rc, job->res[1], cols, n);
}

static void breakdown(req_ctx *rc, int stmt, const col_spec *cols, bool with_year)
{
    const char *year, *province;
    if (!report_params(rc, &year, &province))
        return;
    req_job_begin(rc, true);
    db_query *q = db_job_add(&rc->job, stmt);
    /* the caller's scope, explicitly (row-level security applies as well) */
    int level = role_level(rc->who.role);
    db_query_param(q, level == 1 ? rc->who.province : NULL);
    db_query_param(q, level == 2 ? arena_sprintf(rc->arena, "%d", rc->who.county_id) : NULL);
    db_query_param(q, level == 3 ? arena_sprintf(rc->arena, "%lld", (long long)rc->who.center_id) : NULL);
    db_query_param(q, province);
    if (with_year)
        db_query_param(q, year);
    rc->state = (void *)cols;
    rc->job.retry_safe = true;
    req_db_submit(rc, breakdown_done);
}

void handle_report_disability(req_ctx *rc) { breakdown(rc, stmt_disability, disability_cols, false); }
void handle_report_center_types(req_ctx *rc) { breakdown(rc, stmt_center_types, center_type_cols, false); }
void handle_report_campaigns(req_ctx *rc) { breakdown(rc, stmt_campaigns, campaign_cols, true); }
