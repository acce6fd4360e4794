/* conflict.h - the 409 of a unique value that exists already: says which rule the record breaks (by the unique
 * constraint PostgreSQL names) and names the fields, never anything about the other record. */
#ifndef REGISTRY_CONFLICT_H
#define REGISTRY_CONFLICT_H

#include <json-c/json.h>

#include "server/db/pool.h"
#include "server/http/field_errors.h"

/* The 409 of a unique violation (job->sqlstate 23505): its detail, and in fe the fields of the rule, those body
 * (may be NULL: the request's) used, or else the rule's first. reply_unique_conflict (reply.h) answers with it. */
const char *unique_conflict_problem(const db_job *job, json_object *body, field_errors *fe);

#endif
