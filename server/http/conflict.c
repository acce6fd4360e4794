#include "server/http/conflict.h"

#include <string.h>

#include "common/log.h"

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
    {"users_username_key", "A user with this username exists.", "is already taken", {"username"}},
};

const char *unique_conflict_problem(const db_job *job, json_object *body, field_errors *fe)
{
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        const unique_rule *u = &rules[i];
        if (strcmp(job->constraint, u->constraint) != 0)
            continue;
        int named = 0;
        for (int k = 0; k < 4 && u->fields[k]; k++)
            if (body && json_object_object_get_ex(body, u->fields[k], NULL)) {
                field_error(fe, u->fields[k], "%s", u->message);
                named++;
            }
        /* an allocation's place may be a center as well */
        if (body && !strcmp(u->constraint, "allocations_place_key") &&
            json_object_object_get_ex(body, "center_id", NULL))
            field_error(fe, "center_id", "%s", u->message), named++;
        if (!named)
            field_error(fe, u->fields[0], "%s", u->message);
        return u->detail;
    }
    log_msg(LOG_WARN, job->request_id, "unique violation of an unlisted constraint %s", job->constraint);
    return "A record with the same unique value already exists.";
}
