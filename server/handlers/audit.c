/*
 * audit.c - GET /api/v1/audit: who did what, when, with the record before and after; and who read whose file.
 * National admins see the whole trail, provincial admins what happened to records of their province (row-level
 * security decides; the server checks each row again). Newest first.
 */
#include <stdlib.h>
#include <string.h>

#include "common/digits.h"
#include "common/log.h"
#include "server/handlers/handlers.h"
#include "server/http/list.h"
#include "server/http/resource.h"

static int stmt_audit_list;

static const col_spec audit_cols[] = {
    {"id", COL_INT},           {"at", COL_TIMESTAMP},  {"user_id", COL_INT},      {"username", COL_TEXT},
    {"role", COL_TEXT},        {"address", COL_TEXT},  {"request_id", COL_TEXT},  {"action", COL_TEXT},
    {"entity", COL_TEXT},      {"entity_id", COL_TEXT}, {"province", COL_TEXT},   {"county_id", COL_INT},
    {"center_id", COL_INT},    {"before", COL_JSON},   {"after", COL_JSON},       {"detail", COL_JSON},
};

void audit_init(void)
{
    /* the trail is two tables in one id space: audit_log (writes, logins, refusals, and reads before migration
     * 0011) and read_log (reads of people's records, written in batches): each gives its newest matches, then
     * the newest of both */
#define AUDIT_FILTER                                                                                          \
    " WHERE ($1::text IS NULL OR entity = $1) AND ($2::text IS NULL OR entity_id = $2)"                      \
    " AND ($3::text IS NULL OR action = $3) AND ($4::bigint IS NULL OR user_id = $4::bigint)"                \
    " AND ($5::bigint IS NULL OR id < $5::bigint)"
    stmt_audit_list = db_stmt_register(
        "audit_list",
        "SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), user_id, username, role,"
        " address, request_id, action, entity, entity_id, province_code, county_id, center_id,"
        " audit_shown(entity, entity_id, before), audit_shown(entity, entity_id, after), detail"
        " FROM ((SELECT id, at, user_id, username, role, address, request_id, action, entity, entity_id,"
        " province_code, county_id, center_id, before, after, detail FROM audit_log" AUDIT_FILTER
        " ORDER BY id DESC LIMIT $6)"
        " UNION ALL (SELECT id, at, user_id, username, role, address, request_id, action, entity, entity_id,"
        " province_code, county_id, center_id, NULL::jsonb, NULL::jsonb, detail FROM read_log" AUDIT_FILTER
        " ORDER BY id DESC LIMIT $6)) trail"
        " ORDER BY id DESC LIMIT $6");
#undef AUDIT_FILTER
}

static void audit_recorded(req_ctx *rc, bool recorded)
{
    static const int key[] = {0};
    if (recorded)
        reply_rows_list(rc, rc->job.res[1], audit_cols, NCOLS(audit_cols), rc->limit, key, 1);
    else
        resource_reply_unrecorded(rc);
}

static void audit_listed(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (!req_job_ok(rc, job))
        return;
    const PGresult *r = job->res[1];
    if (rc->who.role != ROLE_NATIONAL_ADMIN)
        for (int i = 0; i < PQntuples(r); i++)
            if (strcmp(PQgetvalue(r, i, 10), rc->who.province) != 0) {
                log_msg(LOG_ERROR, rc->request_id, "audit list returned a row outside the caller's scope");
                reply_problem(rc, 500, "Internal error; quote the request id when reporting it.");
                return;
            }
    /* the trail holds people's records (before and after): reading it is recorded too */
    resource_record_list(rc, "audit", rc->state, PQntuples(r), audit_recorded);
}

void handle_audit_list(req_ctx *rc)
{
    static const list_filter filters[] = {{"entity", LF_WORD, NULL, NULL},
                                          {"entity_id", LF_ID, NULL, "must be a record id"},
                                          {"action", LF_WORD, NULL, NULL},
                                          {"user_id", LF_ID, NULL, "must be a user id"}};
    list_request lr;
    if (!list_parse_or_reply(rc, filters, NCOLS(filters), LIST_CURSOR_ID, &lr))
        return;
    const char *entity = lr.values[0], *entity_id = lr.values[1], *action = lr.values[2], *user_id = lr.values[3];
    const char *const names[] = {"entity", "entity_id", "action", "user_id"};
    const char *const vals[] = {entity, entity_id, action, user_id};
    rc->state = (void *)resource_list_audit_filter(rc, names, vals, NCOLS(names), false);
    req_job_begin(rc, true);
    db_query *q = db_job_add(&rc->job, stmt_audit_list);
    db_query_param(q, entity);
    db_query_param(q, entity_id);
    db_query_param(q, action);
    db_query_param(q, user_id);
    db_query_param(q, lr.after);
    db_query_param(q, lr.limit);
    rc->job.retry_safe = true;
    req_db_submit(rc, audit_listed);
}
