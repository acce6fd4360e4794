/* geo.c - the country's divisions: GET /api/v1/provinces and GET /api/v1/counties. Reference data, readable by
 * every caller; loaded by the migrations from migrations/data/. */
#include <stdio.h>
#include <string.h>

#include "common/digits.h"
#include "server/handlers/handlers.h"
#include "server/http/list.h"

static int stmt_provinces, stmt_counties;

static const col_spec province_cols[] = {
    {"code", COL_TEXT}, {"name_fa", COL_TEXT}, {"name_en", COL_TEXT}, {"capital_en", COL_TEXT}};
static const col_spec county_cols[] = {
    {"id", COL_INT}, {"province", COL_TEXT}, {"name_fa", COL_TEXT}, {"name_en", COL_TEXT}};
static const int key_first[] = {0};

void geo_init(void)
{
    stmt_provinces = db_stmt_register("provinces_list",
                                      "SELECT code, name_fa, name_en, capital_en FROM provinces"
                                      " WHERE ($1::text IS NULL OR code > $1) ORDER BY code LIMIT $2");
    stmt_counties = db_stmt_register("counties_list",
                                     "SELECT id, province_code, name_fa, name_en FROM counties"
                                     " WHERE ($1::text IS NULL OR province_code = $1)"
                                     " AND ($2::int IS NULL OR id > $2) ORDER BY id LIMIT $3");
}

static void provinces_done(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (job->status != DB_OK)
        reply_db_failure(rc, job);
    else
        reply_rows_list(rc, job->res[0], province_cols, NCOLS(province_cols), rc->limit, key_first, 1);
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
        reply_rows_list(rc, job->res[0], county_cols, NCOLS(county_cols), rc->limit, key_first, 1);
}

void handle_counties_list(req_ctx *rc)
{
    static const list_filter filters[] = {{"province", LF_PROVINCE, NULL, NULL}};
    list_request lr;
    if (!list_parse_or_reply(rc, filters, NCOLS(filters), LIST_CURSOR_ID32, &lr))
        return;
    db_query *q = db_job_add(&rc->job, stmt_counties);
    db_query_param(q, lr.values[0]);
    db_query_param(q, lr.after);
    db_query_param(q, lr.limit);
    rc->job.retry_safe = true;
    req_db_submit(rc, counties_done);
}
