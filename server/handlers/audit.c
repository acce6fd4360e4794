/*
 * audit.c - GET /api/v1/audit: who did what, when, with the record before and after; and who read whose file.
 * National admins see the whole trail, provincial admins what happened to records of their province (row-level
 * security decides; the server checks each row again). Newest first.
 */
#include <stdlib.h>
#include <string.h>

#include "common/digits.h"
#include "common/log.h"
#include "server/db/result.h"
#include "server/handlers/handlers.h"
#include "server/http/describe.h"
#include "server/http/list.h"
#include "server/http/resource.h"

/* One entry of the trail as the API shows it (a row shape: the trail is written by every other write, never
 * through this API) */
static const field_desc audit_fields[] = {
    DESC_ID("48213"),
    {.name = "at", .column = "at", .expr = "to_char(t.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
     .out = COL_TIMESTAMP, .label_fa = "زمان", .label_en = "At", .example = "\"2026-01-05T08:30:00.123Z\""},
    {.name = "user_id", .column = "user_id", .out = COL_INT, .flags = DF_NULLABLE, .label_fa = "کاربر",
     .label_en = "User", .example = "7"},
    {.name = "username", .column = "username", .out = COL_TEXT, .flags = DF_NULLABLE, .label_fa = "نام کاربری",
     .label_en = "Username", .example = "\"officer.tehran\""},
    {.name = "role", .column = "role", .out = COL_TEXT, .flags = DF_NULLABLE, .label_fa = "نقش", .label_en = "Role",
     .example = "\"county_officer\""},
    {.name = "address", .column = "address", .out = COL_TEXT, .flags = DF_NULLABLE, .label_fa = "نشانی شبکه",
     .label_en = "Address", .example = "\"10.0.0.7\""},
    {.name = "request_id", .column = "request_id", .out = COL_TEXT, .flags = DF_NULLABLE, .label_fa = "شناسهٔ درخواست",
     .label_en = "Request id", .example = "\"5f2c0e1a9b7d4c3e\""},
    {.name = "action", .column = "action", .out = COL_TEXT, .label_fa = "کنش", .label_en = "Action",
     .example = "\"update\""},
    {.name = "entity", .column = "entity", .out = COL_TEXT, .label_fa = "نوع رکورد", .label_en = "Entity",
     .example = "\"client\""},
    {.name = "entity_id", .column = "entity_id", .out = COL_TEXT, .flags = DF_NULLABLE, .label_fa = "شناسهٔ رکورد",
     .label_en = "Record id", .example = "\"1042\""},
    {.name = "province", .column = "province_code", .out = COL_TEXT, .flags = DF_NULLABLE, .label_fa = "استان",
     .label_en = "Province", .example = "\"IR-08\""},
    {.name = "county_id", .column = "county_id", .out = COL_INT, .flags = DF_NULLABLE, .label_fa = "شهرستان",
     .label_en = "County", .example = "120"},
    {.name = "center_id", .column = "center_id", .out = COL_INT, .flags = DF_NULLABLE, .label_fa = "مرکز",
     .label_en = "Center", .example = "null"},
    /* a donor's name is masked in what was written while the donation was named (migration 0015) */
    {.name = "before", .expr = "audit_shown(t.entity, t.entity_id, t.before)", .out = COL_JSON,
     .flags = DF_NULLABLE, .label_fa = "پیش از تغییر", .label_en = "Before", .example = "null"},
    {.name = "after", .expr = "audit_shown(t.entity, t.entity_id, t.after)", .out = COL_JSON, .flags = DF_NULLABLE,
     .label_fa = "پس از تغییر", .label_en = "After", .example = "{\"version\": 2}"},
    {.name = "detail", .column = "detail", .out = COL_JSON, .flags = DF_NULLABLE, .label_fa = "جزئیات",
     .label_en = "Detail", .example = "null"},
};
/* The trail's filters. kind splits it in two: what changed a record (the entries that hold its before or after:
 * creations, edits, closings, transfers) and every other entry (reads, lists, refusals, sign-ins), so a record's
 * history is not buried under the reads of it (a client's page shows both apart). */
static const char *const kinds[] = {"change", "access", NULL};
static const field_desc audit_query[] = {
    {.name = "user_id", .filter = LF_ID, .filter_message = "must be a user id", .label_en = "User",
     .filter_doc = "Only what this user did"},
    {.name = "action", .filter = LF_WORD, .label_en = "Action",
     .filter_doc = "create, update, read, list, login, login_failed, logout, denied, ..."},
    {.name = "entity", .filter = LF_WORD, .label_en = "Entity", .filter_doc = "client, staff, center, user, session, ..."},
    {.name = "entity_id", .filter = LF_ID, .filter_message = "must be a record id", .label_en = "Record id",
     .filter_doc = "The record's id"},
    {.name = "kind", .filter = LF_ENUM, .choices = kinds, .label_en = "Kind",
     .filter_doc = "change: only the entries holding a record's before or after (creations, edits, closings, "
                   "transfers); access: only the others (reads, lists, refusals, sign-ins)"},
};
static row_desc trail = {
    .schema = "AuditRecord",
    .path = "/api/v1/audit",
    .fields = audit_fields,
    .nfields = NCOLS(audit_fields),
    .query = audit_query,
    .nquery = NCOLS(audit_query),
};

