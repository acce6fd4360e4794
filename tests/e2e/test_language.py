"""Persian for people, stable codes for programs (issue 16): Accept-Language: fa gives problem titles, details and
every field error's message in Persian, English otherwise; the same bad request gives the same codes in both; a
request without Accept-Language gets the deployment's default language (REGISTRY_DEFAULT_LANGUAGE), an explicit one
always wins; problem replies say their language (Content-Language). Reports name their places beside the codes
(province_name_fa/en, county_name_fa/en), in JSON and CSV."""

import itertools
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PASSWORD = "Quill-Harbor-Saffron-4471"
word = harness.persian_words(itertools.count(20 ** 3 + 7171))
national_id = harness.national_id_sequence(314159265, 11)
q = harness.query

FA = {"Accept-Language": "fa-IR,fa;q=0.9,en;q=0.5"}
EN = {"Accept-Language": "en-US,en;q=0.9"}
PERSIAN = re.compile("[\u0600-\u06ff]")


class LanguageTestBase(harness.ActorTestCase):

    def assertPersian(self, resp, status):
        """A problem in Persian: title, detail and every error's message hold Persian words (a detail may quote a
        header or a field's name, never be an English sentence), and Content-Language says so."""
        body = self.assertProblem(resp, status)
        self.assertEqual(resp.header("Content-Language"), "fa", body)
        self.assertRegex(body["title"], PERSIAN, body)
        self.assertRegex(body["detail"], PERSIAN, body)
        self.assertNotRegex(body["detail"], r"\b(the|is|was|not|your|may|must|no)\b", body)
        for e in body.get("errors", []):
            self.assertRegex(e["message"], PERSIAN, e)
            self.assertTrue(e.get("code"), e)
        return body

    def assertEnglish(self, resp, status):
        body = self.assertProblem(resp, status)
        self.assertEqual(resp.header("Content-Language"), "en", body)
        for text in [body["title"], body["detail"]] + [e["message"] for e in body.get("errors", [])]:
            self.assertNotRegex(text, PERSIAN, body)
        for e in body.get("errors", []):
            self.assertTrue(e.get("code"), e)
        return body

    def both(self, status, method, path, who, body=None, headers=None, etag=None):
        """The same request in Persian and in English: each in its language, the same status, fields and codes.
        Returns (Persian body, English body)."""
        fa = self.assertPersian(self.req(method, path, who, body, etag, dict(headers or {}, **FA)), status)
        en = self.assertEnglish(self.req(method, path, who, body, etag, dict(headers or {}, **EN)), status)
        self.assertEqual(fa["type"], en["type"])
        self.assertNotEqual(fa["title"], en["title"])
        self.assertNotEqual(fa["detail"], en["detail"])
        codes = [(e["field"], e["code"]) for e in fa.get("errors", [])]
        self.assertEqual(codes, [(e["field"], e["code"]) for e in en.get("errors", [])])
        for a, b in zip(fa.get("errors", []), en.get("errors", [])):
            self.assertNotEqual(a["message"], b["message"])
        return fa, en

    @staticmethod
    def codes(body):
        return {e["code"] for e in body.get("errors", [])}


