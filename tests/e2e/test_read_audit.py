"""Every read of a person's data leaves a read record (issue 13, hole 6): a walk over EVERY GET route of the server,
taken from its own route table (GET /api/v1/openapi.json, generated from server/routes.c), with real ids of records
made here, as roles that can see them. Any reply that carries a person's data (PERSONAL_FIELDS, anywhere in the
JSON) must have left an audit row (read_log or audit_log) with the reply's request id. A new route is walked
automatically; one whose {id} this file cannot fill fails until IDS_FOR says where its ids come from."""

import json
import os
import sys
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PASSWORD = "Silver-Orchard-Pencil-4412"
TEHRAN = "IR-23"

# What makes a reply a person's data: a key among these, with a value (not null, not empty), anywhere in it.
# Not among them: a user account's username and full_name (the registry's own officials, managed by admins; every
# change to an account is audited), and aggregates (reports count people, never name them).
PERSONAL_FIELDS = {
    "national_id", "first_name", "last_name", "birth_date", "birth_date_jalali", "sex", "disability", "needs",
    "household_role", "members",            # a household's people
    "client_id",                            # a record about one client (services, enrollments, loans, gifts)
    "loan_id",                              # a person's loan (repayments, overdue installments)
    "donor_name", "donor",                  # a donor who is not anonymous
    "records",                              # a submission's records as sent (people)
    "before", "after",                      # the audit trail's copies of records
}
# Replies that name fields without holding anyone's data.
NOT_DATA = {"/api/v1/openapi.json": "describes the fields, holds no records",
            "/metrics": "counters of requests, no records (and served only to the addresses configured)"}
# Where the ids of a path's {id} come from, by the collection before it (e.g. /api/v1/clients/{id}/services).
IDS_FOR = ("users", "centers", "staff", "clients", "enrollments", "services", "households", "allocations",
           "campaigns", "donations", "loans", "submissions")
# Filters a walk of the plain routes would not reach but that read one person's data.
FILTERED = ("/api/v1/loans?client_id={client}", "/api/v1/clients?national_id={national_id}",
            "/api/v1/staff?national_id={staff_national_id}", "/api/v1/donations?county_id={county}",
            "/api/v1/loans/overdue?county_id={county}", "/api/v1/audit?entity=client&entity_id={client}")

national_id = harness.national_id_sequence(512340007, 11)


def has_personal(v):
    if isinstance(v, dict):
        return any((k in PERSONAL_FIELDS and x not in (None, "", [], {})) or has_personal(x) for k, x in v.items())
    if isinstance(v, list):
        return any(has_personal(x) for x in v)
    return False


