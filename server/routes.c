/*
 * routes.c - the route table: every endpoint the server answers, in one place. Dispatch, metrics and
 * /api/v1/openapi.json all read it. To add an endpoint: write its handler in server/handlers/, declare it in
 * handlers.h, add a row here (and its schema in openapi.c).
 */
#include <stddef.h>

#include "server/handlers/handlers.h"
#include "server/router.h"

static const route_param counties_query[] = {
    {"province", "string", "Only counties of this province (IR-NN)"},
    {NULL, NULL, NULL},
};

const route routes[] = {
    {"GET", "/healthz", handle_healthz, ROUTE_PUBLIC | ROUTE_NO_LOG | ROUTE_NOT_API, "meta",
     "Liveness: 200 while the process runs", NULL, "Status", NULL, 200},
    {"GET", "/readyz", handle_readyz, ROUTE_PUBLIC | ROUTE_NO_LOG | ROUTE_NOT_API, "meta",
     "Readiness: 200 when the database answers, else 503", NULL, "Status", NULL, 200},
    {"GET", "/metrics", handle_metrics, ROUTE_PUBLIC | ROUTE_NO_LOG | ROUTE_NOT_API, "meta",
     "Prometheus metrics", NULL, "Metrics", NULL, 200},
    {"GET", "/api/v1/openapi.json", handle_openapi, ROUTE_PUBLIC, "meta", "This OpenAPI 3.1 description", NULL,
     "OpenAPI", NULL, 200},

    {"GET", "/api/v1/provinces", handle_provinces_list, ROUTE_PUBLIC | ROUTE_LIST, "geography",
     "The 31 provinces", NULL, "Province", NULL, 200},
    {"GET", "/api/v1/counties", handle_counties_list, ROUTE_PUBLIC | ROUTE_LIST, "geography",
     "Counties, optionally of one province", counties_query, "County", NULL, 200},
};

const int nroutes = (int)(sizeof(routes) / sizeof(routes[0]));

/* Start-up hooks of the handler modules: statement registration, caches. Run once, before any thread starts. */
void routes_init(void)
{
    health_init();
    geo_init();
}
