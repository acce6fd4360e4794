/*
 * submissions.c - NGO partner centers send their new clients, staff and services in batches; officers review them.
 *
 *   POST /api/v1/submissions (Idempotency-Key required): up to 1,000 records or 5 MB. Each record is checked as the
 *     registry would (fields, national ID, duplicates against the whole nation and within the batch) and gets its
 *     own result; the batch is stored even with invalid records, so the NGO can fix and resend just those. The same
 *     key and body again replays the first reply and creates nothing (also when both arrive at once: the unique
 *     key decides); the same key with another body is 409.
 *   GET /api/v1/submissions[?status=&center_id=], GET /api/v1/submissions/{id}: the NGO its own center's, officers
 *     those in their scope.
 *   POST /api/v1/submissions/{id}/decision {"decision": "approve"|"reject", "reason", "exclude": [{"index",
 *     "reason"}]}: approval writes every valid record but the excluded ones in one transaction (all or nothing,
 *     checked again for duplicates, each audited with the submission id); a decided submission cannot be decided
 *     again (409). While a record's national ID is registered outside the submission's center (the NGO was not
 *     told), approval is 409 naming it until the officer excludes it; an excluded record reads to the NGO as
 *     invalid, "excluded by the reviewing officer", with the officer's reason, whatever the cause.
 *
 * Two views of a submission: the NGO's (results: a national ID registered outside the center reads as valid, so a
 * submission is no oracle of who is a welfare client in the nation) and the officers' (review_results: such a
 * record is invalid). Which one a caller gets is decided in SQL from registry_role(), the role auth_begin
 * validated, for everyone: an officer's submission for an NGO center stores the NGO's view too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/token.h"
#include "server/auth/authenticate.h"
#include "server/db/result.h"
#include "server/handlers/handlers.h"
#include "server/http/list.h"
#include "server/http/resource.h"

#define MAX_RECORDS 1000
#define MAX_SUBMISSION_BYTES (5 * 1024 * 1024)

/* everyone but NGO submitters sees the review view (registry_role(): as auth_begin validated it) */
#define REVIEW_VIEW "(registry_role() <> 'ngo_submitter')"
#define SUBMISSION_LIST_SELECT                                                                                       \
    "t.id, t.center_id, t.province_code AS province, t.county_id, t.status, t.record_count,"                       \
    " CASE WHEN " REVIEW_VIEW " THEN coalesce(t.review_valid_count, t.valid_count) ELSE t.valid_count END"     \
    " AS valid_count,"        \
    " t.submitted_by, t.reason, t.decided_by, " SQL_UTC_TS("decided_at") ", t.version, " SQL_UTC_TS("created_at")

static const char *const statuses[] = {"pending", "approved", "rejected", NULL};

static const col_spec list_cols[] = {
    {"id", COL_INT},           {"center_id", COL_INT},   {"province", COL_TEXT},   {"county_id", COL_INT},
    {"status", COL_TEXT},      {"record_count", COL_INT}, {"valid_count", COL_INT}, {"submitted_by", COL_INT},
    {"reason", COL_TEXT},      {"decided_by", COL_INT},  {"decided_at", COL_TIMESTAMP}, {"version", COL_INT},
    {"created_at", COL_TIMESTAMP}};
static const col_spec detail_cols[] = {
    {"id", COL_INT},           {"center_id", COL_INT},   {"province", COL_TEXT},   {"county_id", COL_INT},
    {"status", COL_TEXT},      {"record_count", COL_INT}, {"valid_count", COL_INT}, {"submitted_by", COL_INT},
    {"reason", COL_TEXT},      {"decided_by", COL_INT},  {"decided_at", COL_TIMESTAMP}, {"version", COL_INT},
    {"created_at", COL_TIMESTAMP}, {"results", COL_JSON}, {"records", COL_JSON}};

static int stmt_places, stmt_existing, stmt_taken, stmt_visible_clients, stmt_insert, stmt_list, stmt_get, stmt_for_decision,
    stmt_decide;