class ReadAuditTest(harness.RegistryTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls._seed()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def _seed(cls):
        reg = cls.registry
        cls.uid = {"admin": harness.add_user(reg, "walk-admin", "national_admin", PASSWORD)}
        with reg.client() as c:
            admin = harness.login(c, "walk-admin", PASSWORD)["token"]

            def post(path, body, token=admin, headers=None):
                r = c.post(path, body, token=token, headers=headers)
                if r.status != 201:
                    raise harness.HarnessError("seed %s: %r" % (path, r))
                return r.json()
            county = c.get("/api/v1/counties?province=%s&limit=1" % TEHRAN).json()["items"][0]["id"]
            center = post("/api/v1/centers", {"name": "انجمن گردش", "type": "rehabilitation_day", "sector": "ngo",
                                              "county_id": county})["id"]
            hh = post("/api/v1/households", {"county_id": county, "center_id": center})["id"]
            nid = national_id()
            client = post("/api/v1/clients", {
                "national_id": nid, "first_name": "سارا", "last_name": "گردشی", "birth_date": "1980-01-02",
                "sex": "female", "county_id": county, "center_id": center, "household_id": hh,
                "household_role": "head", "disability": {"type": "visual", "severity": "mild"},
                "needs": ["housing"]})["id"]
            snid = national_id()
            staff = post("/api/v1/staff", {"national_id": snid, "first_name": "مینا", "last_name": "گردشی",
                                           "profession": "social_worker", "center_id": center})["id"]
            enrollment = post("/api/v1/clients/%d/enrollments" % client,
                              {"program": "cbr", "started_on": "2024-01-01"})["id"]
            service = post("/api/v1/clients/%d/services" % client,
                           {"center_id": center, "service": "physiotherapy", "provided_on": "2024-05-01"})["id"]
            allocation = post("/api/v1/allocations", {"fiscal_year": 1403, "program": "cbr", "province": TEHRAN,
                                                      "amount_rials": 1000000})["id"]
            campaign = post("/api/v1/campaigns", {"name": "کارزار گردش"})["id"]
            donation = post("/api/v1/donations", {"donor_name": "حمید نیکوکار", "donor_type": "person",
                                                  "kind": "cash", "amount_rials": 5000, "received_on": "2024-03-01",
                                                  "campaign_id": campaign, "client_id": client})["id"]
            loan = post("/api/v1/loans", {"client_id": client, "amount_rials": 1200, "installments": 12,
                                          "first_due_on": "2024-01-01"})["id"]
            post("/api/v1/loans/%d/repayments" % loan, {"amount_rials": 100, "paid_on": "2024-01-05"})
        cls.uid["ngo"] = harness.add_user(reg, "walk-ngo", "ngo_submitter", PASSWORD, center=center)
        with reg.client() as c:
            ngo = harness.login(c, "walk-ngo", PASSWORD)["token"]
            r = c.post("/api/v1/submissions", {"records": [{"kind": "client", "data": {
                "national_id": national_id(), "first_name": "نگار", "last_name": "گردشی", "birth_date": "1990-01-01",
                "sex": "female", "county_id": county}}]}, token=ngo, headers={"Idempotency-Key": uuid.uuid4().hex})
            if r.status != 201:
                raise harness.HarnessError("seed submission: %r" % r)
            submission = r.json()["id"]
        cls.tok = {"admin": admin, "ngo": ngo}
        cls.ids = {"users": cls.uid["admin"], "centers": center, "staff": staff, "clients": client,
                   "enrollments": enrollment, "services": service, "households": hh, "allocations": allocation,
                   "campaigns": campaign, "donations": donation, "loans": loan, "submissions": submission}
        cls.fill = {"client": client, "national_id": nid, "staff_national_id": snid, "county": county}

    # -- helpers --------------------------------------------------------------------------------------------------
    def get_routes(self):
        spec = self.client.get("/api/v1/openapi.json").json()
        routes = sorted(p for p, ops in spec["paths"].items() if "get" in ops)
        self.assertGreater(len(routes), 30, "the route table looks cut short")
        return routes

    def concrete(self, route):
        segs = route.split("/")
        for i, s in enumerate(segs):
            if s.startswith("{"):
                coll = segs[i - 1]
                self.assertIn(coll, IDS_FOR, "GET %s: no seeded id for {%s} after /%s/; add one to IDS_FOR and the "
                              "seed, so the route is walked" % (route, s, coll))
                segs[i] = str(self.ids[coll])
        return "/".join(segs)

    def audit_rows(self, request_id):
        lit = harness.sql_literal(request_id)
        out = self.pg.psql("SELECT action || ':' || entity FROM read_log WHERE request_id = %s"
                           " UNION ALL SELECT action || ':' || entity FROM audit_log WHERE request_id = %s"
                           % (lit, lit)).split()
        return out

    def walk(self, who, path, personal_seen, must_answer=True):
        if path.split("?")[0] in NOT_DATA:
            return
        r = self.client.get(path, token=self.tok[who])
        if not must_answer and r.status in (403, 404):
            return
        self.assertStatus(r, 200, "GET %s as %s" % (path, who))
        if r.content_type != "application/json":
            return
        body = r.json()
        if not has_personal(body):
            return
        personal_seen.add(path)
        rid = r.headers.get("X-Request-Id")
        rows = [x for x in self.audit_rows(rid) if x.split(":")[0] in ("read", "list")]
        self.assertTrue(rows, "GET %s as %s returned a person's data (%s) without a read record (request %s)"
                        % (path, who, sorted(k for k in PERSONAL_FIELDS if k in json.dumps(body)), rid))

    # -- the walk -------------------------------------------------------------------------------------------------
    def test_every_get_route_that_returns_a_persons_data_leaves_a_read_record(self):
        routes = self.get_routes()
        seen = set()
        for route in routes:
            path = self.concrete(route)
            with self.subTest(route=route, who="admin"):
                self.walk("admin", path, seen)
            with self.subTest(route=route, who="ngo"):
                # the NGO sees its own center: what it may read must be recorded the same way
                self.walk("ngo", path, seen, must_answer=False)
        for f in FILTERED:
            path = f.format(**self.fill)
            with self.subTest(filtered=path):
                self.walk("admin", path, seen)
        # the walk is not vacuous: the routes of issue 13's hole 6 were reached with data in them
        for want in ("/api/v1/clients/%d/services", "/api/v1/clients/%d/enrollments"):
            self.assertIn(want % self.ids["clients"], seen)
        for coll in ("enrollments", "submissions", "clients", "loans", "donations"):
            self.assertIn("/api/v1/%s/%d" % (coll, self.ids[coll]), seen)
        self.assertIn("/api/v1/loans?" + urllib.parse.urlencode({"client_id": self.fill["client"]}), seen)

    def test_what_the_new_read_records_say(self):
        """A client's services and enrollments are lists with the client as their filter, one enrollment and one
        submission are reads of that record, where it lives; a list of loans keeps its filter."""
        cid = self.ids["clients"]
        cases = (("/api/v1/clients/%d/services" % cid, ("list", "service", None, {"client_id": str(cid)})),
                 ("/api/v1/clients/%d/enrollments" % cid, ("list", "enrollment", None, {"client_id": str(cid)})),
                 ("/api/v1/loans?client_id=%d" % cid, ("list", "loan", None, {"client_id": str(cid)})),
                 ("/api/v1/enrollments/%d" % self.ids["enrollments"],
                  ("read", "enrollment", str(self.ids["enrollments"]), None)),
                 ("/api/v1/submissions/%d" % self.ids["submissions"],
                  ("read", "submission", str(self.ids["submissions"]), None)))
        for path, (action, entity, entity_id, filt) in cases:
            with self.subTest(path=path):
                r = self.client.get(path, token=self.tok["admin"])
                self.assertStatus(r, 200)
                rid = r.headers["X-Request-Id"]
                rows = self.pg.psql("SELECT action, entity, coalesce(entity_id, ''), province_code,"
                                    " coalesce(detail::text, '') FROM read_log WHERE request_id = %s"
                                    % harness.sql_literal(rid)).strip().splitlines()
                self.assertEqual(len(rows), 1, rows)
                got = rows[0].split("|")
                self.assertEqual(got[:3], [action, entity, entity_id or ""])
                if filt is None:
                    self.assertEqual(got[3], TEHRAN)        # where the record lives
                else:
                    detail = json.loads(got[4])
                    self.assertEqual(detail["filter"], filt)
                    self.assertEqual(detail["count"], len(r.json()["items"]))

    def test_personal_fields_detector_finds_nested_data(self):
        self.assertTrue(has_personal({"items": [{"id": 1, "after": {"first_name": "x"}}]}))
        self.assertTrue(has_personal({"records": [{"kind": "client", "data": {"national_id": "0012345678"}}]}))
        self.assertFalse(has_personal({"items": [{"id": 1, "client_id": None, "donor_name": None}]}))
        self.assertFalse(has_personal({"items": [{"id": 1, "name": "مرکز"}]}))


if __name__ == "__main__":
    harness.main()
