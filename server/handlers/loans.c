/*
 * loans.c - microfinance in community-based rehabilitation: /api/v1/loans (with its schedule, made on creation:
 * equal installments a Jalali month apart, the remainder on the last, summing exactly to the loan; shown as stored,
 * or, in the reply to the loan's creation, whose statement cannot see the rows its trigger adds, as computed by
 * the same loan_schedule() that stored them), repayments
 * (/api/v1/loans/{id}/repayments; never more than is owed, and a loan paid in full is marked repaid), and the
 * overdue installments of a county (/api/v1/loans/overdue).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/digits.h"
#include "common/jalali.h"
#include "server/http/list.h"

#include "server/handlers/handlers.h"
#include "server/http/resource.h"

#define LOAN_SELECT                                                                                                  \
    "t.id, t.client_id, t.amount_rials, t.installments, t.first_due_on, t.status, t.province_code AS province,"    \
    " t.county_id, t.center_id,"                                                                                   \
    " coalesce((SELECT jsonb_agg(jsonb_build_object('n', s.n, 'due_on', s.due_on, 'amount_rials', s.amount_rials)" \
    " ORDER BY s.n) FROM loan_installments s WHERE s.loan_id = t.id),"                                              \
    " (SELECT jsonb_agg(jsonb_build_object('n', s.n, 'due_on', s.due_on, 'amount_rials', s.amount_rials)"         \
    " ORDER BY s.n) FROM loan_schedule(t.amount_rials, t.installments, t.first_due_on) s)) AS schedule,"           \
    " (SELECT coalesce(sum(r.amount_rials), 0) FROM repayments r WHERE r.loan_id = t.id) AS repaid_rials,"         \
    " t.amount_rials - (SELECT coalesce(sum(r.amount_rials), 0) FROM repayments r WHERE r.loan_id = t.id)"         \
    " AS outstanding_rials, t.version, " SQL_UTC_TS("created_at") ", " SQL_UTC_TS("updated_at")
#define REPAYMENT_SELECT                                                                                             \
    "t.id, t.loan_id, t.amount_rials, t.paid_on, t.province_code AS province, t.county_id, t.center_id, t.version,"\
    " " SQL_UTC_TS("created_at") ", " SQL_UTC_TS("updated_at")

static const char *const statuses[] = {"active", "repaid", "written_off", NULL};

static const col_spec loan_cols[] = {
    {"id", COL_INT},          {"client_id", COL_INT},  {"amount_rials", COL_INT}, {"installments", COL_INT},
    {"first_due_on", COL_DATE}, {"status", COL_TEXT},  {"province", COL_TEXT},    {"county_id", COL_INT},
    {"center_id", COL_INT},   {"schedule", COL_JSON},  {"repaid_rials", COL_INT}, {"outstanding_rials", COL_INT},
    {"version", COL_INT},     {"created_at", COL_TIMESTAMP}, {"updated_at", COL_TIMESTAMP}};

static const res_column loan_writable[] = {
    {"client_id", "client_id", "bigint", NULL},
    {"amount_rials", "amount_rials", "bigint", NULL},
    {"installments", "installments", "integer", NULL},
    {"first_due_on", "first_due_on", "date", NULL},
    {"status", "status", "loan_status", "'active'"},
};

static const field_spec loan_fields[] = {
    {"client_id", F_INT, true, 1, INT64_MAX, NULL},
    {"amount_rials", F_INT, true, 1, INT64_MAX, NULL},
    {"installments", F_INT, true, 1, 120, NULL},
    {"first_due_on", F_DATE, false, 0, 0, NULL},
};
/* a loan's terms are fixed once made; what changes is its status (e.g. written off) */
static const field_spec loan_update_fields[] = {
    {"status", F_ENUM, true, 0, 0, statuses},
};

static void loan_build(req_ctx *rc, json_object *body, bool partial, const char *parent_id, json_object *values,
                       field_errors *fe)
{
    res_put_int(body, values, "client_id");
    res_put_int(body, values, "amount_rials");
    res_put_int(body, values, "installments");
    res_put_date(rc, body, values, "first_due_on");
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
    res_put_as_is(body, values, "status");
    (void)partial;
    (void)parent_id;
    (void)fe;
}

static resource loans = {
    .name = "loan",
    .table = "loans",
    .select_sql = LOAN_SELECT,
    .cols = loan_cols,
    .ncols = NCOLS(loan_cols),
    .col_id = 0, .col_version = 12, .col_province = 6, .col_county = 7, .col_center = 8,
    .writable = loan_writable,
    .nwritable = NCOLS(loan_writable),
    .create_fields = loan_fields,
    .ncreate_fields = NCOLS(loan_fields),
    .update_fields = loan_update_fields,
    .nupdate_fields = NCOLS(loan_update_fields),
    .build = loan_build,
    .audit_reads = true,
    .path = "/api/v1/loans",
};

