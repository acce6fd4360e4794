/*
 * loans.c - microfinance in community-based rehabilitation: /api/v1/loans (with its schedule, made on creation:
 * equal installments a Jalali month apart, the remainder on the last, summing exactly to the loan; shown as stored,
 * or, in the reply to the loan's creation, whose statement cannot see the rows its trigger adds, as computed by
 * the same loan_schedule() that stored them), repayments
 * (/api/v1/loans/{id}/repayments; never more than is owed, and a loan paid in full is marked repaid), and the
 * overdue installments of a county (/api/v1/loans/overdue).
 */
#include <stdlib.h>
#include <time.h>

#include "common/jalali.h"
#include "server/db/result.h"
#include "server/handlers/handlers.h"
#include "server/http/resource.h"

static const char *const statuses[] = {"active", "repaid", "written_off", NULL};

#define SCHEDULE_OF(from)                                                                                            \
    "(SELECT jsonb_agg(jsonb_build_object('n', s.n, 'due_on', s.due_on, 'amount_rials', s.amount_rials)"          \
    " ORDER BY s.n) FROM " from ")"
#define REPAID "(SELECT coalesce(sum(r.amount_rials), 0) FROM repayments r WHERE r.loan_id = t.id)"

/* A loan, field by field (describe.h). Its terms are fixed once made; what changes is its status (e.g. written
 * off). Its place is its client's (set by the database). */
static const field_desc loan_fields[] = {
    {.name = "id", .column = "id", .out = COL_INT, .label_fa = "شناسه", .label_en = "Id", .example = "88"},
    {.name = "client_id", .column = "client_id", .in = F_INT, .out = COL_INT, .sqltype = "bigint", .min = 1,
     .max = INT64_MAX, .flags = DF_CREATE | DF_REQUIRED_CREATE | DF_LIST_PARENT, .filter = LF_ID,
     .label_fa = "مددجو", .label_en = "Client", .example = "1042"},
    {.name = "amount_rials", .column = "amount_rials", .in = F_INT, .out = COL_INT, .sqltype = "bigint", .min = 1,
     .max = INT64_MAX, .flags = DF_CREATE | DF_REQUIRED_CREATE, .label_fa = "مبلغ وام (ریال)",
     .label_en = "Amount (rials)", .example = "300000000"},
    {.name = "installments", .column = "installments", .in = F_INT, .out = COL_INT, .sqltype = "integer", .min = 1,
     .max = 120, .flags = DF_CREATE | DF_REQUIRED_CREATE, .label_fa = "تعداد اقساط", .label_en = "Installments",
     .example = "12", .doc = "one a Jalali month, each on first_due_on's Jalali day of the month (the month's last "
                             "day when it is shorter)"},
    {.name = "first_due_on", .column = "first_due_on", .in = F_DATE, .out = COL_DATE, .sqltype = "date",
     .flags = DF_CREATE, .label_fa = "سررسید نخستین قسط", .label_en = "First installment due on",
     .example = "\"2025-04-21\"",
     .doc = "default: the first day of the next Jalali month after today (Iran time)"},
    {.name = "status", .column = "status", .in = F_ENUM, .out = COL_TEXT, .sqltype = "loan_status",
     .choices = statuses, .flags = DF_UPDATE | DF_REQUIRED_UPDATE, .default_sql = "'active'", .filter = LF_ENUM,
     .label_fa = "وضعیت وام", .label_en = "Status", .example = "\"active\"",
     .doc = "repaid exactly when nothing is owed (set by repayments); otherwise active or written_off",
     .write_schema = "{\"type\":\"string\",\"enum\":[\"active\",\"written_off\"],\"description\":\"only while money "
                     "is owed: write a loan off, or take the write-off back; repaid follows the repayments (422 "
                     "naming status otherwise)\"}"},
    DESC_PLACE_FOLLOWED(LF_ID),   /* the client's */
    {.name = "schedule",
     .expr = "coalesce(" SCHEDULE_OF("loan_installments s WHERE s.loan_id = t.id") ", " SCHEDULE_OF(
         "loan_schedule(t.amount_rials, t.installments, t.first_due_on) s") ")",
     .out = COL_JSON, .label_fa = "جدول اقساط", .label_en = "Schedule",
     .example = "[{\"n\": 1, \"due_on\": \"2025-04-21\", \"amount_rials\": 25000000}]",
     .schema = "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\","
               "\"example\":1},\"due_on\":{\"type\":\"string\",\"format\":\"date\",\"example\":\"2025-04-21\"},"
               "\"amount_rials\":{\"type\":\"integer\",\"example\":25000000}},"
               "\"required\":[\"n\",\"due_on\",\"amount_rials\"],\"additionalProperties\":false}}"},
    {.name = "repaid_rials", .expr = REPAID, .out = COL_INT, .label_fa = "بازپرداخت‌شده (ریال)",
     .label_en = "Repaid (rials)", .example = "50000000"},
    {.name = "outstanding_rials", .expr = "t.amount_rials - " REPAID, .out = COL_INT, .label_fa = "مانده (ریال)",
     .label_en = "Outstanding (rials)", .example = "250000000"},
    DESC_RECORD_TAIL,
};

