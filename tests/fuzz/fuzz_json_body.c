/*
 * fuzz_json_body.c - the request body path as the server runs it: json_body_read (server/http/input.c, the core of
 * req_json_body: the Content-Type, then json_body_parse: json-c's strict parse and the registry's own refusals:
 * duplicate keys, \u0000, lone surrogates). The first byte picks the Content-Type. Properties: no crash; a body
 * that is not JSON by its type is 415 whatever it holds; every refusal says why; whatever passes re-serializes to
 * JSON that passes again, unchanged.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "server/http/input.h"

static const char *const types[] = {"application/json", "application/problem+json; charset=utf-8",
                                    "Application/JSON ; charset=utf-8", "text/plain", "application/jsonx", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 16)
        return 0;
    int t = data[0] % 6;
    bool json_type = t < 3;
    data++, size--;
    char detail[260] = "";
    json_object *obj;
    int status = json_body_read(types[t], (const char *)data, size, &obj, detail, sizeof(detail));
    if (status != 0) {
        if (!detail[0] || obj || status != (json_type ? 400 : 415))
            abort();    /* every refusal explains itself, and a body not JSON by its type is never parsed */
        return 0;
    }
    if (!json_type || !obj)
        abort();
    /* a trailing space ends a top-level number for json-c's incremental parser */
    const char *printed = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
    size_t len = strlen(printed);
    char *again = malloc(len + 2);
    memcpy(again, printed, len);
    again[len] = ' ';
    again[len + 1] = '\0';
    json_object *obj2;
    if (json_body_read(types[0], again, len + 1, &obj2, detail, sizeof(detail)) != 0)
        abort();
    if (strcmp(printed, json_object_to_json_string_ext(obj2, JSON_C_TO_STRING_PLAIN)) != 0)
        abort();
    json_object_put(obj2);
    free(again);
    json_object_put(obj);
    return 0;
}
