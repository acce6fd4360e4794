/*
 * users.c - user accounts: POST/GET /api/v1/users, GET/PATCH /api/v1/users/{id}.
 *
 * Admins manage users within their scope: a national admin anyone, a provincial admin the officers, county
 * officers and NGO submitters of their own province. The server checks that before anything is sent; the users
 * table's row-level security checks it again (migrations/0002_access.sql). Every change is audited in the same
 * transaction; password hashes never leave the database through this API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/digits.h"
#include "common/log.h"
#include "common/password.h"
#include "server/auth/authenticate.h"
#include "server/crypto_pool.h"
#include "server/handlers/handlers.h"
#include "server/db/result.h"
#include "server/http/describe.h"
#include "server/http/list.h"
#include "server/http/resource.h"
#include "server/http/validate.h"

static const char *const role_choices[] = {"national_admin",     "national_viewer", "provincial_admin",
                                           "provincial_officer", "county_officer",  "ngo_submitter", NULL};

/* A user account as the API shows it (never its password hash), and the fields its bodies take. The handlers write
 * it themselves (a password is hashed off the event loop; the scope rules are the role's), so it is a row shape
 * with bodies, not a resource. */
static const field_desc user_fields[] = {
    DESC_ID("7"),
    {.name = "username", .column = "username", .in = F_STRING, .out = COL_TEXT, .min = 3, .max = 64,
     .flags = DF_CREATE | DF_REQUIRED_CREATE, .label_fa = "نام کاربری", .label_en = "Username",
     .example = "\"officer.tehran\"", .doc = "Latin letters, digits, '.', '_' and '-', starting with a letter or digit; "
     "stored in lower case"},
    {.name = "password", .in = F_STRING, .min = 1, .max = 256, .flags = DF_WRITE | DF_REQUIRED_CREATE | DF_NOT_SELECTED,
     .label_fa = "گذرواژه", .label_en = "Password", .example = "\"a long passphrase of your own\"",
     .doc = "at least 12 characters, not the username; a new one ends the user's sessions"},
    {.name = "role", .column = "role", .in = F_ENUM, .out = COL_TEXT, .sqltype = "user_role", .choices = role_choices,
     .flags = DF_WRITE | DF_REQUIRED_CREATE, .filter = LF_ENUM, .filter_message = "is not a role",
     .label_fa = "نقش", .label_en = "Role", .example = "\"county_officer\""},
    {.name = "province", .column = "province_code", .in = F_STRING, .out = COL_TEXT, .sqltype = "text", .max = 8,
     .flags = DF_WRITE | DF_NULLABLE, .filter = LF_PROVINCE, .label_fa = "استان", .label_en = "Province",
     .example = "\"IR-08\"", .doc = "a province code such as IR-08; required for provincial and county roles"},
    {.name = "county_id", .column = "county_id", .in = F_INT, .out = COL_INT, .sqltype = "integer", .min = 1,
     .max = 2147483647, .flags = DF_WRITE | DF_NULLABLE, .label_fa = "شهرستان", .label_en = "County",
     .example = "120", .doc = "required for a county officer"},
    {.name = "center_id", .column = "center_id", .in = F_INT, .out = COL_INT, .sqltype = "bigint", .min = 1,
     .max = INT64_MAX, .flags = DF_WRITE | DF_NULLABLE, .label_fa = "مرکز", .label_en = "Center",
     .example = "null", .doc = "required for an NGO submitter"},
    {.name = "full_name", .column = "full_name", .in = F_STRING, .out = COL_TEXT, .sqltype = "text", .min = 1,
     .max = 200, .flags = DF_WRITE | DF_NULLABLE | DF_EMPTY_IS_NULL, .label_fa = "نام و نام خانوادگی",
     .label_en = "Full name", .example = "\"Mina Rahimi\""},
    {.name = "active", .column = "active", .in = F_BOOL, .out = COL_BOOL, .sqltype = "boolean",
     .flags = DF_UPDATE | DF_REQUIRED_UPDATE, .label_fa = "فعال", .label_en = "Active", .example = "true",
     .doc = "false ends the user's sessions and refuses sign-in"},
    DESC_RECORD_TAIL,
};
static row_desc users = {
    .schema = "User",
    .path = "/api/v1/users",
    .fields = user_fields,
    .nfields = NCOLS(user_fields),
    .updated_since = true,
    .create_schema = "UserCreate",
    .update_schema = "UserPatch",
};