/* What the description cannot say: the first installment's default date */
static void loan_build(req_ctx *rc, json_object *body, bool partial, const char *parent_id, json_object *values,
                       field_errors *fe)
{
    if (!partial && !json_object_object_get_ex(values, "first_due_on", NULL)) {
        /* not given: the first day of the next Jalali month after today in Iran (UTC+03:30, no daylight saving
         * since 2022) */
        ymd today = days_to_gregorian(((int64_t)time(NULL) + 3 * 3600 + 30 * 60) / 86400), first;
        char iso[11];
        if (jalali_next_month_start(today, &first) == 0) {
            date_format(first, iso);
            json_object_object_add(values, "first_due_on", json_object_new_string(iso));
        }
    }
    (void)rc;
    (void)body;
    (void)parent_id;
    (void)fe;
}

static resource loans = {
    .name = "loan",
    .table = "loans",
    .fields = loan_fields,
    .nfields = NCOLS(loan_fields),
    .schema = "Loan",
    .build = loan_build,
    .audit_reads = true,
    .path = "/api/v1/loans",
};

/* A repayment (POST /loans/{id}/repayments: its loan is the path's) */
static const field_desc repayment_fields[] = {
    {.name = "id", .column = "id", .out = COL_INT, .label_fa = "شناسه", .label_en = "Id", .example = "402"},
    {.name = "loan_id", .column = "loan_id", .out = COL_INT, .sqltype = "bigint", .flags = DF_STORED,
     .label_fa = "وام", .label_en = "Loan", .example = "88"},
    {.name = "amount_rials", .column = "amount_rials", .in = F_INT, .out = COL_INT, .sqltype = "bigint", .min = 1,
     .max = INT64_MAX, .flags = DF_WRITE | DF_REQUIRED, .label_fa = "مبلغ قسط پرداختی (ریال)",
     .label_en = "Amount (rials)", .example = "25000000", .doc = "never more than is owed"},
    {.name = "paid_on", .column = "paid_on", .in = F_DATE, .out = COL_DATE, .sqltype = "date",
     .flags = DF_WRITE | DF_REQUIRED, .label_fa = "تاریخ پرداخت", .label_en = "Paid on",
     .example = "\"2025-04-20\""},
    DESC_PLACE_FOLLOWED(LF_NONE), /* the loan's */
    DESC_RECORD_TAIL,
};

static void repayment_build(req_ctx *rc, json_object *body, bool partial, const char *parent_id,
                            json_object *values, field_errors *fe)
{
    if (parent_id)
        json_object_object_add(values, "loan_id", json_object_new_int64(atoll(parent_id)));
    (void)rc;
    (void)body;
    (void)partial;
    (void)fe;
}

static resource repayments = {
    .name = "repayment",
    .table = "repayments",
    .fields = repayment_fields,
    .nfields = NCOLS(repayment_fields),
    .schema = "Repayment",
    .build = repayment_build,
    .audit_reads = true,
    .path = "/api/v1/repayments",
};

