#include "server/http/input.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include <event2/buffer.h>

#include "common/digits.h"
#include "common/json_strict.h"
#include "common/utf8.h"
#include "server/http/etag.h"
#include "server/http/reply.h"

#define MAX_QUERY_PARAMS 64

/* A field error with a stable code and its Persian message (what validate.h's field_error_coded makes; that header
 * sits above this one) */
static void query_error(field_errors *fe, const char *field, const char *code, const char *fa, const char *en)
{
    field_error(fe, field, "%s", en);
    json_object *e = json_object_array_get_idx(fe->list, json_object_array_length(fe->list) - 1);
    json_object_object_add(e, "code", json_object_new_string(code));
    json_object_set_userdata(e, strdup(fa), json_object_free_userdata);
}

bool query_check(const struct evkeyvalq *query, field_errors *fe)
{
    /* Decoded keys and values end up in SQL parameters and in read records written in batches shared with other
     * users' reads: one invalid byte there would fail the whole batch. And a filter given twice is ambiguous
     * (the handler reads the first, a log might read the last): refused, not guessed. */
    int n = 0;
    struct evkeyval *kv;
    char en[160], fa[256];
    TAILQ_FOREACH(kv, query, next) {
        if (++n > MAX_QUERY_PARAMS) {
            snprintf(en, sizeof(en), "a request may have at most %d query parameters", MAX_QUERY_PARAMS);
            snprintf(fa, sizeof(fa), "یک درخواست حداکثر %d پارامتر می‌تواند داشته باشد.", MAX_QUERY_PARAMS);
            query_error(fe, "", "query.too_many", fa, en);
            break;
        }
        if (utf8_validate(kv->key, strlen(kv->key)) != 0) {
            query_error(fe, "", "query.name_not_utf8", "نام یک پارامتر UTF-8 معتبر نیست.",
                        "a query parameter's name is not valid UTF-8");
            break;
        }
        if (utf8_validate(kv->value, strlen(kv->value)) != 0) {
            query_error(fe, kv->key, "query.not_utf8", "مقدار این پارامتر (پس از رمزگشایی درصدی) UTF-8 معتبر نیست.",
                        "is not valid UTF-8 (after percent-decoding)");
            continue;
        }
        for (struct evkeyval *prev = TAILQ_FIRST(query); prev != kv; prev = TAILQ_NEXT(prev, next))
            if (!strcmp(prev->key, kv->key)) {
                query_error(fe, kv->key, "query.repeated",
                            "بیش از یک بار آمده است؛ هر پارامتر را حداکثر یک بار بفرستید.",
                            "is given more than once; give each query parameter at most once");
                break;
            }
    }
    return !fe->list;
}

bool query_check_known(const struct evkeyvalq *query, int route_index, field_errors *fe)
{
    /* A name the route does not take is refused, never ignored: a misspelt filter (?provnce=) would otherwise widen
     * the query to everything the caller may see. */
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, query, next) {
        const char *near = router_query_unknown(route_index, kv->key);
        if (!near)
            continue;
        /* the name as given, cut to 60 bytes at a character's start (query_check made sure it is UTF-8) */
        int len = (int)strlen(kv->key);
        if (len > 60) {
            len = 60;
            while (len > 0 && ((unsigned char)kv->key[len] & 0xC0) == 0x80)
                len--;
        }
        char en[200], fa[320];
        if (*near) {
            snprintf(en, sizeof(en), "%.*s is not a query parameter of this operation; did you mean %s?", len,
                     kv->key, near);
            snprintf(fa, sizeof(fa), "%.*s پارامتر این درخواست نیست؛ آیا منظورتان %s بود؟", len, kv->key, near);
        } else {
            snprintf(en, sizeof(en), "%.*s is not a query parameter of this operation (see /api/v1/openapi.json)",
                     len, kv->key);
            snprintf(fa, sizeof(fa), "%.*s پارامتر این درخواست نیست (فهرست پارامترها: /api/v1/openapi.json).",
                     len, kv->key);
        }
        query_error(fe, kv->key, "query.unknown", fa, en);
    }
    return !fe->list;
}

bool req_query_check(req_ctx *rc)
{
    REQ_CHECK(rc, REQ_LIVE);
    field_errors fe = {0};
    if (query_check(&rc->query, &fe) && query_check_known(&rc->query, rc->match.index, &fe))
        return true;
    reply_problem_fields(rc, 400, "Invalid query parameter.", &fe);
    return false;
}

bool cookie_value(const char *h, const char *name, char *out, size_t out_size)
{
    size_t nlen = strlen(name);
    bool found = false;
    while (h && *h) {
        while (*h == ' ' || *h == '\t' || *h == ';')
            h++;
        const char *end = strchr(h, ';');
        size_t len = end ? (size_t)(end - h) : strlen(h);
        if (len > nlen && !strncmp(h, name, nlen) && h[nlen] == '=') {
            size_t vlen = len - nlen - 1;
            while (vlen && (h[nlen + 1 + vlen - 1] == ' ' || h[nlen + 1 + vlen - 1] == '\t'))
                vlen--;
            if (found || vlen == 0 || vlen >= out_size)
                return false;
            memcpy(out, h + nlen + 1, vlen);
            out[vlen] = '\0';
            found = true;
        }
        h += len;
    }
    return found;
}

