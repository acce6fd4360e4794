/*
 * reports.c - what the national office and the directorates read:
 *   GET /api/v1/reports/summary?fiscal_year=1403[&province=IR-NN]: a row per province (or per county inside one
 *     province) in the caller's scope: centers, staff and clients (active), allocations and donations of the year.
 *     Read from running totals kept by triggers inside every writing transaction, so it is exact, never stale,
 *     and does not count millions of rows.
 *   GET /api/v1/reports/clients-by-disability[?province=]: clients by disability type, with the share over 60.
 *   GET /api/v1/reports/centers-by-type[?province=][&expiring_within_days=90]: centers by type, capacity and active
 *     clients (occupancy), licenses expired and expiring within the days asked (default 90).
 *   GET /api/v1/reports/donations-by-campaign?fiscal_year=: donations by campaign, cash and in kind.
 *   GET /api/v1/reports/overdue-loans[?province=IR-NN]: overdue loan installments today per province (or per county
 *     of one province): loans, installments, what is unpaid and the oldest due date; only places that have some.
 * All also as CSV (Accept: text/csv). A row that names a place carries its names beside its code: province_name_fa and
 * province_name_en after province, county_name_fa and county_name_en after county_id (when per county).
 *
 * A report is not a resource (no record, no writes, no page): each report's row is a row shape (describe.h) whose
 * fields give its SELECT list (their expressions over the report's FROM), its columns and its schema, with labels;
 * the query parameters are described once (report_query) and read by list.h's filter parser. What stays special:
 * the aggregate FROM/GROUP BY of each report, the fiscal year's default (this Jalali year), a province outside the
 * caller's scope being 404, and the summary's two forms (per province, or per county of one province).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/jalali.h"
#include "server/auth/authenticate.h"
#include "server/db/result.h"
#include "server/handlers/handlers.h"
#include "server/http/resource.h"

/* The query of every report. Macros, not array elements, where other reports reuse them: C (and clang) wants
 * constant initializers for a static array; gcc alone accepts another array's element. */
#define Q_FISCAL_YEAR                                                                                                  \
    {.name = "fiscal_year", .flags = DF_NOT_SELECTED, .filter = LF_JALALI_YEAR, .label_fa = "سال مالی",                \
     .label_en = "Fiscal year (Jalali)", .doc = "Jalali year (default: this year)"}
#define Q_PROVINCE                                                                                                     \
    {.name = "province", .flags = DF_NOT_SELECTED, .filter = LF_PROVINCE, .label_fa = "استان",                         \
     .label_en = "Province", .doc = "IR-NN: break down by county"}
static const field_desc report_query[] = {Q_FISCAL_YEAR, Q_PROVINCE};
#define REPORT_QUERY .query = report_query, .nquery = NCOLS(report_query), .items = true

/* A place's names beside its code (a reader of a report needs no second request to name the rows): the province's
 * after province, the county's after county_id, and absent with it when the report is per province. */
#define PLACE_NAMES(fa, en)                                                                                            \
    {.name = "province_name_fa", .expr = fa, .out = COL_TEXT, .label_fa = "نام استان",                               \
     .label_en = "Province (Persian)", .example = "\"تهران\"", .doc = "the province's Persian name"},                \
    {.name = "province_name_en", .expr = en, .out = COL_TEXT, .label_fa = "نام انگلیسی استان",                         \
     .label_en = "Province (English)", .example = "\"Tehran\"", .doc = "the province's English name"}
#define COUNTY_NAMES(fa, en)                                                                                           \
    {.name = "county_name_fa", .expr = fa, .out = COL_TEXT, .flags = DF_MAY_BE_ABSENT, .label_fa = "نام شهرستان",     \
     .label_en = "County (Persian)", .example = "\"شمیرانات\"",                                                       \
     .doc = "the county's Persian name; only when broken down by county"},                                          \
    {.name = "county_name_en", .expr = en, .out = COL_TEXT, .flags = DF_MAY_BE_ABSENT | DF_NULLABLE,                 \
     .label_fa = "نام انگلیسی شهرستان", .label_en = "County (English)", .example = "\"Shemiranat\"",                  \
     .doc = "the county's English name (null for the few without one yet); only when broken down by county"}