static int stmt_create, stmt_get, stmt_list, stmt_update, stmt_exists, stmt_set_password, key_id;

/* registers sb's statement and frees sb for the next */
static int register_sql(const char *name, strbuf *sb)
{
    int id = db_stmt_register(name, sb->data);
    strbuf_free(sb);
    return id;
}

void users_init(void)
{
    describe_rows_init(&users);
    key_id = res_col(users.cols, users.ncols, "id");
    const char *ret = users.returning_sql, *sel = users.select_sql;
    strbuf sb = STRBUF_INIT;
    /* the audit record's "after" is the row as writes return it: no password hash */
    strbuf_printf(&sb,
        "WITH ins AS (INSERT INTO users AS t (username, password_hash, role, province_code, county_id, center_id,"
        " full_name) VALUES ($1, $2, $3::user_role, $4, $5::integer, $6::bigint, $7) RETURNING %s),"
        " aud AS (INSERT INTO audit_log (action, entity, entity_id, province_code, county_id, center_id, after)"
        " SELECT 'create', 'user', ins.id::text, ins.province_code, ins.county_id, ins.center_id, to_jsonb(ins)"
        " FROM ins)"
        " SELECT %s FROM ins t", ret, sel);
    stmt_create = register_sql("user_create", &sb);
    strbuf_printf(&sb, "SELECT %s FROM users t WHERE t.id = $1::bigint", sel);
    stmt_get = register_sql("user_get", &sb);
    strbuf_printf(&sb, "SELECT %s FROM users t"
                       " WHERE ($1::user_role IS NULL OR t.role = $1::user_role)"
                       " AND ($2::text IS NULL OR t.province_code = $2)"
                       " AND ($3::bigint IS NULL OR t.id > $3::bigint)"
                       " AND ($5::timestamptz IS NULL OR t.updated_at >= $5::timestamptz)"
                       " ORDER BY t.id LIMIT $4", sel);
    stmt_list = register_sql("user_list", &sb);
    /* $3 is a JSON object holding only the fields to change (password as its hash): each stored field the patch
     * body takes is set from it when present */
    strbuf_printf(&sb, "WITH old AS (SELECT %s FROM users t WHERE t.id = $1::bigint AND ($2 = '' OR t.version = "
                       "$2::integer) FOR UPDATE), upd AS (UPDATE users t SET", ret);
    for (int i = 0; i < users.nfields; i++) {
        const field_desc *f = &user_fields[i];
        if ((f->flags & DF_UPDATE) && f->column)
            strbuf_printf(&sb, " %s = CASE WHEN $3::jsonb ? '%s' THEN ($3::jsonb->>'%s')::%s ELSE t.%s END,",
                          f->column, f->name, f->name, f->sqltype, f->column);
    }
    strbuf_printf(&sb,
        " version = t.version + 1, updated_at = now() FROM old WHERE t.id = old.id RETURNING %s),"
        " aud AS (INSERT INTO audit_log (action, entity, entity_id, province_code, county_id, center_id, before,"
        "  after, detail)"
        "  SELECT 'update', 'user', upd.id::text, upd.province_code, upd.county_id, upd.center_id, to_jsonb(old),"
        "  to_jsonb(upd), CASE WHEN $3::jsonb ? 'password_reset' THEN '{\"password\":\"reset\"}'::jsonb END"
        "  FROM old, upd)"
        " SELECT %s FROM upd t", ret, sel);
    stmt_update = register_sql("user_update", &sb);
    stmt_exists = db_stmt_register("user_exists", "SELECT version FROM users WHERE id = $1::bigint");
    /* a password reset by an admin; runs before user_update in the same transaction, on the same version (the
     * application may write the hash column but never read it) */
    stmt_set_password = db_stmt_register("user_set_password",
                                         "UPDATE users SET password_hash = $2, password_changed_at = now()"
                                         " WHERE id = $1::bigint AND ($3 = '' OR version = $3::integer)");
}

