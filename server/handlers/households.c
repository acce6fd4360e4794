/*
 * households.c - a client's family, for housing and microfinance: /api/v1/households. Clients join a household
 * through their household_id and household_role (head, spouse, child, ...); a household lists its members
 * (those the caller may see).
 */
#include "server/handlers/handlers.h"
#include "server/http/resource.h"

#define HOUSEHOLD_SELECT                                                                                             \
    "t.id, t.province_code AS province, t.county_id, t.center_id, t.address,"                                      \
    " (SELECT coalesce(jsonb_agg(jsonb_build_object('client_id', c.id, 'first_name', c.first_name, 'last_name',"  \
    " c.last_name, 'household_role', c.household_role) ORDER BY c.id), '[]'::jsonb)"                               \
    " FROM clients c WHERE c.household_id = t.id) AS members, t.version, " SQL_UTC_TS("created_at") ", " SQL_UTC_TS("updated_at")

static const col_spec household_cols[] = {
    {"id", COL_INT},        {"province", COL_TEXT}, {"county_id", COL_INT},        {"center_id", COL_INT},
    {"address", COL_TEXT},  {"members", COL_JSON},  {"version", COL_INT},          {"created_at", COL_TIMESTAMP},
    {"updated_at", COL_TIMESTAMP}};

static const res_column household_writable[] = {
    {"county_id", "county_id", "integer", NULL},
    {"center_id", "center_id", "bigint", NULL},
    {"address", "address", "text", NULL},
};

static const field_spec household_fields[] = {
    {"county_id", F_INT, true, 1, 2147483647, NULL},
    {"center_id", F_INT, false, 1, INT64_MAX, NULL},
    {"address", F_STRING, false, 0, 500, NULL},
};
static const field_spec household_update_fields[] = {
    {"center_id", F_INT, false, 1, INT64_MAX, NULL},
    {"address", F_STRING, false, 0, 500, NULL},
};

static void household_build(req_ctx *rc, json_object *body, bool partial, const char *parent_id,
                            json_object *values, field_errors *fe)
{
    res_put_int(body, values, "county_id");
    res_put_int(body, values, "center_id");
    res_put_text(rc, body, values, "address", fe);
    (void)partial;
    (void)parent_id;
}

static resource households = {
    .name = "household",
    .table = "households",
    .select_sql = HOUSEHOLD_SELECT,
    .cols = household_cols,
    .ncols = NCOLS(household_cols),
    .col_id = 0, .col_version = 6, .col_province = 1, .col_county = 2, .col_center = 3,
    .writable = household_writable,
    .nwritable = NCOLS(household_writable),
    .create_fields = household_fields,
    .ncreate_fields = NCOLS(household_fields),
    .update_fields = household_update_fields,
    .nupdate_fields = NCOLS(household_update_fields),
    .build = household_build,
    .audit_reads = true,
    .close_patch = NULL,
    .path = "/api/v1/households",
};

void households_init(void)
{
    resource_init(&households);
}

void handle_households_get(req_ctx *rc) { resource_get(rc, &households); }
void handle_households_create(req_ctx *rc) { resource_create(rc, &households, NULL); }
void handle_households_patch(req_ctx *rc) { resource_patch(rc, &households); }
