#include "server/http/field_errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/http/context.h"
#include "server/http/messages.h"

static void free_fa(json_object *o, void *fa)
{
    (void)o;
    free(fa);
}

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
    /* the catalog gives the message its stable code and its Persian (server/http/messages.c); a coded error
     * (validate.h's field_error_coded) sets its own over these */
    const message *m = message_find(msg);
    char code[160], fa[1024];
    json_object_object_add(e, "code", json_object_new_string(message_code(m, field, code, sizeof(code))));
    if (m && message_fa(m, msg, fa, sizeof(fa)))
        json_object_set_userdata(e, strdup(fa), free_fa);
    json_object_array_add(fe->list, e);
}

const char *field_error_fa(json_object *err)
{
    return json_object_get_userdata(err);
}