/* Revoking a user's sessions when they are deactivated or their role or scope changes is done by auth_begin:
 * it checks users.active on every request, and reads role and scope from the user row, not from the session. */

static void reply_user(req_ctx *rc, int status, const PGresult *r)
{
    strbuf sb = STRBUF_INIT;
    req_set_etag(rc, "user", db_get(r, 0, "id"), db_get(r, 0, "version"), NULL);
    if (status == 201) {
        char loc[64];
        snprintf(loc, sizeof(loc), "/api/v1/users/%s", db_get(r, 0, "id"));
        req_add_header(rc, "Location", loc);
    }
    encode_row_json(&sb, r, 0, users.cols, users.ncols);
    reply_strbuf(rc, status, "application/json", &sb);
}

/* The record came back from PostgreSQL under row-level security; check it against the caller's scope once more. */
static bool user_row_in_scope(req_ctx *rc, const PGresult *r, int row)
{
    if (rc->who.role == ROLE_NATIONAL_ADMIN || rc->who.role == ROLE_NATIONAL_VIEWER)
        return true;
    if (db_get_int(r, row, "id", 0) == rc->who.user_id)
        return true;
    const char *province = db_get(r, row, "province");
    return rc->who.role == ROLE_PROVINCIAL_ADMIN && province && !strcmp(province, rc->who.province);
}

/* Create ------------------------------------------------------------------------------------------------------ */

typedef struct user_create_state {
    crypto_task task;
    req_ctx *rc;
    char password[1040];
    char hash[256];
    const char *username, *role, *province, *county, *center, *full_name;
    int rc_ok;
} user_create_state;

static void user_created(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (!req_job_ok(rc, job))      /* a taken username: 409 naming username (problem_map.c, conflict.c) */
        return;
    reply_user(rc, 201, job->res[1]);
}

static void user_hash_work(crypto_task *t)
{
    user_create_state *st = t->arg;
    st->rc_ok = password_hash(st->password, st->hash, sizeof(st->hash));
    memset(st->password, 0, sizeof(st->password));
}

static void user_hash_done(crypto_task *t)
{
    user_create_state *st = t->arg;
    req_ctx *rc = st->rc;
    if (st->rc_ok != 0) {
        reply_problem(rc, 500, "Internal error; quote the request id when reporting it.");
        return;
    }
    req_job_begin(rc, false);
    db_query *q = db_job_add(&rc->job, stmt_create);
    db_query_param(q, st->username);
    db_query_param(q, st->hash);
    db_query_param(q, st->role);
    db_query_param(q, st->province);
    db_query_param(q, st->county);
    db_query_param(q, st->center);
    db_query_param(q, st->full_name);
    req_db_submit(rc, user_created);
}

/* The fields a role's scope needs: the shape the users table enforces, reported field by field. */
static void check_scope_fields(user_role role, const char *province, bool has_county, bool has_center,
                               field_errors *fe)
{
    int level = role_level(role);
    if (level == 0) {
        if (province)
            field_error_coded(fe, "province", "not_for_role", "نقش ملی استان ندارد.", "must be empty for a national role");
        if (has_county)
            field_error_coded(fe, "county_id", "not_for_role", "نقش ملی شهرستان ندارد.",
                              "must be empty for a national role");
        if (has_center)
            field_error_coded(fe, "center_id", "not_for_role", "نقش ملی مرکز ندارد.", "must be empty for a national role");
    } else if (level == 1) {
        if (!province)
            field_error_coded(fe, "province", "required", "استان را برای نقش استانی برگزینید.",
                              "is required for a provincial role");
        if (has_county)
            field_error_coded(fe, "county_id", "not_for_role", "نقش استانی شهرستان ندارد.",
                              "must be empty for a provincial role");
        if (has_center)
            field_error_coded(fe, "center_id", "not_for_role", "نقش استانی مرکز ندارد.",
                              "must be empty for a provincial role");
    } else if (level == 2) {
        if (!has_county)
            field_error_coded(fe, "county_id", "required", "شهرستان را برای کارشناس شهرستان برگزینید.",
                              "is required for a county officer");
        if (has_center)
            field_error_coded(fe, "center_id", "not_for_role", "کارشناس شهرستان مرکز ندارد.",
                              "must be empty for a county officer");
    } else if (level == 3) {
        if (!has_center)
            field_error_coded(fe, "center_id", "required", "مرکز را برای کاربر سازمان مردم‌نهاد برگزینید.",
                              "is required for an NGO submitter");
    }
}

