#include "server/http/list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/http.h>

#include "common/digits.h"
#include "common/jalali.h"
#include "common/log.h"
#include "common/national_id.h"
#include "common/textnorm.h"
#include "server/http/cursor.h"
#include "server/http/validate.h"

const char *list_next_link(arena *a, const char *path, const struct evkeyvalq *query, const char *next)
{
    strbuf sb = STRBUF_INIT;
    strbuf_putc(&sb, '<');
    /* the path as it came (routed, so percent-encoded already), with anything a URL may not hold escaped */
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~!$&'()*+,;=:@/%", *p))
            strbuf_putc(&sb, (char)*p);
        else
            strbuf_printf(&sb, "%%%02X", *p);
    char sep = '?';
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, query, next) {
        if (!strcmp(kv->key, "cursor"))
            continue;
        char *k = evhttp_uriencode(kv->key, -1, 0), *v = evhttp_uriencode(kv->value, -1, 0);
        strbuf_printf(&sb, "%c%s=%s", sep, k ? k : "", v ? v : "");
        free(k);
        free(v);
        sep = '&';
    }
    char *c = evhttp_uriencode(next, -1, 0);
    strbuf_printf(&sb, "%ccursor=%s>; rel=\"next\"", sep, c ? c : "");
    free(c);
    const char *out = arena_strdup(a, sb.data);
    strbuf_free(&sb);
    return out;
}

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
        /* RFC 8288: the next page's URL beside next_cursor, in JSON and CSV alike */
        req_add_header(rc, "Link", list_next_link(rc->arena, rc->path, &rc->query, next));
    }
    strbuf sb = STRBUF_INIT;
    /* ?count=true: the job's count of the filter's rows (list_add_count) */
    const PGresult *c = rc->count_query > 0 && rc->count_query < rc->job.n ? rc->job.res[rc->count_query] : NULL;
    long long total = c && PQntuples(c) == 1 ? atoll(PQgetvalue(c, 0, 0)) : -1;
    bool lower_bound = total > LIST_COUNT_CAP;
    if (lower_bound)
        total = LIST_COUNT_CAP;
    if (rc->want_csv) {
        if (total >= 0) {
            req_add_header(rc, "X-Total-Count", arena_sprintf(rc->arena, "%lld", total));
            if (lower_bound)
                req_add_header(rc, "X-Total-Count-Is-Lower-Bound", "true");
        }
        encode_list_csv(&sb, r, nrows, cols, ncols);
        if (next)
            req_add_header(rc, "X-Next-Cursor", next);
        reply_strbuf(rc, 200, "text/csv; charset=utf-8", &sb);
    } else {
        encode_list_json(&sb, r, nrows, cols, ncols, next);
        if (total >= 0 && sb.len && sb.data[sb.len - 1] == '}') {
            sb.len--;   /* the object goes on: {"items","next_cursor","total","total_is_lower_bound"} */
            strbuf_printf(&sb, ",\"total\":%lld,\"total_is_lower_bound\":%s}", total,
                          lower_bound ? "true" : "false");
        }
        reply_strbuf(rc, 200, "application/json", &sb);
    }
}

void list_add_count(req_ctx *rc, const db_query *list, int count_stmt)
{
    db_query *c = db_job_add(&rc->job, count_stmt);
    *c = *list;
    c->stmt = count_stmt;
    if (c->nparams >= 2) {     /* the list's last two: the cursor, the limit */
        c->values[c->nparams - 2] = NULL;
        c->values[c->nparams - 1] = arena_sprintf(rc->arena, "%d", LIST_COUNT_CAP + 1);
    }
    rc->count_query = rc->job.n - 1;
}

void list_bad_cursor(field_errors *fe)
{
    field_error_coded(fe, "cursor", "invalid", "این نشانگر (cursor) از این فهرست نیست؛ بدون آن از نو شروع کنید.",
                      CURSOR_INVALID_MESSAGE);
}

