#include "server/openapi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "server/http/resource.h"
#include "server/handlers/handlers.h"
#include "server/router.h"

/* Schemas of bodies, by name; routes refer to them. A described resource's (record, NameWrite, NamePatch) come
 * from its description (describe.h) instead; these are the rest. */
typedef struct schema_def {
    const char *name;
    const char *json;
} schema_def;

/* (A response schema lists every member the reply may hold, required where it always does, and no other:
 * additionalProperties false, as tests/e2e/test_openapi_conformance.py checks against real replies.) */
#define FIELD_ERROR                                                                                                  \
    "{\"type\":\"object\",\"required\":[\"field\",\"code\",\"message\"],\"additionalProperties\":false,"             \
    "\"properties\":{"                                                                                               \
    "\"field\":{\"type\":\"string\",\"example\":\"national_id\"},"                                                   \
    "\"code\":{\"type\":\"string\",\"description\":\"stable, the same in every language\","                          \
    "\"example\":\"national_id.check_digit\"},"                                                                      \
    "\"message\":{\"type\":\"string\",\"example\":\"the check digit does not match\"}}}"
#define RECORD_RESULT                                                                                                \
    "{\"type\":\"object\",\"required\":[\"index\",\"status\",\"errors\"],\"additionalProperties\":false,"            \
    "\"properties\":{\"index\":{\"type\":\"integer\",\"example\":0},\"status\":{\"type\":\"string\",\"enum\":["      \
    "\"valid\",\"invalid\"],\"example\":\"valid\",\"description\":\"valid: passes every check the submitter may "    \
    "be told of. An NGO submitter is not told that a national ID is registered outside its center: the reviewing "   \
    "officer sees that in GET /submissions/{id}, and approval is 409 until the officer excludes the record\"},"      \
    "\"errors\":{\"type\":\"array\",\"items\":" FIELD_ERROR "}}}"
#define USER_PLACE                                                                                                   \
    "\"id\":{\"type\":\"integer\",\"example\":7},\"username\":{\"type\":\"string\",\"example\":\"a.rahimi\"},"       \
    "\"role\":{\"type\":\"string\",\"enum\":[\"national_admin\",\"national_viewer\",\"provincial_admin\","           \
    "\"provincial_officer\",\"county_officer\",\"ngo_submitter\"],\"example\":\"county_officer\"},"                  \
    "\"province\":{\"type\":[\"string\",\"null\"],\"example\":\"IR-08\"},"                                           \
    "\"county_id\":{\"type\":[\"integer\",\"null\"],\"example\":120},"                                               \
    "\"center_id\":{\"type\":[\"integer\",\"null\"],\"example\":null},"                                              \
    "\"full_name\":{\"type\":[\"string\",\"null\"],\"example\":\"Ali Rahimi\"}"
#define USER_PLACE_REQUIRED "\"id\",\"username\",\"role\",\"province\",\"county_id\",\"center_id\",\"full_name\""
#define SUBMISSION_SUMMARY_PROPS                                                                                    \
    "\"id\":{\"type\":\"integer\",\"example\":9},\"center_id\":{\"type\":\"integer\",\"example\":17},"               \
    "\"province\":{\"type\":\"string\",\"example\":\"IR-08\"},\"county_id\":{\"type\":\"integer\",\"example\":120}," \
    "\"status\":{\"type\":\"string\",\"enum\":[\"pending\",\"approved\",\"rejected\"],\"example\":\"pending\"},"     \
    "\"record_count\":{\"type\":\"integer\",\"example\":2},\"valid_count\":{\"type\":\"integer\",\"example\":2},"    \
    "\"submitted_by\":{\"type\":\"integer\",\"example\":7},"                                                         \
    "\"reason\":{\"type\":[\"string\",\"null\"],\"example\":null},"                                                  \
    "\"decided_by\":{\"type\":[\"integer\",\"null\"],\"example\":null},"                                             \
    "\"decided_at\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\",\"example\":null},"                     \
    "\"version\":{\"type\":\"integer\",\"example\":1},"                                                               \
    "\"created_at\":{\"type\":\"string\",\"format\":\"date-time\",\"example\":\"2026-01-05T08:30:00Z\"}"
#define SUBMISSION_SUMMARY_REQUIRED                                                                                 \
    "\"id\",\"center_id\",\"province\",\"county_id\",\"status\",\"record_count\",\"valid_count\",\"submitted_by\","  \
    "\"reason\",\"decided_by\",\"decided_at\",\"version\",\"created_at\""