void handle_users_create(req_ctx *rc)
{
    if (!role_may_manage_users(rc->who.role)) {     /* national_viewer: reads users, writes none */
        req_deny(rc, "Your role may read users but not create them.");
        return;
    }
    json_object *body = req_json_body(rc);
    if (!body)
        return;
    field_errors fe = {0};
    user_create_state *st = arena_calloc(rc->arena, sizeof(*st));
    if (validate_fields_fa(body, users.create_fields, users.create_labels_fa, users.ncreate_fields, false, &fe)) {
        const char *username = body_string(body, "username");
        char *lower = arena_strdup(rc->arena, username);
        for (char *p = lower; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p |= 0x20;
        bool name_ok = (lower[0] >= 'a' && lower[0] <= 'z') || (lower[0] >= '0' && lower[0] <= '9');
        for (const char *p = lower; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
                name_ok = false;
        if (!name_ok)
            field_error_coded(&fe, "username", "characters",
                              "نام کاربری فقط حرف لاتین، رقم، نقطه، زیرخط و خط تیره دارد و با حرف یا رقم آغاز می‌شود.",
                              "may hold only Latin letters, digits, '.', '_' and '-', starting with a letter or digit");
        const char *reason;
        if (password_check_strength(body_string(body, "password"), lower, &reason) != 0)
            field_error_password_rule(&fe, "password", reason);
        const char *province = body_string(body, "province");
        if (province && !(province = req_province_code(rc, province)))
            field_error_coded(&fe, "province", "not_a_province", "استان شناخته نیست.", "must be a province code such as IR-08");
        user_role role = role_parse(body_string(body, "role"));
        int64_t county = 0, center = 0;
        bool has_county = body_int(body, "county_id", &county), has_center = body_int(body, "center_id", &center);
        check_scope_fields(role, province, has_county, has_center, &fe);
        st->username = lower;
        st->role = role_name(role);
        st->province = province;
        st->county = has_county ? arena_sprintf(rc->arena, "%lld", (long long)county) : NULL;
        st->center = has_center ? arena_sprintf(rc->arena, "%lld", (long long)center) : NULL;
        st->full_name = body_string(body, "full_name") ? clean_text(rc, body_string(body, "full_name"), "full_name", &fe)
                                                       : NULL;
        if (st->full_name && !st->full_name[0])
            field_error_coded(&fe, "full_name", "empty", "نام و نام خانوادگی نباید خالی باشد.", "must not be empty");
        if (!fe.list) {
            /* Above or outside the caller's scope: refused here, and again by row-level security. A county or
             * center given without a province is checked for its province by the database. */
            const char *target_province = province ? province : (role_level(role) >= 2 ? rc->who.province : NULL);
            if (!may_manage_user(&rc->who, role, target_province)) {
                req_deny(rc, "You may not create a user with this role or outside your scope.");
                return;
            }
        }
    }
    if (fe.list) {
        reply_problem_fields(rc, 422, "The user was not created.", &fe);
        return;
    }
    st->rc = rc;
    snprintf(st->password, sizeof(st->password), "%s", body_string(body, "password"));
    st->task.work = user_hash_work;
    st->task.done = user_hash_done;
    st->task.arg = st;
    if (!crypto_pool_submit(rc->w->base, &st->task))
        reply_problem(rc, 503, "Too many password operations at once; try again shortly.");
}

/* Read, list ------------------------------------------------------------------------------------------------- */

static void user_got(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (!req_job_ok(rc, job))
        return;
    const PGresult *r = job->res[1];
    if (db_nrows(r) != 1 || !user_row_in_scope(rc, r, 0)) {
        reply_problem(rc, 404, "No such user.");
        return;
    }
    reply_user(rc, 200, r);
}

static const char *id_param(req_ctx *rc)
{
    const char *raw = req_path_param(rc, 0);
    if (!raw)
        return NULL;
    int64_t id;
    if (parse_int64_digits(raw, &id) != 0 || id <= 0) {
        reply_problem(rc, 404, "No such user.");
        return NULL;
    }
    return arena_sprintf(rc->arena, "%lld", (long long)id);
}

void handle_users_get(req_ctx *rc)
{
    const char *id = id_param(rc);
    if (!id)
        return;
    req_job_begin(rc, true);
    db_query_param(db_job_add(&rc->job, stmt_get), id);
    rc->job.retry_safe = true;
    req_db_submit(rc, user_got);
}

static void users_listed(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (!req_job_ok(rc, job))
        return;
    const PGresult *r = job->res[1];
    for (int i = 0; i < db_nrows(r); i++)
        if (!user_row_in_scope(rc, r, i)) {
            log_msg(LOG_ERROR, rc->request_id, "users list returned a row outside the caller's scope");
            reply_problem(rc, 500, "Internal error; quote the request id when reporting it.");
            return;
        }
    reply_rows_list(rc, r, users.cols, users.ncols, rc->limit, &key_id, 1);
}

void handle_users_list(req_ctx *rc)
{
    list_request lr;
    if (!list_parse_or_reply(rc, users.filters, users.nfilters, LIST_CURSOR_ID, &lr))
        return;
    req_job_begin(rc, true);
    db_query *q = db_job_add(&rc->job, stmt_list);
    db_query_param(q, list_value(&lr, users.filters, users.nfilters, "role"));
    db_query_param(q, list_value(&lr, users.filters, users.nfilters, "province"));
    db_query_param(q, lr.after);
    db_query_param(q, lr.limit);
    db_query_param(q, list_value(&lr, users.filters, users.nfilters, "updated_since"));
    rc->job.retry_safe = true;
    req_db_submit(rc, users_listed);
}

/* Update ------------------------------------------------------------------------------------------------------ */

typedef struct user_patch_state {
    crypto_task task;
    req_ctx *rc;
    const char *id, *version;
    json_object *patch;     /* what the update statement receives */
    char password[1040];
    char hash[256];
    int rc_ok;
} user_patch_state;

static void user_updated(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    if (!req_job_ok(rc, job))
        return;
    const user_patch_state *st = rc->state;
    int first = st->hash[0] ? 2 : 1;
    const PGresult *upd = job->res[first], *exists = job->res[first + 1];
    if (db_nrows(upd) == 1) {
        /* role, scope, access or password may have changed: no thread may serve this user's reads from its session
         * cache until the database has said who they are again (the NOTIFY does the same for other processes) */
        session_cache_forget_all();
        reply_user(rc, 200, upd);
        return;
    }
    if (db_nrows(exists) != 1)
        reply_problem(rc, 404, "No such user.");
    else if (st->version[0] && strcmp(db_get(exists, 0, "version"), st->version) != 0)
        reply_problem(rc, 412, "The user changed since you read it; read it again and reapply your change.");
    else
        reply_problem(rc, 403, "You may see this user but not change it.");
}

static void user_patch_send(req_ctx *rc, user_patch_state *st)
{
    req_job_begin(rc, false);
    if (st->hash[0]) {
        db_query *p = db_job_add(&rc->job, stmt_set_password);
        db_query_param(p, st->id);
        db_query_param(p, st->hash);
        db_query_param(p, st->version);
        json_object_object_add(st->patch, "password_reset", json_object_new_boolean(1));
    }
    db_query *q = db_job_add(&rc->job, stmt_update);
    db_query_param(q, st->id);
    db_query_param(q, st->version);
    db_query_param(q, json_object_to_json_string_ext(st->patch, JSON_C_TO_STRING_PLAIN));
    db_query_param(db_job_add(&rc->job, stmt_exists), st->id);
    req_db_submit(rc, user_updated);
}

static void user_patch_hash_work(crypto_task *t)
{
    user_patch_state *st = t->arg;
    st->rc_ok = password_hash(st->password, st->hash, sizeof(st->hash));
    memset(st->password, 0, sizeof(st->password));
}

static void user_patch_hash_done(crypto_task *t)
{
    user_patch_state *st = t->arg;
    if (st->rc_ok != 0) {
        reply_problem(st->rc, 500, "Internal error; quote the request id when reporting it.");
        return;
    }
    user_patch_send(st->rc, st);
}

void handle_users_patch(req_ctx *rc)
{
    if (!role_may_manage_users(rc->who.role)) {
        req_deny(rc, "Your role may read users but not change them.");
        return;
    }
    const char *id = id_param(rc);
    if (!id)
        return;
    const char *version = req_if_match(rc, "user", id, NULL);
    if (!version)
        return;
    json_object *body = req_json_body(rc);
    if (!body)
        return;
    field_errors fe = {0};
    user_patch_state *st = arena_calloc(rc->arena, sizeof(*st));
    st->rc = rc;
    rc->state = st;
    st->id = id;
    st->version = version;
    st->patch = json_object_new_object();
    req_own_json(rc, st->patch);
    if (validate_fields_fa(body, users.update_fields, users.update_labels_fa, users.nupdate_fields, true, &fe)) {
        const char *province = body_string(body, "province");
        if (province && !(province = req_province_code(rc, province)))
            field_error_coded(&fe, "province", "not_a_province", "استان شناخته نیست.", "must be a province code such as IR-08");
        const char *reason;
        const char *pw = body_string(body, "password");
        if (pw && password_check_strength(pw, "", &reason) != 0)
            field_error_password_rule(&fe, "password", reason);
        if (body_has(body, "role")) {
            user_role role = role_parse(body_string(body, "role"));
            const char *target_province = province ? province : rc->who.province;
            if (!fe.list && !may_manage_user(&rc->who, role, target_province)) {
                req_deny(rc, "You may not give this role, or a scope outside yours.");
                return;
            }
        }
        json_object_object_foreach(body, key, val)
        {
            if (!strcmp(key, "password"))
                continue;
            if (!strcmp(key, "province") && province)
                json_object_object_add(st->patch, key, json_object_new_string(province));
            else if (!strcmp(key, "county_id") || !strcmp(key, "center_id")) {
                int64_t v;
                if (body_int(body, key, &v))
                    json_object_object_add(st->patch, key, json_object_new_int64(v));
                else
                    json_object_object_add(st->patch, key, NULL);
            } else if (!strcmp(key, "full_name") && val) {
                /* stored clean like every name; blank clears it */
                const char *name = clean_text(rc, json_object_get_string(val), key, &fe);
                if (name)
                    json_object_object_add(st->patch, key, name[0] ? json_object_new_string(name) : NULL);
            } else
                json_object_object_add(st->patch, key, val ? json_object_get(val) : NULL);
        }
        if (pw)
            snprintf(st->password, sizeof(st->password), "%s", pw);
    }
    if (!fe.list && json_object_object_length(body) == 0)
        field_error(&fe, "", "nothing to change: send the fields to change");
    if (fe.list) {
        reply_problem_fields(rc, 422, "The user was not changed.", &fe);
        return;
    }
    if (!st->password[0]) {
        user_patch_send(rc, st);
        return;
    }
    st->task.work = user_patch_hash_work;
    st->task.done = user_patch_hash_done;
    st->task.arg = st;
    if (!crypto_pool_submit(rc->w->base, &st->task))
        reply_problem(rc, 503, "Too many password operations at once; try again shortly.");
}
