/*
 * clients.c - /api/v1/clients: people with disabilities, elderly people, children with special needs, families in
 * need of housing or work. The national ID is checked (check digit, not all one digit) and unique in the whole
 * nation: a duplicate in any province is a 409 that says nothing else. Every read of a client's record is
 * recorded in the audit trail, in the same transaction as the read. Closing (DELETE) keeps the record.
 * Moving a client to another county or province: POST /api/v1/clients/{id}/transfer.
 */
#include <string.h>
#include <time.h>

#include "server/handlers/handlers.h"
#include "server/http/resource.h"

#define CLIENT_SELECT                                                                                                \
    "t.id, t.national_id, t.first_name, t.last_name, t.birth_date, t.sex, t.province_code AS province, t.county_id," \
    " t.center_id, CASE WHEN t.disability_type IS NULL THEN NULL ELSE jsonb_build_object('type', t.disability_type," \
    " 'severity', t.disability_severity) END AS disability, to_jsonb(t.needs) AS needs, t.household_id,"            \
    " t.household_role, t.status, t.version, " SQL_UTC_TS("created_at") ", " SQL_UTC_TS("updated_at")

static const char *const sexes[] = {"female", "male", NULL};
static const char *const statuses[] = {"active", "closed", NULL};
static const char *const household_roles[] = {"head", "spouse", "child", "parent", "sibling", "other", NULL};
static const char *const disability_types[] = {"physical",     "visual",       "hearing", "speech",
                                               "intellectual", "psychosocial", "autism",  "multiple", NULL};
static const char *const severities[] = {"mild", "moderate", "severe", "very_severe", NULL};
static const char *const needs_choices[] = {"housing",    "employment", "education", "healthcare",
                                            "rehabilitation", "financial", "caregiving", "legal",
                                            "psychosocial", "assistive_devices", NULL};

static const col_spec client_cols[] = {
    {"id", COL_INT},          {"national_id", COL_TEXT},  {"first_name", COL_TEXT}, {"last_name", COL_TEXT},
    {"birth_date", COL_DATE}, {"sex", COL_TEXT},          {"province", COL_TEXT},   {"county_id", COL_INT},
    {"center_id", COL_INT},   {"disability", COL_JSON},   {"needs", COL_JSON},      {"household_id", COL_INT},
    {"household_role", COL_TEXT}, {"status", COL_TEXT},   {"version", COL_INT},     {"created_at", COL_TIMESTAMP},
    {"updated_at", COL_TIMESTAMP}};

/* What reads select: the stored values, formatted by the encoder (resource.h, read_sql) */
#define CLIENT_READ_SELECT                                                                                           \
    "t.id, t.national_id, t.first_name, t.last_name, t.birth_date, t.sex, t.province_code AS province, t.county_id," \
    " t.center_id, t.disability_type, t.disability_severity, t.needs, t.household_id, t.household_role, t.status,"   \
    " t.version, t.created_at, t.updated_at"

static const col_spec client_read_cols[] = {
    {"id", COL_INT},          {"national_id", COL_TEXT},  {"first_name", COL_TEXT}, {"last_name", COL_TEXT},
    {"birth_date", COL_DATE}, {"sex", COL_TEXT},          {"province", COL_TEXT},   {"county_id", COL_INT},
    {"center_id", COL_INT},   {"disability", COL_TYPE_SEVERITY}, {"disability_severity", COL_HIDDEN},
    {"needs", COL_TEXT_ARRAY}, {"household_id", COL_INT}, {"household_role", COL_TEXT}, {"status", COL_TEXT},
    {"version", COL_INT},     {"created_at", COL_TIMESTAMP}, {"updated_at", COL_TIMESTAMP}};

static const res_column client_writable[] = {
    {"national_id", "national_id", "text", NULL},
    {"first_name", "first_name", "text", NULL},
    {"last_name", "last_name", "text", NULL},
    {"birth_date", "birth_date", "date", NULL},
    {"sex", "sex", "client_sex", NULL},
    {"county_id", "county_id", "integer", NULL},
    {"center_id", "center_id", "bigint", NULL},
    {"disability_type", "disability_type", "disability_type", NULL},
    {"disability_severity", "disability_severity", "disability_severity", NULL},
    {"needs", "needs", "text[]", "'{}'"},
    {"household_id", "household_id", "bigint", NULL},
    {"household_role", "household_role", "text", NULL},
    {"status", "status", "client_status", "'active'"},
};

