/*
 * allocations.c - /api/v1/allocations: budget per Jalali fiscal year and program, from the national office to a
 * province, from a province to its counties and centers, from a county to its centers. A level's allocations can
 * never add up to more than its parent's (422 naming the overrun; checked in the database under a lock, so two
 * concurrent writes cannot both slip under the limit). Changes are audited updates of amount and note.
 */
#include "server/handlers/handlers.h"
#include "server/http/resource.h"

static const char *const levels[] = {"province", "county", "center", NULL};

/* The ceiling over an allocation and what sits under it, as seen by the caller (row-level security): whoever sees
 * a parent's place sees all its children's places, so a visible parent's siblings are all counted. The sums leave
 * the row itself out and add its new amount, so a write's reply (whose statement still sees the old rows) agrees
 * with a later read. Sums are numeric: INT64_MAX allocations add up past 64 bits. */
#define SAME_YEAR_PROGRAM(a) a ".fiscal_year = t.fiscal_year AND " a ".program_id = t.program_id"
#define PARENT_AMOUNT                                                                                               \
    "(CASE t.level WHEN 'county' THEN (SELECT p.amount_rials FROM allocations p WHERE " SAME_YEAR_PROGRAM("p")    \
    " AND p.province_code = t.province_code AND p.level = 'province')"                                             \
    " WHEN 'center' THEN (SELECT p.amount_rials FROM allocations p WHERE " SAME_YEAR_PROGRAM("p")                 \
    " AND p.county_id = t.county_id AND p.level = 'county') END)"
#define SIBLINGS                                                                                                    \
    "(t.amount_rials + (SELECT coalesce(sum(s.amount_rials), 0) FROM allocations s WHERE " SAME_YEAR_PROGRAM("s")  \
    " AND s.id <> t.id AND s.level = t.level AND CASE t.level WHEN 'county' THEN s.province_code = t.province_code" \
    " ELSE s.county_id = t.county_id END))"
#define BELOW                                                                                                       \
    "(CASE t.level WHEN 'province' THEN (SELECT coalesce(sum(c.amount_rials), 0) FROM allocations c WHERE "       \
    SAME_YEAR_PROGRAM("c") " AND c.province_code = t.province_code AND c.level = 'county')"                      \
    " WHEN 'county' THEN (SELECT coalesce(sum(c.amount_rials), 0) FROM allocations c WHERE " SAME_YEAR_PROGRAM("c") \
    " AND c.county_id = t.county_id AND c.level = 'center') END)"

/* An allocation, field by field (describe.h). Its place is exactly one of province, county_id, center_id, given on
 * create (the hook); the level follows from it (set by the database). */
