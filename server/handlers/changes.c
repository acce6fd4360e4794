/*
 * changes.c - GET /api/v1/changes?after=CURSOR[&entity=][&limit=][&wait=S]: the changes feed (migration 0024).
 * Every create, update, close and transfer of a record in the caller's scope, in commit order, as
 * {entity, id, action, version, at}, with next_cursor to continue. A page that found nothing keeps the cursor (or
 * moves it past changes of other scopes): a client polls with it.
 *
 * ?wait=S (1..60): when the page is empty the request waits without a database connection until a change is
 * committed (the trigger's pg_notify on registry_changes, naming the change's place, reaches every worker's
 * listening connection, which wakes that worker's waiting requests the place may concern to read again) or S
 * seconds pass (an empty page). A lost wake-up cannot happen:
 * each read notes how many notifications this worker had heard before it was sent, and one heard meanwhile sends it
 * to read again instead of waiting. A draining worker answers its waiting requests at once. At most
 * CHANGES_MAX_WAITING requests wait per worker; past that, 503 with Retry-After.
 *
 * Reading the feed is not audited: it tells ids, versions and times of records of the caller's scope, nothing of a
 * person (as the records' ETags do); what a follower then reads of a record is audited as any read.
 */
#include "server/handlers/handlers.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/digits.h"
#include "server/metrics.h"
#include "server/http/resource.h"

#define CHANGES_MAX_WAITING 256   /* waiting requests per worker */
#define CHANGES_MAX_WAIT_S 60

static const char *const entities[] = {"center", "staff", "household", "client", "enrollment", "service",
                                       "allocation", "campaign", "donation", "loan", "repayment", "submission", NULL};
static const char *const actions[] = {"create", "update", "close", "transfer_out", "transfer_in", NULL};

static const field_desc change_fields[] = {
    {.name = "entity", .column = "entity", .in = F_ENUM, .out = COL_TEXT, .choices = entities,
     .label_fa = "نوع رکورد", .label_en = "Entity", .example = "\"client\""},
    {.name = "id", .column = "entity_id", .out = COL_INT, .label_fa = "شناسه", .label_en = "Id", .example = "42"},
    {.name = "action", .column = "action", .in = F_ENUM, .out = COL_TEXT, .choices = actions,
     .label_fa = "تغییر", .label_en = "Action", .example = "\"update\"",
     .doc = "transfer_out: the record left this scope (drop it); transfer_in: it entered (fetch it)"},
    {.name = "version", .column = "version", .out = COL_INT, .label_fa = "نسخه", .label_en = "Version",
     .example = "2"},
    {.name = "at", .column = "at", .out = COL_TIMESTAMP, .label_fa = "زمان", .label_en = "At",
     .example = "\"2026-01-05T08:30:00Z\""},
};
static row_desc changes = {
    .schema = "Change",
    .fields = change_fields,
    .nfields = NCOLS(change_fields),
};

static const field_desc page_fields[] = {
    {.name = "items", .out = COL_JSON, .label_fa = "تغییرها", .label_en = "Changes",
     .schema = "{\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/Change\"}}",
     .example = "[{\"entity\": \"client\", \"id\": 42, \"action\": \"update\", \"version\": 2,"
                " \"at\": \"2026-01-05T08:30:00Z\"}]"},
    {.name = "next_cursor", .out = COL_TEXT, .label_fa = "نشانگر بعدی", .label_en = "Next cursor",
     .example = "\"1234\"", .doc = "the after of the next request; the same cursor when nothing new was found"},
};
static row_desc changes_page = {
    .schema = "ChangesPage",
    .fields = page_fields,
    .nfields = NCOLS(page_fields),
};

static int stmt_page, col_seq, col_head;
static col_spec page_cols[8];
static int npage_cols;

void changes_init(void)
{
    describe_rows_init(&changes);
    describe_rows_init(&changes_page);
    /* one statement, one snapshot: the page, and the highest seq committed in it (changes_head) */
    stmt_page = db_stmt_register(
        "changes_page",
        "SELECT c.entity, c.entity_id AS id, c.action, c.version, c.at, c.seq, h.head"
        " FROM changes_head() h (head) LEFT JOIN LATERAL (SELECT * FROM changes"
        " WHERE seq > $1::bigint AND ($2::text IS NULL OR entity = $2::text) ORDER BY seq LIMIT $3::integer) c"
        " ON true ORDER BY c.seq");
    npage_cols = changes.ncols;
    memcpy(page_cols, changes.cols, (size_t)npage_cols * sizeof(*page_cols));
    col_seq = npage_cols;
    page_cols[npage_cols++] = (col_spec){"seq", COL_HIDDEN};
    col_head = npage_cols;
    page_cols[npage_cols++] = (col_spec){"head", COL_HIDDEN};
    worker_changes_hook = changes_wake;
}

