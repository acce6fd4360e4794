/*
 * fuzz_json_body.c - the request body path as the server runs it (json_body_parse: json-c's strict parse, then
 * the registry's own refusals: duplicate keys, \u0000, lone surrogates). Properties: no crash; every refusal says
 * why; whatever passes re-serializes to JSON that passes again, unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/json_strict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    char detail[260] = "";
    json_object *obj = json_body_parse((const char *)data, size, detail, sizeof(detail));
    if (!obj) {
        if (!detail[0])
            abort();    /* every refusal explains itself */
        return 0;
    }
    /* a trailing space ends a top-level number for json-c's incremental parser */
    const char *printed = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
    size_t len = strlen(printed);
    char *again = malloc(len + 2);
    memcpy(again, printed, len);
    again[len] = ' ';
    again[len + 1] = '\0';
    json_object *obj2 = json_body_parse(again, len + 1, detail, sizeof(detail));
    if (!obj2)
        abort();
    if (strcmp(printed, json_object_to_json_string_ext(obj2, JSON_C_TO_STRING_PLAIN)) != 0)
        abort();
    json_object_put(obj2);
    free(again);
    json_object_put(obj);
    return 0;
}