/* The summary over t: a province's or a county's totals (province_code, county_id, centers, staff, clients) and m,
 * the money totals of the year */
static const field_desc summary_fields[] = {
    {.name = "province", .expr = "t.province_code", .out = COL_TEXT, .label_fa = "استان", .label_en = "Province",
     .example = "\"IR-08\""},
    PLACE_NAMES("(SELECT pn.name_fa FROM provinces pn WHERE pn.code = t.province_code)",
                "(SELECT pn.name_en FROM provinces pn WHERE pn.code = t.province_code)"),
    {.name = "county_id", .column = "county_id", .out = COL_INT, .flags = DF_MAY_BE_ABSENT, .label_fa = "شهرستان",
     .label_en = "County", .example = "120", .doc = "only when broken down by county"},
    COUNTY_NAMES("(SELECT cn.name_fa FROM counties cn WHERE cn.id = t.county_id)",
                 "(SELECT cn.name_en FROM counties cn WHERE cn.id = t.county_id)"),
    {.name = "centers", .column = "centers", .out = COL_INT, .label_fa = "مراکز", .label_en = "Centers",
     .example = "42"},
    {.name = "staff", .column = "staff", .out = COL_INT, .label_fa = "کارکنان", .label_en = "Staff",
     .example = "310"},
    {.name = "clients", .column = "clients", .out = COL_INT, .label_fa = "مددجویان فعال",
     .label_en = "Active clients", .example = "5120"},
    {.name = "allocations_rials", .expr = "coalesce(m.allocations_rials, 0)", .out = COL_INT,
     .label_fa = "اعتبار تخصیصی (ریال)", .label_en = "Allocations (rials)", .example = "2500000000"},
    {.name = "donations_rials", .expr = "coalesce(m.donations_rials, 0)", .out = COL_INT,
     .label_fa = "کمک‌های مردمی (ریال)", .label_en = "Donations (rials)", .example = "150000000"},
};
static row_desc summary = {.schema = "SummaryReport", .path = "/api/v1/reports/summary", .fields = summary_fields,
                           .nfields = NCOLS(summary_fields), REPORT_QUERY};

static const field_desc disability_fields[] = {
    {.name = "disability_type", .expr = "coalesce(disability_type::text, 'none')", .out = COL_TEXT,
     .label_fa = "نوع معلولیت", .label_en = "Disability type", .example = "\"visual\""},
    {.name = "clients", .expr = "count(*)", .out = COL_INT, .label_fa = "مددجویان فعال",
     .label_en = "Active clients", .example = "830"},
    {.name = "over_60", .expr = "count(*) FILTER (WHERE birth_date <= current_date - interval '60 years')",
     .out = COL_INT, .label_fa = "بالای ۶۰ سال", .label_en = "Over 60", .example = "112"},
    {.name = "share_over_60",
     .expr = "round(count(*) FILTER (WHERE birth_date <= current_date - interval '60 years')::numeric / count(*),"
             " 4)::text",
     .out = COL_TEXT, .label_fa = "سهم بالای ۶۰ سال", .label_en = "Share over 60", .example = "\"0.1349\""},
};
static row_desc disability = {.schema = "DisabilityReport", .path = "/api/v1/reports/clients-by-disability",
                              .fields = disability_fields, .nfields = NCOLS(disability_fields), REPORT_QUERY};

