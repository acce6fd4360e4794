#include "server/http/describe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/jalali.h"
#include "common/log.h"
#include "server/http/resource.h"
#include "server/router.h"

/* The described resources, for the API description */
#define MAX_DESCRIBED 32
static const resource *described[MAX_DESCRIBED];
static int ndescribed;

int describe_count(void)
{
    return ndescribed;
}

const resource *describe_at(int i)
{
    return described[i];
}

static const field_desc *find_field(const resource *r, const char *name)
{
    for (int i = 0; i < r->nfields; i++)
        if (!strcmp(r->fields[i].name, name))
            return &r->fields[i];
    return NULL;
}

/* what reads select for f, over alias t */
static const char *read_expr(const field_desc *f, char *buf, size_t n)
{
    if (f->expr)
        return f->expr;
    snprintf(buf, n, "t.%s", f->column ? f->column : f->name);
    return buf;
}

/* Appends "expr AS name" (just expr when it already is t.name) */
static void put_select(strbuf *sb, const char *expr, const char *name)
{
    if (sb->len)
        strbuf_puts(sb, ", ");
    strbuf_puts(sb, expr);
    if (strncmp(expr, "t.", 2) != 0 || strcmp(expr + 2, name) != 0)
        strbuf_printf(sb, " AS %s", name);
}

static char *keep(strbuf *sb)
{
    char *s = strdup(sb->data ? sb->data : "");
    strbuf_free(sb);
    return s;
}

/* The SELECT lists: reads take the stored values (the encoder formats them), writes return what their audit
 * records keep (formatted in SQL, as they always were). */
static void derive_selects(resource *r)
{
    strbuf rd = STRBUF_INIT, wr = STRBUF_INIT;
    col_spec *rcols = calloc((size_t)r->nfields, sizeof(*rcols)), *wcols = calloc((size_t)r->nfields, sizeof(*wcols));
    int nr = 0, nw = 0;
    for (int i = 0; i < r->nfields; i++) {
        const field_desc *f = &r->fields[i];
        if (f->flags & DF_NOT_SELECTED)
            continue;
        char buf[128], w[512];
        const char *e = read_expr(f, buf, sizeof(buf));
        put_select(&rd, e, f->name);
        rcols[nr++] = (col_spec){f->name, f->out};
        if (f->flags & DF_READS_ONLY)
            continue;
        col_type wt = f->out;
        if (f->write_expr) {
            e = f->write_expr;
            wt = COL_JSON;
        } else if (f->out == COL_TIMESTAMP) {
            snprintf(w, sizeof(w), SQL_UTC_TS_OF("%s"), e);
            e = w;
        } else if (f->out == COL_TEXT_ARRAY) {
            snprintf(w, sizeof(w), "to_jsonb(%s)", e);
            e = w;
            wt = COL_JSON;
        }
        put_select(&wr, e, f->name);
        wcols[nw++] = (col_spec){f->name, wt};
    }
    r->read_sql = keep(&rd);
    r->read_cols = rcols;
    r->nread_cols = nr;
    r->select_sql = keep(&wr);
    r->cols = wcols;
    r->ncols = nw;
}

/* The create and update bodies' field specs and their Persian labels, from fields (a resource's or a row shape's) */
typedef struct body_specs {
    field_spec *create, *update;
    const char **create_fa, **update_fa;
    int ncreate, nupdate;
} body_specs;

static body_specs derive_specs(const field_desc *fields, int nfields)
{
    body_specs b = {calloc((size_t)nfields, sizeof(field_spec)), calloc((size_t)nfields, sizeof(field_spec)),
                    calloc((size_t)nfields, sizeof(char *)), calloc((size_t)nfields, sizeof(char *)), 0, 0};
    for (int i = 0; i < nfields; i++) {
        const field_desc *f = &fields[i];
        if (f->flags & DF_CREATE) {
            b.create_fa[b.ncreate] = f->label_fa;
            b.create[b.ncreate++] = (field_spec){f->name, f->in, (f->flags & DF_REQUIRED_CREATE) != 0, f->min, f->max,
                                                 f->choices};
        }
        if (f->flags & DF_UPDATE) {
            int64_t min = (f->flags & DF_EMPTY_IS_NULL) ? 0 : f->min;   /* "" clears it */
            b.update_fa[b.nupdate] = f->label_fa;
            b.update[b.nupdate++] = (field_spec){f->name, f->in, (f->flags & DF_REQUIRED_UPDATE) != 0, min, f->max,
                                                 f->choices};
        }
    }
    return b;
}

