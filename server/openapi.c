#include "server/openapi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "server/http/resource.h"
#include "server/router.h"

/* Schemas of bodies, by name; routes refer to them. A described resource's (record, NameWrite, NamePatch) come
 * from its description (describe.h) instead; these are the rest. */
typedef struct schema_def {
    const char *name;
    const char *json;
} schema_def;

static const schema_def schemas[] = {
    {"Problem",
     "{\"type\":\"object\",\"description\":\"RFC 9457 problem details\",\"required\":[\"type\",\"title\",\"status\"],"
     "\"properties\":{\"type\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},\"status\":{\"type\":\"integer\"},"
     "\"detail\":{\"type\":\"string\"},\"request_id\":{\"type\":\"string\"},"
     "\"errors\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"field\":{\"type\":\"string\"},"
     "\"code\":{\"type\":\"string\",\"description\":\"stable, the same in every language\"},"
     "\"message\":{\"type\":\"string\"}}}}}}"},
    {"Status", "{\"type\":\"object\",\"properties\":{\"status\":{\"type\":\"string\"}}}"},
    {"Login",
     "{\"type\":\"object\",\"required\":[\"username\",\"password\"],\"properties\":{"
     "\"username\":{\"type\":\"string\"},\"password\":{\"type\":\"string\"}}}"},
    {"LoginResult",
     "{\"type\":\"object\",\"properties\":{\"token\":{\"type\":\"string\"},"
     "\"expires_at\":{\"type\":\"string\",\"format\":\"date-time\"},\"user\":{\"$ref\":\"#/components/schemas/Me\"}}}"},
    {"Me",
     "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"username\":{\"type\":\"string\"},"
     "\"role\":{\"type\":\"string\"},\"province\":{\"type\":[\"string\",\"null\"]},"
     "\"county_id\":{\"type\":[\"integer\",\"null\"]},\"center_id\":{\"type\":[\"integer\",\"null\"]},"
     "\"full_name\":{\"type\":[\"string\",\"null\"]}}}"},
    {"PasswordChange",
     "{\"type\":\"object\",\"required\":[\"current_password\",\"new_password\"],\"properties\":{"
     "\"current_password\":{\"type\":\"string\"},\"new_password\":{\"type\":\"string\",\"minLength\":12}}}"},
    {"Training",
     "{\"type\":\"object\",\"properties\":{\"course\":{\"type\":\"string\"},\"hours\":{\"type\":\"integer\"},\"comp"
     "leted_on\":{\"type\":\"string\",\"format\":\"date\"},\"completed_on_jalali\":{\"type\":\"string\"}},\"requ"
     "ired\":[\"course\",\"completed_on\"]}"},
    {"Disability",
     "{\"type\":\"object\",\"properties\":{\"type\":{\"type\":\"string\",\"enum\":[\"physical\",\"visual\",\"hearin"
     "g\",\"speech\",\"intellectual\",\"psychosocial\",\"autism\",\"multiple\"]},\"severity\":{\"type\":\"string"
     "\",\"enum\":[\"mild\",\"moderate\",\"severe\",\"very_severe\"]}},\"required\":[\"type\",\"severity\"]}"},
    {"TransferResult",
     "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"province\":{\"type\":\"string\"},\"count"
     "y_id\":{\"type\":\"integer\"},\"center_id\":{\"type\":[\"integer\",\"null\"]},\"version\":{\"type\":\"intege"
     "r\"}}}"},
    {"Submission",
     "{\"type\":\"object\",\"properties\":{\"center_id\":{\"type\":\"integer\",\"description\":\"required for o"
     "fficers; an NGO submitter submits for its own center\"},\"records\":{\"type\":\"array\",\"maxItems"
     "\":1000,\"items\":{\"type\":\"object\",\"properties\":{\"kind\":{\"type\":\"string\",\"enum\":[\"client\",\"st"
     "aff\",\"service\"]},\"data\":{\"type\":\"object\",\"description\":\"the fields of a ClientWrite, Staff"
     "Write, or ServiceWrite plus client_id; any other field refuses the whole submission (422 naming re"
     "cords[i].data.FIELD, nothing stored)\"}},\"required\":[\"kind\",\"data\"]}}},\"required\":[\"record"
     "s\"]}"},
    {"SubmissionReceipt",
     "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"status\":{\"type\":\"string\",\"enum\":[\""
     "pending\"]},\"results\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"index\":{\"type"
     "\":\"integer\"},\"status\":{\"type\":\"string\",\"enum\":[\"valid\",\"invalid\"],"
     "\"description\":\"valid: passes every check the submitter may be told of. An NGO submitter is not told "
     "that a national ID is registered outside its center: the reviewing officer sees that in GET "
     "/submissions/{id}, and approval is 409 until the officer excludes the record\"},\"errors\":{\"type\":\"array"
     "\",\"items\":{\"type\":\"object\",\"properties\":{\"field\":{\"type\":\"string\"},"
     "\"code\":{\"type\":\"string\",\"description\":\"stable, the same in every language\"},"
     "\"message\":{\"type\":\"string\"}}}}}}}}}"},
    {"SubmissionSummary",
     "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"center_id\":{\"type\":\"integer\"},\"pro"
     "vince\":{\"type\":\"string\"},\"county_id\":{\"type\":\"integer\"},\"status\":{\"type\":\"string\",\"enum\":["
     "\"pending\",\"approved\",\"rejected\"]},\"record_count\":{\"type\":\"integer\"},\"valid_count\":{\"type\":"
     "\"integer\"},\"submitted_by\":{\"type\":\"integer\"},\"reason\":{\"type\":[\"string\",\"null\"]},\"decided_"
     "by\":{\"type\":[\"integer\",\"null\"]},\"decided_at\":{\"type\":[\"string\",\"null\"]},\"version\":{\"type\":"
     "\"integer\"},\"created_at\":{\"type\":\"string\"}}}"},
    {"SubmissionDetail",
     "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"center_id\":{\"type\":\"integer\"},\"pro"
     "vince\":{\"type\":\"string\"},\"county_id\":{\"type\":\"integer\"},\"status\":{\"type\":\"string\",\"enum\":["
     "\"pending\",\"approved\",\"rejected\"]},\"record_count\":{\"type\":\"integer\"},\"valid_count\":{\"type\":"
     "\"integer\"},\"submitted_by\":{\"type\":\"integer\"},\"reason\":{\"type\":[\"string\",\"null\"]},\"decided_"
     "by\":{\"type\":[\"integer\",\"null\"]},\"decided_at\":{\"type\":[\"string\",\"null\"]},\"version\":{\"type\":"
     "\"integer\"},\"created_at\":{\"type\":\"string\"},\"results\":{\"type\":\"array\",\"items\":{\"type\":\"objec"
     "t\",\"properties\":{\"index\":{\"type\":\"integer\"},\"status\":{\"type\":\"string\",\"enum\":[\"valid\",\"inv"
     "alid\"]},\"errors\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"field\":{\"type\":\"s"
     "tring\"},\"code\":{\"type\":\"string\",\"description\":\"stable, the same in every language\"},"
     "\"message\":{\"type\":\"string\"}}}}}}},\"records\":{\"type\":\"array\"}}}"},
    {"Decision",
     "{\"type\":\"object\",\"properties\":{\"decision\":{\"type\":\"string\",\"enum\":[\"approve\",\"reject\"]},\"r"
     "eason\":{\"type\":\"string\",\"description\":\"required to reject\"},\"exclude\":{\"type\":\"array\",\"d"
     "escription\":\"approval only: records left out, each reads to the NGO as invalid, 'excluded by the reviewing "
     "officer: <reason>'. A record whose national ID is registered outside the center must be excluded (else 409 na"
     "ming records[i])\",\"items\":{\"type\":\"object\",\"properties\":{\"index\":{\"type\":\"integer\"},\"re"
     "ason\":{\"type\":\"string\",\"maxLength\":500}},\"required\":[\"index\",\"reason\"]}}},\"required\":[\"d"
     "ecision\"]}"},
    {"DecisionResult",
     "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"status\":{\"type\":\"string\",\"enum\":[\""
     "approved\",\"rejected\"]},\"reason\":{\"type\":[\"string\",\"null\"]},\"applied\":{\"type\":\"object\",\"pro"
     "perties\":{\"client\":{\"type\":\"integer\"},\"staff\":{\"type\":\"integer\"},\"service\":{\"type\":\"intege"
     "r\"}}},\"excluded\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}}}"},
};