/* over c, the centers, and t, their running totals */
static const field_desc center_type_fields[] = {
    {.name = "type", .expr = "c.type::text", .out = COL_TEXT, .label_fa = "نوع مرکز", .label_en = "Center type",
     .example = "\"rehabilitation_day\""},
    {.name = "centers", .expr = "count(*)", .out = COL_INT, .label_fa = "مراکز", .label_en = "Centers",
     .example = "14"},
    {.name = "capacity", .expr = "coalesce(sum(c.capacity), 0)", .out = COL_INT, .label_fa = "ظرفیت",
     .label_en = "Capacity", .example = "600"},
    {.name = "clients", .expr = "coalesce(sum(t.clients), 0)", .out = COL_INT, .label_fa = "مددجویان فعال",
     .label_en = "Active clients", .example = "512"},
    {.name = "occupancy",
     .expr = "CASE WHEN sum(c.capacity) > 0 THEN round(coalesce(sum(t.clients), 0)::numeric / sum(c.capacity), 4)"
             "::text END",
     .out = COL_TEXT, .flags = DF_NULLABLE, .label_fa = "ضریب اشغال", .label_en = "Occupancy",
     .example = "\"0.8533\""},
    {.name = "licenses_expired", .expr = "count(*) FILTER (WHERE c.license_expires_on < current_date)",
     .out = COL_INT, .label_fa = "مجوزهای منقضی", .label_en = "Licenses expired", .example = "1",
     .doc = "centers whose license expired before today"},
    {.name = "licenses_expiring",
     .expr = "count(*) FILTER (WHERE c.license_expires_on >= current_date"
             " AND c.license_expires_on <= current_date + $5::integer)",
     .out = COL_INT, .label_fa = "مجوزهای رو به انقضا", .label_en = "Licenses expiring", .example = "2",
     .doc = "centers whose license expires from today to expiring_within_days days ahead"},
};
/* the report query, and how far ahead a license counts as expiring */
#define EXPIRING_DEFAULT_DAYS "90"
#define EXPIRING_MAX_DAYS 3650
static const field_desc center_type_query[] = {
    Q_FISCAL_YEAR,
    Q_PROVINCE,
    {.name = "expiring_within_days", .flags = DF_NOT_SELECTED, .filter = LF_ID32, .label_fa = "روزهای پیش رو",
     .label_en = "Days ahead", .doc = "licenses expiring within this many days from today count as expiring "
                                      "(1 to 3650, default 90)"},
};
static row_desc center_types = {.schema = "CenterTypeReport", .path = "/api/v1/reports/centers-by-type",
                                .fields = center_type_fields, .nfields = NCOLS(center_type_fields),
                                .query = center_type_query, .nquery = NCOLS(center_type_query), .items = true};

/* over d, the donations, and c, their campaign */
static const field_desc campaign_fields[] = {
    {.name = "campaign_id", .expr = "d.campaign_id", .out = COL_INT, .flags = DF_NULLABLE, .label_fa = "کمپین",
     .label_en = "Campaign", .example = "12"},
    {.name = "campaign", .expr = "coalesce(c.name, '(no campaign)')", .out = COL_TEXT, .label_fa = "نام کمپین",
     .label_en = "Campaign's name", .example = "\"کمپین آجر به آجر\""},
    {.name = "donations", .expr = "count(*)", .out = COL_INT, .label_fa = "تعداد کمک‌ها", .label_en = "Donations",
     .example = "37"},
    {.name = "cash_rials", .expr = "coalesce(sum(d.amount_rials) FILTER (WHERE d.kind = 'cash'), 0)",
     .out = COL_INT, .label_fa = "کمک نقدی (ریال)", .label_en = "Cash (rials)", .example = "900000000"},
    {.name = "in_kind_rials", .expr = "coalesce(sum(d.amount_rials) FILTER (WHERE d.kind = 'in_kind'), 0)",
     .out = COL_INT, .label_fa = "کمک غیرنقدی (ریال)", .label_en = "In kind (rials)", .example = "350000000"},
    {.name = "total_rials", .expr = "sum(d.amount_rials)", .out = COL_INT, .label_fa = "جمع کل (ریال)",
     .label_en = "Total (rials)", .example = "1250000000"},
};
static row_desc campaigns = {.schema = "CampaignReport", .path = "/api/v1/reports/donations-by-campaign",
                             .fields = campaign_fields, .nfields = NCOLS(campaign_fields), REPORT_QUERY};

