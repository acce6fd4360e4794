/*
 * fuzz_request_target.c - what the server does with a request target before any handler, by the very functions
 * production runs: route matching over the real route table, libevent's query parsing as dispatch.c calls it, the
 * query checks every routed request passes (query_check; query_check_known against the route matched), the decoding
 * of path parameters (path_param_decode)
 * (server/http/input.c) and ?limit= (list_limit_parse, server/http/list.c: the one list parser's page size).
 * Properties: no crash; a match's parameters lie inside the path and hold no '/'; the Allow list of a 405 names
 * only real methods; a decoded parameter is no longer than its segment and holds no NUL; an accepted query has
 * distinct names, a refused one names why; an accepted limit is 1..500.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "common/arena.h"
#include "server/http/input.h"
#include "server/http/list.h"
#include "server/router.h"

static const char *const methods[] = {"GET", "POST", "PATCH", "DELETE", "PUT"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        router_init();
        ready = 1;
    }
    if (size < 1 || size > 4096)
        return 0;
    char *target = malloc(size + 1);
    memcpy(target, data + 1, size - 1);
    target[size - 1] = '\0';
    const char *method = methods[data[0] % 5];
    char *query = strchr(target, '?');
    if (query)
        *query++ = '\0';
    arena *a = arena_new(4096);
    route_match m;
    if (router_match(method, target, &m)) {
        if (!m.route || strcmp(m.route->method, method) != 0)
            abort();
        size_t plen = strlen(target);
        for (int i = 0; i < m.nparams; i++) {
            if (m.params[i] < target || m.params[i] + m.param_len[i] > target + plen || m.param_len[i] <= 0)
                abort();
            if (memchr(m.params[i], '/', (size_t)m.param_len[i]))
                abort();
            const char *v = path_param_decode(a, m.params[i], m.param_len[i]);
            if (v && strlen(v) > (size_t)m.param_len[i])
                abort();
        }
    } else if (m.path_known && !m.allow[0])
        abort();
    if (query) {
        struct evkeyvalq q;
        TAILQ_INIT(&q);
        if (evhttp_parse_query_str(query, &q) == 0) {
            for (struct evkeyval *kv = q.tqh_first; kv; kv = kv->next.tqe_next)
                if (!kv->key || !kv->value)
                    abort();
            field_errors fe = {0};
            bool ok = query_check(&q, &fe);
            if (ok != !fe.list)
                abort();    /* a refusal says why, an acceptance says nothing */
            for (struct evkeyval *kv = q.tqh_first; ok && kv; kv = kv->next.tqe_next)
                for (struct evkeyval *o = kv->next.tqe_next; o; o = o->next.tqe_next)
                    if (!strcmp(kv->key, o->key))
                        abort();
            json_object_put(fe.list);
            fe.list = NULL;
            if (m.route) {  /* the names the route takes: refused exactly when one is not among them */
                bool known = true;
                for (struct evkeyval *kv = q.tqh_first; kv; kv = kv->next.tqe_next)
                    known &= router_query_unknown(m.index, kv->key) == NULL;
                if (query_check_known(&q, m.index, &fe) != known || known != !fe.list)
                    abort();
                json_object_put(fe.list);
                fe.list = NULL;
            }
            int limit;
            ok = list_limit_parse(evhttp_find_header(&q, "limit"), &limit, &fe);
            if (ok != !fe.list || limit < 1 || limit > 500)
                abort();
            json_object_put(fe.list);
        }
        evhttp_clear_headers(&q);
    }
    arena_free(a);
    free(target);
    return 0;
}