static char *document;
static size_t document_len;

static json_object *ref(const char *name)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "#/components/schemas/%s", name);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "$ref", json_object_new_string(buf));
    return o;
}

static json_object *content(const char *media, json_object *schema)
{
    json_object *c = json_object_new_object(), *m = json_object_new_object();
    json_object_object_add(m, "schema", schema);
    json_object_object_add(c, media, m);
    return c;
}

static json_object *list_schema(const char *item)
{
    json_object *s = json_object_new_object(), *props = json_object_new_object(), *items = json_object_new_object();
    json_object_object_add(s, "type", json_object_new_string("object"));
    json_object_object_add(items, "type", json_object_new_string("array"));
    json_object_object_add(items, "items", ref(item));
    json_object_object_add(props, "items", items);
    json_object *next = json_object_new_object(), *types = json_object_new_array();
    json_object_array_add(types, json_object_new_string("string"));
    json_object_array_add(types, json_object_new_string("null"));
    json_object_object_add(next, "type", types);
    json_object_object_add(next, "description", json_object_new_string("Opaque cursor of the next page, or null"));
    json_object_object_add(props, "next_cursor", next);
    /* ?count=true (on the lists that list it among their parameters) */
    json_object *total = json_object_new_object(), *lower = json_object_new_object();
    json_object_object_add(total, "type", json_object_new_string("integer"));
    json_object_object_add(total, "description", json_object_new_string(
        "With ?count=true only: the rows of the whole filter, at most 10000 (see total_is_lower_bound)"));
    json_object_object_add(props, "total", total);
    json_object_object_add(lower, "type", json_object_new_string("boolean"));
    json_object_object_add(lower, "description", json_object_new_string(
        "With ?count=true only: true when there are more than 10000 rows (total is then 10000)"));
    json_object_object_add(props, "total_is_lower_bound", lower);
    json_object_object_add(s, "properties", props);
    return s;
}