void submissions_init(void)
{
    /* the reply to the submitter: its view of the results as first answered (a decision that excluded records
     * keeps them in first_*, migration 0025), so a replay after the decision still answers the first reply */
    stmt_existing = db_stmt_register("submission_existing",
                                     "SELECT id, request_hash, CASE WHEN " REVIEW_VIEW
                                     " THEN coalesce(first_review_results, review_results, results)"
                                     " ELSE coalesce(first_results, results) END AS results FROM submissions"
                                     " WHERE submitted_by = registry_user_id() AND idempotency_key = $1");
    /* which IDs are registered anywhere in the nation (SECURITY DEFINER: says only that), and which of them in the
     * submission's center itself (row-level security: the submitter's scope holds that center) */
    stmt_taken = db_stmt_register("submission_taken",
                                  "SELECT registry_national_ids_taken('client', $1::text[]) AS taken_clients,"
                                  " registry_national_ids_taken('staff', $2::text[]) AS taken_staff,"
                                  " ARRAY(SELECT national_id FROM clients WHERE national_id = ANY($1::text[])"
                                  " AND center_id = $3::bigint) AS own_clients,"
                                  " ARRAY(SELECT national_id FROM staff WHERE national_id = ANY($2::text[])"
                                  " AND center_id = $3::bigint) AS own_staff");
    /* where things are: the submission's center (NULL: not one the submitter may use), and the counties and
     * households the records name, so a record approval would refuse is marked invalid now */
    stmt_places = db_stmt_register(
        "submission_places",
        "SELECT (SELECT province_code FROM centers WHERE id = $1::bigint) AS center_province,"
        " (SELECT coalesce(jsonb_object_agg(id, province_code), '{}') FROM counties WHERE id = ANY($2::integer[]))"
        " AS county_provinces,"
        " (SELECT coalesce(jsonb_object_agg(id, province_code), '{}') FROM households WHERE id = ANY($3::bigint[]))"
        " AS household_provinces");
    stmt_visible_clients = db_stmt_register("submission_visible_clients",
                                            "SELECT array_agg(id) AS visible FROM clients WHERE id = ANY($1::bigint[])");
    /* the quotas are checked under their lock in the inserting transaction (two at once count one after the
     * other), and only there; the reply's second column says which quota refused it */
    stmt_insert = db_stmt_register(
        "submission_insert",
        "WITH q AS (SELECT submission_quota_refusal($4::integer, $10::bigint, $11::integer, $12::integer,"
        " $13::bigint) AS refusal),"
        " ins AS (INSERT INTO submissions (center_id, submitted_by, idempotency_key, request_hash, record_count,"
        " valid_count, records, results, valid_values, review_results, review_valid_count, body_bytes)"
        " SELECT $1::bigint, registry_user_id(), $2, $3, $4::integer, $5::integer, $6::jsonb, $7::jsonb, $8::jsonb,"
        " $9::jsonb, $14::integer, $10::bigint FROM q WHERE q.refusal IS NULL"
        " ON CONFLICT (submitted_by, idempotency_key) DO NOTHING"
        " RETURNING id, province_code, county_id, center_id, record_count, valid_count, review_valid_count),"
        " a AS (INSERT INTO audit_log (action, entity, entity_id, province_code, county_id, center_id, detail)"
        " SELECT 'create', 'submission', ins.id::text, ins.province_code, ins.county_id, ins.center_id,"
        " jsonb_build_object('records', ins.record_count, 'valid', coalesce(ins.review_valid_count, ins.valid_count))"
        " FROM ins)"
        " SELECT (SELECT id FROM ins) AS id, (SELECT refusal FROM q) AS refusal");
    stmt_list = db_stmt_register(
        "submission_list",
        "SELECT " SUBMISSION_LIST_SELECT " FROM submissions t"
        " WHERE ($1::text IS NULL OR t.province_code = $1) AND ($2::integer IS NULL OR t.county_id = $2::integer)"
        " AND ($3::bigint IS NULL OR t.center_id = $3::bigint)"
        " AND ($4::submission_status IS NULL OR t.status = $4::submission_status)"
        " AND ($5::bigint IS NULL OR t.center_id = $5::bigint)"
        " AND ($6::bigint IS NULL OR t.id > $6::bigint)"
        " AND ($8::timestamptz IS NULL OR t.updated_at >= $8::timestamptz) ORDER BY t.id LIMIT $7");
    stmt_get = db_stmt_register("submission_get",
                                "SELECT " SUBMISSION_LIST_SELECT ","
                                " CASE WHEN " REVIEW_VIEW " THEN coalesce(t.review_results, t.results) ELSE t.results END"
                                " AS results, t.records, " REVIEW_VIEW " AS review_view"
                                " FROM submissions t WHERE t.id = $1::bigint");
    stmt_for_decision = db_stmt_register(
        "submission_for_decision",
        "SELECT t.status, t.valid_values, t.province_code, t.county_id, t.center_id,"
        " registry_national_ids_taken('client', ARRAY(SELECT v->'values'->>'national_id'"
        "  FROM jsonb_array_elements(t.valid_values) v WHERE v->>'kind' = 'client'"
        "  AND (v->>'index')::integer <> ALL($2::integer[]))) AS taken_clients,"
        " registry_national_ids_taken('staff', ARRAY(SELECT v->'values'->>'national_id'"
        "  FROM jsonb_array_elements(t.valid_values) v WHERE v->>'kind' = 'staff'"
        "  AND (v->>'index')::integer <> ALL($2::integer[]))) AS taken_staff,"
        /* hidden: valid to the NGO, left out of what approval writes (registered outside the center) */
        " ARRAY(SELECT (x->>'index')::integer FROM jsonb_array_elements(t.results) x WHERE x->>'status' = 'valid'"
        "  AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(t.valid_values) v WHERE v->>'index' = x->>'index')"
        "  ORDER BY 1) AS hidden,"
        " ARRAY(SELECT (x->>'index')::integer FROM jsonb_array_elements(t.results) x WHERE x->>'status' = 'valid')"
        " AS told_valid FROM submissions t WHERE t.id = $1::bigint");
    stmt_decide = db_stmt_register(
        "submission_decide",
        "WITH upd AS (UPDATE submissions t SET status = $2::submission_status, reason = $3,"
        " decided_by = registry_user_id(),"
        " decided_at = now(), decided_request = current_setting('registry.request_id', true),"
        " version = t.version + 1, updated_at = now(),"
        /* excluded records ($4: {"index": "reason"}) read as invalid in both views (submission_exclude, 0018) */
        " first_results = CASE WHEN $4::jsonb = '{}' THEN t.first_results ELSE coalesce(t.first_results, t.results) END,"
        " first_review_results = CASE WHEN $4::jsonb = '{}' THEN t.first_review_results"
        "  ELSE coalesce(t.first_review_results, t.review_results, t.results) END,"
        " results = submission_exclude(t.results, $4::jsonb),"
        " review_results = CASE WHEN $4::jsonb = '{}' THEN t.review_results"
        "  ELSE submission_exclude(coalesce(t.review_results, t.results), $4::jsonb) END,"
        " valid_count = t.valid_count - (SELECT count(*) FROM jsonb_object_keys($4::jsonb)),"
        " review_valid_count = CASE WHEN $4::jsonb = '{}' THEN t.review_valid_count"
        "  ELSE (SELECT count(*) FROM jsonb_array_elements(t.valid_values) v WHERE NOT $4::jsonb ? (v->>'index')) END"
        " WHERE t.id = $1::bigint AND t.status = 'pending' RETURNING t.id, t.province_code, t.county_id, t.center_id,"
        " t.status),"
        " a AS (INSERT INTO audit_log (action, entity, entity_id, province_code, county_id, center_id, detail)"
        " SELECT CASE WHEN upd.status = 'approved' THEN 'approve' ELSE 'reject' END, 'submission', upd.id::text,"
        " upd.province_code, upd.county_id, upd.center_id,"
        " jsonb_build_object('reason', $3) || CASE WHEN $4::jsonb = '{}' THEN '{}'::jsonb"
        "  ELSE jsonb_build_object('excluded', $4::jsonb) END FROM upd)"
        " SELECT id FROM upd");
}

/* POST -------------------------------------------------------------------------------------------------------- */

typedef struct submit_state {
    const char *key, *hash, *center;
    int nrecords;
    bool ids_sent;                  /* the batch names national IDs: the duplicate lookups were sent */
    const char **kinds;             /* per record */
    const char **national_ids;      /* per record (clients, staff), NULL otherwise */
    const char **client_refs;       /* per record (services): the client it is for */
    const char **counties;          /* per record (clients): its county */
    const char **households;        /* per record (clients): its household, if any */
    json_object *records;           /* as sent */
    json_object **values;           /* per record, NULL when invalid */
    json_object **errors;           /* per record: an array, or NULL */
} submit_state;

/* the per-record errors a reply did not take (a replay, a quota, a refused center) */
static void put_errors(void *p)
{
    submit_state *st = p;
    for (int i = 0; i < st->nrecords; i++)
        if (st->errors[i])
            json_object_put(st->errors[i]);
}

/* A record's error of the submission's own checks, with a stable code as validation's are ("field.reason", or the
 * reason alone for the record as a whole), so a client can say it in its own language without parsing the message. */