/* over od, the overdue installments (with what is unpaid of each); $5 true: per county */
static const field_desc overdue_fields[] = {
    {.name = "province", .expr = "od.province_code", .out = COL_TEXT, .label_fa = "استان", .label_en = "Province",
     .example = "\"IR-08\""},
    /* grouped by place: each group's one place, taken by min() */
    PLACE_NAMES("(SELECT pn.name_fa FROM provinces pn WHERE pn.code = min(od.province_code))",
                "(SELECT pn.name_en FROM provinces pn WHERE pn.code = min(od.province_code))"),
    {.name = "county_id", .expr = "CASE WHEN $5::boolean THEN od.county_id END", .out = COL_INT,
     .flags = DF_MAY_BE_ABSENT, .label_fa = "شهرستان", .label_en = "County", .example = "120",
     .doc = "only when broken down by county"},
    COUNTY_NAMES("CASE WHEN $5::boolean THEN (SELECT cn.name_fa FROM counties cn WHERE cn.id = min(od.county_id)) END",
                 "CASE WHEN $5::boolean THEN (SELECT cn.name_en FROM counties cn WHERE cn.id = min(od.county_id)) END"),
    {.name = "loans", .expr = "count(DISTINCT od.loan_id)", .out = COL_INT, .label_fa = "وام‌های دارای قسط معوق",
     .label_en = "Loans overdue", .example = "7"},
    {.name = "installments", .expr = "count(*)", .out = COL_INT, .label_fa = "اقساط معوق",
     .label_en = "Installments overdue", .example = "15"},
    {.name = "unpaid_rials", .expr = "sum(od.unpaid)", .out = COL_INT, .label_fa = "مبلغ معوق (ریال)",
     .label_en = "Unpaid (rials)", .example = "375000000"},
    {.name = "oldest_due_on", .expr = "min(od.due_on)", .out = COL_DATE, .label_fa = "قدیمی‌ترین سررسید",
     .label_en = "Oldest due date", .example = "\"2025-06-21\""},
};
static const field_desc overdue_query[] = {Q_PROVINCE};
static row_desc overdue = {.schema = "OverdueLoansReport", .path = "/api/v1/reports/overdue-loans",
                           .fields = overdue_fields, .nfields = NCOLS(overdue_fields), .query = overdue_query,
                           .nquery = NCOLS(overdue_query), .items = true};

static int stmt_by_province, stmt_by_county, stmt_disability, stmt_center_types, stmt_campaigns, stmt_overdue;
static col_spec *overdue_province_cols;     /* the overdue report per province: without county_id */
static col_spec *province_cols;     /* the summary per province: without county_id */
static int q_year, q_province;      /* positions of the report query's filters */

/* "SELECT <the report's fields> <rest>" registered as name */
static int report_stmt(const char *name, const row_desc *d, const char *rest)
{
    strbuf sb = STRBUF_INIT;
    strbuf_printf(&sb, "SELECT %s %s", d->select_sql, rest);
    int id = db_stmt_register(name, sb.data);
    strbuf_free(&sb);
    return id;
}

