/*
 * services.c - services a client received at a center: GET/POST /api/v1/clients/{id}/services, GET/PATCH
 * /api/v1/services/{id}. A service lives where its client lives, at the center that gave it (so an NGO center
 * sees the services it gave).
 */
#include <stdlib.h>

#include "server/handlers/handlers.h"
#include "server/http/resource.h"

#define SERVICE_SELECT                                                                                               \
    "t.id, t.client_id, t.center_id, t.service, t.provided_on, t.notes, t.province_code AS province, t.county_id,"  \
    " t.version, " SQL_UTC_TS("created_at") ", " SQL_UTC_TS("updated_at")

static const col_spec service_cols[] = {
    {"id", COL_INT},       {"client_id", COL_INT},  {"center_id", COL_INT}, {"service", COL_TEXT},
    {"provided_on", COL_DATE}, {"notes", COL_TEXT}, {"province", COL_TEXT}, {"county_id", COL_INT},
    {"version", COL_INT},  {"created_at", COL_TIMESTAMP}, {"updated_at", COL_TIMESTAMP}};

static const res_column service_writable[] = {
    {"client_id", "client_id", "bigint", NULL},
    {"center_id", "center_id", "bigint", NULL},
    {"service", "service", "text", NULL},
    {"provided_on", "provided_on", "date", NULL},
    {"notes", "notes", "text", NULL},
};

static const field_spec service_create_fields[] = {
    {"center_id", F_INT, true, 1, INT64_MAX, NULL},
    {"service", F_STRING, true, 1, 100, NULL},
    {"provided_on", F_DATE, true, 0, 0, NULL},
    {"notes", F_STRING, false, 0, 2000, NULL},
};
static const field_spec service_update_fields[] = {
    {"service", F_STRING, true, 1, 100, NULL},
    {"provided_on", F_DATE, true, 0, 0, NULL},
    {"notes", F_STRING, false, 0, 2000, NULL},
};

static void service_build(req_ctx *rc, json_object *body, bool partial, const char *parent_id, json_object *values,
                          field_errors *fe)
{
    if (parent_id)
        json_object_object_add(values, "client_id", json_object_new_int64(atoll(parent_id)));
    res_put_int(body, values, "center_id");
    res_put_text(rc, body, values, "service", fe);
    res_put_date(rc, body, values, "provided_on");
    if (body_has(body, "notes") && !body_is_null(body, "notes") && body_string(body, "notes")[0] == '\0')
        json_object_object_add(values, "notes", NULL);
    else
        res_put_text(rc, body, values, "notes", fe);
    (void)partial;
}

static resource services = {
    .name = "service",
    .table = "services",
    .select_sql = SERVICE_SELECT,
    .cols = service_cols,
    .ncols = NCOLS(service_cols),
    .col_id = 0, .col_version = 8, .col_province = 6, .col_county = 7, .col_center = 2,
    .writable = service_writable,
    .nwritable = NCOLS(service_writable),
    .create_fields = service_create_fields,
    .ncreate_fields = NCOLS(service_create_fields),
    .update_fields = service_update_fields,
    .nupdate_fields = NCOLS(service_update_fields),
    .build = service_build,
    .audit_reads = true,
    .close_patch = NULL,
    .path = "/api/v1/services",
    .submittable = true,
};

const resource *services_resource(void)
{
    return &services;
}

static int stmt_list;

void services_init(void)
{
    resource_init(&services);
    stmt_list = db_stmt_register("service_list",
                                 "SELECT " SERVICE_SELECT " FROM services t WHERE t.client_id = $1::bigint"
                                 " AND ($2::bigint IS NULL OR t.id > $2::bigint) ORDER BY t.id LIMIT $3");
}

void handle_services_get(req_ctx *rc) { resource_get(rc, &services); }
void handle_services_patch(req_ctx *rc) { resource_patch(rc, &services); }

void handle_client_services_create(req_ctx *rc)
{
    const char *client = resource_id_param(rc, 0, "client");
    if (client)
        resource_create(rc, &services, client);
}

void handle_client_services_list(req_ctx *rc)
{
    resource_list_children(rc, &services, "client", client_visible_stmt(), stmt_list);
}