static void add_error(json_object **errs, const char *field, const char *reason, const char *msg)
{
    if (!*errs)
        *errs = json_object_new_array();
    json_object *e = json_object_new_object();
    json_object_object_add(e, "field", json_object_new_string(field));
    json_object_object_add(e, "message", json_object_new_string(msg));
    char code[64];
    snprintf(code, sizeof(code), "%s%s%s", field, field[0] ? "." : "", reason);
    json_object_object_add(e, "code", json_object_new_string(code));
    json_object_array_add(*errs, e);
}

static void reply_submission(req_ctx *rc, int status, const char *id, const char *results)
{
    strbuf sb = STRBUF_INIT;
    strbuf_printf(&sb, "{\"id\":%s,\"status\":\"pending\",\"results\":%s}", id, results);
    char loc[64];
    snprintf(loc, sizeof(loc), "/api/v1/submissions/%s", id);
    req_add_header(rc, "Location", loc);
    reply_strbuf(rc, status, "application/json", &sb);
}

/* The retry rule: the same key and the same body get the first reply; the same key with another body is 409. */
static void replay_or_conflict(req_ctx *rc, const submit_state *st, const PGresult *existing)
{
    if (strcmp(db_get(existing, 0, "request_hash"), st->hash) != 0) {
        reply_problem(rc, 409, "This Idempotency-Key was used for a different submission; use a new key.");
        return;
    }
    /* the first reply again, whatever happened since (a decision too): marked as a replay, with a link to where the
     * submission's current state is */
    const char *id = db_get(existing, 0, "id");
    req_add_header(rc, "Idempotency-Replayed", "true");
    req_add_header(rc, "Link", arena_sprintf(rc->arena, "</api/v1/submissions/%s>; rel=\"related\"", id));
    reply_submission(rc, 201, id, db_get(existing, 0, "results"));
}

/* A per-user quota refused the submission (submission_quota_refusal in migration 0016); nothing was stored. */
static void reply_quota(req_ctx *rc, const char *refusal)
{
    const registry_config *cfg = rc->w->cfg;
    char msg[320];
    if (!strncmp(refusal, "records:", 8)) {
        req_add_header(rc, "Retry-After", refusal + 8);
        snprintf(msg, sizeof(msg), "You may send at most %d records in submissions in 24 hours "
                 "(submission_records_per_day); send this batch later (Retry-After) or ask an administrator.",
                 cfg->submission_records_per_day);
        metrics_event(&rc->w->metrics, METRICS_EV_RATE_LIMITED);
        reply_problem(rc, 429, msg);
    } else if (!strcmp(refusal, "pending")) {
        snprintf(msg, sizeof(msg), "You have %d submissions awaiting review, the most one user may have "
                 "(submission_pending_max); send more once an officer has decided some.", cfg->submission_pending_max);
        reply_problem(rc, 409, msg);
    } else {
        snprintf(msg, sizeof(msg), "Your submissions awaiting review would hold more than %ld bytes "
                 "(submission_pending_bytes); send more once an officer has decided some.",
                 cfg->submission_pending_bytes);
        reply_problem(rc, 409, msg);
    }
}

static void inserted(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    submit_state *st = rc->state;
    if (!req_job_ok(rc, job))
        return;
    const PGresult *ins = job->res[1], *existing = job->res[2];
    const char *made = db_get(ins, 0, "id");
    if (made) {
        /* the results as stored: read back from the row this request made */
        if (db_nrows(existing) == 1 && !strcmp(db_get(existing, 0, "id"), made))
            reply_submission(rc, 201, made, db_get(existing, 0, "results"));
        else
            reply_problem(rc, 500, "Internal error; quote the request id when reporting it.");
        return;
    }
    /* a request with the same key won the race: answer as a retry would be answered */
    if (db_nrows(existing) == 1) {
        replay_or_conflict(rc, st, existing);
        return;
    }
    const char *refusal = db_get(ins, 0, "refusal");
    if (refusal) {
        reply_quota(rc, refusal);
        return;
    }
    reply_problem(rc, 500, "Internal error; quote the request id when reporting it.");
}

static bool in_text_array(const char *pgarray, const char *v)
{
    /* PostgreSQL text[] of 10-digit IDs: {0012345678,...}; IDs hold no quotes or commas */
    size_t n = strlen(v);
    for (const char *p = pgarray; (p = strstr(p, v)); p += n)
        if ((p[-1] == '{' || p[-1] == ',') && (p[n] == ',' || p[n] == '}'))
            return true;
    return false;
}

/* An array column of row 0 as PostgreSQL writes it, "{}" for NULL or no result. */
static const char *text_array_or_empty(const PGresult *r, const char *column)
{
    const char *v = r ? db_get(r, 0, column) : NULL;
    return v ? v : "{}";
}

