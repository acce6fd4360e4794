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
} compiled_route;

static compiled_route *compiled;

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
    }
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