/* An overdue installment: not a record of its own but a row of a query over a loan's installments and repayments
 * (inst: the installments with what was due so far, l: its loan, paid: what was repaid); its fields give the
 * SELECT, the columns, the filters and the schema (describe.h, row_desc). */
static const field_desc overdue_fields[] = {
    {.name = "loan_id", .expr = "inst.loan_id", .out = COL_INT, .label_fa = "وام", .label_en = "Loan",
     .example = "88"},
    {.name = "client_id", .expr = "l.client_id", .out = COL_INT, .label_fa = "مددجو", .label_en = "Client",
     .example = "1042"},
    {.name = "n", .expr = "inst.n", .out = COL_INT, .label_fa = "شماره قسط", .label_en = "Installment",
     .example = "3"},
    {.name = "due_on", .expr = "inst.due_on", .out = COL_DATE, .label_fa = "سررسید", .label_en = "Due on",
     .example = "\"2025-06-21\""},
    {.name = "amount_rials", .expr = "inst.amount_rials", .out = COL_INT, .label_fa = "مبلغ قسط (ریال)",
     .label_en = "Amount (rials)", .example = "25000000"},
    {.name = "unpaid_rials", .expr = "least(inst.amount_rials, inst.due_so_far - coalesce(paid.repaid, 0))",
     .out = COL_INT, .label_fa = "پرداخت‌نشده (ریال)", .label_en = "Unpaid (rials)", .example = "25000000"},
    {.name = "province", .expr = "inst.province_code", .out = COL_TEXT, .filter = LF_PROVINCE,
     .label_fa = "استان", .label_en = "Province", .example = "\"IR-08\""},
    {.name = "county_id", .expr = "inst.county_id", .out = COL_INT, .flags = DF_NULLABLE, .filter = LF_ID,
     .label_fa = "شهرستان", .label_en = "County", .example = "120"},
    {.name = "center_id", .expr = "inst.center_id", .out = COL_INT, .flags = DF_NULLABLE, .label_fa = "مرکز",
     .label_en = "Center", .example = "17"},
};
static row_desc overdue = {
    .schema = "OverdueInstallment",
    .path = "/api/v1/loans/overdue",
    .fields = overdue_fields,
    .nfields = NCOLS(overdue_fields),
};

static int stmt_loan_visible, stmt_repayments, stmt_overdue;
static int overdue_key[2];      /* loan_id, n: the sort key, in the cursor */
static const char *overdue_filter_names[LIST_MAX_FILTERS];  /* for the list's audit record */

void loans_init(void)
{
    resource_init(&loans);
    resource_init(&repayments);
    describe_rows_init(&overdue);
    stmt_loan_visible = db_stmt_register("loan_visible",
                                         "SELECT province_code, county_id, center_id FROM loans WHERE id = $1::bigint");
    strbuf sb = STRBUF_INIT;
    strbuf_printf(&sb, "SELECT %s FROM repayments t WHERE t.loan_id = $1::bigint"
                       " AND ($2::bigint IS NULL OR t.id > $2::bigint)"
                       " AND ($4::timestamptz IS NULL OR t.updated_at >= $4::timestamptz) ORDER BY t.id LIMIT $3",
                  repayments.read_sql);
    stmt_repayments = db_stmt_register("repayment_children", sb.data);
    strbuf_free(&sb);
    /* an installment is overdue when it fell due before today and what was repaid does not cover it and those
     * before it; $1-$3 the caller's scope, $4-$5 the filters (province, county_id), keyset on (loan_id, n) */
    strbuf_printf(
        &sb,
        "WITH inst AS (SELECT i.loan_id, i.n, i.due_on, i.amount_rials, i.province_code, i.county_id, i.center_id,"
        " sum(i.amount_rials) OVER (PARTITION BY i.loan_id ORDER BY i.n) AS due_so_far"
        " FROM loan_installments i JOIN loans l ON l.id = i.loan_id"
        " WHERE l.status = 'active' AND i.due_on < current_date"
        " AND ($1::text IS NULL OR i.province_code = $1) AND ($2::integer IS NULL OR i.county_id = $2::integer)"
        " AND ($3::bigint IS NULL OR i.center_id = $3::bigint)"
        " AND ($4::text IS NULL OR i.province_code = $4) AND ($5::integer IS NULL OR i.county_id = $5::integer)),"
        " paid AS (SELECT r.loan_id, sum(r.amount_rials) AS repaid FROM repayments r"
        " WHERE r.loan_id IN (SELECT loan_id FROM inst) GROUP BY r.loan_id)"
        " SELECT %s FROM inst JOIN loans l ON l.id = inst.loan_id LEFT JOIN paid ON paid.loan_id = inst.loan_id"
        " WHERE inst.due_so_far > coalesce(paid.repaid, 0)"
        " AND ($6::bigint IS NULL OR (inst.loan_id, inst.n) > ($6::bigint, $7::integer))"
        " ORDER BY inst.loan_id, inst.n LIMIT $8",
        overdue.select_sql);
    stmt_overdue = db_stmt_register("loan_overdue", sb.data);
    strbuf_free(&sb);
    overdue_key[0] = res_col(overdue.cols, overdue.ncols, "loan_id");
    overdue_key[1] = res_col(overdue.cols, overdue.ncols, "n");
    for (int i = 0; i < overdue.nfilters; i++)
        overdue_filter_names[i] = overdue.filters[i].name;
}

