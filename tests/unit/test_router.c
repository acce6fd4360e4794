/* Unit tests for server/router.c over the real route table (server/routes.c): every route is reachable with its own
 * method and not shadowed by an earlier one, path parameters come back raw and in order, a known path with another
 * method is 405 with an Allow list and anything else 404, and the edges of a path (trailing or doubled slashes,
 * percent-encodings, case, prefixes, too many segments) never reach a handler they should not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <ctype.h>
#include <string.h>

#include <cmocka.h>

#include "server/router.h"

static int setup(void **state)
{
    (void)state;
    router_init();
    return 0;
}

/* The index of the route with this method and pattern; fails the test when the table has none. */
static int route_index(const char *method, const char *pattern)
{
    for (int i = 0; i < nroutes; i++)
        if (strcmp(routes[i].method, method) == 0 && strcmp(routes[i].pattern, pattern) == 0)
            return i;
    fail_msg("no route %s %s in the table", method, pattern);
    return -1;
}

static void assert_routes_to(const char *method, const char *path, const char *pattern)
{
    route_match m;
    if (!router_match(method, path, &m))
        fail_msg("%s %s matched no route (expected %s)", method, path, pattern);
    int want = route_index(strcmp(method, "HEAD") ? method : "GET", pattern);   /* HEAD takes the GET row */
    if (m.index != want)
        fail_msg("%s %s reached %s, expected %s", method, path, m.route->pattern, pattern);
    assert_ptr_equal(m.route, &routes[want]);
    assert_true(m.path_known);
}

static void assert_not_found(const char *method, const char *path)
{
    route_match m;
    if (router_match(method, path, &m))
        fail_msg("%s '%s' reached %s %s", method, path, m.route->method, m.route->pattern);
    if (m.path_known)
        fail_msg("%s '%s' answered 405 (Allow: %s) instead of 404", method, path, m.allow);
    assert_null(m.route);
    assert_string_equal(m.allow, "");
}

static void assert_method_not_allowed(const char *method, const char *path, const char *allow)
{
    route_match m;
    if (router_match(method, path, &m))
        fail_msg("%s %s reached %s %s", method, path, m.route->method, m.route->pattern);
    assert_null(m.route);
    assert_true(m.path_known);
    assert_string_equal(m.allow, allow);
}

