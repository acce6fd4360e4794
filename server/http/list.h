/* list.h - answering a list request from a keyset query that fetched limit+1 rows. */
#ifndef REGISTRY_LIST_H
#define REGISTRY_LIST_H

#include "server/http/encode.h"
#include "server/http/request.h"

/* JSON {"items","next_cursor"} or, when the client accepts text/csv, CSV (next page's cursor in the
 * X-Next-Cursor header). key_cols are the result columns of the sort key, stored in the cursor. */
void reply_rows_list(req_ctx *rc, const PGresult *r, const col_spec *cols, int ncols, int limit, const int *key_cols,
                     int nkey);

/* Decodes ?cursor= into nkey values (NULLs when there is no cursor), each non-empty plain ASCII (letters, digits,
 * '-', '_', '.'), as this server writes them. Returns false after replying 400. */
bool req_cursor_values(req_ctx *rc, const char *cursor, const char **values, int nkey);

/* Every bad cursor, whatever is wrong with it, gets the same 400 with this field message. */
#define CURSOR_INVALID_MESSAGE "is not a cursor from this list; start again without it"
void reply_bad_cursor(req_ctx *rc);

#endif
