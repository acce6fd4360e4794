/*
 * routes.c - the route table: every endpoint the server answers, in one place. Dispatch, metrics and
 * /api/v1/openapi.json all read it. To add an endpoint: write its handler in server/handlers/, declare it in
 * handlers.h, add a row here (and its schema in openapi.c; a described resource's schemas and list parameters come
 * from its description, server/http/describe.h).
 */
#include <stddef.h>

#include "server/audit/read_audit.h"
#include "server/auth/authenticate.h"
#include "server/handlers/handlers.h"
#include "server/router.h"

static const route_param submissions_query[] = {
    {"status", "string", "pending, approved, rejected"}, {"center_id", "integer", NULL},
    {"updated_since", "string", "rows changed at or after this instant: an RFC 3339 timestamp with its offset or a date"},
    {NULL, NULL, NULL},
};

static const route_param changes_query[] = {
    {"after", "integer", "the next_cursor of the previous page; 0 (the default) from the beginning"},
    {"entity", "string", "one of center, staff, household, client, enrollment, service, allocation, campaign, "
                         "donation, loan, repayment, submission"},
    {"limit", "integer", "Page size, 1 to 500 (default 50)"},
    {"wait", "integer", "1 to 60: when nothing is new, wait up to this many seconds for a change (long poll; at most "
                        "256 waiting requests per server thread, then 503 with Retry-After)"},
    {NULL, NULL, NULL},
};

/* the lists under one parent (a client's enrollments and services, a loan's repayments): resource_list_children */
static const route_param children_query[] = {
    {"updated_since", "string", "rows changed at or after this instant: an RFC 3339 timestamp with its offset or a date"},
    {NULL, NULL, NULL},
};

static const route_param login_query[] = {
    {"cookie", "boolean", "true: the session in the __Host-registry_session cookie (HttpOnly), not in the body"},
    {NULL, NULL, NULL},
};

