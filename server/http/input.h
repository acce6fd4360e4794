/*
 * input.h - what a request brings: query parameters, path parameters, the JSON body, If-Match (list parameters: list.h).
 * Each reader comes twice: a pure core, which returns a result or an error value (field errors, a status and a
 * detail) and never replies, so unit tests and fuzz targets (tests/fuzz) run exactly what production runs; and the
 * thin req_* wrapper a handler calls, which replies on failure (400, 415, 428: the "_or_reply" of issue 14) and says
 * so by returning NULL or false: after that the caller returns at once.
 */
#ifndef REGISTRY_INPUT_H
#define REGISTRY_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/keyvalq_struct.h>
#include <json-c/json.h>

#include "common/arena.h"
#include "server/http/context.h"
#include "server/http/field_errors.h"

/* Pure cores ---------------------------------------------------------------------------------------------------- */

/* Every decoded query parameter is valid UTF-8 and given at most once (at most 64 of them): true, or false with fe
 * (empty when called) naming the offending ones. */
bool query_check(const struct evkeyvalq *query, field_errors *fe);
/* Every query parameter's name is one the route at route_index takes (router_query_params): true, or false with a
 * field error per other name (field: the name, code query.unknown, the message suggesting the nearest name the route
 * takes within edit distance 2: "did you mean province?"). */
bool query_check_known(const struct evkeyvalq *query, int route_index, field_errors *fe);
/* A path segment of len bytes percent-decoded into a (invalid escapes, NUL bytes and bytes that are not UTF-8 are
 * refused: NULL). */
char *path_param_decode(arena *a, const char *segment, int len);
/* A request body as JSON: 0 with *out (the caller's reference), or the status to answer (415 not JSON by its
 * Content-Type, which may be NULL; 400 empty or malformed) with detail saying why. */
int json_body_read(const char *content_type, const char *data, size_t len, json_object **out, char *detail,
                   size_t detail_size);
/* The value of cookie name in a Cookie header ("a=1; b=2"; NULL header: none) copied into out: true when it is
 * there exactly once with a value of 1 to out_size - 1 bytes (a cookie given twice is ambiguous: refused). */
bool cookie_value(const char *cookie_header, const char *name, char *out, size_t out_size);
/* True when origin (an Origin header) is https://HOST exactly, host being the request's Host header (with its port,
 * if any); compared case-insensitively, as host names are. NULL or "null" never matches. */
bool origin_is_own(const char *origin, const char *host);
/* "IR-08" (digits in any script) folded as stored, in a; NULL when in is not a province code. */
const char *province_code_parse(arena *a, const char *in);

/* The wrappers a handler calls ------------------------------------------------------------------------------------ */

/* query_check and query_check_known on the request's query; false after replying 400 naming the offending
 * parameters. dispatch runs it on every routed request, before the gate. */
bool req_query_check(req_ctx *rc);
/* Decoded path parameter i, or NULL after replying 400 when it is not valid percent-encoding. */
const char *req_path_param(req_ctx *rc, int i);

/* The body as received: its length, and its bytes (contiguous, as long as the request lives). */
size_t req_body_length(req_ctx *rc);
const char *req_body_bytes(req_ctx *rc);
/* The JSON body, or NULL after replying (415 not JSON, 400 malformed). The object lives as long as the request. */
json_object *req_json_body(req_ctx *rc);

/* province_code_parse in the request's arena (it replies nothing: the caller names the field). */
const char *req_province_code(req_ctx *rc, const char *in);

/* For PATCH/DELETE (its pure core is etag_if_match, server/http/etag.h): the version the client last saw, from
 * If-Match on this record. Returns NULL after replying 428 (missing); "" for "*" (any version); ETAG_NO_VERSION
 * when no tag in it is this record's, so the record is looked up first and the answer is 404 when it is not there
 * for the caller, 412 when it is. */
const char *req_if_match(req_ctx *rc, const char *entity, const char *id, const char *variant);

#endif
