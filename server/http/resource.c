#include "server/http/resource.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "common/digits.h"
#include "common/log.h"
#include "common/national_id.h"
#include "common/textnorm.h"
#include "server/audit/read_audit.h"
#include "server/http/etag.h"
#include "server/http/list.h"

/* SQL generation (once, at start) --------------------------------------------------------------------------- */

static void value_expr(strbuf *sb, const res_column *c, const char *j)
{
    if (c->sqltype[0] == '(') {
        /* a custom expression: $J stands for the values object */
        for (const char *p = c->sqltype; *p; p++) {
            if (p[0] == '$' && p[1] == 'J') {
                strbuf_puts(sb, j);
                p++;
            } else
                strbuf_putc(sb, *p);
        }
    } else if (!strcmp(c->sqltype, "jsonb"))
        strbuf_printf(sb, "(%s->'%s')", j, c->field);
    else if (!strcmp(c->sqltype, "text[]"))
        strbuf_printf(sb, "ARRAY(SELECT jsonb_array_elements_text(%s->'%s'))", j, c->field);
    else
        strbuf_printf(sb, "(%s->>'%s')::%s", j, c->field, c->sqltype);
}

/* "WITH ins AS (INSERT INTO table (columns) SELECT <each column from s.j, or its default>" : the part create and
 * create_many share; the caller adds the FROM that binds s.j. */
static void insert_select(strbuf *sb, const resource *r)
{
    strbuf_printf(sb, "WITH ins AS (INSERT INTO %s (", r->table);
    for (int i = 0; i < r->nwritable; i++)
        strbuf_printf(sb, "%s%s", i ? ", " : "", r->writable[i].column);
    strbuf_puts(sb, ") SELECT ");
    for (int i = 0; i < r->nwritable; i++) {
        const res_column *c = &r->writable[i];
        strbuf_printf(sb, "%sCASE WHEN s.j ? '%s' THEN ", i ? ", " : "", c->field);
        value_expr(sb, c, "s.j");
        strbuf_printf(sb, " ELSE %s END", c->default_sql ? c->default_sql : "NULL");
    }
}

static int register_stmt(const resource *r, const char *what, strbuf *sb)
{
    char name[96];
    snprintf(name, sizeof(name), "%s_%s", r->name, what);
    int id = db_stmt_register(name, sb->data);
    strbuf_free(sb);
    return id;
}

int res_col(const col_spec *cols, int ncols, const char *name)
{
    for (int i = 0; i < ncols; i++)
        if (!strcmp(cols[i].name, name))
            return i;
    return -1;
}

/* A shape's positions, by name. A resource written by hand still says them as numbers: they must agree. */
static void shape_init(const resource *r, res_shape *s, const char *sql, const col_spec *cols, int ncols)
{
    s->sql = sql;
    s->cols = cols;
    s->ncols = ncols;
    s->id = res_col(cols, ncols, "id");
    s->version = res_col(cols, ncols, "version");
    s->province = res_col(cols, ncols, "province");
    s->county = res_col(cols, ncols, "county_id");
    s->center = res_col(cols, ncols, "center_id");
    if (s->id < 0 || s->version < 0 || s->province < 0 || s->county < 0 || s->center < 0) {
        fprintf(stderr, "resource %s: its columns must include id, version, province, county_id and center_id\n",
                r->name);
        abort();
    }
}

