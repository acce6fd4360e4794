#include "server/http/list.h"

#include "server/http/cursor.h"

void reply_rows_list(req_ctx *rc, const PGresult *r, const col_spec *cols, int ncols, int limit, const int *key_cols,
                     int nkey)
{
    int nrows = PQntuples(r);
    const char *next = NULL;
    if (nrows > limit) {
        nrows = limit;
        const char *vals[4];
        for (int i = 0; i < nkey && i < 4; i++)
            vals[i] = PQgetvalue(r, nrows - 1, key_cols[i]);
        next = cursor_encode(rc->arena, vals, nkey);
    }
    strbuf sb = STRBUF_INIT;
    if (rc->want_csv) {
        encode_list_csv(&sb, r, nrows, cols, ncols);
        if (next)
            req_add_header(rc, "X-Next-Cursor", next);
        reply_strbuf(rc, 200, "text/csv; charset=utf-8", &sb);
    } else {
        encode_list_json(&sb, r, nrows, cols, ncols, next);
        reply_strbuf(rc, 200, "application/json", &sb);
    }
}

void reply_bad_cursor(req_ctx *rc)
{
    field_errors fe = {0};
    field_error(&fe, "cursor", CURSOR_INVALID_MESSAGE);
    reply_problem_fields(rc, 400, "Invalid query parameter.", &fe);
}

/* what this server puts in a cursor: ids, numbers, codes; never Persian digits or other text a query could
 * choke on */
static bool cursor_value_ok(const char *v)
{
    if (!*v)
        return false;
    for (; *v; v++)
        if (!((*v >= '0' && *v <= '9') || (*v >= 'A' && *v <= 'Z') || (*v >= 'a' && *v <= 'z') || *v == '-' ||
              *v == '_' || *v == '.'))
            return false;
    return true;
}

bool req_cursor_values(req_ctx *rc, const char *cursor, const char **values, int nkey)
{
    for (int i = 0; i < nkey; i++)
        values[i] = NULL;
    if (!cursor)
        return true;
    char *v[4];
    bool ok = nkey <= 4 && cursor_decode(rc->arena, cursor, v, nkey) == 0;
    for (int i = 0; ok && i < nkey; i++)
        ok = cursor_value_ok(v[i]);
    if (!ok) {
        reply_bad_cursor(rc);
        return false;
    }
    for (int i = 0; i < nkey; i++)
        values[i] = v[i];
    return true;
}