void reports_init(void)
{
    describe_rows_init(&summary);
    describe_rows_init(&disability);
    describe_rows_init(&center_types);
    describe_rows_init(&campaigns);
    describe_rows_init(&overdue);
    province_cols = calloc((size_t)summary.ncols, sizeof(*province_cols));
    memcpy(province_cols, summary.cols, (size_t)summary.ncols * sizeof(*province_cols));
    province_cols[res_col(summary.cols, summary.ncols, "county_id")].type = COL_HIDDEN;
    province_cols[res_col(summary.cols, summary.ncols, "county_name_fa")].type = COL_HIDDEN;
    province_cols[res_col(summary.cols, summary.ncols, "county_name_en")].type = COL_HIDDEN;
    overdue_province_cols = calloc((size_t)overdue.ncols, sizeof(*overdue_province_cols));
    memcpy(overdue_province_cols, overdue.cols, (size_t)overdue.ncols * sizeof(*overdue_province_cols));
    overdue_province_cols[res_col(overdue.cols, overdue.ncols, "county_id")].type = COL_HIDDEN;
    overdue_province_cols[res_col(overdue.cols, overdue.ncols, "county_name_fa")].type = COL_HIDDEN;
    overdue_province_cols[res_col(overdue.cols, overdue.ncols, "county_name_en")].type = COL_HIDDEN;
    for (int i = 0; i < summary.nfilters; i++) {
        if (!strcmp(summary.filters[i].name, "fiscal_year"))
            q_year = i;
        if (!strcmp(summary.filters[i].name, "province"))
            q_province = i;
    }

    /* the province's totals summed from its counties', as t */
    stmt_by_province = report_stmt(
        "report_summary_provinces", &summary,
        "FROM (SELECT p.code AS province_code, NULL::integer AS county_id, coalesce(c.centers, 0) AS centers,"
        " coalesce(c.staff, 0) AS staff, coalesce(c.clients, 0) AS clients FROM provinces p"
        " LEFT JOIN (SELECT province_code, sum(centers) AS centers, sum(staff) AS staff, sum(clients) AS clients"
        "  FROM county_totals GROUP BY province_code) c ON c.province_code = p.code) t"
        " LEFT JOIN money_totals m ON m.fiscal_year = $1::integer AND m.province_code = t.province_code"
        " AND m.county_id = 0"
        " WHERE ($2::text IS NULL OR t.province_code = $2) ORDER BY t.province_code");
    stmt_by_county = report_stmt(
        "report_summary_counties", &summary,
        "FROM county_totals t LEFT JOIN money_totals m ON m.fiscal_year = $1::integer"
        " AND m.province_code = t.province_code AND m.county_id = t.county_id"
        " WHERE t.province_code = $2 AND ($3::integer IS NULL OR t.county_id = $3::integer) ORDER BY t.county_id");
    /* the rest: $1-$3 the caller's scope, $4 ?province=, $5 the fiscal year (centers by type: the days ahead) */
    stmt_disability = report_stmt(
        "report_clients_by_disability", &disability,
        "FROM clients WHERE status = 'active'"
        " AND ($1::text IS NULL OR province_code = $1) AND ($2::integer IS NULL OR county_id = $2::integer)"
        " AND ($3::bigint IS NULL OR center_id = $3::bigint) AND ($4::text IS NULL OR province_code = $4)"
        " GROUP BY 1 ORDER BY 1");
    stmt_center_types = report_stmt(
        "report_centers_by_type", &center_types,
        "FROM centers c LEFT JOIN center_totals t ON t.center_id = c.id WHERE c.status <> 'closed'"
        " AND ($1::text IS NULL OR c.province_code = $1) AND ($2::integer IS NULL OR c.county_id = $2::integer)"
        " AND ($3::bigint IS NULL OR c.id = $3::bigint) AND ($4::text IS NULL OR c.province_code = $4)"
        " GROUP BY c.type ORDER BY c.type");
    stmt_campaigns = report_stmt(
        "report_donations_by_campaign", &campaigns,
        "FROM donations d LEFT JOIN campaigns c ON c.id = d.campaign_id"
        " WHERE d.fiscal_year = $5::integer"
        " AND ($1::text IS NULL OR d.province_code = $1) AND ($2::integer IS NULL OR d.county_id = $2::integer)"
        " AND ($3::bigint IS NULL OR d.center_id = $3::bigint) AND ($4::text IS NULL OR d.province_code = $4)"
        " GROUP BY d.campaign_id, c.name ORDER BY total_rials DESC");
    /* an installment is overdue as in GET /loans/overdue (loans.c): due before today, and what was repaid does not
     * cover it and those before it; unpaid is its part not covered */
    stmt_overdue = report_stmt(
        "report_overdue_loans", &overdue,
        "FROM (SELECT inst.loan_id, inst.due_on, inst.province_code, inst.county_id,"
        "  least(inst.amount_rials, inst.due_so_far - coalesce(paid.repaid, 0)) AS unpaid"
        " FROM (SELECT i.loan_id, i.due_on, i.amount_rials, i.province_code, i.county_id,"
        "   sum(i.amount_rials) OVER (PARTITION BY i.loan_id ORDER BY i.n) AS due_so_far"
        "  FROM loan_installments i JOIN loans l ON l.id = i.loan_id"
        "  WHERE l.status = 'active' AND i.due_on < current_date"
        "  AND ($1::text IS NULL OR i.province_code = $1) AND ($2::integer IS NULL OR i.county_id = $2::integer)"
        "  AND ($3::bigint IS NULL OR i.center_id = $3::bigint) AND ($4::text IS NULL OR i.province_code = $4)) inst"
        /* what each listed loan got back, by repayments_loan_idx: summing every repayment the caller may see and
         * joining after would read the whole table for one county's report */
        " LEFT JOIN LATERAL (SELECT sum(r.amount_rials) AS repaid FROM repayments r WHERE r.loan_id = inst.loan_id) paid"
        "  ON true"
        " WHERE inst.due_so_far > coalesce(paid.repaid, 0)) od"
        " GROUP BY 1, 4 ORDER BY 1, 4");     /* province, county_id */
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
    int n = db_nrows(r);
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
    if (req_job_ok(rc, job))
        reply_items(rc, job->res[1], rc->state, summary.ncols);
}