static void checked(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    submit_state *st = rc->state;
    if (!req_job_ok(rc, job))
        return;
    if (db_nrows(job->res[1]) == 1) {
        replay_or_conflict(rc, st, job->res[1]);
        return;
    }
    const PGresult *places = job->res[2];
    const char *center_province = db_get(places, 0, "center_province");
    if (!center_province) {
        field_errors fe = {0};
        field_error(&fe, "center_id", "is not a center in your scope");
        reply_problem_fields(rc, 422, "The submission was not accepted.", &fe);
        return;
    }
    json_object *county_provinces = req_json_parse(rc, db_get(places, 0, "county_provinces"));
    json_object *household_provinces = req_json_parse(rc, db_get(places, 0, "household_provinces"));
    const char *visible = text_array_or_empty(job->res[3], "visible");
    /* no national ID in the batch (services only): the lookups were not sent */
    const PGresult *tk = st->ids_sent ? job->res[4] : NULL;
    const char *taken_clients = text_array_or_empty(tk, "taken_clients");
    const char *taken_staff = text_array_or_empty(tk, "taken_staff");
    const char *own_clients = text_array_or_empty(tk, "own_clients"), *own_staff = text_array_or_empty(tk, "own_staff");
    /* The NGO users of the center are not told that an ID is registered outside it (hole 3: a bulk oracle of who
     * is a welfare client in the nation), whoever sent the submission: such a record reads "valid" in results,
     * is kept out of what approval writes, and is invalid in the officers' view (review_results). */

    json_object *results = req_json_array(rc), *valid = req_json_array(rc), *review = req_json_array(rc);
    int nvalid = 0, ntold = 0, nhidden = 0;
    for (int i = 0; i < st->nrecords; i++) {
        bool hidden = false;
        if (st->values[i] && st->national_ids[i]) {
            bool client = !strcmp(st->kinds[i], "client");
            if (in_text_array(client ? taken_clients : taken_staff, st->national_ids[i])) {
                if (in_text_array(client ? own_clients : own_staff, st->national_ids[i]))
                    add_error(&st->errors[i], "national_id", "registered", "is already registered");
                else
                    hidden = true;
            }
        }
        if (st->values[i] && st->client_refs[i] && !in_text_array(visible, st->client_refs[i]))
            add_error(&st->errors[i], "client_id", "scope", "is not a client of your scope");
        /* the registry keeps a client in its center's province (and its household there too) */
        json_object *prov;
        if (st->values[i] && st->counties[i] &&
            (!json_object_object_get_ex(county_provinces, st->counties[i], &prov) ||
             strcmp(json_object_get_string(prov), center_province) != 0))
            add_error(&st->errors[i], "county_id", "province",
                      "must be a county of the submission's center's province");
        if (st->values[i] && st->households[i] &&
            (!json_object_object_get_ex(household_provinces, st->households[i], &prov) ||
             strcmp(json_object_get_string(prov), center_province) != 0))
            add_error(&st->errors[i], "household_id", "scope", "is not a household of your scope in this province");
        bool ok = st->values[i] && !st->errors[i];
        json_object *res = json_object_new_object();
        json_object_object_add(res, "index", json_object_new_int(i));
        json_object_object_add(res, "status", json_object_new_string(ok ? "valid" : "invalid"));
        json_object_object_add(res, "errors", st->errors[i] ? st->errors[i] : json_object_new_array());
        st->errors[i] = NULL;
        json_object_array_add(results, res);
        if (hidden) {
            /* the officer's view: what the submitter was told, and the duplicate */
            json_object *rev = json_object_new_object(), *errs = json_object_new_array(), *told;
            json_object_object_get_ex(res, "errors", &told);
            for (size_t e = 0; e < json_object_array_length(told); e++)
                json_object_array_add(errs, json_object_get(json_object_array_get_idx(told, e)));
            add_error(&errs, "national_id", "registered_elsewhere",
                      "is already registered outside the submission's center (its NGO users see this record as valid, "
                      "awaiting review); exclude it to approve the rest");
            json_object_object_add(rev, "index", json_object_new_int(i));
            json_object_object_add(rev, "status", json_object_new_string("invalid"));
            json_object_object_add(rev, "errors", errs);
            json_object_array_add(review, rev);
            nhidden++;
        } else
            json_object_array_add(review, json_object_get(res));
        ntold += ok;
        if (ok && !hidden) {
            json_object *v = json_object_new_object();
            json_object_object_add(v, "index", json_object_new_int(i));
            json_object_object_add(v, "kind", json_object_new_string(st->kinds[i]));
            json_object_object_add(v, "values", json_object_get(st->values[i]));
            json_object_array_add(valid, v);
            nvalid++;
        }
    }
    const char *results_json = arena_strdup(rc->arena, json_object_to_json_string_ext(results, JSON_C_TO_STRING_PLAIN));
    const char *valid_json = arena_strdup(rc->arena, json_object_to_json_string_ext(valid, JSON_C_TO_STRING_PLAIN));
    const char *review_json =
        nhidden ? arena_strdup(rc->arena, json_object_to_json_string_ext(review, JSON_C_TO_STRING_PLAIN)) : NULL;
    const registry_config *cfg = rc->w->cfg;
    const char *records_json =
        arena_strdup(rc->arena, json_object_to_json_string_ext(st->records, JSON_C_TO_STRING_PLAIN));
    /* the pending-bytes quota counts what is stored, not what was sent */
    size_t stored = strlen(records_json) + strlen(results_json) + strlen(valid_json) +
                    (review_json ? strlen(review_json) : 0);
    if (stored > (size_t)cfg->submission_pending_bytes) {
        /* could never fit under the quota, even with nothing else pending */
        field_errors fe = {0};
        field_error(&fe, "records", "would take %zu bytes stored, more than your quota of bytes awaiting review "
                    "(submission_pending_bytes, %ld); send smaller batches", stored, cfg->submission_pending_bytes);
        reply_problem_fields(rc, 422, "The submission was not accepted.", &fe);
        return;
    }

    req_job_begin(rc, false);
    db_query *q = db_job_add(&rc->job, stmt_insert);
    db_query_param(q, st->center);
    db_query_param(q, st->key);
    db_query_param(q, st->hash);
    db_query_param(q, arena_sprintf(rc->arena, "%d", st->nrecords));
    db_query_param(q, arena_sprintf(rc->arena, "%d", ntold));
    db_query_param(q, records_json);
    db_query_param(q, results_json);
    db_query_param(q, valid_json);
    db_query_param(q, review_json);
    db_query_param(q, arena_sprintf(rc->arena, "%zu", stored));
    db_query_param(q, arena_sprintf(rc->arena, "%d", cfg->submission_records_per_day));
    db_query_param(q, arena_sprintf(rc->arena, "%d", cfg->submission_pending_max));
    db_query_param(q, arena_sprintf(rc->arena, "%ld", cfg->submission_pending_bytes));
    db_query_param(q, nhidden ? arena_sprintf(rc->arena, "%d", nvalid) : NULL);
    db_query_param(db_job_add(&rc->job, stmt_existing), st->key);
    req_db_submit(rc, inserted);
}

static const resource *kind_resource(json_object *kind)
{
    const char *k = json_object_is_type(kind, json_type_string) ? json_object_get_string(kind) : "";
    return !strcmp(k, "client") ? clients_resource() : !strcmp(k, "staff") ? staff_resource()
           : !strcmp(k, "service") ? services_resource() : NULL;
}

/* A record's field name for an error: at most 60 bytes of it, cut at a character boundary. */
static void name_field(char *out, size_t n, size_t i, const char *data, const char *key)
{
    size_t len = strlen(key);
    if (len > 60) {
        len = 60;
        while (len > 0 && ((unsigned char)key[len] & 0xC0) == 0x80)
            len--;
    }
    snprintf(out, n, "records[%zu].%s%.*s%s", i, data, (int)len, key, len < strlen(key) ? "..." : "");
}

/* The most a known field of a record may hold, in bytes of JSON, where its spec sets no length (dates, enums,
 * numbers; structured fields such as disability, needs, trainings) */
#define MAX_SCALAR_JSON 100
#define MAX_STRUCTURED_JSON 4096

/* Is a known field's value too large to be stored? Text by the field's own limit (code points), the rest by size. */
static bool oversized(const resource *r, const char *key, json_object *val, char *why, size_t whysz)
{
    if (!val)
        return false;
    const field_spec *spec = NULL;
    for (int f = 0; f < r->ncreate_fields; f++)
        if (!strcmp(r->create_fields[f].name, key))
            spec = &r->create_fields[f];
    if (spec && spec->type == F_STRING && spec->max > 0 && json_object_is_type(val, json_type_string)) {
        int64_t cps = 0;
        for (const unsigned char *p = (const unsigned char *)json_object_get_string(val); *p; p++)
            cps += (*p & 0xC0) != 0x80;
        if (cps <= spec->max)
            return false;
        snprintf(why, whysz, "is longer than %lld characters", (long long)spec->max);
        return true;
    }
    size_t limit = spec && spec->type == F_ANY ? MAX_STRUCTURED_JSON : MAX_SCALAR_JSON;
    if (strlen(json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN)) <= limit)
        return false;
    snprintf(why, whysz, "is too large (at most %zu bytes of JSON)", limit);
    return true;
}

