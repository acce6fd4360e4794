/*
 * problem_map.h - the one table from a failed statement's SQLSTATE to the client's problem response: status, type
 * (/problems/<slug>, from the status) and English detail. PostgreSQL's own words go to the log, never to the client.
 *
 * Where one SQLSTATE means different things in different places (42501, row-level security, is 403 for a request's
 * own write but 409 when an approval applies a submission's records), the table has a row per context; a context
 * without a row of its own falls back to the rows of DB_CONTEXT_REQUEST. A unique violation's answer depends on the
 * constraint: its row says PROBLEM_UNIQUE, and the rules by constraint name are in server/http/conflict.c.
 * The replies are reply_db_problem (reply.h) and req_job_ok_in (auth/transaction.h); this file only looks up.
 */
#ifndef REGISTRY_PROBLEM_MAP_H
#define REGISTRY_PROBLEM_MAP_H

#include "common/log.h"

/* Where a statement failed, when that changes what its SQLSTATE means to the client. */
typedef enum db_context {
    DB_CONTEXT_REQUEST = 0,     /* a request's own statements: the meaning everywhere else */
    DB_CONTEXT_APPROVAL,        /* applying an approved submission's records in one transaction */
    DB_CONTEXT_COUNT
} db_context;

/* What the answer carries besides status and detail. */
typedef enum problem_action {
    PROBLEM_PLAIN,              /* status and detail as the row says */
    PROBLEM_SESSION_ENDED,      /* 401 with WWW-Authenticate: the caller's session ended (the cache forgets it) */
    PROBLEM_UNIQUE,             /* 409 naming the unique rule's fields, by constraint (conflict.c) */
    PROBLEM_RULE_FIELD,         /* 422 whose field error is the registry's own message, "field: what is wrong" */
} problem_action;

typedef struct sqlstate_problem {
    const char *sqlstate;       /* five characters, or a two-character class ("08": every connection exception) */
    db_context context;
    int status;
    problem_action action;
    log_level log;              /* the level at which the database's message is logged */
    const char *detail;         /* English (its Persian in messages.c); NULL for PROBLEM_UNIQUE, whose detail is the
                                 * constraint's rule */
} sqlstate_problem;

/* The row for sqlstate in context (falling back to DB_CONTEXT_REQUEST's, then to the 500 row): never NULL. */
const sqlstate_problem *sqlstate_problem_find(const char *sqlstate, db_context context);

/* The problem type's last segment for a status: "/problems/<slug>". */
const char *problem_slug(int status);

/* The table itself, for tests and documentation. */
extern const sqlstate_problem sqlstate_problems[];
extern const int sqlstate_problems_count;

#endif
