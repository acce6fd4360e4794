/*
 * donations.c - /api/v1/donations: gifts of benefactors, cash or in kind (with a description and an appraised
 * value), to a province, county, center or client, optionally within a campaign. An anonymous donor's name is
 * kept for receipts but never shown. The fiscal year is the Jalali year of received_on.
 */
#include <string.h>

#include "common/jalali.h"
#include "server/handlers/handlers.h"
#include "server/http/resource.h"

#define DONATION_SELECT                                                                                              \
    "t.id, CASE WHEN t.anonymous THEN NULL ELSE t.donor_name END AS donor_name, t.donor_type, t.anonymous, t.kind," \
    " t.description, t.amount_rials, t.campaign_id, t.received_on, t.fiscal_year, t.province_code AS province,"    \
    " t.county_id, t.center_id, t.client_id, t.version, " SQL_UTC_TS("created_at") ", " SQL_UTC_TS("updated_at") ","               \
    " CASE WHEN t.anonymous THEN NULL ELSE t.donor_name END AS donor,"                                              \
    " (SELECT c.name FROM campaigns c WHERE c.id = t.campaign_id) AS campaign"

static const char *const kinds[] = {"cash", "in_kind", NULL};
static const char *const donor_types[] = {"person", "organization", NULL};

static const col_spec donation_cols[] = {
    {"id", COL_INT},          {"donor_name", COL_TEXT},  {"donor_type", COL_TEXT},  {"anonymous", COL_BOOL},
    {"kind", COL_TEXT},       {"description", COL_TEXT}, {"amount_rials", COL_INT}, {"campaign_id", COL_INT},
    {"received_on", COL_DATE}, {"fiscal_year", COL_INT}, {"province", COL_TEXT},    {"county_id", COL_INT},
    {"center_id", COL_INT},   {"client_id", COL_INT},    {"version", COL_INT},      {"created_at", COL_TIMESTAMP},
    {"updated_at", COL_TIMESTAMP}, {"donor", COL_TEXT},  {"campaign", COL_TEXT}};

static const res_column donation_writable[] = {
    {"donor_name", "donor_name", "text", NULL},
    {"donor_type", "donor_type", "donor_type", "'person'"},
    {"anonymous", "anonymous", "boolean", "false"},
    {"kind", "kind", "donation_kind", NULL},
    {"description", "description", "text", NULL},
    {"amount_rials", "amount_rials", "bigint", NULL},
    {"campaign_id", "campaign_id", "(donation_campaign_ref($J))", NULL},
    {"received_on", "received_on", "date", NULL},
    {"fiscal_year", "fiscal_year", "integer", NULL},
    {"province", "province_code", "text", NULL},
    {"county_id", "county_id", "integer", NULL},
    {"center_id", "center_id", "bigint", NULL},
    {"client_id", "client_id", "bigint", NULL},
};

/* The contract's names (donor, campaign by id or name) and ours (donor_name, campaign_id) are both accepted; a
 * donor is a person unless donor_type says otherwise. */
static const field_spec donation_fields[] = {
    {"donor", F_STRING, false, 1, 200, NULL},
    {"donor_name", F_STRING, false, 1, 200, NULL},
    {"donor_type", F_ENUM, false, 0, 0, donor_types},
    {"campaign", F_ANY, false, 0, 0, NULL},
    {"anonymous", F_BOOL, false, 0, 0, NULL},
    {"kind", F_ENUM, true, 0, 0, kinds},
    {"description", F_STRING, false, 0, 1000, NULL},
    {"amount_rials", F_INT, true, 1, INT64_MAX, NULL},
    {"campaign_id", F_INT, false, 1, INT64_MAX, NULL},
    {"received_on", F_DATE, true, 0, 0, NULL},
    {"province", F_STRING, false, 1, 8, NULL},
    {"county_id", F_INT, false, 1, 2147483647, NULL},
    {"center_id", F_INT, false, 1, INT64_MAX, NULL},
    {"client_id", F_INT, false, 1, INT64_MAX, NULL},
};
static const field_spec donation_update_fields[] = {
    {"donor", F_STRING, false, 1, 200, NULL},
    {"donor_name", F_STRING, false, 1, 200, NULL},
    {"campaign", F_ANY, false, 0, 0, NULL},
    {"anonymous", F_BOOL, true, 0, 0, NULL},
    {"description", F_STRING, false, 0, 1000, NULL},
    {"amount_rials", F_INT, true, 1, INT64_MAX, NULL},
    {"campaign_id", F_INT, false, 1, INT64_MAX, NULL},
    {"received_on", F_DATE, true, 0, 0, NULL},
};

