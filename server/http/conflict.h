/* conflict.h - the 409 of a unique value that exists already: says which rule the record breaks (by the unique
 * constraint PostgreSQL names) and names the fields, never anything about the other record. */
#ifndef REGISTRY_CONFLICT_H
#define REGISTRY_CONFLICT_H

#include <json-c/json.h>

#include "server/http/context.h"

/* Answers 409 for a unique violation (job->sqlstate 23505); body (may be NULL) is the request's, to name the
 * fields it used among those of the rule. */
void reply_unique_conflict(req_ctx *rc, const db_job *job, json_object *body);

#endif
