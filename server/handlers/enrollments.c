/*
 * enrollments.c - a client's programs: GET/POST /api/v1/clients/{id}/enrollments, GET/PATCH
 * /api/v1/enrollments/{id}, and every enrollment in the caller's scope: GET /api/v1/enrollments (filters from the
 * description; with ?client_id= audited as a read of that client, else as a list of people's records). An
 * enrollment lives where its client lives (province, county, center).
 */

#include "server/handlers/handlers.h"
#include "server/http/resource.h"

const char *const program_codes[] = {"cbr",        "microfinance", "housing",           "tele_rehabilitation",
                                     "life_skills", "elderly_care", "caregiver_training", NULL};
static const char *const statuses[] = {"active", "completed", "withdrawn", NULL};

/* An enrollment, field by field (describe.h); it lives where its client lives. */
static const field_desc enrollment_fields[] = {
    DESC_ID("901"),
    {.name = "client_id", .column = "client_id", .out = COL_INT, .sqltype = "bigint",
     .flags = DF_STORED | DF_LIST_PARENT, .filter = LF_ID, .label_fa = "مددجو", .label_en = "Client",
     .example = "1042", .doc = "the path's client"},
    {.name = "program", .column = "program_id", .expr = "(SELECT p.code FROM programs p WHERE p.id = t.program_id)",
     .in = F_ENUM, .out = COL_TEXT, .sqltype = "(SELECT p.id FROM programs p WHERE p.code = $J->>'program')",
     .choices = program_codes, .flags = DF_CREATE | DF_REQUIRED_CREATE, .filter = LF_ENUM, .label_fa = "برنامه",
     .label_en = "Program", .example = "\"cbr\""},
    {.name = "started_on", .column = "started_on", .in = F_DATE, .out = COL_DATE, .sqltype = "date",
     .flags = DF_WRITE | DF_REQUIRED, .label_fa = "تاریخ شروع", .label_en = "Started on",
     .example = "\"2025-09-23\""},
    {.name = "ended_on", .column = "ended_on", .in = F_DATE, .out = COL_DATE, .sqltype = "date",
     .flags = DF_WRITE | DF_NULLABLE, .label_fa = "تاریخ پایان", .label_en = "Ended on", .example = "null"},
    {.name = "status", .column = "status", .in = F_ENUM, .out = COL_TEXT, .sqltype = "enrollment_status",
     .choices = statuses, .flags = DF_WRITE | DF_REQUIRED_UPDATE, .default_sql = "'active'", .filter = LF_ENUM,
     .label_fa = "وضعیت",
     .label_en = "Status", .example = "\"active\""},
    DESC_PROVINCE(LF_PROVINCE),
    DESC_COUNTY(LF_ID),
    {.name = "center_id", .column = "center_id", .out = COL_INT, .flags = DF_NULLABLE, .filter = LF_ID,
     .label_fa = "مرکز", .label_en = "Center", .example = "17"},
    DESC_RECORD_TAIL,
};

static resource enrollments = {
    .name = "enrollment",
    .table = "enrollments",
    .fields = enrollment_fields,
    .nfields = NCOLS(enrollment_fields),
    .schema = "Enrollment",
    .parent_column = "client_id",
    .audit_reads = true,
    .close_patch = NULL,
    .path = "/api/v1/enrollments",
};

void enrollments_init(void)
{
    resource_init(&enrollments);
}
void handle_enrollments_get(req_ctx *rc) { resource_get(rc, &enrollments); }
void handle_enrollments_list(req_ctx *rc) { resource_list(rc, &enrollments); }
void handle_enrollments_patch(req_ctx *rc) { resource_patch(rc, &enrollments); }

void handle_client_enrollments_create(req_ctx *rc)
{
    const char *client = resource_id_param(rc, 0, "client");
    if (client)
        resource_create(rc, &enrollments, client);
}

void handle_client_enrollments_list(req_ctx *rc)
{
    resource_list_children(rc, &enrollments, "client", client_visible_stmt(), enrollments.stmt_children);
}