/* A concrete path for a pattern: each {param} becomes a value no literal segment of the table has. */
static void instantiate(const char *pattern, char *out, size_t outsz, int *nparams)
{
    size_t o = 0;
    *nparams = 0;
    for (const char *p = pattern; *p;) {
        if (*p == '{') {
            const char *end = strchr(p, '}');
            assert_non_null(end);
            o += (size_t)snprintf(out + o, outsz - o, "%d", 9100 + *nparams);
            (*nparams)++;
            p = end + 1;
        } else {
            assert_true(o + 1 < outsz);
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
}

/* Each route, given a path made from its own pattern, is the one that answers it: none is unreachable or shadowed
 * by an earlier row (the table is searched in order and the first match wins). */
static void test_every_route_is_reachable(void **state)
{
    (void)state;
    assert_true(nroutes > 60);
    for (int i = 0; i < nroutes; i++) {
        char path[256];
        int np;
        instantiate(routes[i].pattern, path, sizeof(path), &np);
        route_match m;
        if (!router_match(routes[i].method, path, &m))
            fail_msg("%s %s (from %s) matched nothing", routes[i].method, path, routes[i].pattern);
        if (m.index != i)
            fail_msg("%s %s is shadowed by row %d (%s %s)", routes[i].method, routes[i].pattern, m.index,
                     m.route->method, m.route->pattern);
        assert_ptr_equal(m.route, &routes[i]);
        assert_int_equal(m.nparams, np);
        for (int k = 0; k < np; k++) {
            char want[16];
            snprintf(want, sizeof(want), "%d", 9100 + k);
            assert_int_equal(m.param_len[k], (int)strlen(want));
            assert_memory_equal(m.params[k], want, strlen(want));
        }
    }
}

/* The table itself: one row per method and pattern, and each row's flags agree with its method and path (these are
 * what the OpenAPI description and the dispatcher read). */
static void test_the_table_is_consistent(void **state)
{
    (void)state;
    for (int i = 0; i < nroutes; i++) {
        const route *r = &routes[i];
        assert_non_null(r->handler);
        assert_true(strcmp(r->method, "GET") == 0 || strcmp(r->method, "POST") == 0 ||
                    strcmp(r->method, "PATCH") == 0 || strcmp(r->method, "DELETE") == 0);
        assert_int_equal(r->pattern[0], '/');
        assert_null(strstr(r->pattern, "//"));
        assert_true(r->pattern[strlen(r->pattern) - 1] != '/');
        /* only the probes and metrics live outside /api/v1, and those say so */
        bool api = strncmp(r->pattern, "/api/v1/", 8) == 0;
        if (api == ((r->flags & ROUTE_NOT_API) != 0))
            fail_msg("%s %s: ROUTE_NOT_API does not match its path", r->method, r->pattern);
        /* a body is read only by POST and PATCH, and a row that reads one describes it */
        bool body = (r->flags & ROUTE_JSON_BODY) != 0;
        if (body && strcmp(r->method, "POST") != 0 && strcmp(r->method, "PATCH") != 0)
            fail_msg("%s %s expects a body", r->method, r->pattern);
        if (body != (r->request != NULL))
            fail_msg("%s %s: a JSON body and a request schema go together", r->method, r->pattern);
        if ((r->flags & ROUTE_LIST) && strcmp(r->method, "GET") != 0)
            fail_msg("%s %s: only GET lists", r->method, r->pattern);
        if (r->ok_status == 201 && strcmp(r->method, "POST") != 0)
            fail_msg("%s %s: 201 Created from a method that does not create", r->method, r->pattern);
        if (r->ok_status == 204 && r->response != NULL)
            fail_msg("%s %s: 204 with a response body schema", r->method, r->pattern);
        assert_true(r->ok_status == 200 || r->ok_status == 201 || r->ok_status == 204);
        for (int j = 0; j < i; j++)
            if (strcmp(routes[j].method, r->method) == 0 && strcmp(routes[j].pattern, r->pattern) == 0)
                fail_msg("%s %s is in the table twice (rows %d and %d)", r->method, r->pattern, j, i);
        /* operationIds are what generated clients name their functions: url-safe camelCase, one per operation */
        if (!r->operation_id || !islower((unsigned char)r->operation_id[0]))
            fail_msg("%s %s: an operation_id starts with a lower-case letter", r->method, r->pattern);
        for (const char *c = r->operation_id; *c; c++)
            if (!isalnum((unsigned char)*c))
                fail_msg("%s %s: operation_id %s is not letters and digits", r->method, r->pattern, r->operation_id);
        for (int j = 0; j < i; j++)
            if (strcmp(routes[j].operation_id, r->operation_id) == 0)
                fail_msg("operation_id %s is given twice (rows %d and %d)", r->operation_id, j, i);
    }
}

static void test_path_parameters_are_raw_and_in_order(void **state)
{
    (void)state;
    route_match m;
    assert_true(router_match("POST", "/api/v1/clients/42/transfer", &m));
    assert_ptr_equal(m.route, &routes[route_index("POST", "/api/v1/clients/{id}/transfer")]);
    assert_int_equal(m.nparams, 1);
    assert_int_equal(m.param_len[0], 2);
    assert_memory_equal(m.params[0], "42", 2);

    /* a parameter is whatever the segment holds; the handler, not the router, decides if it is a number */
    assert_true(router_match("GET", "/api/v1/loans/abc/repayments", &m));
    assert_ptr_equal(m.route, &routes[route_index("GET", "/api/v1/loans/{id}/repayments")]);
    assert_int_equal(m.param_len[0], 3);
    assert_memory_equal(m.params[0], "abc", 3);

    /* the parameter points into the caller's path (no copy, still encoded) */
    const char *path = "/api/v1/centers/%D9%A1%D9%A2";
    assert_true(router_match("GET", path, &m));
    assert_ptr_equal(m.params[0], path + strlen("/api/v1/centers/"));
    assert_int_equal(m.param_len[0], (int)strlen("%D9%A1%D9%A2"));

    /* a failed match leaves no parameters behind */
    assert_false(router_match("GET", "/api/v1/nothing/5", &m));
    assert_int_equal(m.nparams, 0);
}

/* A literal segment wins over a parameter in the same place, because its row comes first. */
static void test_literal_segments_win_over_parameters(void **state)
{
    (void)state;
    assert_routes_to("GET", "/api/v1/loans/overdue", "/api/v1/loans/overdue");
    assert_routes_to("GET", "/api/v1/loans/12", "/api/v1/loans/{id}");
    assert_routes_to("GET", "/api/v1/loans/overdued", "/api/v1/loans/{id}");
    assert_routes_to("GET", "/api/v1/auth/me", "/api/v1/auth/me");
    assert_routes_to("GET", "/api/v1/reports/summary", "/api/v1/reports/summary");
}

static void test_unknown_paths_are_404(void **state)
{
    (void)state;
    assert_not_found("GET", "");
    assert_not_found("GET", "/");
    assert_not_found("GET", "/api");
    assert_not_found("GET", "/api/v1");
    assert_not_found("GET", "/api/v1/");
    assert_not_found("GET", "/api/v1/nothing");
    assert_not_found("POST", "/api/v1/nothing");
    assert_not_found("GET", "/api/v2/centers");
    /* prefixes and extensions of a literal are other paths */
    assert_not_found("GET", "/api/v1/center");
    assert_not_found("GET", "/api/v1/centersX");
    assert_not_found("GET", "/healthzz");
    assert_not_found("GET", "/healthz.json");
    assert_not_found("GET", "/api/v1/reports");
    assert_not_found("GET", "/api/v1/reports/summary/extra");
    /* paths are case-sensitive */
    assert_not_found("GET", "/API/v1/centers");
    assert_not_found("GET", "/Healthz");
    /* a path must start with a slash */
    assert_not_found("GET", "healthz");
    assert_not_found("GET", "api/v1/centers");
}

static void test_405_lists_the_paths_methods(void **state)
{
    (void)state;
    assert_method_not_allowed("DELETE", "/api/v1/users/7", "GET, HEAD, PATCH");
    assert_method_not_allowed("PUT", "/api/v1/centers", "GET, HEAD, POST");
    assert_method_not_allowed("PUT", "/api/v1/centers/3", "GET, HEAD, PATCH, DELETE");
    assert_method_not_allowed("GET", "/api/v1/auth/login", "POST");
    assert_method_not_allowed("DELETE", "/api/v1/submissions/5/decision", "POST");
    /* methods are case-sensitive tokens (RFC 9110); one the table lacks is 405, never another route */
    assert_method_not_allowed("get", "/healthz", "GET, HEAD");
    assert_method_not_allowed("OPTIONS", "/api/v1/clients", "GET, HEAD, POST");
    /* two rows match /loans/overdue (the literal and {id}): each method is listed once */
    assert_method_not_allowed("POST", "/api/v1/loans/overdue", "GET, HEAD, PATCH");
}

/* HEAD is answered by the GET route of a path (and only where there is one). */
static void test_head_is_answered_wherever_get_is(void **state)
{
    (void)state;
    assert_routes_to("HEAD", "/healthz", "/healthz");
    assert_routes_to("HEAD", "/api/v1/clients/12", "/api/v1/clients/{id}");
    assert_routes_to("HEAD", "/api/v1/loans/overdue", "/api/v1/loans/overdue");
    assert_method_not_allowed("HEAD", "/api/v1/auth/login", "POST");
    assert_method_not_allowed("HEAD", "/api/v1/submissions/5/decision", "POST");
    assert_not_found("HEAD", "/api/v1/nothing");
}

/* No route ends in a slash, and an empty segment is never a parameter: the one with a trailing or doubled slash is
 * another path, 404, not the resource without it. */
static void test_trailing_and_doubled_slashes_are_404(void **state)
{
    (void)state;
    assert_not_found("GET", "/healthz/");
    assert_not_found("GET", "/api/v1/centers/");
    assert_not_found("POST", "/api/v1/centers/");
    assert_not_found("GET", "/api/v1/centers/3/");
    assert_not_found("GET", "/api/v1/clients/3/enrollments/");
    assert_not_found("GET", "//healthz");
    assert_not_found("GET", "/api//v1/centers");
    assert_not_found("GET", "/api/v1//centers");
    assert_not_found("GET", "/api/v1/centers//");
    /* an empty parameter does not match {id} */
    assert_not_found("GET", "/api/v1/clients//enrollments");
    assert_not_found("POST", "/api/v1/submissions//decision");
}

/* The router compares raw segments: an encoded alias of a literal is not that literal (nothing decodes before
 * matching, so no encoded path reaches a route its plain form would not), and an encoded slash or dot inside a
 * parameter stays inside it. */
static void test_percent_encoding_edges(void **state)
{
    (void)state;
    assert_not_found("GET", "/api/v1/c%65nters");
    assert_not_found("GET", "/api%2Fv1%2Fcenters");
    assert_not_found("GET", "/api/v1/centers%2F3");
    assert_not_found("GET", "/%68ealthz");

    route_match m;
    assert_true(router_match("GET", "/api/v1/centers/1%2F2", &m));
    assert_ptr_equal(m.route, &routes[route_index("GET", "/api/v1/centers/{id}")]);
    assert_int_equal(m.param_len[0], 5);
    assert_memory_equal(m.params[0], "1%2F2", 5);

    /* dot segments are not resolved here: "..", encoded or not, is just a parameter value for the handler to
     * refuse, never a way up to another route */
    assert_true(router_match("GET", "/api/v1/centers/%2e%2e", &m));
    assert_ptr_equal(m.route, &routes[route_index("GET", "/api/v1/centers/{id}")]);
    assert_true(router_match("GET", "/api/v1/clients/../enrollments", &m));
    assert_ptr_equal(m.route, &routes[route_index("GET", "/api/v1/clients/{id}/enrollments")]);
    assert_memory_equal(m.params[0], "..", 2);
    assert_not_found("GET", "/api/v1/centers/../../healthz");
}

/* Long paths are refused quietly: more segments than any route has, or a very long one. */
static void test_long_paths(void **state)
{
    (void)state;
    char path[4096];
    size_t o = 0;
    for (int i = 0; i < 40; i++)
        o += (size_t)snprintf(path + o, sizeof(path) - o, "/x");
    assert_not_found("GET", path);

    snprintf(path, sizeof(path), "/api/v1/centers/");
    memset(path + strlen(path), '7', 3000);
    path[strlen("/api/v1/centers/") + 3000] = '\0';
    route_match m;
    assert_true(router_match("GET", path, &m));
    assert_int_equal(m.param_len[0], 3000);
}

/* The query parameters each route takes, precomputed at start: the route's own, a described list's filters (through
 * router_describe_queries), limit and cursor on lists, format where CSV is served; typos find their nearest name. */
static const route_param fake_clients[] = {
    {"province", "string", NULL}, {"county_id", "integer", NULL}, {"q", "string", NULL}, {NULL, NULL, NULL}};
static const route_param fake_counties[] = {
    {"province", "string", NULL}, {"limit", "integer", NULL}, {NULL, NULL, NULL}};

static const route_param *fake_described(const char *pattern)
{
    if (!strcmp(pattern, "/api/v1/clients"))
        return fake_clients;
    if (!strcmp(pattern, "/api/v1/counties"))
        return fake_counties;       /* a description naming limit too: listed once */
    if (!strcmp(pattern, "/api/v1/clients/{id}"))
        return fake_clients;        /* a single record's GET would take them too, were it described so */
    return NULL;
}

static int count_named(const route_param *ps, const char *name)
{
    int n = 0;
    for (; ps && ps->name; ps++)
        n += !strcmp(ps->name, name);
    return n;
}

static void test_query_parameters_per_route(void **state)
{
    (void)state;
    int clients = route_index("GET", "/api/v1/clients"), me = route_index("GET", "/api/v1/auth/me");
    int login = route_index("POST", "/api/v1/auth/login"), create = route_index("POST", "/api/v1/clients");
    router_describe_queries(fake_described);
    for (int i = 0; i < nroutes; i++) {
        const route_param *q = router_query_params(i);
        bool list = routes[i].flags & ROUTE_LIST, csv = router_produces(i) & (1u << MEDIA_CSV);
        /* a route that pages on its own terms (the changes feed) declares limit itself */
        assert_int_equal(count_named(q, "limit"), list || i == route_index("GET", "/api/v1/counties") ||
                                                      count_named(routes[i].query, "limit"));
        assert_int_equal(count_named(q, "cursor"), list);
        assert_int_equal(count_named(q, "format"), csv);
        for (const route_param *p = routes[i].query; p && p->name; p++)
            assert_int_equal(count_named(q, p->name), 1);
        for (const route_param *p = q; p && p->name; p++) {
            assert_non_null(p->type);
            assert_null(router_query_unknown(i, p->name));
        }
    }
    assert_int_equal(count_named(router_query_params(clients), "province"), 1);
    assert_int_equal(count_named(router_query_params(route_index("GET", "/api/v1/clients/{id}")), "province"), 1);
    assert_int_equal(count_named(router_query_params(create), "province"), 0);     /* described lists are GETs */
    assert_null(router_query_unknown(clients, "province"));
    assert_string_equal(router_query_unknown(clients, "provnce"), "province");
    assert_string_equal(router_query_unknown(clients, "Province"), "province");
    assert_string_equal(router_query_unknown(clients, "provinces"), "province");
    assert_string_equal(router_query_unknown(clients, "county"), "");             /* 3 from county_id */
    assert_string_equal(router_query_unknown(clients, "cunty_id"), "county_id");
    assert_string_equal(router_query_unknown(clients, "limt"), "limit");
    assert_string_equal(router_query_unknown(clients, "lim"), "limit");
    assert_string_equal(router_query_unknown(clients, "cursro"), "cursor");
    assert_string_equal(router_query_unknown(clients, "fromat"), "format");
    assert_string_equal(router_query_unknown(clients, "qq"), "q");
    assert_string_equal(router_query_unknown(clients, ""), "q");
    assert_string_equal(router_query_unknown(clients, "zzzzzzzz"), "");
    assert_string_equal(router_query_unknown(me, "format"), "");
    assert_string_equal(router_query_unknown(me, "x"), "");
    assert_string_equal(router_query_unknown(login, "cookies"), "cookie");
    assert_null(router_query_unknown(login, "cookie"));
    char longname[200];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_string_equal(router_query_unknown(clients, longname), "");
    /* without descriptions (as a unit test starts): only what the table itself says */
    router_describe_queries(NULL);
    assert_string_equal(router_query_unknown(clients, "province"), "");
    assert_null(router_query_unknown(clients, "limit"));
}

static void test_what_each_route_produces(void **state)
{
    (void)state;
    const unsigned json = 1u << MEDIA_JSON, csv = 1u << MEDIA_CSV, text = 1u << MEDIA_TEXT, html = 1u << MEDIA_HTML;
    for (int i = 0; i < nroutes; i++) {
        const route *r = &routes[i];
        unsigned want = !strcmp(r->pattern, "/metrics")                                     ? text
                        : !strcmp(r->pattern, "/api/v1/docs")                               ? html
                        : !strcmp(r->method, "GET") && (r->flags & ROUTE_LIST)              ? json | csv
                        : !strcmp(r->method, "GET") && !strncmp(r->pattern, "/api/v1/reports/", 16) ? json | csv
                        : r->ok_status == 204                                               ? 0
                                                                                            : json;
        if (router_produces(i) != want)
            fail_msg("%s %s produces %#x, expected %#x", r->method, r->pattern, router_produces(i), want);
    }
    assert_string_equal(media_type_names[MEDIA_JSON], "application/json");
    assert_string_equal(media_type_names[MEDIA_CSV], "text/csv");
    assert_string_equal(media_format_names[MEDIA_CSV], "csv");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_route_is_reachable),
        cmocka_unit_test(test_head_is_answered_wherever_get_is),
        cmocka_unit_test(test_the_table_is_consistent),
        cmocka_unit_test(test_path_parameters_are_raw_and_in_order),
        cmocka_unit_test(test_literal_segments_win_over_parameters),
        cmocka_unit_test(test_unknown_paths_are_404),
        cmocka_unit_test(test_405_lists_the_paths_methods),
        cmocka_unit_test(test_trailing_and_doubled_slashes_are_404),
        cmocka_unit_test(test_percent_encoding_edges),
        cmocka_unit_test(test_long_paths),
        cmocka_unit_test(test_query_parameters_per_route),
        cmocka_unit_test(test_what_each_route_produces),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
