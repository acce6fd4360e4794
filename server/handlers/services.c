/*
 * services.c - services a client received at a center: GET/POST /api/v1/clients/{id}/services, GET/PATCH
 * /api/v1/services/{id}, and every service in the caller's scope: GET /api/v1/services (filters from the description;
 * with ?client_id= audited as a read of that client, else as a list of people's records). A service lives where its client lives, at the center that gave it (so an NGO center
 * sees the services it gave).
 */

#include "server/handlers/handlers.h"
#include "server/http/resource.h"

/* A service a client received, field by field (describe.h); it lives where its client lives. */
static const field_desc service_fields[] = {
    DESC_ID("7730"),
    {.name = "client_id", .column = "client_id", .out = COL_INT, .sqltype = "bigint",
     .flags = DF_STORED | DF_LIST_PARENT, .filter = LF_ID, .label_fa = "مددجو", .label_en = "Client",
     .example = "1042", .doc = "the path's client"},
    {.name = "center_id", .column = "center_id", .in = F_INT, .out = COL_INT, .sqltype = "bigint", .min = 1,
     .max = INT64_MAX, .flags = DF_CREATE | DF_REQUIRED_CREATE, .filter = LF_ID, .label_fa = "مرکز",
     .label_en = "Center", .example = "17"},
    {.name = "service", .column = "service", .in = F_STRING, .out = COL_TEXT, .sqltype = "text", .min = 1,
     .max = 100, .flags = DF_WRITE | DF_REQUIRED, .label_fa = "خدمت", .label_en = "Service",
     .example = "\"physiotherapy\""},
    {.name = "provided_on", .column = "provided_on", .in = F_DATE, .out = COL_DATE, .sqltype = "date",
     .flags = DF_WRITE | DF_REQUIRED, .label_fa = "تاریخ ارائه", .label_en = "Provided on",
     .example = "\"2025-10-01\""},
    {.name = "notes", .column = "notes", .in = F_STRING, .out = COL_TEXT, .sqltype = "text", .max = 2000,
     .flags = DF_WRITE | DF_NULLABLE | DF_EMPTY_IS_NULL, .label_fa = "یادداشت", .label_en = "Notes",
     .example = "null"},
    DESC_PROVINCE(LF_PROVINCE),
    DESC_COUNTY(LF_ID),
    DESC_RECORD_TAIL,
    /* filters only: a range of the day the service was given on, and the Jalali (fiscal) year it was in */
    {.name = "provided_from", .expr = "t.provided_on", .flags = DF_NOT_SELECTED, .filter = LF_DATE_FROM,
     .label_fa = "ارائه از تاریخ", .label_en = "Provided from", .example = "\"2025-03-21\"",
     .doc = "services given on or after this day (YYYY-MM-DD)"},
    {.name = "provided_to", .expr = "t.provided_on", .flags = DF_NOT_SELECTED, .filter = LF_DATE_TO,
     .label_fa = "ارائه تا تاریخ", .label_en = "Provided to", .example = "\"2026-03-20\"",
     .doc = "services given on or before this day (YYYY-MM-DD)"},
    {.name = "fiscal_year", .expr = "((jalali_of(t.provided_on)).jy)::text", .flags = DF_NOT_SELECTED,
     .filter = LF_JALALI_YEAR, .label_fa = "سال مالی", .label_en = "Fiscal year (Jalali)", .example = "1404",
     .doc = "services given in this Jalali year (by provided_on), e.g. 1404"},
};

static resource services = {
    .name = "service",
    .table = "services",
    .fields = service_fields,
    .nfields = NCOLS(service_fields),
    .schema = "Service",
    .parent_column = "client_id",
    .audit_reads = true,
    .close_patch = NULL,
    .path = "/api/v1/services",
    .submittable = true,
};

const resource *services_resource(void)
{
    return &services;
}

void services_init(void)
{
    resource_init(&services);
}

void handle_services_get(req_ctx *rc) { resource_get(rc, &services); }
void handle_services_list(req_ctx *rc) { resource_list(rc, &services); }
void handle_services_patch(req_ctx *rc) { resource_patch(rc, &services); }

void handle_client_services_create(req_ctx *rc)
{
    const char *client = resource_id_param(rc, 0, "client");
    if (client)
        resource_create(rc, &services, client);
}

void handle_client_services_list(req_ctx *rc)
{
    resource_list_children(rc, &services, "client", client_visible_stmt(), services.stmt_children);
}