static const schema_def schemas[] = {
    {"Problem",
     "{\"type\":\"object\",\"description\":\"RFC 9457 problem details\",\"required\":[\"type\",\"title\",\"status\","
     "\"detail\",\"request_id\"],\"additionalProperties\":false,"
     "\"properties\":{\"type\":{\"type\":\"string\",\"example\":\"/problems/validation\"},"
     "\"title\":{\"type\":\"string\",\"example\":\"Unprocessable Content\"},"
     "\"status\":{\"type\":\"integer\",\"minimum\":400,\"maximum\":599,\"example\":422},"
     "\"detail\":{\"type\":\"string\",\"example\":\"Some fields are invalid.\"},"
     "\"request_id\":{\"type\":\"string\",\"example\":\"3f9c2a7e1b4d8c06\"},"
     "\"available\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"description\":\"406 only: the media types "
     "this operation serves\",\"example\":[\"application/json\",\"text/csv\"]},"
     "\"errors\":{\"type\":\"array\",\"items\":" FIELD_ERROR "}}}"},
    {"Status",
     "{\"type\":\"object\",\"required\":[\"status\"],\"additionalProperties\":false,\"properties\":{\"status\":"
     "{\"type\":\"string\",\"enum\":[\"ok\",\"ready\"],\"example\":\"ok\"}}}"},
    {"Login",
     "{\"type\":\"object\",\"required\":[\"username\",\"password\"],\"properties\":{"
     "\"username\":{\"type\":\"string\",\"example\":\"a.rahimi\"},"
     "\"password\":{\"type\":\"string\",\"format\":\"password\",\"example\":\"correct horse battery\"}}}"},
    {"LoginResult",
     "{\"type\":\"object\",\"required\":[\"expires_at\",\"user\"],\"additionalProperties\":false,\"properties\":{"
     "\"token\":{\"type\":\"string\",\"description\":\"absent with cookie=true (the session is the cookie)\","
     "\"example\":\"f3b1c2d4e5a6978812345678abcdef00f3b1c2d4e5a69788\"},"
     "\"expires_at\":{\"type\":\"string\",\"format\":\"date-time\",\"example\":\"2026-01-05T16:30:00Z\"},"
     "\"user\":{\"$ref\":\"#/components/schemas/SessionUser\"}}}"},
    {"SessionUser",
     "{\"type\":\"object\",\"description\":\"the signed-in user, as sign-in gives it\",\"required\":["
     USER_PLACE_REQUIRED "],\"additionalProperties\":false,\"properties\":{" USER_PLACE "}}"},
    {"Me",
     "{\"type\":\"object\",\"required\":[" USER_PLACE_REQUIRED ",\"password_changed_at\"],"
     "\"additionalProperties\":false,\"properties\":{" USER_PLACE ",\"password_changed_at\":{\"type\":[\"string\","
     "\"null\"],\"format\":\"date-time\",\"example\":\"2026-01-05T08:30:00Z\"}}}"},
    {"PasswordChange",
     "{\"type\":\"object\",\"required\":[\"current_password\",\"new_password\"],\"properties\":{"
     "\"current_password\":{\"type\":\"string\",\"format\":\"password\",\"example\":\"correct horse battery\"},"
     "\"new_password\":{\"type\":\"string\",\"format\":\"password\",\"minLength\":12,"
     "\"example\":\"another long passphrase\"}}}"},
    {"Training",
     "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"course\":{\"type\":\"string\","
     "\"example\":\"Sign language, level 1\"},\"hours\":{\"type\":\"integer\",\"example\":24},\"completed_on\":{"
     "\"type\":\"string\",\"format\":\"date\",\"example\":\"2025-11-02\"},\"completed_on_jalali\":{\"type\":\"string\","
     "\"example\":\"1404-08-11\"}},\"required\":[\"course\",\"completed_on\"]}"},
    {"Disability",
     "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"type\":{\"type\":\"string\",\"enum\":["
     "\"physical\",\"visual\",\"hearing\",\"speech\",\"intellectual\",\"psychosocial\",\"autism\",\"multiple\"],"
     "\"example\":\"visual\"},\"severity\":{\"type\":\"string\",\"enum\":[\"mild\",\"moderate\",\"severe\","
     "\"very_severe\"],\"example\":\"severe\"}},\"required\":[\"type\",\"severity\"]}"},
    {"TransferResult",
     "{\"type\":\"object\",\"required\":[\"id\",\"province\",\"county_id\",\"center_id\",\"version\"],"
     "\"additionalProperties\":false,\"properties\":{\"id\":{\"type\":\"integer\",\"example\":42},"
     "\"province\":{\"type\":\"string\",\"example\":\"IR-08\"},\"county_id\":{\"type\":\"integer\",\"example\":120},"
     "\"center_id\":{\"type\":[\"integer\",\"null\"],\"example\":17},"
     "\"version\":{\"type\":\"integer\",\"example\":3}}}"},
    {"Submission",
     "{\"type\":\"object\",\"properties\":{\"center_id\":{\"type\":\"integer\",\"description\":\"required for o"
     "fficers; an NGO submitter submits for its own center\",\"example\":17},\"records\":{\"type\":\"array\",\"maxItems"
     "\":1000,\"items\":{\"type\":\"object\",\"properties\":{\"kind\":{\"type\":\"string\",\"enum\":[\"client\",\"st"
     "aff\",\"service\"],\"example\":\"client\"},\"data\":{\"type\":\"object\","
     "\"description\":\"the fields of a ClientWrite, Staff"
     "Write, or ServiceWrite plus client_id; any other field refuses the whole submission (422 naming re"
     "cords[i].data.FIELD, nothing stored)\"}},\"required\":[\"kind\",\"data\"]}}},\"required\":[\"record"
     "s\"],\"example\":{\"records\":[{\"kind\":\"client\",\"data\":{\"national_id\":\"0499370899\",\"first_name\":"
     "\"Maryam\",\"last_name\":\"Karimi\",\"birth_date\":\"1990-03-21\",\"sex\":\"female\",\"county_id\":120}}]}}"},
    {"SubmissionReceipt",
     "{\"type\":\"object\",\"required\":[\"id\",\"status\",\"results\"],\"additionalProperties\":false,"
     "\"properties\":{\"id\":{\"type\":\"integer\",\"example\":9},\"status\":{\"type\":\"string\",\"enum\":[\""
     "pending\"],\"example\":\"pending\"},\"results\":{\"type\":\"array\",\"items\":" RECORD_RESULT "}}}"},
    {"SubmissionSummary",
     "{\"type\":\"object\",\"required\":[" SUBMISSION_SUMMARY_REQUIRED "],\"additionalProperties\":false,"
     "\"properties\":{" SUBMISSION_SUMMARY_PROPS "}}"},
    {"SubmissionDetail",
     "{\"type\":\"object\",\"required\":[" SUBMISSION_SUMMARY_REQUIRED ",\"results\",\"records\"],"
     "\"additionalProperties\":false,\"properties\":{" SUBMISSION_SUMMARY_PROPS ",\"results\":{\"type\":\"array\","
     "\"items\":" RECORD_RESULT "},\"records\":{\"type\":\"array\",\"description\":\"the records as submitted\","
     "\"items\":{\"type\":\"object\"}}}}"},
    {"Decision",
     "{\"type\":\"object\",\"properties\":{\"decision\":{\"type\":\"string\",\"enum\":[\"approve\",\"reject\"],"
     "\"example\":\"approve\"},\"reason\":{\"type\":\"string\",\"description\":\"required to reject\","
     "\"example\":\"duplicate records\"},\"exclude\":{\"type\":\"array\",\"d"
     "escription\":\"approval only: records left out, each reads to the NGO as invalid, 'excluded by the reviewing "
     "officer: <reason>'. A record whose national ID is registered outside the center must be excluded (else 409 na"
     "ming records[i])\",\"items\":{\"type\":\"object\",\"properties\":{\"index\":{\"type\":\"integer\","
     "\"example\":1},\"reason\":{\"type\":\"string\",\"maxLength\":500,\"example\":\"registered elsewhere\"}},"
     "\"required\":[\"index\",\"reason\"]}}},\"required\":[\"decision\"]}"},
    {"DecisionResult",
     "{\"type\":\"object\",\"required\":[\"id\",\"status\",\"reason\"],\"additionalProperties\":false,"
     "\"properties\":{\"id\":{\"type\":\"integer\",\"example\":9},\"status\":{\"type\":\"string\",\"enum\":[\""
     "approved\",\"rejected\"],\"example\":\"approved\"},\"reason\":{\"type\":[\"string\",\"null\"],\"example\":null},"
     "\"applied\":{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"client\":{\"type\":"
     "\"integer\",\"example\":2},\"staff\":{\"type\":\"integer\",\"example\":0},\"service\":{\"type\":\"integer\","
     "\"example\":0}}},\"excluded\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"example\":[]}}}"},
};