void reply_bad_cursor(req_ctx *rc)
{
    field_errors fe = {0};
    list_bad_cursor(&fe);
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

/* the cursor's nkey values into values; false when it is not one this server wrote */
static bool cursor_values(req_ctx *rc, const char *cursor, const char **values, int nkey)
{
    for (int i = 0; i < nkey; i++)
        values[i] = NULL;
    if (!cursor)
        return true;
    char *v[4];
    bool ok = nkey <= 4 && cursor_decode(rc->arena, cursor, v, nkey) == 0;
    for (int i = 0; ok && i < nkey; i++)
        ok = cursor_value_ok(v[i]);
    for (int i = 0; ok && i < nkey; i++)
        values[i] = v[i];
    return ok;
}

bool req_cursor_values(req_ctx *rc, const char *cursor, const char **values, int nkey)
{
    if (!cursor_values(rc, cursor, values, nkey)) {
        reply_bad_cursor(rc);
        return false;
    }
    return true;
}

/* ?updated_since= ---------------------------------------------------------------------------------------------- */

/* n ASCII digits at s as a number; -1 when one is not a digit */
static int digits_at(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

/* days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil), and back */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

bool list_timestamp_parse(const char *s, char *out, size_t outlen)
{
    if (!s || outlen < 32)
        return false;
    size_t len = strlen(s);
    if (len < 10 || s[4] != '-' || s[7] != '-')
        return false;
    int y = digits_at(s, 4), mo = digits_at(s + 5, 2), d = digits_at(s + 8, 2);
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return false;
    int h = 0, mi = 0, sec = 0, off = 0;    /* off: minutes east of UTC */
    char frac[8] = "";
    if (len > 10) {
        const char *t = s + 10;
        if ((*t != 'T' && *t != 't' && *t != ' ') || len < 20 || t[3] != ':' || t[6] != ':')
            return false;
        h = digits_at(t + 1, 2);
        mi = digits_at(t + 4, 2);
        sec = digits_at(t + 7, 2);
        /* 60: RFC 3339's leap second; PostgreSQL reads it as the next minute's first second */
        if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
            return false;
        const char *p = t + 9;
        if (*p == '.') {
            size_t nf = strspn(p + 1, "0123456789");
            if (nf == 0 || nf > 9)
                return false;
            snprintf(frac, sizeof(frac), ".%.*s", (int)(nf > 6 ? 6 : nf), p + 1);   /* microseconds, as stored */
            p += 1 + nf;
        }
        if ((*p == 'Z' || *p == 'z') && !p[1])
            off = 0;
        else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
            int oh = digits_at(p + 1, 2), om = digits_at(p + 4, 2);
            if (oh < 0 || oh > 23 || om < 0 || om > 59)
                return false;
            off = (*p == '-' ? -1 : 1) * (oh * 60 + om);
        } else
            return false;
    }
    /* the same instant in UTC */
    int64_t minutes = (days_from_civil(y, mo, d) * 24 + h) * 60 + mi - off;
    int64_t days = minutes >= 0 ? minutes / 1440 : -((-minutes + 1439) / 1440);
    int64_t in_day = minutes - days * 1440;
    int64_t uy;
    int um, ud;
    civil_from_days(days, &uy, &um, &ud);
    if (uy < 1 || uy > 9999)
        return false;
    snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", (int)uy, um, ud, (int)(in_day / 60), (int)(in_day % 60),
             sec, frac);
    return true;
}

/* The one list parser ---------------------------------------------------------------------------------------- */

static void bad_filter(field_errors *fe, const list_filter *f, const char *reason, const char *en, const char *fa)
{
    char msg[256];
    snprintf(msg, sizeof(msg), "%s: %s", f->name, fa);
    field_error_coded(fe, f->name, reason, msg, "%s", f->message ? f->message : en);
}

