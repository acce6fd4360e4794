/* field_errors.h - the {"field","message"} list of a 422 (or a 400 naming query parameters). */
#ifndef REGISTRY_FIELD_ERRORS_H
#define REGISTRY_FIELD_ERRORS_H

#include <json-c/json.h>

/* Field errors for a 422: {"field","message"} pairs, collected while validating. */
typedef struct field_errors {
    json_object *list;              /* a json array, or NULL while empty */
} field_errors;

void field_error(field_errors *fe, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