void resource_init(resource *r)
{
    if (r->fields)
        describe_derive(r);
    shape_init(r, &r->shape_write, r->select_sql, r->cols, r->ncols);
    if (r->read_sql)
        shape_init(r, &r->shape_read, r->read_sql, r->read_cols, r->nread_cols);
    else
        r->shape_read = r->shape_write;
    if (!r->fields && (r->col_id != r->shape_write.id || r->col_version != r->shape_write.version ||
                       r->col_province != r->shape_write.province || r->col_county != r->shape_write.county ||
                       r->col_center != r->shape_write.center ||
                       (r->read_sql && r->read_col_version != r->shape_read.version))) {
        fprintf(stderr, "resource %s: a hand-written column position disagrees with its columns' names\n", r->name);
        abort();
    }
    /* the values a reply derives from other records go into its ETag (etag.h): found by name in both shapes */
    for (int i = 0; r->fields && i < r->nfields; i++) {
        const field_desc *f = &r->fields[i];
        if (!f->expr || f->column || f->write_expr || f->out == COL_HIDDEN || (f->flags & DF_NOT_SELECTED))
            continue;
        int pr = res_col(r->shape_read.cols, r->shape_read.ncols, f->name);
        int pw = res_col(r->shape_write.cols, r->shape_write.ncols, f->name);
        if (pr < 0 || pw < 0 || r->netag_derived == RES_MAX_DERIVED)
            continue;
        r->etag_derived_read[r->netag_derived] = pr;
        r->etag_derived_write[r->netag_derived++] = pw;
    }
    strbuf sb = STRBUF_INIT;

    /* a read of a person's record is audited too, in a batch of its own (read_audit.h): this stays read-only */
    strbuf_printf(&sb, "SELECT %s FROM %s t WHERE t.id = $1::bigint", r->read_sql ? r->read_sql : r->select_sql,
                  r->table);
    r->stmt_get = register_stmt(r, "get", &sb);

    insert_select(&sb, r);
    strbuf_printf(&sb,
                  " FROM (SELECT $1::jsonb AS j) s RETURNING *),"
                  " r AS (SELECT %s FROM ins t),"
                  " a AS (INSERT INTO audit_log (action, entity, entity_id, province_code, county_id, center_id, after)"
                  " SELECT 'create', '%s', r.id::text, r.province, r.county_id, r.center_id, to_jsonb(r) FROM r)"
                  " SELECT * FROM r",
                  r->select_sql, r->name);
    r->stmt_create = register_stmt(r, "create", &sb);

    strbuf_printf(&sb,
                  "WITH old AS (SELECT * FROM %s WHERE id = $1::bigint AND ($2 = '' OR version = $2::integer)"
                  " FOR UPDATE),"
                  " upd AS (UPDATE %s t SET ",
                  r->table, r->table);
    for (int i = 0; i < r->nwritable; i++) {
        const res_column *c = &r->writable[i];
        strbuf_printf(&sb, "%s = CASE WHEN $3::jsonb ? '%s' THEN ", c->column, c->field);
        value_expr(&sb, c, "$3::jsonb");
        strbuf_printf(&sb, " ELSE t.%s END, ", c->column);
    }
    strbuf_printf(&sb,
                  "version = t.version + 1, updated_at = now() FROM old WHERE t.id = old.id RETURNING t.*),"
                  " r AS (SELECT %s FROM upd t), o AS (SELECT %s FROM %s),"
                  " a AS (INSERT INTO audit_log (action, entity, entity_id, province_code, county_id, center_id,"
                  " before, after)"
                  " SELECT $4, '%s', r.id::text, r.province, r.county_id, r.center_id, to_jsonb(o), to_jsonb(r)"
                  " FROM r, o)"
                  " SELECT * FROM r",
                  r->select_sql, r->select_sql, r->before_from ? r->before_from : "old t", r->name);
    r->stmt_update = register_stmt(r, "update", &sb);

    strbuf_printf(&sb, "SELECT version FROM %s WHERE id = $1::bigint", r->table);
    r->stmt_version = register_stmt(r, "version", &sb);

    if (r->submittable) {
        insert_select(&sb, r);
        strbuf_printf(&sb,
                      " FROM jsonb_array_elements($1::jsonb) AS s(j)"
                      " WHERE EXISTS (SELECT 1 FROM submissions x WHERE x.id = $2::bigint AND x.status = 'approved'"
                      " AND x.decided_request = current_setting('registry.request_id', true))"
                      " RETURNING *),"
                      " r AS (SELECT %s FROM ins t),"
                      " a AS (INSERT INTO audit_log (action, entity, entity_id, province_code, county_id, center_id,"
                      " after, detail)"
                      " SELECT 'create', '%s', r.id::text, r.province, r.county_id, r.center_id, to_jsonb(r),"
                      " jsonb_build_object('submission_id', $2::bigint) FROM r)"
                      " SELECT count(*) FROM r",
                      r->select_sql, r->name);
        r->stmt_create_many = register_stmt(r, "create_many", &sb);
    }
}

