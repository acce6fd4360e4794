/*
 * staff.c - /api/v1/staff: social workers and other specialists of the centers, with their trainings.
 * GET /api/v1/staff?profession=social_worker&province=IR-NN is a province's social-worker databank.
 * A staff member's province and county are their center's. Reads are recorded like a client's.
 */
#include <string.h>

#include "common/jalali.h"
#include "server/handlers/handlers.h"
#include "server/http/resource.h"

#define STAFF_SELECT                                                                                                 \
    "t.id, t.national_id, t.first_name, t.last_name, t.profession, t.center_id, t.province_code AS province,"      \
    " t.county_id, t.trainings, t.status, t.version, " SQL_UTC_TS("created_at") ", " SQL_UTC_TS("updated_at")

static const char *const professions[] = {
    "social_worker", "psychologist",     "physiotherapist",    "occupational_therapist", "speech_therapist",
    "nurse",         "physician",        "caregiver",          "counselor",              "special_educator",
    "vocational_trainer", "addiction_counselor", "administrator", "other", NULL};
static const char *const statuses[] = {"active", "left", NULL};

static const col_spec staff_cols[] = {
    {"id", COL_INT},          {"national_id", COL_TEXT}, {"first_name", COL_TEXT}, {"last_name", COL_TEXT},
    {"profession", COL_TEXT}, {"center_id", COL_INT},    {"province", COL_TEXT},   {"county_id", COL_INT},
    {"trainings", COL_JSON},  {"status", COL_TEXT},      {"version", COL_INT},     {"created_at", COL_TIMESTAMP},
    {"updated_at", COL_TIMESTAMP}};

static const res_column staff_writable[] = {
    {"national_id", "national_id", "text", NULL},
    {"first_name", "first_name", "text", NULL},
    {"last_name", "last_name", "text", NULL},
    {"profession", "profession", "staff_profession", NULL},
    {"center_id", "center_id", "bigint", NULL},
    {"trainings", "trainings", "jsonb", "'[]'"},
    {"status", "status", "staff_status", "'active'"},
};

static const field_spec staff_fields[] = {
    {"national_id", F_NATIONAL_ID, true, 0, 0, NULL},
    {"first_name", F_STRING, true, 1, 100, NULL},
    {"last_name", F_STRING, true, 1, 100, NULL},
    {"profession", F_ENUM, true, 0, 0, professions},
    {"center_id", F_INT, true, 1, INT64_MAX, NULL},
    {"trainings", F_ANY, false, 0, 0, NULL},
    {"status", F_ENUM, false, 0, 0, statuses},
};

/* trainings: [{"course", "hours"?, "completed_on" | "completed_on_jalali"}]; stored with both date forms */
static void put_trainings(req_ctx *rc, json_object *body, json_object *values, field_errors *fe)
{
    json_object *in;
    if (!json_object_object_get_ex(body, "trainings", &in))
        return;
    json_object *out = json_object_new_array();
    json_object_object_add(values, "trainings", out);
    if (!in)
        return;
    if (!json_object_is_type(in, json_type_array) || json_object_array_length(in) > 200) {
        field_error(fe, "trainings", "must be a list of at most 200 trainings");
        return;
    }
    for (size_t i = 0; i < json_object_array_length(in); i++) {
        json_object *t = json_object_array_get_idx(in, i);
        char field[48];
        snprintf(field, sizeof(field), "trainings[%zu]", i);
        static const field_spec tf[] = {
            {"course", F_STRING, true, 1, 200, NULL},
            {"hours", F_INT, false, 0, 10000, NULL},
            {"completed_on", F_DATE, true, 0, 0, NULL},
        };
        field_errors local = {0};
        if (!validate_fields(t, tf, NCOLS(tf), false, &local)) {
            field_error(fe, field, "needs a course, a completed_on date (or completed_on_jalali) and optional hours");
            json_object_put(local.list);
            continue;
        }
        json_object *o = json_object_new_object();
        const char *course = clean_text(rc, body_string(t, "course"), field, fe);
        if (!course || !course[0]) {
            if (course)
                field_error(fe, field, "a training's course must not be blank");
            json_object_put(o);
            continue;
        }
        json_object_object_add(o, "course", json_object_new_string(course));
        int64_t hours;
        if (body_int(t, "hours", &hours))
            json_object_object_add(o, "hours", json_object_new_int64(hours));
        const char *iso = body_date(rc, t, "completed_on");
        ymd g, j;
        char jal[11];
        json_object_object_add(o, "completed_on", json_object_new_string(iso));
        if (date_parse_iso(iso, &g) == 0 && gregorian_to_jalali(g, &j) == 0) {
            date_format(j, jal);
            json_object_object_add(o, "completed_on_jalali", json_object_new_string(jal));
        }
        json_object_array_add(out, o);
    }
}

