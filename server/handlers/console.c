/* console.c - the web console's entry: GET / sends a browser to /console/ (the console's pages come later). Called
 * by dispatch.c before routing, so / is no route of the table. */
#include "server/handlers/handlers.h"
#include "server/http/request.h"

void handle_root_redirect(req_ctx *rc)
{
    req_add_header(rc, "Location", "/console/");
    reply_empty(rc, 302);
}
