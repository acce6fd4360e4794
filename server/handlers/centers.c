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

/* A center, field by field (describe.h). A center is its own center: center_id (hidden) is its id, for scope. */
static const field_desc center_fields[] = {
    DESC_ID("17"),
    {.name = "name", .column = "name", .in = F_STRING, .out = COL_TEXT, .sqltype = "text", .min = 2, .max = 200,
     .flags = DF_WRITE | DF_REQUIRED, .label_fa = "نام مرکز", .label_en = "Name",
     .example = "\"مرکز توانبخشی امید\""},
    {.name = "type", .column = "type", .in = F_ENUM, .out = COL_TEXT, .sqltype = "center_type",
     .choices = center_types, .flags = DF_WRITE | DF_REQUIRED, .filter = LF_ENUM, .label_fa = "نوع مرکز",
     .label_en = "Type", .example = "\"rehabilitation_day\""},
    {.name = "sector", .column = "sector", .in = F_ENUM, .out = COL_TEXT, .sqltype = "center_sector",
     .choices = sectors, .flags = DF_WRITE | DF_REQUIRED, .filter = LF_ENUM, .label_fa = "بخش",
     .label_en = "Sector", .example = "\"ngo\""},
    DESC_PROVINCE(LF_PROVINCE),
    {.name = "county_id", .column = "county_id", .in = F_INT, .out = COL_INT, .sqltype = "integer", .min = 1,
     .max = 2147483647, .flags = DF_WRITE | DF_REQUIRED, .filter = LF_ID, .label_fa = "شهرستان",
     .label_en = "County", .example = "120",
     .doc = "a change is 422 while the center has active clients (transfer them first) or allocations or donations;"
            " its staff and NGO submitters move with it"},
    {.name = "center_id", .expr = "t.id", .out = COL_HIDDEN},
    {.name = "capacity", .column = "capacity", .in = F_INT, .out = COL_INT, .sqltype = "integer", .min = 0,
     .max = 100000, .flags = DF_WRITE | DF_NULLABLE, .label_fa = "ظرفیت", .label_en = "Capacity", .example = "40"},
    {.name = "license_no", .column = "license_no", .in = F_STRING, .out = COL_TEXT, .sqltype = "text", .min = 1,
     .max = 64, .flags = DF_WRITE | DF_NULLABLE, .label_fa = "شماره پروانه", .label_en = "License number",
     .example = "\"T-1403-118\""},
    {.name = "license_expires_on", .column = "license_expires_on", .in = F_DATE, .out = COL_DATE, .sqltype = "date",
     .flags = DF_WRITE | DF_NULLABLE, .label_fa = "تاریخ انقضای پروانه", .label_en = "License expires on",
     .example = "\"2027-03-20\""},
    {.name = "status", .column = "status", .in = F_ENUM, .out = COL_TEXT, .sqltype = "center_status",
     .choices = statuses, .flags = DF_WRITE, .default_sql = "'active'", .filter = LF_ENUM, .label_fa = "وضعیت",
     .label_en = "Status", .example = "\"active\""},
    /* occupancy's numerator, from the running totals the clients' triggers keep (migration 0004): counting the
     * clients of every center in a list would read them all */
    {.name = "active_clients", .expr = "coalesce((SELECT ct.clients FROM center_totals ct WHERE ct.center_id = t.id),"
     " 0)", .out = COL_INT, .label_fa = "مددجویان فعال", .label_en = "Active clients", .example = "34",
     .doc = "the center's clients whose status is active; with capacity, its occupancy"},
    DESC_RECORD_TAIL,
};

static resource centers = {
    .name = "center",
    .table = "centers",
    .fields = center_fields,
    .nfields = NCOLS(center_fields),
    .schema = "Center",
    .search = SEARCH_NAME_KEY,
    .audit_reads = false,
    .close_patch = "{\"status\":\"closed\"}",
    .path = "/api/v1/centers",
};

void centers_init(void)
{
    resource_init(&centers);
}

void handle_centers_get(req_ctx *rc) { resource_get(rc, &centers); }
void handle_centers_create(req_ctx *rc) { resource_create(rc, &centers, NULL); }
void handle_centers_patch(req_ctx *rc) { resource_patch(rc, &centers); }
void handle_centers_close(req_ctx *rc) { resource_close(rc, &centers); }
void handle_centers_list(req_ctx *rc) { resource_list(rc, &centers); }