/* The bodies of a resource's own, for the API description */
#define MAX_BODIES 8
typedef struct named_body {
    const char *schema;
    const resource *r;
    const char *const *names;
    int n;
} named_body;
static named_body bodies[MAX_BODIES];
static int nbodies;

void describe_body(const char *schema, const resource *r, const char *const *names, int n, field_spec *specs,
                   const char **labels_fa)
{
    for (int i = 0; i < n; i++) {
        const field_desc *f = find_field(r, names[i]);
        if (!f || nbodies == MAX_BODIES) {
            log_msg(LOG_FATAL, NULL, "resource %s: body %s names its field %s, which it does not have (or more "
                    "than %d bodies)", r->name, schema, names[i], MAX_BODIES);
            abort();
        }
        specs[i] = (field_spec){f->name, f->in, (f->flags & DF_REQUIRED_CREATE) != 0, f->min, f->max, f->choices};
        labels_fa[i] = f->label_fa;
    }
    bodies[nbodies++] = (named_body){schema, r, names, n};
}

int describe_bodies_count(void)
{
    return nbodies;
}

const char *describe_body_name(int i)
{
    return bodies[i].schema;
}

/* The columns writes set, and the bodies' field specs */
static void derive_writes(resource *r)
{
    res_column *w = calloc((size_t)r->nfields, sizeof(*w));
    int nw = 0;
    for (int i = 0; i < r->nfields; i++) {
        const field_desc *f = &r->fields[i];
        if (f->column && f->sqltype && (f->flags & (DF_WRITE | DF_STORED)))
            w[nw++] = (res_column){f->name, f->column, f->sqltype, f->default_sql};
    }
    body_specs b = derive_specs(r->fields, r->nfields);
    r->writable = w;
    r->nwritable = nw;
    r->create_fields = b.create;
    r->ncreate_fields = b.ncreate;
    r->update_fields = b.update;
    r->nupdate_fields = b.nupdate;
    r->create_labels_fa = b.create_fa;
    r->update_labels_fa = b.update_fa;
}


/* a filter's SQL type: its column's for ids and enums (an index on an enum column wants the enum), else text */
static const char *filter_type(const field_desc *f)
{
    if (f->filter == LF_ID)
        return f->sqltype && (!strcmp(f->sqltype, "integer") || !strcmp(f->sqltype, "bigint")) ? f->sqltype
               : !strcmp(f->name, "county_id")                                                  ? "integer"
                                                                                                : "bigint";
    if (f->filter == LF_ENUM && f->sqltype && f->sqltype[0] != '(' && !strchr(f->sqltype, '['))
        return f->sqltype;
    if (f->filter == LF_DATE_FROM || f->filter == LF_DATE_TO)
        return "date";
    return "text";
}

/* a filter's column (or expression) over alias t */
typedef struct filter_sql {
    char expr[128];
    bool contains;
} filter_sql;

/* the caller's scope ($1 province, $2 county, $3 center), then each filter, ?q= and the cursor */
/* A field's list filter: an id's range is its column's */
static list_filter filter_of(const field_desc *f)
{
    list_filter_kind kind = f->filter == LF_ID && !strcmp(filter_type(f), "integer") ? LF_ID32 : f->filter;
    return (list_filter){f->filter_as ? f->filter_as : f->name, kind, f->choices, f->filter_message};
}

/* since: ?updated_since= is given (a statement of its own: the plain list's plan cache, which goes generic after
 * five calls without it, would walk the id index; this one's custom plans range the updated_at index and stay) */
static void list_where(const resource *r, strbuf *sb, const filter_sql *fs, bool since)
{
    char b1[128], b2[128], b3[128];
    /* rows visible beyond the caller's own place (a national or provincial campaign): a row without that place is
     * not limited by it (row-level security and row_in_scope decide) */
    bool open = r->national_rows_public || r->province_wide;
    const char *e[3] = {read_expr(find_field(r, "province"), b1, sizeof(b1)),
                        read_expr(find_field(r, "county_id"), b2, sizeof(b2)),
                        read_expr(find_field(r, "center_id"), b3, sizeof(b3))};
    static const char *const param[3] = {"$1::text", "$2::integer", "$3::bigint"};
    for (int i = 0; i < 3; i++) {
        strbuf_printf(sb, "%s(%s IS NULL OR ", i ? " AND " : "", param[i]);
        if (open)
            strbuf_printf(sb, "%s IS NULL OR ", e[i]);
        strbuf_printf(sb, "%s = %s)", e[i], param[i]);
    }
    int p = 4;
    for (int i = 0; i < r->nfilters; i++, p++) {
        const char *t = r->filter_types[i];
        if (fs[i].contains)
            strbuf_printf(sb, " AND ($%d::text IS NULL OR %s @> ARRAY[$%d::text])", p, fs[i].expr, p);
        else if (r->filters[i].kind == LF_TIMESTAMP && since)
            strbuf_printf(sb, " AND %s >= $%d::%s", fs[i].expr, p, t);
        else if (r->filters[i].kind == LF_TIMESTAMP)
            strbuf_printf(sb, " AND ($%d::%s IS NULL OR %s >= $%d::%s)", p, t, fs[i].expr, p, t);
        else    /* a date range's ends compare, every other filter is equal */
            strbuf_printf(sb, " AND ($%d::%s IS NULL OR %s %s $%d::%s)", p, t, fs[i].expr,
                          r->filters[i].kind == LF_DATE_FROM ? ">=" : r->filters[i].kind == LF_DATE_TO ? "<=" : "=",
                          p, t);
    }
    if (r->search) {
        strbuf_printf(sb, " AND ($%d::text IS NULL OR t.name_key LIKE $%d)", p, p);
        p++;
    }
    strbuf_printf(sb, " AND ($%d::bigint IS NULL OR t.id > $%d::bigint) ORDER BY t.id LIMIT $%d", p, p, p + 1);
}

