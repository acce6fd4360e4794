"""Every read of a person's data leaves a read record (issue 13, hole 6): a walk over EVERY GET route of the server,
taken from its own route table (GET /api/v1/openapi.json, generated from server/routes.c), with real ids of records
made here, as roles that can see them. Any reply that carries a person's data (PERSONAL_FIELDS, anywhere in the
JSON) must have left an audit row (read_log or audit_log) with the reply's request id. A new route is walked
automatically; one whose {id} this file cannot fill fails until IDS_FOR says where its ids come from."""

import csv
import io
import json
import os
import sys
import threading
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
            "/metrics": "counters of requests, no records (and served only to the addresses configured)",
            "/api/v1/docs": "the API reference's page, the same for everyone (it reads openapi.json)"}
# Where the ids of a path's {id} come from, by the collection before it (e.g. /api/v1/clients/{id}/services).
IDS_FOR = ("users", "centers", "staff", "clients", "enrollments", "services", "households", "allocations",
           "campaigns", "donations", "loans", "repayments", "submissions")
# Filters a walk of the plain routes would not reach but that read one person's data.
FILTERED = ("/api/v1/loans?client_id={client}", "/api/v1/clients?national_id={national_id}",
            "/api/v1/staff?national_id={staff_national_id}", "/api/v1/donations?county_id={county}",
            "/api/v1/loans/overdue?county_id={county}", "/api/v1/audit?entity=client&entity_id={client}",
            "/api/v1/audit?entity=client&action=create")

national_id = harness.national_id_sequence(512340007, 11)
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def has_personal(v):
    if isinstance(v, dict):
        return any((k in PERSONAL_FIELDS and x not in (None, "", [], {})) or has_personal(x) for k, x in v.items())
    if isinstance(v, list):
        return any(has_personal(x) for x in v)
    return False


