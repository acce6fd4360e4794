/* geo.c - the country's divisions: GET /api/v1/provinces and GET /api/v1/counties. Reference data, readable by
 * every caller; loaded by the migrations from migrations/data/. */
#include <stdio.h>
#include <string.h>

#include "common/digits.h"
#include "server/handlers/handlers.h"
#include "server/http/describe.h"
#include "server/http/list.h"
#include "server/http/resource.h"

static const field_desc province_fields[] = {
    {.name = "code", .column = "code", .out = COL_TEXT, .label_fa = "کد استان", .label_en = "Code",
     .example = "\"IR-08\"", .doc = "IR-NN"},
    {.name = "name_fa", .column = "name_fa", .out = COL_TEXT, .label_fa = "نام", .label_en = "Persian name",
     .example = "\"تهران\""},
    {.name = "name_en", .column = "name_en", .out = COL_TEXT, .label_fa = "نام انگلیسی", .label_en = "English name",
     .example = "\"Tehran\""},
    {.name = "capital_en", .column = "capital_en", .out = COL_TEXT, .label_fa = "مرکز استان",
     .label_en = "Capital", .example = "\"Tehran\""},
};
static row_desc provinces = {
    .schema = "Province", .fields = province_fields, .nfields = NCOLS(province_fields)};

static const field_desc county_fields[] = {
    DESC_ID("120"),
    {.name = "province", .column = "province_code", .out = COL_TEXT, .filter = LF_PROVINCE, .label_fa = "استان",
     .label_en = "Province", .example = "\"IR-08\""},
    {.name = "name_fa", .column = "name_fa", .out = COL_TEXT, .label_fa = "نام", .label_en = "Persian name",
     .example = "\"شمیرانات\""},
    {.name = "name_en", .column = "name_en", .out = COL_TEXT, .label_fa = "نام انگلیسی", .label_en = "English name",
     .example = "\"Shemiranat\""},
};
static row_desc counties = {
    .schema = "County", .path = "/api/v1/counties", .fields = county_fields, .nfields = NCOLS(county_fields)};

static int stmt_provinces, stmt_counties, key_code, key_id;

void geo_init(void)
{
    describe_rows_init(&provinces);
    describe_rows_init(&counties);
    key_code = res_col(provinces.cols, provinces.ncols, "code");
    key_id = res_col(counties.cols, counties.ncols, "id");
    strbuf sb = STRBUF_INIT;
    strbuf_printf(&sb, "SELECT %s FROM provinces t WHERE ($1::text IS NULL OR t.code > $1) ORDER BY t.code LIMIT $2",
                  provinces.select_sql);
    stmt_provinces = db_stmt_register("provinces_list", sb.data);
    strbuf_free(&sb);
    strbuf_printf(&sb, "SELECT %s FROM counties t WHERE ($1::text IS NULL OR t.province_code = $1)"
                       " AND ($2::int IS NULL OR t.id > $2) ORDER BY t.id LIMIT $3", counties.select_sql);
    stmt_counties = db_stmt_register("counties_list", sb.data);
    strbuf_free(&sb);
}

static void provinces_done(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (job->status != DB_OK)
        reply_db_failure(rc, job);
    else
        reply_rows_list(rc, job->res[0], provinces.cols, provinces.ncols, rc->limit, &key_code, 1);
}

void handle_provinces_list(req_ctx *rc)
{
    list_request lr;
    if (!list_parse_or_reply(rc, NULL, 0, LIST_CURSOR_TEXT, &lr))
        return;
    db_query *q = db_job_add(&rc->job, stmt_provinces);
    db_query_param(q, lr.after);
    db_query_param(q, lr.limit);
    rc->job.retry_safe = true;
    req_db_submit(rc, provinces_done);
}

static void counties_done(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (job->status != DB_OK)
        reply_db_failure(rc, job);
    else
        reply_rows_list(rc, job->res[0], counties.cols, counties.ncols, rc->limit, &key_id, 1);
}

void handle_counties_list(req_ctx *rc)
{
    list_request lr;
    if (!list_parse_or_reply(rc, counties.filters, counties.nfilters, LIST_CURSOR_ID32, &lr))
        return;
    db_query *q = db_job_add(&rc->job, stmt_counties);
    db_query_param(q, list_value(&lr, counties.filters, counties.nfilters, "province"));
    db_query_param(q, lr.after);
    db_query_param(q, lr.limit);
    rc->job.retry_safe = true;
    req_db_submit(rc, counties_done);
}
