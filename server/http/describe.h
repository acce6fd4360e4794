/*
 * describe.h - one declarative description per resource: a row per field says everything the server needs to
 * know of it (its JSON name, where it lives in the table, how it is validated, encoded, written and filtered, its
 * labels in Persian and English, an example). resource_init derives from the rows, once at start:
 *
 *   the SELECT of reads and of writes (and so every column position, by name), the writable columns and the SQL
 *   of create/update, the create and update field_spec arrays the validator checks bodies with, copying each
 *   validated field into the values written (by its type: text cleaned, national IDs normalised, dates as ISO),
 *   the list's filters (parsed by list.h's one parser) and its statements, the route's query parameter docs and
 *   the OpenAPI schemas (record, create body, patch body, with required, enum, example and nullability).
 *
 * Adding a plain field to a described resource is one row here and one migration.
 */
#ifndef REGISTRY_DESCRIBE_H
#define REGISTRY_DESCRIBE_H

#include <stdbool.h>
#include <stdint.h>

#include "server/http/encode.h"
#include "server/http/list.h"
#include "server/http/validate.h"

enum {
    DF_CREATE = 1 << 0,         /* accepted in a create body */
    DF_UPDATE = 1 << 1,         /* accepted in a patch body */
    DF_REQUIRED_CREATE = 1 << 2,
    DF_REQUIRED_UPDATE = 1 << 3, /* may not be null (or absent from a whole-record update) */
    DF_NULLABLE = 1 << 4,       /* the record may show null */
    DF_READS_ONLY = 1 << 5,     /* selected by reads only, for the encoder (the second half of a composite) */
    DF_STORED = 1 << 6,         /* a column written from the values the build hook (or a parent) sets, not a
                                   body field of its own (a composite's part, a nested record's parent id) */
    DF_NOT_SELECTED = 1 << 7,   /* not part of the record (a composite's part, read through its composite) */
    DF_CONTAINS = 1 << 8,       /* an array column: the filter matches rows whose array holds the value */
    DF_EMPTY_IS_NULL = 1 << 9,  /* text: "" is stored as null (optional notes); a patch may send "" to clear it
                                   whatever min says */
    DF_CUSTOM = 1 << 10,        /* the build hook turns the body field into values (its type says F_ANY) */
    DF_LIST_PARENT = 1 << 16,   /* an id filter naming a person's record (client_id): a list filtered by it is
                                   audited as a read of that record (entity: the name without _id) */
    DF_MAY_BE_ABSENT = 1 << 17, /* not in every record (a report's breakdown column): not required in its schema */
};
#define DF_WRITE (DF_CREATE | DF_UPDATE)
#define DF_REQUIRED (DF_REQUIRED_CREATE | DF_REQUIRED_UPDATE)

typedef struct field_desc {
    const char *name;           /* JSON name in records, bodies and filters */
    const char *column;         /* the table's column, when the field is one (written, read as t.column) */
    const char *expr;           /* what reads select over alias t instead of t.column (a join, t.id AS center_id) */
    const char *write_expr;     /* what writes return (and audit) instead, when the read form must be made in
                                   SQL there; default: derived from out (timestamps, arrays) */
    field_type in;              /* validation of a body field (F_*) */
    col_type out;               /* how the encoder writes it (COL_*) */
    const char *sqltype;        /* cast of a written value and of a filter's ("client_sex", "integer"); "(...)": an
                                   expression where $J is the values object (a code looked up to its id) */
    int64_t min, max;           /* F_INT range; F_STRING length in code points */
    const char *const *choices; /* F_ENUM values (and the enum filter's) */
    unsigned flags;             /* DF_* */
    const char *default_sql;    /* on create when absent (SQL), e.g. "'active'" */
    list_filter_kind filter;    /* LF_NONE: not a list filter */
    const char *filter_as;      /* the query parameter when it is not name ("need" for needs) */
    const char *filter_message; /* the filter's English error when not its kind's usual one ("is not a role") */
    const char *filter_doc;     /* the query parameter's doc when neither its choices nor its label say it */
    const char *label_fa, *label_en;
    const char *example;        /* JSON text of an example value */
    const char *doc;            /* a note for the API description, when the labels do not say it all */
    const char *schema;         /* JSON schema of a composite field (records and bodies), else derived */
    const char *write_schema;   /* JSON schema in bodies when it differs from the record's (an id or a name) */
} field_desc;