class ReadAuditTest(harness.RegistryTestCase):

    @classmethod
    def seed(cls):
        reg = cls.registry
        cls.add_actors({"admin": dict(username="walk-admin", role="national_admin")}, PASSWORD)
        with reg.client() as c:
            def post(path, body):
                return harness.seed_request(c, "POST", path, body, token=cls.tok["admin"])
            county = harness.county_ids(c, TEHRAN, limit=1)[0]
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
            repayment = post("/api/v1/loans/%d/repayments" % loan, {"amount_rials": 100, "paid_on": "2024-01-05"})["id"]
        cls.add_actors({"ngo": dict(username="walk-ngo", role="ngo_submitter", center=center),
                        "pa": dict(username="walk-pa", role="provincial_admin", province=TEHRAN)}, PASSWORD)
        with reg.client() as c:
            submission = harness.seed_request(c, "POST", "/api/v1/submissions", {"records": [{"kind": "client", "data": {
                "national_id": national_id(), "first_name": "نگار", "last_name": "گردشی", "birth_date": "1990-01-01",
                "sex": "female", "county_id": county}}]}, token=cls.tok["ngo"],
                headers={"Idempotency-Key": uuid.uuid4().hex})["id"]
        cls.ids = {"users": cls.uid["admin"], "centers": center, "staff": staff, "clients": client,
                   "enrollments": enrollment, "services": service, "households": hh, "allocations": allocation,
                   "campaigns": campaign, "donations": donation, "loans": loan, "repayments": repayment,
                   "submissions": submission}
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

    def walk(self, who, path, personal_seen, must_answer=True, as_csv=False):
        if path.split("?")[0] in NOT_DATA:
            return
        r = self.client.get(path, token=self.tok[who], headers={"Accept": "text/csv"} if as_csv else None)
        if not must_answer and r.status in (403, 404):
            return
        if as_csv and r.status == 406:
            # a route without CSV refuses the export (issue 16): a problem, no one's data, nothing to record
            self.assertEqual(self.assertProblem(r, 406)["available"], ["application/json"], path)
            return
        self.assertStatus(r, 200, "GET %s as %s" % (path, who))
        if r.content_type == "text/csv":
            # an export: a person's data is a personal column with a value in some row
            rows = list(csv.reader(io.StringIO(r.raw.decode("utf-8-sig"))))
            body = {"items": [dict(zip(rows[0], row)) for row in rows[1:]]} if rows else {}
        elif r.content_type == "application/json":
            body = r.json()
        else:
            self.assertIn(path.split("?")[0], ("/metrics",), "GET %s: an unexpected %s reply is not checked"
                          % (path, r.content_type))
            return
        if not has_personal(body):
            return
        personal_seen.add(("csv " if as_csv else "") + path)
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
        # the same as exports (Accept: text/csv): a CSV of people's records leaves a read record too
        for path in [self.concrete(r) for r in routes] + [f.format(**self.fill) for f in FILTERED]:
            with self.subTest(csv=path):
                self.walk("admin", path, seen, as_csv=True)
        for want in ("csv /api/v1/clients", "csv /api/v1/loans", "csv /api/v1/clients/%d/services" % self.ids["clients"],
                     "csv /api/v1/audit?entity=client&action=create"):
            self.assertIn(want, seen, "the CSV walk did not reach people's data")
        # the walk is not vacuous: the routes of issue 13's hole 6 were reached with data in them
        for want in ("/api/v1/clients/%d/services", "/api/v1/clients/%d/enrollments"):
            self.assertIn(want % self.ids["clients"], seen)
        for coll in ("enrollments", "submissions", "clients", "loans", "donations"):
            self.assertIn("/api/v1/%s/%d" % (coll, self.ids[coll]), seen)
        self.assertIn("/api/v1/loans?" + urllib.parse.urlencode({"client_id": self.fill["client"]}), seen)
        # and issue 16's: the lists of households, enrollments and services, one repayment
        for path in ("/api/v1/households", "/api/v1/enrollments", "/api/v1/services",
                     "/api/v1/repayments/%d" % self.ids["repayments"]):
            self.assertIn(path, seen)

    def test_what_the_new_read_records_say(self):
        """A client's services and enrollments (and a loan's repayments) are reads of that client (loan), where it
        lives, saying what was listed; one enrollment and one submission are reads of that record, where it lives;
        a list of one client's loans is a read of that client; other lists of loans keep their filter."""
        cid = self.ids["clients"]
        cases = (("/api/v1/clients/%d/services" % cid, ("read", "client", str(cid), {"list": "service"})),
                 ("/api/v1/clients/%d/enrollments" % cid, ("read", "client", str(cid), {"list": "enrollment"})),
                 ("/api/v1/loans/%d/repayments" % self.ids["loans"],
                  ("read", "loan", str(self.ids["loans"]), {"list": "repayment"})),
                 ("/api/v1/loans?client_id=%d" % cid,
                  ("read", "client", str(cid), {"list": "loan", "filter": {"client_id": str(cid)}})),
                 ("/api/v1/loans?county_id=%d" % self.fill["county"],
                  ("list", "loan", None, {"county_id": str(self.fill["county"])})),
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
                elif action == "read":
                    self.assertEqual(got[3], TEHRAN)        # where the client (loan) lives
                    detail = json.loads(got[4])
                    self.assertEqual(detail, dict(filt, count=len(r.json()["items"])))
                else:
                    detail = json.loads(got[4])
                    self.assertEqual(detail["filter"], filt)
                    self.assertEqual(detail["count"], len(r.json()["items"]))

    def read_rows(self, resp):
        return [json.loads(x) for x in self.pg.psql(
            "SELECT json_build_object('action', action, 'entity', entity, 'entity_id', entity_id, 'detail', detail)"
            " FROM read_log WHERE request_id = %s" % harness.sql_literal(resp.headers["X-Request-Id"])).split("\n")
            if x.strip()]

    def test_a_lists_recorded_filter_holds_only_validated_values(self):
        """The filter of a list's read record is built from what the handler validated and normalised, never from
        the raw query (issue 13 review): Persian digits are recorded as ASCII digits, a repeated filter is refused,
        not guessed. Unknown keys (where a national ID could hide) were left out of the record; since issue 16 the
        request is refused (400 naming the key) before anything is read or recorded."""
        cid, nid = self.ids["clients"], self.fill["national_id"]
        cases = (
            ("/api/v1/loans?client_id=%s" % urllib.parse.quote(str(cid).translate(PERSIAN_DIGITS)),
             "read:client", {"client_id": str(cid)}),
            ("/api/v1/loans?status=active", "loan", {"status": "active"}),
            ("/api/v1/donations?county_id=%s" % urllib.parse.quote(str(self.fill["county"]).translate(PERSIAN_DIGITS)),
             "donation", {"county_id": str(self.fill["county"])}),
            ("/api/v1/loans/overdue?county_id=%d" % self.fill["county"], "installment",
             {"county_id": str(self.fill["county"])}),
            ("/api/v1/audit?entity=client&entity_id=%s" % urllib.parse.quote(str(cid).translate(PERSIAN_DIGITS)),
             "audit", {"entity": "client", "entity_id": str(cid)}),
            ("/api/v1/clients?q=%s" % urllib.parse.quote("گردشی " + nid), "client", {"q": "(given)"}),
        )
        for path, entity, want in cases:
            with self.subTest(path=path):
                r = self.client.get(path, token=self.tok["admin"])
                self.assertStatus(r, 200)
                rows = self.read_rows(r)
                action, _, ent = entity.rpartition(":")
                self.assertEqual([(x["action"], x["entity"]) for x in rows], [(action or "list", ent)])
                self.assertEqual(rows[0]["detail"]["filter"], want)
                self.assertNotIn(nid, json.dumps(rows[0]["detail"]))
        for path, key in (("/api/v1/loans?client_id=%d&note=%s" % (cid, nid), "note"),
                          ("/api/v1/loans?status=active&note=%s" % nid, "note"),
                          ("/api/v1/donations?county_id=%d&whatever=%s" % (self.fill["county"], nid), "whatever"),
                          ("/api/v1/loans/overdue?county_id=%d&x=%s" % (self.fill["county"], nid), "x"),
                          ("/api/v1/audit?entity=client&entity_id=%d&y=%s" % (cid, nid), "y")):
            with self.subTest(refused=path):
                r = self.client.get(path, token=self.tok["admin"])
                body = self.assertProblem(r, 400)
                self.assertEqual([(e["field"], e["code"]) for e in body["errors"]], [(key, "query.unknown")])
                self.assertNotIn(nid, r.text)
                self.assertEqual(self.read_rows(r), [], "a refused request left a read record")

    def test_a_repeated_or_undecodable_query_parameter_is_400(self):
        cid = self.ids["clients"]
        for path, field in (("/api/v1/loans?client_id=%d&client_id=%d" % (cid, cid + 1), "client_id"),
                            ("/api/v1/audit?entity_id=%d&entity_id=1" % cid, "entity_id"),
                            ("/api/v1/loans?x=%FF", "x"), ("/api/v1/loans?client_id=%C3%28", "client_id"),
                            ("/api/v1/clients?status=%ED%A0%80", "status")):
            with self.subTest(path=path):
                r = self.client.get(path, token=self.tok["admin"])
                body = self.assertProblem(r, 400)
                self.assertIn(field, [e["field"] for e in body.get("errors", [])], body)
                self.assertEqual(self.read_rows(r), [], "a refused request left a read record")
        # a path parameter that is not UTF-8 is refused too
        self.assertProblem(self.client.get("/api/v1/clients/%FF/services", token=self.tok["admin"]), 400)

    def test_an_undecodable_query_does_not_fail_other_users_reads(self):
        """Read records are written in batches shared by every read of a thread: a request whose query is not UTF-8
        must be refused before it reaches one (it once failed the whole batch: 503 for every read in it)."""
        cid, loan = self.ids["clients"], self.ids["loans"]
        good = ["/api/v1/clients/%d" % cid, "/api/v1/loans?client_id=%d" % cid, "/api/v1/loans/%d" % loan,
                "/api/v1/clients/%d/services" % cid]
        bad = ["/api/v1/loans?x=%FF", "/api/v1/donations?note=%C0%AF", "/api/v1/audit?entity=client&z=%FE"]
        statuses, lock = {"good": [], "bad": []}, threading.Lock()

        def run(paths, kind):
            with self.registry.client() as c:
                for i in range(60):
                    r = c.get(paths[i % len(paths)], token=self.tok["admin"])
                    with lock:
                        statuses[kind].append((r.status, r.path))
        threads = [threading.Thread(target=run, args=(good if k % 2 else bad, "good" if k % 2 else "bad"))
                   for k in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(statuses["good"]), 180)
        self.assertEqual([x for x in statuses["good"] if x[0] != 200], [])
        self.assertEqual([x for x in statuses["bad"] if x[0] != 400], [])

    def test_a_persons_lists_are_found_in_the_audit_search_of_that_person(self):
        """GET /audit?entity=client&entity_id=X shows who listed X's services, enrollments and loans, and
        ?entity=loan&entity_id=L who listed L's repayments, to a provincial admin of X's province too."""
        cid, loan = self.ids["clients"], self.ids["loans"]
        rids = {}
        listed = {"/api/v1/clients/%d/services" % cid: "service", "/api/v1/clients/%d/enrollments" % cid: "enrollment",
                  "/api/v1/loans?client_id=%d" % cid: "loan", "/api/v1/loans/%d/repayments" % loan: "repayment"}
        for path in listed:
            r = self.client.get(path, token=self.tok["admin"])
            self.assertStatus(r, 200)
            rids[path] = r.headers["X-Request-Id"]
        for entity, eid, paths in (("client", cid, list(rids)[:3]), ("loan", loan, list(rids)[3:])):
            r = self.client.get("/api/v1/audit?entity=%s&entity_id=%d&limit=500" % (entity, eid), token=self.tok["pa"])
            self.assertStatus(r, 200)
            found = {x["request_id"]: x for x in r.json()["items"]}
            for path in paths:
                with self.subTest(path=path):
                    self.assertIn(rids[path], found, "the provincial admin's audit search of %s %d misses %s"
                                  % (entity, eid, path))
                    row = found[rids[path]]
                    self.assertEqual((row["action"], row["province"]), ("read", TEHRAN))
                    self.assertEqual(row["detail"]["list"], listed[path])

    def test_personal_fields_detector_finds_nested_data(self):
        self.assertTrue(has_personal({"items": [{"id": 1, "after": {"first_name": "x"}}]}))
        self.assertTrue(has_personal({"records": [{"kind": "client", "data": {"national_id": "0012345678"}}]}))
        self.assertFalse(has_personal({"items": [{"id": 1, "client_id": None, "donor_name": None}]}))
        self.assertFalse(has_personal({"items": [{"id": 1, "name": "مرکز"}]}))


if __name__ == "__main__":
    harness.main()