/* ?count=true: the list's own statement counted, with the same parameters (no cursor, LIST_COUNT_CAP + 1 as its
 * limit), so it counts exactly what the pages would show, under the same row-level security; the columns nobody
 * reads are left out by the planner */
static int register_count(const char *resource_name, const char *what, const char *list_sql)
{
    char name[96];
    snprintf(name, sizeof(name), "%s_%s_count", resource_name, what);
    strbuf sb = STRBUF_INIT;
    strbuf_printf(&sb, "SELECT count(*) FROM (%s) c", list_sql);
    int stmt = db_stmt_register(name, sb.data);
    strbuf_free(&sb);
    return stmt;
}

static void derive_list(resource *r)
{
    filter_sql fs[LIST_MAX_FILTERS];
    int param_of[3] = {0, 0, 0};    /* the filters province, county_id, center_id: their parameters */
    r->list_parent = -1;
    r->stmt_list_since = -1;
    for (int i = 0; i < r->nfields; i++) {
        const field_desc *f = &r->fields[i];
        if (f->filter == LF_NONE)
            continue;
        if (r->nfilters == LIST_MAX_FILTERS - 1)    /* and room for ?q= */
            abort();
        int k = r->nfilters++;
        r->filters[k] = filter_of(f);
        r->filter_types[k] = filter_type(f);
        char buf[128];
        snprintf(fs[k].expr, sizeof(fs[k].expr), "%s", read_expr(f, buf, sizeof(buf)));
        fs[k].contains = (f->flags & DF_CONTAINS) != 0;
        if (f->flags & DF_LIST_PARENT) {
            r->list_parent = k;
            r->list_parent_entity = strndup(f->name, strcspn(f->name, "_"));
        }
        const char *place[3] = {"province", "county_id", "center_id"};
        for (int j = 0; j < 3; j++)
            if (!strcmp(f->name, place[j]))
                param_of[j] = 4 + k;
    }
    /* ?updated_since=: every list of records that have updated_at (a range on its index, migration 0024) */
    if (find_field(r, "updated_at")) {
        if (r->nfilters == LIST_MAX_FILTERS - 1)
            abort();
        int k = r->nfilters++;
        r->filters[k] = LIST_UPDATED_SINCE_FILTER;
        r->filter_types[k] = "timestamptz";
        snprintf(fs[k].expr, sizeof(fs[k].expr), "t.updated_at");
        fs[k].contains = false;
    }
    strbuf sb = STRBUF_INIT;
    char name[96];
    snprintf(name, sizeof(name), "%s_list", r->name);
    if (r->parent_column) {
        /* the parent's rows ($4: ?updated_since=, resource_list_children); the collection's own list follows, as
         * any resource's */
        char cname[96];
        snprintf(cname, sizeof(cname), "%s_children", r->name);
        strbuf_printf(&sb, "SELECT %s FROM %s t WHERE t.%s = $1::bigint AND ($2::bigint IS NULL OR t.id > $2::bigint)"
                           " AND ($4::timestamptz IS NULL OR t.updated_at >= $4::timestamptz)"
                           " ORDER BY t.id LIMIT $3", r->read_sql, r->table, r->parent_column);
        r->stmt_children = db_stmt_register(cname, sb.data);
        strbuf_free(&sb);
    }
    strbuf_printf(&sb, "SELECT %s FROM %s t WHERE ", r->read_sql, r->table);
    list_where(r, &sb, fs, false);
    r->stmt_list = db_stmt_register(name, sb.data);
    r->stmt_count = register_count(r->name, "list", sb.data);
    r->counted = true;
    strbuf_free(&sb);
    if (find_field(r, "updated_at")) {
        snprintf(name, sizeof(name), "%s_list_since", r->name);
        strbuf_printf(&sb, "SELECT %s FROM %s t WHERE ", r->read_sql, r->table);
        list_where(r, &sb, fs, true);
        r->stmt_list_since = db_stmt_register(name, sb.data);
        strbuf_free(&sb);
    }
    if (r->search == SEARCH_IDS) {
        /* ?q=: the matching ids come from registry_search_ids (see migration 0009: under row-level security a LIKE
         * can never use an index); the rows are then read here under row-level security like any list. It returns
         * one page (+1) when no other filter could drop rows, else every match, so the page is never cut short. */
        int pq = 4 + r->nfilters, pc = pq + 1, pl = pq + 2;
        char prov[16] = "NULL", county[16] = "NULL", center[16] = "NULL";
        if (param_of[0])
            snprintf(prov, sizeof(prov), "$%d", param_of[0]);
        if (param_of[1])
            snprintf(county, sizeof(county), "$%d", param_of[1]);
        if (param_of[2])
            snprintf(center, sizeof(center), "$%d", param_of[2]);
        strbuf_printf(&sb, "SELECT %s FROM registry_search_ids('%s', $%d, %s::text, %s::integer, %s::bigint,"
                           " $%d::bigint, CASE WHEN true", r->read_sql, r->name, pq, prov, county, center, pc);
        for (int k = 0; k < r->nfilters; k++)
            if (4 + k != param_of[0] && 4 + k != param_of[1] && 4 + k != param_of[2])
                strbuf_printf(&sb, " AND $%d::%s IS NULL", 4 + k, r->filter_types[k]);
        strbuf_printf(&sb, " THEN $%d::integer END) m (id) JOIN %s t ON t.id = m.id WHERE ", pl, r->table);
        list_where(r, &sb, fs, false);
        snprintf(name, sizeof(name), "%s_search", r->name);
        r->stmt_search = db_stmt_register(name, sb.data);
        r->stmt_search_count = register_count(r->name, "search", sb.data);
        strbuf_free(&sb);
    }
}