/* donor or donor_name: the same column */
static void put_donor(req_ctx *rc, json_object *body, json_object *values, field_errors *fe)
{
    if (body_has(body, "donor") && body_has(body, "donor_name")) {
        field_error(fe, "donor", "give donor or donor_name, not both");
        return;
    }
    res_put_text(rc, body, values, "donor_name", fe);
    json_object *v;
    res_put_text(rc, body, values, "donor", fe);
    if (json_object_object_get_ex(values, "donor", &v)) {
        json_object_object_add(values, "donor_name", v ? json_object_get(v) : NULL);
        json_object_object_del(values, "donor");
    }
}

/* campaign (an id, or a campaign's name) or campaign_id: donation_campaign_ref() in SQL resolves it and names
 * the field the client used when it does not fit */
static void put_campaign(req_ctx *rc, json_object *body, json_object *values, field_errors *fe)
{
    if (body_has(body, "campaign") && body_has(body, "campaign_id")) {
        field_error(fe, "campaign", "give campaign or campaign_id, not both");
        return;
    }
    if (!body_has(body, "campaign")) {
        res_put_int(body, values, "campaign_id");
        return;
    }
    json_object *v = NULL;
    json_object_object_get_ex(body, "campaign", &v);
    int64_t id;
    if (!v)
        json_object_object_add(values, "campaign_id", NULL);
    else if (json_object_is_type(v, json_type_int) && body_int(body, "campaign", &id) && id > 0)
        json_object_object_add(values, "campaign_id", json_object_new_int64(id));
    else if (json_object_is_type(v, json_type_string)) {
        static const field_spec name_spec[] = {{"campaign", F_STRING, false, 2, 200, NULL}};
        json_object *name = json_object_new_object(), *clean = json_object_new_object();
        json_object_object_add(name, "campaign", json_object_get(v));
        if (validate_fields(name, name_spec, 1, true, fe)) {
            res_put_text(rc, name, clean, "campaign", fe);
            json_object *c;
            if (json_object_object_get_ex(clean, "campaign", &c) && c)
                json_object_object_add(values, "campaign_id", json_object_get(c));
        }
        json_object_put(name);
        json_object_put(clean);
    } else
        field_error(fe, "campaign", "must be a campaign's id or its name");
    json_object_object_add(values, "campaign_field", json_object_new_string("campaign"));
}

static void donation_build(req_ctx *rc, json_object *body, bool partial, const char *parent_id, json_object *values,
                           field_errors *fe)
{
    put_donor(rc, body, values, fe);
    res_put_as_is(body, values, "donor_type");
    res_put_as_is(body, values, "anonymous");
    res_put_as_is(body, values, "kind");
    res_put_text(rc, body, values, "description", fe);
    res_put_int(body, values, "amount_rials");
    put_campaign(rc, body, values, fe);
    if (partial && json_object_object_get_ex(values, "campaign_id", NULL)) {
        /* a campaign named in a change is looked up in the donation's own province (donation_campaign_ref) */
        const char *id = resource_id_param(rc, 0, "donation");
        if (id)
            json_object_object_add(values, "donation_id", json_object_new_string(id));
    }
    res_put_date(rc, body, values, "received_on");
    json_object *received;
    ymd g, j;
    if (json_object_object_get_ex(values, "received_on", &received) && received &&
        date_parse_iso(json_object_get_string(received), &g) == 0 && gregorian_to_jalali(g, &j) == 0)
        json_object_object_add(values, "fiscal_year", json_object_new_int(j.y));
    if (!partial) {
        json_object *kind = NULL, *anon = NULL;
        json_object_object_get_ex(body, "kind", &kind);
        json_object_object_get_ex(body, "anonymous", &anon);
        if (kind && !strcmp(json_object_get_string(kind), "in_kind") && !body_string(body, "description"))
            field_error(fe, "description", "is required for an in-kind gift (what was given)");
        if (!(anon && json_object_get_boolean(anon)) && !body_string(body, "donor_name") &&
            !body_string(body, "donor"))
            field_error(fe, "donor", "is required unless the donor is anonymous");
        res_put_place(rc, body, values, true, fe);
    }
    (void)parent_id;
}