class LanguageTest(LanguageTestBase):
    """The default deployment: English unless asked for Persian."""

    @classmethod
    def seed(cls):
        cls.seed_cast("lang", PASSWORD, word)

    def client_body(self, **over):
        b = {"national_id": national_id(), "first_name": word(), "last_name": word(), "birth_date": "1980-02-03",
             "sex": "female", "county_id": self.TEH_A, "center_id": self.CENTER_PUB}
        b.update(over)
        return {k: v for k, v in b.items() if v is not None}

    # -- the same bad request in both languages ------------------------------------------------------------------
    def test_422_same_codes_different_messages(self):
        bad = self.client_body(national_id="0012345678", sex="x", favourite_colour="blue", first_name=None)
        fa, en = self.both(422, "POST", "/api/v1/clients", "admin", bad)
        self.assertTrue({"national_id.check_digit", "sex.choice", "unknown_field", "first_name.required"}
                        <= self.codes(fa), fa)
        self.assertIn("کد ملی", " ".join(e["message"] for e in fa["errors"]))

    def test_422_rule_of_the_database_in_persian(self):
        # "county_id: there is no county N" is raised by the database (RA422); its code and Persian come from the
        # catalog, with the number carried over
        body = {"fiscal_year": 1405, "program": "cbr", "amount_rials": 1000, "county_id": 999999}
        fa, en = self.both(422, "POST", "/api/v1/allocations", "admin", body)
        self.assertEqual(self.codes(fa), {"county_id.not_found"}, fa)
        self.assertIn("999999", fa["errors"][0]["message"])

    def test_409_duplicate_national_id(self):
        nid = national_id()
        self.ok("POST", "/api/v1/clients", "admin", 201, self.client_body(national_id=nid))
        fa, en = self.both(409, "POST", "/api/v1/clients", "admin", self.client_body(national_id=nid))
        self.assertEqual(self.codes(fa), {"national_id.taken"}, fa)
        self.assertIn("کد ملی", fa["detail"])

    def test_400_query_and_body(self):
        fa, _ = self.both(400, "GET", "/api/v1/clients?limit=0", "admin")
        self.assertEqual(self.codes(fa), {"limit.range"}, fa)
        # a body that is not JSON: the parser's own words stay, inside a Persian sentence
        r = self.client.request("POST", "/api/v1/clients", body=b"{not json", token=self.tok["admin"],
                                headers=dict(FA, **{"Content-Type": "application/json"}))
        self.assertIn("JSON", self.assertPersian(r, 400)["detail"])
        r = self.client.request("POST", "/api/v1/clients", body=b"{}", token=self.tok["admin"],
                                headers=dict(FA, **{"Content-Type": "text/plain"}))
        self.assertPersian(r, 415)

    def test_401_403_404_405(self):
        for headers, check in ((FA, self.assertPersian), (EN, self.assertEnglish)):
            check(self.client.get("/api/v1/clients", headers=headers), 401)
            check(self.client.get("/api/v1/clients", headers=headers, token="not-a-token"), 401)
            check(self.req("POST", "/api/v1/centers", "viewer", {"name": "x"}, headers=headers), 403)
            check(self.req("GET", "/api/v1/nothing-here", "admin", headers=headers), 404)
            check(self.req("PUT", "/api/v1/provinces", "admin", {}, headers=headers), 405)
        # a resource's name is carried into the template, translated
        fa, en = self.both(404, "GET", "/api/v1/clients/987654321", "admin")
        self.assertIn("مددجو", fa["detail"])
        self.assertIn("client", en["detail"])
        fa, en = self.both(404, "GET", "/api/v1/loans/987654321", "admin")
        self.assertIn("وام", fa["detail"])

    def test_412_428(self):
        c = self.ok("POST", "/api/v1/clients", "admin", 201, self.client_body()).json()
        path = "/api/v1/clients/%s" % c["id"]
        self.both(428, "PATCH", path, "admin", {"first_name": word()})
        self.both(412, "PATCH", path, "admin", {"first_name": word()}, etag='"v99"')
        fa, en = self.both(422, "PATCH", path, "admin", {}, etag='"v1"')
        self.assertEqual(self.codes(fa), {"nothing_to_change"}, fa)

    def test_submission_field_errors_get_codes(self):
        body = {"center_id": self.CENTER_NGO, "records": [{"kind": "pet", "data": {}}, 7]}
        fa, en = self.both(422, "POST", "/api/v1/submissions", "ngo", body,
                           headers={"Idempotency-Key": "language-%s" % national_id()})
        self.assertEqual({"records.kind.choice", "records.not_object"}, self.codes(fa), fa)
        self.assertEqual({e["field"] for e in fa["errors"]}, {"records[0].kind", "records[1]"})

    # -- the default language ------------------------------------------------------------------------------------
    def test_without_accept_language_english_is_the_default(self):
        for headers in ({}, {"Accept-Language": "*"}, {"Accept-Language": "de"}, {"Accept-Language": "fa;q=0"}):
            self.assertEnglish(self.req("GET", "/api/v1/clients/987654321", "admin", headers=headers), 404)
        self.assertPersian(self.req("GET", "/api/v1/clients/987654321", "admin",
                                    headers={"Accept-Language": "en;q=0.3, fa"}), 404)

    # -- reports name their places ---------------------------------------------------------------------------------
    def test_reports_name_provinces_and_counties(self):
        provinces = {p["code"]: p for p in self.client.get("/api/v1/provinces").json()["items"]}
        counties = {c["id"]: c for c in self.client.get("/api/v1/counties?" + q(province=self.TEHRAN)).json()["items"]}
        nation = rows = self.items("/api/v1/reports/summary?fiscal_year=1405", "admin")
        self.assertEqual(len(rows), 31)
        for r in rows:
            p = provinces[r["province"]]
            self.assertEqual((r["province_name_fa"], r["province_name_en"]), (p["name_fa"], p["name_en"]), r)
            self.assertNotIn("county_name_fa", r)
        rows = self.items("/api/v1/reports/summary?" + q(fiscal_year=1405, province=self.TEHRAN), "teh")
        self.assertEqual(len(rows), len(counties))
        for r in rows:
            c = counties[r["county_id"]]
            self.assertEqual((r["county_name_fa"], r["county_name_en"]), (c["name_fa"], c["name_en"]), r)
            self.assertEqual(r["province_name_fa"], provinces[self.TEHRAN]["name_fa"])
        # the same in CSV: a column each, beside the codes
        r = self.req("GET", "/api/v1/reports/summary?" + q(fiscal_year=1405, province=self.TEHRAN), "teh",
                     headers={"Accept": "text/csv"})
        self.assertStatus(r, 200)
        lines = r.text.lstrip("\ufeff").splitlines()
        self.assertEqual(len(lines), 1 + len(counties))
        self.assertIn(provinces[self.TEHRAN]["name_fa"], lines[1])
        self.assertIn(counties[rows[0]["county_id"]]["name_fa"], lines[1])
        r = self.req("GET", "/api/v1/reports/summary?fiscal_year=1405", "admin", headers={"Accept": "text/csv"})
        header = r.text.lstrip("\ufeff").splitlines()[0]
        self.assertEqual(header.split(","), list(nation[0]), header)     # no county columns per province
        # the overdue loans report carries them too, and the description shows them
        doc = self.ok("GET", "/api/v1/openapi.json", "admin").json()["components"]["schemas"]
        for schema in ("SummaryReport", "OverdueLoansReport"):
            props = doc[schema]["properties"]["items"]["items"]["properties"]
            self.assertTrue({"province_name_fa", "province_name_en", "county_name_fa", "county_name_en"} <= set(props))