void handle_loans_get(req_ctx *rc) { resource_get(rc, &loans); }
void handle_loans_create(req_ctx *rc) { resource_create(rc, &loans, NULL); }
void handle_loans_patch(req_ctx *rc) { resource_patch(rc, &loans); }
/* audited; with ?client_id= as a read of that client (DF_LIST_PARENT) */
void handle_loans_list(req_ctx *rc) { resource_list(rc, &loans); }

/* Where a repayment's 201 points: one repayment, scoped and audited like its loan's reads */
void handle_repayments_get(req_ctx *rc) { resource_get(rc, &repayments); }

void handle_loan_repayments_create(req_ctx *rc)
{
    const char *loan = resource_id_param(rc, 0, "loan");
    if (loan)
        resource_create(rc, &repayments, loan);
}

void handle_loan_repayments_list(req_ctx *rc)
{
    resource_list_children(rc, &repayments, "loan", stmt_loan_visible, stmt_repayments);
}

static void overdue_recorded(req_ctx *rc, bool recorded)
{
    if (recorded)
        reply_rows_list(rc, rc->job.res[1], overdue.cols, overdue.ncols, rc->limit, overdue_key, 2);
    else
        resource_reply_unrecorded(rc);
}

static void overdue_listed(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (!req_job_ok(rc, job))
        return;
    const PGresult *r = job->res[1];
    int province = db_col(r, "province"), county = db_col(r, "county_id"), center = db_col(r, "center_id");
    for (int i = 0; i < db_nrows(r); i++) {
        const char *cty = db_at(r, i, county), *ctr = db_at(r, i, center);
        if (!scope_allows(&rc->who, db_at(r, i, province), cty ? (int32_t)atol(cty) : 0, ctr ? atoll(ctr) : 0)) {
            reply_problem(rc, 500, "Internal error; quote the request id when reporting it.");
            return;
        }
    }
    /* installments of people's loans: recorded like any list of them */
    resource_record_list(rc, "installment", rc->state, db_nrows(r), overdue_recorded);
}

void handle_loans_overdue(req_ctx *rc)
{
    list_request lr;
    if (!list_parse_or_reply(rc, overdue.filters, overdue.nfilters, LIST_CURSOR_ID_N, &lr))
        return;
    rc->state = (void *)resource_list_audit_filter(rc, overdue_filter_names, lr.values, overdue.nfilters, false);
    req_job_begin(rc, true);
    db_query *q = db_job_add(&rc->job, stmt_overdue);
    resource_scope_params(rc, q);
    for (int i = 0; i < overdue.nfilters; i++)
        db_query_param(q, lr.values[i]);
    db_query_param(q, lr.after);
    db_query_param(q, lr.after_n);
    db_query_param(q, lr.limit);
    rc->job.retry_safe = true;
    req_db_submit(rc, overdue_listed);
}
