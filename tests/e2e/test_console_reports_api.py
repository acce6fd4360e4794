"""What the console's dashboard and money screens read that the API added for them (issue 15): an allocation's
ceiling and what is left under it (parent_rials, siblings_rials, remaining_under_parent_rials, allocated_below_rials,
unallocated_rials) and a center's name (center_name), licenses expired and expiring per center type
(?expiring_within_days=), and the overdue loan installments per province or county (/reports/overdue-loans), each
against the raw tables or the API's own lists, within each role's scope, and in the OpenAPI description."""

import collections
import itertools
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PASSWORD = "Amber-Lantern-Fjord-7720"
TEHRAN, FARS = "IR-23", "IR-07"
YEAR = 1410                 # a fiscal year no other data here uses

national_id = harness.national_id_sequence(271828182, 13)
word = harness.persian_words(itertools.count(20 ** 3 + 4242))
q = harness.query

MONEY = ("parent_rials", "siblings_rials", "remaining_under_parent_rials", "allocated_below_rials",
         "unallocated_rials")


class ConsoleReportsApiTest(harness.ActorTestCase):

    @classmethod
    def seed(cls):
        cls.seed_cast("dash", PASSWORD, word)

    def sql(self, text):
        return [tuple(line.split("|")) for line in self.pg.psql(text).splitlines() if line.strip()]

    def alloc(self, who, amount, **place):
        r = self.ok("POST", "/api/v1/allocations", who, 201,
                    {"fiscal_year": YEAR, "program": "cbr", "amount_rials": amount, **place})
        return r.json()

    @staticmethod
    def money(a):
        return tuple(a[k] for k in MONEY)

    # -- allocations: the ceiling and what is left ---------------------------------------------------------------
    def test_allocations_show_what_is_left_under_the_parent(self):
        prov = self.alloc("admin", 1000000, province=TEHRAN)
        self.assertEqual(self.money(prov), (None, None, None, 0, 1000000))
        a = self.alloc("teh", 600000, county_id=self.TEH_A)
        self.assertEqual(self.money(a), (1000000, 600000, 400000, 0, 600000))
        b = self.alloc("teh", 300000, county_id=self.TEH_B)
        # the reply to the write counts the new row with its siblings, as a later read does
        self.assertEqual(self.money(b), (1000000, 900000, 100000, 0, 300000))
        self.assertEqual(self.ok("GET", "/api/v1/allocations/%d" % b["id"], "teh").json(), b)
        center = self.alloc("county", 250000, center_id=self.CENTER_PUB)
        self.assertEqual(self.money(center), (600000, 250000, 350000, None, None))
        # a center's allocation names its center (the list needs no read of each center); other levels name none
        center_name = self.ok("GET", "/api/v1/centers/%d" % self.CENTER_PUB, "admin").json()["name"]
        self.assertEqual((center["center_name"], prov["center_name"], a["center_name"]), (center_name, None, None))
        listed = {x["id"]: x["center_name"] for x in self.items(
            "/api/v1/allocations?" + q(fiscal_year=YEAR, limit=500), "county")}
        self.assertEqual(listed[center["id"]], center_name)

        got = {x["id"]: self.money(x) for x in self.items("/api/v1/allocations?" + q(fiscal_year=YEAR, limit=500),
                                                         "admin")}
        self.assertEqual(got, {prov["id"]: (None, None, None, 900000, 100000),
                               a["id"]: (1000000, 900000, 100000, 250000, 350000),
                               b["id"]: (1000000, 900000, 100000, 0, 300000),
                               center["id"]: (600000, 250000, 350000, None, None)})
        # the province's staff read the same
        self.assertEqual({x["id"]: self.money(x) for x in self.items(
            "/api/v1/allocations?" + q(fiscal_year=YEAR, province=TEHRAN, limit=500), "teh")}, got)

        # a change: its reply and a later read agree, the siblings see it
        path = "/api/v1/allocations/%d" % b["id"]
        r = self.ok("PATCH", path, "teh", body={"amount_rials": 350000}, etag='"v1"')
        self.assertEqual(self.money(r.json()), (1000000, 950000, 50000, 0, 350000))
        self.assertEqual(self.ok("GET", path, "teh").json(), r.json())
        self.assertEqual(self.money(self.ok("GET", "/api/v1/allocations/%d" % a["id"], "teh").json()),
                         (1000000, 950000, 50000, 250000, 350000))

        # the county office does not see its province's ceiling nor the other counties: no figure rather than a
        # wrong one; under its own county's ceiling it sees everything
        mine = self.ok("GET", "/api/v1/allocations/%d" % a["id"], "county").json()
        self.assertEqual(self.money(mine), (None, None, None, 250000, 350000))
        self.assertEqual(self.money(self.ok("GET", "/api/v1/allocations/%d" % center["id"], "county").json()),
                         (600000, 250000, 350000, None, None))

        # the figures are the raw tables' (as superuser)
        rows = self.sql(
            "SELECT a.id, coalesce(p.amount_rials::text, ''), coalesce((SELECT sum(s.amount_rials) FROM allocations s"
            " WHERE s.fiscal_year = a.fiscal_year AND s.program_id = a.program_id AND s.level = a.level"
            " AND s.province_code = a.province_code)::text, '') FROM allocations a LEFT JOIN allocations p"
            " ON p.fiscal_year = a.fiscal_year AND p.program_id = a.program_id AND p.level = 'province'"
            " AND p.province_code = a.province_code WHERE a.fiscal_year = %d AND a.level = 'county'" % YEAR)
        for aid, parent, siblings in rows:
            x = self.ok("GET", "/api/v1/allocations/%s" % aid, "admin").json()
            self.assertEqual((x["parent_rials"], x["siblings_rials"], x["remaining_under_parent_rials"]),
                             (int(parent), int(siblings), int(parent) - int(siblings)))

    def test_ngo_submitter_reads_only_its_centers_money(self):
        """what the console's money screen shows an NGO's submitter: its own center's allocations, no summary"""
        year = YEAR + 1
        for who, amount, place in (("admin", 4000, {"province": TEHRAN}), ("teh", 2000, {"county_id": self.TEH_A}),
                                   ("county", 1000, {"center_id": self.CENTER_NGO}),
                                   ("county", 1000, {"center_id": self.CENTER_PUB})):
            self.ok("POST", "/api/v1/allocations", who, 201,
                    {"fiscal_year": year, "program": "cbr", "amount_rials": amount, **place})
        seen = self.items("/api/v1/allocations?" + q(fiscal_year=year, limit=500), "ngo")
        name = self.ok("GET", "/api/v1/centers/%d" % self.CENTER_NGO, "admin").json()["name"]
        self.assertEqual([(x["level"], x["center_id"], x["center_name"]) for x in seen],
                         [("center", self.CENTER_NGO, name)])
        self.assertEqual(seen[0]["parent_rials"], None)         # its county's ceiling is outside its scope
        self.assertStatus(self.req("GET", "/api/v1/reports/summary?" + q(fiscal_year=year), "ngo"), 403)

    # -- centers by type: licenses -------------------------------------------------------------------------------
    def test_centers_by_type_counts_licenses_expired_and_expiring(self):
        days = {}
        for ahead in (-5, 0, 10, 89, 90, 91, 200, None):
            expires = self.sql("SELECT (current_date + %d)::text" % ahead)[0][0] if ahead is not None else None
            body = {"name": "مرکز مشاوره " + word(), "type": "genetic_counseling", "sector": "public",
                    "county_id": self.FARS_B, "license_no": "DASH-" + word()}
            if expires:
                body["license_expires_on"] = expires
            days[ahead] = self.ok("POST", "/api/v1/centers", "admin", 201, body).json()["id"]

        def row(who, **params):
            items = self.items("/api/v1/reports/centers-by-type?" + q(**params), who)
            got = [x for x in items if x["type"] == "genetic_counseling"]
            return (got[0]["centers"], got[0]["licenses_expired"], got[0]["licenses_expiring"]) if got else None

        self.assertEqual(row("admin"), (8, 1, 4))               # 0, 10, 89 and 90 days ahead; 5 days ago
        self.assertEqual(row("fars"), (8, 1, 4))
        self.assertEqual(row("admin", province=FARS, expiring_within_days=365), (8, 1, 6))
        self.assertEqual(row("admin", expiring_within_days="۱۰"), (8, 1, 2))
        self.assertEqual(row("admin", expiring_within_days=1), (8, 1, 1))
        self.assertIsNone(row("teh"))                          # none of that type in Tehran
        for bad in ("0", "3651", "x", "-3"):
            with self.subTest(bad=bad):
                self.assertFields(self.req("GET", "/api/v1/reports/centers-by-type?" + q(expiring_within_days=bad),
                                           "admin"), 400, ["expiring_within_days"])
        # a closed center no longer counts
        self.ok("DELETE", "/api/v1/centers/%d" % days[10], "admin", etag='"v1"')
        self.assertEqual(row("admin"), (7, 1, 3))

    # -- overdue loans per province and county -------------------------------------------------------------------
    def test_overdue_loans_report_sums_the_overdue_list(self):
        def client(who, county):
            return self.ok("POST", "/api/v1/clients", who, 201, {
                "national_id": national_id(), "first_name": "مریم", "last_name": word(), "birth_date": "1980-05-01",
                "sex": "female", "county_id": county}).json()["id"]

        def loan(who, client_id, amount, n, first, repaid=None):
            r = self.ok("POST", "/api/v1/loans", who, 201, {"client_id": client_id, "amount_rials": amount,
                                                            "installments": n, "first_due_on": first}).json()
            if repaid:
                self.ok("POST", "/api/v1/loans/%d/repayments" % r["id"], who, 201,
                        {"amount_rials": repaid, "paid_on": "2024-06-01"})
            return r["id"]

        loan("county", client("county", self.TEH_A), 1200, 12, "2024-01-10", repaid=250)
        loan("teh", client("teh", self.TEH_B), 900, 3, "2024-02-01")
        loan("teh", client("teh", self.TEH_B), 500, 5, "2099-01-01")          # nothing due yet
        paid = loan("fars", client("fars", self.FARS_A), 600, 2, "2024-03-01", repaid=600)   # repaid in full
        loan("fars", client("fars", self.FARS_A), 1000, 4, "2024-04-01", repaid=100)
        self.assertEqual(self.ok("GET", "/api/v1/loans/%d" % paid, "fars").json()["status"], "repaid")

        def expected(who, by_county, **params):
            """the sums of GET /loans/overdue, every page, per province or county"""
            acc = collections.defaultdict(lambda: [set(), 0, 0, None])
            cursor = None
            while True:
                body = self.ok("GET", "/api/v1/loans/overdue?" + q(limit=2, **params, **(
                    {"cursor": cursor} if cursor else {})), who).json()
                for x in body["items"]:
                    a = acc[(x["province"], x["county_id"]) if by_county else (x["province"],)]
                    a[0].add(x["loan_id"])
                    a[1] += 1
                    a[2] += x["unpaid_rials"]
                    a[3] = min(a[3] or x["due_on"], x["due_on"])
                cursor = body["next_cursor"]
                if not cursor:
                    break
            return sorted(k + (len(v[0]), v[1], v[2], v[3]) for k, v in acc.items())

        def report(who, **params):
            items = self.items("/api/v1/reports/overdue-loans?" + q(**params), who)
            return [tuple(x[k] for k in ("province", "county_id", "loans", "installments", "unpaid_rials",
                                         "oldest_due_on") if k in x) for x in items]

        nation = report("admin")
        self.assertEqual(nation, expected("admin", False))
        self.assertEqual([r[:3] for r in nation], [(FARS, 1, 4), (TEHRAN, 2, 13)])
        self.assertEqual(nation[0][3], 900)                     # Fars: 1000 due by now, 100 repaid
        self.assertEqual(report("viewer"), nation)
        counties = report("admin", province=TEHRAN)
        self.assertEqual(counties, expected("admin", True, province=TEHRAN))
        self.assertEqual([r[:2] for r in counties], [(TEHRAN, self.TEH_A), (TEHRAN, self.TEH_B)])
        self.assertEqual(counties[0][2:5], (1, 10, 950))        # 1200 due, 250 repaid: the 3rd to the 12th
        self.assertEqual(report("teh", province=TEHRAN), counties)
        self.assertEqual(report("teh"), [r for r in nation if r[0] == TEHRAN])
        self.assertEqual(report("county"), [counties[0]])
        self.assertEqual(report("county"), expected("county", True))
        self.assertEqual(report("fars"), [r for r in nation if r[0] == FARS])
        # another province than one's own: 404, as for the summary
        self.assertProblem(self.req("GET", "/api/v1/reports/overdue-loans?" + q(province=FARS), "teh"), 404)
        self.assertFields(self.req("GET", "/api/v1/reports/overdue-loans?province=IR-99x", "admin"), 400,
                          ["province"])
        # as CSV, the same rows
        r = self.req("GET", "/api/v1/reports/overdue-loans?" + q(province=TEHRAN), "admin",
                     headers={"Accept": "text/csv"})
        self.assertStatus(r, 200)
        lines = r.text.strip().splitlines()
        self.assertEqual(len(lines), 1 + len(counties), r.text)
        self.assertIn(str(counties[0][4]), lines[1])

    # -- the description -----------------------------------------------------------------------------------------
    def test_openapi_describes_them(self):
        doc = self.ok("GET", "/api/v1/openapi.json", "admin").json()
        op = doc["paths"]["/api/v1/reports/overdue-loans"]["get"]
        self.assertIn("province", [p["name"] for p in op.get("parameters", [])])
        schemas = doc["components"]["schemas"]
        self.assertEqual(set(schemas["OverdueLoansReport"]["properties"]["items"]["items"]["properties"]),
                         {"province", "province_name_fa", "province_name_en", "county_id", "county_name_fa",
                          "county_name_en", "loans", "installments", "unpaid_rials", "oldest_due_on",
                          "oldest_due_on_jalali"})
        self.assertIn("expiring_within_days", [p["name"] for p in doc["paths"][
            "/api/v1/reports/centers-by-type"]["get"].get("parameters", [])])
        self.assertTrue({"licenses_expired", "licenses_expiring"} <= set(
            schemas["CenterTypeReport"]["properties"]["items"]["items"]["properties"]))
        self.assertTrue(set(MONEY) | {"center_name"} <= set(schemas["Allocation"]["properties"]))


if __name__ == "__main__":
    harness.main()
