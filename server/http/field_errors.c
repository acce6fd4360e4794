#include "server/http/field_errors.h"

#include <stdarg.h>
#include <stdio.h>

#include "server/http/context.h"

void field_error(field_errors *fe, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!fe->list) {
        fe->list = json_object_new_array();
        req_ctx *rc = req_current();
        if (rc)
            req_sweep_json(rc, fe->list);   /* freed when the request ends unless a taker has freed it (see .h) */
    }
    json_object *e = json_object_new_object();
    json_object_object_add(e, "field", json_object_new_string(field));
    json_object_object_add(e, "message", json_object_new_string(msg));
    json_object_array_add(fe->list, e);
}

const char *field_error_fa(json_object *err)
{
    return json_object_get_userdata(err);
}
