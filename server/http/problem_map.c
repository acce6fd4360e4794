#include "server/http/problem_map.h"

#include <stdbool.h>
#include <string.h>

#define DETAIL_UNFIT "The fields do not fit together or refer to something that does not exist."
#define DETAIL_TRY_AGAIN "The database could not complete the request in time; try again shortly."
#define DETAIL_APPROVAL_STALE                                                                                    \
    "A record of this submission no longer fits the registry (e.g. a duplicate national ID since it was sent); " \
    "nothing was applied. Reject it, or have it corrected and resent."

/* Exact codes before classes; the last row is the answer to anything unlisted. */
const sqlstate_problem sqlstate_problems[] = {
    /* the registry's own codes, raised by its functions and triggers (migrations) */
    {"RA401", DB_CONTEXT_REQUEST, 401, PROBLEM_SESSION_ENDED, LOG_DEBUG,
     "The session has ended or the token is not valid; sign in again."},
    {"RA404", DB_CONTEXT_REQUEST, 404, PROBLEM_PLAIN, LOG_DEBUG, "No such record (or it is outside your scope)."},
    {"RA422", DB_CONTEXT_REQUEST, 422, PROBLEM_RULE_FIELD, LOG_DEBUG, "The record breaks a rule of the registry."},
    /* row-level security refused a write: outside the caller's scope */
    {"42501", DB_CONTEXT_REQUEST, 403, PROBLEM_PLAIN, LOG_WARN, "This is outside your scope."},
    /* integrity: a unique value taken, or values that do not fit */
    {"23505", DB_CONTEXT_REQUEST, 409, PROBLEM_UNIQUE, LOG_WARN, NULL},
    {"23514", DB_CONTEXT_REQUEST, 422, PROBLEM_PLAIN, LOG_WARN, DETAIL_UNFIT},
    {"23503", DB_CONTEXT_REQUEST, 422, PROBLEM_PLAIN, LOG_WARN, DETAIL_UNFIT},
    {"23502", DB_CONTEXT_REQUEST, 422, PROBLEM_PLAIN, LOG_WARN, DETAIL_UNFIT},
    {"22P02", DB_CONTEXT_REQUEST, 422, PROBLEM_PLAIN, LOG_WARN, DETAIL_UNFIT},
    {"22003", DB_CONTEXT_REQUEST, 422, PROBLEM_PLAIN, LOG_WARN, DETAIL_UNFIT},
    {"22007", DB_CONTEXT_REQUEST, 422, PROBLEM_PLAIN, LOG_WARN, DETAIL_UNFIT},
    {"22008", DB_CONTEXT_REQUEST, 422, PROBLEM_PLAIN, LOG_WARN, DETAIL_UNFIT},
    /* the database could not finish now: a timeout, a serialization failure, a deadlock, a lost connection */
    {"57014", DB_CONTEXT_REQUEST, 503, PROBLEM_PLAIN, LOG_WARN, DETAIL_TRY_AGAIN},
    {"40001", DB_CONTEXT_REQUEST, 503, PROBLEM_PLAIN, LOG_WARN, DETAIL_TRY_AGAIN},
    {"40P01", DB_CONTEXT_REQUEST, 503, PROBLEM_PLAIN, LOG_WARN, DETAIL_TRY_AGAIN},
    {"57P01", DB_CONTEXT_REQUEST, 503, PROBLEM_PLAIN, LOG_WARN, DETAIL_TRY_AGAIN},
    {"57P03", DB_CONTEXT_REQUEST, 503, PROBLEM_PLAIN, LOG_WARN, DETAIL_TRY_AGAIN},
    {"55P03", DB_CONTEXT_REQUEST, 503, PROBLEM_PLAIN, LOG_WARN, DETAIL_TRY_AGAIN},
    {"08", DB_CONTEXT_REQUEST, 503, PROBLEM_PLAIN, LOG_WARN, DETAIL_TRY_AGAIN},
    /* an approval applies records checked when the submission was loaded: what stopped it is a conflict with the
     * registry as it is now, and nothing of the submission was applied */
    {"42501", DB_CONTEXT_APPROVAL, 409, PROBLEM_PLAIN, LOG_INFO,
     "A record of this submission lies outside your scope (e.g. a client of another county); nothing was applied. "
     "An officer whose scope holds it may approve it."},
    {"23505", DB_CONTEXT_APPROVAL, 409, PROBLEM_PLAIN, LOG_INFO, DETAIL_APPROVAL_STALE},
    {"23503", DB_CONTEXT_APPROVAL, 409, PROBLEM_PLAIN, LOG_INFO, DETAIL_APPROVAL_STALE},
    {"RA404", DB_CONTEXT_APPROVAL, 409, PROBLEM_PLAIN, LOG_INFO, DETAIL_APPROVAL_STALE},
    {"RA422", DB_CONTEXT_APPROVAL, 409, PROBLEM_PLAIN, LOG_INFO, DETAIL_APPROVAL_STALE},
    /* anything else is ours to fix */
    {"", DB_CONTEXT_REQUEST, 500, PROBLEM_PLAIN, LOG_WARN, "Internal error; quote the request id when reporting it."},
};
const int sqlstate_problems_count = (int)(sizeof(sqlstate_problems) / sizeof(sqlstate_problems[0]));

static bool row_matches(const sqlstate_problem *p, const char *sqlstate, db_context context)
{
    return p->context == context && p->sqlstate[0] && !strncmp(sqlstate, p->sqlstate, strlen(p->sqlstate));
}

const sqlstate_problem *sqlstate_problem_find(const char *sqlstate, db_context context)
{
    int last = sqlstate_problems_count - 1;
    for (int i = 0; i < last; i++)
        if (row_matches(&sqlstate_problems[i], sqlstate, context))
            return &sqlstate_problems[i];
    if (context != DB_CONTEXT_REQUEST)
        return sqlstate_problem_find(sqlstate, DB_CONTEXT_REQUEST);
    return &sqlstate_problems[last];
}

const char *problem_slug(int status)
{
    switch (status) {
    case 400: return "bad-request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not-found";
    case 405: return "method-not-allowed";
    case 409: return "conflict";
    case 412: return "precondition-failed";
    case 413: return "content-too-large";
    case 414: return "uri-too-long";
    case 415: return "unsupported-media-type";
    case 417: return "expectation-failed";
    case 422: return "validation";
    case 428: return "precondition-required";
    case 429: return "too-many-requests";
    case 431: return "header-fields-too-large";
    case 501: return "not-implemented";
    case 503: return "unavailable";
    case 505: return "http-version-not-supported";
    default: return status >= 500 ? "internal" : "error";
    }
}
