#include "server/http/encode.h"

#include <stdbool.h>
#include <string.h>

#include "common/jalali.h"

static void put_jalali(strbuf *sb, const char *iso)
{
    ymd g, j;
    char out[11];
    if (date_parse_iso(iso, &g) == 0 && gregorian_to_jalali(g, &j) == 0) {
        date_format(j, out);
        strbuf_putc(sb, '"');
        strbuf_puts(sb, out);
        strbuf_putc(sb, '"');
    } else
        strbuf_puts(sb, "null");
}

static bool digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

void encode_timestamp(strbuf *sb, const char *v)
{
    /* YYYY-MM-DD HH:MM:SS[.ffffff]+00 */
    const char *t = v + 19;
    bool ok = strlen(v) >= 22 && digits(v, 4) && v[4] == '-' && digits(v + 5, 2) && v[7] == '-' &&
              digits(v + 8, 2) && v[10] == ' ' && digits(v + 11, 2) && v[13] == ':' && digits(v + 14, 2) &&
              v[16] == ':' && digits(v + 17, 2);
    if (ok && *t == '.') {
        t++;
        while (*t >= '0' && *t <= '9')
            t++;
    }
    if (!ok || strcmp(t, "+00") != 0) {
        strbuf_puts(sb, v);
        return;
    }
    strbuf_append(sb, v, 10);
    strbuf_putc(sb, 'T');
    strbuf_append(sb, v + 11, 8);
    strbuf_putc(sb, 'Z');
}

int encode_pg_array(strbuf *sb, const char *v)
{
    size_t start = sb->len;
    if (*v++ != '{')
        return -1;
    strbuf_putc(sb, '[');
    if (*v == '}' && !v[1]) {
        strbuf_putc(sb, ']');
        return 0;
    }
    for (int n = 0;; n++) {
        strbuf el = STRBUF_INIT;
        bool quoted = *v == '"';
        if (quoted) {
            for (v++; *v && *v != '"'; v++) {
                if (*v == '\\' && v[1])
                    v++;
                strbuf_putc(&el, *v);
            }
            if (*v++ != '"')
                goto bad;
        } else {
            size_t len = strcspn(v, ",}");
            if (len == 0)
                goto bad;
            strbuf_append(&el, v, len);
            v += len;
        }
        if (n)
            strbuf_puts(sb, ", ");
        if (!quoted && strcmp(el.data, "NULL") == 0)
            strbuf_puts(sb, "null");
        else
            strbuf_json_string(sb, el.data);
        strbuf_free(&el);
        if (*v == '}' && !v[1])
            break;
        if (*v++ != ',')
            goto bad_after;
        continue;
    bad:
        strbuf_free(&el);
    bad_after:
        sb->len = start;
        if (sb->data)
            sb->data[start] = '\0';
        return -1;
    }
    strbuf_putc(sb, ']');
    return 0;
}

/* {"type": "...", "severity": "..."} from columns c and c + 1, as jsonb_build_object printed it */
static void put_type_severity(strbuf *sb, const PGresult *r, int row, int c)
{
    strbuf_puts(sb, "{\"type\": ");
    strbuf_json_string(sb, PQgetvalue(r, row, c));
    strbuf_puts(sb, ", \"severity\": ");
    if (PQgetisnull(r, row, c + 1))
        strbuf_puts(sb, "null");
    else
        strbuf_json_string(sb, PQgetvalue(r, row, c + 1));
    strbuf_putc(sb, '}');
}

void encode_row_json(strbuf *sb, const PGresult *r, int row, const col_spec *cols, int ncols)
{
    strbuf_putc(sb, '{');
    bool first = true;
    for (int c = 0; c < ncols; c++) {
        if (cols[c].type == COL_HIDDEN)
            continue;
        if (!first)
            strbuf_putc(sb, ',');
        first = false;
        strbuf_putc(sb, '"');
        strbuf_puts(sb, cols[c].name);
        strbuf_puts(sb, "\":");
        bool null = PQgetisnull(r, row, c);
        const char *v = PQgetvalue(r, row, c);
        switch (cols[c].type) {
        case COL_TEXT:
            if (null)
                strbuf_puts(sb, "null");
            else
                strbuf_json_string(sb, v);
            break;
        case COL_TIMESTAMP:
            if (null)
                strbuf_puts(sb, "null");
            else {
                strbuf_putc(sb, '"');
                encode_timestamp(sb, v);
                strbuf_putc(sb, '"');
            }
            break;
        case COL_TEXT_ARRAY:
            if (null || encode_pg_array(sb, v) != 0)
                strbuf_puts(sb, "null");
            break;
        case COL_TYPE_SEVERITY:
            if (null)
                strbuf_puts(sb, "null");
            else
                put_type_severity(sb, r, row, c);
            break;
        case COL_INT:
        case COL_JSON:
            strbuf_puts(sb, null ? "null" : v);
            break;
        case COL_HIDDEN:
            break;
        case COL_BOOL:
            strbuf_puts(sb, null ? "null" : (v[0] == 't' ? "true" : "false"));
            break;
        case COL_DATE:
            if (null)
                strbuf_puts(sb, "null");
            else
                strbuf_json_string(sb, v);
            strbuf_puts(sb, ",\"");
            strbuf_puts(sb, cols[c].name);
            strbuf_puts(sb, "_jalali\":");
            if (null)
                strbuf_puts(sb, "null");
            else
                put_jalali(sb, v);
            break;
        }
    }
    strbuf_putc(sb, '}');
}

