#include "server/db/result.h"

#include <assert.h>
#include <stdlib.h>

#include "common/log.h"

int db_nrows(const PGresult *r)
{
    return r ? PQntuples(r) : 0;
}

int db_col(const PGresult *r, const char *name)
{
    int c = r ? PQfnumber(r, name) : -1;
    if (c < 0) {
        log_msg(LOG_ERROR, NULL, "result: no column \"%s\" in the statement's result", name);
#ifndef NDEBUG
        abort();
#endif
    }
    return c;
}

const char *db_at(const PGresult *r, int row, int col)
{
    if (!r || col < 0 || row < 0 || row >= PQntuples(r) || PQgetisnull(r, row, col))
        return NULL;
    return PQgetvalue(r, row, col);
}

const char *db_get(const PGresult *r, int row, const char *name)
{
    return db_at(r, row, db_col(r, name));
}

int64_t db_get_int(const PGresult *r, int row, const char *name, int64_t def)
{
    const char *v = db_get(r, row, name);
    return v ? strtoll(v, NULL, 10) : def;
}

bool db_get_bool(const PGresult *r, int row, const char *name)
{
    const char *v = db_get(r, row, name);
    return v && v[0] == 't';
}