/* What no record may be (hole 10: megabytes of junk were stored as pending): not an object {kind, data}, of a kind
 * that does not exist, with data that is not an object, with a field no record has or a value larger than its field
 * allows. Named, and the whole submission refused before anything is checked or stored. At most 100 are named. */
static void batch_refusals(json_object *records, field_errors *fe)
{
    int named = 0;
    char field[128], why[96];
    for (size_t i = 0; i < json_object_array_length(records) && named < 100; i++) {
        json_object *rec = json_object_array_get_idx(records, i), *kind = NULL, *data = NULL;
        if (!json_object_is_type(rec, json_type_object)) {
            snprintf(field, sizeof(field), "records[%zu]", i);
            field_error(fe, field, "must be an object {\"kind\": \"client\"|\"staff\"|\"service\", \"data\": {...}}");
            named++;
            continue;
        }
        json_object_object_foreach(rec, rkey, rval)
        {
            (void)rval;
            if (strcmp(rkey, "kind") != 0 && strcmp(rkey, "data") != 0 && named++ < 100) {
                name_field(field, sizeof(field), i, "", rkey);
                field_error(fe, field, "is not a part of a record (kind, data)");
            }
        }
        const resource *r = json_object_object_get_ex(rec, "kind", &kind) ? kind_resource(kind) : NULL;
        if (!r) {
            snprintf(field, sizeof(field), "records[%zu].kind", i);
            field_error(fe, field, "must be client, staff or service");
            named++;
        }
        if (!json_object_object_get_ex(rec, "data", &data) || !json_object_is_type(data, json_type_object)) {
            snprintf(field, sizeof(field), "records[%zu].data", i);
            field_error(fe, field, "must be an object holding the record's fields");
            named++;
            continue;
        }
        if (!r)
            continue;
        json_object_object_foreach(data, key, val)
        {
            if (named >= 100)
                break;
            if (r == services_resource() && !strcmp(key, "client_id")) {
                if (val && strlen(json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN)) > MAX_SCALAR_JSON) {
                    name_field(field, sizeof(field), i, "data.", key);
                    field_error(fe, field, "is too large (at most %d bytes of JSON)", MAX_SCALAR_JSON);
                    named++;
                }
                continue;
            }
            if (!validate_is_field(r->create_fields, r->ncreate_fields, key)) {
                name_field(field, sizeof(field), i, "data.", key);
                field_error(fe, field, "is not a field of a %s record", r->name);
                named++;
            } else if (oversized(r, key, val, why, sizeof(why))) {
                name_field(field, sizeof(field), i, "data.", key);
                field_error(fe, field, "%s", why);
                named++;
            }
        }
    }
}

/* Fields and duplicates inside the batch; what needs the database (the nation's IDs, the clients in scope) is
 * checked next, in one round trip. */
static void check_record(req_ctx *rc, submit_state *st, int i, json_object *rec, json_object **seen)
{
    json_object *kind = NULL, *data = NULL;
    json_object **errs = &st->errors[i];
    if (!json_object_is_type(rec, json_type_object) || !json_object_object_get_ex(rec, "kind", &kind) ||
        !json_object_object_get_ex(rec, "data", &data) || json_object_object_length(rec) != 2) {
        add_error(errs, "", "record_shape", "a record is {\"kind\": \"client\"|\"staff\"|\"service\", \"data\": {...}}");
        return;
    }
    const resource *r = kind_resource(kind);
    if (!r || !json_object_is_type(data, json_type_object)) {
        add_error(errs, "kind", "choice", "must be client, staff or service, with data an object");
        return;
    }
    st->kinds[i] = r == clients_resource() ? "client" : r == staff_resource() ? "staff" : "service";
    /* records belong to the submission's center unless they say otherwise (and then they must match) */
    json_object *body = req_json_object(rc);
    const char *parent = NULL;
    json_object_object_foreach(data, key, val)
    {
        if (r == services_resource() && !strcmp(key, "client_id")) {
            int64_t cid;
            if (val && body_int(data, "client_id", &cid) && cid > 0)
                parent = arena_sprintf(rc->arena, "%lld", (long long)cid);
            continue;
        }
        json_object_object_add(body, key, val ? json_object_get(val) : NULL);
    }
    if (r == services_resource() && !parent) {
        add_error(errs, "client_id", "required", "is required: the client who received the service");
        return;
    }
    int64_t c;
    if (body_int(body, "center_id", &c) && strcmp(arena_sprintf(rc->arena, "%lld", (long long)c), st->center))
        add_error(errs, "center_id", "center", "must be the submission's center");
    json_object_object_add(body, "center_id", json_object_new_int64(atoll(st->center)));
    field_errors fe = {0};
    json_object *values = req_json_object(rc);
    resource_values(rc, r, body, parent, values, &fe);
    if (fe.list) {
        req_own_json(rc, fe.list);
        for (size_t e = 0; e < json_object_array_length(fe.list); e++)
            json_object_array_add(*errs ? *errs : (*errs = json_object_new_array()),
                                  json_object_get(json_object_array_get_idx(fe.list, e)));
        return;
    }
    if (*errs)
        return;
    st->values[i] = values;
    st->client_refs[i] = parent;
    json_object *ref;
    if (json_object_object_get_ex(values, "county_id", &ref) && ref)
        st->counties[i] = arena_sprintf(rc->arena, "%lld", (long long)json_object_get_int64(ref));
    if (json_object_object_get_ex(values, "household_id", &ref) && ref)
        st->households[i] = arena_sprintf(rc->arena, "%lld", (long long)json_object_get_int64(ref));
    json_object *nid;
    if (r != services_resource() && json_object_object_get_ex(values, "national_id", &nid) && nid) {
        const char *id = json_object_get_string(nid);
        json_object *prev;
        char seen_key[24];
        snprintf(seen_key, sizeof(seen_key), "%c%s", st->kinds[i][0], id);
        if (json_object_object_get_ex(*seen, seen_key, &prev)) {
            char msg[96];
            snprintf(msg, sizeof(msg), "appears twice in this submission (also record %d)", json_object_get_int(prev));
            add_error(errs, "national_id", "repeated", msg);
            st->values[i] = NULL;
            return;
        }
        json_object_object_add(*seen, seen_key, json_object_new_int(i));
        st->national_ids[i] = arena_strdup(rc->arena, id);
    }
}

