"""Issue 16, the integrator's findings: the lists users expect (GET /api/v1/households, /enrollments, /services: by
role and scope, filters from their descriptions, keyset pages to the end, CSV, audited like the per-client lists),
the repayment's Location answering (GET /api/v1/repayments/{id}), every 201's Location answering 200 with the same
record, and ETags: one on every single-record GET, If-None-Match answered 304 (with the ETag, no body; audited reads
still audited), and tags that follow what the reply derives from other records (a loan's balance, a campaign's
totals as the caller sees them, a household's members, an allocation's sums, a donation's campaign name)."""

import csv
import io
import itertools
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PASSWORD = "Lantern-Orchard-Pebble-4417"
TEHRAN, FARS = "IR-23", "IR-07"
national_id = harness.national_id_sequence(456780003, 11)
word = harness.persian_words(itertools.count(20 ** 3 + 9041))
q = harness.query

years = itertools.count(1420)    # a fiscal year of its own for each allocation made
LISTS = ("/api/v1/households", "/api/v1/enrollments", "/api/v1/services")


class EndpointsTest(harness.ActorTestCase):

    @classmethod
    def seed(cls):
        cls.seed_cast("ept", PASSWORD, word)
        adm = cls.tok["admin"]
        with cls.registry.client() as c:
            def post(path, body):
                return harness.seed_request(c, "POST", path, body, token=adm)

            def client(county, center=None, **more):
                body = {"national_id": national_id(), "first_name": "زهرا", "last_name": word(),
                        "birth_date": "1986-04-02", "sex": "female", "county_id": county}
                if center:
                    body["center_id"] = center
                body.update(more)
                return post("/api/v1/clients", body)

            # households: one at the NGO center, one in county A without a center, one in county B, one in Fars
            cls.H = {k: post("/api/v1/households", body) for k, body in (
                ("ngo", {"county_id": cls.TEH_A, "center_id": cls.CENTER_NGO}), ("a", {"county_id": cls.TEH_A}),
                ("b", {"county_id": cls.TEH_B}), ("fars", {"county_id": cls.FARS_A}))}
            cls.C = {"ngo": client(cls.TEH_A, cls.CENTER_NGO, household_id=cls.H["ngo"]["id"], household_role="head"),
                     "a": client(cls.TEH_A, cls.CENTER_PUB), "b": client(cls.TEH_B, cls.CENTER_B),
                     "fars": client(cls.FARS_A, cls.CENTER_FARS)}
            cls.E = {}
            for k, cl in cls.C.items():
                cls.E[k] = post("/api/v1/clients/%d/enrollments" % cl["id"], {"program": "cbr",
                                                                            "started_on": "2024-05-01"})
            cls.E["housing"] = post("/api/v1/clients/%d/enrollments" % cls.C["ngo"]["id"], {
                "program": "housing", "started_on": "2023-05-01", "ended_on": "2024-01-01", "status": "withdrawn"})
            # services: at the NGO center in 1404 and at the public center in 1403 (both county A), B's, Fars'
            cls.S = {"ngo": post("/api/v1/clients/%d/services" % cls.C["ngo"]["id"], {
                         "center_id": cls.CENTER_NGO, "service": "physiotherapy", "provided_on": "2025-04-10"}),
                     "pub": post("/api/v1/clients/%d/services" % cls.C["ngo"]["id"], {
                         "center_id": cls.CENTER_PUB, "service": "counseling", "provided_on": "2024-05-01"}),
                     "a": post("/api/v1/clients/%d/services" % cls.C["a"]["id"], {
                         "center_id": cls.CENTER_PUB, "service": "speech_therapy", "provided_on": "2024-06-01"}),
                     "b": post("/api/v1/clients/%d/services" % cls.C["b"]["id"], {
                         "center_id": cls.CENTER_B, "service": "counseling", "provided_on": "2025-05-01"}),
                     "fars": post("/api/v1/clients/%d/services" % cls.C["fars"]["id"], {
                         "center_id": cls.CENTER_FARS, "service": "counseling", "provided_on": "2025-05-01"})}
        cls.made = {"/api/v1/households": cls.H, "/api/v1/enrollments": cls.E, "/api/v1/services": cls.S}

    # -- helpers ----------------------------------------------------------------------------------------------------
    def sql(self, text):
        return [tuple(line.split("|")) for line in self.pg.psql(text).splitlines() if line.strip()]

    def audit(self, **params):
        return self.items("/api/v1/audit?" + q(limit=500, **params), "admin")

    def walk(self, path, who, limit=2, **filters):
        """Every item of a list, page by page to the end (next_cursor null), checking the keyset order."""
        out, cursor, pages = [], None, 0
        while True:
            params = dict(filters, limit=limit)
            if cursor:
                params["cursor"] = cursor
            body = self.ok("GET", path + "?" + q(**params), who).json()
            self.assertLessEqual(len(body["items"]), limit)
            out += body["items"]
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                break
            self.assertEqual(len(body["items"]), limit, "a page before the last is full")
            self.assertLess(pages, 1000)
        ids = [x["id"] for x in out]
        self.assertEqual(ids, sorted(set(ids)), "keyset pages: increasing ids, none twice")
        return out

    def in_scope(self, who, item):
        return {"admin": True, "viewer": True, "teh": item["province"] == TEHRAN, "fars": item["province"] == FARS,
                "county": item["county_id"] == self.TEH_A, "ngo": item["center_id"] == self.CENTER_NGO}[who]

    def reads(self, **params):
        return [a for a in self.audit(**params) if a["action"] in ("read", "list")]

    # -- 1. the new lists, by role and scope -----------------------------------------------------------------------
    def test_lists_by_role_show_exactly_the_scope(self):
        for path in LISTS:
            mine = {x["id"]: x for x in self.made[path].values()}
            for who in ("admin", "viewer", "teh", "fars", "county", "ngo"):
                with self.subTest(path=path, who=who):
                    got = self.walk(path, who, limit=3)
                    for item in got:
                        self.assertTrue(self.in_scope(who, item), (who, item))
                    seen = {x["id"] for x in got} & set(mine)
                    want = {i for i, x in mine.items() if self.in_scope(who, x)}
                    self.assertTrue(want, "the seed gives every role something to see")
                    self.assertEqual(seen, want)
                    # what a list shows of a record is what its own GET shows
                    for item in got:
                        if item["id"] in mine:
                            self.assertEqual(self.ok("GET", "%s/%d" % (path, item["id"]), who).json(), item)
        # the county officer never sees another county's, the NGO only its center's
        self.assertEqual({x["county_id"] for p in LISTS for x in self.walk(p, "county", limit=50)}, {self.TEH_A})
        self.assertEqual({x["center_id"] for p in LISTS for x in self.walk(p, "ngo", limit=50)}, {self.CENTER_NGO})
        # a filter never widens a scope: another county's filter gives nothing
        for path in LISTS:
            self.assertEqual(self.items(path + "?" + q(county_id=self.TEH_B), "county"), [])
            self.assertEqual(self.items(path + "?" + q(province=FARS), "teh"), [])

    # -- 2. filters --------------------------------------------------------------------------------------------------
    def test_filters(self):
        def ids(path, who="admin", **f):
            return {x["id"] for x in self.walk(path, who, limit=500, **f)}

        E, S, H = self.E, self.S, self.H
        cl = self.C["ngo"]["id"]
        got = self.walk("/api/v1/enrollments", "admin", limit=500, program="housing")
        self.assertIn(E["housing"]["id"], {x["id"] for x in got})
        self.assertEqual({x["program"] for x in got}, {"housing"})
        got = self.walk("/api/v1/enrollments", "teh", limit=500, status="withdrawn")
        self.assertEqual({x["status"] for x in got}, {"withdrawn"})
        self.assertIn(E["housing"]["id"], {x["id"] for x in got})
        # a client's enrollments and services: the same as the client's own lists
        self.assertEqual(ids("/api/v1/enrollments", client_id=cl), {E["ngo"]["id"], E["housing"]["id"]})
        self.assertEqual(ids("/api/v1/enrollments", client_id=cl),
                         {x["id"] for x in self.items("/api/v1/clients/%d/enrollments" % cl, "admin")})
        self.assertEqual(ids("/api/v1/services", client_id=cl), {S["ngo"]["id"], S["pub"]["id"]})
        self.assertEqual(ids("/api/v1/services", client_id=cl),
                         {x["id"] for x in self.items("/api/v1/clients/%d/services" % cl, "admin")})
        # place filters, in any digit script
        persian = str(self.TEH_B).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
        for path, made in (("/api/v1/households", H), ("/api/v1/enrollments", E), ("/api/v1/services", S)):
            with self.subTest(path=path):
                got = self.walk(path, "admin", limit=500, county_id=persian)
                self.assertEqual({x["county_id"] for x in got}, {self.TEH_B})
                self.assertIn(made["b"]["id"], {x["id"] for x in got})
                got = self.walk(path, "admin", limit=500, province=FARS)
                self.assertEqual({x["province"] for x in got}, {FARS})
                self.assertIn(made["fars"]["id"], {x["id"] for x in got})
                got = self.walk(path, "teh", limit=500, center_id=self.CENTER_NGO)
                self.assertEqual({x["center_id"] for x in got}, {self.CENTER_NGO})
                self.assertIn(made["ngo"]["id"], {x["id"] for x in got})
        got = self.walk("/api/v1/services", "admin", limit=500, center_id=self.CENTER_PUB)
        self.assertEqual({x["center_id"] for x in got}, {self.CENTER_PUB})
        self.assertTrue({S["pub"]["id"], S["a"]["id"]} <= {x["id"] for x in got})
        # the Jalali year a service was given in: 2025-04-10 is 1404-01-21, 2024-05-01 is 1403-02-12
        y1404 = ids("/api/v1/services", "county", fiscal_year=1404)
        y1403 = ids("/api/v1/services", "county", fiscal_year="۱۴۰۳")
        self.assertIn(S["ngo"]["id"], y1404)
        self.assertNotIn(S["pub"]["id"], y1404)
        self.assertTrue({S["pub"]["id"], S["a"]["id"]} <= y1403)
        self.assertFalse(y1403 & y1404)
        # a range of days, both ends included, digits in any script
        mine = {S[k]["id"] for k in ("ngo", "pub", "a")}
        self.assertEqual(ids("/api/v1/services", "county", provided_from="2024-05-15") & mine,
                         {S["a"]["id"], S["ngo"]["id"]})
        self.assertEqual(ids("/api/v1/services", "county", provided_to="2024-06-01") & mine,
                         {S["pub"]["id"], S["a"]["id"]})
        self.assertEqual(ids("/api/v1/services", "county", provided_from="۲۰۲۴-۰۵-۰۲", provided_to="2025-04-10") & mine,
                         {S["a"]["id"], S["ngo"]["id"]})
        for x in self.walk("/api/v1/services", "admin", limit=500, provided_from="2024-05-15",
                           provided_to="2025-04-10"):
            self.assertTrue("2024-05-15" <= x["provided_on"] <= "2025-04-10", x)
        # filters together
        self.assertEqual(ids("/api/v1/services", "admin", client_id=cl, fiscal_year=1403), {S["pub"]["id"]})
        # what a user can get wrong is a 400 naming the parameter
        for path, bad in (("/api/v1/enrollments", {"program": "astrology"}), ("/api/v1/enrollments", {"status": "x"}),
                          ("/api/v1/services", {"fiscal_year": "99"}), ("/api/v1/services", {"client_id": "abc"}),
                          ("/api/v1/services", {"provided_from": "2024-02-30"}),
                          ("/api/v1/services", {"provided_to": "1403-01-01x"}),
                          ("/api/v1/households", {"county_id": "-3"}), ("/api/v1/households", {"province": "tehran"})):
            with self.subTest(path=path, bad=bad):
                self.assertFields(self.req("GET", path + "?" + q(**bad), "admin"), 400, list(bad))

    def test_openapi_describes_the_new_routes_and_their_filters(self):
        doc = self.client.get("/api/v1/openapi.json").json()
        want = {"/api/v1/households": ("listHouseholds", {"province", "county_id", "center_id"}),
                "/api/v1/enrollments": ("listEnrollments", {"province", "county_id", "center_id", "client_id",
                                                            "program", "status"}),
                "/api/v1/services": ("listServices", {"province", "county_id", "center_id", "client_id",
                                                      "fiscal_year", "provided_from", "provided_to"}),
                "/api/v1/repayments/{id}": ("getRepayment", set())}
        for path, (op, filters) in want.items():
            with self.subTest(path=path):
                get = doc["paths"][path]["get"]
                self.assertEqual(get["operationId"], op)
                names = {p["name"] for p in get.get("parameters", []) if p.get("in") == "query"}
                self.assertTrue(filters <= names, (filters - names, names))

    # -- 3. pages to the end, CSV ----------------------------------------------------------------------------------
    def test_paging_to_the_end_and_csv(self):
        for path in LISTS:
            with self.subTest(path=path):
                whole = self.items(path + "?" + q(province=TEHRAN, limit=500), "teh")
                self.assertGreaterEqual(len(whole), 3)
                self.assertEqual(self.walk(path, "teh", limit=1, province=TEHRAN), whole)
                self.assertEqual(self.walk(path, "teh", limit=2, province=TEHRAN), whole)
                r = self.ok("GET", path + "?" + q(province=TEHRAN, limit=500), "teh",
                            headers={"Accept": "text/csv"})
                self.assertEqual(r.content_type, "text/csv")
                self.assertTrue(r.raw.startswith(b"\xef\xbb\xbf"), r.raw[:10])
                rows = list(csv.reader(io.StringIO(r.raw[3:].decode("utf-8"), newline="")))
                header = rows[0]
                for col in ("id", "province", "county_id", "version"):
                    self.assertIn(col, header)
                self.assertEqual([int(dict(zip(header, x))["id"]) for x in rows[1:]], [x["id"] for x in whole])
                # a CSV page says where the next one starts, as the JSON does
                r = self.ok("GET", path + "?" + q(province=TEHRAN, limit=1), "teh", headers={"Accept": "text/csv"})
                self.assertTrue(r.header("X-Next-Cursor"))

    # -- 4. audited like the per-client lists ----------------------------------------------------------------------
    def test_the_new_lists_are_audited(self):
        n = len(self.items("/api/v1/households?" + q(county_id=self.TEH_A), "county"))
        row = self.audit(entity="household", action="list", user_id=self.uid["county"])[0]
        self.assertEqual(row["detail"], {"filter": {"county_id": str(self.TEH_A)}, "count": n})
        for path, entity in (("/api/v1/enrollments", "enrollment"), ("/api/v1/services", "service")):
            with self.subTest(path=path):
                got = self.items(path + "?" + q(program="cbr") if entity == "enrollment" else path, "ngo")
                row = self.audit(entity=entity, action="list", user_id=self.uid["ngo"])[0]
                self.assertEqual(row["detail"]["count"], len(got))
                # filtered to one client: a read of that client, in the client's own audit trail
                cl = self.C["ngo"]["id"]
                before = len(self.audit(entity="client", entity_id=cl, action="read"))
                got = self.items(path + "?" + q(client_id=cl), "county")
                self.assertTrue(got)
                reads = self.audit(entity="client", entity_id=cl, action="read")
                self.assertEqual(len(reads), before + 1)
                self.assertEqual((reads[0]["user_id"], reads[0]["detail"]["list"], reads[0]["detail"]["count"]),
                                 (self.uid["county"], entity, len(got)))
        # a CSV export is recorded as one
        self.ok("GET", "/api/v1/households", "teh", headers={"Accept": "text/csv"})
        row = self.audit(entity="household", action="list", user_id=self.uid["teh"])[0]
        self.assertEqual(row["detail"]["filter"].get("export"), "csv")

    # -- 5. the repayment's Location, and every 201's --------------------------------------------------------------
    def new_loan(self, who="county", amount=900):
        cid = self.ok("POST", "/api/v1/clients", who, 201, {
            "national_id": national_id(), "first_name": "مینا", "last_name": word(), "birth_date": "1990-01-01",
            "sex": "female", "county_id": self.TEH_A}).json()["id"]
        return self.ok("POST", "/api/v1/loans", who, 201, {"client_id": cid, "amount_rials": amount,
                                                           "installments": 3, "first_due_on": "2024-01-10"})

    def test_a_repayments_location_answers_and_is_scoped_and_audited(self):
        loan = self.new_loan().json()
        r = self.ok("POST", "/api/v1/loans/%d/repayments" % loan["id"], "county", 201,
                    {"amount_rials": 100, "paid_on": "2024-02-01"})
        loc = r.header("Location")
        self.assertEqual(loc, "/api/v1/repayments/%d" % r.json()["id"])
        g = self.ok("GET", loc, "county")
        self.assertEqual(g.json(), r.json())
        self.assertEqual(g.header("ETag"), r.header("ETag"))
        self.assertEqual(harness.etag_v(g), '"v1"')
        self.assertEqual(self.ok("GET", loc, "teh").json(), r.json())
        # outside the scope it is a repayment that does not exist
        for who in ("fars", "ngo"):
            self.assertNotFoundLikeMissing(self.req("GET", loc, who), self.req("GET", "/api/v1/repayments/999999999", who))
        self.assertProblem(self.req("GET", "/api/v1/repayments/0", "admin"), 404)
        reads = self.audit(entity="repayment", entity_id=r.json()["id"], action="read")
        self.assertEqual(sorted(a["user_id"] for a in reads), sorted([self.uid["county"], self.uid["teh"]]))

    def created(self):
        """One record of every kind, made through its POST: {kind: (who, the 201 reply, a GET of its Location made
        right after it, before the next record could change what it shows)}."""
        out = {}

        def make(kind, who, path, body, headers=None):
            r = self.ok("POST", path, who, 201, body, headers=headers)
            loc = r.header("Location")
            self.assertTrue(loc and loc.startswith("/api/v1/"), (kind, loc))
            out[kind] = (who, r, self.ok("GET", loc, who))
            return r.json()["id"]

        make("center", "teh", "/api/v1/centers", {"name": "مرکز " + word(), "type": "counseling",
                                                  "sector": "public", "county_id": self.TEH_A})
        make("staff", "teh", "/api/v1/staff", {"national_id": national_id(), "first_name": "مریم",
                                               "last_name": word(), "profession": "social_worker",
                                               "center_id": self.CENTER_PUB})
        hid = make("household", "county", "/api/v1/households", {"county_id": self.TEH_A})
        cid = make("client", "county", "/api/v1/clients", {
            "national_id": national_id(), "first_name": "زهرا", "last_name": word(), "birth_date": "1988-06-15",
            "sex": "female", "county_id": self.TEH_A, "household_id": hid, "household_role": "head"})
        make("enrollment", "county", "/api/v1/clients/%d/enrollments" % cid, {"program": "life_skills",
                                                                               "started_on": "2025-01-01"})
        make("service", "county", "/api/v1/clients/%d/services" % cid, {
            "center_id": self.CENTER_PUB, "service": "counseling", "provided_on": "2025-01-02"})
        make("allocation", "admin", "/api/v1/allocations", {"fiscal_year": next(years), "program": "housing",
                                                            "amount_rials": 5000, "province": TEHRAN})
        camp = make("campaign", "teh", "/api/v1/campaigns", {"name": "کمپین " + word(), "province": TEHRAN})
        make("donation", "teh", "/api/v1/donations", {
            "donor": "علی " + word(), "kind": "cash", "amount_rials": 700, "received_on": "2025-01-05",
            "county_id": self.TEH_A, "campaign_id": camp})
        loan = make("loan", "county", "/api/v1/loans", {"client_id": cid, "amount_rials": 600, "installments": 2,
                                                        "first_due_on": "2025-02-01"})
        make("repayment", "county", "/api/v1/loans/%d/repayments" % loan, {"amount_rials": 50,
                                                                           "paid_on": "2025-02-02"})
        make("user", "admin", "/api/v1/users", {"username": "ept-%s" % national_id(), "password": PASSWORD,
                                                "role": "county_officer", "county_id": self.TEH_A})
        make("submission", "ngo", "/api/v1/submissions", {"records": [
            {"kind": "client", "data": {"national_id": national_id(), "first_name": "زهرا", "last_name": word(),
                                        "birth_date": "1985-03-21", "sex": "female", "county_id": self.TEH_A}}]},
            headers={"Idempotency-Key": "ept-%s" % national_id()})
        return out

    def test_every_201_location_answers_200_with_the_same_record(self):
        made = self.created()
        self.assertEqual(len(made), 13)
        for kind, (who, r, g) in made.items():
            with self.subTest(kind=kind):
                self.assertEqual(g.json()["id"], r.json()["id"])
                self.assertTrue(g.header("ETag"))
                if kind == "submission":
                    continue    # its 201 is the receipt of the batch, its GET the submission with its results
                # a loan's schedule, a campaign's totals... the 201 shows what the GET does, under the same ETag
                self.assertEqual(g.json(), r.json())
                self.assertEqual(g.header("ETag"), r.header("ETag"))

    # -- 6. 304 on every single-record GET -------------------------------------------------------------------------
    def test_if_none_match_is_304_on_every_single_record_get(self):
        created = self.created()
        targets = [(who, r.header("Location")) for who, r, _ in created.values()]
        targets += [("county", "/api/v1/auth/me"), ("admin", "/api/v1/auth/me")]
        for who, path in targets:
            with self.subTest(path=path, who=who):
                g = self.ok("GET", path, who)
                tag = g.header("ETag")
                self.assertTrue(tag, "no ETag on %s" % path)
                for inm in (tag, "W/" + tag, '"other", ' + tag, "*", ' %s ,"x"' % tag):
                    r = self.req("GET", path, who, headers={"If-None-Match": inm})
                    self.assertStatus(r, 304)
                    self.assertEqual((r.header("ETag"), r.raw), (tag, b""))
                    self.assertIsNone(r.header("Content-Type"))
                    self.assertIsNone(r.header("Content-Length"))   # RFC 9110 8.6: none, or the 200's
                r = self.req("HEAD", path, who, headers={"If-None-Match": tag})
                self.assertEqual((r.status, r.header("ETag"), r.raw), (304, tag, b""))
                # another tag, a malformed list: the record as usual
                for inm in ('"1-0000000000000000"', "garbage, " + tag):
                    r = self.req("GET", path, who, headers={"If-None-Match": inm})
                    self.assertStatus(r, 200)
                    self.assertEqual(r.json(), g.json())
                # someone who may not see the record learns nothing from a tag: 404 (403 for a user, to a non-admin)
                if not path.endswith("/me"):
                    r = self.req("GET", path, "fars", headers={"If-None-Match": "*"})
                    self.assertProblem(r, 403 if "/users/" in path else 404)
        # lists carry no ETag: If-None-Match changes nothing
        r = self.req("GET", "/api/v1/households", "county", headers={"If-None-Match": "*"})
        self.assertStatus(r, 200)
        # a write is never answered 304
        who, r, _ = created["household"]
        path = r.header("Location")
        w = self.req("PATCH", path, who, {"address": "خیابان " + word()},
                     headers={"If-Match": self.ok("GET", path, who).header("ETag"), "If-None-Match": "*"})
        self.assertStatus(w, 200)

    def test_a_304_of_an_audited_read_is_audited(self):
        cl = self.C["a"]["id"]
        path = "/api/v1/clients/%d" % cl
        tag = self.ok("GET", path, "county").header("ETag")
        before = len(self.audit(entity="client", entity_id=cl, action="read"))
        self.assertStatus(self.req("GET", path, "county", headers={"If-None-Match": tag}), 304)
        reads = self.audit(entity="client", entity_id=cl, action="read")
        self.assertEqual(len(reads), before + 1)
        self.assertEqual(reads[0]["user_id"], self.uid["county"])

    # -- 7. ETags follow what the reply derives from other records -------------------------------------------------
    def assertFresh(self, path, who, tag):
        self.assertStatus(self.req("GET", path, who, headers={"If-None-Match": tag}), 304)

    def assertStale(self, path, who, tag):
        r = self.req("GET", path, who, headers={"If-None-Match": tag})
        self.assertStatus(r, 200)
        self.assertNotEqual(r.header("ETag"), tag)
        return r

    def test_a_loans_etag_follows_its_repayments(self):
        loan = self.new_loan()
        path = loan.header("Location")
        tag = self.ok("GET", path, "county").header("ETag")
        self.assertEqual(tag, loan.header("ETag"))
        self.assertFresh(path, "county", tag)
        self.ok("POST", path + "/repayments", "county", 201, {"amount_rials": 100, "paid_on": "2024-02-01"})
        r = self.assertStale(path, "county", tag)
        self.assertEqual(r.json()["outstanding_rials"], 800)
        self.assertFresh(path, "county", r.header("ETag"))
        # If-Match: the tag read before the repayment is stale (the database moved the version), the new one works
        self.assertProblem(self.req("PATCH", path, "county", {"status": "written_off"}, etag=tag), 412)
        self.ok("PATCH", path, "county", body={"status": "written_off"}, etag=r.header("ETag"))

    def test_a_campaigns_etag_follows_its_donations_as_each_caller_sees_them(self):
        camp = self.ok("POST", "/api/v1/campaigns", "admin", 201, {"name": "کمپین ملی " + word()})
        path = camp.header("Location")
        tags = {who: self.ok("GET", path, who).header("ETag") for who in ("teh", "fars", "admin")}
        self.assertEqual(len(set(tags.values())), 1, "nothing donated: every caller sees the same campaign")
        self.ok("POST", "/api/v1/donations", "teh", 201, {
            "donor": "علی " + word(), "kind": "cash", "amount_rials": 1234, "received_on": "2025-01-05",
            "county_id": self.TEH_A, "campaign_id": camp.json()["id"]})
        teh = self.assertStale(path, "teh", tags["teh"])
        self.assertEqual((teh.json()["donations_rials"], teh.json()["donations_count"]), (1234, 1))
        adm = self.assertStale(path, "admin", tags["admin"])
        self.assertEqual(adm.header("ETag"), teh.header("ETag"))
        # Fars sees none of Tehran's donations: its campaign did not change, so its copy is still current
        fars = self.ok("GET", path, "fars")
        self.assertEqual(fars.json()["donations_rials"], 0)
        self.assertFresh(path, "fars", tags["fars"])
        self.assertNotEqual(fars.header("ETag"), teh.header("ETag"))
        # If-Match guards the campaign's own fields (its version): a tag read before the donation still writes
        # them (README: a derived total cannot be lost by a write of the name)
        self.assertEqual(harness.etag_v(self.ok("GET", path, "admin")), '"v1"')
        r = self.ok("PATCH", path, "admin", body={"description": "برای " + word()}, etag=tags["admin"])
        self.assertEqual(harness.etag_v(r), '"v2"')
        self.assertProblem(self.req("PATCH", path, "admin", {"description": "x" + word()}, etag=tags["admin"]), 412)

    def test_a_households_etag_follows_its_members_as_each_caller_sees_them(self):
        hh = self.ok("POST", "/api/v1/households", "teh", 201, {"county_id": self.TEH_A})
        path = hh.header("Location")
        tag0 = self.ok("GET", path, "county").header("ETag")
        c = self.ok("POST", "/api/v1/clients", "county", 201, {
            "national_id": national_id(), "first_name": "رضا", "last_name": word(), "birth_date": "1970-01-01",
            "sex": "male", "county_id": self.TEH_A, "household_id": hh.json()["id"], "household_role": "head"}).json()
        r = self.assertStale(path, "county", tag0)
        self.assertEqual([m["client_id"] for m in r.json()["members"]], [c["id"]])
        tag1 = r.header("ETag")
        version = r.json()["version"]
        # the member moves to another county: the household's row is as it was, but the county officer no longer
        # sees that member, so what it shows him changed, and so did its tag
        self.ok("POST", "/api/v1/clients/%d/transfer" % c["id"], "teh", body={"county_id": self.TEH_B})
        r = self.assertStale(path, "county", tag1)
        self.assertEqual((r.json()["members"], r.json()["version"]), ([], version))
        teh = self.ok("GET", path, "teh")
        self.assertEqual([m["client_id"] for m in teh.json()["members"]], [c["id"]])
        self.assertNotEqual(teh.header("ETag"), r.header("ETag"))

    def test_an_allocations_a_centers_and_a_donations_etags_follow_what_they_show_of_others(self):
        prov = self.ok("POST", "/api/v1/allocations", "admin", 201, {
            "fiscal_year": 1410, "program": "cbr", "amount_rials": 10000, "province": TEHRAN})
        path = prov.header("Location")
        tag = self.ok("GET", path, "teh").header("ETag")
        self.ok("POST", "/api/v1/allocations", "teh", 201, {"fiscal_year": 1410, "program": "cbr",
                                                             "amount_rials": 4000, "county_id": self.TEH_A})
        r = self.assertStale(path, "teh", tag)
        self.assertEqual((r.json()["allocated_below_rials"], r.json()["version"]), (4000, 1))

        # a center's active clients
        center = self.ok("POST", "/api/v1/centers", "teh", 201, {"name": "مرکز " + word(), "type": "counseling",
                                                                "sector": "public", "county_id": self.TEH_A})
        cpath = center.header("Location")
        ctag = self.ok("GET", cpath, "teh").header("ETag")
        self.ok("POST", "/api/v1/clients", "teh", 201, {
            "national_id": national_id(), "first_name": "زهرا", "last_name": word(), "birth_date": "1988-06-15",
            "sex": "female", "county_id": self.TEH_A, "center_id": center.json()["id"]})
        r = self.assertStale(cpath, "teh", ctag)
        self.assertEqual((r.json()["active_clients"], r.json()["version"]), (1, 1))

        camp = self.ok("POST", "/api/v1/campaigns", "teh", 201, {"name": "کمپین " + word(), "province": TEHRAN})
        don = self.ok("POST", "/api/v1/donations", "teh", 201, {
            "donor": "علی " + word(), "kind": "cash", "amount_rials": 50, "received_on": "2025-01-05",
            "county_id": self.TEH_A, "campaign_id": camp.json()["id"]})
        dpath = don.header("Location")
        dtag = self.ok("GET", dpath, "teh").header("ETag")
        name = "کمپین " + word()
        self.ok("PATCH", camp.header("Location"), "teh", body={"name": name}, etag=camp.header("ETag"))
        r = self.assertStale(dpath, "teh", dtag)
        self.assertEqual((r.json()["campaign"], r.json()["version"]), (name, 1))


if __name__ == "__main__":
    harness.main()