static const field_spec client_create_fields[] = {
    {"national_id", F_NATIONAL_ID, true, 0, 0, NULL},
    {"first_name", F_STRING, true, 1, 100, NULL},
    {"last_name", F_STRING, true, 1, 100, NULL},
    {"birth_date", F_DATE, true, 0, 0, NULL},
    {"sex", F_ENUM, true, 0, 0, sexes},
    {"county_id", F_INT, true, 1, 2147483647, NULL},
    {"center_id", F_INT, false, 1, INT64_MAX, NULL},
    {"disability", F_ANY, false, 0, 0, NULL},
    {"needs", F_ANY, false, 0, 0, NULL},
    {"household_id", F_INT, false, 1, INT64_MAX, NULL},
    {"household_role", F_ENUM, false, 0, 0, household_roles},
    {"status", F_ENUM, false, 0, 0, statuses},
};
/* the county changes only through a transfer */
static const field_spec client_update_fields[] = {
    {"national_id", F_NATIONAL_ID, true, 0, 0, NULL},
    {"first_name", F_STRING, true, 1, 100, NULL},
    {"last_name", F_STRING, true, 1, 100, NULL},
    {"birth_date", F_DATE, true, 0, 0, NULL},
    {"sex", F_ENUM, true, 0, 0, sexes},
    {"center_id", F_INT, false, 1, INT64_MAX, NULL},
    {"disability", F_ANY, false, 0, 0, NULL},
    {"needs", F_ANY, false, 0, 0, NULL},
    {"household_id", F_INT, false, 1, INT64_MAX, NULL},
    {"household_role", F_ENUM, false, 0, 0, household_roles},
    {"status", F_ENUM, true, 0, 0, statuses},
};

static bool in_list(const char *v, const char *const *choices)
{
    for (const char *const *c = choices; *c; c++)
        if (!strcmp(*c, v))
            return true;
    return false;
}

static void client_build(req_ctx *rc, json_object *body, bool partial, const char *parent_id, json_object *values,
                         field_errors *fe)
{
    res_put_national_id(rc, body, values, fe);
    res_put_text(rc, body, values, "first_name", fe);
    res_put_text(rc, body, values, "last_name", fe);
    res_put_date(rc, body, values, "birth_date");
    json_object *bd;
    if (json_object_object_get_ex(values, "birth_date", &bd) && bd) {
        /* ISO dates compare as text; the registry holds no one born before 1900 or in the future */
        char today[11];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(today, sizeof(today), "%Y-%m-%d", &tm);
        const char *b = json_object_get_string(bd);
        if (strcmp(b, "1900-01-01") < 0 || strcmp(b, today) > 0)
            field_error(fe, "birth_date", "must be between 1900-01-01 and today");
    }
    res_put_as_is(body, values, "sex");
    res_put_int(body, values, "county_id");
    res_put_int(body, values, "center_id");
    res_put_int(body, values, "household_id");
    res_put_as_is(body, values, "household_role");
    res_put_as_is(body, values, "status");

    json_object *d;
    if (json_object_object_get_ex(body, "disability", &d)) {
        json_object *t = NULL, *s = NULL;
        if (!d) {
            json_object_object_add(values, "disability_type", NULL);
            json_object_object_add(values, "disability_severity", NULL);
        } else if (!json_object_is_type(d, json_type_object) || json_object_object_length(d) != 2 ||
                   !json_object_object_get_ex(d, "type", &t) || !json_object_object_get_ex(d, "severity", &s) ||
                   !json_object_is_type(t, json_type_string) || !json_object_is_type(s, json_type_string)) {
            field_error(fe, "disability", "must be {\"type\", \"severity\"} or null");
        } else {
            if (!in_list(json_object_get_string(t), disability_types))
                field_error(fe, "disability.type", "must be one of physical, visual, hearing, speech, intellectual, "
                                                   "psychosocial, autism, multiple");
            if (!in_list(json_object_get_string(s), severities))
                field_error(fe, "disability.severity", "must be one of mild, moderate, severe, very_severe");
            json_object_object_add(values, "disability_type", json_object_get(t));
            json_object_object_add(values, "disability_severity", json_object_get(s));
        }
    }
    json_object *n;
    if (json_object_object_get_ex(body, "needs", &n)) {
        json_object *arr = json_object_new_array();
        if (n && !json_object_is_type(n, json_type_array))
            field_error(fe, "needs", "must be a list");
        else
            for (size_t i = 0; n && i < json_object_array_length(n); i++) {
                json_object *e = json_object_array_get_idx(n, i);
                if (!json_object_is_type(e, json_type_string) || !in_list(json_object_get_string(e), needs_choices)) {
                    field_error(fe, "needs", "holds an unknown need; allowed: housing, employment, education, "
                                             "healthcare, rehabilitation, financial, caregiving, legal, psychosocial, "
                                             "assistive_devices");
                    break;
                }
                json_object_array_add(arr, json_object_get(e));
            }
        json_object_object_add(values, "needs", arr);
    }
    (void)partial;
    (void)parent_id;
}