static void staff_build(req_ctx *rc, json_object *body, bool partial, const char *parent_id, json_object *values,
                        field_errors *fe)
{
    res_put_national_id(rc, body, values, fe);
    res_put_text(rc, body, values, "first_name", fe);
    res_put_text(rc, body, values, "last_name", fe);
    res_put_as_is(body, values, "profession");
    res_put_int(body, values, "center_id");
    res_put_as_is(body, values, "status");
    put_trainings(rc, body, values, fe);
    (void)partial;
    (void)parent_id;
}

static resource staff = {
    .name = "staff",
    .table = "staff",
    .select_sql = STAFF_SELECT,
    .cols = staff_cols,
    .ncols = NCOLS(staff_cols),
    .col_id = 0, .col_version = 10, .col_province = 6, .col_county = 7, .col_center = 5,
    .writable = staff_writable,
    .nwritable = NCOLS(staff_writable),
    .create_fields = staff_fields,
    .ncreate_fields = NCOLS(staff_fields),
    .update_fields = staff_fields,
    .nupdate_fields = NCOLS(staff_fields),
    .build = staff_build,
    .audit_reads = true,
    .close_patch = "{\"status\":\"left\"}",
    .path = "/api/v1/staff",
    .submittable = true,
};

const resource *staff_resource(void)
{
    return &staff;
}

static int stmt_list, stmt_search;

/* a list's filters: $1-$3 the caller's scope, $4-$9 the query's filters, $10 the search pattern, $11 the cursor */
#define STAFF_LIST_WHERE                                                                                           \
    "($1::text IS NULL OR t.province_code = $1) AND ($2::integer IS NULL OR t.county_id = $2::integer)"            \
    " AND ($3::bigint IS NULL OR t.center_id = $3::bigint)"                                                        \
    " AND ($4::text IS NULL OR t.province_code = $4) AND ($5::integer IS NULL OR t.county_id = $5::integer)"       \
    " AND ($6::bigint IS NULL OR t.center_id = $6::bigint)"                                                        \
    " AND ($7::text IS NULL OR t.national_id = $7)"                                                                \
    " AND ($8::staff_profession IS NULL OR t.profession = $8::staff_profession)"                                   \
    " AND ($9::staff_status IS NULL OR t.status = $9::staff_status)"                                               \
    " AND ($10::text IS NULL OR t.name_key LIKE $10)"                                                              \
    " AND ($11::bigint IS NULL OR t.id > $11::bigint)"

void staff_init(void)
{
    resource_init(&staff);
    stmt_list = db_stmt_register("staff_list", "SELECT " STAFF_SELECT " FROM staff t"
                                               " WHERE " STAFF_LIST_WHERE " ORDER BY t.id LIMIT $12");
    /* ?q=: as for clients (clients.c), the matching ids come from registry_search_ids */
    stmt_search = db_stmt_register(
        "staff_search",
        "SELECT " STAFF_SELECT " FROM registry_search_ids('staff', $10, $4, $5::integer, $6::bigint,"
        " $11::bigint, CASE WHEN $7::text IS NULL AND $8::staff_profession IS NULL AND $9::staff_status IS NULL"
        " THEN $12::integer END) m (id)"
        " JOIN staff t ON t.id = m.id WHERE " STAFF_LIST_WHERE " ORDER BY t.id LIMIT $12");
}

void handle_staff_get(req_ctx *rc) { resource_get(rc, &staff); }
void handle_staff_create(req_ctx *rc) { resource_create(rc, &staff, NULL); }
void handle_staff_patch(req_ctx *rc) { resource_patch(rc, &staff); }
void handle_staff_close(req_ctx *rc) { resource_close(rc, &staff); }

void handle_staff_list(req_ctx *rc)
{
    list_query lq;
    if (!list_query_begin(rc, &lq))
        return;
    const char *province = list_filter_province(rc, &lq, "province");
    const char *county = list_filter_int(rc, &lq, "county_id");
    const char *center = list_filter_int(rc, &lq, "center_id");
    const char *national_id = list_filter_national_id(rc, &lq);
    const char *profession = list_filter_enum(rc, &lq, "profession", professions);
    const char *status = list_filter_enum(rc, &lq, "status", statuses);
    /* the filters' errors first: a bad ?q= replies at once, which would drop the filters' error list */
    if (!list_query_valid(rc, &lq))
        return;
    const char *pattern = resource_search_pattern(rc);
    if (pattern && !*pattern)
        return;
    const char *const names[] = {"province", "county_id", "center_id", "profession", "status"};
    const char *const vals[] = {province, county, center, profession, status};
    const char *filter_json = resource_list_audit_filter(rc, names, vals, NCOLS(names), national_id != NULL);

    req_job_begin(rc, true);
    db_query *q = db_job_add(&rc->job, pattern ? stmt_search : stmt_list);
    resource_scope_params(rc, q);
    db_query_param(q, province);
    db_query_param(q, county);
    db_query_param(q, center);
    db_query_param(q, national_id);
    db_query_param(q, profession);
    db_query_param(q, status);
    db_query_param(q, pattern);
    db_query_param(q, lq.after);
    db_query_param(q, lq.limit);
    resource_submit_audited_list(rc, &staff, filter_json);  /* recorded in a read batch */
}
