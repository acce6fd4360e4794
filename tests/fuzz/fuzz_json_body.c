/*
 * fuzz_json_body.c - the request body path: json-c's strict parse, then the registry's own refusals (duplicate
 * keys, \u0000, lone surrogates). Properties: no crash; whatever passes both re-serializes to JSON that parses and
 * passes again, unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/json_strict.h"

static json_object *parse(const char *data, size_t size)
{
    json_tokener *tok = json_tokener_new_ex(64);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *obj = json_tokener_parse_ex(tok, data, (int)size);
    if (json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != size) {
        json_object_put(obj);
        obj = NULL;
    }
    json_tokener_free(tok);
    return obj;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    char err[200];
    json_object *obj = parse((const char *)data, size);
    if (!obj)
        return 0;
    if (json_strict_check((const char *)data, size, err, sizeof(err)) == 0) {
        /* a trailing space ends a top-level number for json-c's incremental parser */
        const char *printed = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
        size_t len = strlen(printed);
        char *again = malloc(len + 2);
        memcpy(again, printed, len);
        again[len] = ' ';
        again[len + 1] = '\0';
        json_object *obj2 = parse(again, len + 1);
        if (!obj2 || json_strict_check(again, len + 1, err, sizeof(err)) != 0)
            abort();
        if (strcmp(printed, json_object_to_json_string_ext(obj2, JSON_C_TO_STRING_PLAIN)) != 0)
            abort();
        json_object_put(obj2);
        free(again);
    }
    json_object_put(obj);
    return 0;
}