/* Rows many records share: write them once */
#define DESC_ID(ex) {.name = "id", .column = "id", .out = COL_INT, .label_fa = "شناسه", .label_en = "Id", .example = ex}
#define DESC_PROVINCE(filter_kind)                                                                                  \
    {.name = "province", .column = "province_code", .out = COL_TEXT, .filter = filter_kind, .label_fa = "استان",   \
     .label_en = "Province", .example = "\"IR-08\""}
/* a county the record takes from its center or client (not written) */
#define DESC_COUNTY(filter_kind)                                                                                    \
    {.name = "county_id", .column = "county_id", .out = COL_INT, .filter = filter_kind, .label_fa = "شهرستان",      \
     .label_en = "County", .example = "120"}
#define DESC_NATIONAL_ID                                                                                            \
    {.name = "national_id", .column = "national_id", .in = F_NATIONAL_ID, .out = COL_TEXT, .sqltype = "text",      \
     .flags = DF_WRITE | DF_REQUIRED, .filter = LF_NATIONAL_ID, .label_fa = "کد ملی", .label_en = "National ID",  \
     .example = "\"0499370899\""}
/* a person's first or last name: required, 1 to 100 characters */
#define DESC_NAME(col, fa, en, ex)                                                                                  \
    {.name = col, .column = col, .in = F_STRING, .out = COL_TEXT, .sqltype = "text", .min = 1, .max = 100,         \
     .flags = DF_WRITE | DF_REQUIRED, .label_fa = fa, .label_en = en, .example = ex}
/* version, created_at, updated_at: the end of every record */
#define DESC_RECORD_TAIL                                                                                            \
    {.name = "version", .column = "version", .out = COL_INT, .label_fa = "نسخه", .label_en = "Version",            \
     .example = "1"},                                                                                               \
    {.name = "created_at", .column = "created_at", .out = COL_TIMESTAMP, .label_fa = "زمان ثبت",                    \
     .label_en = "Created at", .example = "\"2026-01-05T08:30:00Z\""},                                              \
    {.name = "updated_at", .column = "updated_at", .out = COL_TIMESTAMP, .label_fa = "زمان آخرین تغییر",            \
     .label_en = "Updated at", .example = "\"2026-01-05T08:30:00Z\""}
/* Where money goes, given on create: exactly one of these (one_of names them all, client_id too where the record
 * has it), which the build hook checks with res_put_place */
#define DESC_PLACE_GIVEN(one_of)                                                                                   \
    {.name = "province", .column = "province_code", .in = F_STRING, .out = COL_TEXT, .sqltype = "text", .min = 1,  \
     .max = 8, .flags = DF_CREATE | DF_CUSTOM, .filter = LF_PROVINCE, .label_fa = "استان", .label_en = "Province", \
     .example = "\"IR-08\"", .doc = "on create, exactly one of " one_of},                                          \
    {.name = "county_id", .column = "county_id", .in = F_INT, .out = COL_INT, .sqltype = "integer", .min = 1,       \
     .max = 2147483647, .flags = DF_CREATE | DF_CUSTOM | DF_NULLABLE, .filter = LF_ID, .label_fa = "شهرستان",      \
     .label_en = "County", .example = "120"},                                                                       \
    {.name = "center_id", .column = "center_id", .in = F_INT, .out = COL_INT, .sqltype = "bigint", .min = 1,       \
     .max = INT64_MAX, .flags = DF_CREATE | DF_CUSTOM | DF_NULLABLE, .label_fa = "مرکز", .label_en = "Center",     \
     .example = "null"}
/* A place that follows from another record (a loan's is its client's), never written; county_filter: LF_ID when
 * lists filter by county, else LF_NONE */
#define DESC_PLACE_FOLLOWED(county_filter)                                                                         \
    {.name = "province", .column = "province_code", .out = COL_TEXT, .label_fa = "استان", .label_en = "Province",  \
     .example = "\"IR-08\""},                                                                                       \
    {.name = "county_id", .column = "county_id", .out = COL_INT, .flags = DF_NULLABLE, .filter = county_filter,    \
     .label_fa = "شهرستان", .label_en = "County", .example = "120"},                                               \
    {.name = "center_id", .column = "center_id", .out = COL_INT, .flags = DF_NULLABLE, .label_fa = "مرکز",         \
     .label_en = "Center", .example = "17"}