static const route_param *derive_query_params(const resource *r);
static const route_param *query_params_of(const list_filter *filters, int nfilters, const field_desc *fields,
                                          int nfields, bool search, bool count);

/* A description the engine cannot serve is a programming error: stop at start, saying which, rather than crash
 * later or serve a record whose scope cannot be checked. */
static void describe_check(const resource *r)
{
    static const char *const place[] = {"id", "province", "county_id", "center_id", "version"};
    for (size_t i = 0; i < sizeof(place) / sizeof(place[0]); i++)
        if (!find_field(r, place[i])) {
            log_msg(LOG_FATAL, NULL, "resource %s: its description has no field %s", r->name, place[i]);
            abort();
        }
    if (ndescribed >= MAX_DESCRIBED) {
        log_msg(LOG_FATAL, NULL, "resource %s: more than %d described resources (raise MAX_DESCRIBED)", r->name,
                MAX_DESCRIBED);
        abort();
    }
}

void describe_derive(resource *r)
{
    describe_check(r);
    derive_selects(r);
    derive_writes(r);
    derive_list(r);
    r->query_params = derive_query_params(r);
    described[ndescribed++] = r;
}

/* Values from a validated body ------------------------------------------------------------------------------- */

void describe_put_values(req_ctx *rc, const resource *r, json_object *body, json_object *values, field_errors *fe)
{
    for (int i = 0; i < r->nfields; i++) {
        const field_desc *f = &r->fields[i];
        if (!(f->flags & DF_WRITE) || (f->flags & DF_CUSTOM))
            continue;
        switch (f->in) {
        case F_STRING:
            if ((f->flags & DF_EMPTY_IS_NULL) && body_string(body, f->name) && !body_string(body, f->name)[0])
                json_object_object_add(values, f->name, NULL);
            else
                res_put_text(rc, body, values, f->name, fe);
            break;
        case F_NATIONAL_ID:
            res_put_national_id(rc, body, values, fe);
            break;
        case F_INT:
            res_put_int(body, values, f->name);
            break;
        case F_DATE:
            res_put_date(rc, body, values, f->name);
            break;
        case F_ENUM:
        case F_BOOL:
        case F_ANY:
            res_put_as_is(body, values, f->name);
            break;
        }
    }
}

/* The API description ---------------------------------------------------------------------------------------- */

static json_object *type_of(const char *t, bool nullable)
{
    if (!nullable)
        return json_object_new_string(t);
    json_object *a = json_object_new_array();
    json_object_array_add(a, json_object_new_string(t));
    json_object_array_add(a, json_object_new_string("null"));
    return a;
}