static int stmt_audit_list, key_id, col_province;

void audit_init(void)
{
    describe_rows_init(&trail);
    key_id = res_col(trail.cols, trail.ncols, "id");
    col_province = res_col(trail.cols, trail.ncols, "province");
    /* the trail is two tables in one id space: audit_log (writes, logins, refusals, and reads before migration
     * 0011) and read_log (reads of people's records, written in batches): each gives its newest matches, then
     * the newest of both */
#define AUDIT_FILTER                                                                                          \
    " WHERE ($1::text IS NULL OR entity = $1) AND ($2::text IS NULL OR entity_id = $2)"                      \
    " AND ($3::text IS NULL OR action = $3) AND ($4::bigint IS NULL OR user_id = $4::bigint)"                \
    " AND ($5::bigint IS NULL OR id < $5::bigint)"
    strbuf sb = STRBUF_INIT;
    strbuf_printf(&sb,
        "SELECT %s"
        " FROM ((SELECT id, at, user_id, username, role, address, request_id, action, entity, entity_id,"
        " province_code, county_id, center_id, before, after, detail FROM audit_log" AUDIT_FILTER
        " AND ($7::text IS NULL OR ($7::text = 'change') = (before IS NOT NULL OR after IS NOT NULL))"
        " ORDER BY id DESC LIMIT $6)"
        " UNION ALL (SELECT id, at, user_id, username, role, address, request_id, action, entity, entity_id,"
        " province_code, county_id, center_id, NULL::jsonb, NULL::jsonb, detail FROM read_log" AUDIT_FILTER
        " AND ($7::text IS NULL OR $7::text = 'access')"    /* a read never holds a before or after */
        " ORDER BY id DESC LIMIT $6)) t"
        " ORDER BY t.id DESC LIMIT $6", trail.select_sql);
#undef AUDIT_FILTER
    stmt_audit_list = db_stmt_register("audit_list", sb.data);
    strbuf_free(&sb);
}

static void audit_recorded(req_ctx *rc, bool recorded)
{
    if (recorded)
        reply_rows_list(rc, rc->job.res[1], trail.cols, trail.ncols, rc->limit, &key_id, 1);
    else
        resource_reply_unrecorded(rc);
}

static void audit_listed(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (!req_job_ok(rc, job))
        return;
    const PGresult *r = job->res[1];
    if (role_level(rc->who.role) != 0)     /* national_admin and national_viewer read the whole trail */
        for (int i = 0; i < db_nrows(r); i++)
            if (!db_at(r, i, col_province) || strcmp(db_at(r, i, col_province), rc->who.province) != 0) {
                log_msg(LOG_ERROR, rc->request_id, "audit list returned a row outside the caller's scope");
                reply_problem(rc, 500, "Internal error; quote the request id when reporting it.");
                return;
            }
    /* the trail holds people's records (before and after): reading it is recorded too */
    resource_record_list(rc, "audit", rc->state, db_nrows(r), audit_recorded);
}

void handle_audit_list(req_ctx *rc)
{
    list_request lr;
    if (!list_parse_or_reply(rc, trail.filters, trail.nfilters, LIST_CURSOR_ID, &lr))
        return;
    const char *entity = list_value(&lr, trail.filters, trail.nfilters, "entity"),
               *entity_id = list_value(&lr, trail.filters, trail.nfilters, "entity_id"),
               *action = list_value(&lr, trail.filters, trail.nfilters, "action"),
               *user_id = list_value(&lr, trail.filters, trail.nfilters, "user_id"),
               *kind = list_value(&lr, trail.filters, trail.nfilters, "kind");
    const char *const names[] = {"entity", "entity_id", "action", "user_id", "kind"};
    const char *const vals[] = {entity, entity_id, action, user_id, kind};
    rc->state = (void *)resource_list_audit_filter(rc, names, vals, NCOLS(names), false);
    req_job_begin(rc, true);
    db_query *q = db_job_add(&rc->job, stmt_audit_list);
    db_query_param(q, entity);
    db_query_param(q, entity_id);
    db_query_param(q, action);
    db_query_param(q, user_id);
    db_query_param(q, lr.after);
    db_query_param(q, lr.limit);
    db_query_param(q, kind);
    rc->job.retry_safe = true;
    req_db_submit(rc, audit_listed);
}
