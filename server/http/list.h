/*
 * list.h - the one way every list request is read (?limit=, ?cursor=, its filters) and answered (a keyset query
 * that fetched limit+1 rows, as JSON or CSV). Every problem of a list's query is collected and answered together
 * as one 400 "Invalid query parameter." with a field error each (a bad cursor included: field "cursor").
 */
#ifndef REGISTRY_LIST_H
#define REGISTRY_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/http/encode.h"
#include "server/http/request.h"

/* How a filter's value is read; each gives a normalised value (ASCII digits, a province's stored code). */
typedef enum {
    LF_NONE = 0,        /* not a filter */
    LF_ID,              /* a positive whole number, digits in any script (up to 2^63-1: a bigint column) */
    LF_ID32,            /* the same up to 2^31-1 (an integer column: a county's id); a field's LF_ID filter over
                           an integer column is read as this one (describe.c) */
    LF_ENUM,            /* one of choices */
    LF_PROVINCE,        /* a province code such as IR-08 (digits in any script) */
    LF_NATIONAL_ID,     /* ten digits, check digit verified */
    LF_WORD,            /* lower-case letters and '_', at most 40 (audit entity and action names) */
    LF_JALALI_YEAR,     /* a Jalali (fiscal) year, 1300 to 1500, digits in any script */
    LF_SEARCH,          /* ?q=: valid UTF-8 text of at most 200 bytes; the value is its search key (textnorm.h) as
                           a LIKE pattern, '%key%' with %, _ and \ escaped */
    LF_DATE_FROM,       /* a date YYYY-MM-DD (digits in any script) the field is on or after (a range's start) */
    LF_DATE_TO,         /* a date the field is on or before (a range's end); the value of both is ISO */
    LF_TIMESTAMP,       /* ?updated_since=: an RFC 3339 timestamp with its offset (2026-01-05T08:30:00Z,
                           ...+03:30, fractions of a second too) or a date (its midnight UTC); the value is the
                           instant in UTC, ISO text PostgreSQL reads as timestamptz. Rows with updated_at at or
                           after it match (describe.c gives it to every described list whose rows have updated_at) */
} list_filter_kind;

typedef struct list_filter {
    const char *name;               /* the query parameter */
    list_filter_kind kind;
    const char *const *choices;     /* LF_ENUM */
    const char *message;            /* the English error when not the kind's usual one (e.g. "is not a role") */
} list_filter;

#define LIST_MAX_FILTERS 16

/* The updated_since filter of a list of records with updated_at */
#define LIST_UPDATED_SINCE_FILTER ((list_filter){"updated_since", LF_TIMESTAMP, NULL, NULL})
/* The pure core of LF_TIMESTAMP: text as "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" in out (at least 32 bytes); false when it
 * is neither an RFC 3339 date-time with an offset (Z or +hh:mm / -hh:mm; 'T' or 't' or a space between) nor a date
 * (YYYY-MM-DD, its midnight UTC), or names a day or time that does not exist. Years 0001 to 9999. */
bool list_timestamp_parse(const char *text, char *out, size_t outlen);

/* The name search of a list that has one: after its other filters */
#define LIST_SEARCH_FILTER ((list_filter){"q", LF_SEARCH, NULL, NULL})

/* What the sort key in a cursor may be. */
typedef enum {
    LIST_CURSOR_ID = 0,             /* a positive id (the usual ORDER BY t.id) */
    LIST_CURSOR_ID32,               /* a positive id of an integer column (counties) */
    LIST_CURSOR_TEXT,               /* any value this server writes (a province code) */
    LIST_CURSOR_ID_N,               /* a positive id and a position in it, 0 to 2^31-1 (a loan's installment) */
} list_cursor_kind;

/* ?count=true on a described list: "total" counted up to this many rows; past it "total" is this and
 * "total_is_lower_bound" true */