static resource clients = {
    .name = "client",
    .table = "clients",
    .select_sql = CLIENT_SELECT,
    .cols = client_cols,
    .ncols = NCOLS(client_cols),
    .col_id = 0, .col_version = 14, .col_province = 6, .col_county = 7, .col_center = 8,
    .read_sql = CLIENT_READ_SELECT,
    .read_cols = client_read_cols,
    .nread_cols = NCOLS(client_read_cols),
    .read_col_version = 15,
    .writable = client_writable,
    .nwritable = NCOLS(client_writable),
    .create_fields = client_create_fields,
    .ncreate_fields = NCOLS(client_create_fields),
    .update_fields = client_update_fields,
    .nupdate_fields = NCOLS(client_update_fields),
    .build = client_build,
    .audit_reads = true,
    .close_patch = "{\"status\":\"closed\"}",
    .path = "/api/v1/clients",
    .submittable = true,
};

const resource *clients_resource(void)
{
    return &clients;
}

static int stmt_list, stmt_search, stmt_transfer, stmt_visible;

/* a list's filters: $1-$3 the caller's scope, $4-$11 the query's filters, $12 the search pattern, $13 the cursor */
#define CLIENT_LIST_WHERE                                                                                          \
    "($1::text IS NULL OR t.province_code = $1) AND ($2::integer IS NULL OR t.county_id = $2::integer)"            \
    " AND ($3::bigint IS NULL OR t.center_id = $3::bigint)"                                                        \
    " AND ($4::text IS NULL OR t.province_code = $4) AND ($5::integer IS NULL OR t.county_id = $5::integer)"       \
    " AND ($6::bigint IS NULL OR t.center_id = $6::bigint)"                                                        \
    " AND ($7::text IS NULL OR t.national_id = $7)"                                                                \
    " AND ($8::disability_type IS NULL OR t.disability_type = $8::disability_type)"                                \
    " AND ($9::client_sex IS NULL OR t.sex = $9::client_sex)"                                                      \
    " AND ($10::client_status IS NULL OR t.status = $10::client_status)"                                           \
    " AND ($11::text IS NULL OR t.needs @> ARRAY[$11::text])"                                                      \
    " AND ($12::text IS NULL OR t.name_key LIKE $12)"                                                              \
    " AND ($13::bigint IS NULL OR t.id > $13::bigint)"

int client_visible_stmt(void)
{
    return stmt_visible;
}

void clients_init(void)
{
    resource_init(&clients);
    stmt_list = db_stmt_register("client_list", "SELECT " CLIENT_READ_SELECT " FROM clients t"
                                                " WHERE " CLIENT_LIST_WHERE " ORDER BY t.id LIMIT $14");
    /* ?q=: the matching ids come from registry_search_ids (see migration 0009: under row-level security a LIKE can
     * never use an index); the rows are then read here under row-level security like any list. It returns one page
     * (+1) when no other filter could drop rows, else every match, so the page below is never cut short. */
    stmt_search = db_stmt_register(
        "client_search",
        "SELECT " CLIENT_READ_SELECT " FROM registry_search_ids('client', $12, $4, $5::integer, $6::bigint,"
        " $13::bigint, CASE WHEN $7::text IS NULL AND $8::disability_type IS NULL AND $9::client_sex IS NULL"
        " AND $10::client_status IS NULL AND $11::text IS NULL THEN $14::integer END) m (id)"
        " JOIN clients t ON t.id = m.id WHERE " CLIENT_LIST_WHERE " ORDER BY t.id LIMIT $14");
    stmt_visible = db_stmt_register("client_visible",
                                    "SELECT province_code, county_id, center_id FROM clients WHERE id = $1::bigint");
    stmt_transfer = db_stmt_register("client_transfer",
                                     "SELECT client_transfer($1::bigint, $2::integer, $3::bigint, $4::integer)");
}

