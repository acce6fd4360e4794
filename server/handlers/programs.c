/*
 * programs.c - GET /api/v1/programs: the national programs (CBR, microfinance, housing, tele-rehabilitation, life
 * skills, elderly care, caregiver training) clients enroll in. Reference data, loaded by the migrations: not a
 * resource (no place, no writes), a row shape (describe.h) that gives the SELECT, the columns and the schema.
 */
#include "server/handlers/handlers.h"
#include "server/http/resource.h"

static const field_desc program_fields[] = {
    {.name = "id", .column = "id", .out = COL_INT, .label_fa = "شناسه", .label_en = "Id", .example = "1"},
    {.name = "code", .column = "code", .in = F_ENUM, .out = COL_TEXT, .choices = program_codes,
     .label_fa = "کد برنامه", .label_en = "Code", .example = "\"cbr\""},
    {.name = "name_fa", .column = "name_fa", .out = COL_TEXT, .label_fa = "نام برنامه", .label_en = "Persian name",
     .example = "\"توانبخشی مبتنی بر جامعه\""},
    {.name = "name_en", .column = "name_en", .out = COL_TEXT, .label_fa = "نام انگلیسی", .label_en = "English name",
     .example = "\"Community-based rehabilitation\""},
    {.name = "description", .column = "description", .out = COL_TEXT, .flags = DF_NULLABLE, .label_fa = "شرح",
     .label_en = "Description", .example = "null"},
    {.name = "active", .column = "active", .out = COL_BOOL, .label_fa = "فعال", .label_en = "Active",
     .example = "true"},
};
static row_desc programs = {
    .schema = "Program",
    .path = "/api/v1/programs",
    .fields = program_fields,
    .nfields = NCOLS(program_fields),
};

static int stmt_list, key_id;

void programs_init(void)
{
    describe_rows_init(&programs);
    strbuf sb = STRBUF_INIT;
    strbuf_printf(&sb, "SELECT %s FROM programs t WHERE ($1::bigint IS NULL OR t.id > $1::bigint)"
                       " ORDER BY t.id LIMIT $2", programs.select_sql);
    stmt_list = db_stmt_register("program_list", sb.data);
    strbuf_free(&sb);
    key_id = res_col(programs.cols, programs.ncols, "id");
}

static void listed(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (req_job_ok(rc, job))
        reply_rows_list(rc, job->res[1], programs.cols, programs.ncols, rc->limit, &key_id, 1);
}

void handle_programs_list(req_ctx *rc)
{
    list_request lr;
    if (!list_parse_or_reply(rc, programs.filters, programs.nfilters, LIST_CURSOR_ID, &lr))
        return;
    req_job_begin(rc, true);
    db_query *q = db_job_add(&rc->job, stmt_list);
    db_query_param(q, lr.after);
    db_query_param(q, lr.limit);
    rc->job.retry_safe = true;
    req_db_submit(rc, listed);
}
