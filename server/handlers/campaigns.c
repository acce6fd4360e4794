/*
 * campaigns.c - /api/v1/campaigns: fund-raising campaigns (e.g. a housing "brick by brick" campaign), national or
 * of one province, with their totals: the donations to it that the caller may see.
 */
#include "server/handlers/handlers.h"
#include "server/http/resource.h"

#define CAMPAIGN_SELECT                                                                                              \
    "t.id, t.name, t.description, t.province_code AS province, NULL::integer AS county_id,"                        \
    " NULL::bigint AS center_id, t.starts_on, t.ends_on, t.goal_rials,"                                             \
    " (SELECT coalesce(sum(d.amount_rials), 0) FROM donations d WHERE d.campaign_id = t.id) AS donations_rials,"   \
    " (SELECT count(*) FROM donations d WHERE d.campaign_id = t.id) AS donations_count,"                          \
    " t.version, " SQL_UTC_TS("created_at") ", " SQL_UTC_TS("updated_at")

static const col_spec campaign_cols[] = {
    {"id", COL_INT},          {"name", COL_TEXT},           {"description", COL_TEXT}, {"province", COL_TEXT},
    {"county_id", COL_HIDDEN}, {"center_id", COL_HIDDEN},   {"starts_on", COL_DATE},   {"ends_on", COL_DATE},
    {"goal_rials", COL_INT},  {"donations_rials", COL_INT}, {"donations_count", COL_INT}, {"version", COL_INT},
    {"created_at", COL_TIMESTAMP}, {"updated_at", COL_TIMESTAMP}};

static const res_column campaign_writable[] = {
    {"name", "name", "text", NULL},
    {"description", "description", "text", NULL},
    {"province", "province_code", "text", NULL},
    {"starts_on", "starts_on", "date", NULL},
    {"ends_on", "ends_on", "date", NULL},
    {"goal_rials", "goal_rials", "bigint", NULL},
};

static const field_spec campaign_fields[] = {
    {"name", F_STRING, true, 2, 200, NULL},
    {"description", F_STRING, false, 0, 2000, NULL},
    {"province", F_STRING, false, 1, 8, NULL},
    {"starts_on", F_DATE, false, 0, 0, NULL},
    {"ends_on", F_DATE, false, 0, 0, NULL},
    {"goal_rials", F_INT, false, 0, INT64_MAX, NULL},
};
static const field_spec campaign_update_fields[] = {
    {"name", F_STRING, true, 2, 200, NULL},
    {"description", F_STRING, false, 0, 2000, NULL},
    {"starts_on", F_DATE, false, 0, 0, NULL},
    {"ends_on", F_DATE, false, 0, 0, NULL},
    {"goal_rials", F_INT, false, 0, INT64_MAX, NULL},
};

static void campaign_build(req_ctx *rc, json_object *body, bool partial, const char *parent_id, json_object *values,
                           field_errors *fe)
{
    res_put_text(rc, body, values, "name", fe);
    res_put_text(rc, body, values, "description", fe);
    res_put_date(rc, body, values, "starts_on");
    res_put_date(rc, body, values, "ends_on");
    res_put_int(body, values, "goal_rials");
    const char *province = body_string(body, "province");
    if (province) {
        const char *code = req_province_code(rc, province);
        if (!code)
            field_error(fe, "province", "must be a province code such as IR-08");
        else
            json_object_object_add(values, "province", json_object_new_string(code));
    }
    (void)partial;
    (void)parent_id;
}

static resource campaigns = {
    .name = "campaign",
    .table = "campaigns",
    .select_sql = CAMPAIGN_SELECT,
    .cols = campaign_cols,
    .ncols = NCOLS(campaign_cols),
    .col_id = 0, .col_version = 11, .col_province = 3, .col_county = 4, .col_center = 5,
    .writable = campaign_writable,
    .nwritable = NCOLS(campaign_writable),
    .create_fields = campaign_fields,
    .ncreate_fields = NCOLS(campaign_fields),
    .update_fields = campaign_update_fields,
    .nupdate_fields = NCOLS(campaign_update_fields),
    .build = campaign_build,
    .path = "/api/v1/campaigns",
    .national_rows_public = true,
    .province_wide = true,
};

static int stmt_list;

void campaigns_init(void)
{
    resource_init(&campaigns);
    stmt_list = db_stmt_register("campaign_list",
                                 "SELECT " CAMPAIGN_SELECT " FROM campaigns t"
                                 " WHERE ($1::text IS NULL OR t.province_code = $1)"
                                 " AND ($2::bigint IS NULL OR t.id > $2::bigint) ORDER BY t.id LIMIT $3");
}

void handle_campaigns_get(req_ctx *rc) { resource_get(rc, &campaigns); }
void handle_campaigns_create(req_ctx *rc) { resource_create(rc, &campaigns, NULL); }
void handle_campaigns_patch(req_ctx *rc) { resource_patch(rc, &campaigns); }

void handle_campaigns_list(req_ctx *rc)
{
    list_query lq;
    if (!list_query_begin(rc, &lq))
        return;
    const char *province = list_filter_province(rc, &lq, "province");
    if (!list_query_valid(rc, &lq))
        return;
    req_job_begin(rc, true);
    db_query *q = db_job_add(&rc->job, stmt_list);
    db_query_param(q, province);
    db_query_param(q, lq.after);
    db_query_param(q, lq.limit);
    resource_submit_list(rc, &campaigns);
}
