#include "server/http/validate.h"

#include <string.h>

#include "common/digits.h"
#include "common/jalali.h"
#include "common/national_id.h"
#include "common/textnorm.h"
#include "common/utf8.h"

static const field_spec *find_spec(const field_spec *spec, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(spec[i].name, key))
            return &spec[i];
    return NULL;
}

static size_t codepoints(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static bool string_ok(json_object *v, const field_spec *f, field_errors *fe)
{
    const char *s = json_object_get_string(v);
    size_t len = (size_t)json_object_get_string_len(v);
    if (strlen(s) != len) {
        field_error(fe, f->name, "must not contain NUL characters");
        return false;
    }
    if (utf8_validate(s, len) != 0) {
        field_error(fe, f->name, "is not valid UTF-8");
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f) {
            field_error(fe, f->name, "must not contain control characters");
            return false;
        }
    size_t cp = codepoints(s);
    if (f->max && cp > (size_t)f->max) {
        field_error(fe, f->name, "must be at most %lld characters", (long long)f->max);
        return false;
    }
    if (f->min && cp < (size_t)f->min) {
        if (f->min == 1)
            field_error(fe, f->name, "must not be empty");
        else
            field_error(fe, f->name, "must be at least %lld characters", (long long)f->min);
        return false;
    }
    return true;
}

static bool int_value(json_object *v, int64_t *out)
{
    if (json_object_get_type(v) == json_type_int) {
        /* json-c clamps numbers beyond int64 to the limits; refuse them instead of storing a wrong value */
        const char *txt = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
        if (parse_int64_digits(txt, out) != 0)
            return false;
        return true;
    }
    if (json_object_get_type(v) == json_type_string)
        return parse_int64_digits(json_object_get_string(v), out) == 0;
    return false;
}

bool validate_fields(json_object *obj, const field_spec *spec, int n, bool partial, field_errors *fe)
{
    if (!json_object_is_type(obj, json_type_object)) {
        field_error(fe, "", "the body must be a JSON object");
        return false;
    }
    bool ok = true;
    json_object_object_foreach(obj, key, val)
    {
        const field_spec *f = find_spec(spec, n, key);
        if (!f) {
            size_t kl = strlen(key);
            /* X_jalali stands for a date field X */
            if (kl > 7 && !strcmp(key + kl - 7, "_jalali")) {
                char base[128];
                snprintf(base, sizeof(base), "%.*s", (int)(kl - 7), key);
                const field_spec *d = find_spec(spec, n, base);
                if (d && d->type == F_DATE) {
                    ymd j, g, iso;
                    json_object *other;
                    if (val && (!json_object_is_type(val, json_type_string) ||
                                jalali_parse(json_object_get_string(val), &j) != 0 || jalali_to_gregorian(j, &g) != 0)) {
                        field_error(fe, key, "must be a Jalali date YYYY-MM-DD");
                        ok = false;
                    } else if (val && json_object_object_get_ex(obj, base, &other) && other &&
                               json_object_is_type(other, json_type_string) &&
                               date_parse_iso(json_object_get_string(other), &iso) == 0 &&
                               (iso.y != g.y || iso.m != g.m || iso.d != g.d)) {
                        field_error(fe, key, "is a different day than %s; send one of them", base);
                        ok = false;
                    }
                    continue;
                }
            }
            field_error(fe, key, "is not a field of this resource (or may not be set)");
            ok = false;
            continue;
        }
        if (!val) {
            if (f->required) {
                field_error(fe, key, "must not be null");
                ok = false;
            }
            continue;
        }
        switch (f->type) {
        case F_STRING:
            if (!json_object_is_type(val, json_type_string)) {
                field_error(fe, key, "must be a string");
                ok = false;
            } else if (!string_ok(val, f, fe))
                ok = false;
            break;
        case F_ENUM: {
            bool found = false;
            if (json_object_is_type(val, json_type_string))
                for (const char *const *c = f->choices; *c; c++)
                    if (!strcmp(*c, json_object_get_string(val)))
                        found = true;
            if (!found) {
                char list[512] = "";
                size_t l = 0;
                for (const char *const *c = f->choices; *c && l < sizeof(list) - 40; c++)
                    l += (size_t)snprintf(list + l, sizeof(list) - l, "%s%s", l ? ", " : "", *c);
                field_error(fe, key, "must be one of: %s", list);
                ok = false;
            }
            break;
        }
        case F_INT: {
            int64_t v;
            if (json_object_is_type(val, json_type_double)) {
                field_error(fe, key, "must be a whole number");
                ok = false;
            } else if (!int_value(val, &v)) {
                field_error(fe, key, "must be a whole number within range");
                ok = false;
            } else if (v < f->min || v > f->max) {
                field_error(fe, key, "must be from %lld to %lld", (long long)f->min, (long long)f->max);
                ok = false;
            }
            break;
        }
        case F_BOOL:
            if (!json_object_is_type(val, json_type_boolean)) {
                field_error(fe, key, "must be true or false");
                ok = false;
            }
            break;
        case F_DATE: {
            ymd d;
            if (!json_object_is_type(val, json_type_string) || date_parse_iso(json_object_get_string(val), &d) != 0) {
                field_error(fe, key, "must be a date YYYY-MM-DD");
                ok = false;
            } else if (d.y < ISO_DATE_MIN_YEAR) {
                /* what a Jalali date sent to the Gregorian field looks like (1403-12-31) */
                field_error(fe, key, "must be a Gregorian date from %d on; for a Jalali date such as %04d-%02d-%02d "
                            "use %s_jalali", ISO_DATE_MIN_YEAR, d.y, d.m, d.d, key);
                ok = false;
            }
            break;
        }
        case F_NATIONAL_ID: {
            char out[11];
            int err = json_object_is_type(val, json_type_string)
                          ? national_id_normalize(json_object_get_string(val), out)
                          : NATIONAL_ID_NOT_DIGITS;
            if (err != NATIONAL_ID_OK) {
                field_error(fe, key, "%s", national_id_error_message(err));
                ok = false;
            }
            break;
        }
        case F_ANY:
            break;
        }
    }
    if (!partial)
        for (int i = 0; i < n; i++) {
            if (!spec[i].required)
                continue;
            json_object *v;
            bool present = json_object_object_get_ex(obj, spec[i].name, &v) && v;
            if (!present && spec[i].type == F_DATE) {
                char jk[128];
                snprintf(jk, sizeof(jk), "%s_jalali", spec[i].name);
                present = json_object_object_get_ex(obj, jk, &v) && v;
            }
            if (!present) {
                field_error(fe, spec[i].name, "is required");
                ok = false;
            }
        }
    return ok;
}

const char *body_string(json_object *obj, const char *name)
{
    json_object *v;
    if (!json_object_object_get_ex(obj, name, &v) || !v)
        return NULL;
    return json_object_get_string(v);
}

bool body_int(json_object *obj, const char *name, int64_t *out)
{
    json_object *v;
    if (!json_object_object_get_ex(obj, name, &v) || !v)
        return false;
    return int_value(v, out);
}

bool body_has(json_object *obj, const char *name)
{
    return json_object_object_get_ex(obj, name, NULL);
}

bool body_is_null(json_object *obj, const char *name)
{
    json_object *v;
    return json_object_object_get_ex(obj, name, &v) && v == NULL;
}

const char *body_date(req_ctx *rc, json_object *obj, const char *name)
{
    ymd d;
    const char *iso = body_string(obj, name);
    if (iso && date_parse_iso(iso, &d) == 0 && d.y >= ISO_DATE_MIN_YEAR) {
        char *out = arena_alloc(rc->arena, 11);
        date_format(d, out);
        return out;
    }
    char jk[128];
    snprintf(jk, sizeof(jk), "%s_jalali", name);
    const char *jal = body_string(obj, jk);
    ymd j, g;
    if (jal && jalali_parse(jal, &j) == 0 && jalali_to_gregorian(j, &g) == 0) {
        char *out = arena_alloc(rc->arena, 11);
        date_format(g, out);
        return out;
    }
    return NULL;
}

bool validate_is_field(const field_spec *spec, int n, const char *key)
{
    if (find_spec(spec, n, key))
        return true;
    size_t kl = strlen(key);
    if (kl <= 7 || strcmp(key + kl - 7, "_jalali") != 0)
        return false;
    char base[128];
    snprintf(base, sizeof(base), "%.*s", (int)(kl - 7), key);
    const field_spec *d = find_spec(spec, n, base);
    return d && d->type == F_DATE;
}

const char *clean_text(req_ctx *rc, const char *s, const char *field, field_errors *fe)
{
    size_t n = strlen(s);
    char *clean = arena_alloc(rc->arena, n + 1);
    if (textnorm_clean_input(s, clean, n + 1) == (size_t)-1) {
        field_error(fe, field, "holds characters that are not allowed");
        return NULL;
    }
    return clean;
}
