/*
 * enrollments.c - a client's programs: GET/POST /api/v1/clients/{id}/enrollments, GET/PATCH
 * /api/v1/enrollments/{id}. An enrollment lives where its client lives (province, county, center).
 */
#include <stdlib.h>

#include "server/handlers/handlers.h"
#include "server/http/resource.h"

#define ENROLLMENT_SELECT                                                                                            \
    "t.id, t.client_id, (SELECT p.code FROM programs p WHERE p.id = t.program_id) AS program, t.started_on,"       \
    " t.ended_on, t.status, t.province_code AS province, t.county_id, t.center_id, t.version, " SQL_UTC_TS("created_at")   \
    ", " SQL_UTC_TS("updated_at")

const char *const program_codes[] = {"cbr",        "microfinance", "housing",           "tele_rehabilitation",
                                     "life_skills", "elderly_care", "caregiver_training", NULL};
static const char *const statuses[] = {"active", "completed", "withdrawn", NULL};

static const col_spec enrollment_cols[] = {
    {"id", COL_INT},         {"client_id", COL_INT}, {"program", COL_TEXT},  {"started_on", COL_DATE},
    {"ended_on", COL_DATE},  {"status", COL_TEXT},   {"province", COL_TEXT}, {"county_id", COL_INT},
    {"center_id", COL_INT},  {"version", COL_INT},   {"created_at", COL_TIMESTAMP}, {"updated_at", COL_TIMESTAMP}};

static const res_column enrollment_writable[] = {
    {"client_id", "client_id", "bigint", NULL},
    {"program", "program_id", "(SELECT p.id FROM programs p WHERE p.code = $J->>'program')", NULL},
    {"started_on", "started_on", "date", NULL},
    {"ended_on", "ended_on", "date", NULL},
    {"status", "status", "enrollment_status", "'active'"},
};

static const field_spec enrollment_create_fields[] = {
    {"program", F_ENUM, true, 0, 0, program_codes},
    {"started_on", F_DATE, true, 0, 0, NULL},
    {"ended_on", F_DATE, false, 0, 0, NULL},
    {"status", F_ENUM, false, 0, 0, statuses},
};
static const field_spec enrollment_update_fields[] = {
    {"started_on", F_DATE, true, 0, 0, NULL},
    {"ended_on", F_DATE, false, 0, 0, NULL},
    {"status", F_ENUM, true, 0, 0, statuses},
};

static void enrollment_build(req_ctx *rc, json_object *body, bool partial, const char *parent_id,
                             json_object *values, field_errors *fe)
{
    if (parent_id)
        json_object_object_add(values, "client_id", json_object_new_int64(atoll(parent_id)));
    res_put_as_is(body, values, "program");
    res_put_as_is(body, values, "status");
    res_put_date(rc, body, values, "started_on");
    res_put_date(rc, body, values, "ended_on");
    (void)partial;
    (void)fe;
}

static resource enrollments = {
    .name = "enrollment",
    .table = "enrollments",
    .select_sql = ENROLLMENT_SELECT,
    .cols = enrollment_cols,
    .ncols = NCOLS(enrollment_cols),
    .col_id = 0, .col_version = 9, .col_province = 6, .col_county = 7, .col_center = 8,
    .writable = enrollment_writable,
    .nwritable = NCOLS(enrollment_writable),
    .create_fields = enrollment_create_fields,
    .ncreate_fields = NCOLS(enrollment_create_fields),
    .update_fields = enrollment_update_fields,
    .nupdate_fields = NCOLS(enrollment_update_fields),
    .build = enrollment_build,
    .audit_reads = true,
    .close_patch = NULL,
    .path = "/api/v1/enrollments",
};

static int stmt_list;

void enrollments_init(void)
{
    resource_init(&enrollments);
    stmt_list = db_stmt_register("enrollment_list",
                                 "SELECT " ENROLLMENT_SELECT " FROM enrollments t WHERE t.client_id = $1::bigint"
                                 " AND ($2::bigint IS NULL OR t.id > $2::bigint) ORDER BY t.id LIMIT $3");
}

void handle_enrollments_get(req_ctx *rc) { resource_get(rc, &enrollments); }
void handle_enrollments_patch(req_ctx *rc) { resource_patch(rc, &enrollments); }

void handle_client_enrollments_create(req_ctx *rc)
{
    const char *client = resource_id_param(rc, 0, "client");
    if (client)
        resource_create(rc, &enrollments, client);
}

void handle_client_enrollments_list(req_ctx *rc)
{
    resource_list_children(rc, &enrollments, "client", client_visible_stmt(), stmt_list);
}
