"""Smoke test: the server starts against a freshly migrated database and answers the basic public endpoints."""

import csv
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402


def _csv_rows(name):
    with open(os.path.join(harness.source_dir(), "migrations", "data", name), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class SmokeTest(harness.RegistryTestCase):

    def test_healthz(self):
        r = self.client.get("/healthz")
        self.assertStatus(r, 200)

    def test_readyz(self):
        r = self.client.get("/readyz")
        self.assertStatus(r, 200)

    def test_common_headers(self):
        for path in ("/healthz", "/api/v1/provinces", "/api/v1/nope"):
            r = self.client.get(path)
            self.assertTrue((r.headers.get("X-Request-Id") or "").strip(), "X-Request-Id missing on %s" % path)
            self.assertTrue(r.headers.get("Strict-Transport-Security"),
                            "Strict-Transport-Security missing on %s" % path)

    def test_request_ids_differ(self):
        a = self.client.get("/healthz").headers.get("X-Request-Id")
        b = self.client.get("/healthz").headers.get("X-Request-Id")
        self.assertNotEqual(a, b)

    def test_provinces(self):
        r = self.client.get("/api/v1/provinces")
        self.assertStatus(r, 200)
        self.assertEqual(r.content_type, "application/json")
        body = r.json()
        self.assertIsInstance(body, dict)
        self.assertIn("items", body)
        self.assertIn("next_cursor", body)
        self.assertIsNone(body["next_cursor"])
        items = body["items"]
        self.assertIsInstance(items, list)
        self.assertEqual(len(items), 31)
        for p in items:
            self.assertRegex(p.get("code") or "", r"^IR-\d\d$", p)
            for k in ("name_fa", "name_en"):
                self.assertIsInstance(p.get(k), str, p)
                self.assertTrue(p[k].strip(), p)
        codes = [p["code"] for p in items]
        self.assertEqual(len(set(codes)), 31, "duplicate province codes")
        self.assertEqual(set(codes), {row["code"] for row in _csv_rows("provinces.csv")})
        self.assertIn("IR-08", codes)

    def test_counties_of_a_province(self):
        r = self.client.get("/api/v1/counties?province=IR-08")
        self.assertStatus(r, 200)
        self.assertEqual(r.content_type, "application/json")
        body = r.json()
        self.assertIsInstance(body, dict)
        items = body.get("items")
        self.assertIsInstance(items, list, body)
        expected = [row for row in _csv_rows("counties.csv") if row["province_code"] == "IR-08"]
        self.assertEqual(len(expected), 23)   # the seed data itself
        self.assertEqual(len(items), 23)
        ids = set()
        for c in items:
            for k in ("id", "province", "name_fa", "name_en"):
                self.assertIn(k, c, c)
            self.assertIsNotNone(c["id"], c)
            ids.add(c["id"])
            self.assertEqual(c["province"], "IR-08", c)
            self.assertTrue(c["name_fa"].strip() and c["name_en"].strip(), c)
        self.assertEqual(len(ids), 23, "county ids are not unique")

    def test_unknown_route_is_problem_404(self):
        r = self.client.get("/api/v1/nope")
        body = self.assertProblem(r, 404)
        self.assertIsInstance(body["type"], str)
        self.assertIsInstance(body["title"], str)

    def test_keep_alive(self):
        before = self.client.connections_opened
        for _ in range(5):
            self.assertStatus(self.client.get("/healthz"), 200)
        self.assertLessEqual(self.client.connections_opened - before, 1, "the connection was not kept alive")


if __name__ == "__main__":
    harness.main()
