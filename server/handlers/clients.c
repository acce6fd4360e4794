/*
 * clients.c - /api/v1/clients: people with disabilities, elderly people, children with special needs, families in
 * need of housing or work. The national ID is checked (check digit, not all one digit) and unique in the whole
 * nation: a duplicate in any province is a 409 that says nothing else. Every read of a client's record is
 * recorded in the audit trail, in the same transaction as the read. Closing (DELETE) keeps the record.
 * Moving a client to another county or province: POST /api/v1/clients/{id}/transfer.
 */
#include <string.h>
#include <time.h>

#include "server/db/result.h"
#include "server/handlers/handlers.h"
#include "server/http/resource.h"

static const char *const sexes[] = {"female", "male", NULL};
static const char *const statuses[] = {"active", "closed", NULL};
static const char *const household_roles[] = {"head", "spouse", "child", "parent", "sibling", "other", NULL};
static const char *const disability_types[] = {"physical",     "visual",       "hearing", "speech",
                                               "intellectual", "psychosocial", "autism",  "multiple", NULL};
static const char *const severities[] = {"mild", "moderate", "severe", "very_severe", NULL};
static const char *const needs_choices[] = {"housing",    "employment", "education", "healthcare",
                                            "rehabilitation", "financial", "caregiving", "legal",
                                            "psychosocial", "assistive_devices", NULL};

/* A client, field by field (describe.h): everything else about a client's columns is derived from this. The county
 * is set on create and changes only through a transfer; province is the county's. */
static const field_desc client_fields[] = {
    DESC_ID("1042"),
    DESC_NATIONAL_ID,
    DESC_NAME("first_name", "نام", "First name", "\"زهرا\""),
    DESC_NAME("last_name", "نام خانوادگی", "Last name", "\"احمدی\""),
    {.name = "birth_date", .column = "birth_date", .in = F_DATE, .out = COL_DATE, .sqltype = "date",
     .flags = DF_WRITE | DF_REQUIRED, .label_fa = "تاریخ تولد", .label_en = "Birth date",
     .example = "\"1988-03-21\"", .doc = "from 1900-01-01 to today; or birth_date_jalali"},
    {.name = "sex", .column = "sex", .in = F_ENUM, .out = COL_TEXT, .sqltype = "client_sex", .choices = sexes,
     .flags = DF_WRITE | DF_REQUIRED, .filter = LF_ENUM, .label_fa = "جنسیت", .label_en = "Sex",
     .example = "\"female\""},
    {.name = "province", .column = "province_code", .out = COL_TEXT, .filter = LF_PROVINCE, .label_fa = "استان",
     .label_en = "Province", .example = "\"IR-08\"", .doc = "the county's province"},
    {.name = "county_id", .column = "county_id", .in = F_INT, .out = COL_INT, .sqltype = "integer", .min = 1,
     .max = 2147483647, .flags = DF_CREATE | DF_REQUIRED_CREATE, .filter = LF_ID, .label_fa = "شهرستان",
     .label_en = "County", .example = "120", .doc = "on create only; later by transfer"},
    {.name = "center_id", .column = "center_id", .in = F_INT, .out = COL_INT, .sqltype = "bigint", .min = 1,
     .max = INT64_MAX, .flags = DF_WRITE | DF_NULLABLE, .filter = LF_ID, .label_fa = "مرکز", .label_en = "Center",
     .example = "17"},
    /* disability {type, severity}: read as its two columns (the encoder joins them), written from the hook */
    {.name = "disability", .expr = "t.disability_type",
     .write_expr = "CASE WHEN t.disability_type IS NULL THEN NULL ELSE jsonb_build_object('type', t.disability_type,"
                   " 'severity', t.disability_severity) END",
     .in = F_ANY, .out = COL_TYPE_SEVERITY, .flags = DF_WRITE | DF_NULLABLE | DF_CUSTOM, .label_fa = "معلولیت",
     .label_en = "Disability", .example = "{\"type\": \"visual\", \"severity\": \"severe\"}",
     .schema = "{\"$ref\":\"#/components/schemas/Disability\"}"},
    /* a list filter of its own too: the console filters by severity as by type */
    {.name = "disability_severity", .column = "disability_severity", .out = COL_HIDDEN,
     .sqltype = "disability_severity", .choices = severities, .flags = DF_STORED | DF_READS_ONLY,
     .filter = LF_ENUM},
    {.name = "disability_type", .column = "disability_type", .sqltype = "disability_type",
     .choices = disability_types, .flags = DF_STORED | DF_NOT_SELECTED, .filter = LF_ENUM},
    {.name = "needs", .column = "needs", .in = F_ANY, .out = COL_TEXT_ARRAY, .sqltype = "text[]",
     .choices = needs_choices, .flags = DF_WRITE | DF_CUSTOM | DF_CONTAINS, .default_sql = "'{}'",
     .filter = LF_ENUM, .filter_as = "need", .label_fa = "نیازها", .label_en = "Needs",
     .example = "[\"housing\", \"employment\"]"},
    {.name = "household_id", .column = "household_id", .in = F_INT, .out = COL_INT, .sqltype = "bigint", .min = 1,
     .max = INT64_MAX, .flags = DF_WRITE | DF_NULLABLE, .label_fa = "خانوار", .label_en = "Household",
     .example = "null"},
    {.name = "household_role", .column = "household_role", .in = F_ENUM, .out = COL_TEXT, .sqltype = "text",
     .choices = household_roles, .flags = DF_WRITE | DF_NULLABLE, .label_fa = "نقش در خانوار",
     .label_en = "Role in the household", .example = "\"head\""},
    {.name = "father_name", .column = "father_name", .in = F_STRING, .out = COL_TEXT, .sqltype = "text", .min = 1,
     .max = 100, .flags = DF_WRITE | DF_NULLABLE, .label_fa = "نام پدر", .label_en = "Father's name",
     .example = "\"علی\""},
    {.name = "status", .column = "status", .in = F_ENUM, .out = COL_TEXT, .sqltype = "client_status",
     .choices = statuses, .flags = DF_WRITE | DF_REQUIRED_UPDATE, .default_sql = "'active'", .filter = LF_ENUM,
     .label_fa = "وضعیت", .label_en = "Status", .example = "\"active\""},
    DESC_RECORD_TAIL,
};