static const field_desc allocation_fields[] = {
    {.name = "id", .column = "id", .out = COL_INT, .label_fa = "شناسه", .label_en = "Id", .example = "310"},
    {.name = "fiscal_year", .column = "fiscal_year", .in = F_INT, .out = COL_INT, .sqltype = "integer", .min = 1300,
     .max = 1500, .flags = DF_CREATE | DF_REQUIRED_CREATE, .filter = LF_ID, .label_fa = "سال مالی",
     .label_en = "Fiscal year (Jalali)", .example = "1403"},
    {.name = "program", .column = "program_id", .expr = "(SELECT p.code FROM programs p WHERE p.id = t.program_id)",
     .in = F_ENUM, .out = COL_TEXT, .sqltype = "(SELECT p.id FROM programs p WHERE p.code = $J->>'program')",
     .choices = program_codes, .flags = DF_CREATE | DF_REQUIRED_CREATE, .filter = LF_ENUM, .label_fa = "برنامه",
     .label_en = "Program", .example = "\"cbr\""},
    {.name = "level", .column = "level", .in = F_ENUM, .out = COL_TEXT, .sqltype = "allocation_level",
     .choices = levels, .filter = LF_ENUM, .label_fa = "سطح", .label_en = "Level", .example = "\"county\"",
     .doc = "follows from the place: province, county or center"},
    DESC_PLACE_GIVEN("province, county_id and center_id"),
    /* so a list of allocations names its centers itself, rather than a read of each center after it */
    {.name = "center_name", .expr = "(SELECT c.name FROM centers c WHERE c.id = t.center_id)", .out = COL_TEXT,
     .flags = DF_NULLABLE, .label_fa = "نام مرکز", .label_en = "Center's name", .example = "null",
     .doc = "the center's name when the place is a center (null otherwise, or when the center is outside your scope)"},
    {.name = "amount_rials", .column = "amount_rials", .in = F_INT, .out = COL_INT, .sqltype = "bigint", .min = 0,
     .max = INT64_MAX, .flags = DF_WRITE | DF_REQUIRED, .label_fa = "مبلغ (ریال)", .label_en = "Amount (rials)",
     .example = "2500000000", .doc = "never more, with its siblings, than the parent level's allocation"},
    {.name = "note", .column = "note", .in = F_STRING, .out = COL_TEXT, .sqltype = "text", .max = 500,
     .flags = DF_WRITE | DF_NULLABLE, .label_fa = "یادداشت", .label_en = "Note", .example = "\"سهم شهرستان\""},
    {.name = "parent_rials", .expr = PARENT_AMOUNT, .out = COL_INT, .flags = DF_NULLABLE,
     .label_fa = "سقف سطح بالاتر (ریال)", .label_en = "Parent's ceiling (rials)", .example = "10000000000",
     .doc = "the parent level's allocation for the same year and program (a county's: its province's; a center's: its "
            "county's); null for a province, or when the parent has none or is outside your scope"},
    {.name = "siblings_rials", .expr = "CASE WHEN " PARENT_AMOUNT " IS NOT NULL THEN " SIBLINGS " END",
     .out = COL_INT, .flags = DF_NULLABLE, .label_fa = "تخصیص‌یافته زیر همان سقف (ریال)",
     .label_en = "Allocated under the same parent (rials)", .example = "7500000000",
     .doc = "this allocation and its siblings' (the same year, program and parent) together; null when "
            "parent_rials is"},
    {.name = "remaining_under_parent_rials", .expr = "(" PARENT_AMOUNT " - " SIBLINGS ")", .out = COL_INT,
     .flags = DF_NULLABLE, .label_fa = "ماندهٔ سقف سطح بالاتر (ریال)",
     .label_en = "Left under the parent's ceiling (rials)", .example = "2500000000",
     .doc = "parent_rials - siblings_rials: what the parent can still allocate at this level"},
    {.name = "allocated_below_rials", .expr = BELOW, .out = COL_INT, .flags = DF_NULLABLE,
     .label_fa = "تخصیص‌یافته به سطح پایین‌تر (ریال)", .label_en = "Allocated below (rials)",
     .example = "6000000000",
     .doc = "what this allocation passed on (a province's to its counties, a county's to its centers); null for a "
            "center"},
    {.name = "unallocated_rials", .expr = "(t.amount_rials - " BELOW ")", .out = COL_INT, .flags = DF_NULLABLE,
     .label_fa = "ماندهٔ تخصیص‌نیافته (ریال)", .label_en = "Not yet allocated below (rials)",
     .example = "4000000000", .doc = "amount_rials - allocated_below_rials; null for a center"},
    DESC_RECORD_TAIL,
};

/* What the description cannot say: the place is exactly one of three fields */
static void allocation_build(req_ctx *rc, json_object *body, bool partial, const char *parent_id,
                             json_object *values, field_errors *fe)
{
    if (!partial)
        res_put_place(rc, body, values, false, fe);
    (void)parent_id;
}

static resource allocations = {
    .name = "allocation",
    .table = "allocations",
    .fields = allocation_fields,
    .nfields = NCOLS(allocation_fields),
    .schema = "Allocation",
    .build = allocation_build,
    .path = "/api/v1/allocations",
};

void allocations_init(void) { resource_init(&allocations); }

void handle_allocations_get(req_ctx *rc) { resource_get(rc, &allocations); }
void handle_allocations_create(req_ctx *rc) { resource_create(rc, &allocations, NULL); }
void handle_allocations_patch(req_ctx *rc) { resource_patch(rc, &allocations); }
void handle_allocations_list(req_ctx *rc) { resource_list(rc, &allocations); }