static char *document;
static size_t document_len;

/* Parameters and headers many operations share: components, referred to by name */
static const schema_def parameters[] = {
    {"AcceptLanguage",
     "{\"name\":\"Accept-Language\",\"in\":\"header\",\"description\":\"fa: problem titles, details and field error "
     "messages in Persian; English otherwise (field error codes are the same in both)\",\"schema\":{\"type\":"
     "\"string\",\"example\":\"fa\"}}"},
    {"IfMatch",
     "{\"name\":\"If-Match\",\"in\":\"header\",\"required\":true,\"description\":\"The ETag of the record as you last "
     "read it (or *); another version is 412, none is 428\",\"schema\":{\"type\":\"string\","
     "\"example\":\"\\\"3-9f2c4e1a7b6d8e05\\\"\"}}"},
    {"IfMatchOptional",
     "{\"name\":\"If-Match\",\"in\":\"header\",\"description\":\"The ETag of the record as you last read it: with it, "
     "a record changed meanwhile is refused (412)\",\"schema\":{\"type\":\"string\","
     "\"example\":\"\\\"3-9f2c4e1a7b6d8e05\\\"\"}}"},
    {"IfNoneMatch",
     "{\"name\":\"If-None-Match\",\"in\":\"header\",\"description\":\"ETags you hold: 304 without a body when the "
     "record is still one of them\",\"schema\":{\"type\":\"string\",\"example\":\"\\\"3-9f2c4e1a7b6d8e05\\\"\"}}"},
    {"IdempotencyKey",
     "{\"name\":\"Idempotency-Key\",\"in\":\"header\",\"required\":true,\"description\":\"1 to 200 visible ASCII "
     "characters, new for each batch: the same key and body again returns the first reply and creates nothing; the "
     "same key with another body is 409\",\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":200,"
     "\"pattern\":\"^[!-~]+$\",\"example\":\"ngo17-2026-01-05-batch-3\"}}"},
};

