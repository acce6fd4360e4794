/*
 * identity.h - who is calling, what their role may do, and whether a record lies in their scope.
 * Pure functions: the server's own check, made before a request reaches PostgreSQL and again on what comes back.
 * Row-level security in PostgreSQL enforces the same rules independently (migrations/0002_access.sql).
 */
#ifndef REGISTRY_IDENTITY_H
#define REGISTRY_IDENTITY_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    ROLE_NONE = 0,
    ROLE_NATIONAL_ADMIN,
    ROLE_NATIONAL_VIEWER,
    ROLE_PROVINCIAL_ADMIN,
    ROLE_PROVINCIAL_OFFICER,
    ROLE_COUNTY_OFFICER,
    ROLE_NGO_SUBMITTER,
} user_role;

/* What a route needs the caller to be allowed to do. */
typedef enum {
    PERM_PUBLIC = 0,    /* no token */
    PERM_ANY,           /* any signed-in user (their own account, logout) */
    PERM_READ,          /* read registry records in scope: every role */
    PERM_WRITE,         /* create and change registry records in scope */
    PERM_SUBMIT,        /* send submissions for a center */
    PERM_REVIEW,        /* decide on submissions */
    PERM_USERS,         /* user accounts: reading them; creating and changing also needs role_may_manage_users */
    PERM_AUDIT,         /* read the audit trail */
} permission;

typedef struct identity {
    int64_t user_id;
    char username[72];
    user_role role;
    char province[8];       /* "" when national */
    int32_t county_id;      /* 0 when none */
    int64_t center_id;      /* 0 when none */
    char ticket[72];        /* the session's scope ticket from auth_begin ("" when none): the database's name for
                             * this scope, sent back by the cached-read path (scope_set) and with each read record */
} identity;

user_role role_parse(const char *s);          /* ROLE_NONE when unknown */
const char *role_name(user_role r);
bool role_may(user_role r, permission p);
/* May r create or change user accounts at all (national_viewer reads them but writes nothing)? */
bool role_may_manage_users(user_role r);
/* Scope level of a role: 0 nation, 1 province, 2 county, 3 center. */
int role_level(user_role r);

/* Does a record living at (province, county, center) lie in who's scope? NULL/0 mean "not set on the record". */
bool scope_allows(const identity *who, const char *province, int32_t county_id, int64_t center_id);

/* May who create or change a user with this role in this province? (Nobody acts above or outside their scope.) */
bool may_manage_user(const identity *who, user_role target_role, const char *target_province);

#endif