const char *list_filter_value(req_ctx *rc, const list_filter *f, field_errors *fe)
{
    const char *v = req_query(rc, f->name);
    if (!v)
        return NULL;
    int64_t n;
    switch (f->kind) {
    case LF_ID:
        if (parse_int64_digits(v, &n) != 0 || n <= 0) {
            bad_filter(fe, f, "invalid", "must be a positive whole number", "باید عدد صحیح مثبت باشد.");
            return NULL;
        }
        return arena_sprintf(rc->arena, "%lld", (long long)n);
    case LF_ID32:
        if (parse_int64_digits(v, &n) != 0 || n <= 0) {
            bad_filter(fe, f, "invalid", "must be a positive whole number", "باید عدد صحیح مثبت باشد.");
            return NULL;
        }
        if (n > 2147483647) {
            bad_filter(fe, f, "range", "must be a whole number from 1 to 2147483647",
                       "باید عدد صحیحی از ۱ تا ۲۱۴۷۴۸۳۶۴۷ باشد.");
            return NULL;
        }
        return arena_sprintf(rc->arena, "%lld", (long long)n);
    case LF_ENUM:
        for (const char *const *c = f->choices; *c; c++)
            if (!strcmp(*c, v))
                return *c;
        bad_filter(fe, f, "choice", "is not one of the allowed values", "از مقادیر مجاز نیست.");
        return NULL;
    case LF_PROVINCE: {
        const char *code = req_province_code(rc, v);
        if (!code)
            bad_filter(fe, f, "invalid", "must be a province code such as IR-08", "باید کد استان مانند IR-08 باشد.");
        return code;
    }
    case LF_NATIONAL_ID: {
        char out[11];
        int err = national_id_normalize(v, out);
        if (err != NATIONAL_ID_OK) {
            field_error_national_id(fe, f->name, NULL, err);
            return NULL;
        }
        return arena_strdup(rc->arena, out);
    }
    case LF_WORD: {
        size_t len = strlen(v);
        if (len == 0 || len > 40 || strspn(v, "abcdefghijklmnopqrstuvwxyz_") != len) {
            bad_filter(fe, f, "invalid", "must be a name such as client or read (lower-case letters and _)",
                       "باید نامی مانند client یا read باشد (حروف کوچک لاتین و _).");
            return NULL;
        }
        return v;
    }
    case LF_JALALI_YEAR:
        if (parse_int64_digits(v, &n) != 0 || n < 1300 || n > 1500) {
            bad_filter(fe, f, "invalid", "must be a Jalali year such as 1403", "باید سال شمسی مانند ۱۴۰۳ باشد.");
            return NULL;
        }
        return arena_sprintf(rc->arena, "%lld", (long long)n);
    case LF_SEARCH: {
        size_t len = strlen(v);
        char *key = arena_alloc(rc->arena, len + 1);
        if (len > 200 || textnorm_search_key(v, key, len + 1) == (size_t)-1) {
            bad_filter(fe, f, "invalid", "must be valid UTF-8 text of at most 200 characters",
                       "باید متن UTF-8 معتبر با حداکثر ۲۰۰ نویسه باشد.");
            return NULL;
        }
        char *pat = arena_alloc(rc->arena, 2 * strlen(key) + 3), *p = pat;
        *p++ = '%';
        for (const char *k = key; *k; k++) {
            if (*k == '%' || *k == '_' || *k == '\\')
                *p++ = '\\';
            *p++ = *k;
        }
        *p++ = '%';
        *p = '\0';
        return pat;
    }
    case LF_DATE_FROM:
    case LF_DATE_TO: {
        ymd d;
        if (date_parse_iso(v, &d) != 0) {
            bad_filter(fe, f, "invalid", "must be a date YYYY-MM-DD", "باید تاریخی به شکل YYYY-MM-DD باشد.");
            return NULL;
        }
        char *iso = arena_alloc(rc->arena, 11);
        date_format(d, iso);
        return iso;
    }
    case LF_TIMESTAMP: {
        char *out = arena_alloc(rc->arena, 40);
        if (!list_timestamp_parse(v, out, 40)) {
            bad_filter(fe, f, "invalid",
                       "must be an RFC 3339 timestamp with its offset, such as 2026-01-05T08:30:00Z or "
                       "2026-01-05T12:00:00+03:30, or a date such as 2026-01-05",
                       "باید زمانی به قالب RFC 3339 با اختلاف ساعت، مانند 2026-01-05T08:30:00Z یا "
                       "2026-01-05T12:00:00+03:30، یا تاریخی مانند 2026-01-05 باشد.");
            return NULL;
        }
        return out;
    }
    case LF_NONE:
        break;
    }
    return NULL;
}