static const schema_def headers[] = {
    {"ETag", "{\"description\":\"This record's version as this reply shows it: send it in If-Match to change it, in "
             "If-None-Match to read it again only if it changed\",\"required\":true,\"schema\":{\"type\":\"string\","
             "\"example\":\"\\\"3-9f2c4e1a7b6d8e05\\\"\"}}"},
    {"Location", "{\"description\":\"The new record's address\",\"required\":true,\"schema\":{\"type\":\"string\","
                 "\"format\":\"uri-reference\",\"example\":\"/api/v1/clients/42\"}}"},
    {"RetryAfter", "{\"description\":\"Seconds to wait before trying again\",\"required\":true,\"schema\":{\"type\":"
                   "\"integer\",\"minimum\":0,\"example\":2}}"},
    {"Link", "{\"description\":\"<URL>; rel=\\\"next\\\": this request with the next page's cursor, while there is "
             "one\",\"schema\":{\"type\":\"string\",\"example\":\"</api/v1/clients?cursor=eyJpZCI6NDJ9>; "
             "rel=\\\"next\\\"\"}}"},
    {"IdempotencyReplayed", "{\"description\":\"true when this is the first reply to this Idempotency-Key and body, "
                            "sent again (nothing was created now)\",\"schema\":{\"type\":\"string\",\"enum\":[\"true\"],"
                            "\"example\":\"true\"}}"},
    {"RelatedLink", "{\"description\":\"On a replay: </api/v1/submissions/{id}>; rel=\\\"related\\\", where the "
                    "submission's current state is\",\"schema\":{\"type\":\"string\",\"example\":"
                    "\"</api/v1/submissions/7>; rel=\\\"related\\\"\"}}"},
    {"XNextCursor", "{\"description\":\"CSV pages: the next page's cursor (absent on the last page); JSON pages carry "
                    "it as next_cursor\",\"schema\":{\"type\":\"string\",\"example\":\"eyJpZCI6NDJ9\"}}"},
};

