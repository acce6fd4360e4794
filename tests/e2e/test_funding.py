"""Funding (issue 5): budget allocations down the tree national office -> province -> county -> center (never more
than the parent's, also under concurrency), money bounds, donations and campaigns, microfinance loans with their
schedules, repayments and overdue lists, the summary and campaign reports against SQL over the same data, and the
access matrix of the funding resources."""

import csv
import io
import itertools
import os
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PASSWORD = "Copper-Meadow-Kite-5093"
TEHRAN, FARS = "IR-23", "IR-07"
INT64_MAX = 9223372036854775807

national_id = harness.national_id_sequence(314150003, 11)
word = harness.persian_words(itertools.count(20 ** 3 + 911))
q = harness.query


# Direct computations over the raw tables (as superuser, no row-level security), for the summary report.
PROVINCE_SQL, COUNTY_SQL = harness.SUMMARY_PROVINCE_SQL, harness.SUMMARY_COUNTY_SQL


class FundingTest(harness.ActorTestCase):

    @classmethod
    def seed(cls):
        cls.seed_cast("fund", PASSWORD, word)

    # -- helpers (req, ok, items, assertFields, assertNotFoundLikeMissing: harness.ActorTestCase) -----------------
    def sql(self, text):
        return [tuple(line.split("|")) for line in self.pg.psql(text).splitlines() if line.strip()]

    def alloc(self, who, year, program, amount, **place):
        return self.req("POST", "/api/v1/allocations", who,
                        dict({"fiscal_year": year, "program": program, "amount_rials": amount}, **place))

    def new_client(self, who="county", county=None, **fields):
        body = {"national_id": national_id(), "first_name": "زهرا", "last_name": word(), "birth_date": "1985-02-11",
                "sex": "female", "county_id": county or self.TEH_A}
        body.update(fields)
        return self.ok("POST", "/api/v1/clients", who, 201, body).json()

    def donation(self, who, status=201, **fields):
        body = {"donor_name": "علی " + word(), "donor_type": "person", "kind": "cash", "amount_rials": 1000,
                "received_on": "2024-06-01"}
        body.update(fields)
        body = {k: v for k, v in body.items() if v is not None}
        return self.ok("POST", "/api/v1/donations", who, status, body)

    def race(self, calls):
        """Sends the requests (method, path, who, body) at once from threads released by one barrier."""
        barrier, out = threading.Barrier(len(calls)), [None] * len(calls)

        def go(i, method, path, who, body):
            try:
                with self.registry.client() as c:
                    c.get("/healthz")           # connected and TLS done before the barrier
                    barrier.wait(10)
                    out[i] = c.request(method, path, body=body, token=self.tok[who])
            except Exception as e:  # reported below
                out[i] = e
        ts = [threading.Thread(target=go, args=(i,) + tuple(call)) for i, call in enumerate(calls)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(30)
        for o in out:
            self.assertIsInstance(o, harness.Response, repr(out))
        return out

    def summary(self, who, **params):
        return self.items("/api/v1/reports/summary?" + q(**params), who)

    @staticmethod
    def rows(items):
        return [tuple(str(x[k]) for k in ("province", "county_id", "centers", "staff", "clients",
                                          "allocations_rials", "donations_rials") if k in x) for x in items]

    # -- 1. allocations -------------------------------------------------------------------------------------------
    def test_allocations_tree_limits(self):
        r = self.alloc("admin", 1403, "cbr", 1000000, province=TEHRAN)
        self.assertStatus(r, 201)
        prov = r.json()
        self.assertEqual((prov["level"], prov["province"], prov["county_id"], prov["center_id"], prov["fiscal_year"],
                          prov["program"], prov["amount_rials"], prov["version"], harness.etag_v(r)),
                         ("province", TEHRAN, None, None, 1403, "cbr", 1000000, 1, '"v1"'))
        self.assertEqual(urllib.parse.urlsplit(r.headers.get("Location")).path, "/api/v1/allocations/%d" % prov["id"])
        self.assertEqual(self.ok("GET", "/api/v1/allocations/%d" % prov["id"], "teh").json(), prov)
        self.assertProblem(self.alloc("admin", 1403, "cbr", 7, province=TEHRAN), 409)

        r = self.alloc("teh", 1403, "cbr", 600000, county_id=self.TEH_A)
        self.assertStatus(r, 201)
        cty = r.json()
        self.assertEqual((cty["level"], cty["province"], cty["county_id"]), ("county", TEHRAN, self.TEH_A))
        body = self.assertFields(self.alloc("teh", 1403, "cbr", 500000, county_id=self.TEH_B), 422, ["amount_rials"])
        msg = body["errors"][0]["message"]
        for n in ("1100000", "1000000"):        # what the counties would get, and the province's limit
            self.assertIn(n, msg, body)
        self.assertEqual(self.sql("SELECT count(*) FROM allocations WHERE fiscal_year = 1403 AND county_id = %d"
                                  % self.TEH_B), [("0",)])
        # a center beyond its county's allocation
        self.assertFields(self.alloc("teh", 1403, "cbr", 600001, center_id=self.CENTER_PUB), 422, ["amount_rials"])
        # the county office allocates to its own centers, within the county's budget
        r = self.alloc("county", 1403, "cbr", 250000, center_id=self.CENTER_PUB)
        self.assertStatus(r, 201)
        self.assertEqual((r.json()["level"], r.json()["county_id"], r.json()["province"]),
                         ("center", self.TEH_A, TEHRAN))
        self.assertFields(self.alloc("county", 1403, "cbr", 350001, center_id=self.CENTER_NGO), 422, ["amount_rials"])
        # another county's center: invisible to the county office, so 404 (like a center that does not exist)
        self.assertNotFoundLikeMissing(self.alloc("county", 1403, "cbr", 1000, center_id=self.CENTER_B),
                                       self.alloc("county", 1403, "cbr", 1000, center_id=999999999))
        # levels one may not allocate at
        self.assertProblem(self.alloc("teh", 1403, "microfinance", 1000, province=TEHRAN), 403)
        self.assertProblem(self.alloc("county", 1403, "microfinance", 1000, county_id=self.TEH_A), 403)
        self.assertProblem(self.alloc("fars", 1403, "cbr", 1000, county_id=self.TEH_C), 403)
        self.assertEqual(self.sql("SELECT count(*) FROM allocations WHERE fiscal_year = 1403 AND program_id ="
                                  " (SELECT id FROM programs WHERE code = 'microfinance')"), [("0",)])

        # the province may not shrink below what its counties hold; a county not below its centers
        path = "/api/v1/allocations/%d" % prov["id"]
        self.assertProblem(self.req("PATCH", path, "admin", {"amount_rials": 500000}), 428)
        body = self.assertFields(self.req("PATCH", path, "admin", {"amount_rials": 500000}, etag='"v1"'), 422,
                                 ["amount_rials"])
        self.assertIn("600000", body["errors"][0]["message"])
        self.assertProblem(self.req("PATCH", path, "teh", {"amount_rials": 2000000}, etag='"v1"'), 403)
        r = self.ok("PATCH", path, "admin", body={"amount_rials": 600000}, etag='"v1"')
        self.assertEqual((r.json()["amount_rials"], harness.etag_v(r)), (600000, '"v2"'))
        self.assertProblem(self.req("PATCH", path, "admin", {"amount_rials": 700000}, etag='"v1"'), 412)
        cpath = "/api/v1/allocations/%d" % cty["id"]
        self.assertFields(self.req("PATCH", cpath, "teh", {"amount_rials": 249999}, etag='"v1"'), 422,
                          ["amount_rials"])
        self.assertProblem(self.req("PATCH", cpath, "county", {"amount_rials": 300000}, etag='"v1"'), 403)
        self.assertEqual(self.ok("GET", cpath, "teh").json()["amount_rials"], 600000)

        # Persian digits in fiscal_year (body and filter)
        r = self.alloc("admin", "۱۴۰۳", "microfinance", 5000, province=TEHRAN)
        self.assertStatus(r, 201)
        self.assertEqual(r.json()["fiscal_year"], 1403)
        got = self.items("/api/v1/allocations?" + q(fiscal_year="۱۴۰۳", province=TEHRAN, limit=500), "teh")
        self.assertIn(r.json()["id"], [a["id"] for a in got])
        self.assertEqual(sorted(a["id"] for a in got), sorted(int(i) for (i,) in self.sql(
            "SELECT id FROM allocations WHERE fiscal_year = 1403 AND province_code = 'IR-23'")))
        # a county that does not exist
        self.assertIn(self.alloc("admin", 1403, "housing", 1000, county_id=999999).status, (404, 422))

    def test_concurrent_county_allocations(self):
        for rnd in range(4):
            year = 1404 + rnd
            self.assertStatus(self.alloc("admin", year, "housing", 1000, province=TEHRAN), 201)
            out = self.race([("POST", "/api/v1/allocations", "teh", {"fiscal_year": year, "program": "housing",
                                                                     "amount_rials": 600, "county_id": k})
                             for k in (self.TEH_A, self.TEH_B)])
            self.assertEqual(sorted(o.status for o in out), [201, 422], "round %d: %r" % (rnd, out))
            self.assertFields(out[[o.status for o in out].index(422)], 422, ["amount_rials"])
            self.assertEqual(self.sql("SELECT count(*), sum(amount_rials) FROM allocations WHERE fiscal_year = %d"
                                      " AND level = 'county'" % year), [("1", "600")])

    # -- 2. money bounds ------------------------------------------------------------------------------------------
    def test_money_bounds(self):
        r = self.alloc("admin", 1409, "cbr", INT64_MAX, province=FARS)
        self.assertStatus(r, 201)
        self.assertEqual(r.json()["amount_rials"], INT64_MAX)
        self.assertEqual(self.ok("GET", "/api/v1/allocations/%d" % r.json()["id"], "fars").json()["amount_rials"],
                         INT64_MAX)
        for bad in (INT64_MAX + 1, 2 ** 64, 2 ** 64 + 5, 10.5, -1, -INT64_MAX - 1, "abc", True):
            with self.subTest(amount=bad):
                self.assertFields(self.alloc("admin", 1409, "housing", bad, province=FARS), 422, ["amount_rials"])
        self.assertEqual(self.sql("SELECT count(*) FROM allocations WHERE fiscal_year = 1409 AND program_id ="
                                  " (SELECT id FROM programs WHERE code = 'housing')"), [("0",)])
        self.assertStatus(self.alloc("admin", 1409, "housing", INT64_MAX, province=FARS), 201)
        # a county may take all of it; one rial more across the counties is an overrun, not a wrap-around
        self.assertStatus(self.alloc("fars", 1409, "cbr", INT64_MAX, county_id=self.FARS_A), 201)
        body = self.assertFields(self.alloc("fars", 1409, "cbr", 1, county_id=self.FARS_B), 422, ["amount_rials"])
        self.assertIn(str(INT64_MAX + 1), body["errors"][0]["message"])
        path = "/api/v1/allocations/%d" % r.json()["id"]
        self.assertFields(self.req("PATCH", path, "admin", {"amount_rials": INT64_MAX + 1}, etag='"v1"'), 422,
                          ["amount_rials"])
        self.assertFields(self.req("PATCH", path, "admin", {"amount_rials": 0.5}, etag='"v1"'), 422, ["amount_rials"])

        for n in range(2):
            d = self.donation("fars", county_id=self.FARS_A, amount_rials=INT64_MAX, received_on=None,
                              received_on_jalali="1409-01-1%d" % n).json()
            self.assertEqual((d["amount_rials"], d["fiscal_year"]), (INT64_MAX, 1409))
        for bad in (INT64_MAX + 1, 10.5, -5, 0):
            with self.subTest(donation=bad):
                self.assertFields(self.req("POST", "/api/v1/donations", "fars", {
                    "donor_name": "x", "donor_type": "person", "kind": "cash", "amount_rials": bad,
                    "received_on": "2030-04-01", "county_id": self.FARS_A}), 422, ["amount_rials"])
        # sums are exact past 64 bits
        row = [x for x in self.summary("admin", fiscal_year=1409) if x["province"] == FARS]
        self.assertEqual([(x["allocations_rials"], x["donations_rials"]) for x in row],
                         [(2 * INT64_MAX, 2 * INT64_MAX)])
        cty = [x for x in self.summary("fars", fiscal_year=1409, province=FARS) if x["county_id"] == self.FARS_A]
        self.assertEqual([(x["allocations_rials"], x["donations_rials"]) for x in cty], [(INT64_MAX, 2 * INT64_MAX)])

        cid = self.new_client("fars", county=self.FARS_A)["id"]
        loan = self.ok("POST", "/api/v1/loans", "fars", 201, {"client_id": cid, "amount_rials": INT64_MAX,
                                                              "installments": 7, "first_due_on": "2030-01-01"}).json()
        self.assertEqual(sum(s["amount_rials"] for s in loan["schedule"]), INT64_MAX)
        self.assertEqual((loan["amount_rials"], loan["outstanding_rials"]), (INT64_MAX, INT64_MAX))
        for bad in (INT64_MAX + 1, 10.5, -1):
            with self.subTest(loan=bad):
                self.assertFields(self.req("POST", "/api/v1/loans", "fars", {
                    "client_id": cid, "amount_rials": bad, "installments": 3, "first_due_on": "2030-01-01"}), 422,
                    ["amount_rials"])
                self.assertFields(self.req("POST", "/api/v1/loans/%d/repayments" % loan["id"], "fars", {
                    "amount_rials": bad, "paid_on": "2030-01-02"}), 422, ["amount_rials"])
        self.ok("POST", "/api/v1/loans/%d/repayments" % loan["id"], "fars", 201,
                {"amount_rials": INT64_MAX, "paid_on": "2030-01-02"})
        got = self.ok("GET", "/api/v1/loans/%d" % loan["id"], "fars").json()
        self.assertEqual((got["status"], got["outstanding_rials"], got["repaid_rials"]), ("repaid", 0, INT64_MAX))

    # -- 3. donations and campaigns -------------------------------------------------------------------------------
    def test_donations_and_campaigns(self):
        camp = self.ok("POST", "/api/v1/campaigns", "admin", 201,
                       {"name": "آجر به آجر " + word(), "goal_rials": 50000000}).json()
        self.assertEqual((camp["donations_rials"], camp["donations_count"], camp["province"]), (0, 0, None))
        cpath = "/api/v1/campaigns/%d" % camp["id"]

        cash = self.donation("teh", donor_name="علی رضایی", amount_rials=150000, county_id=self.TEH_A,
                             campaign_id=camp["id"]).json()
        self.assertEqual((cash["donor_name"], cash["kind"], cash["amount_rials"], cash["fiscal_year"],
                          cash["province"], cash["county_id"], cash["campaign_id"], cash["anonymous"]),
                         ("علی رضایی", "cash", 150000, 1403, TEHRAN, self.TEH_A, camp["id"], False))
        self.assertFields(self.req("POST", "/api/v1/donations", "teh", {
            "donor_name": "شرکت نمونه", "donor_type": "organization", "kind": "in_kind", "amount_rials": 90000,
            "received_on": "2024-07-01", "county_id": self.TEH_A}), 422, ["description"])
        kind = self.donation("teh", donor_type="organization", kind="in_kind", description="ویلچر ۲ عدد",
                             amount_rials=90000, center_id=self.CENTER_PUB, campaign_id=camp["id"]).json()
        self.assertEqual((kind["kind"], kind["description"], kind["county_id"], kind["center_id"]),
                         ("in_kind", "ویلچر ۲ عدد", self.TEH_A, self.CENTER_PUB))
        anon = self.donation("teh", anonymous=True, donor_name="نیکوکار " + word(), amount_rials=70000,
                             province=TEHRAN, campaign_id=camp["id"]).json()
        self.assertIsNone(anon["donor_name"])
        self.assertTrue(anon["anonymous"])
        self.assertIsNone(self.ok("GET", "/api/v1/donations/%d" % anon["id"], "teh").json()["donor_name"])
        listed = [d for d in self.items("/api/v1/donations?" + q(campaign_id=camp["id"]), "admin")
                  if d["id"] == anon["id"]]
        self.assertEqual([d["donor_name"] for d in listed], [None])
        self.donation("teh", anonymous=True, donor_name=None, amount_rials=5000, province=TEHRAN)
        self.assertFields(self.req("POST", "/api/v1/donations", "teh", {
            "donor_type": "person", "kind": "cash", "amount_rials": 5, "received_on": "2024-07-01",
            "province": TEHRAN}), 422, ["donor"])

        # the fiscal year is the Jalali year of received_on (1403: 2024-03-20 .. 2025-03-20)
        for field, day, iso, year in (("received_on_jalali", "1403-12-30", "2025-03-20", 1403),
                                      ("received_on_jalali", "1404-01-01", "2025-03-21", 1404),
                                      ("received_on", "2024-03-19", "2024-03-19", 1402),
                                      ("received_on", "2024-03-20", "2024-03-20", 1403)):
            with self.subTest(day=day):
                d = self.donation("teh", county_id=self.TEH_B, **{"received_on": None, field: day}).json()
                self.assertEqual((d["received_on"], d["fiscal_year"]), (iso, year))
        d = self.donation("teh", received_on=None, received_on_jalali="1403-05-10", county_id=self.TEH_B,
                          campaign_id=camp["id"], amount_rials=33000).json()
        self.assertEqual((d["received_on"], d["received_on_jalali"], d["fiscal_year"]),
                         ("2024-07-31", "1403-05-10", 1403))

        got = self.ok("GET", cpath, "teh").json()
        mine = [cash, kind, anon, d]
        self.assertEqual((got["donations_rials"], got["donations_count"]),
                         (sum(x["amount_rials"] for x in mine), len(mine)))
        self.assertEqual(self.sql("SELECT sum(amount_rials), count(*) FROM donations WHERE campaign_id = %d"
                                  % camp["id"]), [(str(got["donations_rials"]), str(got["donations_count"]))])
        # a campaign of another province is not one a Tehran office may give to
        fcamp = self.ok("POST", "/api/v1/campaigns", "fars", 201, {"name": "کمپین " + word(), "province": FARS})
        self.assertProblem(self.req("GET", "/api/v1/campaigns/%d" % fcamp.json()["id"], "teh"), 404)
        seen = [x["id"] for x in self.items("/api/v1/campaigns?limit=500", "teh")]
        self.assertIn(camp["id"], seen)
        self.assertNotIn(fcamp.json()["id"], seen)
        with self.subTest("donation to another province's campaign"):
            r = self.req("POST", "/api/v1/donations", "teh", {
                "donor_name": "x", "donor_type": "person", "kind": "cash", "amount_rials": 10,
                "received_on": "2024-07-01", "province": TEHRAN, "campaign_id": fcamp.json()["id"]})
            self.assertIn(r.status, (404, 422), r)
        with self.subTest("donation to a county that does not exist"):
            r = self.req("POST", "/api/v1/donations", "teh", {
                "donor_name": "x", "donor_type": "person", "kind": "cash", "amount_rials": 10,
                "received_on": "2024-07-01", "county_id": 999999})
            self.assertIn(r.status, (404, 422), r)

        for who, where in (("admin", ""), ("teh", " AND province_code = 'IR-23'"),
                           ("county", " AND county_id = %d" % self.TEH_A)):
            with self.subTest(report=who):
                rows = self.items("/api/v1/reports/donations-by-campaign?fiscal_year=1403", who)
                for x in rows:
                    self.assertEqual(x["cash_rials"] + x["in_kind_rials"], x["total_rials"], x)
                want = self.sql("SELECT coalesce(sum(amount_rials), 0), count(*) FROM donations"
                                " WHERE fiscal_year = 1403" + where)
                self.assertEqual([(str(sum(x["total_rials"] for x in rows)), str(sum(x["donations"] for x in rows)))],
                                 want)
                row = [x for x in rows if x["campaign_id"] == camp["id"]]
                if who == "county":
                    self.assertEqual([(x["donations"], x["total_rials"]) for x in row], [(2, 150000 + 90000)])
                    continue
                self.assertEqual([(x["campaign"], x["donations"], x["cash_rials"], x["in_kind_rials"])
                                  for x in row], [(camp["name"], 4, 150000 + 70000 + 33000, 90000)])

    # -- 4. loans -------------------------------------------------------------------------------------------------
    def test_loans_schedule_repayments_overdue(self):
        cid = self.new_client("county", center_id=self.CENTER_PUB)["id"]
        r = self.ok("POST", "/api/v1/loans", "county", 201,
                    {"client_id": cid, "amount_rials": 1000, "installments": 3, "first_due_on": "2024-01-31"})
        loan = r.json()
        lid, path = loan["id"], "/api/v1/loans/%d" % loan["id"]
        self.assertEqual(urllib.parse.urlsplit(r.headers.get("Location")).path, path)
        self.assertEqual((loan["client_id"], loan["status"], loan["province"], loan["county_id"],
                          loan["outstanding_rials"], harness.etag_v(r)),
                         (cid, "active", TEHRAN, self.TEH_A, 1000, '"v1"'))
        with self.subTest("the loan lives at its client's center (so that center's NGO submitter sees it)"):
            self.assertEqual(loan["center_id"], self.CENTER_PUB)
        self.assertEqual([(s["due_on"], s["amount_rials"]) for s in loan["schedule"]],
                         [("2024-01-31", 333), ("2024-03-01", 333), ("2024-03-30", 334)])   # 11 Bahman, Esfand, Farvardin
        self.assertEqual(self.ok("GET", path, "teh").json()["schedule"], loan["schedule"])

        def overdue(who="county", county=None):
            got = self.items("/api/v1/loans/overdue?" + q(county_id=county or self.TEH_A, limit=500), who)
            return [(x["n"], x["due_on"], x["amount_rials"], x["unpaid_rials"]) for x in got if x["loan_id"] == lid]
        self.assertEqual(overdue(), [(1, "2024-01-31", 333, 333), (2, "2024-03-01", 333, 333),
                                     (3, "2024-03-30", 334, 334)])
        rep = self.ok("POST", path + "/repayments", "county", 201, {"amount_rials": 400, "paid_on": "2024-02-10"})
        self.assertEqual((rep.json()["loan_id"], rep.json()["amount_rials"], rep.json()["province"]),
                         (lid, 400, TEHRAN))
        got = self.ok("GET", path, "county").json()
        self.assertEqual((got["outstanding_rials"], got["repaid_rials"], got["status"]), (600, 400, "active"))
        self.assertEqual(overdue(), [(2, "2024-03-01", 333, 266), (3, "2024-03-30", 334, 334)])
        self.assertEqual(overdue("teh"), overdue())
        full = self.items("/api/v1/loans/overdue?" + q(county_id=self.TEH_A, limit=500), "county")
        paged, cursor = [], None
        for _ in range(len(full) + 1):
            body = self.ok("GET", "/api/v1/loans/overdue?" + q(county_id=self.TEH_A, limit=1, **(
                {"cursor": cursor} if cursor else {})), "county").json()
            paged += body["items"]
            cursor = body["next_cursor"]
            if not cursor:
                break
        self.assertEqual(paged, full)
        self.assertEqual(overdue("fars"), [])
        self.assertEqual([(x["id"], x["amount_rials"]) for x in self.items(path + "/repayments", "county")],
                         [(rep.json()["id"], 400)])

        body = self.assertFields(self.req("POST", path + "/repayments", "county",
                                          {"amount_rials": 601, "paid_on": "2024-03-01"}), 422, ["amount_rials"])
        self.assertIn("1001", body["errors"][0]["message"])
        self.assertEqual(self.ok("GET", path, "county").json()["outstanding_rials"], 600)
        self.assertProblem(self.req("POST", path + "/repayments", "fars", {"amount_rials": 1, "paid_on": "2024-03-01"}),
                           404)
        self.ok("POST", path + "/repayments", "county", 201, {"amount_rials": 600, "paid_on_jalali": "1403-01-15"})
        got = self.ok("GET", path, "county").json()
        self.assertEqual((got["status"], got["outstanding_rials"], got["repaid_rials"]), ("repaid", 0, 1000))
        self.assertEqual(overdue(), [])
        self.assertFields(self.req("POST", path + "/repayments", "county",
                                   {"amount_rials": 1, "paid_on": "2024-04-01"}), 422, ["amount_rials"])

        future = self.ok("POST", "/api/v1/loans", "county", 201, {"client_id": cid, "amount_rials": 900,
                                                                  "installments": 2, "first_due_on": "2099-01-01"})
        got = self.items("/api/v1/loans/overdue?" + q(county_id=self.TEH_A, limit=500), "county")
        self.assertNotIn(future.json()["id"], [x["loan_id"] for x in got])
        for x in got:
            self.assertEqual(x["county_id"], self.TEH_A)
            self.assertGreater(x["unpaid_rials"], 0)

        for bad in ({"installments": 0}, {"installments": 121}, {"first_due_on": "2024-02-30"}, {"client_id": "x"}):
            with self.subTest(bad=bad):
                self.assertFields(self.req("POST", "/api/v1/loans", "county", dict({
                    "client_id": cid, "amount_rials": 10, "installments": 2, "first_due_on": "2024-01-01"}, **bad)),
                    422, list(bad))
        # two repayments that each fit alone but not together
        racy = self.ok("POST", "/api/v1/loans", "county", 201, {"client_id": cid, "amount_rials": 1000,
                                                                "installments": 2, "first_due_on": "2024-06-01"})
        out = self.race([("POST", "/api/v1/loans/%d/repayments" % racy.json()["id"], "county",
                          {"amount_rials": 600, "paid_on": "2024-06-02"})] * 2)
        self.assertEqual(sorted(o.status for o in out), [201, 422], out)
        self.assertEqual(self.ok("GET", racy.headers["Location"], "county").json()["outstanding_rials"], 400)

        # a loan for a client outside the caller's scope: 404, like a client that does not exist
        fars_client = self.new_client("fars", county=self.FARS_A)["id"]
        teh_b_client = self.new_client("teh", county=self.TEH_B)["id"]
        body = {"amount_rials": 500, "installments": 2, "first_due_on": "2024-05-01"}
        missing = self.req("POST", "/api/v1/loans", "county", dict(body, client_id=999999999))
        for who, client in (("county", fars_client), ("teh", fars_client), ("county", teh_b_client)):
            with self.subTest(who=who, client=client):
                self.assertNotFoundLikeMissing(self.req("POST", "/api/v1/loans", who, dict(body, client_id=client)),
                                               missing)
        self.assertEqual(self.sql("SELECT count(*) FROM loans WHERE client_id IN (%d, %d)"
                                  % (fars_client, teh_b_client)), [("0",)])

    # -- 5. summary report ----------------------------------------------------------------------------------------
    def test_summary_report_matches_sql(self):
        # something to count: staff, clients, a closed center, allocations and donations of 1403 and of 1402
        for center in (self.CENTER_PUB, self.CENTER_B, self.CENTER_FARS):
            who = "fars" if center == self.CENTER_FARS else "teh"
            self.ok("POST", "/api/v1/staff", who, 201, {"national_id": national_id(), "first_name": "مریم",
                                                        "last_name": word(), "profession": "nurse",
                                                        "center_id": center})
        c1 = self.new_client("county")
        c2 = self.new_client("teh", county=self.TEH_B)
        self.new_client("teh", county=self.TEH_C)
        self.new_client("fars", county=self.FARS_A)
        closed = self.ok("POST", "/api/v1/centers", "teh", 201, {"name": "مرکز " + word(), "type": "counseling",
                                                                 "sector": "public", "county_id": self.TEH_C})
        self.ok("DELETE", "/api/v1/centers/%d" % closed.json()["id"], "teh", etag='"v1"')
        self.assertStatus(self.alloc("admin", 1403, "elderly_care", 800000, province=TEHRAN), 201)
        self.assertStatus(self.alloc("admin", 1402, "elderly_care", 111, province=TEHRAN), 201)
        self.assertStatus(self.alloc("teh", 1403, "elderly_care", 300000, county_id=self.TEH_B), 201)
        self.donation("county", amount_rials=4000, center_id=self.CENTER_PUB)
        self.donation("teh", amount_rials=2500, county_id=self.TEH_B, received_on="2024-12-01")
        self.donation("teh", amount_rials=999, province=TEHRAN, received_on="2023-12-01")

        def check(label):
            with self.subTest(label):
                got = self.summary("admin", fiscal_year=1403)
                self.assertEqual(len(got), 31)
                self.assertEqual(self.rows(got), self.sql(PROVINCE_SQL.format(y=1403)))
                teh = self.summary("admin", fiscal_year=1403, province=TEHRAN)
                self.assertEqual(sorted(x["county_id"] for x in teh), sorted(self.TEH_COUNTIES))
                self.assertEqual(self.rows(teh), self.sql(COUNTY_SQL.format(y=1403, p=TEHRAN)))
                self.assertEqual(self.summary("teh", fiscal_year=1403),
                                 [x for x in got if x["province"] == TEHRAN])
                self.assertEqual(self.summary("teh", fiscal_year="۱۴۰۳", province=TEHRAN), teh)
                self.assertEqual(self.summary("county", fiscal_year=1403),
                                 [x for x in teh if x["county_id"] == self.TEH_A])
                return got, teh

        got, teh = check("before")
        ir23 = [x for x in got if x["province"] == TEHRAN][0]
        self.assertGreaterEqual(ir23["allocations_rials"], 800000)
        self.assertEqual(self.rows(self.summary("admin", fiscal_year=1402)), self.sql(PROVINCE_SQL.format(y=1402)))
        self.assertProblem(self.req("GET", "/api/v1/reports/summary?" + q(fiscal_year=1403, province=FARS), "teh"),
                           404)
        self.assertProblem(self.req("GET", "/api/v1/reports/summary?" + q(fiscal_year=1403), "ngo"), 403)
        self.assertEqual(len(self.summary("viewer", fiscal_year=1403)), 31)

        r = self.ok("GET", "/api/v1/reports/summary?fiscal_year=1403", "admin", headers={"Accept": "text/csv"})
        self.assertEqual(r.content_type, "text/csv")
        self.assertTrue(r.raw.startswith(b"\xef\xbb\xbf"), r.raw[:10])
        rows = list(csv.reader(io.StringIO(r.raw[3:].decode("utf-8"), newline="")))
        self.assertEqual(rows[0], ["province", "province_name_fa", "province_name_en", "centers", "staff", "clients",
                                   "allocations_rials", "donations_rials"])
        self.assertEqual([tuple(x[:1] + x[3:]) for x in rows[1:]], self.rows(got))     # the names beside the code
        self.assertEqual([tuple(x[1:3]) for x in rows[1:]], [(x["province_name_fa"], x["province_name_en"])
                                                              for x in got])

        # an allocation and a donation changed, a staff member moved to another county: still equal to SQL
        a = self.alloc("teh", 1403, "elderly_care", 1000, county_id=self.TEH_C).json()
        self.ok("PATCH", "/api/v1/allocations/%d" % a["id"], "teh", body={"amount_rials": 7000}, etag='"v1"')
        d = self.donation("county", amount_rials=6000, county_id=self.TEH_A).json()
        self.ok("PATCH", "/api/v1/donations/%d" % d["id"], "county", body={"amount_rials": 6500,
                                                                          "received_on": "2024-01-05"}, etag='"v1"')
        self.assertEqual(self.ok("GET", "/api/v1/donations/%d" % d["id"], "county").json()["fiscal_year"], 1402)
        st = self.ok("POST", "/api/v1/staff", "teh", 201, {"national_id": national_id(), "first_name": "سینا",
                                                           "last_name": word(), "profession": "nurse",
                                                           "center_id": self.CENTER_PUB}).json()
        self.ok("PATCH", "/api/v1/staff/%d" % st["id"], "teh", body={"center_id": self.CENTER_B}, etag='"v1"')
        self.assertEqual(self.rows(self.summary("admin", fiscal_year=1402)), self.sql(PROVINCE_SQL.format(y=1402)))
        check("after patches")
        self.assertFields(self.req("GET", "/api/v1/reports/summary?fiscal_year=abc", "admin"), 400, ["fiscal_year"])
        got, teh = check("before close and transfer")

        # a client closed and another moved to Fars: the counts follow
        self.ok("DELETE", "/api/v1/clients/%d" % c1["id"], "county", etag='"v1"')
        self.ok("POST", "/api/v1/clients/%d/transfer" % c2["id"], "teh", body={"county_id": self.FARS_A})
        got2, teh2 = check("after")

        def clients(items, key, v):
            return [x["clients"] for x in items if x[key] == v][0]
        self.assertEqual(clients(got2, "province", TEHRAN), clients(got, "province", TEHRAN) - 2)
        self.assertEqual(clients(got2, "province", FARS), clients(got, "province", FARS) + 1)
        self.assertEqual(clients(teh2, "county_id", self.TEH_A), clients(teh, "county_id", self.TEH_A) - 1)
        self.assertEqual(clients(teh2, "county_id", self.TEH_B), clients(teh, "county_id", self.TEH_B) - 1)
        # the totals tables hold nothing a full recount would change
        nz = " WHERE allocations_rials <> 0 OR donations_rials <> 0"
        self.assertEqual(self.sql(
            "BEGIN; CREATE TEMP TABLE ct AS SELECT * FROM county_totals;"
            " CREATE TEMP TABLE mt AS SELECT * FROM money_totals" + nz + "; SELECT registry_recompute_totals();"
            " SELECT count(*) FROM ((SELECT * FROM ct EXCEPT SELECT * FROM county_totals)"
            " UNION ALL (SELECT * FROM county_totals EXCEPT SELECT * FROM ct)"
            " UNION ALL (SELECT * FROM mt EXCEPT SELECT * FROM money_totals" + nz + ")"
            " UNION ALL (SELECT * FROM money_totals" + nz + " EXCEPT SELECT * FROM mt)) x; ROLLBACK;"), [("0",)])

    # -- 6. access matrix for the funding resources ---------------------------------------------------------------
    def test_access_matrix_funding(self):
        year, prog = 1408, "life_skills"
        for p in (TEHRAN, FARS):
            self.assertStatus(self.alloc("admin", year, prog, 1000000, province=p), 201)
        rec = {"allocations": {}, "donations": {}, "loans": {}}
        for key, who, place in (("ngo", "teh", dict(center_id=self.CENTER_NGO)),
                                ("teh_b", "teh", dict(county_id=self.TEH_B)),
                                ("fars", "fars", dict(county_id=self.FARS_A))):
            if key == "ngo":
                self.assertStatus(self.alloc("teh", year, prog, 500000, county_id=self.TEH_A), 201)
            r = self.alloc(who, year, prog, 1000, **place)
            self.assertStatus(r, 201)
            rec["allocations"][key] = r.json()
            rec["donations"][key] = self.donation(who, **place).json()
            county = place.get("county_id", self.TEH_A)
            cl = self.new_client(who, county=county, **({"center_id": self.CENTER_NGO} if key == "ngo" else {}))
            rec["loans"][key] = self.ok("POST", "/api/v1/loans", who, 201, {
                "client_id": cl["id"], "amount_rials": 3000, "installments": 3, "first_due_on": "2024-04-01"}).json()
        creates = {"allocations": {"fiscal_year": year, "program": prog, "amount_rials": 1, "county_id": self.TEH_A},
                   "donations": {"donor_name": "x", "donor_type": "person", "kind": "cash", "amount_rials": 1,
                                 "received_on": "2024-06-01", "center_id": self.CENTER_NGO},
                   "loans": {"client_id": rec["loans"]["ngo"]["client_id"], "amount_rials": 1, "installments": 1,
                             "first_due_on": "2024-06-01"}}
        patches = {"allocations": {"amount_rials": 2}, "donations": {"amount_rials": 2},
                   "loans": {"status": "written_off"}}
        # who sees which of the three records
        sees = {"admin": {"ngo", "teh_b", "fars"}, "viewer": {"ngo", "teh_b", "fars"}, "teh": {"ngo", "teh_b"},
                "fars": {"fars"}, "county": {"ngo"}, "ngo": {"ngo"}}
        in_scope = {"admin": lambda x: True, "viewer": lambda x: True,
                    "teh": lambda x: x["province"] == TEHRAN, "fars": lambda x: x["province"] == FARS,
                    "county": lambda x: x["county_id"] == self.TEH_A,
                    "ngo": lambda x: x["center_id"] == self.CENTER_NGO}
        for res in ("allocations", "donations", "loans"):
            base = "/api/v1/" + res
            counts = self.sql("SELECT count(*) FROM %s" % res)[0][0]
            for who in sees:
                with self.subTest(resource=res, who=who):
                    if who in ("viewer", "ngo"):
                        self.assertProblem(self.req("POST", base, who, creates[res]), 403)
                        self.assertProblem(self.req("PATCH", "%s/%d" % (base, rec[res]["ngo"]["id"]), who,
                                                    patches[res], etag='"v1"'), 403)
                    listed = self.items(base + "?limit=500", who)
                    bad = [x["id"] for x in listed if not in_scope[who](x)]
                    self.assertEqual(bad, [], "%s lists out-of-scope %s" % (who, res))
                    ids = {x["id"] for x in listed}
                    for key, r in rec[res].items():
                        self.assertEqual(r["id"] in ids, key in sees[who], (key, who))
                        path = "%s/%d" % (base, r["id"])
                        if key in sees[who]:
                            self.assertEqual(self.ok("GET", path, who).json()["id"], r["id"])
                        else:
                            self.assertNotFoundLikeMissing(self.req("GET", path, who),
                                                           self.req("GET", base + "/999999999", who))
                            if who not in ("viewer", "ngo"):
                                self.assertNotFoundLikeMissing(
                                    self.req("PATCH", path, who, patches[res], etag='"v1"'),
                                    self.req("PATCH", base + "/999999999", who, patches[res], etag='"v1"'))
            self.assertEqual(self.sql("SELECT count(*) FROM %s" % res)[0][0], counts, "%s changed" % res)
            for key, r in rec[res].items():
                self.assertEqual(self.ok("GET", "%s/%d" % (base, r["id"]), "admin").json()["version"], 1)


    # -- 7. issue 13: the contract's donations and loans, holes 1, 2 and 12, conflicts, every list as every role -----
    def etag(self, path, who="admin"):
        return self.ok("GET", path, who).headers.get("ETag")

    def audit_of(self, entity, entity_id):
        return self.items("/api/v1/audit?" + q(entity=entity, entity_id=entity_id, limit=500), "admin")

    def test_donations_take_the_contracts_donor_and_campaign(self):
        camp = self.ok("POST", "/api/v1/campaigns", "teh", 201, {"name": "مهر " + word(), "province": TEHRAN}).json()
        national = self.ok("POST", "/api/v1/campaigns", "admin", 201, {"name": "ملی " + word()}).json()
        fars = self.ok("POST", "/api/v1/campaigns", "fars", 201, {"name": "شیراز " + word(), "province": FARS}).json()
        # written from the contract alone: donor, kind, amount_rials, campaign (by name), received_on, a place
        body = {"donor": "حسن " + word(), "kind": "cash", "amount_rials": 12000, "campaign": camp["name"],
                "received_on": "2024-08-01", "county_id": self.TEH_A}
        d = self.ok("POST", "/api/v1/donations", "teh", 201, body).json()
        self.assertEqual((d["donor"], d["donor_name"], d["campaign"], d["campaign_id"], d["donor_type"]),
                         (body["donor"], body["donor"], camp["name"], camp["id"], "person"))
        got = self.ok("GET", "/api/v1/donations/%d" % d["id"], "county").json()
        self.assertEqual((got["donor"], got["campaign"]), (body["donor"], camp["name"]))
        # by id, and a national campaign by name
        self.assertEqual(self.ok("POST", "/api/v1/donations", "teh", 201, dict(body, campaign=camp["id"])).json()
                         ["campaign_id"], camp["id"])
        self.assertEqual(self.ok("POST", "/api/v1/donations", "county", 201, dict(body, campaign=national["name"]))
                         .json()["campaign"], national["name"])
        # ours stay additions
        self.assertEqual(self.donation("teh", county_id=self.TEH_A, campaign_id=camp["id"]).json()["campaign"],
                         camp["name"])
        count = self.sql("SELECT count(*) FROM donations")
        for bad, field in ((dict(body, campaign="نیست " + word()), "campaign"),
                           (dict(body, campaign=fars["name"]), "campaign"),
                           (dict(body, campaign=fars["id"]), "campaign"),
                           (dict(body, campaign=999999999), "campaign"),
                           (dict(body, campaign=True), "campaign"),
                           (dict(body, campaign_id=camp["id"]), "campaign"),
                           (dict(body, donor_name="x"), "donor"),
                           (dict(body, donor_type="robot"), "donor_type")):
            with self.subTest(bad=bad):
                self.assertFields(self.req("POST", "/api/v1/donations", "teh", bad), 422, [field])
        self.assertEqual(self.sql("SELECT count(*) FROM donations"), count)
        # a change may name the campaign by name too
        path = "/api/v1/donations/%d" % d["id"]
        got = self.ok("PATCH", path, "teh", body={"campaign": national["name"], "donor": "حسین " + word()},
                      etag=self.etag(path)).json()
        self.assertEqual((got["campaign_id"], got["donor"] == got["donor_name"]), (national["id"], True))

    def test_anonymous_donor_stays_anonymous_everywhere(self):
        secret = "نیکوکار" + word()
        anon = self.donation("teh", anonymous=True, donor_name=secret, amount_rials=4400, county_id=self.TEH_A).json()
        path = "/api/v1/donations/%d" % anon["id"]
        self.assertEqual((anon["donor"], anon["donor_name"]), (None, None))
        # anonymity is one-way: turning it off is refused and changes nothing
        body = self.assertFields(self.req("PATCH", path, "teh", {"anonymous": False}, etag=self.etag(path)),
                                 422, ["anonymous"])
        self.assertNotIn(secret, str(body))
        self.assertFields(self.req("PATCH", path, "admin", {"anonymous": False, "amount_rials": 4500},
                                   etag=self.etag(path)), 422, ["anonymous"])
        self.assertEqual(self.sql("SELECT anonymous, amount_rials FROM donations WHERE id = %d" % anon["id"]),
                         [("t", "4400")])
        # a change of an anonymous donation keeps the name out of the reply and the audit record
        self.ok("PATCH", path, "teh", body={"amount_rials": 4600, "donor_name": secret + "ی"}, etag=self.etag(path))
        # anonymity may be turned on: from then on the name is gone, from the update's audit 'before' too
        named = self.donation("teh", donor_name="آشکار" + word(), amount_rials=700, county_id=self.TEH_A).json()
        npath = "/api/v1/donations/%d" % named["id"]
        became = self.ok("PATCH", npath, "teh", body={"anonymous": True}, etag=self.etag(npath)).json()
        self.assertEqual((became["anonymous"], became["donor"], became["donor_name"]), (True, None, None))
        update = [a for a in self.audit_of("donation", named["id"]) if a["action"] == "update"]
        self.assertEqual(len(update), 1, update)
        self.assertNotIn(named["donor_name"], str(update))
        self.assertIsNone(update[0]["before"]["donor_name"])
        self.assertNotIn(named["donor_name"], self.ok("GET", npath, "admin").text)
        # ... and from the records written while the donor was named (the stored trail is left as it is)
        self.assertNotIn(named["donor_name"], str(self.audit_of("donation", named["id"])))
        self.assertEqual(self.sql("SELECT count(*) FROM audit_log WHERE entity = 'donation' AND entity_id = '%d'"
                                  " AND after->>'donor_name' = '%s'" % (named["id"], named["donor_name"])), [("1",)])
        # nowhere: replies, lists, CSV, the audit trail (the name is kept only for receipts, in the table)
        for who in ("admin", "viewer", "teh", "county"):
            with self.subTest(who=who):
                self.assertNotIn(secret, self.ok("GET", path, who).text)
                listed = self.ok("GET", "/api/v1/donations?" + q(county_id=self.TEH_A, limit=500), who)
                self.assertIn(anon["id"], [x["id"] for x in listed.json()["items"]])
                self.assertNotIn(secret, listed.text)
                csv_text = self.ok("GET", "/api/v1/donations?" + q(county_id=self.TEH_A, limit=500), who,
                                   headers={"Accept": "text/csv"}).text
                self.assertIn(str(anon["id"]), csv_text)
                self.assertNotIn(secret, csv_text)
        trail = self.audit_of("donation", anon["id"])
        # the writes, and the reads above (donations are read-audited: a named donor and gifts to a client)
        self.assertEqual(sorted(a["action"] for a in trail if a["action"] != "read"), ["create", "update"])
        self.assertTrue(any(a["action"] == "read" for a in trail))
        self.assertNotIn(secret, str(trail))
        self.assertEqual(self.sql("SELECT donor_name, amount_rials FROM donations WHERE id = %d" % anon["id"]),
                         [(secret + "ی", "4600")])

    def test_loan_status_follows_its_money(self):
        cid = self.new_client("county")["id"]
        loan = self.ok("POST", "/api/v1/loans", "county", 201, {"client_id": cid, "amount_rials": 900,
                                                                "installments": 3, "first_due_on": "2024-01-10"}).json()
        path = "/api/v1/loans/%d" % loan["id"]

        def overdue():
            got = self.items("/api/v1/loans/overdue?" + q(county_id=self.TEH_A, limit=500), "county")
            return sorted({x["loan_id"] for x in got} & {loan["id"]})

        def status():
            return self.ok("GET", path, "county").json()["status"]
        self.assertEqual(overdue(), [loan["id"]])
        # money owed: repaid is refused (naming status), and the loan stays overdue
        self.assertFields(self.req("PATCH", path, "county", {"status": "repaid"}, etag=self.etag(path)), 422,
                          ["status"])
        self.assertEqual((status(), overdue()), ("active", [loan["id"]]))
        # a loan that owes may be written off and back
        self.ok("PATCH", path, "county", body={"status": "written_off"}, etag=self.etag(path))
        self.assertEqual(status(), "written_off")
        self.ok("PATCH", path, "county", body={"status": "active"}, etag=self.etag(path))
        self.assertEqual(status(), "active")
        # paid in full by repayments: repaid, and no status may say otherwise
        self.ok("POST", path + "/repayments", "county", 201, {"amount_rials": 900, "paid_on": "2024-02-01"})
        self.assertEqual((status(), overdue()), ("repaid", []))
        for to in ("active", "written_off"):
            with self.subTest(to=to):
                self.assertFields(self.req("PATCH", path, "county", {"status": to}, etag=self.etag(path)), 422,
                                  ["status"])
                self.assertEqual(status(), "repaid")
        # the database holds the rule whatever the path: no direct write contradicts the money
        owing = self.ok("POST", "/api/v1/loans", "county", 201, {"client_id": cid, "amount_rials": 500,
                                                                 "installments": 1, "first_due_on": "2024-03-01"})
        for lid, st, why in ((owing.json()["id"], "repaid", "still owed"), (loan["id"], "active", "repaid in full")):
            with self.subTest(lid=lid, status=st):
                with self.assertRaises(harness.PsqlError) as refused:
                    self.pg.psql("SELECT set_config('registry.role', 'system', false);"
                                 " UPDATE loans SET status = '%s' WHERE id = %d" % (st, lid))
                self.assertIn(why, refused.exception.stderr)
        self.assertEqual(self.sql("SELECT id, status FROM loans WHERE id IN (%d, %d) ORDER BY id"
                                  % (loan["id"], owing.json()["id"])),
                         [(str(loan["id"]), "repaid"), (str(owing.json()["id"]), "active")])

    def test_a_partial_repayment_changes_the_loans_etag(self):
        """A loan's reply shows repaid_rials and outstanding_rials: a repayment that leaves the status as it is still
        changes them, so If-Match with the ETag read before it is 412 (it once passed: the version moved only with
        the status)."""
        cid = self.new_client("county")["id"]
        loan = self.ok("POST", "/api/v1/loans", "county", 201, {"client_id": cid, "amount_rials": 900,
                                                                "installments": 3, "first_due_on": "2024-01-10"})
        path = "/api/v1/loans/%d" % loan.json()["id"]
        before = self.ok("GET", path, "county")
        self.ok("POST", path + "/repayments", "county", 201, {"amount_rials": 100, "paid_on": "2024-02-01"})
        after = self.ok("GET", path, "county")
        self.assertEqual((after.json()["status"], after.json()["outstanding_rials"]), ("active", 800))
        self.assertNotEqual(after.headers["ETag"], before.headers["ETag"])
        self.assertProblem(self.req("PATCH", path, "county", {"status": "written_off"},
                                    etag=before.headers["ETag"]), 412)
        self.ok("PATCH", path, "county", body={"status": "written_off"}, etag=after.headers["ETag"])

    def test_loan_without_first_due_on_starts_next_jalali_month(self):
        import datetime
        import zoneinfo
        cid = self.new_client("county")["id"]
        before = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Tehran")).date()
        loan = self.ok("POST", "/api/v1/loans", "county", 201,
                       {"client_id": cid, "amount_rials": 3000, "installments": 3}).json()
        after = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Tehran")).date()
        first = datetime.date.fromisoformat(loan["first_due_on"])
        jy, jm, jd = (int(x) for x in loan["first_due_on_jalali"].split("-"))
        # the first day of a Jalali month, after today, and no month starts between today and it: Jalali months
        # are 29-31 days, so the day before it lies in the month that holds today
        self.assertEqual(jd, 1)
        self.assertGreater(first, after)
        prev = self.ok("POST", "/api/v1/loans", "county", 201, {
            "client_id": cid, "amount_rials": 1, "installments": 1,
            "first_due_on": (first - datetime.timedelta(days=1)).isoformat()}).json()["first_due_on_jalali"]
        py, pm, pd = (int(x) for x in prev.split("-"))
        self.assertEqual((py, pm), (jy - 1, 12) if jm == 1 else (jy, jm - 1))
        self.assertLessEqual((first - before).days, pd)
        self.assertEqual(loan["schedule"][0]["due_on"], loan["first_due_on"])

    def test_duplicate_allocation_409_says_what_conflicts(self):
        year, prog = 1415, "housing"
        self.assertStatus(self.alloc("admin", year, prog, 5000, province=TEHRAN), 201)
        self.assertStatus(self.alloc("teh", year, prog, 100, county_id=self.TEH_B), 201)
        for who, place, field in (("admin", dict(province=TEHRAN), "province"),
                                  ("teh", dict(county_id=self.TEH_B), "county_id")):
            with self.subTest(place=place):
                body = self.assertFields(self.alloc(who, year, prog, 1, **place), 409,
                                         ["fiscal_year", "program", field])
                self.assertIn("allocation for this fiscal year, program and place already exists", body["detail"])
                self.assertNotIn("national ID", str(body))
        camp = {"name": "تکراری " + word(), "province": TEHRAN}
        self.ok("POST", "/api/v1/campaigns", "teh", 201, camp)
        body = self.assertFields(self.req("POST", "/api/v1/campaigns", "teh", camp), 409, ["name"])
        self.assertIn("campaign of this name", body["detail"])

    def test_transfer_takes_loans_installments_and_repayments_along(self):
        client = self.new_client("county", center_id=self.CENTER_PUB)
        loan = self.ok("POST", "/api/v1/loans", "county", 201, {
            "client_id": client["id"], "amount_rials": 1200, "installments": 3, "first_due_on": "2024-01-05"}).json()
        path = "/api/v1/loans/%d" % loan["id"]
        rep = self.ok("POST", path + "/repayments", "county", 201, {"amount_rials": 100, "paid_on": "2024-01-06"})
        self.assertProblem(self.req("GET", path, "fars"), 404)
        self.ok("POST", "/api/v1/clients/%d/transfer" % client["id"], "county", body={"county_id": self.FARS_A})
        # the old county: as if the loan never existed
        missing = self.req("GET", "/api/v1/loans/999999999", "county")
        self.assertNotFoundLikeMissing(self.req("GET", path, "county"), missing)
        self.assertProblem(self.req("GET", path + "/repayments", "county"), 404)
        self.assertProblem(self.req("POST", path + "/repayments", "county",
                                    {"amount_rials": 1, "paid_on": "2024-02-01"}), 404)
        self.assertNotIn(loan["id"], [x["id"] for x in self.items("/api/v1/loans?limit=500", "county")])
        self.assertNotIn(loan["id"], [x["loan_id"] for x in self.items(
            "/api/v1/loans/overdue?" + q(county_id=self.TEH_A, limit=500), "county")])
        # the new province: reads it, its schedule and repayments, and takes the next repayment
        got = self.ok("GET", path, "fars").json()
        self.assertEqual((got["province"], got["county_id"], got["center_id"], got["outstanding_rials"]),
                         (FARS, self.FARS_A, None, 1100))
        self.assertEqual([x["id"] for x in self.items(path + "/repayments", "fars")], [rep.json()["id"]])
        self.assertIn(loan["id"], [x["loan_id"] for x in self.items(
            "/api/v1/loans/overdue?" + q(county_id=self.FARS_A, limit=500), "fars")])
        self.ok("POST", path + "/repayments", "fars", 201, {"amount_rials": 100, "paid_on": "2024-02-01"})
        self.assertEqual(self.ok("GET", path, "fars").json()["outstanding_rials"], 1000)
        # every row moved, in the transfer's transaction, and the move is in the loan's audit trail
        self.assertEqual(self.sql(
            "SELECT (SELECT count(*) FROM loan_installments WHERE loan_id = %d AND province_code = '%s'"
            " AND county_id = %d), (SELECT count(*) FROM repayments WHERE loan_id = %d AND province_code = '%s')"
            % (loan["id"], FARS, self.FARS_A, loan["id"], FARS)), [("3", "2")])
        moved = [a for a in self.audit_of("loan", loan["id"]) if a["action"] == "transfer"]
        self.assertEqual(len(moved), 1, moved)
        self.assertEqual((moved[0]["before"]["province"], moved[0]["after"]["province"], moved[0]["username"]),
                         (TEHRAN, FARS, self.uname["county"]))

    def test_every_list_answers_every_role(self):
        padmin = "fund-provincial-admin"
        harness.add_user(self.registry, padmin, "provincial_admin", PASSWORD, province=TEHRAN)
        tok = dict(self.tok, padmin=harness.login(self.client, padmin, PASSWORD)["token"])
        spec = self.ok("GET", "/api/v1/openapi.json", "admin").json()
        lists = sorted(p for p, ops in spec["paths"].items()
                       if p.startswith("/api/v1/") and "{" not in p and "get" in ops)
        self.assertIn("/api/v1/campaigns", lists)
        fill = {"fiscal_year": "1403", "county_id": str(self.TEH_A), "province": TEHRAN}
        # the role table: the audit trail and users are for admins and national_viewer (the oversight role reads
        # them, test_http_extras.py), the summary report for officers and admins; every role reads everything else
        # in its scope
        refused = {"/api/v1/audit": {"teh", "fars", "county", "ngo"},
                   "/api/v1/users": {"teh", "fars", "county", "ngo"},
                   "/api/v1/reports/summary": {"ngo"}}
        for path in lists:
            params = {x["name"]: fill[x["name"]] for x in spec["paths"][path]["get"].get("parameters", [])
                      if x.get("in") == "query" and x.get("required")}
            url = path + ("?" + q(**params) if params else "")
            for who, token in sorted(tok.items()):
                with self.subTest(path=path, who=who):
                    r = self.client.get(url, token=token)
                    self.assertLess(r.status, 500, r)
                    self.assertStatus(r, 403 if who in refused.get(path, ()) else 200)


    # -- records repairs (migration 0019) ---------------------------------------------------------------------------
    def held(self, who):
        """A direct database session as registry_app with who's scope (auth_begin, as a request starts), inside an
        open transaction: what it writes stays uncommitted until the test commits it."""
        s = self.pg.session()
        self.addCleanup(s.close)
        s.execute("BEGIN; SET LOCAL ROLE registry_app;\n\\o /dev/null\nSELECT * FROM auth_begin(%s, 'e2e-held',"
                  " '127.0.0.1', false);\n\\o" % harness.sql_literal(harness.token_sha256_hex(self.tok[who])))
        return s

    def in_thread(self, method, path, who, body=None):
        """Sends the request from a thread; returns a function that waits for and returns its response."""
        out = []

        def go():
            with self.registry.client() as c:
                out.append(c.request(method, path, body=body, token=self.tok[who]))
        t = threading.Thread(target=go)
        t.start()

        def result():
            t.join(60)
            self.assertEqual(len(out), 1, "the request did not finish")
            return out[0]
        return result

    def wait_for_lock_waiter(self):
        """Returns once some backend waits for a row lock another transaction holds (a wait, not a time limit:
        the test fails only if it never happens)."""
        for _ in range(600):
            if self.sql("SELECT count(*) FROM pg_locks WHERE NOT granted")[0][0] != "0":
                return
            threading.Event().wait(0.05)
        self.fail("no request ever waited for the held transaction")

    def test_patch_center_id_moves_loans_installments_and_repayments(self):
        client = self.new_client("county", center_id=self.CENTER_PUB)
        loan = self.ok("POST", "/api/v1/loans", "county", 201, {
            "client_id": client["id"], "amount_rials": 900, "installments": 3, "first_due_on": "2024-02-01"}).json()
        path = "/api/v1/loans/%d" % loan["id"]
        self.ok("POST", path + "/repayments", "county", 201, {"amount_rials": 100, "paid_on": "2024-02-02"})
        cpath = "/api/v1/clients/%d" % client["id"]
        got = self.ok("PATCH", cpath, "county", body={"center_id": self.CENTER_NGO}, etag='"v1"').json()
        self.assertEqual((got["center_id"], got["county_id"]), (self.CENTER_NGO, self.TEH_A))
        where = "province_code = '%s' AND county_id = %d AND center_id = %d" % (TEHRAN, self.TEH_A, self.CENTER_NGO)
        self.assertEqual(self.sql(
            "SELECT (SELECT count(*) FROM loans WHERE id = {l} AND {w}),"
            " (SELECT count(*) FROM loan_installments WHERE loan_id = {l} AND {w}),"
            " (SELECT count(*) FROM repayments WHERE loan_id = {l} AND {w})".format(l=loan["id"], w=where)),
            [("1", "3", "1")])
        # the new center's NGO submitter sees the loan now; the move is in the loan's trail, by the officer
        self.assertEqual(self.ok("GET", path, "ngo").json()["center_id"], self.CENTER_NGO)
        moved = [a for a in self.audit_of("loan", loan["id"]) if a["action"] == "transfer"]
        self.assertEqual([(m["before"]["center_id"], m["after"]["center_id"], m["username"], m["role"])
                          for m in moved], [(self.CENTER_PUB, self.CENTER_NGO, self.uname["county"], "county_officer")])
        # the county changes only by a transfer (PATCH does not take it)
        self.assertFields(self.req("PATCH", cpath, "county", {"county_id": self.TEH_B}, etag='"v2"'), 422,
                          ["county_id"])

    def test_loan_made_during_a_transfer_gets_the_new_place(self):
        cid = self.new_client("county")["id"]
        held = self.held("admin")
        held.execute("SELECT client_transfer(%d, %d, NULL, NULL);" % (cid, self.FARS_A))
        result = self.in_thread("POST", "/api/v1/loans", "admin",
                                {"client_id": cid, "amount_rials": 500, "installments": 2, "first_due_on": "2024-05-01"})
        self.wait_for_lock_waiter()
        held.execute("COMMIT;")
        loan = result()
        self.assertStatus(loan, 201)
        self.assertEqual((loan.json()["province"], loan.json()["county_id"]), (FARS, self.FARS_A))
        self.assertEqual(self.sql("SELECT DISTINCT province_code FROM loan_installments WHERE loan_id = %d"
                                  % loan.json()["id"]), [(FARS,)])

    def test_transfer_waits_for_a_loan_in_flight_and_moves_it(self):
        # the other order: the transfer waits for the loan (its client read FOR SHARE, and the foreign key's own
        # key-share lock), then moves it
        cid = self.new_client("county")["id"]
        held = self.held("county")
        held.execute("INSERT INTO loans (client_id, amount_rials, installments, first_due_on)"
                     " VALUES (%d, 700, 2, '2024-05-01');" % cid)
        result = self.in_thread("POST", "/api/v1/clients/%d/transfer" % cid, "admin", {"county_id": self.FARS_A})
        self.wait_for_lock_waiter()
        held.execute("COMMIT;")
        self.assertStatus(result(), 200)
        self.assertEqual(self.sql(
            "SELECT l.province_code, l.county_id, (SELECT count(*) FROM loan_installments i WHERE i.loan_id = l.id"
            " AND i.province_code = '%s') FROM loans l WHERE l.client_id = %d" % (FARS, cid)),
            [(FARS, str(self.FARS_A), "2")])

    def test_repayment_during_a_transfer_follows_the_loan(self):
        cid = self.new_client("county")["id"]
        loan = self.ok("POST", "/api/v1/loans", "county", 201, {"client_id": cid, "amount_rials": 800,
                                                                "installments": 2, "first_due_on": "2024-05-01"}).json()
        held = self.held("admin")
        held.execute("SELECT client_transfer(%d, %d, NULL, NULL);" % (cid, self.FARS_A))
        result = self.in_thread("POST", "/api/v1/loans/%d/repayments" % loan["id"], "admin",
                                {"amount_rials": 300, "paid_on": "2024-05-02"})
        self.wait_for_lock_waiter()
        held.execute("COMMIT;")
        rep = result()
        self.assertStatus(rep, 201)
        self.assertEqual((rep.json()["province"], rep.json()["county_id"]), (FARS, self.FARS_A))
        self.assertEqual(self.ok("GET", "/api/v1/loans/%d" % loan["id"], "fars").json()["outstanding_rials"], 500)

    def test_repayment_counts_every_repayment_even_one_left_elsewhere(self):
        cid = self.new_client("fars", county=self.FARS_A)["id"]
        loan = self.ok("POST", "/api/v1/loans", "fars", 201, {"client_id": cid, "amount_rials": 1000,
                                                              "installments": 2, "first_due_on": "2024-05-01"}).json()
        path = "/api/v1/loans/%d" % loan["id"]
        rep = self.ok("POST", path + "/repayments", "fars", 201, {"amount_rials": 600, "paid_on": "2024-05-02"}).json()
        # a repayment left in another province (as the race above left them before 0019): Fars does not see it
        self.pg.psql("UPDATE repayments SET province_code = '%s', county_id = %d, center_id = NULL WHERE id = %d"
                     % (TEHRAN, self.TEH_A, rep["id"]))
        self.assertEqual(self.ok("GET", path, "fars").json()["repaid_rials"], 0)
        body = self.assertFields(self.req("POST", path + "/repayments", "fars",
                                          {"amount_rials": 1000, "paid_on": "2024-05-03"}), 422, ["amount_rials"])
        self.assertIn("1600", body["errors"][0]["message"])
        self.ok("POST", path + "/repayments", "fars", 201, {"amount_rials": 400, "paid_on": "2024-05-03"})
        # ... and that one settles the loan: paid in full, though Fars sees only 400 of it
        self.assertEqual(self.sql("SELECT status, (SELECT sum(amount_rials) FROM repayments WHERE loan_id = l.id)"
                                  " FROM loans l WHERE l.id = %d" % loan["id"]), [("repaid", "1000")])

    def test_center_with_active_clients_keeps_its_county(self):
        center = self.ok("POST", "/api/v1/centers", "teh", 201, {"name": "مرکز جابجا " + word(),
                                                                  "type": "counseling", "sector": "public",
                                                                  "county_id": self.TEH_A}).json()
        path = "/api/v1/centers/%d" % center["id"]
        staff = self.ok("POST", "/api/v1/staff", "teh", 201, {
            "national_id": national_id(), "first_name": "مریم", "last_name": word(), "profession": "counselor",
            "center_id": center["id"]}).json()
        client = self.new_client("teh", center_id=center["id"])
        body = self.assertFields(self.req("PATCH", path, "teh", {"county_id": self.TEH_B}, etag='"v1"'), 422,
                                 ["county_id"])
        self.assertIn("transfer", body["errors"][0]["message"])
        self.assertEqual(self.sql("SELECT county_id, version FROM centers WHERE id = %d" % center["id"]),
                         [(str(self.TEH_A), "1")])
        # its client transferred out, the center moves, and its staff with it
        self.ok("POST", "/api/v1/clients/%d/transfer" % client["id"], "teh", body={"county_id": self.TEH_A})
        moved = self.ok("PATCH", path, "teh", body={"county_id": self.TEH_B}, etag='"v1"').json()
        self.assertEqual(moved["county_id"], self.TEH_B)
        got = self.ok("GET", "/api/v1/staff/%d" % staff["id"], "teh").json()
        self.assertEqual((got["county_id"], got["version"]), (self.TEH_B, staff["version"] + 1))
        self.assertEqual([a["action"] for a in self.audit_of("staff", staff["id"]) if a["action"] == "transfer"],
                         ["transfer"])
        # money recorded at a center keeps it in its county's budget
        self.donation("teh", center_id=center["id"])
        self.assertFields(self.req("PATCH", path, "teh", {"county_id": self.TEH_A}, etag='"v2"'), 422, ["county_id"])

    def test_donation_patch_names_a_campaign_of_the_donations_province(self):
        name = "همنام " + word()
        teh = self.ok("POST", "/api/v1/campaigns", "teh", 201, {"name": name, "province": TEHRAN}).json()
        fars = self.ok("POST", "/api/v1/campaigns", "fars", 201, {"name": name, "province": FARS}).json()
        d = self.donation("teh", county_id=self.TEH_A).json()
        path = "/api/v1/donations/%d" % d["id"]
        # a national admin (no province of its own): the donation's province settles the name
        got = self.ok("PATCH", path, "admin", body={"campaign": name}, etag=self.etag(path)).json()
        self.assertEqual((got["campaign_id"], got["campaign"]), (teh["id"], name))
        # another province's campaign: refused under the field the client sent
        for field in ("campaign", "campaign_id"):
            with self.subTest(field=field):
                self.assertFields(self.req("PATCH", path, "admin", {field: fars["id"]}, etag=self.etag(path)), 422,
                                  [field])
        self.assertEqual(self.sql("SELECT campaign_id FROM donations WHERE id = %d" % d["id"]), [(str(teh["id"]),)])

    def test_schedule_in_jalali_months(self):
        # SQL's month arithmetic: same Jalali day, clamped to the month (31 / 30 / Esfand 29 or 30)
        cases = [("2024-09-21", 1, "2024-10-21"),      # 31 Shahrivar 1403 -> 30 Mehr
                 ("2025-02-18", 1, "2025-03-20"),      # 30 Bahman 1403 -> 30 Esfand (1403 leap)
                 ("2026-02-19", 1, "2026-03-20"),      # 30 Bahman 1404 -> 29 Esfand (1404 not)
                 ("2025-03-20", 12, "2026-03-20"),     # 30 Esfand 1403 -> 29 Esfand 1404
                 ("2024-04-19", 11, "2025-03-20"),     # 31 Farvardin 1403 -> 30 Esfand 1403
                 ("2024-12-21", 3, "2025-03-21"),      # 1 Dey 1403 -> 1 Farvardin 1404
                 ("2024-03-20", 0, "2024-03-20")]
        got = self.sql("SELECT " + ", ".join("jalali_add_months('%s', %d)" % (g, k) for g, k, _ in cases))
        self.assertEqual(list(got[0]), [e for _, _, e in cases])
        cid = self.new_client("county")["id"]
        # every installment on the same Jalali day, as the server's own calendar (C, the overdue list) reads them
        loan = self.ok("POST", "/api/v1/loans", "county", 201, {"client_id": cid, "amount_rials": 2400,
                                                                "installments": 24, "first_due_on_jalali": "1402-06-31"})
        lid = loan.json()["id"]
        over = [x for x in self.items("/api/v1/loans/overdue?" + q(county_id=self.TEH_A, limit=500), "county")
                if x["loan_id"] == lid]
        want = []
        for k in range(24):
            y, m = 1402 + (5 + k) // 12, (5 + k) % 12 + 1
            want.append("%d-%02d-%02d" % (y, m, 31 if m <= 6 else 30 if m <= 11 else 30 if y == 1403 else 29))
        self.assertEqual([x["due_on_jalali"] for x in over], want)
        # a default loan: the 1st of each Jalali month, so the gaps are the months' lengths
        d = self.ok("POST", "/api/v1/loans", "county", 201, {"client_id": cid, "amount_rials": 1400,
                                                             "installments": 14}).json()
        dates = [s["due_on"] for s in d["schedule"]]
        self.assertEqual(dates[0], d["first_due_on"])
        import datetime
        m = int(d["first_due_on_jalali"].split("-")[1])
        for k in range(13):
            gap = (datetime.date.fromisoformat(dates[k + 1]) - datetime.date.fromisoformat(dates[k])).days
            month = (m - 1 + k) % 12 + 1
            self.assertIn(gap, {31} if month <= 6 else {30} if month <= 11 else {29, 30}, (k, dates))
        # the reply shows the schedule as stored (the same as made), and a stored schedule as it is
        self.assertEqual(self.ok("GET", "/api/v1/loans/%d" % d["id"], "county").json()["schedule"], d["schedule"])
        self.pg.psql("UPDATE loan_installments SET due_on = due_on + 1 WHERE loan_id = %d AND n = 2" % d["id"])
        self.assertEqual(self.ok("GET", "/api/v1/loans/%d" % d["id"], "county").json()["schedule"][1]["due_on"],
                         (datetime.date.fromisoformat(dates[1]) + datetime.timedelta(days=1)).isoformat())

if __name__ == "__main__":
    harness.main()