void handle_clients_get(req_ctx *rc) { resource_get(rc, &clients); }
void handle_clients_create(req_ctx *rc) { resource_create(rc, &clients, NULL); }
void handle_clients_patch(req_ctx *rc) { resource_patch(rc, &clients); }
void handle_clients_close(req_ctx *rc) { resource_close(rc, &clients); }

void handle_clients_list(req_ctx *rc)
{
    list_query lq;
    if (!list_query_begin(rc, &lq))
        return;
    const char *province = list_filter_province(rc, &lq, "province");
    const char *county = list_filter_int(rc, &lq, "county_id");
    const char *center = list_filter_int(rc, &lq, "center_id");
    const char *national_id = list_filter_national_id(rc, &lq);
    const char *dtype = list_filter_enum(rc, &lq, "disability_type", disability_types);
    const char *sex = list_filter_enum(rc, &lq, "sex", sexes);
    const char *status = list_filter_enum(rc, &lq, "status", statuses);
    const char *need = list_filter_enum(rc, &lq, "need", needs_choices);
    /* the filters' errors first: a bad ?q= replies at once, which would drop the filters' error list */
    if (!list_query_valid(rc, &lq))
        return;
    const char *pattern = resource_search_pattern(rc);
    if (pattern && !*pattern)
        return;
    const char *const names[] = {"province", "county_id", "center_id", "disability_type", "sex", "status", "need"};
    const char *const vals[] = {province, county, center, dtype, sex, status, need};
    const char *filter_json = resource_list_audit_filter(rc, names, vals, NCOLS(names), national_id != NULL);

    req_job_begin(rc, true);
    db_query *q = db_job_add(&rc->job, pattern ? stmt_search : stmt_list);
    resource_scope_params(rc, q);
    db_query_param(q, province);
    db_query_param(q, county);
    db_query_param(q, center);
    db_query_param(q, national_id);
    db_query_param(q, dtype);
    db_query_param(q, sex);
    db_query_param(q, status);
    db_query_param(q, need);
    db_query_param(q, pattern);
    db_query_param(q, lq.after);
    db_query_param(q, lq.limit);
    resource_submit_audited_list(rc, &clients, filter_json);  /* recorded in a read batch */
}

/* Transfer ----------------------------------------------------------------------------------------------------- */

static void transferred(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (!req_job_ok(rc, job))
        return;
    const PGresult *r = job->res[1];
    if (PQgetisnull(r, 0, 0)) {
        reply_problem(rc, 404, "No such client (or it is outside your scope).");
        return;
    }
    const char *v = PQgetvalue(r, 0, 0);
    if (strstr(v, "\"stale\"")) {
        reply_problem(rc, 412, "The client changed since you read it; read it again and retry the transfer.");
        return;
    }
    reply_body(rc, 200, "application/json", v, strlen(v));
}

static const field_spec transfer_fields[] = {
    {"county_id", F_INT, true, 1, 2147483647, NULL},
    {"center_id", F_INT, false, 1, INT64_MAX, NULL},
};

void handle_clients_transfer(req_ctx *rc)
{
    const char *id = resource_id_param(rc, 0, "client");
    if (!id)
        return;
    json_object *body = req_json_body(rc);
    if (!body)
        return;
    field_errors fe = {0};
    if (!validate_fields(body, transfer_fields, NCOLS(transfer_fields), false, &fe)) {
        reply_problem_fields(rc, 422, "The client was not moved.", &fe);
        return;
    }
    /* If-Match is optional here: with it, a transfer of a record changed meanwhile is refused */
    const char *version = NULL;
    if (req_header(rc, "If-Match")) {
        version = req_if_match(rc, "client", id, NULL);
        if (!version)
            return;
        if (!*version)
            version = NULL;
    }
    int64_t county, center;
    body_int(body, "county_id", &county);
    bool has_center = body_int(body, "center_id", &center);
    req_job_begin(rc, false);
    db_query *q = db_job_add(&rc->job, stmt_transfer);
    db_query_param(q, id);
    db_query_param(q, arena_sprintf(rc->arena, "%lld", (long long)county));
    db_query_param(q, has_center ? arena_sprintf(rc->arena, "%lld", (long long)center) : NULL);
    db_query_param(q, version);
    req_db_submit(rc, transferred);
}
