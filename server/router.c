#include "server/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Patterns are split into segments once, at start. */
typedef struct compiled_route {
    int nseg;
    const char *seg[ROUTE_MAX_SEGMENTS];
    int seglen[ROUTE_MAX_SEGMENTS];
    bool is_param[ROUTE_MAX_SEGMENTS];
    const route_param *query;   /* every query parameter it takes, NULL-terminated (router_describe_queries) */
    unsigned produces;          /* 1u << MEDIA_* */
} compiled_route;

static compiled_route *compiled;

const char *const media_type_names[MEDIA_KINDS] = {"application/json", "text/csv", "text/plain", "text/html"};
const char *const media_format_names[MEDIA_KINDS] = {"json", "csv", "text", "html"};

/* What every list takes besides its filters, and what every route serving CSV takes */
static const route_param list_params[] = {
    {"limit", "integer", "Page size, 1 to 500 (default 50)"},
    {"cursor", "string", "The next_cursor of the previous page (the Link header's rel=\"next\" URL carries it)"},
    {NULL, NULL, NULL},
};
static const route_param csv_params[] = {
    {"format", "string", "json or csv: the reply's media type, over what Accept asks"},
    {NULL, NULL, NULL},
};

static unsigned produces_of(const route *rt)
{
    if (rt->response && !strcmp(rt->response, "Metrics"))
        return 1u << MEDIA_TEXT;
    if (rt->response && !strcmp(rt->response, "ApiDocs"))
        return 1u << MEDIA_HTML;        /* /api/v1/docs: a page for a browser */
    if (!strcmp(rt->method, "GET") && (rt->flags & (ROUTE_LIST | ROUTE_EXPENSIVE)))
        return (1u << MEDIA_JSON) | (1u << MEDIA_CSV);      /* lists and reports */
    if (!rt->response)
        return 0;       /* 204: no body to negotiate */
    return 1u << MEDIA_JSON;
}

static void add_params(route_param *out, int *n, const route_param *ps)
{
    for (; ps && ps->name; ps++) {
        bool dup = false;
        for (int i = 0; i < *n && !dup; i++)
            dup = !strcmp(out[i].name, ps->name);
        if (!dup)
            out[(*n)++] = *ps;
    }
}

static int count_params(const route_param *ps)
{
    int n = 0;
    for (; ps && ps->name; ps++)
        n++;
    return n;
}

void router_describe_queries(const route_param *(*described)(const char *pattern))
{
    for (int i = 0; i < nroutes; i++) {
        const route *rt = &routes[i];
        compiled_route *c = &compiled[i];
        const route_param *own = rt->query;
        if (!own && described && !strcmp(rt->method, "GET"))
            own = described(rt->pattern);
        bool list = rt->flags & ROUTE_LIST, csv = c->produces & (1u << MEDIA_CSV);
        route_param *q = calloc((size_t)(count_params(own) + 2 + 1 + 1), sizeof(*q));
        if (!q)
            abort();
        int n = 0;
        if (list)
            add_params(q, &n, list_params);
        add_params(q, &n, own);
        if (csv)
            add_params(q, &n, csv_params);
        free((void *)c->query);
        c->query = q;
    }
}

const route_param *router_query_params(int index)
{
    return compiled[index].query;
}

unsigned router_produces(int index)
{
    return compiled[index].produces;
}

/* Levenshtein distance of a and b, or 3 once it is sure to be more than 2 (only near names matter). */
static int distance_upto2(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64 || (la > lb ? la - lb : lb - la) > 2)
        return 3;
    int row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0], best = row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int v = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < v)
                v = up + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            diag = up;
            if (v < best)
                best = v;
        }
        if (best > 2)
            return 3;
    }
    return row[lb] > 2 ? 3 : row[lb];
}

const char *router_query_unknown(int index, const char *name)
{
    const char *near = "";
    int best = 3;
    for (const route_param *p = compiled[index].query; p && p->name; p++) {
        if (!strcmp(p->name, name))
            return NULL;
        int d = distance_upto2(p->name, name);
        if (d < best) {
            best = d;
            near = p->name;
        }
    }
    return near;
}


void router_init(void)
{
    compiled = calloc((size_t)nroutes, sizeof(*compiled));
    for (int i = 0; i < nroutes; i++) {
        compiled_route *c = &compiled[i];
        const char *p = routes[i].pattern;
        while (*p == '/') {
            p++;
            const char *end = strchr(p, '/');
            int len = end ? (int)(end - p) : (int)strlen(p);
            if (c->nseg == ROUTE_MAX_SEGMENTS) {
                fprintf(stderr, "route %s has too many segments\n", routes[i].pattern);
                abort();
            }
            c->seg[c->nseg] = p;
            c->seglen[c->nseg] = len;
            c->is_param[c->nseg] = len > 2 && p[0] == '{' && p[len - 1] == '}';
            c->nseg++;
            p += len;
        }
        c->produces = produces_of(&routes[i]);
    }
    router_describe_queries(NULL);
}

static bool match_one(const compiled_route *c, const char *path, route_match *m)
{
    const char *p = path;
    int np = 0;
    for (int s = 0; s < c->nseg; s++) {
        if (*p != '/')
            return false;
        p++;
        const char *end = strchr(p, '/');
        int len = end ? (int)(end - p) : (int)strlen(p);
        if (c->is_param[s]) {
            if (len == 0 || np == ROUTE_MAX_PATH_PARAMS)
                return false;
            m->params[np] = p;
            m->param_len[np] = len;
            np++;
        } else if (len != c->seglen[s] || memcmp(p, c->seg[s], (size_t)len) != 0)
            return false;
        p += len;
    }
    if (*p != '\0')
        return false;
    m->nparams = np;
    return true;
}

/* Whether a comma-separated Allow list already names method (two rows may match one path: /loans/overdue and
 * /loans/{id}). */
static bool allow_has(const char *allow, const char *method)
{
    size_t ml = strlen(method);
    for (const char *p = allow; *p;) {
        size_t n = strcspn(p, ",");
        if (n == ml && memcmp(p, method, ml) == 0)
            return true;
        p += n;
        p += strspn(p, ", ");
    }
    return false;
}

/* Appends method to m's Allow list. */
static void allow_add(route_match *m, size_t *alen, const char *method)
{
    size_t ml = strlen(method);
    if (*alen + ml + 3 < sizeof(m->allow)) {
        if (*alen) {
            memcpy(m->allow + *alen, ", ", 2);
            *alen += 2;
        }
        memcpy(m->allow + *alen, method, ml);
        *alen += ml;
        m->allow[*alen] = '\0';
    }
}

/* HEAD is answered wherever GET is, by the GET route (HTTP: the same headers, no body; reply.c keeps the body back,
 * which libevent would send), so the table never lists it and every Allow with GET also names HEAD. */
bool router_match(const char *method, const char *path, route_match *m)
{
    memset(m, 0, sizeof(*m));
    size_t alen = 0;
    if (strcmp(method, "HEAD") == 0)
        method = "GET";
    for (int i = 0; i < nroutes; i++) {
        route_match tmp;
        if (!match_one(&compiled[i], path, &tmp))
            continue;
        if (strcmp(routes[i].method, method) == 0) {
            tmp.route = &routes[i];
            tmp.index = i;
            tmp.path_known = true;
            *m = tmp;
            return true;
        }
        m->path_known = true;
        if (allow_has(m->allow, routes[i].method))
            continue;
        allow_add(m, &alen, routes[i].method);
        if (strcmp(routes[i].method, "GET") == 0)
            allow_add(m, &alen, "HEAD");
    }
    return false;
}