void encode_list_json(strbuf *sb, const PGresult *r, int nrows, const col_spec *cols, int ncols,
                      const char *next_cursor)
{
    strbuf_reserve(sb, (size_t)nrows * 128 + 64);
    strbuf_puts(sb, "{\"items\":[");
    for (int i = 0; i < nrows; i++) {
        if (i)
            strbuf_putc(sb, ',');
        encode_row_json(sb, r, i, cols, ncols);
    }
    strbuf_puts(sb, "],\"next_cursor\":");
    if (next_cursor)
        strbuf_json_string(sb, next_cursor);
    else
        strbuf_puts(sb, "null");
    strbuf_putc(sb, '}');
}

static void csv_cell(strbuf *sb, const char *v, bool text)
{
    bool formula = text && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r');
    if (!formula && !v[strcspn(v, ",\"\r\n")]) {
        strbuf_puts(sb, v);
        return;
    }
    strbuf_putc(sb, '"');
    if (formula)
        strbuf_putc(sb, '\'');
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            strbuf_putc(sb, '"');
        strbuf_putc(sb, *p);
    }
    strbuf_putc(sb, '"');
}

void encode_list_csv(strbuf *sb, const PGresult *r, int nrows, const col_spec *cols, int ncols)
{
    strbuf_puts(sb, "\xEF\xBB\xBF");
    bool first = true;
    for (int c = 0; c < ncols; c++) {
        if (cols[c].type == COL_HIDDEN)
            continue;
        if (!first)
            strbuf_putc(sb, ',');
        first = false;
        strbuf_puts(sb, cols[c].name);
        if (cols[c].type == COL_DATE) {
            strbuf_puts(sb, ",");
            strbuf_puts(sb, cols[c].name);
            strbuf_puts(sb, "_jalali");
        }
    }
    strbuf_puts(sb, "\r\n");
    for (int i = 0; i < nrows; i++) {
        first = true;
        for (int c = 0; c < ncols; c++) {
            if (cols[c].type == COL_HIDDEN)
                continue;
            if (!first)
                strbuf_putc(sb, ',');
            first = false;
            bool null = PQgetisnull(r, i, c);
            const char *v = null ? "" : PQgetvalue(r, i, c);
            strbuf made = STRBUF_INIT;     /* a cell written here rather than by PostgreSQL */
            if (cols[c].type == COL_BOOL && !null)
                v = v[0] == 't' ? "true" : "false";
            else if (cols[c].type == COL_TIMESTAMP && !null)
                encode_timestamp(&made, v);
            else if (cols[c].type == COL_TEXT_ARRAY && !null && encode_pg_array(&made, v) != 0)
                v = "";
            else if (cols[c].type == COL_TYPE_SEVERITY && !null)
                put_type_severity(&made, r, i, c);
            if (made.data)
                v = made.data;
            csv_cell(sb, v, cols[c].type == COL_TEXT || cols[c].type == COL_JSON || cols[c].type == COL_TEXT_ARRAY ||
                                cols[c].type == COL_TYPE_SEVERITY);
            strbuf_free(&made);
            if (cols[c].type == COL_DATE) {
                strbuf_putc(sb, ',');
                ymd g, j;
                char out[11];
                if (!null && date_parse_iso(v, &g) == 0 && gregorian_to_jalali(g, &j) == 0) {
                    date_format(j, out);
                    strbuf_puts(sb, out);
                }
            }
        }
        strbuf_puts(sb, "\r\n");
    }
}