/* JSON Schema 2020-12 checks enum as well as type: a nullable enum lists null too */
static json_object *enum_of(const char *const *choices, bool nullable)
{
    json_object *a = json_object_new_array();
    for (const char *const *c = choices; *c; c++)
        json_object_array_add(a, json_object_new_string(*c));
    if (nullable)
        json_object_array_add(a, NULL);
    return a;
}

/* a composite's own schema, or null beside it */
static json_object *custom_schema(const char *schema, const char *name, bool nullable)
{
    json_object *s = json_tokener_parse(schema);
    if (!s) {
        fprintf(stderr, "describe: the schema of %s is not valid JSON\n", name);
        abort();
    }
    if (!nullable)
        return s;
    json_object *o = json_object_new_object(), *one = json_object_new_array(), *null = json_object_new_object();
    json_object_object_add(null, "type", json_object_new_string("null"));
    json_object_array_add(one, s);
    json_object_array_add(one, null);
    json_object_object_add(o, "oneOf", one);
    return o;
}

static void add_labels(json_object *p, const field_desc *f)
{
    if (f->label_en)
        json_object_object_add(p, "title", json_object_new_string(f->label_en));
    if (f->label_fa)
        json_object_object_add(p, "x-label-fa", json_object_new_string(f->label_fa));
    if (f->doc)
        json_object_object_add(p, "description", json_object_new_string(f->doc));
    if (f->example) {
        json_object *ex = json_tokener_parse(f->example);
        if (!ex && strcmp(f->example, "null") != 0) {
            fprintf(stderr, "describe: the example of %s is not valid JSON\n", f->name);
            abort();
        }
        json_object_object_add(p, "example", ex);
    }
}

/* an array of strings (of f's choices, when it has them) */
static void put_string_array(json_object *p, const field_desc *f, bool nullable)
{
    json_object *items = json_object_new_object();
    json_object_object_add(items, "type", json_object_new_string("string"));
    if (f->choices)
        json_object_object_add(items, "enum", enum_of(f->choices, false));
    json_object_object_add(p, "type", type_of("array", nullable));
    json_object_object_add(p, "items", items);
}

/* the example of a date's Jalali twin: the date's own example, converted (NULL when it has none) */
static json_object *jalali_example(const field_desc *f)
{
    json_object *ex = f->example ? json_tokener_parse(f->example) : NULL;
    ymd g, j;
    char out[11];
    json_object *twin = NULL;
    if (ex && json_object_is_type(ex, json_type_string) && date_parse_iso(json_object_get_string(ex), &g) == 0 &&
        gregorian_to_jalali(g, &j) == 0) {
        date_format(j, out);
        twin = json_object_new_string(out);
    }
    json_object_put(ex);
    return twin;
}

static json_object *jalali_twin(const field_desc *f, bool nullable)
{
    json_object *p = json_object_new_object();
    json_object_object_add(p, "type", type_of("string", nullable));
    json_object_object_add(p, "pattern", json_object_new_string("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"));
    json_object_object_add(p, "description", json_object_new_string("the same date in the Jalali calendar"));
    json_object *ex = jalali_example(f);
    if (ex || (f->example && !strcmp(f->example, "null")))
        json_object_object_add(p, "example", ex);
    return p;
}

/* The schema's own example, an object made of its properties' examples: every property's, or (required_only)
 * the required ones' (a create body's least). Added only when each of those has one. */
static void add_object_example(json_object *s, bool required_only)
{
    json_object *props, *req = NULL, *ex = json_object_new_object();
    if (!json_object_object_get_ex(s, "properties", &props)) {
        json_object_put(ex);
        return;
    }
    json_object_object_get_ex(s, "required", &req);
    json_object_object_foreach(props, k, v) {
        bool required = false;
        for (size_t i = 0, n = req ? json_object_array_length(req) : 0; i < n && !required; i++)
            required = !strcmp(json_object_get_string(json_object_array_get_idx(req, i)), k);
        if (required_only && !required)
            continue;
        json_object *one;
        if (!json_object_object_get_ex(v, "example", &one)) {
            json_object *branches, *first;     /* a nullable composite: its own schema's example */
            if (!json_object_object_get_ex(v, "oneOf", &branches) ||
                !(first = json_object_array_get_idx(branches, 0)) ||
                !json_object_object_get_ex(first, "example", &one)) {
                if (required) {
                    json_object_put(ex);
                    return;
                }
                continue;
            }
        }
        json_object_object_add(ex, k, json_object_get(one));
    }
    json_object_object_add(s, "example", ex);
}

