#include "server/http/conflict.h"

#include <string.h>

#include "common/log.h"
#include "server/http/validate.h"

typedef struct unique_rule {
    const char *constraint;
    const char *detail;
    const char *message;            /* each field's */
    const char *fields[4];          /* the first is named even when the body holds none of them */
} unique_rule;

static const unique_rule rules[] = {
    {"clients_national_id_key", "A client with this national ID is already registered.",
     "a client with this national ID is already registered", {"national_id", "document"}},
    {"staff_national_id_key", "A staff member with this national ID is already registered.",
     "a staff member with this national ID is already registered", {"national_id", "document"}},
    {"centers_name_key", "A center of this name already exists in this county.",
     "a center of this name already exists in this county", {"name"}},
    {"centers_license_key", "A center with this license number already exists.",
     "another center has this license number", {"license_no"}},
    {"allocations_place_key",
     "An allocation for this fiscal year, program and place already exists; change its amount instead.",
     "an allocation for this fiscal year, program and place already exists",
     {"fiscal_year", "program", "province", "county_id"}},
    {"campaigns_name_key", "A campaign of this name already exists (nationally or in this province).",
     "a campaign of this name already exists", {"name"}},
    {"programs_code_key", "A program with this code already exists.", "another program has this code", {"code"}},
    {"users_username_key", "A user with this username exists.", "is taken", {"username"}},
};

void reply_unique_conflict(req_ctx *rc, const db_job *job, json_object *body)
{
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        const unique_rule *u = &rules[i];
        if (strcmp(job->constraint, u->constraint) != 0)
            continue;
        field_errors fe = {0};
        int named = 0;
        for (int k = 0; k < 4 && u->fields[k]; k++)
            if (body && body_has(body, u->fields[k])) {
                field_error(&fe, u->fields[k], "%s", u->message);
                named++;
            }
        /* an allocation's place may be a center as well */
        if (body && !strcmp(u->constraint, "allocations_place_key") && body_has(body, "center_id"))
            field_error(&fe, "center_id", "%s", u->message), named++;
        if (!named)
            field_error(&fe, u->fields[0], "%s", u->message);
        reply_problem_fields(rc, 409, u->detail, &fe);
        return;
    }
    log_msg(LOG_WARN, rc->request_id, "unique violation of an unlisted constraint %s", job->constraint);
    reply_problem(rc, 409, "A record with the same unique value already exists.");
}