static const col_spec repayment_cols[] = {
    {"id", COL_INT},       {"loan_id", COL_INT},   {"amount_rials", COL_INT}, {"paid_on", COL_DATE},
    {"province", COL_TEXT}, {"county_id", COL_INT}, {"center_id", COL_INT},   {"version", COL_INT},
    {"created_at", COL_TIMESTAMP}, {"updated_at", COL_TIMESTAMP}};

static const res_column repayment_writable[] = {
    {"loan_id", "loan_id", "bigint", NULL},
    {"amount_rials", "amount_rials", "bigint", NULL},
    {"paid_on", "paid_on", "date", NULL},
};

static const field_spec repayment_fields[] = {
    {"amount_rials", F_INT, true, 1, INT64_MAX, NULL},
    {"paid_on", F_DATE, true, 0, 0, NULL},
};

static void repayment_build(req_ctx *rc, json_object *body, bool partial, const char *parent_id,
                            json_object *values, field_errors *fe)
{
    if (parent_id)
        json_object_object_add(values, "loan_id", json_object_new_int64(atoll(parent_id)));
    res_put_int(body, values, "amount_rials");
    res_put_date(rc, body, values, "paid_on");
    (void)partial;
    (void)fe;
}

static resource repayments = {
    .name = "repayment",
    .table = "repayments",
    .select_sql = REPAYMENT_SELECT,
    .cols = repayment_cols,
    .ncols = NCOLS(repayment_cols),
    .col_id = 0, .col_version = 7, .col_province = 4, .col_county = 5, .col_center = 6,
    .writable = repayment_writable,
    .nwritable = NCOLS(repayment_writable),
    .create_fields = repayment_fields,
    .ncreate_fields = NCOLS(repayment_fields),
    .update_fields = repayment_fields,
    .nupdate_fields = NCOLS(repayment_fields),
    .build = repayment_build,
    .audit_reads = true,
    .path = "/api/v1/repayments",
};

static const col_spec overdue_cols[] = {
    {"loan_id", COL_INT},      {"client_id", COL_INT}, {"n", COL_INT},           {"due_on", COL_DATE},
    {"amount_rials", COL_INT}, {"unpaid_rials", COL_INT}, {"province", COL_TEXT}, {"county_id", COL_INT},
    {"center_id", COL_INT}};

static int stmt_list, stmt_loan_visible, stmt_repayments, stmt_overdue;

void loans_init(void)
{
    resource_init(&loans);
    resource_init(&repayments);
    stmt_list = db_stmt_register(
        "loan_list",
        "SELECT " LOAN_SELECT " FROM loans t"
        " WHERE ($1::text IS NULL OR t.province_code = $1) AND ($2::integer IS NULL OR t.county_id = $2::integer)"
        " AND ($3::bigint IS NULL OR t.center_id = $3::bigint)"
        " AND ($4::bigint IS NULL OR t.client_id = $4::bigint) AND ($5::integer IS NULL OR t.county_id = $5::integer)"
        " AND ($6::loan_status IS NULL OR t.status = $6::loan_status)"
        " AND ($7::bigint IS NULL OR t.id > $7::bigint) ORDER BY t.id LIMIT $8");
    stmt_loan_visible = db_stmt_register("loan_visible",
                                         "SELECT province_code, county_id, center_id FROM loans WHERE id = $1::bigint");
    stmt_repayments = db_stmt_register("repayment_list",
                                       "SELECT " REPAYMENT_SELECT " FROM repayments t WHERE t.loan_id = $1::bigint"
                                       " AND ($2::bigint IS NULL OR t.id > $2::bigint) ORDER BY t.id LIMIT $3");
    /* an installment is overdue when it fell due before today and what was repaid does not cover it and those
     * before it; keyset on (loan_id, n) */
    stmt_overdue = db_stmt_register(
        "loan_overdue",
        "WITH inst AS (SELECT i.loan_id, i.n, i.due_on, i.amount_rials, i.province_code, i.county_id, i.center_id,"
        " sum(i.amount_rials) OVER (PARTITION BY i.loan_id ORDER BY i.n) AS due_so_far"
        " FROM loan_installments i JOIN loans l ON l.id = i.loan_id"
        " WHERE l.status = 'active' AND i.due_on < current_date"
        " AND ($1::text IS NULL OR i.province_code = $1) AND ($2::integer IS NULL OR i.county_id = $2::integer)"
        " AND ($3::bigint IS NULL OR i.center_id = $3::bigint)"
        " AND ($4::text IS NULL OR i.province_code = $4) AND ($5::integer IS NULL OR i.county_id = $5::integer)),"
        " paid AS (SELECT r.loan_id, sum(r.amount_rials) AS repaid FROM repayments r"
        " WHERE r.loan_id IN (SELECT loan_id FROM inst) GROUP BY r.loan_id)"
        " SELECT inst.loan_id, l.client_id, inst.n, inst.due_on, inst.amount_rials,"
        " least(inst.amount_rials, inst.due_so_far - coalesce(paid.repaid, 0)) AS unpaid_rials,"
        " inst.province_code, inst.county_id, inst.center_id"
        " FROM inst JOIN loans l ON l.id = inst.loan_id LEFT JOIN paid ON paid.loan_id = inst.loan_id"
        " WHERE inst.due_so_far > coalesce(paid.repaid, 0)"
        " AND ($6::bigint IS NULL OR (inst.loan_id, inst.n) > ($6::bigint, $7::integer))"
        " ORDER BY inst.loan_id, inst.n LIMIT $8");
}

