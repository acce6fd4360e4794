/*
 * resource.h - the shared engine behind the registry's record endpoints (centers, staff, clients, households,
 * enrollments, services). A resource file describes its table, its output columns and its writable columns, and
 * turns a request body into a JSON object of column values; the engine does the rest the same way everywhere:
 *
 *   GET one      [auth_begin, select (+ a 'read' audit record for people's records)]    ETag, scope re-checked
 *   POST         [auth_begin, insert + 'create' audit record]                            201, ETag, Location
 *   PATCH        [auth_begin, update if the version matches + 'update' audit, version]  200 / 412 / 404 / 428
 *   DELETE       the same update with the resource's close patch (records are closed, never deleted)
 *
 * Each is one job: one round trip and one transaction, with the write and its audit record together.
 * The SQL is generated once at start from the description.
 */
#ifndef REGISTRY_RESOURCE_H
#define REGISTRY_RESOURCE_H

#include <stdbool.h>

#include "server/audit/read_audit.h"
#include "server/http/describe.h"
#include "server/http/encode.h"
#include "server/http/list.h"
#include "server/http/request.h"
#include "server/http/validate.h"

typedef struct res_column {
    const char *field;          /* key in the values object the resource builds */
    const char *column;         /* table column */
    const char *sqltype;        /* cast: text, integer, bigint, date, boolean, jsonb, text[], an enum type */
    const char *default_sql;    /* on create when the field is absent (NULL: SQL NULL) */
} res_column;

typedef struct resource resource;

/* A SELECT list over alias t and what the encoder makes of its columns; the positions of the columns the engine
 * reads itself are looked up by name at start (-1 where there is none). */
typedef struct res_shape {
    const char *sql;
    const col_spec *cols;
    int ncols;
    int id, version, province, county, center;
} res_shape;

/* Turns a validated body into column values (adds field errors for what validation cannot see). For create,
 * parent_id is the path's {id} of a nested collection (e.g. the client of /clients/{id}/services), else NULL.
 * A described resource's hook runs after every plain field was copied: it handles only the DF_CUSTOM fields and
 * the checks that span fields. */
typedef void (*res_build_fn)(req_ctx *rc, json_object *body, bool partial, const char *parent_id,
                             json_object *values, field_errors *fe);

struct resource {
    const char *name;           /* audit entity and problem wording: "client" */
    const char *table;          /* "clients" */
    /* A described resource (describe.h) gives its fields and the few hooks that are really special; the SQL,
     * columns, positions, writable columns, field specs, list filters and schemas are derived from them. A
     * resource not described yet gives select_sql ... update_fields below by hand instead. */
    const field_desc *fields;
    int nfields;
    const char *schema;         /* OpenAPI component names: "Client", "ClientWrite", "ClientPatch" */
    search_kind search;         /* ?q= on its list */
    const char *parent_column;  /* a nested collection's (/clients/{id}/services: "client_id"): the parent's rows
                                   are stmt_children ($1 parent, $2 after, $3 limit + 1) */
    /* by hand, for a resource not described yet: */
    const char *select_sql;     /* output columns over alias t; must name province, county_id, center_id, id,
                                   version as such */
    const col_spec *cols;
    int ncols;
    int col_id, col_version, col_province, col_county, col_center;
    /* Optional: what reads (GET one, lists) select instead, and its columns: the stored values themselves, formatted
     * by the encoder (COL_TIMESTAMP, COL_TEXT_ARRAY, COL_TYPE_SEVERITY) rather than by to_char and jsonb functions in
     * PostgreSQL - the same JSON for a third of the database's work on a page of 50. id, province, county_id and
     * center_id keep their positions; writes (and their audit records' JSON) keep select_sql. */
    const char *read_sql;
    const col_spec *read_cols;
    int nread_cols, read_col_version;
    const res_column *writable;
    int nwritable;
    const field_spec *create_fields, *update_fields;
    int ncreate_fields, nupdate_fields;
    const char *const *create_labels_fa, *const *update_labels_fa;   /* their Persian names (derived) */
    res_build_fn build;
    bool audit_reads;           /* a person's record: every read is recorded */
    /* Optional: the FROM of an update's audit 'before' (CTEs old: the row before, upd: after; alias t), for a
     * before that must hide what the after hides (an anonymous donor's name); default "old t" */
    const char *before_from;
    const char *close_patch;    /* JSON values DELETE applies, e.g. {"status":"closed"}; NULL: no DELETE */
    const char *path;           /* "/api/v1/clients" for Location headers */
    bool national_rows_public;  /* a row without a province (a national campaign) is visible to everyone */
    bool province_wide;         /* a province's row (a provincial campaign) is visible to everyone in the province,
                                   county officers and NGO submitters too, as row-level security shows it */
    bool submittable;           /* NGO submissions may carry it: create_many is prepared */

