/*
 * validate.h - checking a JSON body against the fields a resource accepts. Every problem is collected (unknown
 * field, wrong type, missing, too long, out of range) so a 422 names them all at once.
 */
#ifndef REGISTRY_VALIDATE_H
#define REGISTRY_VALIDATE_H

/* An ISO date field refuses earlier years: a Jalali date sent to it (1403-12-31) is a mistake, not a date. */
#define ISO_DATE_MIN_YEAR 1800

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "server/http/request.h"

typedef enum {
    F_STRING,       /* text: valid UTF-8, no control characters, at most max_len code points */
    F_INT,          /* a whole number (or a string of digits in any script), min..max */
    F_BOOL,
    F_ENUM,         /* a string among choices (NULL-terminated) */
    F_DATE,         /* YYYY-MM-DD (Gregorian, from ISO_DATE_MIN_YEAR on); the field X_jalali is accepted instead */
    F_NATIONAL_ID,  /* 10 digits in any script, check digit verified, not all one digit */
    F_ANY,          /* checked by the handler */
} field_type;

typedef struct field_spec {
    const char *name;
    field_type type;
    bool required;
    int64_t min, max;               /* F_INT range; F_STRING: min/max code points (0 = no limit) */
    const char *const *choices;     /* F_ENUM */
} field_spec;

/* A field error with a stable machine code ("<field>.<reason>", e.g. "national_id.check_digit",
 * "first_name.too_long", "county_id.required") and a Persian message beside the English one. A reply shows field,
 * message (English) and code; the Persian message travels with the error (json-c user data, never serialised)
 * until replies choose a language (field_error_fa). */
void field_error_coded(field_errors *fe, const char *field, const char *reason, const char *fa, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* An error's code and Persian message (NULL for an error made by plain field_error). */
const char *field_error_code(json_object *err);
/* A national ID error (national_id_normalize's code) on field: its code, English and Persian message. */
void field_error_national_id(field_errors *fe, const char *field, const char *label_fa, int err);

/* Checks obj (must be an object) against spec; adds an error per problem. For PATCH (partial), required fields
 * may be absent. Returns true when there was no error. */
bool validate_fields(json_object *obj, const field_spec *spec, int n, bool partial, field_errors *fe);
/* The same with each field's Persian name (labels_fa[i] for spec[i]; NULL entries, or NULL: the JSON name) for the
 * Persian messages. */
bool validate_fields_fa(json_object *obj, const field_spec *spec, const char *const *labels_fa, int n, bool partial,
                        field_errors *fe);

/* Is key one of spec's fields (or X_jalali of a date field X)? */
bool validate_is_field(const field_spec *spec, int n, const char *key);

/* Accessors for validated bodies. NULL / false when the field is absent or JSON null. */
const char *body_string(json_object *obj, const char *name);
bool body_int(json_object *obj, const char *name, int64_t *out);
bool body_has(json_object *obj, const char *name);
bool body_is_null(json_object *obj, const char *name);
/* A date field as ISO YYYY-MM-DD (from X or X_jalali); NULL when absent. */
const char *body_date(req_ctx *rc, json_object *obj, const char *name);
/* Free text as it is stored (textnorm_clean_input: trimmed, whitespace collapsed, bidi controls and invisible
 * characters removed), in the request's arena; NULL after a field error (characters that are not allowed).
 * Every human-readable text field goes through it. */
const char *clean_text(req_ctx *rc, const char *s, const char *field, field_errors *fe);

#endif