static json_object *parse_or_die(const char *what, const char *name, const char *json)
{
    json_object *o = json_tokener_parse(json);
    if (!o) {
        fprintf(stderr, "openapi: %s %s is not valid JSON\n", what, name);
        abort();
    }
    return o;
}

static json_object *component_ref(const char *kind, const char *name)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "#/components/%s/%s", kind, name);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "$ref", json_object_new_string(buf));
    return o;
}

/* A shared parameter or header, inlined where it is used (a consumer reading an operation's parameters finds
 * each one's name there, with no $ref to follow) */
static json_object *shared(const schema_def *defs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(defs[i].name, name))
            return parse_or_die("shared", name, defs[i].json);
    fprintf(stderr, "openapi: no shared parameter or header %s\n", name);
    abort();
}
#define SHARED_PARAM(name) shared(parameters, sizeof(parameters) / sizeof(parameters[0]), name)
#define SHARED_HEADER(name) shared(headers, sizeof(headers) / sizeof(headers[0]), name)

static json_object *ref(const char *name)
{
    return component_ref("schemas", name);
}

static json_object *content(const char *media, json_object *schema)
{
    json_object *c = json_object_new_object(), *m = json_object_new_object();
    json_object_object_add(m, "schema", schema);
    json_object_object_add(c, media, m);
    return c;
}

static json_object *string_array(const char *const *v)
{
    json_object *a = json_object_new_array();
    for (; *v; v++)
        json_object_array_add(a, json_object_new_string(*v));
    return a;
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
    json_object_object_add(next, "example", NULL);
    json_object_object_add(props, "next_cursor", next);
    /* ?count=true (on the lists that list it among their parameters) */
    json_object *total = json_object_new_object(), *lower = json_object_new_object();
    json_object_object_add(total, "type", json_object_new_string("integer"));
    json_object_object_add(total, "description", json_object_new_string(
        "With ?count=true only: the rows of the whole filter, at most 10000 (see total_is_lower_bound)"));
    json_object_object_add(total, "example", json_object_new_int(1234));
    json_object_object_add(props, "total", total);
    json_object_object_add(lower, "type", json_object_new_string("boolean"));
    json_object_object_add(lower, "description", json_object_new_string(
        "With ?count=true only: true when there are more than 10000 rows (total is then 10000)"));
    json_object_object_add(lower, "example", json_object_new_boolean(0));
    json_object_object_add(props, "total_is_lower_bound", lower);
    json_object_object_add(s, "properties", props);
    static const char *const req[] = {"items", "next_cursor", NULL};
    json_object_object_add(s, "required", string_array(req));
    json_object_object_add(s, "additionalProperties", json_object_new_boolean(0));
    return s;
}

/* A query parameter's values when it takes a fixed set: its filter's choices, else a doc of the form describe.c
 * writes for them ("one of a, b, c") */
static json_object *query_enum(const route *rt, const route_param *qp)
{
    const char *const *choices = describe_query_choices(rt->pattern, qp->name);
    if (choices)
        return string_array(choices);
    if (!qp->description || strncmp(qp->description, "one of ", 7) != 0)
        return NULL;
    json_object *a = json_object_new_array();
    for (const char *p = qp->description + 7; *p;) {
        size_t n = strcspn(p, ",");
        json_object_array_add(a, json_object_new_string_len(p, (int)n));
        p += n;
        p += strspn(p, ", ");
    }
    return a;
}

static void add_param(json_object *params, const char *name, const char *in, const char *type, const char *desc,
                      bool required, json_object *choices)
{
    json_object *p = json_object_new_object(), *s = json_object_new_object();
    json_object_object_add(p, "name", json_object_new_string(name));
    json_object_object_add(p, "in", json_object_new_string(in));
    if (required)
        json_object_object_add(p, "required", json_object_new_boolean(1));
    json_object_object_add(p, "description", json_object_new_string(desc ? desc : name));
    json_object_object_add(s, "type", json_object_new_string(type));
    if (choices)
        json_object_object_add(s, "enum", choices);
    json_object_object_add(p, "schema", s);
    json_object_array_add(params, p);
}

