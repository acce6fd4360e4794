/*
 * donations.c - /api/v1/donations: gifts of benefactors, cash or in kind (with a description and an appraised
 * value), to a province, county, center or client, optionally within a campaign. An anonymous donor's name is
 * kept for receipts but never shown. The fiscal year is the Jalali year of received_on.
 */
#include <string.h>

#include "common/jalali.h"
#include "server/handlers/handlers.h"
#include "server/http/resource.h"

static const char *const kinds[] = {"cash", "in_kind", NULL};
static const char *const donor_types[] = {"person", "organization", NULL};

#define DONOR_SHOWN "CASE WHEN t.anonymous THEN NULL ELSE t.donor_name END"

/* A donation, field by field (describe.h). The contract's names (donor, campaign by id or name) and ours
 * (donor_name, campaign_id) are both accepted (the hook); a donor is a person unless donor_type says otherwise; the
 * place is exactly one of province, county_id, center_id, client_id. */
static const field_desc donation_fields[] = {
    {.name = "id", .column = "id", .out = COL_INT, .label_fa = "شناسه", .label_en = "Id", .example = "5120"},
    {.name = "donor_name", .column = "donor_name", .expr = DONOR_SHOWN, .in = F_STRING, .out = COL_TEXT,
     .sqltype = "text", .min = 1, .max = 200, .flags = DF_WRITE | DF_NULLABLE | DF_CUSTOM, .label_fa = "نام نیکوکار",
     .label_en = "Donor's name", .example = "\"علی رضایی\"",
     .doc = "null when anonymous: an anonymous donor's name is kept for receipts and never shown"},
    {.name = "donor_type", .column = "donor_type", .in = F_ENUM, .out = COL_TEXT, .sqltype = "donor_type",
     .choices = donor_types, .flags = DF_CREATE, .default_sql = "'person'", .label_fa = "نوع نیکوکار",
     .label_en = "Donor type", .example = "\"person\"", .doc = "default person"},
    {.name = "anonymous", .column = "anonymous", .in = F_BOOL, .out = COL_BOOL, .sqltype = "boolean",
     .flags = DF_WRITE | DF_REQUIRED_UPDATE, .default_sql = "false", .label_fa = "بی‌نام", .label_en = "Anonymous",
     .example = "false", .doc = "one-way: an anonymous donation never becomes named again (422)"},
    {.name = "kind", .column = "kind", .in = F_ENUM, .out = COL_TEXT, .sqltype = "donation_kind", .choices = kinds,
     .flags = DF_CREATE | DF_REQUIRED_CREATE, .filter = LF_ENUM, .label_fa = "نوع کمک (نقدی/غیرنقدی)",
     .label_en = "Kind (cash or in kind)", .example = "\"cash\""},
    {.name = "description", .column = "description", .in = F_STRING, .out = COL_TEXT, .sqltype = "text",
     .max = 1000, .flags = DF_WRITE | DF_NULLABLE, .label_fa = "شرح کمک", .label_en = "Description",
     .example = "\"۲۰ دستگاه ویلچر\"", .doc = "what was given: required for an in-kind gift"},
    {.name = "amount_rials", .column = "amount_rials", .in = F_INT, .out = COL_INT, .sqltype = "bigint", .min = 1,
     .max = INT64_MAX, .flags = DF_WRITE | DF_REQUIRED, .label_fa = "مبلغ (ریال)", .label_en = "Amount (rials)",
     .example = "150000000", .doc = "in kind: the appraised value"},
    {.name = "campaign_id", .column = "campaign_id", .in = F_INT, .out = COL_INT,
     .sqltype = "(donation_campaign_ref($J))", .min = 1, .max = INT64_MAX,
     .flags = DF_WRITE | DF_NULLABLE | DF_CUSTOM, .filter = LF_ID, .label_fa = "کمپین", .label_en = "Campaign",
     .example = "12"},
    {.name = "received_on", .column = "received_on", .in = F_DATE, .out = COL_DATE, .sqltype = "date",
     .flags = DF_WRITE | DF_REQUIRED, .label_fa = "تاریخ دریافت", .label_en = "Received on",
     .example = "\"2025-03-20\"", .doc = "from 1800 on; a Jalali date goes in received_on_jalali"},
    {.name = "fiscal_year", .column = "fiscal_year", .out = COL_INT, .sqltype = "integer", .flags = DF_STORED,
     .filter = LF_ID, .label_fa = "سال مالی", .label_en = "Fiscal year (Jalali)", .example = "1403",
     .doc = "the Jalali year of received_on"},
    DESC_PLACE_GIVEN("province, county_id, center_id and client_id"),
    {.name = "client_id", .column = "client_id", .in = F_INT, .out = COL_INT, .sqltype = "bigint", .min = 1,
     .max = INT64_MAX, .flags = DF_CREATE | DF_CUSTOM | DF_NULLABLE, .label_fa = "مددجو", .label_en = "Client",
     .example = "null"},
    DESC_RECORD_TAIL,
    /* the contract's names: the same donor, the campaign's name */
    {.name = "donor", .expr = DONOR_SHOWN, .in = F_STRING, .out = COL_TEXT, .min = 1, .max = 200,
     .flags = DF_WRITE | DF_NULLABLE | DF_CUSTOM, .label_fa = "نیکوکار", .label_en = "Donor",
     .example = "\"علی رضایی\"",
     .doc = "the donor's name (donor_name, give one of the two); required unless anonymous; null when anonymous"},
    {.name = "campaign", .expr = "(SELECT c.name FROM campaigns c WHERE c.id = t.campaign_id)", .in = F_ANY,
     .out = COL_TEXT, .flags = DF_WRITE | DF_NULLABLE | DF_CUSTOM, .label_fa = "نام کمپین",
     .label_en = "Campaign's name", .example = "\"کمپین آجر به آجر\"",
     .write_schema = "{\"type\":[\"integer\",\"string\"],\"description\":\"a campaign by id or by name (a national "
                     "campaign or one of the donation's province; 422 naming campaign otherwise); or campaign_id\"}"},
};