static const char *pg_array(req_ctx *rc, const char **items, int n)
{
    strbuf sb = STRBUF_INIT;
    strbuf_putc(&sb, '{');
    bool first = true;
    for (int i = 0; i < n; i++) {
        if (!items[i])
            continue;
        if (!first)
            strbuf_putc(&sb, ',');
        first = false;
        strbuf_puts(&sb, items[i]);    /* digits only: no quoting needed */
    }
    strbuf_putc(&sb, '}');
    const char *out = arena_strdup(rc->arena, sb.data);
    strbuf_free(&sb);
    return out;
}

void handle_submissions_create(req_ctx *rc)
{
    const char *key = req_header(rc, "Idempotency-Key");
    bool key_ok = key && *key && strlen(key) <= 200;
    for (const char *p = key; key_ok && *p; p++)
        key_ok = *p > 0x20 && *p < 0x7f;
    if (!key_ok) {
        reply_problem(rc, 400, "Send an Idempotency-Key header (1 to 200 visible ASCII characters), so a retry "
                               "cannot create the submission twice.");
        return;
    }
    size_t len = req_body_length(rc);
    if (len > MAX_SUBMISSION_BYTES) {
        reply_problem(rc, 413, "A submission may be at most 5 MB; send the records in several batches.");
        return;
    }
    json_object *body = req_json_body(rc);
    if (!body)
        return;
    char hash[65];
    sha256_hex(req_body_bytes(rc), len, hash);

    field_errors fe = {0};
    static const field_spec fields[] = {
        {"records", F_ANY, true, 0, 0, NULL},
        {"center_id", F_INT, false, 1, INT64_MAX, NULL},
    };
    json_object *records = NULL;
    if (validate_fields(body, fields, NCOLS(fields), false, &fe)) {
        json_object_object_get_ex(body, "records", &records);
        if (!json_object_is_type(records, json_type_array) || json_object_array_length(records) == 0)
            field_error(&fe, "records", "must be a non-empty list of records");
        else if (json_object_array_length(records) > MAX_RECORDS)
            field_error(&fe, "records", "may hold at most 1000 records; send several batches");
    }
    const registry_config *cfg = rc->w->cfg;
    if (!fe.list && records && json_object_array_length(records) > (size_t)cfg->submission_records_per_day)
        /* could never fit in a day's quota: a 429 would promise a retry that cannot succeed */
        field_error(&fe, "records", "may hold at most %d records, your quota of records a day "
                    "(submission_records_per_day); send smaller batches", cfg->submission_records_per_day);
    if (!fe.list && records)
        batch_refusals(records, &fe);
    int64_t center = 0;
    bool has_center = body_int(body, "center_id", &center);
    if (!fe.list && rc->who.role == ROLE_NGO_SUBMITTER) {
        if (has_center && center != rc->who.center_id) {
            req_deny(rc, "You may submit only for your own center.");
            return;
        }
        center = rc->who.center_id;
    } else if (!fe.list && !has_center)
        field_error(&fe, "center_id", "is required: the center the records are submitted for");
    if (fe.list) {
        reply_problem_fields(rc, 422, "The submission was not accepted.", &fe);
        return;
    }

    submit_state *st = arena_calloc(rc->arena, sizeof(*st));
    rc->state = st;
    st->key = key;
    st->hash = arena_strdup(rc->arena, hash);
    st->center = arena_sprintf(rc->arena, "%lld", (long long)center);
    st->records = records;
    st->nrecords = (int)json_object_array_length(records);
    size_t n = (size_t)st->nrecords;
    st->kinds = arena_calloc(rc->arena, n * sizeof(char *));
    st->national_ids = arena_calloc(rc->arena, n * sizeof(char *));
    st->client_refs = arena_calloc(rc->arena, n * sizeof(char *));
    st->values = arena_calloc(rc->arena, n * sizeof(json_object *));
    st->errors = arena_calloc(rc->arena, n * sizeof(json_object *));
    st->counties = arena_calloc(rc->arena, n * sizeof(char *));
    st->households = arena_calloc(rc->arena, n * sizeof(char *));
    arena_on_reset(rc->arena, put_errors, st);
    json_object *seen = req_json_object(rc);
    for (int i = 0; i < st->nrecords; i++)
        check_record(rc, st, i, json_object_array_get_idx(records, (size_t)i), &seen);

    /* client and staff IDs asked separately: a person may be both */
    const char **cids = arena_calloc(rc->arena, n * sizeof(char *)), **sids = arena_calloc(rc->arena, n * sizeof(char *));
    for (int i = 0; i < st->nrecords; i++) {
        if (st->national_ids[i] && !strcmp(st->kinds[i], "client"))
            cids[i] = st->national_ids[i];
        else if (st->national_ids[i])
            sids[i] = st->national_ids[i];
    }
    req_job_begin(rc, true);
    db_query_param(db_job_add(&rc->job, stmt_existing), key);
    db_query *pl = db_job_add(&rc->job, stmt_places);
    db_query_param(pl, st->center);
    db_query_param(pl, pg_array(rc, st->counties, st->nrecords));
    db_query_param(pl, pg_array(rc, st->households, st->nrecords));
    db_query_param(db_job_add(&rc->job, stmt_visible_clients), pg_array(rc, st->client_refs, st->nrecords));
    for (int i = 0; i < st->nrecords && !st->ids_sent; i++)
        st->ids_sent = st->national_ids[i] != NULL;
    if (st->ids_sent) {
        db_query *q = db_job_add(&rc->job, stmt_taken);
        db_query_param(q, pg_array(rc, cids, st->nrecords));
        db_query_param(q, pg_array(rc, sids, st->nrecords));
        db_query_param(q, st->center);
    }
    /* the quotas are checked once, in the inserting transaction (submission_insert) */
    req_db_submit(rc, checked);
}

/* GET --------------------------------------------------------------------------------------------------------- */

/* Where a submission row is (its columns province, county_id, center_id), looked up once per result. */
typedef struct place_cols {
    int province, county, center;
} place_cols;

static place_cols place_cols_of(const PGresult *r, const char *province)
{
    return (place_cols){db_col(r, province), db_col(r, "county_id"), db_col(r, "center_id")};
}

static bool row_in_scope(req_ctx *rc, const PGresult *r, int row, place_cols c)
{
    const char *county = db_at(r, row, c.county), *center = db_at(r, row, c.center);
    const char *province = db_at(r, row, c.province);
    return scope_allows(&rc->who, province ? province : "", county ? (int32_t)atol(county) : 0,
                        center ? atoll(center) : 0);
}