class DefaultPersianTest(LanguageTestBase):
    """A deployment whose people read Persian: REGISTRY_DEFAULT_LANGUAGE=fa; English when a request asks for it."""
    registry_env = {"REGISTRY_DEFAULT_LANGUAGE": "fa", "REGISTRY_RATE_LIMIT": "2"}

    @classmethod
    def seed(cls):
        cls.add_actors({"admin": dict(username="lang-fa-admin", role="national_admin")}, PASSWORD)

    def test_default_is_persian_and_asking_for_english_wins(self):
        for headers in ({}, {"Accept-Language": "*"}):
            body = self.assertPersian(self.req("GET", "/api/v1/clients/987654321", "admin", headers=headers), 404)
            self.assertIn("مددجو", body["detail"])
        self.assertEnglish(self.req("GET", "/api/v1/clients/987654321", "admin", headers=EN), 404)
        self.assertPersian(self.client.get("/api/v1/clients"), 401)

    def test_429_in_persian(self):
        # searches are the expensive kind: two a minute here; a few more are refused
        for i in range(5):
            r = self.req("GET", "/api/v1/clients?" + q(q="x%d" % i), "admin")
            if r.status != 200:
                break
        body = self.assertPersian(r, 429)
        self.assertTrue(r.header("Retry-After"))
        self.assertEnglish(self.req("GET", "/api/v1/clients?q=z", "admin", headers=EN), 429)
        self.assertEqual(body["title"], "درخواست‌ها بیش از حد مجاز است")


if __name__ == "__main__":
    harness.main()