const route routes[] = {
    {"GET", "/healthz", handle_healthz, PERM_PUBLIC, ROUTE_NO_LOG | ROUTE_NOT_API, "meta",
     "Liveness: 200 while the process runs", NULL, "Status", NULL, 200, "getHealth"},
    {"GET", "/readyz", handle_readyz, PERM_PUBLIC, ROUTE_NO_LOG | ROUTE_NOT_API, "meta",
     "Readiness: 200 when the database answers, else 503", NULL, "Status", NULL, 200, "getReadiness"},
    {"GET", "/metrics", handle_metrics, PERM_PUBLIC, ROUTE_NO_LOG | ROUTE_NOT_API, "meta",
     "Prometheus metrics; only for metrics_allow addresses (loopback by default) or a metrics_token bearer, "
     "404 for anyone else", NULL, "Metrics", NULL, 200, "getMetrics"},
    {"GET", "/api/v1/openapi.json", handle_openapi, PERM_PUBLIC, 0, "meta", "This OpenAPI 3.1 description", NULL,
     "OpenAPI", NULL, 200, "getOpenApi"},
    {"GET", "/api/v1/docs", handle_api_docs, PERM_PUBLIC, 0, "meta",
     "This description as a page to read (HTML; its script reads openapi.json)", NULL, "ApiDocs", NULL, 200,
     "getApiDocs"},

    {"GET", "/api/v1/provinces", handle_provinces_list, PERM_PUBLIC, ROUTE_LIST, "geography",
     "The 31 provinces", NULL, "Province", NULL, 200, "listProvinces"},
    {"GET", "/api/v1/counties", handle_counties_list, PERM_PUBLIC, ROUTE_LIST, "geography",
     "Counties, optionally of one province", NULL, "County", NULL, 200, "listCounties"},

    {"POST", "/api/v1/auth/login", handle_login, PERM_PUBLIC, ROUTE_JSON_BODY | ROUTE_THROTTLED, "auth",
     "Sign in: a bearer token for the user (or, with cookie=true, the console's session cookie)", login_query,
     "LoginResult", "Login", 200, "login"},
    {"POST", "/api/v1/auth/logout", handle_logout, PERM_ANY, 0, "auth", "Sign out: the token dies at once", NULL,
     NULL, NULL, 204, "logout"},
    {"GET", "/api/v1/auth/me", handle_me, PERM_ANY, 0, "auth", "The signed-in user", NULL, "Me", NULL, 200, "getMe"},
    {"POST", "/api/v1/auth/password", handle_password_change, PERM_ANY, ROUTE_JSON_BODY | ROUTE_THROTTLED, "auth",
     "Change your own password (other sessions end); a wrong current password counts as a failed sign-in", NULL,
     NULL, "PasswordChange", 204, "changePassword"},

    {"GET", "/api/v1/users", handle_users_list, PERM_USERS, ROUTE_LIST, "users", "Users within your scope",
     NULL, "User", NULL, 200, "listUsers"},
    {"POST", "/api/v1/users", handle_users_create, PERM_USERS, ROUTE_JSON_BODY, "users",
     "Create a user (never above or outside your scope)", NULL, "User", "UserCreate", 201, "createUser"},
    {"GET", "/api/v1/users/{id}", handle_users_get, PERM_USERS, 0, "users", "One user", NULL, "User", NULL, 200, "getUser"},
    {"PATCH", "/api/v1/users/{id}", handle_users_patch, PERM_USERS, ROUTE_JSON_BODY, "users",
     "Change a user (If-Match required); a new password ends the user's sessions", NULL, "User", "UserPatch", 200, "updateUser"},

    {"GET", "/api/v1/programs", handle_programs_list, PERM_READ, ROUTE_LIST, "registry",
     "The national programs clients enroll in", NULL, "Program", NULL, 200, "listPrograms"},

    {"GET", "/api/v1/centers", handle_centers_list, PERM_READ, ROUTE_LIST, "registry", "Centers within your scope",
     NULL, "Center", NULL, 200, "listCenters"},
    {"POST", "/api/v1/centers", handle_centers_create, PERM_WRITE, ROUTE_JSON_BODY, "registry", "Register a center",
     NULL, "Center", "CenterWrite", 201, "createCenter"},
    {"GET", "/api/v1/centers/{id}", handle_centers_get, PERM_READ, 0, "registry", "One center", NULL, "Center", NULL,
     200, "getCenter"},
    {"PATCH", "/api/v1/centers/{id}", handle_centers_patch, PERM_WRITE, ROUTE_JSON_BODY, "registry",
     "Change a center (If-Match required)", NULL, "Center", "CenterPatch", 200, "updateCenter"},
    {"DELETE", "/api/v1/centers/{id}", handle_centers_close, PERM_WRITE, 0, "registry",
     "Close a center (never deleted; If-Match required)", NULL, "Center", NULL, 200, "closeCenter"},

    {"GET", "/api/v1/staff", handle_staff_list, PERM_READ, ROUTE_LIST, "registry",
     "Staff within your scope (e.g. ?profession=social_worker&province=IR-08)", NULL, "Staff", NULL, 200, "listStaff"},
    {"POST", "/api/v1/staff", handle_staff_create, PERM_WRITE, ROUTE_JSON_BODY, "registry", "Register a staff member",
     NULL, "Staff", "StaffWrite", 201, "createStaff"},
    {"GET", "/api/v1/staff/{id}", handle_staff_get, PERM_READ, 0, "registry", "One staff member (the read is audited)",
     NULL, "Staff", NULL, 200, "getStaff"},
    {"PATCH", "/api/v1/staff/{id}", handle_staff_patch, PERM_WRITE, ROUTE_JSON_BODY, "registry",
     "Change a staff member (If-Match required)", NULL, "Staff", "StaffPatch", 200, "updateStaff"},
    {"DELETE", "/api/v1/staff/{id}", handle_staff_close, PERM_WRITE, 0, "registry",
     "Mark a staff member as left (If-Match required)", NULL, "Staff", NULL, 200, "closeStaff"},

    {"GET", "/api/v1/clients", handle_clients_list, PERM_READ, ROUTE_LIST, "registry",
     "Clients within your scope; filters and ?q= name search (the list is audited)", NULL, "Client", NULL,
     200, "listClients"},
    {"POST", "/api/v1/clients", handle_clients_create, PERM_WRITE, ROUTE_JSON_BODY, "registry", "Register a client",
     NULL, "Client", "ClientWrite", 201, "createClient"},
    {"GET", "/api/v1/clients/{id}", handle_clients_get, PERM_READ, 0, "registry", "One client (the read is audited)",
     NULL, "Client", NULL, 200, "getClient"},
    {"PATCH", "/api/v1/clients/{id}", handle_clients_patch, PERM_WRITE, ROUTE_JSON_BODY, "registry",
     "Change a client (If-Match required; the county changes by transfer)", NULL, "Client", "ClientPatch", 200, "updateClient"},
    {"DELETE", "/api/v1/clients/{id}", handle_clients_close, PERM_WRITE, 0, "registry",
     "Close a client's file (kept; If-Match required)", NULL, "Client", NULL, 200, "closeClient"},
    {"POST", "/api/v1/clients/{id}/transfer", handle_clients_transfer, PERM_WRITE, ROUTE_JSON_BODY, "registry",
     "Move a client to another county or province, with its enrollments and services", NULL, "TransferResult",
     "Transfer", 200, "transferClient"},
    {"GET", "/api/v1/clients/{id}/enrollments", handle_client_enrollments_list, PERM_READ, ROUTE_LIST, "registry",
     "A client's program enrollments (the list is audited)", children_query, "Enrollment", NULL, 200, "listClientEnrollments"},
    {"POST", "/api/v1/clients/{id}/enrollments", handle_client_enrollments_create, PERM_WRITE, ROUTE_JSON_BODY,
     "registry", "Enroll a client in a program", NULL, "Enrollment", "EnrollmentWrite", 201, "createEnrollment"},
    {"GET", "/api/v1/clients/{id}/services", handle_client_services_list, PERM_READ, ROUTE_LIST, "registry",
     "Services a client received (the list is audited)", children_query, "Service", NULL, 200, "listClientServices"},
    {"POST", "/api/v1/clients/{id}/services", handle_client_services_create, PERM_WRITE, ROUTE_JSON_BODY, "registry",
     "Record a service a client received at a center", NULL, "Service", "ServiceWrite", 201, "createService"},
    {"GET", "/api/v1/enrollments", handle_enrollments_list, PERM_READ, ROUTE_LIST, "registry",
     "Enrollments within your scope (the list is audited; with client_id, as a read of that client)", NULL,
     "Enrollment", NULL, 200, "listEnrollments"},
    {"GET", "/api/v1/enrollments/{id}", handle_enrollments_get, PERM_READ, 0, "registry",
     "One enrollment (the read is audited)", NULL,
     "Enrollment", NULL, 200, "getEnrollment"},
    {"PATCH", "/api/v1/enrollments/{id}", handle_enrollments_patch, PERM_WRITE, ROUTE_JSON_BODY, "registry",
     "Change an enrollment (status, end; If-Match required)", NULL, "Enrollment", "EnrollmentPatch", 200, "updateEnrollment"},
    {"GET", "/api/v1/services", handle_services_list, PERM_READ, ROUTE_LIST, "registry",
     "Services given within your scope (the list is audited; with client_id, as a read of that client)", NULL,
     "Service", NULL, 200, "listServices"},
    {"GET", "/api/v1/services/{id}", handle_services_get, PERM_READ, 0, "registry",
     "One service record (the read is audited)", NULL,
     "Service", NULL, 200, "getService"},
    {"PATCH", "/api/v1/services/{id}", handle_services_patch, PERM_WRITE, ROUTE_JSON_BODY, "registry",
     "Change a service record (If-Match required)", NULL, "Service", "ServicePatch", 200, "updateService"},
    {"GET", "/api/v1/households", handle_households_list, PERM_READ, ROUTE_LIST, "registry",
     "Households within your scope, with their members (the list is audited)", NULL, "Household", NULL, 200,
     "listHouseholds"},
    {"POST", "/api/v1/households", handle_households_create, PERM_WRITE, ROUTE_JSON_BODY, "registry",
     "Register a household (clients join it by household_id)", NULL, "Household", "HouseholdWrite", 201, "createHousehold"},
    {"GET", "/api/v1/households/{id}", handle_households_get, PERM_READ, 0, "registry",
     "A household and its members", NULL, "Household", NULL, 200, "getHousehold"},
    {"PATCH", "/api/v1/households/{id}", handle_households_patch, PERM_WRITE, ROUTE_JSON_BODY, "registry",
     "Change a household (If-Match required)", NULL, "Household", "HouseholdPatch", 200, "updateHousehold"},

    {"GET", "/api/v1/allocations", handle_allocations_list, PERM_READ, ROUTE_LIST, "funding",
     "Budget allocations within your scope", NULL, "Allocation", NULL, 200, "listAllocations"},
    {"POST", "/api/v1/allocations", handle_allocations_create, PERM_WRITE, ROUTE_JSON_BODY, "funding",
     "Allocate budget to a province, county or center (never more than its parent's)", NULL, "Allocation",
     "AllocationWrite", 201, "createAllocation"},
    {"GET", "/api/v1/allocations/{id}", handle_allocations_get, PERM_READ, 0, "funding", "One allocation", NULL,
     "Allocation", NULL, 200, "getAllocation"},
    {"PATCH", "/api/v1/allocations/{id}", handle_allocations_patch, PERM_WRITE, ROUTE_JSON_BODY, "funding",
     "Change an allocation's amount or note (If-Match required)", NULL, "Allocation", "AllocationPatch", 200, "updateAllocation"},
    {"GET", "/api/v1/campaigns", handle_campaigns_list, PERM_READ, ROUTE_LIST, "funding",
     "Campaigns (national ones and your province's) with their totals", NULL, "Campaign", NULL, 200, "listCampaigns"},
    {"POST", "/api/v1/campaigns", handle_campaigns_create, PERM_WRITE, ROUTE_JSON_BODY, "funding",
     "Start a campaign", NULL, "Campaign", "CampaignWrite", 201, "createCampaign"},
    {"GET", "/api/v1/campaigns/{id}", handle_campaigns_get, PERM_READ, 0, "funding", "One campaign with its totals",
     NULL, "Campaign", NULL, 200, "getCampaign"},
    {"PATCH", "/api/v1/campaigns/{id}", handle_campaigns_patch, PERM_WRITE, ROUTE_JSON_BODY, "funding",
     "Change a campaign (If-Match required)", NULL, "Campaign", "CampaignPatch", 200, "updateCampaign"},
    {"GET", "/api/v1/donations", handle_donations_list, PERM_READ, ROUTE_LIST, "funding",
     "Donations within your scope (the list is audited)", NULL, "Donation", NULL, 200, "listDonations"},
    {"POST", "/api/v1/donations", handle_donations_create, PERM_WRITE, ROUTE_JSON_BODY, "funding",
     "Record a donation, cash or in kind", NULL, "Donation", "DonationWrite", 201, "createDonation"},
    {"GET", "/api/v1/donations/{id}", handle_donations_get, PERM_READ, 0, "funding",
     "One donation (the read is audited)", NULL,
     "Donation", NULL, 200, "getDonation"},
    {"PATCH", "/api/v1/donations/{id}", handle_donations_patch, PERM_WRITE, ROUTE_JSON_BODY, "funding",
     "Correct a donation (If-Match required)", NULL, "Donation", "DonationPatch", 200, "updateDonation"},
    {"GET", "/api/v1/loans", handle_loans_list, PERM_READ, ROUTE_LIST, "funding",
     "Microfinance loans within your scope (the list is audited)",
     NULL, "Loan", NULL, 200, "listLoans"},
    {"POST", "/api/v1/loans", handle_loans_create, PERM_WRITE, ROUTE_JSON_BODY, "funding",
     "Grant a loan; its schedule is made with it", NULL, "Loan", "LoanWrite", 201, "createLoan"},
    {"GET", "/api/v1/loans/overdue", handle_loans_overdue, PERM_READ, ROUTE_LIST, "funding",
     "Overdue installments (e.g. of one county; the list is audited)", NULL, "OverdueInstallment", NULL, 200, "listOverdueInstallments"},
    {"GET", "/api/v1/loans/{id}", handle_loans_get, PERM_READ, 0, "funding",
     "One loan with its schedule and outstanding balance (the read is audited)", NULL, "Loan", NULL, 200, "getLoan"},
    {"PATCH", "/api/v1/loans/{id}", handle_loans_patch, PERM_WRITE, ROUTE_JSON_BODY, "funding",
     "Change a loan's status (If-Match required)", NULL, "Loan", "LoanPatch", 200, "updateLoan"},
    {"GET", "/api/v1/loans/{id}/repayments", handle_loan_repayments_list, PERM_READ, ROUTE_LIST, "funding",
     "A loan's repayments (the list is audited)", children_query, "Repayment", NULL, 200, "listLoanRepayments"},
    {"POST", "/api/v1/loans/{id}/repayments", handle_loan_repayments_create, PERM_WRITE, ROUTE_JSON_BODY, "funding",
     "Record a repayment (never more than is owed)", NULL, "Repayment", "RepaymentWrite", 201, "createRepayment"},
    {"GET", "/api/v1/repayments/{id}", handle_repayments_get, PERM_READ, 0, "funding",
     "One repayment (the read is audited)", NULL, "Repayment", NULL, 200, "getRepayment"},

    {"GET", "/api/v1/reports/summary", handle_report_summary, PERM_READ, ROUTE_EXPENSIVE, "reports",
     "Centers, staff, clients, allocations and donations per province, or per county of one province",
     NULL, "SummaryReport", NULL, 200, "getSummaryReport"},
    {"GET", "/api/v1/reports/clients-by-disability", handle_report_disability, PERM_READ, ROUTE_EXPENSIVE, "reports",
     "Active clients by disability type, with the share over 60", NULL, "DisabilityReport", NULL, 200, "getClientsByDisabilityReport"},
    {"GET", "/api/v1/reports/centers-by-type", handle_report_center_types, PERM_READ, ROUTE_EXPENSIVE, "reports",
     "Open centers by type: capacity, active clients, occupancy, licenses expired and expiring soon", NULL,
     "CenterTypeReport", NULL, 200, "getCentersByTypeReport"},
    {"GET", "/api/v1/reports/donations-by-campaign", handle_report_campaigns, PERM_READ, ROUTE_EXPENSIVE, "reports",
     "Donations of a fiscal year by campaign, cash and in kind", NULL, "CampaignReport", NULL, 200, "getDonationsByCampaignReport"},
    {"GET", "/api/v1/reports/overdue-loans", handle_report_overdue_loans, PERM_READ, ROUTE_EXPENSIVE, "reports",
     "Overdue loan installments today per province, or per county of one province", NULL, "OverdueLoansReport",
     NULL, 200, "getOverdueLoansReport"},

    {"POST", "/api/v1/submissions", handle_submissions_create, PERM_SUBMIT, ROUTE_JSON_BODY, "submissions",
     "Submit a batch of client, staff and service records (Idempotency-Key required; an unknown field is 422 for the "
     "whole batch; per user: records a day (429) and pending submissions and bytes (409) are limited)", NULL,
     "SubmissionReceipt",
     "Submission", 201, "createSubmission"},
    {"GET", "/api/v1/submissions", handle_submissions_list, PERM_READ, ROUTE_LIST, "submissions",
     "Submissions within your scope", submissions_query, "SubmissionSummary", NULL, 200, "listSubmissions"},
    {"GET", "/api/v1/submissions/{id}", handle_submissions_get, PERM_READ, 0, "submissions",
     "One submission with each record's result (the read is audited; officers also see what the nationwide "
     "duplicate check found)", NULL, "SubmissionDetail", NULL, 200, "getSubmission"},
    {"POST", "/api/v1/submissions/{id}/decision", handle_submissions_decide, PERM_REVIEW, ROUTE_JSON_BODY,
     "submissions", "Approve (all valid records, in one transaction) or reject", NULL, "DecisionResult", "Decision",
     200, "decideSubmission"},

    {"GET", "/api/v1/changes", handle_changes_list, PERM_READ, 0, "sync",
     "Every create, update, close and transfer in your scope, in commit order, from a cursor (?wait= long-polls)",
     changes_query, "ChangesPage", NULL, 200, "listChanges"},

    {"GET", "/api/v1/audit", handle_audit_list, PERM_AUDIT, ROUTE_LIST, "audit",
     "The audit trail within your scope, newest first (reading it is audited too)", NULL, "AuditRecord", NULL,
     200, "listAudit"},
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
    centers_init();
    staff_init();
    read_audit_init();
    clients_init();
    households_init();
    programs_init();
    enrollments_init();
    services_init();
    allocations_init();
    campaigns_init();
    donations_init();
    loans_init();
    reports_init();
    submissions_init();
    changes_init();
}
