/*
 * routes.c - the route table: every endpoint the server answers, in one place. Dispatch, metrics and
 * /api/v1/openapi.json all read it. To add an endpoint: write its handler in server/handlers/, declare it in
 * handlers.h, add a row here (and its schema in openapi.c).
 */
#include <stddef.h>

#include "server/auth/authenticate.h"
#include "server/handlers/handlers.h"
#include "server/router.h"

static const route_param counties_query[] = {
    {"province", "string", "Only counties of this province (IR-NN)"},
    {NULL, NULL, NULL},
};

static const route_param users_query[] = {
    {"role", "string", "Only users with this role"},
    {"province", "string", "Only users of this province (IR-NN)"},
    {NULL, NULL, NULL},
};
static const route_param audit_query[] = {
    {"entity", "string", "client, staff, center, user, session, ..."},
    {"entity_id", "string", "The record's id"},
    {"action", "string", "create, update, read, list, login, login_failed, logout, denied, ..."},
    {"user_id", "integer", "Only what this user did"},
    {NULL, NULL, NULL},
};

const route routes[] = {
    {"GET", "/healthz", handle_healthz, PERM_PUBLIC, ROUTE_NO_LOG | ROUTE_NOT_API, "meta",
     "Liveness: 200 while the process runs", NULL, "Status", NULL, 200},
    {"GET", "/readyz", handle_readyz, PERM_PUBLIC, ROUTE_NO_LOG | ROUTE_NOT_API, "meta",
     "Readiness: 200 when the database answers, else 503", NULL, "Status", NULL, 200},
    {"GET", "/metrics", handle_metrics, PERM_PUBLIC, ROUTE_NO_LOG | ROUTE_NOT_API, "meta",
     "Prometheus metrics", NULL, "Metrics", NULL, 200},
    {"GET", "/api/v1/openapi.json", handle_openapi, PERM_PUBLIC, 0, "meta", "This OpenAPI 3.1 description", NULL,
     "OpenAPI", NULL, 200},

    {"GET", "/api/v1/provinces", handle_provinces_list, PERM_PUBLIC, ROUTE_LIST, "geography",
     "The 31 provinces", NULL, "Province", NULL, 200},
    {"GET", "/api/v1/counties", handle_counties_list, PERM_PUBLIC, ROUTE_LIST, "geography",
     "Counties, optionally of one province", counties_query, "County", NULL, 200},

    {"POST", "/api/v1/auth/login", handle_login, PERM_PUBLIC, ROUTE_JSON_BODY, "auth",
     "Sign in: a bearer token for the user", NULL, "LoginResult", "Login", 200},
    {"POST", "/api/v1/auth/logout", handle_logout, PERM_ANY, 0, "auth", "Sign out: the token dies at once", NULL,
     NULL, NULL, 204},
    {"GET", "/api/v1/auth/me", handle_me, PERM_ANY, 0, "auth", "The signed-in user", NULL, "Me", NULL, 200},
    {"POST", "/api/v1/auth/password", handle_password_change, PERM_ANY, ROUTE_JSON_BODY, "auth",
     "Change your own password (other sessions end)", NULL, NULL, "PasswordChange", 204},

    {"GET", "/api/v1/users", handle_users_list, PERM_USERS, ROUTE_LIST, "users", "Users within your scope",
     users_query, "User", NULL, 200},
    {"POST", "/api/v1/users", handle_users_create, PERM_USERS, ROUTE_JSON_BODY, "users",
     "Create a user (never above or outside your scope)", NULL, "User", "UserCreate", 201},
    {"GET", "/api/v1/users/{id}", handle_users_get, PERM_USERS, 0, "users", "One user", NULL, "User", NULL, 200},
    {"PATCH", "/api/v1/users/{id}", handle_users_patch, PERM_USERS, ROUTE_JSON_BODY, "users",
     "Change a user (If-Match required)", NULL, "User", "UserPatch", 200},

    {"GET", "/api/v1/audit", handle_audit_list, PERM_AUDIT, ROUTE_LIST, "audit",
     "The audit trail within your scope, newest first", audit_query, "AuditRecord", NULL, 200},
};

const int nroutes = (int)(sizeof(routes) / sizeof(routes[0]));

/* Start-up hooks of the handler modules: statement registration, caches. Run once, before any thread starts. */
void routes_init(void)
{
    health_init();
    geo_init();
    authenticate_init();
    session_init();
    users_init();
    audit_init();
}