    /* prepared at start by resource_init */
    res_shape shape_write, shape_read;  /* what writes return (and audit), what reads select */
    list_filter filters[LIST_MAX_FILTERS];
    const char *filter_types[LIST_MAX_FILTERS]; /* each filter's SQL cast */
    int nfilters;
    const route_param *query_params;    /* the list's, for the API description */
    int list_parent;                    /* the DF_LIST_PARENT filter (-1: none) and its record's entity */
    const char *list_parent_entity;
    int stmt_get, stmt_create, stmt_update, stmt_version, stmt_list, stmt_search;
    /* a nested collection's (parent_column): the parent's rows ($1 parent, $2 after, $3 limit + 1); stmt_list is
     * then the collection's own list over every parent, like any resource's */
    int stmt_children;
    /* what a record's reply derives from other records (a read field with an expression and no column of its own:
     * a campaign's totals, a household's members): their positions in reads and writes, folded into its ETag */
#define RES_MAX_DERIVED 16
    int etag_derived_read[RES_MAX_DERIVED], etag_derived_write[RES_MAX_DERIVED], netag_derived;
    int stmt_list_since;                /* stmt_list when ?updated_since= is given (-1: no updated_at) */
    /* create_many($1 JSON array of values, $2 submission id): writes them all only while that submission is being
     * approved by this very request, each audited with the submission's id; returns how many */
    int stmt_create_many;
    /* ?count=true: the list's (and its search's) own query counted, no cursor, at most LIST_COUNT_CAP + 1 rows
     * (counted false: the list has no count, nor the parameter; nested lists) */
    bool counted;
    int stmt_count, stmt_search_count;
};

/* Validates a body as a create would and fills values (for submissions, which check records without writing). */
void resource_values(req_ctx *rc, const resource *r, json_object *body, const char *parent_id, json_object *values,
                     field_errors *fe);

void resource_init(resource *r);
/* The position of result column name in cols (-1 when there is none). */
int res_col(const col_spec *cols, int ncols, const char *name);

void resource_get(req_ctx *rc, const resource *r);
void resource_create(req_ctx *rc, const resource *r, const char *parent_id);
void resource_patch(req_ctx *rc, const resource *r);
void resource_close(req_ctx *rc, const resource *r);

/* GET on a described resource's collection: its filters, ?q= and page from list.h's parser, the query derived
 * from its description, audited when it holds people's records. */
void resource_list(req_ctx *rc, const resource *r);

/* Lists: the resource writes its own query (its filters differ; selecting read_sql when the resource has one); the
 * engine checks scope on every row and answers JSON or CSV with the next cursor. Call from the job callback with
 * the list's result. */
void resource_reply_list(req_ctx *rc, const resource *r, const PGresult *res);
/* The caller's scope as three query parameters (province, county, center; NULL where not limited), added to q:
 * list queries filter by them explicitly so the right index is used, and row-level security checks again. */
void resource_scope_params(req_ctx *rc, db_query *q);
/* A path parameter that must be a positive id; NULL after replying 404. */
const char *resource_id_param(req_ctx *rc, int index, const char *what);
/* The search key of ?q= as it is searched for (normalised); NULL when absent or not a valid key. */
const char *resource_search_key(req_ctx *rc);

/* Helpers for res_build_fn: copy a validated body field into values, normalized. Each does nothing when the field
 * is absent from the body; a JSON null becomes SQL NULL. */
void res_put_text(req_ctx *rc, json_object *body, json_object *values, const char *field, field_errors *fe);
void res_put_national_id(req_ctx *rc, json_object *body, json_object *values, field_errors *fe);
void res_put_int(json_object *body, json_object *values, const char *field);
void res_put_date(req_ctx *rc, json_object *body, json_object *values, const char *field);
void res_put_as_is(json_object *body, json_object *values, const char *field);    /* enums, booleans */
/* A body's province (a code, digits in any script) as its stored code. */
void res_put_province(req_ctx *rc, json_object *body, json_object *values, field_errors *fe);
/* Where money goes: exactly one of province (a code), county_id, center_id (and client_id when with_client). */
void res_put_place(req_ctx *rc, json_object *body, json_object *values, bool with_client, field_errors *fe);

/* Sends rc->job (auth_begin + the resource's list statement) and answers with resource_reply_list; a list of a
 * resource with audit_reads is recorded first (its query's parameters as the filter). */
void resource_submit_list(req_ctx *rc, const resource *r);
/* The same for a list of people's records: its audit row (filter_json: resource_list_audit_filter, and the count)
 * goes in a read batch, and the page is answered once that is written. */
void resource_submit_audited_list(req_ctx *rc, const resource *r, const char *filter_json);
/* The same for a list filtered to one person (parent_name "client", parent its id, or NULL for none): a page with
 * rows is recorded as a read of that person, where the rows live (detail {"list", "filter", "count"}), so the
 * person's audit trail shows it. */
void resource_submit_audited_list_of(req_ctx *rc, const resource *r, const char *filter_json,
                                     const char *parent_name, const char *parent);
/* GET /parents/{id}/children: 404 unless the parent is there for the caller (stmt_parent_visible, $1 = id), then
 * stmt_list ($1 parent id, $2 after-id, $3 limit + 1). */
void resource_list_children(req_ctx *rc, const resource *r, const char *parent_name, int stmt_parent_visible,
                            int stmt_list);
/* Records a list of people's records (entity, filter_json, rows: the page's rows, one more than the page when
 * there is a next) in a read batch; done runs once it is written (read_audit.h). */
void resource_record_list(req_ctx *rc, const char *entity, const char *filter_json, int rows, read_audit_done done);
/* The answer to a read whose audit row could not be written: 503, no data. */
void resource_reply_unrecorded(req_ctx *rc);
/* A list's filter as JSON for its audit record, built only from what the handler validated and normalised (never
 * the raw query: unknown keys, other spellings, bytes that are not UTF-8 stay out): names[i] = values[i] where not
 * NULL, a national ID only as "(given)", ?q= as the search key that was run (one with digits only as "(given)"). */
const char *resource_list_audit_filter(req_ctx *rc, const char *const *names, const char *const *values, int n,
                                       bool national_id_given);

#endif
