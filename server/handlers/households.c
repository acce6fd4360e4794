/*
 * households.c - a client's family, for housing and microfinance: /api/v1/households. Clients join a household
 * through their household_id and household_role (head, spouse, child, ...); a household lists its members
 * (those the caller may see). GET /api/v1/households lists those in the caller's scope (?province=, ?county_id=,
 * ?center_id=), audited as a list of people's records like the clients list.
 */
#include "server/handlers/handlers.h"
#include "server/http/resource.h"

/* A household, field by field (describe.h); its members are the clients that name it (those the caller sees). */
static const field_desc household_fields[] = {
    DESC_ID("55"),
    DESC_PROVINCE(LF_PROVINCE),
    {.name = "county_id", .column = "county_id", .in = F_INT, .out = COL_INT, .sqltype = "integer", .min = 1,
     .max = 2147483647, .flags = DF_CREATE | DF_REQUIRED_CREATE, .filter = LF_ID, .label_fa = "شهرستان", .label_en = "County",
     .example = "120"},
    {.name = "center_id", .column = "center_id", .in = F_INT, .out = COL_INT, .sqltype = "bigint", .min = 1,
     .max = INT64_MAX, .flags = DF_WRITE | DF_NULLABLE, .filter = LF_ID, .label_fa = "مرکز", .label_en = "Center",
     .example = "17"},
    {.name = "address", .column = "address", .in = F_STRING, .out = COL_TEXT, .sqltype = "text", .max = 500,
     .flags = DF_WRITE | DF_NULLABLE, .label_fa = "نشانی", .label_en = "Address",
     .example = "\"تهران، خیابان آزادی، پلاک ۱۲\""},
    {.name = "members",
     .expr = "(SELECT coalesce(jsonb_agg(jsonb_build_object('client_id', c.id, 'first_name', c.first_name,"
             " 'last_name', c.last_name, 'household_role', c.household_role) ORDER BY c.id), '[]'::jsonb)"
             " FROM clients c WHERE c.household_id = t.id)",
     .out = COL_JSON, .label_fa = "اعضا", .label_en = "Members",
     .example = "[{\"client_id\": 42, \"first_name\": \"مریم\", \"last_name\": \"کریمی\", \"household_role\": \"head\"}]",
     .schema = "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"client_id\":{\"type\":"
               "\"integer\",\"example\":42},\"first_name\":{\"type\":\"string\",\"example\":\"مریم\"},"
               "\"last_name\":{\"type\":\"string\",\"example\":\"کریمی\"},"
               "\"household_role\":{\"type\":[\"string\",\"null\"],\"example\":\"head\"}},\"required\":["
               "\"client_id\",\"first_name\",\"last_name\",\"household_role\"],\"additionalProperties\":false}}"},
    DESC_RECORD_TAIL,
};

static resource households = {
    .name = "household",
    .table = "households",
    .fields = household_fields,
    .nfields = NCOLS(household_fields),
    .schema = "Household",
    .audit_reads = true,
    .close_patch = NULL,
    .path = "/api/v1/households",
};

void households_init(void)
{
    resource_init(&households);
}

void handle_households_get(req_ctx *rc) { resource_get(rc, &households); }
void handle_households_list(req_ctx *rc) { resource_list(rc, &households); }
void handle_households_create(req_ctx *rc) { resource_create(rc, &households, NULL); }
void handle_households_patch(req_ctx *rc) { resource_patch(rc, &households); }
