/*
 * programs.c - GET /api/v1/programs: the national programs (CBR, microfinance, housing, tele-rehabilitation, life
 * skills, elderly care, caregiver training) clients enroll in. Reference data, loaded by the migrations.
 */
#include "server/handlers/handlers.h"
#include "common/digits.h"
#include "server/http/list.h"

static int stmt_list;

static const col_spec program_cols[] = {{"id", COL_INT},       {"code", COL_TEXT},        {"name_fa", COL_TEXT},
                                        {"name_en", COL_TEXT}, {"description", COL_TEXT}, {"active", COL_BOOL}};

void programs_init(void)
{
    stmt_list = db_stmt_register("program_list", "SELECT id, code, name_fa, name_en, description, active FROM programs"
                                                 " WHERE ($1::integer IS NULL OR id > $1::integer) ORDER BY id LIMIT $2");
}

static void listed(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (!req_job_ok(rc, job))
        return;
    static const int key[] = {0};
    reply_rows_list(rc, job->res[1], program_cols, NCOLS(program_cols), rc->limit, key, 1);
}

void handle_programs_list(req_ctx *rc)
{
    const char *cursor, *after;
    if (!req_list_params(rc, &rc->limit, &cursor) || !req_cursor_values(rc, cursor, &after, 1))
        return;
    int64_t v;
    if (after && parse_int64_digits(after, &v) != 0) {
        reply_bad_cursor(rc);
        return;
    }
    req_job_begin(rc, true);
    db_query *q = db_job_add(&rc->job, stmt_list);
    db_query_param(q, after);
    db_query_param(q, arena_sprintf(rc->arena, "%d", rc->limit + 1));
    rc->job.retry_safe = true;
    req_db_submit(rc, listed);
}