static bool in_list(const char *v, const char *const *choices)
{
    for (const char *const *c = choices; *c; c++)
        if (!strcmp(*c, v))
            return true;
    return false;
}

/* What the description cannot say: the birth date's range, disability's two parts, the list of needs */
static void client_build(req_ctx *rc, json_object *body, bool partial, const char *parent_id, json_object *values,
                         field_errors *fe)
{
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
            field_error_coded(fe, "birth_date", "range", "تاریخ تولد باید از 1900-01-01 تا امروز باشد.",
                              "must be between 1900-01-01 and today");
    }
    (void)rc;

    json_object *d;
    if (json_object_object_get_ex(body, "disability", &d)) {
        json_object *t = NULL, *s = NULL;
        if (!d) {
            json_object_object_add(values, "disability_type", NULL);
            json_object_object_add(values, "disability_severity", NULL);
        } else if (!json_object_is_type(d, json_type_object) || json_object_object_length(d) != 2 ||
                   !json_object_object_get_ex(d, "type", &t) || !json_object_object_get_ex(d, "severity", &s) ||
                   !json_object_is_type(t, json_type_string) || !json_object_is_type(s, json_type_string)) {
            field_error_coded(fe, "disability", "shape", "معلولیت باید {\"type\", \"severity\"} یا null باشد.",
                              "must be {\"type\", \"severity\"} or null");
        } else {
            if (!in_list(json_object_get_string(t), disability_types))
                field_error_coded(fe, "disability.type", "choice", "نوع معلولیت از مقادیر مجاز نیست.",
                                  "must be one of physical, visual, hearing, speech, intellectual, psychosocial, "
                                  "autism, multiple");
            if (!in_list(json_object_get_string(s), severities))
                field_error_coded(fe, "disability.severity", "choice", "شدت معلولیت از مقادیر مجاز نیست.",
                                  "must be one of mild, moderate, severe, very_severe");
            json_object_object_add(values, "disability_type", json_object_get(t));
            json_object_object_add(values, "disability_severity", json_object_get(s));
        }
    }
    json_object *n;
    if (json_object_object_get_ex(body, "needs", &n)) {
        json_object *arr = json_object_new_array();
        if (n && !json_object_is_type(n, json_type_array))
            field_error_coded(fe, "needs", "type", "نیازها باید فهرست باشد.", "must be a list");
        else
            for (size_t i = 0; n && i < json_object_array_length(n); i++) {
                json_object *e = json_object_array_get_idx(n, i);
                if (!json_object_is_type(e, json_type_string) || !in_list(json_object_get_string(e), needs_choices)) {
                    field_error_coded(fe, "needs", "choice", "نیازها نیازی ناشناخته دارد.",
                                      "holds an unknown need; allowed: housing, employment, education, healthcare, "
                                      "rehabilitation, financial, caregiving, legal, psychosocial, assistive_devices");
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
    .fields = client_fields,
    .nfields = NCOLS(client_fields),
    .schema = "Client",
    .search = SEARCH_IDS,
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

static int stmt_transfer, stmt_visible;

/* A transfer's body: the client's own county_id (required) and center_id rows */
static const char *const transfer_names[] = {"county_id", "center_id"};
static field_spec transfer_fields[NCOLS(transfer_names)];
static const char *transfer_labels[NCOLS(transfer_names)];

int client_visible_stmt(void)
{
    return stmt_visible;
}

void clients_init(void)
{
    resource_init(&clients);
    describe_body("Transfer", &clients, transfer_names, NCOLS(transfer_names), transfer_fields, transfer_labels);
    stmt_visible = db_stmt_register("client_visible",
                                    "SELECT province_code, county_id, center_id FROM clients WHERE id = $1::bigint");
    stmt_transfer = db_stmt_register("client_transfer",
                                     "SELECT client_transfer($1::bigint, $2::integer, $3::bigint, $4::integer)");
}

void handle_clients_get(req_ctx *rc) { resource_get(rc, &clients); }
void handle_clients_create(req_ctx *rc) { resource_create(rc, &clients, NULL); }
void handle_clients_patch(req_ctx *rc) { resource_patch(rc, &clients); }
void handle_clients_close(req_ctx *rc) { resource_close(rc, &clients); }
void handle_clients_list(req_ctx *rc) { resource_list(rc, &clients); }

/* Transfer ----------------------------------------------------------------------------------------------------- */

static void transferred(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (!req_job_ok(rc, job))
        return;
    const char *v = db_get(job->res[1], 0, "client_transfer");
    if (!v) {
        reply_problem(rc, 404, "No such client (or it is outside your scope).");
        return;
    }
    if (strstr(v, "\"stale\"")) {
        reply_problem(rc, 412, "The client changed since you read it; read it again and retry the transfer.");
        return;
    }
    reply_body(rc, 200, "application/json", v, strlen(v));
}


void handle_clients_transfer(req_ctx *rc)
{
    const char *id = resource_id_param(rc, 0, "client");
    if (!id)
        return;
    json_object *body = req_json_body(rc);
    if (!body)
        return;
    field_errors fe = {0};
    if (!validate_fields_fa(body, transfer_fields, transfer_labels, NCOLS(transfer_fields), false, &fe)) {
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
