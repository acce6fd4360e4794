/*
 * staff.c - /api/v1/staff: social workers and other specialists of the centers, with their trainings.
 * GET /api/v1/staff?profession=social_worker&province=IR-NN is a province's social-worker databank.
 * A staff member's province and county are their center's. Reads are recorded like a client's.
 */
#include <string.h>

#include "common/jalali.h"
#include "server/handlers/handlers.h"
#include "server/http/resource.h"

static const char *const professions[] = {
    "social_worker", "psychologist",     "physiotherapist",    "occupational_therapist", "speech_therapist",
    "nurse",         "physician",        "caregiver",          "counselor",              "special_educator",
    "vocational_trainer", "addiction_counselor", "administrator", "other", NULL};
static const char *const statuses[] = {"active", "left", NULL};

/* A staff member, field by field (describe.h). Province and county are the center's. */
static const field_desc staff_fields[] = {
    DESC_ID("311"),
    DESC_NATIONAL_ID,
    DESC_NAME("first_name", "نام", "First name", "\"مریم\""),
    DESC_NAME("last_name", "نام خانوادگی", "Last name", "\"کریمی\""),
    {.name = "profession", .column = "profession", .in = F_ENUM, .out = COL_TEXT, .sqltype = "staff_profession",
     .choices = professions, .flags = DF_WRITE | DF_REQUIRED, .filter = LF_ENUM, .label_fa = "حرفه",
     .label_en = "Profession", .example = "\"social_worker\""},
    {.name = "center_id", .column = "center_id", .in = F_INT, .out = COL_INT, .sqltype = "bigint", .min = 1,
     .max = INT64_MAX, .flags = DF_WRITE | DF_REQUIRED, .filter = LF_ID, .label_fa = "مرکز", .label_en = "Center",
     .example = "17"},
    DESC_PROVINCE(LF_PROVINCE),
    DESC_COUNTY(LF_ID),
    {.name = "trainings", .column = "trainings", .in = F_ANY, .out = COL_JSON, .sqltype = "jsonb",
     .flags = DF_WRITE | DF_CUSTOM, .default_sql = "'[]'", .label_fa = "دوره‌های آموزشی", .label_en = "Trainings",
     .example = "[{\"course\": \"CBR\", \"hours\": 24, \"completed_on\": \"2025-05-01\"}]",
     .schema = "{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/Training\"}}"},
    {.name = "status", .column = "status", .in = F_ENUM, .out = COL_TEXT, .sqltype = "staff_status",
     .choices = statuses, .flags = DF_WRITE, .default_sql = "'active'", .filter = LF_ENUM, .label_fa = "وضعیت",
     .label_en = "Status", .example = "\"active\""},
    DESC_RECORD_TAIL,
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
        field_error_coded(fe, "trainings", "type", "دوره‌های آموزشی باید فهرستی از حداکثر ۲۰۰ دوره باشد.",
                          "must be a list of at most 200 trainings");
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
            field_error_coded(fe, field, "shape", "هر دوره نام دوره، تاریخ پایان (completed_on یا completed_on_jalali) و"
                              " در صورت نیاز ساعت می‌خواهد.",
                              "needs a course, a completed_on date (or completed_on_jalali) and optional hours");
            json_object_put(local.list);
            continue;
        }
        json_object *o = json_object_new_object();
        const char *course = clean_text(rc, body_string(t, "course"), field, fe);
        if (!course || !course[0]) {
            if (course)
                field_error_coded(fe, field, "empty", "نام دوره نباید خالی باشد.",
                                  "a training's course must not be blank");
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
    put_trainings(rc, body, values, fe);
    (void)partial;
    (void)parent_id;
}

static resource staff = {
    .name = "staff",
    .table = "staff",
    .fields = staff_fields,
    .nfields = NCOLS(staff_fields),
    .schema = "Staff",
    .search = SEARCH_IDS,
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

void staff_init(void)
{
    resource_init(&staff);
}

void handle_staff_get(req_ctx *rc) { resource_get(rc, &staff); }
void handle_staff_create(req_ctx *rc) { resource_create(rc, &staff, NULL); }
void handle_staff_patch(req_ctx *rc) { resource_patch(rc, &staff); }
void handle_staff_close(req_ctx *rc) { resource_close(rc, &staff); }
void handle_staff_list(req_ctx *rc) { resource_list(rc, &staff); }