/* donor or donor_name: the same column */
static void put_donor(req_ctx *rc, json_object *body, json_object *values, field_errors *fe)
{
    if (body_has(body, "donor") && body_has(body, "donor_name")) {
        field_error_coded(fe, "donor", "both", "فقط یکی از نیکوکار (donor) یا donor_name را بدهید.",
                          "give donor or donor_name, not both");
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
        field_error_coded(fe, "campaign", "both", "فقط یکی از کمپین (campaign) یا campaign_id را بدهید.",
                          "give campaign or campaign_id, not both");
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
        static const char *const name_label[] = {"نام کمپین"};
        json_object *name = json_object_new_object(), *clean = json_object_new_object();
        json_object_object_add(name, "campaign", json_object_get(v));
        if (validate_fields_fa(name, name_spec, name_label, 1, true, fe)) {
            res_put_text(rc, name, clean, "campaign", fe);
            json_object *c;
            if (json_object_object_get_ex(clean, "campaign", &c) && c)
                json_object_object_add(values, "campaign_id", json_object_get(c));
        }
        json_object_put(name);
        json_object_put(clean);
    } else
        field_error_coded(fe, "campaign", "invalid", "کمپین باید شناسه یا نام یک کمپین باشد.",
                          "must be a campaign's id or its name");
    json_object_object_add(values, "campaign_field", json_object_new_string("campaign"));
}

/* What the description cannot say: the two names of donor and campaign, the fiscal year from received_on, what an
 * in-kind or named gift needs, and its place */
static void donation_build(req_ctx *rc, json_object *body, bool partial, const char *parent_id, json_object *values,
                           field_errors *fe)
{
    put_donor(rc, body, values, fe);
    put_campaign(rc, body, values, fe);
    if (partial && json_object_object_get_ex(values, "campaign_id", NULL)) {
        /* a campaign named in a change is looked up in the donation's own province (donation_campaign_ref) */
        const char *id = resource_id_param(rc, 0, "donation");
        if (id)
            json_object_object_add(values, "donation_id", json_object_new_string(id));
    }
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
            field_error_coded(fe, "description", "required", "شرح کمک غیرنقدی (آنچه داده شد) لازم است.",
                              "is required for an in-kind gift (what was given)");
        if (!(anon && json_object_get_boolean(anon)) && !body_string(body, "donor_name") &&
            !body_string(body, "donor"))
            field_error_coded(fe, "donor", "required", "نام نیکوکار لازم است، مگر کمک بی‌نام باشد.",
                              "is required unless the donor is anonymous");
        res_put_place(rc, body, values, true, fe);
    }
    (void)parent_id;
}

static resource donations = {
    .name = "donation",
    .table = "donations",
    .fields = donation_fields,
    .nfields = NCOLS(donation_fields),
    .schema = "Donation",
    .build = donation_build,
    .audit_reads = true,        /* donor names, and donations to a client */
    /* a donor made anonymous by this update is anonymous in its audit record's before too */
    .before_from = "old, upd, jsonb_populate_record(NULL::donations,"
                   " to_jsonb(old) || jsonb_build_object('anonymous', old.anonymous OR upd.anonymous)) t",
    .path = "/api/v1/donations",
};

void donations_init(void) { resource_init(&donations); }

void handle_donations_get(req_ctx *rc) { resource_get(rc, &donations); }
void handle_donations_create(req_ctx *rc) { resource_create(rc, &donations, NULL); }
void handle_donations_patch(req_ctx *rc) { resource_patch(rc, &donations); }
void handle_donations_list(req_ctx *rc) { resource_list(rc, &donations); }