/* a record made of fields (a resource's, or a row shape's) */
static json_object *schema_of_fields(const field_desc *fields, int nfields)
{
    json_object *s = json_object_new_object(), *props = json_object_new_object(), *req = json_object_new_array();
    json_object_object_add(s, "type", json_object_new_string("object"));
    for (int i = 0; i < nfields; i++) {
        const field_desc *f = &fields[i];
        if ((f->flags & (DF_NOT_SELECTED | DF_READS_ONLY)) || f->out == COL_HIDDEN)
            continue;
        bool nul = (f->flags & DF_NULLABLE) != 0;
        json_object *p;
        if (f->schema)
            p = custom_schema(f->schema, f->name, nul);
        else {
            p = json_object_new_object();
            switch (f->out) {
            case COL_INT:
                json_object_object_add(p, "type", type_of("integer", nul));
                break;
            case COL_BOOL:
                json_object_object_add(p, "type", type_of("boolean", nul));
                break;
            case COL_TEXT_ARRAY:
                put_string_array(p, f, nul);
                break;
            case COL_JSON:
            case COL_TYPE_SEVERITY:
            case COL_HIDDEN:
                break;
            default:
                json_object_object_add(p, "type", type_of("string", nul));
                if (f->out == COL_DATE)
                    json_object_object_add(p, "format", json_object_new_string("date"));
                if (f->out == COL_TIMESTAMP)
                    json_object_object_add(p, "format", json_object_new_string("date-time"));
                if (f->choices && f->in == F_ENUM)
                    json_object_object_add(p, "enum", enum_of(f->choices, nul));
                if (f->in == F_NATIONAL_ID)
                    json_object_object_add(p, "pattern", json_object_new_string("^[0-9]{10}$"));
            }
        }
        add_labels(p, f);
        json_object_object_add(props, f->name, p);
        if (!(f->flags & DF_MAY_BE_ABSENT))
            json_object_array_add(req, json_object_new_string(f->name));
        if (f->out == COL_DATE) {
            char jk[96];
            snprintf(jk, sizeof(jk), "%s_jalali", f->name);
            json_object_object_add(props, jk, jalali_twin(f, nul));
            json_object_array_add(req, json_object_new_string(jk));
        }
    }
    json_object_object_add(s, "properties", props);
    json_object_object_add(s, "required", req);
    /* a record shows exactly its fields: a client may rely on nothing else being there */
    json_object_object_add(s, "additionalProperties", json_object_new_boolean(0));
    add_object_example(s, false);
    return s;
}

json_object *describe_schema_record(const resource *r)
{
    return schema_of_fields(r->fields, r->nfields);
}

static json_object *schema_of_writes(const field_desc *fields, int nfields, bool update, const char *const *names,
                                    int nnames);

json_object *describe_schema_write(const resource *r, bool update)
{
    return schema_of_writes(r->fields, r->nfields, update, NULL, 0);
}

json_object *describe_schema_rows_write(const row_desc *d, bool update)
{
    return schema_of_writes(d->fields, d->nfields, update, NULL, 0);
}

json_object *describe_schema_body(int i)
{
    return schema_of_writes(bodies[i].r->fields, bodies[i].r->nfields, false, bodies[i].names, bodies[i].n);
}

static bool named(const char *name, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return true;
    return false;
}