bool list_limit_parse(const char *text, int *limit, field_errors *fe)
{
    *limit = LIST_DEFAULT_LIMIT;
    int64_t v;
    if (!text)
        return true;
    if (parse_int64_digits(text, &v) != 0 || v < 1 || v > LIST_MAX_LIMIT) {
        field_error_coded(fe, "limit", "range", "limit باید عدد صحیحی از ۱ تا ۵۰۰ باشد.",
                          "must be a whole number from 1 to 500");
        return false;
    }
    *limit = (int)v;
    return true;
}

bool list_parse(req_ctx *rc, const list_filter *filters, int nfilters, list_cursor_kind cursor, list_request *out,
                field_errors *fe)
{
    memset(out, 0, sizeof(*out));
    list_limit_parse(req_query(rc, "limit"), &rc->limit, fe);
    const char *count = req_query(rc, "count");
    if (count && strcmp(count, "true") && strcmp(count, "false"))
        field_error_coded(fe, "count", "choice", "count باید true یا false باشد.", "must be true or false");
    out->count = count && !strcmp(count, "true");
    int64_t v;
    out->limit = arena_sprintf(rc->arena, "%d", rc->limit + 1);
    const char *c = req_query(rc, "cursor");
    if (c && *c) {
        const char *key[2];
        int64_t n;
        bool two = cursor == LIST_CURSOR_ID_N;
        if (!cursor_values(rc, c, key, two ? 2 : 1) ||
            (cursor != LIST_CURSOR_TEXT && (parse_int64_digits(key[0], &v) != 0 || v <= 0)) ||
            (cursor == LIST_CURSOR_ID32 && v > 2147483647) ||
            (two && (parse_int64_digits(key[1], &n) != 0 || n < 0 || n > 2147483647)))
            list_bad_cursor(fe);
        else {
            out->after = key[0];
            out->after_n = two ? key[1] : NULL;
        }
    }
    /* a search is read once everything else passed: the reply names the bad filters alone (what
     * test_registry's test_a_bad_filter_with_a_bad_search_names_the_filter asserts) */
    for (int i = 0; i < nfilters && i < LIST_MAX_FILTERS; i++)
        if (filters[i].kind != LF_SEARCH)
            out->values[i] = list_filter_value(rc, &filters[i], fe);
    for (int i = 0; i < nfilters && i < LIST_MAX_FILTERS; i++)
        if (filters[i].kind == LF_SEARCH && !fe->list)
            out->values[i] = list_filter_value(rc, &filters[i], fe);
    return !fe->list;
}

bool list_parse_or_reply(req_ctx *rc, const list_filter *filters, int nfilters, list_cursor_kind cursor,
                         list_request *out)
{
    field_errors fe = {0};
    if (list_parse(rc, filters, nfilters, cursor, out, &fe))
        return true;
    reply_problem_fields(rc, 400, "Invalid query parameter.", &fe);
    return false;
}


const char *list_value(const list_request *lr, const list_filter *filters, int nfilters, const char *name)
{
    for (int i = 0; i < nfilters; i++)
        if (!strcmp(filters[i].name, name))
            return lr->values[i];
    /* a handler asking for a filter its list does not have: a programming error every test reaching it finds */
    log_msg(LOG_ERROR, NULL, "list_value: no filter %s", name);
    abort();
}
