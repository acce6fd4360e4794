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
        case COL_TIMESTAMP:
            if (null)
                strbuf_puts(sb, "null");
            else
                strbuf_json_string(sb, v);
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
            if (cols[c].type == COL_BOOL && !null)
                v = v[0] == 't' ? "true" : "false";
            csv_cell(sb, v, cols[c].type == COL_TEXT || cols[c].type == COL_JSON);
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