/* How ?q= searches a resource's list */
typedef enum {
    SEARCH_NONE = 0,
    SEARCH_NAME_KEY,            /* t.name_key LIKE the pattern (a small table) */
    SEARCH_IDS,                 /* registry_search_ids(<name>, ...) gives the ids (migration 0009), then as above */
} search_kind;

struct resource;

/* Derives everything above into r (resource_init calls it for a resource with fields). */
void describe_derive(struct resource *r);
/* Copies each plain body field (not DF_CUSTOM) into values by its type: text cleaned (not blank; "" as null with
 * DF_EMPTY_IS_NULL), national IDs normalised, whole numbers, dates as ISO (from X or X_jalali), the rest as is. */
void describe_put_values(struct req_ctx *rc, const struct resource *r, struct json_object *body,
                         struct json_object *values, field_errors *fe);
/* A body of a described resource's own (a client's transfer takes its county_id and center_id): the field specs
 * and Persian labels of r's fields named in names, in that order, each required as it is on create; its OpenAPI
 * schema is served under the name schema. A name that is not one of r's fields stops the server at start. */
void describe_body(const char *schema, const struct resource *r, const char *const *names, int n, field_spec *specs,
                   const char **labels_fa);
/* The bodies described so, for openapi.c: their names and schemas (new json objects). */
int describe_bodies_count(void);
const char *describe_body_name(int i);
struct json_object *describe_schema_body(int i);
/* The described resources, in the order they were initialised (for openapi.c). */
int describe_count(void);
const struct resource *describe_at(int i);
/* The OpenAPI schemas of a described resource: its record, create body and patch body (new json objects). */
struct json_object *describe_schema_record(const struct resource *r);
struct json_object *describe_schema_write(const struct resource *r, bool update);
/* The list filters' query parameter docs of a described resource (route_param rows, NULL-terminated). */
const struct route_param *describe_query_params(const struct resource *r);

/* Row shapes that are not resources ------------------------------------------------------------------------ */

/* Reference data, a report's rows, a list of its own (overdue installments): its fields (each read as its expr, or
 * t.column) give the SELECT list, the encoder's columns (so every position by name) and the OpenAPI schema; its
 * query fields (or, without them, its fields with a filter kind) the filters list.h's parser reads and the route's
 * query parameter docs. describe_rows_init derives them once at start. */
typedef struct row_desc {
    const char *schema;         /* OpenAPI component name */
    const char *path;           /* the route whose query parameters these are (NULL: none) */
    bool items;                 /* the reply is {"items": [rows]} without a cursor (a report) */
    const field_desc *fields;
    int nfields;
    const field_desc *query;    /* query parameters that are not fields of the row (a report's fiscal_year) */
    int nquery;
    bool updated_since;         /* its rows have updated_at: ?updated_since= is one of its filters, last (its
                                   handler's query takes it) */
    const char *create_schema;  /* OpenAPI names of its create and patch bodies, when its fields take DF_CREATE or */
    const char *update_schema;  /* DF_UPDATE (a record a handler of its own writes: a user account) */

    /* derived */
    const char *select_sql;
    const col_spec *cols;
    int ncols;
    list_filter filters[LIST_MAX_FILTERS];
    int nfilters;
    const route_param *query_params;
    const field_spec *create_fields, *update_fields;     /* the bodies' specs, as a resource's */
    int ncreate_fields, nupdate_fields;
    const char *const *create_labels_fa, *const *update_labels_fa;
    const char *returning_sql;  /* what its writes return and audit: each column under its table name (not the JSON
                                   name), timestamps as ISO text, over alias t (as the audit trail always held it) */
} row_desc;

void describe_rows_init(row_desc *d);
/* The row shapes described, for openapi.c. */
int describe_rows_count(void);
const row_desc *describe_rows_at(int i);
/* Its OpenAPI schema (a new json object): the row, or {"items": [row]} for a report. */
struct json_object *describe_schema_rows(const row_desc *d);
/* Its create or patch body's schema (a new json object). */
struct json_object *describe_schema_rows_write(const row_desc *d, bool update);
/* The query parameter docs of the list or report served at path, from its description; NULL when none is. */
const struct route_param *describe_query_params_of(const char *path);
/* The values a query parameter of the list or report at path takes, when its filter is an enum (NULL-terminated);
 * NULL when it is not one (for openapi.c's enums). */
const char *const *describe_query_choices(const char *path, const char *name);

#endif