/* a create or patch body of fields (with names, a body of just those, required as on create) */
static json_object *schema_of_writes(const field_desc *fields, int nfields, bool update, const char *const *names,
                                    int nnames)
{
    json_object *s = json_object_new_object(), *props = json_object_new_object(), *req = json_object_new_array();
    json_object_object_add(s, "type", json_object_new_string("object"));
    unsigned in = update ? DF_UPDATE : DF_CREATE, must = update ? DF_REQUIRED_UPDATE : DF_REQUIRED_CREATE;
    for (int i = 0; i < nfields; i++) {
        const field_desc *f = &fields[i];
        if (names ? !named(f->name, names, nnames) : !(f->flags & in))
            continue;
        /* null is a value a body may send only where the record may hold it (not merely where it is optional) */
        bool required = (f->flags & must) != 0, nul = (f->flags & DF_NULLABLE) != 0;
        json_object *p;
        if (f->write_schema || f->schema)
            p = custom_schema(f->write_schema ? f->write_schema : f->schema, f->name, nul);
        else {
            p = json_object_new_object();
            switch (f->in) {
            case F_INT:
                json_object_object_add(p, "type", type_of("integer", nul));
                json_object_object_add(p, "minimum", json_object_new_int64(f->min));
                json_object_object_add(p, "maximum", json_object_new_int64(f->max));
                break;
            case F_BOOL:
                json_object_object_add(p, "type", type_of("boolean", nul));
                break;
            case F_ENUM:
                json_object_object_add(p, "type", type_of("string", nul));
                json_object_object_add(p, "enum", enum_of(f->choices, nul));
                break;
            case F_DATE:
                json_object_object_add(p, "type", type_of("string", nul));
                json_object_object_add(p, "format", json_object_new_string("date"));
                break;
            case F_NATIONAL_ID:
                json_object_object_add(p, "type", type_of("string", nul));
                json_object_object_add(p, "description", json_object_new_string(
                                                             "10 digits, check digit verified; Persian digits accepted"));
                break;
            case F_STRING:
                json_object_object_add(p, "type", type_of("string", nul));
                if (f->min && !(update && (f->flags & DF_EMPTY_IS_NULL)))
                    json_object_object_add(p, "minLength", json_object_new_int64(f->min));
                if (f->max)
                    json_object_object_add(p, "maxLength", json_object_new_int64(f->max));
                break;
            case F_ANY:
                if (f->out == COL_TEXT_ARRAY)
                    put_string_array(p, f, false);
                break;
            }
        }
        add_labels(p, f);
        json_object_object_add(props, f->name, p);
        if (required && !update)
            json_object_array_add(req, json_object_new_string(f->name));
        if (f->in == F_DATE) {
            char jk[96];
            snprintf(jk, sizeof(jk), "%s_jalali", f->name);
            json_object_object_add(props, jk, jalali_twin(f, nul));
        }
    }
    json_object_object_add(s, "properties", props);
    /* the validator refuses any other field (422 unknown_field) */
    json_object_object_add(s, "additionalProperties", json_object_new_boolean(0));
    bool some_required = json_object_array_length(req) > 0;
    if (some_required)
        json_object_object_add(s, "required", req);
    else
        json_object_put(req);
    add_object_example(s, !update && some_required);
    return s;
}

const route_param *describe_query_params(const resource *r)
{
    return r->query_params;
}

/* the list's query parameters as the API description shows them */
static const route_param *derive_query_params(const resource *r)
{
    return query_params_of(r->filters, r->nfilters, r->fields, r->nfields, r->search != SEARCH_NONE,
                           r->counted);
}

static const route_param *query_params_of(const list_filter *filters, int nfilters, const field_desc *fields,
                                          int nfields, bool search, bool count)
{
    route_param *p = calloc((size_t)nfilters + 3, sizeof(*p));
    int n = 0;
    for (int i = 0; i < nfilters; i++) {
        const field_desc *f = NULL;
        for (int j = 0; j < nfields && !f; j++)
            if (fields[j].filter && !strcmp(fields[j].filter_as ? fields[j].filter_as : fields[j].name,
                                            filters[i].name))
                f = &fields[j];
        static const char *const docs[] = {
            [LF_ID] = NULL, [LF_ID32] = NULL, [LF_ENUM] = NULL, [LF_PROVINCE] = "IR-NN",
            [LF_NATIONAL_ID] = "exact, digits in any script", [LF_WORD] = NULL, [LF_JALALI_YEAR] = NULL,
            [LF_SEARCH] = NULL, [LF_DATE_FROM] = "YYYY-MM-DD, on or after", [LF_DATE_TO] = "YYYY-MM-DD, on or before",
            [LF_TIMESTAMP] = "rows changed at or after this instant: an RFC 3339 timestamp with its offset "
                             "(2026-01-05T08:30:00Z) or a date (its midnight UTC)"};
        /* a query-only field's doc is about the query */
        const char *doc = f && f->filter_doc                                ? f->filter_doc
                          : f && f->doc && (f->flags & DF_NOT_SELECTED) ? f->doc
                                                                         : docs[filters[i].kind];
        if (!doc && f && f->choices) {
            strbuf sb = STRBUF_INIT;
            for (const char *const *c = f->choices; *c; c++)
                strbuf_printf(&sb, "%s%s", c == f->choices ? "one of " : ", ", *c);
            doc = keep(&sb);
        }
        if (!doc && f)
            doc = f->label_en;
        p[n++] = (route_param){filters[i].name,
                               filters[i].kind == LF_ID || filters[i].kind == LF_ID32 || filters[i].kind == LF_JALALI_YEAR
                                   ? "integer"
                                   : "string",
                               doc};
    }
    if (search)
        p[n++] = (route_param){"q", "string", "name search (Persian and Arabic letter forms match)"};
    if (count)
        p[n++] = (route_param){"count", "boolean", LIST_COUNT_DOC};
    return p;
}

/* Row shapes that are not resources ------------------------------------------------------------------------ */