/* Helpers ------------------------------------------------------------------------------------------------------ */

static const char *value_or_null(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* The server's own check of what row-level security let through. */
static bool row_in_scope(req_ctx *rc, const resource *r, const res_shape *s, const PGresult *res, int row)
{
    const char *county = value_or_null(res, row, s->county), *center = value_or_null(res, row, s->center);
    const char *province = value_or_null(res, row, s->province);
    if (r->national_rows_public && !province)
        return true;
    if (r->province_wide && province && rc->who.province[0] && !strcmp(province, rc->who.province))
        return true;
    return scope_allows(&rc->who, province, county ? (int32_t)atol(county) : 0, center ? atoll(center) : 0);
}

/* A record's JSON from a read (shape_read) or from a write (shape_write) */
static void reply_record(req_ctx *rc, const resource *r, int status, const PGresult *res, bool read)
{
    const res_shape *s = read ? &r->shape_read : &r->shape_write;
    /* the version, and a digest of what the reply derives from other records as this caller sees it (etag.h) */
    const char *derived[RES_MAX_DERIVED];
    for (int i = 0; i < r->netag_derived; i++)
        derived[i] = value_or_null(res, 0, read ? r->etag_derived_read[i] : r->etag_derived_write[i]);
    char version[ETAG_VERSION_BUFSZ];
    etag_version_with(version, PQgetvalue(res, 0, s->version), derived, r->netag_derived);
    req_set_etag(rc, r->name, PQgetvalue(res, 0, s->id), version, NULL);
    if (status == 201) {
        char loc[128];
        snprintf(loc, sizeof(loc), "%s/%s", r->path, PQgetvalue(res, 0, s->id));
        req_add_header(rc, "Location", loc);
    }
    strbuf sb = STRBUF_INIT;
    encode_row_json(&sb, res, 0, s->cols, s->ncols);
    reply_strbuf(rc, status, "application/json", &sb);
}

static void not_found(req_ctx *rc, const resource *r)
{
    char msg[96];
    snprintf(msg, sizeof(msg), "No such %s (or it is outside your scope).", r->name);
    reply_problem(rc, 404, msg);
}

const char *resource_id_param(req_ctx *rc, int index, const char *what)
{
    const char *raw = req_path_param(rc, index);
    if (!raw)
        return NULL;
    int64_t id;
    if (parse_int64_digits(raw, &id) != 0 || id <= 0) {
        char msg[96];
        snprintf(msg, sizeof(msg), "No such %s.", what);
        reply_problem(rc, 404, msg);
        return NULL;
    }
    return arena_sprintf(rc->arena, "%lld", (long long)id);
}

void resource_scope_params(req_ctx *rc, db_query *q)
{
    const identity *w = &rc->who;
    int level = role_level(w->role);
    db_query_param(q, level == 1 ? w->province : NULL);
    db_query_param(q, level == 2 ? arena_sprintf(rc->arena, "%d", w->county_id) : NULL);
    db_query_param(q, level == 3 ? arena_sprintf(rc->arena, "%lld", (long long)w->center_id) : NULL);
}

const char *resource_search_key(req_ctx *rc)
{
    const char *q = req_query(rc, "q");
    if (!q)
        return NULL;
    size_t n = strlen(q);
    char *key = arena_alloc(rc->arena, n + 1);
    if (n > 200 || textnorm_search_key(q, key, n + 1) == (size_t)-1)
        return NULL;
    return key;
}

/* GET one ------------------------------------------------------------------------------------------------------ */

/* a read whose audit row could not be written: no data leaves */
void resource_reply_unrecorded(req_ctx *rc)
{
    req_add_header(rc, "Retry-After", "1");
    reply_problem(rc, 503, "The read could not be recorded in the audit trail; try again.");
}

/* the read's audit row is written: now the record may leave */
static void read_recorded(req_ctx *rc, bool recorded)
{
    const resource *r = rc->state;
    if (!recorded) {
        resource_reply_unrecorded(rc);
        return;
    }
    reply_record(rc, r, 200, rc->job.res[1], true);
}

static void got(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    const resource *r = rc->state;
    if (!req_job_ok(rc, job))
        return;
    const PGresult *res = job->res[1];
    if (PQntuples(res) != 1) {
        not_found(rc, r);
        return;
    }
    const res_shape *s = &r->shape_read;
    if (!row_in_scope(rc, r, s, res, 0)) {
        log_msg(LOG_ERROR, rc->request_id, "%s %s came back from the database outside the caller's scope", r->name,
                PQgetvalue(res, 0, s->id));
        not_found(rc, r);
        return;
    }
    if (r->audit_reads) {
        read_audit_add(rc, "read", r->name, PQgetvalue(res, 0, s->id), value_or_null(res, 0, s->province),
                       value_or_null(res, 0, s->county), value_or_null(res, 0, s->center), NULL, read_recorded);
        return;
    }
    reply_record(rc, r, 200, res, true);
}

void resource_get(req_ctx *rc, const resource *r)
{
    const char *id = resource_id_param(rc, 0, r->name);
    if (!id)
        return;
    rc->state = (void *)r;
    req_job_begin(rc, true);
    db_query_param(db_job_add(&rc->job, r->stmt_get), id);
    rc->job.retry_safe = true;
    req_db_submit(rc, got);
}

/* POST --------------------------------------------------------------------------------------------------------- */

typedef struct write_state {
    const resource *r;
    const char *id, *version;
    json_object *body;          /* the request's (NULL for DELETE), to name a conflict's fields */
} write_state;

static void created(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    const write_state *st = rc->state;
    /* a unique violation names the rule's fields from the body (problem_map.c), nothing of the other record */
    if (!req_job_ok_in(rc, job, DB_CONTEXT_REQUEST, st->body))
        return;
    if (PQntuples(job->res[1]) != 1) {
        reply_problem(rc, 500, "Internal error; quote the request id when reporting it.");
        return;
    }
    reply_record(rc, st->r, 201, job->res[1], false);
}

/* a validated body's values: a described resource's plain fields by their type, then the resource's own hook */
static void put_values(req_ctx *rc, const resource *r, json_object *body, bool partial, const char *parent_id,
                       json_object *values, field_errors *fe)
{
    if (r->fields)
        describe_put_values(rc, r, body, values, fe);
    /* a nested collection's record (POST /clients/{id}/services) belongs to the path's parent */
    if (r->parent_column && parent_id)
        json_object_object_add(values, r->parent_column, json_object_new_int64(atoll(parent_id)));
    if (r->build)
        r->build(rc, body, partial, parent_id, values, fe);
}

static json_object *build_values(req_ctx *rc, const resource *r, json_object *body, bool partial,
                                 const char *parent_id, field_errors *fe)
{
    json_object *values = json_object_new_object();
    req_own_json(rc, values);
    const field_spec *spec = partial ? r->update_fields : r->create_fields;
    const char *const *labels = partial ? r->update_labels_fa : r->create_labels_fa;
    int n = partial ? r->nupdate_fields : r->ncreate_fields;
    if (validate_fields_fa(body, spec, labels, n, partial, fe))
        put_values(rc, r, body, partial, parent_id, values, fe);
    return values;
}

void resource_values(req_ctx *rc, const resource *r, json_object *body, const char *parent_id, json_object *values,
                     field_errors *fe)
{
    if (validate_fields_fa(body, r->create_fields, r->create_labels_fa, r->ncreate_fields, false, fe))
        put_values(rc, r, body, false, parent_id, values, fe);
}

void resource_create(req_ctx *rc, const resource *r, const char *parent_id)
{
    json_object *body = req_json_body(rc);
    if (!body)
        return;
    field_errors fe = {0};
    json_object *values = build_values(rc, r, body, false, parent_id, &fe);
    if (fe.list) {
        char msg[96];
        snprintf(msg, sizeof(msg), "The %s was not created.", r->name);
        reply_problem_fields(rc, 422, msg, &fe);
        return;
    }
    write_state *st = arena_calloc(rc->arena, sizeof(*st));
    st->r = r;
    st->body = body;
    rc->state = st;
    req_job_begin(rc, false);
    db_query_param(db_job_add(&rc->job, r->stmt_create), json_object_to_json_string_ext(values, JSON_C_TO_STRING_PLAIN));
    req_db_submit(rc, created);
}

/* PATCH and DELETE --------------------------------------------------------------------------------------------- */

static void updated(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    const write_state *st = rc->state;
    /* a unique violation names the rule's fields from the body (problem_map.c), nothing of the other record */
    if (!req_job_ok_in(rc, job, DB_CONTEXT_REQUEST, st->body))
        return;
    const PGresult *upd = job->res[1], *ver = job->res[2];
    if (PQntuples(upd) == 1) {
        reply_record(rc, st->r, 200, upd, false);
        return;
    }
    if (PQntuples(ver) != 1)
        not_found(rc, st->r);
    else if (st->version[0] && strcmp(PQgetvalue(ver, 0, 0), st->version) != 0)
        reply_problem(rc, 412, "The record changed since you read it; read it again and reapply your change.");
    else
        reply_problem(rc, 403, "You may see this record but not change it.");
}

static void send_update(req_ctx *rc, const resource *r, write_state *st, const char *values, const char *action)
{
    rc->state = st;
    req_job_begin(rc, false);
    db_query *q = db_job_add(&rc->job, r->stmt_update);
    db_query_param(q, st->id);
    db_query_param(q, st->version);
    db_query_param(q, values);
    db_query_param(q, action);
    db_query_param(db_job_add(&rc->job, r->stmt_version), st->id);
    req_db_submit(rc, updated);
}

void resource_patch(req_ctx *rc, const resource *r)
{
    const char *id = resource_id_param(rc, 0, r->name);
    if (!id)
        return;
    const char *version = req_if_match(rc, r->name, id, NULL);
    if (!version)
        return;
    json_object *body = req_json_body(rc);
    if (!body)
        return;
    field_errors fe = {0};
    json_object *values = build_values(rc, r, body, true, NULL, &fe);
    if (!fe.list && json_object_object_length(values) == 0)
        field_error(&fe, "", "nothing to change: send the fields to change");
    if (fe.list) {
        char msg[96];
        snprintf(msg, sizeof(msg), "The %s was not changed.", r->name);
        reply_problem_fields(rc, 422, msg, &fe);
        return;
    }
    write_state *st = arena_calloc(rc->arena, sizeof(*st));
    st->r = r;
    st->id = id;
    st->version = version;
    st->body = body;
    send_update(rc, r, st, json_object_to_json_string_ext(values, JSON_C_TO_STRING_PLAIN), "update");
}

void resource_close(req_ctx *rc, const resource *r)
{
    const char *id = resource_id_param(rc, 0, r->name);
    if (!id)
        return;
    const char *version = req_if_match(rc, r->name, id, NULL);
    if (!version)
        return;
    write_state *st = arena_calloc(rc->arena, sizeof(*st));
    st->r = r;
    st->id = id;
    st->version = version;
    send_update(rc, r, st, r->close_patch, "close");
}

/* Lists -------------------------------------------------------------------------------------------------------- */

void resource_reply_list(req_ctx *rc, const resource *r, const PGresult *res)
{
    const res_shape *s = &r->shape_read;
    for (int i = 0; i < PQntuples(res); i++)
        if (!row_in_scope(rc, r, s, res, i)) {
            log_msg(LOG_ERROR, rc->request_id, "%s list returned a row outside the caller's scope", r->name);
            reply_problem(rc, 500, "Internal error; quote the request id when reporting it.");
            return;
        }
    int key[] = {s->id};
    reply_rows_list(rc, res, s->cols, s->ncols, rc->limit, key, 1);
}

/* Building values ---------------------------------------------------------------------------------------------- */

void res_put_text(req_ctx *rc, json_object *body, json_object *values, const char *field, field_errors *fe)
{
    if (!body_has(body, field))
        return;
    const char *s = body_string(body, field);
    if (!s) {
        json_object_object_add(values, field, NULL);
        return;
    }
    const char *clean = clean_text(rc, s, field, fe);
    if (!clean)
        return;
    if (!clean[0]) {
        char fa[256];
        snprintf(fa, sizeof(fa), "%s نباید خالی باشد.", field);
        field_error_coded(fe, field, "empty", fa, "must not be empty");   /* as the validator says of "" */
        return;
    }
    json_object_object_add(values, field, json_object_new_string(clean));
}

void res_put_national_id(req_ctx *rc, json_object *body, json_object *values, field_errors *fe)
{
    if (!body_has(body, "national_id"))
        return;
    const char *s = body_string(body, "national_id");
    char out[11];
    int err = s ? national_id_normalize(s, out) : NATIONAL_ID_BAD_LENGTH;
    if (err != NATIONAL_ID_OK) {
        field_error_national_id(fe, "national_id", NULL, err);
        return;
    }
    (void)rc;
    json_object_object_add(values, "national_id", json_object_new_string(out));
}

void res_put_int(json_object *body, json_object *values, const char *field)
{
    if (!body_has(body, field))
        return;
    int64_t v;
    json_object_object_add(values, field, body_int(body, field, &v) ? json_object_new_int64(v) : NULL);
}

void res_put_date(req_ctx *rc, json_object *body, json_object *values, const char *field)
{
    char jk[96];
    snprintf(jk, sizeof(jk), "%s_jalali", field);
    if (!body_has(body, field) && !body_has(body, jk))
        return;
    const char *iso = body_date(rc, body, field);
    json_object_object_add(values, field, iso ? json_object_new_string(iso) : NULL);
}

void res_put_as_is(json_object *body, json_object *values, const char *field)
{
    json_object *v;
    if (json_object_object_get_ex(body, field, &v))
        json_object_object_add(values, field, v ? json_object_get(v) : NULL);
}

/* Lists ------------------------------------------------------------------------------------------------------- */

static void list_done(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (req_job_ok(rc, job))
        resource_reply_list(rc, rc->state, job->res[1]);
}

void resource_submit_list(req_ctx *rc, const resource *r)
{
    if (r->audit_reads) {
        /* a list of people's records must go through resource_submit_audited_list, with its validated filter */
        log_msg(LOG_ERROR, rc->request_id, "%s list sent without its read record", r->name);
        reply_problem(rc, 500, "Internal error; quote the request id when reporting it.");
        return;
    }
    rc->state = (void *)r;
    rc->job.retry_safe = true;
    req_db_submit(rc, list_done);
}

/* Lists of people's records: the list is recorded (what was asked, how many came back) in a read batch
 * (read_audit.h), and the page waits for that */
typedef struct audited_list {
    const resource *r;
    const char *filter_json;
    const char *parent_name, *parent;   /* a list of one person's records: a read of that person */
} audited_list;

static void audited_list_recorded(req_ctx *rc, bool recorded)
{
    const audited_list *al = rc->state;
    if (!recorded) {
        resource_reply_unrecorded(rc);
        return;
    }
    resource_reply_list(rc, al->r, rc->job.res[1]);
}

/* the audit row of a list of people's records: what was asked, how many came back, where the caller looks */
void resource_record_list(req_ctx *rc, const char *entity, const char *filter_json, int rows, read_audit_done done)
{
    const identity *w = &rc->who;
    const char *detail = arena_sprintf(rc->arena, "{\"filter\": %s, \"count\": %d}", filter_json,
                                       rows < rc->limit ? rows : rc->limit);
    read_audit_add(rc, "list", entity, NULL, w->province[0] ? w->province : NULL,
                   w->county_id ? arena_sprintf(rc->arena, "%d", w->county_id) : NULL,
                   w->center_id ? arena_sprintf(rc->arena, "%lld", (long long)w->center_id) : NULL, detail, done);
}

static void audited_list_done(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    const audited_list *al = rc->state;
    if (!req_job_ok(rc, job))
        return;
    const PGresult *res = job->res[1];
    int rows = PQntuples(res);
    if (al->parent && rows > 0) {
        /* one person's loans: a read of that client, where the client lives (every row is the client's, and
         * lives where the client does), so the client's audit trail shows it */
        const resource *r = al->r;
        const char *detail = arena_sprintf(rc->arena, "{\"list\": \"%s\", \"filter\": %s, \"count\": %d}", r->name,
                                           al->filter_json, rows < rc->limit ? rows : rc->limit);
        const res_shape *s = &r->shape_read;
        read_audit_add(rc, "read", al->parent_name, al->parent, value_or_null(res, 0, s->province),
                       value_or_null(res, 0, s->county), value_or_null(res, 0, s->center), detail,
                       audited_list_recorded);
        return;
    }
    resource_record_list(rc, al->r->name, al->filter_json, rows, audited_list_recorded);
}



void resource_submit_audited_list(req_ctx *rc, const resource *r, const char *filter_json)
{
    resource_submit_audited_list_of(rc, r, filter_json, NULL, NULL);
}

void resource_submit_audited_list_of(req_ctx *rc, const resource *r, const char *filter_json,
                                     const char *parent_name, const char *parent)
{
    audited_list *al = arena_calloc(rc->arena, sizeof(*al));
    al->r = r;
    al->filter_json = filter_json;
    al->parent_name = parent_name;
    al->parent = parent;
    rc->state = al;
    rc->job.retry_safe = true;
    req_db_submit(rc, audited_list_done);
}

/* Lists under a parent (a client's enrollments, a loan's repayments) -------------------------------------------- */

typedef struct child_list {
    const resource *r;
    const char *parent_name, *parent;
} child_list;

static void children_recorded(req_ctx *rc, bool recorded)
{
    const child_list *cl = rc->state;
    if (!recorded) {
        resource_reply_unrecorded(rc);
        return;
    }
    resource_reply_list(rc, cl->r, rc->job.res[2]);
}

static void children_listed(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    const child_list *cl = rc->state;
    if (!req_job_ok(rc, job))
        return;
    if (PQntuples(job->res[1]) != 1) {
        char msg[96];
        snprintf(msg, sizeof(msg), "No such %s (or it is outside your scope).", cl->parent_name);
        reply_problem(rc, 404, msg);
        return;
    }
    if (cl->r->audit_reads) {
        /* a person's services, enrollments, repayments are a read of that person's record (or loan): recorded
         * under the parent's id and where it lives, so the audit trail of that client (or loan) shows it, to
         * whoever may see that trail; the detail says what was listed */
        const PGresult *p = job->res[1];
        int rows = PQntuples(job->res[2]);
        const char *detail = arena_sprintf(rc->arena, "{\"list\": \"%s\", \"count\": %d}", cl->r->name,
                                           rows < rc->limit ? rows : rc->limit);
        read_audit_add(rc, "read", cl->parent_name, cl->parent, value_or_null(p, 0, 0), value_or_null(p, 0, 1),
                       value_or_null(p, 0, 2), detail, children_recorded);
        return;
    }
    resource_reply_list(rc, cl->r, job->res[2]);
}

void resource_list_children(req_ctx *rc, const resource *r, const char *parent_name, int stmt_parent_visible,
                            int stmt_list)
{
    const char *parent = resource_id_param(rc, 0, parent_name);
    list_request lq;
    static const list_filter since[] = {LIST_UPDATED_SINCE_FILTER};   /* every child record has updated_at */
    if (!parent || !list_parse_or_reply(rc, since, 1, LIST_CURSOR_ID, &lq))
        return;
    child_list *cl = arena_calloc(rc->arena, sizeof(*cl));
    cl->r = r;
    cl->parent_name = parent_name;
    cl->parent = parent;
    rc->state = cl;
    req_job_begin(rc, true);
    db_query_param(db_job_add(&rc->job, stmt_parent_visible), parent);
    db_query *q = db_job_add(&rc->job, stmt_list);
    db_query_param(q, parent);
    db_query_param(q, lq.after);
    db_query_param(q, lq.limit);
    db_query_param(q, lq.values[0]);
    rc->job.retry_safe = true;
    req_db_submit(rc, children_listed);
}

const char *resource_list_audit_filter(req_ctx *rc, const char *const *names, const char *const *values, int n,
                                       bool national_id_given)
{
    json_object *filter = json_object_new_object();
    for (int i = 0; i < n; i++)
        if (values[i])
            json_object_object_add(filter, names[i], json_object_new_string(values[i]));
    const char *key = resource_search_key(rc);
    if (key)    /* the search as it was run; digits in it may be someone's national ID: only that one was given */
        json_object_object_add(filter, "q", json_object_new_string(strpbrk(key, "0123456789") ? "(given)" : key));
    if (national_id_given)    /* that one was asked for, never which */
        json_object_object_add(filter, "national_id", json_object_new_string("(given)"));
    if (rc->want_csv)
        json_object_object_add(filter, "export", json_object_new_string("csv"));
    const char *out = arena_strdup(rc->arena, json_object_to_json_string_ext(filter, JSON_C_TO_STRING_PLAIN));
    json_object_put(filter);
    return out;
}

/* A described resource's list ----------------------------------------------------------------------------------- */

void resource_list(req_ctx *rc, const resource *r)
{
    /* its filters, then ?q= when it searches: every problem of the query answered together */
    list_filter filters[LIST_MAX_FILTERS];
    int nf = r->nfilters;
    memcpy(filters, r->filters, (size_t)nf * sizeof(*filters));
    if (r->search)
        filters[nf++] = LIST_SEARCH_FILTER;
    list_request lr;
    if (!list_parse_or_reply(rc, filters, nf, LIST_CURSOR_ID, &lr))
        return;
    const char *pattern = r->search ? lr.values[r->nfilters] : NULL;
    bool since = false;     /* ?updated_since= given: its own statement (describe.c), whose plan ranges its index */
    for (int i = 0; i < r->nfilters; i++)
        since |= r->filters[i].kind == LF_TIMESTAMP && lr.values[i];
    req_job_begin(rc, true);
    db_query *q = db_job_add(&rc->job, pattern && r->search == SEARCH_IDS ? r->stmt_search
                                       : since                              ? r->stmt_list_since
                                                                            : r->stmt_list);
    resource_scope_params(rc, q);
    for (int i = 0; i < r->nfilters; i++)
        db_query_param(q, lr.values[i]);
    if (r->search)
        db_query_param(q, pattern);
    db_query_param(q, lr.after);
    db_query_param(q, lr.limit);
    if (lr.count && r->counted)
        list_add_count(rc, q, pattern && r->search == SEARCH_IDS ? r->stmt_search_count : r->stmt_count);
    if (!r->audit_reads) {
        resource_submit_list(rc, r);
        return;
    }
    /* the read record's filter: what was validated, a national ID only as given */
    const char *names[LIST_MAX_FILTERS], *vals[LIST_MAX_FILTERS];
    int n = 0;
    bool national_id = false;
    for (int i = 0; i < r->nfilters; i++) {
        if (r->filters[i].kind == LF_NATIONAL_ID) {
            national_id |= lr.values[i] != NULL;
            continue;
        }
        names[n] = r->filters[i].name;
        vals[n++] = lr.values[i];
    }
    const char *filter = resource_list_audit_filter(rc, names, vals, n, national_id);
    /* filtered to one person (a client's loans): a read of that person */
    if (r->list_parent >= 0 && lr.values[r->list_parent])
        resource_submit_audited_list_of(rc, r, filter, r->list_parent_entity, lr.values[r->list_parent]);
    else
        resource_submit_audited_list(rc, r, filter);
}

void res_put_province(req_ctx *rc, json_object *body, json_object *values, field_errors *fe)
{
    const char *province = body_string(body, "province");
    if (!province)
        return;
    const char *code = req_province_code(rc, province);
    if (!code)
        field_error_coded(fe, "province", "invalid", "استان باید کد استان مانند IR-08 باشد.",
                          "must be a province code such as IR-08");
    else
        json_object_object_add(values, "province", json_object_new_string(code));
}

void res_put_place(req_ctx *rc, json_object *body, json_object *values, bool with_client, field_errors *fe)
{
    int places = body_has(body, "province") + body_has(body, "county_id") + body_has(body, "center_id") +
                 (with_client && body_has(body, "client_id"));
    if (places != 1) {
        if (with_client)
            field_error_coded(fe, "province", "place", "دقیقاً یکی از استان، شهرستان، مرکز یا مددجو را مشخص کنید.",
                              "give exactly one place: province, county_id, center_id or client_id");
        else
            field_error_coded(fe, "province", "place", "دقیقاً یکی از استان، شهرستان یا مرکز را مشخص کنید.",
                              "give exactly one place: province, county_id or center_id");
        return;
    }
    res_put_province(rc, body, values, fe);
    res_put_int(body, values, "county_id");
    res_put_int(body, values, "center_id");
    if (with_client)
        res_put_int(body, values, "client_id");
}