static resource donations = {
    .name = "donation",
    .table = "donations",
    .select_sql = DONATION_SELECT,
    .cols = donation_cols,
    .ncols = NCOLS(donation_cols),
    .col_id = 0, .col_version = 14, .col_province = 10, .col_county = 11, .col_center = 12,
    .writable = donation_writable,
    .nwritable = NCOLS(donation_writable),
    .create_fields = donation_fields,
    .ncreate_fields = NCOLS(donation_fields),
    .update_fields = donation_update_fields,
    .nupdate_fields = NCOLS(donation_update_fields),
    .build = donation_build,
    .audit_reads = true,        /* donor names, and donations to a client */
    /* a donor made anonymous by this update is anonymous in its audit record's before too */
    .before_from = "old, upd, jsonb_populate_record(NULL::donations,"
                   " to_jsonb(old) || jsonb_build_object('anonymous', old.anonymous OR upd.anonymous)) t",
    .path = "/api/v1/donations",
};

static int stmt_list;

void donations_init(void)
{
    resource_init(&donations);
    stmt_list = db_stmt_register(
        "donation_list",
        "SELECT " DONATION_SELECT " FROM donations t"
        " WHERE ($1::text IS NULL OR t.province_code = $1) AND ($2::integer IS NULL OR t.county_id = $2::integer)"
        " AND ($3::bigint IS NULL OR t.center_id = $3::bigint)"
        " AND ($4::integer IS NULL OR t.fiscal_year = $4::integer) AND ($5::bigint IS NULL OR t.campaign_id = $5::bigint)"
        " AND ($6::text IS NULL OR t.province_code = $6) AND ($7::integer IS NULL OR t.county_id = $7::integer)"
        " AND ($8::donation_kind IS NULL OR t.kind = $8::donation_kind)"
        " AND ($9::bigint IS NULL OR t.id > $9::bigint)"
        " ORDER BY t.id LIMIT $10");
}

void handle_donations_get(req_ctx *rc) { resource_get(rc, &donations); }
void handle_donations_create(req_ctx *rc) { resource_create(rc, &donations, NULL); }
void handle_donations_patch(req_ctx *rc) { resource_patch(rc, &donations); }

void handle_donations_list(req_ctx *rc)
{
    list_query lq;
    if (!list_query_begin(rc, &lq))
        return;
    const char *year = list_filter_int(rc, &lq, "fiscal_year");
    const char *campaign = list_filter_int(rc, &lq, "campaign_id");
    const char *province = list_filter_province(rc, &lq, "province");
    const char *county = list_filter_int(rc, &lq, "county_id");
    const char *kind = list_filter_enum(rc, &lq, "kind", kinds);
    if (!list_query_valid(rc, &lq))
        return;
    const char *const names[] = {"fiscal_year", "campaign_id", "province", "county_id", "kind"};
    const char *const vals[] = {year, campaign, province, county, kind};
    const char *filter_json = resource_list_audit_filter(rc, names, vals, NCOLS(names), false);
    req_job_begin(rc, true);
    db_query *q = db_job_add(&rc->job, stmt_list);
    resource_scope_params(rc, q);
    db_query_param(q, year);
    db_query_param(q, campaign);
    db_query_param(q, province);
    db_query_param(q, county);
    db_query_param(q, kind);
    db_query_param(q, lq.after);
    db_query_param(q, lq.limit);
    resource_submit_audited_list(rc, &donations, filter_json);  /* recorded in a read batch */
}
