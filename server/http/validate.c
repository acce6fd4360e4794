#include "server/http/validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/digits.h"
#include "common/jalali.h"
#include "common/national_id.h"
#include "common/textnorm.h"
#include "common/utf8.h"

/* Field errors with a code and a Persian message ------------------------------------------------------------ */

static void free_fa(json_object *o, void *fa)
{
    (void)o;
    free(fa);
}

void field_error_coded(field_errors *fe, const char *field, const char *reason, const char *fa, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    field_error(fe, field, "%s", msg);
    json_object *e = json_object_array_get_idx(fe->list, json_object_array_length(fe->list) - 1);
    /* field.reason, whole: a cut could split a character of a field name; a key the client invented is not part
     * of a stable code, so an unknown field's code is "unknown_field" (the key is in "field") */
    if (!strcmp(reason, "unknown")) {
        json_object_object_add(e, "code", json_object_new_string("unknown_field"));
    } else {
        size_t fl = strlen(field), rl = strlen(reason);
        char *code = malloc(fl + rl + 2);
        if (!code)
            abort();
        memcpy(code, field, fl);
        code[fl] = '.';
        memcpy(code + fl + (fl ? 1 : 0), reason, rl + 1);
        json_object_object_add(e, "code", json_object_new_string(code));
        free(code);
    }
    json_object_set_userdata(e, strdup(fa), free_fa);
}

const char *field_error_code(json_object *err)
{
    json_object *c;
    return json_object_object_get_ex(err, "code", &c) ? json_object_get_string(c) : NULL;
}

void field_error_national_id(field_errors *fe, const char *field, const char *label_fa, int err)
{
    const char *l = label_fa ? label_fa : "کد ملی";
    char fa[256];
    const char *reason;
    switch (err) {
    case NATIONAL_ID_BAD_LENGTH:
        reason = "length";
        snprintf(fa, sizeof(fa), "%s باید دقیقاً ۱۰ رقم باشد.", l);
        break;
    case NATIONAL_ID_NOT_DIGITS:
        reason = "not_digits";
        snprintf(fa, sizeof(fa), "%s فقط باید رقم داشته باشد.", l);
        break;
    case NATIONAL_ID_ALL_SAME:
        reason = "same_digits";
        snprintf(fa, sizeof(fa), "%s نمی‌تواند از یک رقم تکراری باشد.", l);
        break;
    case NATIONAL_ID_BAD_CHECK:
        reason = "check_digit";
        snprintf(fa, sizeof(fa), "رقم کنترل %s درست نیست.", l);
        break;
    default:
        reason = "invalid";
        snprintf(fa, sizeof(fa), "%s معتبر نیست.", l);
    }
    field_error_coded(fe, field, reason, fa, "%s", national_id_error_message(err));
}

/* the Persian names of the fields being validated (validate_fields_fa), for the messages */
typedef struct labels {
    const field_spec *spec;
    const char *const *fa;
} labels;

static const char *label(const labels *ls, const field_spec *f, const char *key)
{
    return f && ls->fa && ls->fa[f - ls->spec] ? ls->fa[f - ls->spec] : key;
}

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

