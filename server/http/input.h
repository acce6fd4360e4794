/*
 * input.h - what a request brings: query parameters, path parameters, the JSON body, list parameters, If-Match.
 * Each reader that can fail replies itself (400, 415, 428) and says so by returning NULL or false: after that the
 * caller returns at once.
 */
#ifndef REGISTRY_INPUT_H
#define REGISTRY_INPUT_H

#include <stdbool.h>

#include <json-c/json.h>

#include "server/http/context.h"

/* Every decoded query parameter is valid UTF-8 and given at most once (at most 64 of them); false after replying
 * 400 naming the offending ones. Runs before any handler of an authenticated route. */
bool req_query_check(req_ctx *rc);
/* Decoded path parameter i, or NULL after replying 400 when it is not valid percent-encoding. */
const char *req_path_param(req_ctx *rc, int i);

/* ?limit= (default 50, 1..500) and ?cursor=. Returns false after replying 400. */
bool req_list_params(req_ctx *rc, int *limit, const char **cursor);
/* The JSON body, or NULL after replying (415 not JSON, 400 malformed). The object lives as long as the request. */
json_object *req_json_body(req_ctx *rc);

/* "IR-08" (digits in any script) as stored; NULL when in is not a province code. */
const char *req_province_code(req_ctx *rc, const char *in);

/* For PATCH/DELETE: the version the client last saw, from If-Match on this record. Returns NULL after replying
 * 428 (missing); "" for "*" (any version); ETAG_NO_VERSION when no tag in it is this record's, so the record is
 * looked up first and the answer is 404 when it is not there for the caller, 412 when it is. */
const char *req_if_match(req_ctx *rc, const char *entity, const char *id, const char *variant);

#endif