#define LIST_COUNT_CAP 10000
#define LIST_COUNT_DOC                                                                                             \
    "true: total counts every row of the filter, up to 10000 (past it: 10000 and total_is_lower_bound true); CSV " \
    "gets it as X-Total-Count (and X-Total-Count-Is-Lower-Bound: true)"

typedef struct list_request {
    const char *after;                          /* the cursor's key, or NULL for the first page */
    const char *after_n;                        /* LIST_CURSOR_ID_N: the key's position, with after */
    const char *limit;                          /* limit + 1 as text (rc->limit is the page size) */
    const char *values[LIST_MAX_FILTERS];       /* each filter's normalised value, or NULL when not given */
    bool count;                                 /* ?count=true (only lists that declare it take it) */
} list_request;

/* The pure core: reads limit, cursor and filters into out, adding a field error (with its code) for each
 * problem; sets rc->limit. True when there was none. Never replies. */
#define LIST_DEFAULT_LIMIT 50
#define LIST_MAX_LIMIT 500
/* ?limit= as text (NULL: absent): 1..500 in any digit script, LIST_DEFAULT_LIMIT when absent; false after adding a
 * field error (the pure core of list_parse's page size, which the request-target fuzzer calls). */
bool list_limit_parse(const char *text, int *limit, field_errors *fe);
bool list_parse(req_ctx *rc, const list_filter *filters, int nfilters, list_cursor_kind cursor, list_request *out,
                field_errors *fe);
/* The same, replying 400 with every problem; false after replying. */
bool list_parse_or_reply(req_ctx *rc, const list_filter *filters, int nfilters, list_cursor_kind cursor,
                         list_request *out);
/* The value list_parse read for the filter named name (NULL when not given); name must be one of filters. */
const char *list_value(const list_request *lr, const list_filter *filters, int nfilters, const char *name);
/* One filter's value (NULL when absent or bad; bad adds a field error). */
const char *list_filter_value(req_ctx *rc, const list_filter *f, field_errors *fe);

/* JSON {"items","next_cursor"} or, when the negotiated reply is CSV (rc->want_csv), CSV (next page's cursor in the
 * X-Next-Cursor header); while there is a next page, either way, a Link header to it (list_next_link). key_cols
 * are the result columns of the sort key, stored in the cursor. */
void reply_rows_list(req_ctx *rc, const PGresult *r, const col_spec *cols, int ncols, int limit, const int *key_cols,
                     int nkey);

/* The Link header's value for the next page: <path?query>; rel="next", the request's own path (raw, as routed) and
 * query (decoded, re-encoded here) with cursor set to next (percent-encoded; relative, as RFC 8288 allows), the
 * other parameters in their order. In a. */
const char *list_next_link(arena *a, const char *path, const struct evkeyvalq *query, const char *next);

/* ?count=true: adds to rc->job the query that counts the list's rows, a copy of list (its statement's count, same
 * parameters) without the cursor and with LIST_COUNT_CAP + 1 as the limit; reply_rows_list then adds "total" and
 * "total_is_lower_bound" to JSON, the headers X-Total-Count (and X-Total-Count-Is-Lower-Bound: true) to CSV. */
void list_add_count(req_ctx *rc, const db_query *list, int count_stmt);

/* Decodes ?cursor= into nkey values (NULLs when there is no cursor), each non-empty plain ASCII (letters, digits,
 * '-', '_', '.'), as this server writes them. Returns false after replying 400. For lists sorted by more than one
 * key (list_parse reads one). */
bool req_cursor_values(req_ctx *rc, const char *cursor, const char **values, int nkey);

/* Every bad cursor, whatever is wrong with it, gets the same 400 with this field message (code cursor.invalid). */
#define CURSOR_INVALID_MESSAGE "is not a cursor from this list; start again without it"
void reply_bad_cursor(req_ctx *rc);
/* The field error of a bad cursor, for lists that check the cursor's values themselves. */
void list_bad_cursor(field_errors *fe);

#endif