/* A request of the feed, and the waiting ones of this worker ------------------------------------------------- */

typedef struct feed {
    req_ctx *rc;
    const char *after;          /* the cursor: ASCII digits */
    const char *entity;         /* NULL: every entity */
    const char *limit;          /* limit + 1 */
    int wait_s;                 /* 0: no waiting */
    uint64_t deadline_us;       /* when the wait ends (set by the first wait) */
    uint64_t heard;             /* this worker's notifications heard when the read was sent */
    struct event *timer;        /* while waiting */
    int gone;                   /* the connection closed meanwhile (worker_cancel_on_close) */
    bool woken;                 /* a change that may concern it was announced */
    struct feed *prev, *next;
} feed;

/* Each worker is one thread: its waiting requests are its own */
static __thread struct {
    feed *head;
    int n;
    uint64_t heard;             /* notifications heard (and "may have missed some") */
    struct event *ev_wake;      /* reads again, outside the pool's callback */
} waiting;

static void read_page(feed *f);

static void unwait(feed *f)
{
    if (f->prev)
        f->prev->next = f->next;
    else
        waiting.head = f->next;
    if (f->next)
        f->next->prev = f->prev;
    f->prev = f->next = NULL;
    waiting.n--;
    metrics_changes_waiting_add(-1);
    event_free(f->timer);
    f->timer = NULL;
    worker_cancel_on_close(f->rc->req, NULL);
}

static void reply_page(req_ctx *rc, const PGresult *r, int nrows, const char *next)
{
    strbuf sb = STRBUF_INIT;
    encode_list_json(&sb, r, nrows, page_cols, npage_cols, next);
    reply_strbuf(rc, 200, "application/json", &sb);
}

static void feed_reply_empty(feed *f)
{
    req_ctx *prev = req_current_set(f->rc);
    reply_page(f->rc, NULL, 0, f->after);
    req_current_set(prev);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
    feed *f = arg;
    unwait(f);
    feed_reply_empty(f);
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    /* the woken requests read again; the list is taken first, as reads may come back to wait */
    feed *woken = NULL;
    for (feed *f = waiting.head, *next; f; f = next) {
        next = f->next;
        if (!f->woken)
            continue;
        unwait(f);
        f->next = woken;
        woken = f;
    }
    while (woken) {
        feed *f = woken;
        woken = f->next;
        f->next = NULL;
        f->woken = false;
        req_ctx *prev = req_current_set(f->rc);
        read_page(f);
        req_current_set(prev);
    }
}

bool changes_may_concern(const identity *who, const char *where)
{
    int level = role_level(who->role);
    if (level == 0 || !where)
        return true;
    char p[16] = "", c[16] = "", x[24] = "";
    size_t lp = strcspn(where, "|");
    if (lp >= sizeof(p))
        return true;
    memcpy(p, where, lp);
    if (where[lp] == '|') {
        const char *rest = where + lp + 1;
        size_t lc = strcspn(rest, "|");
        if (lc < sizeof(c))
            memcpy(c, rest, lc);
        if (rest[lc] == '|' && strlen(rest + lc + 1) < sizeof(x))
            strcpy(x, rest + lc + 1);
    }
    if (!p[0])
        return true;        /* a national record (a campaign): everyone's */
    if (who->province[0] && strcmp(p, who->province) != 0)
        return false;
    if (level >= 2 && who->county_id && c[0] && strtoll(c, NULL, 10) != who->county_id)
        return false;
    if (level >= 3 && who->center_id && x[0] && strtoll(x, NULL, 10) != who->center_id)
        return false;
    return true;
}

void changes_wake(worker *w, const char *payload, bool draining)
{
    waiting.heard++;
    if (!draining) {
        bool any = false;
        for (feed *f = waiting.head; f; f = f->next)
            if (!payload || changes_may_concern(&f->rc->who, payload))
                any = f->woken = true;
        if (any && waiting.ev_wake)
            event_active(waiting.ev_wake, EV_TIMEOUT, 0);
        return;
    }
    while (waiting.head) {
        feed *f = waiting.head;
        unwait(f);
        feed_reply_empty(f);
    }
    if (waiting.ev_wake) {
        event_free(waiting.ev_wake);
        waiting.ev_wake = NULL;
    }
    (void)w;
}