static void listed(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (!req_job_ok(rc, job))
        return;
    const PGresult *r = job->res[1];
    place_cols c = place_cols_of(r, "province");
    for (int i = 0; i < db_nrows(r); i++)
        if (!row_in_scope(rc, r, i, c)) {
            log_msg(LOG_ERROR, rc->request_id, "submission list returned a row outside the caller's scope");
            reply_problem(rc, 500, "Internal error; quote the request id when reporting it.");
            return;
        }
    static const int key[] = {0};
    reply_rows_list(rc, r, list_cols, NCOLS(list_cols), rc->limit, key, 1);
}

void handle_submissions_list(req_ctx *rc)
{
    static const list_filter filters[] = {{"status", LF_ENUM, statuses, NULL}, {"center_id", LF_ID, NULL, NULL},
                                          LIST_UPDATED_SINCE_FILTER};
    list_request lr;
    if (!list_parse_or_reply(rc, filters, NCOLS(filters), LIST_CURSOR_ID, &lr))
        return;
    req_job_begin(rc, true);
    db_query *q = db_job_add(&rc->job, stmt_list);
    resource_scope_params(rc, q);
    db_query_param(q, list_value(&lr, filters, NCOLS(filters), "status"));
    db_query_param(q, list_value(&lr, filters, NCOLS(filters), "center_id"));
    db_query_param(q, lr.after);
    db_query_param(q, lr.limit);
    db_query_param(q, list_value(&lr, filters, NCOLS(filters), "updated_since"));
    rc->job.retry_safe = true;
    req_db_submit(rc, listed);
}

/* An NGO submitter sees a submission as it was answered; officers see what the review found too (a variant of its
 * own, so its ETag differs): which one the database gave (its last column) */
static const char *view_variant(const PGresult *r)
{
    return db_get_bool(r, 0, "review_view") ? NULL : "submitter";
}

static void got_recorded(req_ctx *rc, bool recorded)
{
    if (!recorded) {
        resource_reply_unrecorded(rc);
        return;
    }
    const PGresult *r = rc->job.res[1];
    req_set_etag(rc, "submission", db_get(r, 0, "id"), db_get(r, 0, "version"), view_variant(r));
    strbuf sb = STRBUF_INIT;
    encode_row_json(&sb, r, 0, detail_cols, NCOLS(detail_cols));
    reply_strbuf(rc, 200, "application/json", &sb);
}

static void got(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (!req_job_ok(rc, job))
        return;
    const PGresult *r = job->res[1];
    if (db_nrows(r) != 1 || !row_in_scope(rc, r, 0, place_cols_of(r, "province"))) {
        reply_problem(rc, 404, "No such submission (or it is outside your scope).");
        return;
    }
    /* its records hold names, national IDs, disabilities: the read is recorded before they leave */
    read_audit_add(rc, "read", "submission", db_get(r, 0, "id"), db_get(r, 0, "province"), db_get(r, 0, "county_id"),
                   db_get(r, 0, "center_id"), NULL, got_recorded);
}

void handle_submissions_get(req_ctx *rc)
{
    const char *id = resource_id_param(rc, 0, "submission");
    if (!id)
        return;
    req_job_begin(rc, true);
    db_query_param(db_job_add(&rc->job, stmt_get), id);
    rc->job.retry_safe = true;
    req_db_submit(rc, got);
}

/* Decision ---------------------------------------------------------------------------------------------------- */

typedef struct decide_state {
    const char *id, *decision, *reason;
    int counted[3];         /* statements of the approval job: clients, staff, services (0 when none) */
    json_object *exclude;   /* {"index": "reason"} of the records the officer leaves out (may be empty) */
    const char *exclude_idx;    /* their indexes as a PostgreSQL integer[] */
} decide_state;

static bool excluded(const decide_state *st, int index)
{
    char k[16];
    snprintf(k, sizeof(k), "%d", index);
    return json_object_object_get_ex(st->exclude, k, NULL);
}

static void decided(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    decide_state *st = rc->state;
    if (!req_job_ok_in(rc, job, DB_CONTEXT_APPROVAL, NULL))
        return;
    if (db_nrows(job->res[1]) != 1) {
        reply_problem(rc, 409, "This submission was decided by someone else meanwhile.");
        return;
    }
    static const char *const kinds[] = {"client", "staff", "service"};
    strbuf sb = STRBUF_INIT;
    strbuf_printf(&sb, "{\"id\":%s,\"status\":\"%s\",\"reason\":", st->id,
                  !strcmp(st->decision, "approve") ? "approved" : "rejected");
    if (st->reason)
        strbuf_json_string(&sb, st->reason);
    else
        strbuf_puts(&sb, "null");
    strbuf_puts(&sb, ",\"applied\":{");
    for (int k = 0; k < 3; k++)
        strbuf_printf(&sb, "%s\"%s\":%s", k ? "," : "", kinds[k],
                      st->counted[k] ? db_get(job->res[st->counted[k]], 0, "count") : "0");
    strbuf_puts(&sb, "},\"excluded\":[");
    strbuf_puts(&sb, st->exclude_idx + 1);   /* "{1,2}" -> "1,2}" */
    sb.data[sb.len - 1] = ']';
    strbuf_puts(&sb, "}");
    reply_strbuf(rc, 200, "application/json", &sb);
}