void handle_loans_get(req_ctx *rc) { resource_get(rc, &loans); }
void handle_loans_create(req_ctx *rc) { resource_create(rc, &loans, NULL); }
void handle_loans_patch(req_ctx *rc) { resource_patch(rc, &loans); }

void handle_loan_repayments_create(req_ctx *rc)
{
    const char *loan = resource_id_param(rc, 0, "loan");
    if (loan)
        resource_create(rc, &repayments, loan);
}

void handle_loans_list(req_ctx *rc)
{
    list_query lq;
    if (!list_query_begin(rc, &lq))
        return;
    const char *client = list_filter_int(rc, &lq, "client_id");
    const char *county = list_filter_int(rc, &lq, "county_id");
    const char *status = list_filter_enum(rc, &lq, "status", statuses);
    if (!list_query_valid(rc, &lq))
        return;
    const char *const names[] = {"client_id", "county_id", "status"};
    const char *const vals[] = {client, county, status};
    const char *filter_json = resource_list_audit_filter(rc, names, vals, NCOLS(names), false);
    req_job_begin(rc, true);
    db_query *q = db_job_add(&rc->job, stmt_list);
    resource_scope_params(rc, q);
    db_query_param(q, client);
    db_query_param(q, county);
    db_query_param(q, status);
    db_query_param(q, lq.after);
    db_query_param(q, lq.limit);
    /* recorded in a read batch; with ?client_id= as a read of that client */
    resource_submit_audited_list_of(rc, &loans, filter_json, "client", client);
}

void handle_loan_repayments_list(req_ctx *rc)
{
    resource_list_children(rc, &repayments, "loan", stmt_loan_visible, stmt_repayments);
}

typedef struct overdue_state {
    const char *filter_json;
} overdue_state;

static void overdue_recorded(req_ctx *rc, bool recorded)
{
    static const int key[] = {0, 2};
    if (recorded)
        reply_rows_list(rc, rc->job.res[1], overdue_cols, NCOLS(overdue_cols), rc->limit, key, 2);
    else
        resource_reply_unrecorded(rc);
}

static void overdue_listed(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (!req_job_ok(rc, job))
        return;
    const PGresult *r = job->res[1];
    for (int i = 0; i < PQntuples(r); i++) {
        const char *county = PQgetvalue(r, i, 7), *center = PQgetisnull(r, i, 8) ? NULL : PQgetvalue(r, i, 8);
        if (!scope_allows(&rc->who, PQgetvalue(r, i, 6), (int32_t)atol(county), center ? atoll(center) : 0)) {
            reply_problem(rc, 500, "Internal error; quote the request id when reporting it.");
            return;
        }
    }
    /* installments of people's loans: recorded like any list of them */
    resource_record_list(rc, "installment", ((const overdue_state *)rc->state)->filter_json, PQntuples(r),
                         overdue_recorded);
}

void handle_loans_overdue(req_ctx *rc)
{
    const char *cursor, *after[2];
    if (!req_list_params(rc, &rc->limit, &cursor) || !req_cursor_values(rc, cursor, after, 2))
        return;
    list_query lq;
    memset(&lq, 0, sizeof(lq));
    const char *province = list_filter_province(rc, &lq, "province");
    const char *county = list_filter_int(rc, &lq, "county_id");
    int64_t v, n;
    if (after[0] && (parse_int64_digits(after[0], &v) != 0 || parse_int64_digits(after[1], &n) != 0 || n < 0 ||
                     n > 2147483647))
        field_error(&lq.fe, "cursor", CURSOR_INVALID_MESSAGE);
    if (!list_query_valid(rc, &lq))
        return;
    overdue_state *os = arena_calloc(rc->arena, sizeof(*os));
    const char *const names[] = {"province", "county_id"};
    const char *const vals[] = {province, county};
    os->filter_json = resource_list_audit_filter(rc, names, vals, NCOLS(names), false);
    rc->state = os;
    req_job_begin(rc, true);
    db_query *q = db_job_add(&rc->job, stmt_overdue);
    resource_scope_params(rc, q);
    db_query_param(q, province);
    db_query_param(q, county);
    db_query_param(q, after[0]);
    db_query_param(q, after[1]);
    db_query_param(q, arena_sprintf(rc->arena, "%d", rc->limit + 1));
    rc->job.retry_safe = true;
    req_db_submit(rc, overdue_listed);
}