/* A path's id: every {name} in the route table is a record's id */
static void add_path_id(json_object *params, const char *name, const char *collection)
{
    json_object *p = json_object_new_object(), *s = json_object_new_object();
    char desc[160];
    snprintf(desc, sizeof(desc), "The record's id (of %s)", collection);
    json_object_object_add(p, "name", json_object_new_string(name));
    json_object_object_add(p, "in", json_object_new_string("path"));
    json_object_object_add(p, "required", json_object_new_boolean(1));
    json_object_object_add(p, "description", json_object_new_string(desc));
    json_object_object_add(s, "type", json_object_new_string("integer"));
    json_object_object_add(s, "format", json_object_new_string("int64"));
    json_object_object_add(s, "minimum", json_object_new_int(1));
    json_object_object_add(s, "example", json_object_new_int(42));
    json_object_object_add(p, "schema", s);
    json_object_array_add(params, p);
}

static void add_header(json_object *response, const char *name, const char *component)
{
    json_object *h;
    if (!json_object_object_get_ex(response, "headers", &h)) {
        h = json_object_new_object();
        json_object_object_add(response, "headers", h);
    }
    json_object_object_add(h, name, SHARED_HEADER(component));
}

static void add_problem(json_object *responses, int status, const char *desc)
{
    char code[8];
    snprintf(code, sizeof(code), "%d", status);
    json_object *r = json_object_new_object();
    json_object_object_add(r, "description", json_object_new_string(desc));
    json_object_object_add(r, "content", content("application/problem+json", ref("Problem")));
    if (status == 429 || status == 503)
        add_header(r, "Retry-After", "RetryAfter");
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

/* What a route can answer follows from its row: these predicates say how, in one place. */
static bool has_id(const route *rt)
{
    return strchr(rt->pattern, '{') != NULL;
}

static bool is_method(const route *rt, const char *m)
{
    return !strcmp(rt->method, m);
}

/* one record by its id: GET /things/{id} (not a list under it) */
static bool single_record_get(const route *rt)
{
    const char *last = strrchr(rt->pattern, '/');
    return is_method(rt, "GET") && !(rt->flags & ROUTE_LIST) && has_id(rt) && last && last[1] == '{';
}

/* changes a record named by its id, so the record's ETag comes back (PATCH, DELETE, a transfer) */
static bool needs_if_match(const route *rt)
{
    return has_id(rt) && (is_method(rt, "PATCH") || is_method(rt, "DELETE"));
}

/* a record the descriptions (describe.h) make, which its replies tag with an ETag */
static bool described_record(const char *schema)
{
    for (int i = 0; schema && i < describe_count(); i++)
        if (!strcmp(describe_at(i)->schema, schema))
            return true;
    for (int i = 0; schema && i < describe_rows_count(); i++)
        if (!strcmp(describe_rows_at(i)->schema, schema))
            return true;
    return false;
}

/* answers without the database: the probes and descriptions that a down database does not stop */
static bool without_database(const route *rt)
{
    return rt->handler == handle_healthz || rt->handler == handle_openapi || rt->handler == handle_metrics ||
           rt->handler == handle_api_docs;
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
        const char *e = strchr(p, '}'), *seg = p - 1;
        while (seg > rt->pattern && seg[-1] != '/')
            seg--;
        char name[64], collection[64];
        snprintf(name, sizeof(name), "%.*s", (int)(e - p - 1), p + 1);
        snprintf(collection, sizeof(collection), "%.*s", (int)(p - 1 - seg), seg);
        add_path_id(params, name, collection);
    }
    /* exactly the query parameters dispatch accepts (any other is 400): one list, router.c's */
    for (const route_param *qp = router_query_params((int)(rt - routes)); qp && qp->name; qp++) {
        add_param(params, qp->name, "query", qp->type, qp->description, false, query_enum(rt, qp));
        if ((rt->flags & ROUTE_LIST) && !strcmp(qp->name, "limit")) {
            json_object *last = json_object_array_get_idx(params, json_object_array_length(params) - 1);
            json_object *limit = json_object_object_get(last, "schema");
            json_object_object_add(limit, "minimum", json_object_new_int(1));
            json_object_object_add(limit, "maximum", json_object_new_int(500));
            json_object_object_add(limit, "default", json_object_new_int(50));
        }
    }
    if (needs_if_match(rt))
        json_object_array_add(params, SHARED_PARAM("IfMatch"));
    else if (has_id(rt) && is_method(rt, "POST") && rt->handler == handle_clients_transfer)
        json_object_array_add(params, SHARED_PARAM("IfMatchOptional"));
    if (single_record_get(rt))
        json_object_array_add(params, SHARED_PARAM("IfNoneMatch"));
    if (rt->handler == handle_submissions_create)
        json_object_array_add(params, SHARED_PARAM("IdempotencyKey"));
    json_object_array_add(params, SHARED_PARAM("AcceptLanguage"));
    json_object_object_add(op, "parameters", params);

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
        else if (!strcmp(rt->response, "ApiDocs")) {
            json_object *page = json_object_new_object();     /* /api/v1/docs: a page, not JSON */
            json_object_object_add(page, "type", json_object_new_string("string"));
            c = content("text/html", page);
        } else if (!strcmp(rt->response, "Metrics") || !strcmp(rt->response, "OpenAPI")) {
            json_object *s = json_object_new_object();
            json_object_object_add(s, "type", json_object_new_string(strcmp(rt->response, "Metrics") ? "object"
                                                                                                       : "string"));
            c = content(strcmp(rt->response, "Metrics") ? "application/json" : "text/plain", s);
        } else
            c = content("application/json", ref(rt->response));
        if (router_produces((int)(rt - routes)) & (1u << MEDIA_CSV)) {   /* lists and reports */
            json_object *csv = json_object_new_object(), *s = json_object_new_object();
            json_object_object_add(s, "type", json_object_new_string("string"));
            json_object_object_add(csv, "schema", s);
            json_object_object_add(c, "text/csv", csv);
        }
        if (rt->flags & ROUTE_LIST) {
            add_header(ok, "X-Next-Cursor", "XNextCursor");
            add_header(ok, "Link", "Link");
        }
        json_object_object_add(ok, "content", c);
    }
    if (single_record_get(rt) || needs_if_match(rt) || (rt->ok_status == 201 && described_record(rt->response)))
        add_header(ok, "ETag", "ETag");
    if (rt->ok_status == 201)
        add_header(ok, "Location", "Location");
    if (rt->handler == handle_submissions_create) {     /* a replayed Idempotency-Key (submissions.c) */
        add_header(ok, "Idempotency-Replayed", "IdempotencyReplayed");
        add_header(ok, "Link", "RelatedLink");
    }
    json_object_object_add(responses, code, ok);
    if (single_record_get(rt)) {
        json_object *nm = json_object_new_object();
        json_object_object_add(nm, "description", json_object_new_string("Not Modified: If-None-Match names this "
                                                                          "record's current ETag"));
        add_header(nm, "ETag", "ETag");
        json_object_object_add(responses, "304", nm);
    }
    add_problem(responses, 400, "Malformed request, query (an unknown parameter too) or JSON");
    if (rt->perm != PERM_PUBLIC)
        add_problem(responses, 401, "No token, or a bad or expired one");
    else if (rt->flags & ROUTE_THROTTLED)
        add_problem(responses, 401, "Wrong username or password");
    /* a role that may not (not for what every signed-in user may); a session cookie on a write without its
     * console's Origin */
    if (rt->perm != PERM_PUBLIC && (rt->perm != PERM_ANY || !is_method(rt, "GET")))
        add_problem(responses, 403, "Allowed to see but not to do");
    if (has_id(rt) || !strcmp(rt->pattern, "/metrics"))
        add_problem(responses, 404, has_id(rt) ? "Unknown, or outside the caller's scope"
                                               : "Not served to this address without metrics_token");
    if (router_produces((int)(rt - routes)))
        add_problem(responses, 406, "Accept allows none of the media types this operation serves (the problem's "
                                    "available member lists them)");
    if (rt->request && (is_method(rt, "POST") || is_method(rt, "PATCH")))
        add_problem(responses, 409, "Conflicts with another record (a unique value, an Idempotency-Key used for "
                                    "another body) or with the record's state or a quota");
    if (needs_if_match(rt) || rt->handler == handle_clients_transfer)
        add_problem(responses, 412, "If-Match names another version of this record");
    if (needs_if_match(rt))
        add_problem(responses, 428, "If-Match is required");
    if (rt->request) {
        add_problem(responses, 413, "Body over the limit");
        add_problem(responses, 415, "Body is not JSON");
        add_problem(responses, 422, "Valid JSON, invalid fields");
    }
    if (rt->flags & ROUTE_THROTTLED)
        add_problem(responses, 429, "Too many password checks for this user or from this address, or too many at "
                                    "once (with Retry-After); nothing was checked");
    else if (rt->flags & (ROUTE_EXPENSIVE | ROUTE_LIST) || rt->handler == handle_submissions_create)
        add_problem(responses, 429, "Over a rate limit or quota (searches, exports, reports, records submitted a "
                                    "day), with Retry-After");
    if (!without_database(rt))
        add_problem(responses, 503, rt->handler == handle_readyz ? "The database does not answer (with Retry-After)"
                                                                 : "Database unavailable (with Retry-After)");
    json_object_object_add(op, "responses", responses);
    if (rt->perm == PERM_PUBLIC)
        json_object_object_add(op, "security", json_object_new_array());
    return op;
}

