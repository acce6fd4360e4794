/*
 * campaigns.c - /api/v1/campaigns: fund-raising campaigns (e.g. a housing "brick by brick" campaign), national or
 * of one province, with their totals: the donations to it that the caller may see.
 */
#include "server/handlers/handlers.h"
#include "server/http/resource.h"

/* A campaign, field by field (describe.h). It has a province or none (national), never a county or center: those
 * two are there for the engine's scope check only, always null and never shown. */
static const field_desc campaign_fields[] = {
    {.name = "id", .column = "id", .out = COL_INT, .label_fa = "شناسه", .label_en = "Id", .example = "12"},
    {.name = "name", .column = "name", .in = F_STRING, .out = COL_TEXT, .sqltype = "text", .min = 2, .max = 200,
     .flags = DF_WRITE | DF_REQUIRED, .label_fa = "نام کمپین", .label_en = "Name",
     .example = "\"کمپین آجر به آجر\""},
    {.name = "description", .column = "description", .in = F_STRING, .out = COL_TEXT, .sqltype = "text",
     .max = 2000, .flags = DF_WRITE | DF_NULLABLE, .label_fa = "شرح", .label_en = "Description",
     .example = "\"ساخت مسکن برای خانوارهای دارای عضو معلول\""},
    {.name = "province", .column = "province_code", .in = F_STRING, .out = COL_TEXT, .sqltype = "text", .min = 1,
     .max = 8, .flags = DF_CREATE | DF_CUSTOM | DF_NULLABLE, .filter = LF_PROVINCE, .label_fa = "استان",
     .label_en = "Province", .example = "\"IR-08\"", .doc = "null: a national campaign"},
    {.name = "county_id", .expr = "NULL::integer", .out = COL_HIDDEN},
    {.name = "center_id", .expr = "NULL::bigint", .out = COL_HIDDEN},
    {.name = "starts_on", .column = "starts_on", .in = F_DATE, .out = COL_DATE, .sqltype = "date",
     .flags = DF_WRITE | DF_NULLABLE, .label_fa = "تاریخ شروع", .label_en = "Starts on", .example = "\"2025-03-21\""},
    {.name = "ends_on", .column = "ends_on", .in = F_DATE, .out = COL_DATE, .sqltype = "date",
     .flags = DF_WRITE | DF_NULLABLE, .label_fa = "تاریخ پایان", .label_en = "Ends on", .example = "\"2026-03-20\""},
    {.name = "goal_rials", .column = "goal_rials", .in = F_INT, .out = COL_INT, .sqltype = "bigint", .min = 0,
     .max = INT64_MAX, .flags = DF_WRITE | DF_NULLABLE, .label_fa = "هدف (ریال)", .label_en = "Goal (rials)",
     .example = "50000000000"},
    {.name = "donations_rials",
     .expr = "(SELECT coalesce(sum(d.amount_rials), 0) FROM donations d WHERE d.campaign_id = t.id)", .out = COL_INT,
     .label_fa = "جمع کمک‌ها (ریال)", .label_en = "Donations (rials)", .example = "1250000000",
     .doc = "the donations to it that the caller may see"},
    {.name = "donations_count", .expr = "(SELECT count(*) FROM donations d WHERE d.campaign_id = t.id)",
     .out = COL_INT, .label_fa = "تعداد کمک‌ها", .label_en = "Donations", .example = "37"},
    DESC_RECORD_TAIL,
};

/* What the description cannot say: a province is stored as its code */
static void campaign_build(req_ctx *rc, json_object *body, bool partial, const char *parent_id, json_object *values,
                           field_errors *fe)
{
    res_put_province(rc, body, values, fe);
    (void)partial;
    (void)parent_id;
}

static resource campaigns = {
    .name = "campaign",
    .table = "campaigns",
    .fields = campaign_fields,
    .nfields = NCOLS(campaign_fields),
    .schema = "Campaign",
    .build = campaign_build,
    .path = "/api/v1/campaigns",
    .national_rows_public = true,
    .province_wide = true,
};

void campaigns_init(void) { resource_init(&campaigns); }

void handle_campaigns_get(req_ctx *rc) { resource_get(rc, &campaigns); }
void handle_campaigns_create(req_ctx *rc) { resource_create(rc, &campaigns, NULL); }
void handle_campaigns_patch(req_ctx *rc) { resource_patch(rc, &campaigns); }
void handle_campaigns_list(req_ctx *rc) { resource_list(rc, &campaigns); }
