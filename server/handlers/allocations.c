/*
 * allocations.c - /api/v1/allocations: budget per Jalali fiscal year and program, from the national office to a
 * province, from a province to its counties and centers, from a county to its centers. A level's allocations can
 * never add up to more than its parent's (422 naming the overrun; checked in the database under a lock, so two
 * concurrent writes cannot both slip under the limit). Changes are audited updates of amount and note.
 */
#include "common/digits.h"
#include "server/handlers/handlers.h"
#include "server/http/resource.h"

#define ALLOCATION_SELECT                                                                                            \
    "t.id, t.fiscal_year, (SELECT p.code FROM programs p WHERE p.id = t.program_id) AS program, t.level,"          \
    " t.province_code AS province, t.county_id, t.center_id, t.amount_rials, t.note, t.version, " SQL_UTC_TS("created_at") \
    ", " SQL_UTC_TS("updated_at")

static const char *const levels[] = {"province", "county", "center", NULL};

static const col_spec allocation_cols[] = {
    {"id", COL_INT},        {"fiscal_year", COL_INT}, {"program", COL_TEXT},      {"level", COL_TEXT},
    {"province", COL_TEXT}, {"county_id", COL_INT},   {"center_id", COL_INT},     {"amount_rials", COL_INT},
    {"note", COL_TEXT},     {"version", COL_INT},     {"created_at", COL_TIMESTAMP}, {"updated_at", COL_TIMESTAMP}};

static const res_column allocation_writable[] = {
    {"fiscal_year", "fiscal_year", "integer", NULL},
    {"program", "program_id", "(SELECT p.id FROM programs p WHERE p.code = $J->>'program')", NULL},
    {"province", "province_code", "text", NULL},
    {"county_id", "county_id", "integer", NULL},
    {"center_id", "center_id", "bigint", NULL},
    {"amount_rials", "amount_rials", "bigint", NULL},
    {"note", "note", "text", NULL},
};

static const field_spec allocation_create_fields[] = {
    {"fiscal_year", F_INT, true, 1300, 1500, NULL},
    {"program", F_ENUM, true, 0, 0, program_codes},
    {"province", F_STRING, false, 1, 8, NULL},
    {"county_id", F_INT, false, 1, 2147483647, NULL},
    {"center_id", F_INT, false, 1, INT64_MAX, NULL},
    {"amount_rials", F_INT, true, 0, INT64_MAX, NULL},
    {"note", F_STRING, false, 0, 500, NULL},
};
static const field_spec allocation_update_fields[] = {
    {"amount_rials", F_INT, true, 0, INT64_MAX, NULL},
    {"note", F_STRING, false, 0, 500, NULL},
};

static void allocation_build(req_ctx *rc, json_object *body, bool partial, const char *parent_id,
                             json_object *values, field_errors *fe)
{
    res_put_int(body, values, "fiscal_year");
    res_put_as_is(body, values, "program");
    res_put_int(body, values, "amount_rials");
    res_put_text(rc, body, values, "note", fe);
    if (partial)
        return;
    /* the place: exactly one of a province, a county, a center */
    res_put_place(rc, body, values, false, fe);
    (void)parent_id;
}

static resource allocations = {
    .name = "allocation",
    .table = "allocations",
    .select_sql = ALLOCATION_SELECT,
    .cols = allocation_cols,
    .ncols = NCOLS(allocation_cols),
    .col_id = 0, .col_version = 9, .col_province = 4, .col_county = 5, .col_center = 6,
    .writable = allocation_writable,
    .nwritable = NCOLS(allocation_writable),
    .create_fields = allocation_create_fields,
    .ncreate_fields = NCOLS(allocation_create_fields),
    .update_fields = allocation_update_fields,
    .nupdate_fields = NCOLS(allocation_update_fields),
    .build = allocation_build,
    .path = "/api/v1/allocations",
};

static int stmt_list;

void allocations_init(void)
{
    resource_init(&allocations);
    stmt_list = db_stmt_register(
        "allocation_list",
        "SELECT " ALLOCATION_SELECT " FROM allocations t"
        " WHERE ($1::text IS NULL OR t.province_code = $1) AND ($2::integer IS NULL OR t.county_id = $2::integer)"
        " AND ($3::bigint IS NULL OR t.center_id = $3::bigint)"
        " AND ($4::integer IS NULL OR t.fiscal_year = $4::integer)"
        " AND ($5::text IS NULL OR t.program_id = (SELECT p.id FROM programs p WHERE p.code = $5))"
        " AND ($6::text IS NULL OR t.province_code = $6) AND ($7::integer IS NULL OR t.county_id = $7::integer)"
        " AND ($8::allocation_level IS NULL OR t.level = $8::allocation_level)"
        " AND ($9::bigint IS NULL OR t.id > $9::bigint)"
        " ORDER BY t.id LIMIT $10");
}

void handle_allocations_get(req_ctx *rc) { resource_get(rc, &allocations); }
void handle_allocations_create(req_ctx *rc) { resource_create(rc, &allocations, NULL); }
void handle_allocations_patch(req_ctx *rc) { resource_patch(rc, &allocations); }

void handle_allocations_list(req_ctx *rc)
{
    list_query lq;
    if (!list_query_begin(rc, &lq))
        return;
    const char *year = list_filter_int(rc, &lq, "fiscal_year");
    const char *program = list_filter_enum(rc, &lq, "program", program_codes);
    const char *province = list_filter_province(rc, &lq, "province");
    const char *county = list_filter_int(rc, &lq, "county_id");
    const char *level = list_filter_enum(rc, &lq, "level", levels);
    if (!list_query_valid(rc, &lq))
        return;
    req_job_begin(rc, true);
    db_query *q = db_job_add(&rc->job, stmt_list);
    resource_scope_params(rc, q);
    db_query_param(q, year);
    db_query_param(q, program);
    db_query_param(q, province);
    db_query_param(q, county);
    db_query_param(q, level);
    db_query_param(q, lq.after);
    db_query_param(q, lq.limit);
    resource_submit_list(rc, &allocations);
}