static void add_param(json_object *params, const char *name, const char *in, const char *type, const char *desc,
                      bool required)
{
    json_object *p = json_object_new_object(), *s = json_object_new_object();
    json_object_object_add(p, "name", json_object_new_string(name));
    json_object_object_add(p, "in", json_object_new_string(in));
    if (required)
        json_object_object_add(p, "required", json_object_new_boolean(1));
    if (desc)
        json_object_object_add(p, "description", json_object_new_string(desc));
    json_object_object_add(s, "type", json_object_new_string(type));
    json_object_object_add(p, "schema", s);
    json_object_array_add(params, p);
}

static void add_problem(json_object *responses, int status, const char *desc)
{
    char code[8];
    snprintf(code, sizeof(code), "%d", status);
    json_object *r = json_object_new_object();
    json_object_object_add(r, "description", json_object_new_string(desc));
    json_object_object_add(r, "content", content("application/problem+json", ref("Problem")));
    json_object_object_add(responses, code, r);
}

static const char *status_text_ok(int status)
{
    switch (status) {
    case 201: return "Created";
    case 204: return "No Content";
    default: return "OK";
    }
}

static json_object *operation(const route *rt)
{
    json_object *op = json_object_new_object();
    json_object_object_add(op, "summary", json_object_new_string(rt->summary));
    json_object *tags = json_object_new_array();
    json_object_array_add(tags, json_object_new_string(rt->tag));
    json_object_object_add(op, "tags", tags);
    json_object_object_add(op, "operationId", json_object_new_string(rt->operation_id));

    json_object *params = json_object_new_array();
    for (const char *p = strchr(rt->pattern, '{'); p; p = strchr(p + 1, '{')) {
        const char *e = strchr(p, '}');
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)(e - p - 1), p + 1);
        add_param(params, name, "path", "string", NULL, true);
    }
    /* exactly the query parameters dispatch accepts (any other is 400): one list, router.c's */
    for (const route_param *qp = router_query_params((int)(rt - routes)); qp && qp->name; qp++)
        add_param(params, qp->name, "query", qp->type, qp->description, false);
    if (json_object_array_length(params))
        json_object_object_add(op, "parameters", params);
    else
        json_object_put(params);

    if (rt->request) {
        json_object *body = json_object_new_object();
        json_object_object_add(body, "required", json_object_new_boolean(1));
        json_object_object_add(body, "content", content("application/json", ref(rt->request)));
        json_object_object_add(op, "requestBody", body);
    }

    json_object *responses = json_object_new_object(), *ok = json_object_new_object();
    char code[8];
    snprintf(code, sizeof(code), "%d", rt->ok_status ? rt->ok_status : 200);
    json_object_object_add(ok, "description", json_object_new_string(status_text_ok(rt->ok_status)));
    if (rt->response) {
        json_object *c;
        if (rt->flags & ROUTE_LIST)
            c = content("application/json", list_schema(rt->response));
        else if (router_produces((int)(rt - routes)) & (1u << MEDIA_CSV))
            c = content("application/json", ref(rt->response));
        else
            c = content(strcmp(rt->response, "Metrics") == 0 ? "text/plain" : "application/json",
                        strcmp(rt->response, "Metrics") == 0 || strcmp(rt->response, "OpenAPI") == 0
                            ? json_object_new_object()
                            : ref(rt->response));
        if (router_produces((int)(rt - routes)) & (1u << MEDIA_CSV)) {   /* lists and reports */
            json_object *csv = json_object_new_object(), *s = json_object_new_object();
            json_object_object_add(s, "type", json_object_new_string("string"));
            json_object_object_add(csv, "schema", s);
            json_object_object_add(c, "text/csv", csv);
        }
        json_object_object_add(ok, "content", c);
    }
    if (rt->flags & ROUTE_LIST) {
        json_object *headers = json_object_new_object(), *link = json_object_new_object();
        json_object *ls = json_object_new_object();
        json_object_object_add(link, "description", json_object_new_string(
            "<URL>; rel=\"next\": this request with cursor set to the next page's (relative), while there is one"));
        json_object_object_add(ls, "type", json_object_new_string("string"));
        json_object_object_add(link, "schema", ls);
        json_object_object_add(headers, "Link", link);
        json_object_object_add(ok, "headers", headers);
    }
    json_object_object_add(responses, code, ok);
    add_problem(responses, 400, "Malformed request, query (an unknown parameter too) or JSON");
    bool patch_or_delete = !strcmp(rt->method, "PATCH") || !strcmp(rt->method, "DELETE");
    if (rt->perm != PERM_PUBLIC) {
        add_problem(responses, 401, "No token, or a bad or expired one");
        add_problem(responses, 403, "Allowed to see but not to do");
    } else if (rt->flags & ROUTE_THROTTLED)
        add_problem(responses, 401, "Wrong username or password");
    if (strchr(rt->pattern, '{') || !strcmp(rt->pattern, "/metrics"))
        add_problem(responses, 404, strchr(rt->pattern, '{') ? "Unknown, or outside the caller's scope"
                                                             : "Not served to this address without metrics_token");
    if (router_produces((int)(rt - routes)))
        add_problem(responses, 406, "Accept allows none of the media types this operation serves (the problem's "
                                    "available member lists them)");
    if (rt->request && (!strcmp(rt->method, "POST") || !strcmp(rt->method, "PATCH")))
        add_problem(responses, 409, "Conflicts with another record (a unique value, an Idempotency-Key used for "
                                    "another body) or with the record's state or a quota");
    if (patch_or_delete && strchr(rt->pattern, '{')) {
        add_problem(responses, 412, "If-Match names another version of this record");
        add_problem(responses, 428, "If-Match is required");
    }
    if (rt->request) {
        add_problem(responses, 413, "Body over the limit");
        add_problem(responses, 415, "Body is not JSON");
        add_problem(responses, 422, "Valid JSON, invalid fields");
    }
    if (rt->flags & ROUTE_THROTTLED)
        add_problem(responses, 429, "Too many password checks for this user or from this address, or too many at "
                                    "once (with Retry-After); nothing was checked");
    else if (rt->flags & (ROUTE_EXPENSIVE | ROUTE_LIST) || !strcmp(rt->pattern, "/api/v1/submissions"))
        add_problem(responses, 429, "Over a rate limit or quota (searches, exports, reports, records submitted a "
                                    "day), with Retry-After");
    add_problem(responses, 503, "Database unavailable (with Retry-After)");
    json_object_object_add(op, "responses", responses);
    if (rt->perm == PERM_PUBLIC)
        json_object_object_add(op, "security", json_object_new_array());
    return op;
}