static void loaded_for_decision(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    decide_state *st = rc->state;
    if (!req_job_ok(rc, job))
        return;
    const PGresult *r = job->res[1];
    if (db_nrows(r) != 1 || !row_in_scope(rc, r, 0, place_cols_of(r, "province_code"))) {
        reply_problem(rc, 404, "No such submission (or it is outside your scope).");
        return;
    }
    if (strcmp(db_get(r, 0, "status"), "pending") != 0) {
        reply_problem(rc, 409, "This submission has been decided already.");
        return;
    }
    if (!strcmp(st->decision, "approve")) {
        /* an excluded record must be one the submitter was told is valid (else there is nothing to leave out) */
        field_errors fe = {0};
        json_object_object_foreach(st->exclude, ek, ev)
        {
            (void)ev;
            char want[24];
            snprintf(want, sizeof(want), "%s", ek);
            if (!in_text_array(db_get(r, 0, "told_valid"), want))
                field_error(&fe, "exclude", "record %s is not a valid record of this submission", ek);
        }
        if (fe.list) {
            reply_problem_fields(rc, 422, "No decision was recorded.", &fe);
            return;
        }
        /* records registered outside the center (which the NGO was not told) must be excluded, by name: approving
         * without them silently would tell the NGO which of its "valid" people are registered elsewhere */
        const char *hidden = db_get(r, 0, "hidden");
        char *hs = arena_strdup(rc->arena, hidden + 1), *save = NULL;
        for (char *tok = strtok_r(hs, ",}", &save); tok; tok = strtok_r(NULL, ",}", &save))
            if (!excluded(st, atoi(tok)))
                field_error(&fe, arena_sprintf(rc->arena, "records[%s]", tok),
                            "its national ID is registered outside the submission's center; exclude it "
                            "(\"exclude\": [{\"index\": %s, \"reason\": \"...\"}]) to approve the others", tok);
        if (fe.list) {
            reply_problem_fields(rc, 409, "Some records are registered outside the submission's center; exclude "
                                          "them to approve the others. Nothing was applied.", &fe);
            return;
        }
    }
    json_object *per_kind[3] = {req_json_array(rc), req_json_array(rc), req_json_array(rc)};
    if (!strcmp(st->decision, "approve")) {
        /* checked again now: a record that became a duplicate since it was sent stops the whole approval */
        const char *taken[2] = {db_get(r, 0, "taken_clients"), db_get(r, 0, "taken_staff")};
        if (!taken[0] || !taken[1] || strcmp(taken[0], "{}") != 0 || strcmp(taken[1], "{}") != 0) {
            reply_problem(rc, 409, "Some records are now duplicates of registered people (national ID); nothing was "
                                   "applied. Reject the submission, or have it corrected and resent.");
            return;
        }
        json_object *valid = req_json_parse(rc, db_get(r, 0, "valid_values"));
        for (size_t i = 0; valid && i < json_object_array_length(valid); i++) {
            json_object *v = json_object_array_get_idx(valid, i), *kind, *values;
            json_object_object_get_ex(v, "kind", &kind);
            json_object_object_get_ex(v, "values", &values);
            json_object *index;
            if (json_object_object_get_ex(v, "index", &index) && excluded(st, json_object_get_int(index)))
                continue;
            const char *k = json_object_get_string(kind);
            int idx = !strcmp(k, "client") ? 0 : !strcmp(k, "staff") ? 1 : 2;
            json_object_array_add(per_kind[idx], json_object_get(values));
        }
    }
    req_job_begin(rc, false);
    db_query *q = db_job_add(&rc->job, stmt_decide);
    db_query_param(q, st->id);
    db_query_param(q, !strcmp(st->decision, "approve") ? "approved" : "rejected");
    db_query_param(q, st->reason);
    db_query_param(q, json_object_to_json_string_ext(st->exclude, JSON_C_TO_STRING_PLAIN));
    const resource *res[3] = {clients_resource(), staff_resource(), services_resource()};
    for (int k = 0; k < 3; k++) {
        if (json_object_array_length(per_kind[k]) > 0) {
            st->counted[k] = rc->job.n;
            db_query *c = db_job_add(&rc->job, res[k]->stmt_create_many);
            db_query_param(c, arena_strdup(rc->arena, json_object_to_json_string_ext(per_kind[k], JSON_C_TO_STRING_PLAIN)));
            db_query_param(c, st->id);
        }
    }
    req_db_submit(rc, decided);
}

void handle_submissions_decide(req_ctx *rc)
{
    const char *id = resource_id_param(rc, 0, "submission");
    if (!id)
        return;
    json_object *body = req_json_body(rc);
    if (!body)
        return;
    static const char *const decisions[] = {"approve", "reject", NULL};
    static const field_spec fields[] = {
        {"decision", F_ENUM, true, 0, 0, decisions},
        {"reason", F_STRING, false, 1, 2000, NULL},
        {"exclude", F_ANY, false, 0, 0, NULL},
    };
    static const field_spec exclude_fields[] = {
        {"index", F_INT, true, 0, MAX_RECORDS - 1, NULL},
        {"reason", F_STRING, true, 1, 500, NULL},
    };
    field_errors fe = {0};
    const char *reason = NULL;
    bool valid = validate_fields(body, fields, NCOLS(fields), false, &fe);
    if (valid && body_string(body, "reason") &&
        (reason = clean_text(rc, body_string(body, "reason"), "reason", &fe)) && !reason[0])
        reason = NULL;      /* stored clean like every free text; blank is none */
    if (valid && !strcmp(body_string(body, "decision"), "reject") && !reason)
        field_error(&fe, "reason", "is required to reject: the NGO needs to know what to fix");
    /* exclude: [{"index", "reason"}]: records approval leaves out; each reads to the NGO as excluded, with its reason */
    json_object *exclude = req_json_object(rc), *ex = NULL;
    strbuf idx = STRBUF_INIT;
    strbuf_putc(&idx, '{');
    if (valid && json_object_object_get_ex(body, "exclude", &ex) && ex) {
        if (strcmp(body_string(body, "decision"), "approve") != 0)
            field_error(&fe, "exclude", "is only for an approval");
        else if (!json_object_is_type(ex, json_type_array) || json_object_array_length(ex) > MAX_RECORDS)
            field_error(&fe, "exclude", "must be a list of {\"index\", \"reason\"} (at most %d)", MAX_RECORDS);
        else
            for (size_t k = 0; k < json_object_array_length(ex); k++) {
                json_object *e = json_object_array_get_idx(ex, k);
                char name[48];
                snprintf(name, sizeof(name), "exclude[%zu]", k);
                field_errors efe = {0};
                int64_t index;
                const char *why;
                if (!json_object_is_type(e, json_type_object) ||
                    !validate_fields(e, exclude_fields, NCOLS(exclude_fields), false, &efe) ||
                    !body_int(e, "index", &index) || !(why = clean_text(rc, body_string(e, "reason"), name, &fe))) {
                    req_own_json(rc, efe.list);
                    field_error(&fe, name, "must be {\"index\": a record's index, \"reason\": 1 to 500 characters}");
                    continue;
                }
                if (!why[0]) {
                    field_error(&fe, name, "needs a reason: the NGO is told it");
                    continue;
                }
                char key[24];
                snprintf(key, sizeof(key), "%lld", (long long)index);
                if (json_object_object_get_ex(exclude, key, NULL)) {
                    field_error(&fe, name, "excludes record %s twice", key);
                    continue;
                }
                json_object_object_add(exclude, key, json_object_new_string(why));
                strbuf_printf(&idx, "%s%s", idx.len > 1 ? "," : "", key);
            }
    }
    strbuf_putc(&idx, '}');
    const char *exclude_idx = arena_strdup(rc->arena, idx.data);
    strbuf_free(&idx);
    if (fe.list) {
        reply_problem_fields(rc, 422, "No decision was recorded.", &fe);
        return;
    }
    decide_state *st = arena_calloc(rc->arena, sizeof(*st));
    rc->state = st;
    st->id = id;
    st->decision = body_string(body, "decision");
    st->reason = reason;
    st->exclude = exclude;
    st->exclude_idx = exclude_idx;
    req_job_begin(rc, true);
    db_query *q = db_job_add(&rc->job, stmt_for_decision);
    db_query_param(q, id);
    db_query_param(q, exclude_idx);
    req_db_submit(rc, loaded_for_decision);
}