/* ?fiscal_year= (default: this year) and ?province= within the caller's scope, through list.h's filter parser.
 * Returns false after replying. *province is the province to break down by county, or NULL for the per-province
 * form. */
static bool report_params(req_ctx *rc, const row_desc *d, const char **year, const char **province)
{
    field_errors fe = {0};
    const char *y = list_filter_value(rc, &d->filters[q_year], &fe);
    *year = y ? y : arena_sprintf(rc->arena, "%d", current_fiscal_year());
    *province = list_filter_value(rc, &d->filters[q_province], &fe);
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
    if (!report_params(rc, &summary, &year, &province))
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
        rc->state = (void *)summary.cols;
    } else {
        db_query *q = db_job_add(&rc->job, stmt_by_province);
        db_query_param(q, year);
        db_query_param(q, level == 1 ? rc->who.province : NULL);
        rc->state = province_cols;
    }
    rc->job.retry_safe = true;
    req_db_submit(rc, summary_done);
}

static void breakdown_done(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    const row_desc *d = rc->state;
    if (req_job_ok(rc, job))
        reply_items(rc, job->res[1], d->cols, d->ncols);
}

/* extra: NULL, or "" for the fiscal year as $5, or another value as $5 */
static void breakdown(req_ctx *rc, int stmt, const row_desc *d, const char *extra)
{
    const char *year, *province;
    if (!report_params(rc, d, &year, &province))
        return;
    req_job_begin(rc, true);
    db_query *q = db_job_add(&rc->job, stmt);
    /* the caller's scope, explicitly (row-level security applies as well) */
    resource_scope_params(rc, q);
    db_query_param(q, province);
    if (extra)
        db_query_param(q, *extra ? extra : year);
    rc->state = (void *)d;
    rc->job.retry_safe = true;
    req_db_submit(rc, breakdown_done);
}

void handle_report_disability(req_ctx *rc) { breakdown(rc, stmt_disability, &disability, NULL); }
void handle_report_campaigns(req_ctx *rc) { breakdown(rc, stmt_campaigns, &campaigns, ""); }

void handle_report_center_types(req_ctx *rc)
{
    field_errors fe = {0};
    const char *days = list_filter_value(rc, &center_types.filters[2], &fe);
    if (!fe.list && days && atol(days) > EXPIRING_MAX_DAYS)
        field_error_coded(&fe, "expiring_within_days", "range", "روزهای پیش رو باید از ۱ تا ۳۶۵۰ باشد.",
                          "must be from 1 to 3650");
    if (fe.list) {
        reply_problem_fields(rc, 400, "Invalid query parameter.", &fe);
        return;
    }
    breakdown(rc, stmt_center_types, &center_types, days ? days : EXPIRING_DEFAULT_DAYS);
}

static void overdue_done(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (req_job_ok(rc, job))
        reply_items(rc, job->res[1], rc->state, overdue.ncols);
}

void handle_report_overdue_loans(req_ctx *rc)
{
    field_errors fe = {0};
    const char *province = list_filter_value(rc, &overdue.filters[0], &fe);
    if (fe.list) {
        reply_problem_fields(rc, 400, "Invalid query parameter.", &fe);
        return;
    }
    int level = role_level(rc->who.role);
    if (province && level >= 1 && strcmp(province, rc->who.province) != 0) {
        reply_problem(rc, 404, "No such province in your scope.");
        return;
    }
    /* as the summary: per province for the nation's and a province's staff, per county inside one province, and
     * always per county below the province (a county officer's, a center's) */
    bool by_county = province || level >= 2;
    req_job_begin(rc, true);
    db_query *q = db_job_add(&rc->job, stmt_overdue);
    resource_scope_params(rc, q);
    db_query_param(q, province);
    db_query_param(q, by_county ? "true" : "false");
    rc->state = by_county ? (void *)overdue.cols : overdue_province_cols;
    rc->job.retry_safe = true;
    req_db_submit(rc, overdue_done);
}