void openapi_build(void)
{
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "openapi", json_object_new_string("3.1.0"));
    json_object *info = json_object_new_object();
    json_object_object_add(info, "title", json_object_new_string("Welfare registry API"));
    json_object_object_add(info, "version", json_object_new_string("1"));
    json_object_object_add(info, "description",
                           json_object_new_string("National registry of welfare centers, staff, clients and funding. "
                                                  "Generated from the server's route table. ETags, \"<version>-<16 "
                                                  "hex>\", name one record as the reply shows it; If-Match is checked only on a record that "
                                                  "exists and is visible to the caller (else 404). Every read of a "
                                                  "person's data is recorded in the audit trail."));
    json_object_object_add(doc, "info", info);

    json_object *paths = json_object_new_object();
    for (int i = 0; i < nroutes; i++) {
        const route *rt = &routes[i];
        json_object *item;
        if (!json_object_object_get_ex(paths, rt->pattern, &item)) {
            item = json_object_new_object();
            json_object_object_add(paths, rt->pattern, item);
        }
        char m[16];
        size_t k = 0;
        for (; rt->method[k] && k < sizeof(m) - 1; k++)
            m[k] = (char)(rt->method[k] | 0x20);
        m[k] = '\0';
        json_object_object_add(item, m, operation(rt));
    }
    json_object_object_add(doc, "paths", paths);

    json_object *components = json_object_new_object(), *sch = json_object_new_object();
    for (size_t i = 0; i < sizeof(schemas) / sizeof(schemas[0]); i++) {
        json_object *s = json_tokener_parse(schemas[i].json);
        if (!s) {
            fprintf(stderr, "openapi: schema %s is not valid JSON\n", schemas[i].name);
            abort();
        }
        json_object_object_add(sch, schemas[i].name, s);
    }
    for (int i = 0; i < describe_count(); i++) {
        const resource *r = describe_at(i);
        char name[96];
        json_object_object_add(sch, r->schema, describe_schema_record(r));
        snprintf(name, sizeof(name), "%sWrite", r->schema);
        json_object_object_add(sch, name, describe_schema_write(r, false));
        snprintf(name, sizeof(name), "%sPatch", r->schema);
        json_object_object_add(sch, name, describe_schema_write(r, true));
    }
    for (int i = 0; i < describe_bodies_count(); i++)
        json_object_object_add(sch, describe_body_name(i), describe_schema_body(i));
    for (int i = 0; i < describe_rows_count(); i++) {
        const row_desc *d = describe_rows_at(i);
        json_object_object_add(sch, d->schema, describe_schema_rows(d));
        if (d->create_schema)
            json_object_object_add(sch, d->create_schema, describe_schema_rows_write(d, false));
        if (d->update_schema)
            json_object_object_add(sch, d->update_schema, describe_schema_rows_write(d, true));
    }
    json_object_object_add(components, "schemas", sch);
    json_object *sec = json_object_new_object(), *bearer = json_object_new_object();
    json_object_object_add(bearer, "type", json_object_new_string("http"));
    json_object_object_add(bearer, "scheme", json_object_new_string("bearer"));
    json_object_object_add(sec, "bearer", bearer);
    json_object_object_add(components, "securitySchemes", sec);
    json_object_object_add(doc, "components", components);
    json_object *security = json_object_new_array(), *req = json_object_new_object();
    json_object_object_add(req, "bearer", json_object_new_array());
    json_object_array_add(security, req);
    json_object_object_add(doc, "security", security);

    size_t len;
    const char *s = json_object_to_json_string_length(doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
                                                      &len);
    document = malloc(len + 1);
    memcpy(document, s, len + 1);
    document_len = len;
    json_object_put(doc);
}

const char *openapi_document(size_t *len)
{
    *len = document_len;
    return document;
}
