/*
 * centers.c - /api/v1/centers: rehabilitation, elderly care, social-work clinics, day care, addiction recovery,
 * community-based rehabilitation offices, run by the state or by NGO partners. A center is never deleted:
 * DELETE closes it, keeping its history and its clients' records.
 */
#include "server/handlers/handlers.h"
#include "server/http/resource.h"


static const char *const center_types[] = {"rehabilitation_day", "rehabilitation_residential", "vocational_training",
                                           "elderly_care", "social_work_clinic", "counseling", "addiction_outpatient",
                                           "addiction_residential", "children_home", "kindergarten",
                                           "mental_health_rehabilitation", "genetic_counseling", "social_emergency",
                                           "cbr_office", NULL};
static const char *const sectors[] = {"public", "ngo", NULL};
static const char *const statuses[] = {"active", "suspended", "closed", NULL};

static const col_spec center_cols[] = {
    {"id", COL_INT},        {"name", COL_TEXT},       {"type", COL_TEXT},
    {"sector", COL_TEXT},   {"province", COL_TEXT},   {"county_id", COL_INT},
    {"center_id", COL_HIDDEN}, {"capacity", COL_INT}, {"license_no", COL_TEXT},
    {"license_expires_on", COL_DATE}, {"status", COL_TEXT}, {"version", COL_INT},
    {"created_at", COL_TIMESTAMP}, {"updated_at", COL_TIMESTAMP}};

static const res_column center_writable[] = {
    {"name", "name", "text", NULL},
    {"type", "type", "center_type", NULL},
    {"sector", "sector", "center_sector", NULL},
    {"county_id", "county_id", "integer", NULL},
    {"capacity", "capacity", "integer", NULL},
    {"license_no", "license_no", "text", NULL},
    {"license_expires_on", "license_expires_on", "date", NULL},
    {"status", "status", "center_status", "'active'"},
};

static const field_spec center_fields[] = {
    {"name", F_STRING, true, 2, 200, NULL},
    {"type", F_ENUM, true, 0, 0, center_types},
    {"sector", F_ENUM, true, 0, 0, sectors},
    {"county_id", F_INT, true, 1, 2147483647, NULL},
    {"capacity", F_INT, false, 0, 100000, NULL},
    {"license_no", F_STRING, false, 1, 64, NULL},
    {"license_expires_on", F_DATE, false, 0, 0, NULL},
    {"status", F_ENUM, false, 0, 0, statuses},
};

static void center_build(req_ctx *rc, json_object *body, bool partial, const char *parent_id, json_object *values,
                         field_errors *fe)
{
    res_put_text(rc, body, values, "name", fe);
    res_put_text(rc, body, values, "license_no", fe);
    res_put_as_is(body, values, "type");
    res_put_as_is(body, values, "sector");
    res_put_as_is(body, values, "status");
    res_put_int(body, values, "county_id");
    res_put_int(body, values, "capacity");
    res_put_date(rc, body, values, "license_expires_on");
}

static resource centers = {
    .name = "center",
    .table = "centers",
    .select_sql = "t.id, t.name, t.type, t.sector, t.province_code AS province, t.county_id, t.id AS center_id,"
                  " t.capacity, t.license_no, t.license_expires_on, t.status, t.version, " SQL_UTC_TS("created_at") ", "
                  SQL_UTC_TS("updated_at"),
    .cols = center_cols,
    .ncols = NCOLS(center_cols),
    .col_id = 0, .col_version = 11, .col_province = 4, .col_county = 5, .col_center = 6,
    .writable = center_writable,
    .nwritable = NCOLS(center_writable),
    .create_fields = center_fields,
    .ncreate_fields = NCOLS(center_fields),
    .update_fields = center_fields,
    .nupdate_fields = NCOLS(center_fields),
    .build = center_build,
    .audit_reads = false,
    .close_patch = "{\"status\":\"closed\"}",
    .path = "/api/v1/centers",
};

static int stmt_list;

void centers_init(void)
{
    resource_init(&centers);
    stmt_list = db_stmt_register(
        "center_list",
        "SELECT t.id, t.name, t.type, t.sector, t.province_code AS province, t.county_id, t.id AS center_id,"
        " t.capacity, t.license_no, t.license_expires_on, t.status, t.version, " SQL_UTC_TS("created_at") ", " SQL_UTC_TS("updated_at")
        " FROM centers t"
        " WHERE ($1::text IS NULL OR t.province_code = $1) AND ($2::integer IS NULL OR t.county_id = $2::integer)"
        " AND ($3::bigint IS NULL OR t.id = $3::bigint)"
        " AND ($4::text IS NULL OR t.province_code = $4) AND ($5::integer IS NULL OR t.county_id = $5::integer)"
        " AND ($6::center_type IS NULL OR t.type = $6::center_type)"
        " AND ($7::center_sector IS NULL OR t.sector = $7::center_sector)"
        " AND ($8::center_status IS NULL OR t.status = $8::center_status)"
        " AND ($9::text IS NULL OR t.name_key LIKE $9)"
        " AND ($10::bigint IS NULL OR t.id > $10::bigint)"
        " ORDER BY t.id LIMIT $11");
}

void handle_centers_get(req_ctx *rc) { resource_get(rc, &centers); }
void handle_centers_create(req_ctx *rc) { resource_create(rc, &centers, NULL); }
void handle_centers_patch(req_ctx *rc) { resource_patch(rc, &centers); }
void handle_centers_close(req_ctx *rc) { resource_close(rc, &centers); }

void handle_centers_list(req_ctx *rc)
{
    list_query lq;
    if (!list_query_begin(rc, &lq))
        return;
    const char *province = list_filter_province(rc, &lq, "province");
    const char *county = list_filter_int(rc, &lq, "county_id");
    const char *type = list_filter_enum(rc, &lq, "type", center_types);
    const char *sector = list_filter_enum(rc, &lq, "sector", sectors);
    const char *status = list_filter_enum(rc, &lq, "status", statuses);
    /* the filters' errors first: a bad ?q= replies at once, which would drop the filters' error list */
    if (!list_query_valid(rc, &lq))
        return;
    const char *pattern = resource_search_pattern(rc);
    if (pattern && !*pattern)
        return;
    req_job_begin(rc, true);
    db_query *q = db_job_add(&rc->job, stmt_list);
    resource_scope_params(rc, q);
    db_query_param(q, province);
    db_query_param(q, county);
    db_query_param(q, type);
    db_query_param(q, sector);
    db_query_param(q, status);
    db_query_param(q, pattern);
    db_query_param(q, lq.after);
    db_query_param(q, lq.limit);
    resource_submit_list(rc, &centers);
}
