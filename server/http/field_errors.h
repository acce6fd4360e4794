/* field_errors.h - the {"field","code","message"} list of a 422 (or a 400 naming query parameters). */
#ifndef REGISTRY_FIELD_ERRORS_H
#define REGISTRY_FIELD_ERRORS_H

#include <json-c/json.h>

/* Field errors for a 422: {"field","message"} pairs, collected while validating.
 *
 * Who frees the list: the struct holds its one reference until a taker takes it (reply_problem_fields, a root it is
 * added to, req_own_json, or a json_object_put by hand). A list made while this thread serves a request (dispatch
 * and a job's callback set req_current) is also registered with that request (req_sweep_json): if no taker has
 * freed it when the request ends, the request puts it, so a handler that collects errors and then leaves by another
 * path (an early return, a reply of another kind) drops nothing. Why this design: `field_errors fe = {0};` (24
 * places) and field_error (about 100 calls) know no request and return nothing, and every taker above stays right as
 * it is (the sweep skips a list already freed), so no call site changes; a struct holding rc would touch them all.
 * Without a request (unit tests, start-up) the list is the struct's alone, as before: its maker puts it. */
typedef struct field_errors {
    json_object *list;              /* a json array, or NULL while empty */
} field_errors;

/* Appends {"field","code","message"} to fe's list, making the list on the first error. The code and the Persian
 * message (field_error_fa) come from the catalog (server/http/messages.h), found by the English message. */
void field_error(field_errors *fe, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The Persian message of a field error (the catalog's, or validate.h's field_error_coded's own); NULL when the
 * catalog has none (tests/check_messages.py keeps that from happening). */
const char *field_error_fa(json_object *err);

#endif
