"""Never widen a query by accident (issue 16): an unknown query parameter is 400 naming it on every route (with a
"did you mean" for a near miss, in Persian too), the parameters a route takes are exactly those its OpenAPI operation
lists, Accept is negotiated with q-values (406 listing what the route serves; text/csv;q=0 never gives CSV), ?format=
wins over Accept, and a list's Link rel="next" header, followed to the end, gives every row once."""

import csv
import io
import itertools
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PASSWORD = "Quartz-Lantern-Ferry-7731"
national_id = harness.national_id_sequence(271828003, 13)
word = harness.persian_words(itertools.count(20 ** 3 + 4242))

JSON, CSV, PROBLEM = "application/json", "text/csv", "application/problem+json"
PROMETHEUS_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                     "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")


def link_next(resp):
    """The URL of Link's rel="next", or None."""
    h = resp.headers.get("Link")
    if not h:
        return None
    m = re.fullmatch(r'<([^>]*)>; rel="next"', h)
    assert m, "Link header %r" % h
    return m.group(1)


class QueryStrictTest(harness.ActorTestCase):
    registry_env = {"REGISTRY_RATE_LIMIT": "100000"}

    @classmethod
    def seed(cls):
        cls.seed_cast("strict", PASSWORD, word)
        with cls.registry.client() as c:
            cls.clients = {}
            for county, n in ((cls.TEH_A, 3), (cls.FARS_A, 2)):
                for _ in range(n):
                    r = harness.seed_request(c, "POST", "/api/v1/clients", {
                        "national_id": national_id(), "first_name": "مریم", "last_name": word(),
                        "birth_date": "1980-03-01", "sex": "female", "county_id": county}, token=cls.tok["admin"])
                    cls.clients[r["id"]] = r["province"]
            cls.spec = harness.seed_request(c, "GET", "/api/v1/openapi.json", status=200)

    def get(self, path, who=None, headers=None):
        return self.client.get(path, headers=headers, token=self.tok[who] if who else None)

    def assertUnknown(self, resp, name, hint=None):
        """A 400 "Invalid query parameter." whose errors include name with code query.unknown (and the hint)."""
        body = self.assertProblem(resp, 400)
        self.assertEqual(body["detail"], "Invalid query parameter.", body)
        errs = [e for e in body.get("errors", []) if e.get("field") == name]
        self.assertEqual(len(errs), 1, body)
        self.assertEqual(errs[0]["code"], "query.unknown", body)
        self.assertIn(name, errs[0]["message"])
        if hint:
            self.assertIn("did you mean %s?" % hint, errs[0]["message"])
        else:
            self.assertNotIn("did you mean", errs[0]["message"])
        return errs[0]

    def operations(self, method="get"):
        """(path template, operation) of every operation of the method in the served description."""
        for path, item in sorted(self.spec["paths"].items()):
            if method in item:
                yield path, item[method]

    def concrete(self, template):
        return re.sub(r"\{[^}]+\}", str(min(self.clients)), template)

    # -- unknown parameters -------------------------------------------------------------------------------------
    def test_a_misspelt_filter_is_400_not_the_whole_nation(self):
        ok = self.ok("GET", "/api/v1/clients?province=IR-07", "admin").json()["items"]
        self.assertEqual({c["province"] for c in ok}, {"IR-07"})
        r = self.req("GET", "/api/v1/clients?provnce=IR-07", "admin")
        self.assertUnknown(r, "provnce", hint="province")
        # with other, valid parameters beside it, and as every role that may list clients
        for who in ("admin", "viewer", "teh", "fars", "county", "ngo"):
            r = self.req("GET", "/api/v1/clients?limit=2&provnce=IR-07", who)
            self.assertUnknown(r, "provnce", hint="province")

    def test_every_unknown_name_is_named_with_its_own_hint(self):
        r = self.req("GET", "/api/v1/centers?stauts=open&cunty_id=1&zzzzzz=1&limit=5", "admin")
        body = self.assertProblem(r, 400)
        self.assertEqual(sorted(e["field"] for e in body["errors"]), ["cunty_id", "stauts", "zzzzzz"], body)
        self.assertUnknown(r, "stauts", hint="status")
        self.assertUnknown(r, "cunty_id", hint="county_id")
        self.assertUnknown(r, "zzzzzz")

    def test_the_message_is_persian_on_request(self):
        r = self.req("GET", "/api/v1/staff?profesion=nurse", "admin", headers={"Accept-Language": "fa"})
        body = self.assertProblem(r, 400)
        err = body["errors"][0]
        self.assertEqual((err["field"], err["code"]), ("profesion", "query.unknown"))
        self.assertIn("profession", err["message"])
        self.assertRegex(err["message"], "[\u0600-\u06ff]")
        self.assertNotIn("did you mean", err["message"])

    def test_public_and_operator_routes_refuse_unknown_parameters_too(self):
        for path, hint in (("/healthz?verbose=1", None), ("/readyz?x=1", None), ("/metrics?name=registry", None),
                           ("/api/v1/openapi.json?v=3", None), ("/api/v1/provinces?limt=5", "limit"),
                           ("/api/v1/counties?provinc=IR-07", "province")):
            with self.subTest(path=path):
                name = urllib.parse.urlsplit(path).query.split("=")[0]
                self.assertUnknown(self.get(path), name, hint)
        r = self.client.post("/api/v1/auth/login?cookies=true", {"username": "x", "password": "y"})
        self.assertUnknown(r, "cookies", hint="cookie")
        # before the token is looked at, as the query's other checks are
        self.assertUnknown(self.get("/api/v1/clients?provnce=IR-07"), "provnce", hint="province")

    def test_the_description_and_the_check_agree_on_every_operation(self):
        """Each GET operation refuses a name it does not list, and no name it lists is called unknown."""
        n = 0
        for template, op in self.operations():
            path = self.concrete(template)
            declared = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
            with self.subTest(path=template):
                self.assertUnknown(self.req("GET", path + "?qqqqqqqq=1", "admin"), "qqqqqqqq")
                for name in declared:
                    r = self.req("GET", path + "?" + harness.query(**{name: "1"}), "admin")
                    if r.status == 400:
                        codes = [e.get("code") for e in r.json().get("errors", [])]
                        self.assertNotIn("query.unknown", codes, "%s?%s=1: %s" % (template, name, r.text))
                    n += 1
        self.assertGreater(n, 40)
        # every list takes limit and cursor, and where CSV is served, format
        for template, op in self.operations():
            names = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
            if "next_cursor" in str(op["responses"].get("200", {})):
                self.assertLessEqual({"limit", "cursor", "format"}, names, template)
            if "text/csv" in op["responses"]["200"].get("content", {}):
                self.assertIn("format", names, template)
                self.assertIn("406", op["responses"], template)

    def test_other_methods_refuse_unknown_parameters(self):
        cid = min(self.clients)
        r = self.req("PATCH", "/api/v1/clients/%d?force=true" % cid, "admin", body={"first_name": "لیلا"},
                     etag='"v1"')
        self.assertUnknown(r, "force")
        r = self.req("POST", "/api/v1/centers?dry_run=1", "admin", body={})
        self.assertUnknown(r, "dry_run")
        self.assertEqual(self.ok("GET", "/api/v1/clients/%d" % cid, "admin").json()["first_name"], "مریم")

    # -- Accept ---------------------------------------------------------------------------------------------------
    def media(self, path, accept, who="admin"):
        h = {} if accept is None else {"Accept": accept}
        return self.req("GET", path, who, headers=h)

    def assert406(self, resp, available):
        body = self.assertProblem(resp, 406)
        self.assertEqual(body["available"], available, body)
        for t in available:
            self.assertIn(t, body["detail"])
        return body

    def test_lists_negotiate_json_and_csv(self):
        path = "/api/v1/centers?limit=3"
        for accept, want in ((None, JSON), ("*/*", JSON), ("application/json", JSON), ("application/*", JSON),
                             ("text/csv", CSV), ("text/*", CSV), ("TEXT/CSV", CSV), ("text/csv; charset=utf-8", CSV),
                             ("text/csv;q=0.5, application/json;q=0.4", CSV),
                             ("text/csv;q=0.4 , application/json;q=0.5", JSON),
                             ("text/csv;q=0, */*", JSON), ("*/*;q=0.1, text/csv;q=0", JSON),
                             ("text/csv, */*", CSV), ("text/html, application/xhtml+xml, */*;q=0.8", JSON),
                             ("text/html, image/gif, *; q=.2", JSON),
                             ("garbage", JSON), ("text/csv;q=abc", JSON), ("text/;q=1", JSON),
                             ('text/csv;foo="a,b";q=0.9, application/json;q=0.1', CSV)):
            with self.subTest(accept=accept):
                r = self.media(path, accept)
                self.assertStatus(r, 200)
                self.assertEqual(r.content_type, want)
                self.assertIn("Accept", r.headers.get("Vary", ""))
        self.assertTrue(self.media(path, "text/csv").text.lstrip("\ufeff").startswith("id,"))

    def test_csv_with_q_zero_is_never_csv(self):
        for accept in ("text/csv;q=0", "text/csv; q=0.0", "text/csv;Q=0.000", "application/json;q=0, text/csv;q=0"):
            with self.subTest(accept=accept):
                self.assert406(self.media("/api/v1/centers", accept), [JSON, CSV])
        r = self.media("/api/v1/reports/clients-by-disability", "text/csv;q=0, application/json;q=0.1")
        self.assertStatus(r, 200)
        self.assertEqual(r.content_type, JSON)

    def test_what_a_route_cannot_serve_is_406(self):
        cid = min(self.clients)
        self.assert406(self.media("/api/v1/clients/%d" % cid, "text/csv"), [JSON])
        self.assert406(self.media("/api/v1/auth/me", "text/*"), [JSON])
        self.assert406(self.media("/api/v1/centers", "application/xml"), [JSON, CSV])
        self.assert406(self.media("/api/v1/reports/summary", "image/png"), [JSON, CSV])
        self.assert406(self.get("/api/v1/openapi.json", headers={"Accept": "text/csv"}), [JSON])
        self.assert406(self.get("/healthz", headers={"Accept": "text/html"}), [JSON])
        self.assert406(self.get("/metrics", headers={"Accept": "application/json"}), ["text/plain"])
        r = self.get("/metrics", headers={"Accept": PROMETHEUS_ACCEPT})
        self.assertStatus(r, 200)
        self.assertEqual(r.content_type, "text/plain")
        # a single record answers JSON to */* and to nothing
        for accept in (None, "*/*", "application/json;q=0.1"):
            r = self.media("/api/v1/clients/%d" % cid, accept)
            self.assertStatus(r, 200)
            self.assertEqual(r.content_type, JSON)

    def test_errors_are_problems_whatever_accept_says(self):
        r = self.media("/api/v1/centers?limit=0", "text/csv")
        self.assertProblem(r, 400)
        r = self.media("/api/v1/clients/999999999", "application/json")
        self.assertProblem(r, 404)
        r = self.client.get("/api/v1/centers", headers={"Accept": "text/csv"})
        self.assertProblem(r, 401)

    def test_reports_serve_csv(self):
        r = self.media("/api/v1/reports/centers-by-type", "text/csv")
        self.assertStatus(r, 200)
        self.assertEqual(r.content_type, CSV)
        self.assertTrue(r.text.lstrip("\ufeff").startswith("type,"), r.text[:80])

    # -- ?format= ---------------------------------------------------------------------------------------------------
    def test_format_wins_over_accept(self):
        r = self.media("/api/v1/centers?format=csv", "application/json")
        self.assertStatus(r, 200)
        self.assertEqual(r.content_type, CSV)
        r = self.media("/api/v1/centers?format=json", "text/csv")
        self.assertStatus(r, 200)
        self.assertEqual(r.content_type, JSON)
        r = self.media("/api/v1/reports/overdue-loans?format=csv", None)
        self.assertStatus(r, 200)
        self.assertEqual(r.content_type, CSV)

    def test_an_unserved_format_is_a_field_error_naming_the_formats(self):
        for f in ("xlsx", "CSV", ""):
            with self.subTest(format=f):
                body = self.assertFields(self.req("GET", "/api/v1/centers?format=" + f, "admin"), 400, ["format"])
                self.assertEqual(body["errors"][0]["code"], "format.choice")
                self.assertIn("json, csv", body["errors"][0]["message"])
        # a route without CSV does not take format at all
        self.assertUnknown(self.req("GET", "/api/v1/auth/me?format=json", "admin"), "format")

    # -- Link ------------------------------------------------------------------------------------------------------
    def follow(self, first, who="admin", accept=None, rows=lambda r: r.json()["items"]):
        """Every page from first by Link rel="next": the rows and the number of pages."""
        out, url, pages = [], first, 0
        while url:
            r = self.media(url, accept, who) if who else self.get(url, headers={"Accept": accept or JSON})
            self.assertStatus(r, 200)
            out += rows(r)
            nxt = link_next(r)
            if r.content_type == JSON:
                cur = r.json()["next_cursor"]
                self.assertEqual(nxt is None, cur is None)
                if cur:
                    self.assertEqual(urllib.parse.parse_qs(urllib.parse.urlsplit(nxt).query)["cursor"], [cur])
            else:
                self.assertEqual(nxt is None, r.headers.get("X-Next-Cursor") is None)
            url = nxt
            pages += 1
        return out, pages

    def test_following_link_gives_every_row_once(self):
        everything = self.get("/api/v1/counties?province=IR-07&limit=500").json()["items"]
        self.assertGreater(len(everything), 7)
        rows, pages = self.follow("/api/v1/counties?province=IR-07&limit=3", who=None)
        self.assertEqual(rows, everything)
        self.assertEqual(pages, (len(everything) + 2) // 3)
        # the other parameters are kept, in their order; the next link is relative to this server
        r = self.get("/api/v1/counties?province=IR-07&limit=3")
        self.assertTrue(link_next(r).startswith("/api/v1/counties?province=IR-07&limit=3&cursor="), link_next(r))

    def test_following_link_in_csv(self):
        def csv_rows(r):
            return list(csv.reader(io.StringIO(r.text)))[1:]
        everything = csv_rows(self.media("/api/v1/provinces?format=csv&limit=500", None))
        self.assertEqual(len(everything), 31)
        rows, pages = self.follow("/api/v1/provinces?limit=4", accept="text/csv", rows=csv_rows)
        self.assertEqual(rows, everything)
        self.assertEqual(pages, 8)
        rows, _ = self.follow("/api/v1/provinces?format=csv&limit=10", rows=csv_rows)
        self.assertEqual(rows, everything)

    def test_link_encodes_what_it_carries(self):
        mine = [i for i, p in self.clients.items() if p == self.TEHRAN]
        q = harness.query(province=self.TEHRAN, q="مریم", limit=1)
        rows, pages = self.follow("/api/v1/clients?" + q)
        self.assertEqual(sorted(c["id"] for c in rows), sorted(mine))
        self.assertEqual(pages, len(mine))
        r = self.req("GET", "/api/v1/clients?" + q, "admin")
        link = link_next(r)
        self.assertNotRegex(link, "[^\x21-\x7e]")       # percent-encoded, no raw Persian letters or spaces
        self.assertIn("q=%D9%85%D8%B1%DB%8C%D9%85", link)

    def test_head_carries_link_and_the_last_page_none(self):
        r = self.client.head("/api/v1/provinces?limit=30")
        self.assertStatus(r, 200)
        self.assertIsNotNone(link_next(r))
        r = self.get("/api/v1/provinces?limit=31")
        self.assertIsNone(r.headers.get("Link"))
        self.assertIsNone(r.json()["next_cursor"])

    # -- ?count=true ------------------------------------------------------------------------------------------------
    def test_count_totals_the_whole_filter(self):
        mine = lambda prov: sum(1 for p in self.clients.values() if p == prov)   # noqa: E731
        for who, query, want in (("admin", "", len(self.clients)), ("admin", "&province=IR-07", mine(self.FARS)),
                                 ("teh", "", mine(self.TEHRAN)), ("fars", "", mine(self.FARS)),
                                 ("admin", "&q=" + urllib.parse.quote("مریم"), len(self.clients)),
                                 ("teh", "&q=" + urllib.parse.quote("مریم"), mine(self.TEHRAN))):
            with self.subTest(who=who, query=query):
                body = self.ok("GET", "/api/v1/clients?limit=1&count=true" + query, who).json()
                self.assertEqual((body["total"], body["total_is_lower_bound"]), (want, False), body)
                self.assertEqual(len(body["items"]), 1)
                rows, _ = self.follow("/api/v1/clients?limit=1&count=true" + query, who=who)
                self.assertEqual(len(rows), want)
        r = self.ok("GET", "/api/v1/clients?limit=1&count=true&format=csv", "teh")
        self.assertEqual(r.headers.get("X-Total-Count"), str(mine(self.TEHRAN)))
        self.assertIsNone(r.headers.get("X-Total-Count-Is-Lower-Bound"))
        self.assertIsNone(self.ok("GET", "/api/v1/clients?format=csv", "teh").headers.get("X-Total-Count"))
        body = self.ok("GET", "/api/v1/clients?count=false", "admin").json()
        self.assertNotIn("total", body)
        self.assertNotIn("total", self.ok("GET", "/api/v1/clients", "admin").json())
        body = self.assertFields(self.req("GET", "/api/v1/clients?count=yes", "admin"), 400, ["count"])
        self.assertEqual(body["errors"][0]["code"], "count.choice")
        # lists that are not described resources, and nested ones, do not take it
        for path in ("/api/v1/provinces", "/api/v1/users", "/api/v1/clients/%d/services" % min(self.clients)):
            self.assertUnknown(self.req("GET", path + "?count=true", "admin"), "count")

    def test_count_stops_at_ten_thousand(self):
        self.pg.psql("INSERT INTO campaigns (name, province_code) SELECT 'strict count ' || i, 'IR-05'"
                     " FROM generate_series(1, 10001) i")
        try:
            body = self.ok("GET", "/api/v1/campaigns?province=IR-05&limit=2&count=true", "admin").json()
            self.assertEqual((body["total"], body["total_is_lower_bound"]), (10000, True))
            r = self.ok("GET", "/api/v1/campaigns?province=IR-05&limit=2&count=true&format=csv", "admin")
            self.assertEqual((r.headers.get("X-Total-Count"), r.headers.get("X-Total-Count-Is-Lower-Bound")),
                             ("10000", "true"))
            self.pg.psql("DELETE FROM campaigns WHERE name = 'strict count 10001'")
            body = self.ok("GET", "/api/v1/campaigns?province=IR-05&limit=2&count=true", "admin").json()
            self.assertEqual((body["total"], body["total_is_lower_bound"]), (10000, False))
        finally:
            self.pg.psql("DELETE FROM campaigns WHERE name LIKE 'strict count %'")


if __name__ == "__main__":
    harness.main()