bool origin_is_own(const char *origin, const char *host)
{
    static const char scheme[] = "https://";
    if (!origin || !host || !*host || strncasecmp(origin, scheme, sizeof(scheme) - 1) != 0)
        return false;
    return strcasecmp(origin + sizeof(scheme) - 1, host) == 0;
}

/* Invalid escapes and NUL bytes are refused, not passed through. */
char *path_param_decode(arena *a, const char *s, int len)
{
    char *out = arena_alloc(a, (size_t)len + 1), *o = out;
    for (int i = 0; i < len; i++) {
        if (s[i] == '%') {
            if (i + 2 >= len)
                return NULL;
            if (!isxdigit((unsigned char)s[i + 1]) || !isxdigit((unsigned char)s[i + 2]))
                return NULL;
            char hex[3] = {s[i + 1], s[i + 2], 0};
            int v = (int)strtol(hex, NULL, 16);
            if (v == 0)
                return NULL;
            *o++ = (char)v;
            i += 2;
        } else
            *o++ = s[i];
    }
    *o = '\0';
    if (utf8_validate(out, (size_t)(o - out)) != 0)
        return NULL;    /* a path parameter is text: never bytes that are not UTF-8 */
    return out;
}

const char *req_path_param(req_ctx *rc, int i)
{
    REQ_CHECK(rc, REQ_LIVE);
    if (i >= rc->match.nparams)
        return NULL;
    char *v = path_param_decode(rc->arena, rc->match.params[i], rc->match.param_len[i]);
    if (!v)
        reply_problem(rc, 400, "The path holds an invalid percent-encoding or bytes that are not UTF-8.");
    return v;
}

int json_body_read(const char *content_type, const char *data, size_t len, json_object **out, char *detail,
                   size_t detail_size)
{
    *out = NULL;
    const char *ct = content_type;
    size_t ctl = ct ? strcspn(ct, "; \t") : 0;
    if (!ct || !((ctl == 16 && !strncasecmp(ct, "application/json", 16)) ||
                 (ctl == 24 && !strncasecmp(ct, "application/problem+json", 24)))) {
        snprintf(detail, detail_size, "The body must be JSON (Content-Type: application/json).");
        return 415;
    }
    if (len == 0) {
        snprintf(detail, detail_size, "The request body is empty; a JSON document is expected.");
        return 400;
    }
    *out = json_body_parse(data, len, detail, detail_size);
    return *out ? 0 : 400;
}

size_t req_body_length(req_ctx *rc)
{
    REQ_CHECK(rc, REQ_LIVE);
    return evbuffer_get_length(evhttp_request_get_input_buffer(rc->req));
}

const char *req_body_bytes(req_ctx *rc)
{
    REQ_CHECK(rc, REQ_LIVE);
    struct evbuffer *in = evhttp_request_get_input_buffer(rc->req);
    return evbuffer_get_length(in) ? (const char *)evbuffer_pullup(in, -1) : "";
}

json_object *req_json_body(req_ctx *rc)
{
    REQ_CHECK(rc, REQ_LIVE);
    size_t len = req_body_length(rc);
    char detail[260];
    json_object *obj;
    int status = json_body_read(req_header(rc, "Content-Type"), req_body_bytes(rc), len, &obj, detail,
                                sizeof(detail));
    if (status) {
        reply_problem(rc, status, detail);
        return NULL;
    }
    req_own_json(rc, obj);
    return obj;
}

const char *province_code_parse(arena *a, const char *in)
{
    size_t n = strlen(in);
    char *out = arena_alloc(a, n + 1);
    digits_fold(in, out, n + 1);
    if (strlen(out) != 5 || out[0] != 'I' || out[1] != 'R' || out[2] != '-' || out[3] < '0' || out[3] > '9' ||
        out[4] < '0' || out[4] > '9')
        return NULL;
    return out;
}

const char *req_province_code(req_ctx *rc, const char *in)
{
    REQ_CHECK(rc, REQ_LIVE);
    return province_code_parse(rc->arena, in);
}

const char *req_if_match(req_ctx *rc, const char *entity, const char *id, const char *variant)
{
    REQ_CHECK(rc, REQ_LIVE);
    const char *h = req_header(rc, "If-Match");
    if (!h) {
        reply_problem(rc, 428, "Send If-Match with the ETag you last read, so a concurrent change is not lost.");
        return NULL;
    }
    /* not this record's tag: ETAG_NO_VERSION, decided once the record is found (404 before 412) */
    char *version = arena_alloc(rc->arena, 24);
    return etag_if_match(h, entity, id, variant, version, 24);
}