#define MAX_ROW_DESCS 32
static const row_desc *row_descs[MAX_ROW_DESCS];
static int nrow_descs;

void describe_rows_init(row_desc *d)
{
    strbuf sb = STRBUF_INIT;
    col_spec *cols = calloc((size_t)d->nfields, sizeof(*cols));
    int n = 0;
    for (int i = 0; i < d->nfields; i++) {
        const field_desc *f = &d->fields[i];
        if (f->flags & DF_NOT_SELECTED)
            continue;
        char buf[128];
        put_select(&sb, read_expr(f, buf, sizeof(buf)), f->name);
        cols[n++] = (col_spec){f->name, f->out};
    }
    d->select_sql = keep(&sb);
    d->cols = cols;
    d->ncols = n;
    for (int i = 0; i < d->nfields; i++) {
        const field_desc *f = &d->fields[i];
        if ((f->flags & DF_NOT_SELECTED) || !f->column)
            continue;
        char e[256];
        snprintf(e, sizeof(e), "t.%s", f->column);
        if (f->out == COL_TIMESTAMP)
            snprintf(e, sizeof(e), SQL_UTC_TS_OF("t.%s"), f->column);
        put_select(&sb, e, f->column);
    }
    d->returning_sql = keep(&sb);
    body_specs b = derive_specs(d->fields, d->nfields);
    d->create_fields = b.create;
    d->ncreate_fields = b.ncreate;
    d->update_fields = b.update;
    d->nupdate_fields = b.nupdate;
    d->create_labels_fa = b.create_fa;
    d->update_labels_fa = b.update_fa;
    const field_desc *q = d->query ? d->query : d->fields;
    int nq = d->query ? d->nquery : d->nfields;
    d->nfilters = 0;
    for (int i = 0; i < nq; i++) {
        if (q[i].filter == LF_NONE)
            continue;
        if (d->nfilters == LIST_MAX_FILTERS)
            abort();
        d->filters[d->nfilters++] = filter_of(&q[i]);
    }
    if (d->updated_since) {
        if (d->nfilters == LIST_MAX_FILTERS)
            abort();
        d->filters[d->nfilters++] = LIST_UPDATED_SINCE_FILTER;
    }
    d->query_params = query_params_of(d->filters, d->nfilters, q, nq, false, false);
    if (nrow_descs < MAX_ROW_DESCS)
        row_descs[nrow_descs++] = d;
}

int describe_rows_count(void)
{
    return nrow_descs;
}

const row_desc *describe_rows_at(int i)
{
    return row_descs[i];
}

json_object *describe_schema_rows(const row_desc *d)
{
    json_object *row = schema_of_fields(d->fields, d->nfields);
    if (!d->items)
        return row;
    json_object *s = json_object_new_object(), *props = json_object_new_object(), *items = json_object_new_object();
    json_object_object_add(items, "type", json_object_new_string("array"));
    json_object_object_add(items, "items", row);
    json_object_object_add(props, "items", items);
    json_object_object_add(s, "type", json_object_new_string("object"));
    json_object_object_add(s, "properties", props);
    json_object *req = json_object_new_array(), *ex = json_object_new_object(), *rows = json_object_new_array(), *one;
    json_object_array_add(req, json_object_new_string("items"));
    json_object_object_add(s, "required", req);
    json_object_object_add(s, "additionalProperties", json_object_new_boolean(0));
    if (json_object_object_get_ex(row, "example", &one))
        json_object_array_add(rows, json_object_get(one));
    json_object_object_add(ex, "items", rows);
    json_object_object_add(s, "example", ex);
    return s;
}

const char *const *describe_query_choices(const char *path, const char *name)
{
    for (int i = 0; i < ndescribed; i++)
        if (described[i]->path && !strcmp(described[i]->path, path))
            for (int k = 0; k < described[i]->nfilters; k++)
                if (!strcmp(described[i]->filters[k].name, name))
                    return described[i]->filters[k].choices;
    for (int i = 0; i < nrow_descs; i++)
        if (row_descs[i]->path && !strcmp(row_descs[i]->path, path))
            for (int k = 0; k < row_descs[i]->nfilters; k++)
                if (!strcmp(row_descs[i]->filters[k].name, name))
                    return row_descs[i]->filters[k].choices;
    return NULL;
}

const route_param *describe_query_params_of(const char *path)
{
    for (int i = 0; i < ndescribed; i++)
        if (described[i]->path && !strcmp(described[i]->path, path))
            return described[i]->query_params;
    for (int i = 0; i < nrow_descs; i++)
        if (row_descs[i]->path && !strcmp(row_descs[i]->path, path))
            return row_descs[i]->query_params;
    return NULL;
}
