/* handlers.h - every endpoint's handler and every handler module's start-up hook (statement registration). */
#ifndef REGISTRY_HANDLERS_H
#define REGISTRY_HANDLERS_H

struct req_ctx;
struct worker;

/* health.c */
void health_init(void);
void handle_healthz(struct req_ctx *rc);
void handle_readyz(struct req_ctx *rc);

/* console.c: the web console (web/), served outside the route table */
struct registry_config;
struct console_asset;
int console_init(const struct registry_config *cfg);   /* the shell page with the configured idle time */
void console_shutdown(void);
_Bool console_path(const char *path);                   /* /console or /console/... */
const struct console_asset *console_asset_find(const char *path);
void handle_console(struct req_ctx *rc);
void handle_root_redirect(struct req_ctx *rc);
void handle_api_docs(struct req_ctx *rc);               /* GET /api/v1/docs: the API reference (web/src/docs/) */

/* meta.c */
void handle_metrics(struct req_ctx *rc);
void handle_openapi(struct req_ctx *rc);
/* OPTIONS on any API path: 404 unknown, else 204 with Allow and, for a listed origin's preflight, CORS (cors.h) */
void handle_options(struct req_ctx *rc, const char *path);

/* geo.c: provinces and counties */
void geo_init(void);
void handle_provinces_list(struct req_ctx *rc);
void handle_counties_list(struct req_ctx *rc);

/* session.c: login, logout, me, password */
void session_init(void);
void handle_login(struct req_ctx *rc);
void handle_logout(struct req_ctx *rc);
void handle_me(struct req_ctx *rc);
void handle_password_change(struct req_ctx *rc);
struct field_errors;
/* a password rule's refusal (password_check_strength's reason) as field's coded error, with its Persian message */
void field_error_password_rule(struct field_errors *fe, const char *field, const char *reason);

/* users.c */
void users_init(void);
void handle_users_create(struct req_ctx *rc);
void handle_users_list(struct req_ctx *rc);
void handle_users_get(struct req_ctx *rc);
void handle_users_patch(struct req_ctx *rc);

/* audit.c */
void audit_init(void);
void handle_audit_list(struct req_ctx *rc);

/* the registry: one file per resource */
void centers_init(void);
void handle_centers_list(struct req_ctx *rc);
void handle_centers_get(struct req_ctx *rc);
void handle_centers_create(struct req_ctx *rc);
void handle_centers_patch(struct req_ctx *rc);
void handle_centers_close(struct req_ctx *rc);

void staff_init(void);
void handle_staff_list(struct req_ctx *rc);
void handle_staff_get(struct req_ctx *rc);
void handle_staff_create(struct req_ctx *rc);
void handle_staff_patch(struct req_ctx *rc);
void handle_staff_close(struct req_ctx *rc);

void clients_init(void);
/* SELECT province_code, county_id, center_id FROM clients WHERE id = $1: is the client there for the caller, and
 * where does it live? */
int client_visible_stmt(void);
void handle_clients_list(struct req_ctx *rc);
void handle_clients_get(struct req_ctx *rc);
void handle_clients_create(struct req_ctx *rc);
void handle_clients_patch(struct req_ctx *rc);
void handle_clients_close(struct req_ctx *rc);
void handle_clients_transfer(struct req_ctx *rc);

void households_init(void);
void handle_households_get(struct req_ctx *rc);
void handle_households_list(struct req_ctx *rc);
void handle_households_create(struct req_ctx *rc);
void handle_households_patch(struct req_ctx *rc);

void programs_init(void);
void handle_programs_list(struct req_ctx *rc);
extern const char *const program_codes[];

void enrollments_init(void);
void handle_enrollments_get(struct req_ctx *rc);
void handle_enrollments_list(struct req_ctx *rc);
void handle_enrollments_patch(struct req_ctx *rc);
void handle_client_enrollments_list(struct req_ctx *rc);
void handle_client_enrollments_create(struct req_ctx *rc);

void services_init(void);
void handle_services_get(struct req_ctx *rc);
void handle_services_list(struct req_ctx *rc);
void handle_services_patch(struct req_ctx *rc);
void handle_client_services_list(struct req_ctx *rc);
void handle_client_services_create(struct req_ctx *rc);

/* money */
void allocations_init(void);
void handle_allocations_list(struct req_ctx *rc);
void handle_allocations_get(struct req_ctx *rc);
void handle_allocations_create(struct req_ctx *rc);
void handle_allocations_patch(struct req_ctx *rc);

void campaigns_init(void);
void handle_campaigns_list(struct req_ctx *rc);
void handle_campaigns_get(struct req_ctx *rc);
void handle_campaigns_create(struct req_ctx *rc);
void handle_campaigns_patch(struct req_ctx *rc);

void donations_init(void);
void handle_donations_list(struct req_ctx *rc);
void handle_donations_get(struct req_ctx *rc);
void handle_donations_create(struct req_ctx *rc);
void handle_donations_patch(struct req_ctx *rc);

void loans_init(void);
void handle_loans_list(struct req_ctx *rc);
void handle_loans_get(struct req_ctx *rc);
void handle_loans_create(struct req_ctx *rc);
void handle_loans_patch(struct req_ctx *rc);
void handle_loans_overdue(struct req_ctx *rc);
void handle_loan_repayments_list(struct req_ctx *rc);
void handle_loan_repayments_create(struct req_ctx *rc);
void handle_repayments_get(struct req_ctx *rc);

void reports_init(void);
void handle_report_summary(struct req_ctx *rc);
void handle_report_disability(struct req_ctx *rc);
void handle_report_center_types(struct req_ctx *rc);
void handle_report_campaigns(struct req_ctx *rc);
void handle_report_overdue_loans(struct req_ctx *rc);

/* changes.c: the changes feed (GET /api/v1/changes) and its long polls */
void changes_init(void);
void handle_changes_list(struct req_ctx *rc);
void changes_wake(struct worker *w, const char *payload, _Bool draining);   /* worker_changes_hook */
/* May a change at where ("province|county|center" as the feed's trigger notifies it; "" parts for none) concern a
 * caller of this role and place? False only when it surely cannot (the long poll then keeps waiting). */
struct identity;
_Bool changes_may_concern(const struct identity *who, const char *where);

/* submissions.c, and the resources NGO submissions may carry */
struct resource;
const struct resource *clients_resource(void);
const struct resource *staff_resource(void);
const struct resource *services_resource(void);
void submissions_init(void);
void handle_submissions_create(struct req_ctx *rc);
void handle_submissions_list(struct req_ctx *rc);
void handle_submissions_get(struct req_ctx *rc);
void handle_submissions_decide(struct req_ctx *rc);

#endif