/* The tags' descriptions (the route table names a tag per route) */
static const struct {
    const char *name, *description;
} tag_docs[] = {
    {"audit", "The append-only trail of every write and of every read of a person's record"},
    {"auth", "Signing in and out, the signed-in user, one's own password"},
    {"funding", "Allocations, campaigns, donations, microfinance loans and their repayments"},
    {"geography", "Provinces and counties"},
    {"meta", "Probes, metrics and this description"},
    {"registry", "Centers, staff, clients, households, programs, enrollments and services"},
    {"reports", "Figures per province or county of the caller's scope"},
    {"submissions", "Batches of records NGO centers send for review"},
    {"sync", "The changes feed: every create, update, close and transfer in the caller's scope, in commit order"},
    {"users", "User accounts within the caller's scope"},
};

static json_object *tags_of_routes(void)
{
    json_object *tags = json_object_new_array();
    for (size_t i = 0; i < sizeof(tag_docs) / sizeof(tag_docs[0]); i++) {
        json_object *t = json_object_new_object();
        json_object_object_add(t, "name", json_object_new_string(tag_docs[i].name));
        json_object_object_add(t, "description", json_object_new_string(tag_docs[i].description));
        json_object_array_add(tags, t);
    }
    /* a route whose tag has no description is a programming error: its operation would name an undefined tag */
    for (int i = 0; i < nroutes; i++) {
        bool found = false;
        for (size_t k = 0; k < sizeof(tag_docs) / sizeof(tag_docs[0]) && !found; k++)
            found = !strcmp(routes[i].tag, tag_docs[k].name);
        if (!found) {
            fprintf(stderr, "openapi: route %s %s has tag %s, which openapi.c's tag_docs does not describe\n",
                    routes[i].method, routes[i].pattern, routes[i].tag);
            abort();
        }
    }
    return tags;
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
    json_object *license = json_object_new_object();
    json_object_object_add(license, "name", json_object_new_string("Proprietary: the welfare organization's own"));
    json_object_object_add(license, "identifier", json_object_new_string("LicenseRef-Proprietary"));
    json_object_object_add(info, "license", license);
    json_object_object_add(doc, "info", info);
    /* relative: the description is served by the server it describes, whatever its address */
    json_object *servers = json_object_new_array(), *server = json_object_new_object();
    json_object_object_add(server, "url", json_object_new_string("/"));
    json_object_object_add(server, "description", json_object_new_string("The registryd serving this description"));
    json_object_array_add(servers, server);
    json_object_object_add(doc, "servers", servers);
    json_object_object_add(doc, "tags", tags_of_routes());

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
    for (size_t i = 0; i < sizeof(schemas) / sizeof(schemas[0]); i++)
        json_object_object_add(sch, schemas[i].name, parse_or_die("schema", schemas[i].name, schemas[i].json));
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
    /* a body schema no route takes (a resource written only on create has no patch body): not described */
    json_object *used = json_object_new_object();
    for (int i = 0; i < nroutes; i++) {
        if (routes[i].request)
            json_object_object_add(used, routes[i].request, NULL);
        if (routes[i].response)
            json_object_object_add(used, routes[i].response, NULL);
    }
    for (int i = 0; i < describe_count(); i++) {
        char name[96];
        snprintf(name, sizeof(name), "%sPatch", describe_at(i)->schema);
        if (!json_object_object_get_ex(used, name, NULL))
            json_object_object_del(sch, name);
        snprintf(name, sizeof(name), "%sWrite", describe_at(i)->schema);
        if (!json_object_object_get_ex(used, name, NULL))
            json_object_object_del(sch, name);
    }
    json_object_put(used);
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
