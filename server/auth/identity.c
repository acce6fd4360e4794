#include "server/auth/identity.h"

#include <string.h>

static const char *const role_names[] = {"",
                                         "national_admin",
                                         "national_viewer",
                                         "provincial_admin",
                                         "provincial_officer",
                                         "county_officer",
                                         "ngo_submitter"};

user_role role_parse(const char *s)
{
    if (!s)
        return ROLE_NONE;
    for (int i = 1; i < (int)(sizeof(role_names) / sizeof(role_names[0])); i++)
        if (!strcmp(s, role_names[i]))
            return (user_role)i;
    return ROLE_NONE;
}

const char *role_name(user_role r)
{
    return (r > ROLE_NONE && r <= ROLE_NGO_SUBMITTER) ? role_names[r] : "";
}

int role_level(user_role r)
{
    switch (r) {
    case ROLE_NATIONAL_ADMIN:
    case ROLE_NATIONAL_VIEWER: return 0;
    case ROLE_PROVINCIAL_ADMIN:
    case ROLE_PROVINCIAL_OFFICER: return 1;
    case ROLE_COUNTY_OFFICER: return 2;
    case ROLE_NGO_SUBMITTER: return 3;
    default: return 99;
    }
}

/* The contract's table of roles, as a matrix. */
bool role_may(user_role r, permission p)
{
    if (r == ROLE_NONE)
        return p == PERM_PUBLIC;
    switch (p) {
    case PERM_PUBLIC:
    case PERM_ANY:
    case PERM_READ:
        return true;
    case PERM_WRITE:
    case PERM_REVIEW:
        return r == ROLE_NATIONAL_ADMIN || r == ROLE_PROVINCIAL_ADMIN || r == ROLE_PROVINCIAL_OFFICER ||
               r == ROLE_COUNTY_OFFICER;
    case PERM_SUBMIT:
        return r == ROLE_NGO_SUBMITTER || r == ROLE_NATIONAL_ADMIN || r == ROLE_PROVINCIAL_ADMIN ||
               r == ROLE_PROVINCIAL_OFFICER || r == ROLE_COUNTY_OFFICER;
    case PERM_USERS:
    case PERM_AUDIT:
        /* national_viewer is the oversight role: it reads users (never a secret: no hash, no token) and the whole
         * audit trail, and writes nothing (role_may_manage_users) */
        return r == ROLE_NATIONAL_ADMIN || r == ROLE_PROVINCIAL_ADMIN || r == ROLE_NATIONAL_VIEWER;
    }
    return false;
}

bool role_may_manage_users(user_role r)
{
    return r == ROLE_NATIONAL_ADMIN || r == ROLE_PROVINCIAL_ADMIN;
}

bool scope_allows(const identity *who, const char *province, int32_t county_id, int64_t center_id)
{
    switch (who->role) {
    case ROLE_NATIONAL_ADMIN:
    case ROLE_NATIONAL_VIEWER:
        return true;
    case ROLE_PROVINCIAL_ADMIN:
    case ROLE_PROVINCIAL_OFFICER:
        return province && who->province[0] && strcmp(province, who->province) == 0;
    case ROLE_COUNTY_OFFICER:
        return county_id != 0 && county_id == who->county_id;
    case ROLE_NGO_SUBMITTER:
        return center_id != 0 && center_id == who->center_id;
    default:
        return false;
    }
}

bool may_manage_user(const identity *who, user_role target_role, const char *target_province)
{
    if (target_role == ROLE_NONE)
        return false;
    switch (who->role) {
    case ROLE_NATIONAL_ADMIN:
        return true;
    case ROLE_PROVINCIAL_ADMIN:
        return (target_role == ROLE_PROVINCIAL_OFFICER || target_role == ROLE_COUNTY_OFFICER ||
                target_role == ROLE_NGO_SUBMITTER) &&
               target_province && strcmp(target_province, who->province) == 0;
    default:
        return false;
    }
}