static void page_read(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    feed *f = rc->state;
    if (!req_job_ok(rc, job))
        return;
    const PGresult *r = job->res[1];
    int n = PQntuples(r);
    bool empty = n == 0 || PQgetisnull(r, 0, col_seq);
    int limit = rc->limit;
    if (!empty) {
        int shown = n > limit ? limit : n;
        reply_page(rc, r, shown, PQgetvalue(r, shown - 1, col_seq));
        return;
    }
    /* nothing of the caller's scope after the cursor: every change up to head is visible in this snapshot (commit
     * order, migration 0024), so the cursor may move there */
    int64_t after = 0, head = 0;
    parse_int64_digits(f->after, &after);
    if (n > 0 && !PQgetisnull(r, 0, col_head) && parse_int64_digits(PQgetvalue(r, 0, col_head), &head) == 0 &&
        head > after)
        f->after = arena_sprintf(rc->arena, "%lld", (long long)head);
    uint64_t now = now_us();
    if (f->wait_s && !f->deadline_us)
        f->deadline_us = now + (uint64_t)f->wait_s * 1000000;
    if (!f->wait_s || rc->w->draining || f->gone || now >= f->deadline_us) {
        reply_page(rc, r, 0, f->after);
        return;
    }
    if (waiting.heard != f->heard) {    /* a commit was announced since this read was sent: read again */
        read_page(f);
        return;
    }
    if (waiting.n >= CHANGES_MAX_WAITING) {
        req_add_header(rc, "Retry-After", "5");
        reply_problem(rc, 503, "Too many requests are waiting for changes here; try again shortly.");
        return;
    }
    if (!waiting.ev_wake)
        waiting.ev_wake = event_new(rc->w->base, -1, 0, on_wake, NULL);
    /* the rest of the wait (a change of another scope woke it and it found nothing) */
    f->timer = evtimer_new(rc->w->base, on_timeout, f);
    uint64_t left = f->deadline_us - now;
    struct timeval tv = {(time_t)(left / 1000000), (suseconds_t)(left % 1000000)};
    evtimer_add(f->timer, &tv);
    f->next = waiting.head;
    if (waiting.head)
        waiting.head->prev = f;
    waiting.head = f;
    waiting.n++;
    metrics_changes_waiting_add(1);
    worker_cancel_on_close(rc->req, &f->gone);
}

static void read_page(feed *f)
{
    req_ctx *rc = f->rc;
    f->heard = waiting.heard;
    req_job_begin(rc, true);
    db_query *q = db_job_add(&rc->job, stmt_page);
    db_query_param(q, f->after);
    db_query_param(q, f->entity);
    db_query_param(q, f->limit);
    rc->job.retry_safe = true;
    req_db_submit(rc, page_read);
}

void handle_changes_list(req_ctx *rc)
{
    field_errors fe = {0};
    feed *f = arena_calloc(rc->arena, sizeof(*f));
    f->rc = rc;
    f->after = "0";
    const char *v = req_query(rc, "after");
    int64_t n;
    if (v) {
        if (parse_int64_digits(v, &n) != 0 || n < 0)
            field_error_coded(&fe, "after", "invalid", "after باید نشانگری از این فهرست باشد (۰ برای آغاز).",
                              "must be a next_cursor of this feed (0 to start)");
        else
            f->after = arena_sprintf(rc->arena, "%lld", (long long)n);
    }
    static const list_filter entity_filter = {"entity", LF_ENUM, entities, NULL};
    f->entity = list_filter_value(rc, &entity_filter, &fe);
    list_limit_parse(req_query(rc, "limit"), &rc->limit, &fe);
    f->limit = arena_sprintf(rc->arena, "%d", rc->limit + 1);
    v = req_query(rc, "wait");
    if (v) {
        if (parse_int64_digits(v, &n) != 0 || n < 1 || n > CHANGES_MAX_WAIT_S)
            field_error_coded(&fe, "wait", "range", "wait باید عدد صحیحی از ۱ تا ۶۰ (ثانیه) باشد.",
                              "must be a whole number of seconds from 1 to 60");
        else
            f->wait_s = (int)n;
    }
    if (fe.list) {
        reply_problem_fields(rc, 400, "Invalid query parameter.", &fe);
        return;
    }
    rc->state = f;
    read_page(f);
}