static bool string_ok(json_object *v, const field_spec *f, const labels *ls, field_errors *fe)
{
    const char *s = json_object_get_string(v);
    size_t len = (size_t)json_object_get_string_len(v);
    const char *l = label(ls, f, f->name);
    char fa[512];
    if (strlen(s) != len) {
        snprintf(fa, sizeof(fa), "%s نباید نویسهٔ NUL داشته باشد.", l);
        field_error_coded(fe, f->name, "nul", fa, "must not contain NUL characters");
        return false;
    }
    if (utf8_validate(s, len) != 0) {
        snprintf(fa, sizeof(fa), "%s متن UTF-8 معتبری نیست.", l);
        field_error_coded(fe, f->name, "not_utf8", fa, "is not valid UTF-8");
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f) {
            snprintf(fa, sizeof(fa), "%s نباید نویسهٔ کنترلی داشته باشد.", l);
            field_error_coded(fe, f->name, "control_characters", fa, "must not contain control characters");
            return false;
        }
    size_t cp = codepoints(s);
    if (f->max && cp > (size_t)f->max) {
        snprintf(fa, sizeof(fa), "%s باید حداکثر %lld نویسه باشد.", l, (long long)f->max);
        field_error_coded(fe, f->name, "too_long", fa, "must be at most %lld characters", (long long)f->max);
        return false;
    }
    if (f->min && cp < (size_t)f->min) {
        if (f->min == 1) {
            snprintf(fa, sizeof(fa), "%s نباید خالی باشد.", l);
            field_error_coded(fe, f->name, "empty", fa, "must not be empty");
        } else {
            snprintf(fa, sizeof(fa), "%s باید دست‌کم %lld نویسه باشد.", l, (long long)f->min);
            field_error_coded(fe, f->name, "too_short", fa, "must be at least %lld characters", (long long)f->min);
        }
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
    return validate_fields_fa(obj, spec, NULL, n, partial, fe);
}

bool validate_fields_fa(json_object *obj, const field_spec *spec, const char *const *labels_fa, int n, bool partial,
                        field_errors *fe)
{
    const labels ls = {spec, labels_fa};
    char fa[768];
    if (!json_object_is_type(obj, json_type_object)) {
        field_error_coded(fe, "", "not_object", "بدنهٔ درخواست باید یک شیء JSON باشد.", "the body must be a JSON object");
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
                        snprintf(fa, sizeof(fa), "%s باید تاریخ شمسی به شکل YYYY-MM-DD باشد.", label(&ls, d, key));
                        field_error_coded(fe, key, "jalali_date", fa, "must be a Jalali date YYYY-MM-DD");
                        ok = false;
                    } else if (val && json_object_object_get_ex(obj, base, &other) && other &&
                               json_object_is_type(other, json_type_string) &&
                               date_parse_iso(json_object_get_string(other), &iso) == 0 &&
                               (iso.y != g.y || iso.m != g.m || iso.d != g.d)) {
                        snprintf(fa, sizeof(fa), "%s روزی جز %s است؛ فقط یکی را بفرستید.", key, base);
                        field_error_coded(fe, key, "date_mismatch", fa, "is a different day than %s; send one of them",
                                          base);
                        ok = false;
                    }
                    continue;
                }
            }
            /* the key is named in "field" only: a sentence never quotes what the client invented */
            field_error_coded(fe, key, "unknown", "فیلدی از این رکورد نیست (یا نمی‌توان آن را تعیین کرد).", "is not a field of this resource (or may not be set)");
            ok = false;
            continue;
        }
        if (!val) {
            if (f->required) {
                snprintf(fa, sizeof(fa), "%s نباید خالی (null) باشد.", label(&ls, f, key));
                field_error_coded(fe, key, "null", fa, "must not be null");
                ok = false;
            }
            continue;
        }
        switch (f->type) {
        case F_STRING:
            if (!json_object_is_type(val, json_type_string)) {
                snprintf(fa, sizeof(fa), "%s باید متن باشد.", label(&ls, f, key));
                field_error_coded(fe, key, "type", fa, "must be a string");
                ok = false;
            } else if (!string_ok(val, f, &ls, fe))
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
                snprintf(fa, sizeof(fa), "%s باید یکی از این‌ها باشد: %s", label(&ls, f, key), list);
                field_error_coded(fe, key, "choice", fa, "must be one of: %s", list);
                ok = false;
            }
            break;
        }
        case F_INT: {
            int64_t v;
            if (json_object_is_type(val, json_type_double)) {
                snprintf(fa, sizeof(fa), "%s باید عدد صحیح باشد.", label(&ls, f, key));
                field_error_coded(fe, key, "not_integer", fa, "must be a whole number");
                ok = false;
            } else if (!int_value(val, &v)) {
                snprintf(fa, sizeof(fa), "%s باید عدد صحیحی در محدوده باشد.", label(&ls, f, key));
                field_error_coded(fe, key, "not_integer", fa, "must be a whole number within range");
                ok = false;
            } else if (v < f->min || v > f->max) {
                snprintf(fa, sizeof(fa), "%s باید از %lld تا %lld باشد.", label(&ls, f, key), (long long)f->min,
                         (long long)f->max);
                field_error_coded(fe, key, "range", fa, "must be from %lld to %lld", (long long)f->min,
                                  (long long)f->max);
                ok = false;
            }
            break;
        }
        case F_BOOL:
            if (!json_object_is_type(val, json_type_boolean)) {
                snprintf(fa, sizeof(fa), "%s باید true یا false باشد.", label(&ls, f, key));
                field_error_coded(fe, key, "type", fa, "must be true or false");
                ok = false;
            }
            break;
        case F_DATE: {
            ymd d;
            if (!json_object_is_type(val, json_type_string) || date_parse_iso(json_object_get_string(val), &d) != 0) {
                snprintf(fa, sizeof(fa), "%s باید تاریخ میلادی به شکل YYYY-MM-DD باشد.", label(&ls, f, key));
                field_error_coded(fe, key, "date", fa, "must be a date YYYY-MM-DD");
                ok = false;
            } else if (d.y < ISO_DATE_MIN_YEAR) {
                /* what a Jalali date sent to the Gregorian field looks like (1403-12-31) */
                snprintf(fa, sizeof(fa), "%s باید تاریخ میلادی از سال %d به بعد باشد؛ تاریخ شمسی را در %s_jalali "
                         "بفرستید.", label(&ls, f, key), ISO_DATE_MIN_YEAR, key);
                field_error_coded(fe, key, "date_before_min", fa, "must be a Gregorian date from %d on; for a Jalali "
                                  "date such as %04d-%02d-%02d use %s_jalali", ISO_DATE_MIN_YEAR, d.y, d.m, d.d, key);
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
                field_error_national_id(fe, key, label(&ls, f, NULL), err);
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
                snprintf(fa, sizeof(fa), "%s الزامی است.", label(&ls, &spec[i], spec[i].name));
                field_error_coded(fe, spec[i].name, "required", fa, "is required");
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
        char fa[256];
        snprintf(fa, sizeof(fa), "%s نویسه‌هایی دارد که مجاز نیست.", field);
        field_error_coded(fe, field, "characters", fa, "holds characters that are not allowed");
        return NULL;
    }
    return clean;
}
