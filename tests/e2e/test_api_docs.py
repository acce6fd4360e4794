"""The API reference at /api/v1/docs (issue 16: "a human-readable reference ... served by registryd from the same
description"): a public route of the table (getApiDocs) answering an HTML page under the console's strict
Content-Security-Policy, not cached, compressed by Accept-Encoding, HEAD without a body; its script and style sheet
are hashed, immutable assets of their own that the console's shell never names (so the console's first load does not
grow), and the script reads /api/v1/openapi.json, which describes the page as text/html."""

import gzip
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402


def page_assets(text):
    return re.findall(r'(?:href|src)="(/console/assets/[^"]+)"', text)


class ApiDocsTest(harness.RegistryTestCase):

    def assertStrictPage(self, r):
        csp = r.header("Content-Security-Policy") or ""
        directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
        self.assertEqual(directives.get("script-src"), "script-src 'self'", csp)
        self.assertEqual(directives.get("style-src"), "style-src 'self'", csp)
        self.assertEqual(directives.get("connect-src"), "connect-src 'self'", csp)
        self.assertEqual(directives.get("frame-ancestors"), "frame-ancestors 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("unsafe-eval", csp)
        self.assertEqual(r.header("X-Frame-Options"), "DENY")

    def test_the_page_is_public_html_strict_and_not_cached(self):
        r = self.client.get("/api/v1/docs", headers={"Accept": "text/html", "Accept-Encoding": "identity"})
        self.assertStatus(r, 200)
        self.assertEqual(r.content_type, "text/html")
        self.assertEqual(r.header("Content-Type"), "text/html; charset=utf-8")
        self.assertEqual(r.header("Cache-Control"), "no-store")
        self.assertIsNone(r.header("Content-Encoding"))
        self.assertStrictPage(r)
        text = r.raw.decode("utf-8")
        self.assertIn('<html lang="en" dir="ltr">', text)
        self.assertNotRegex(text, r"<script(?![^>]*\bsrc=)[^>]*>")
        self.assertNotRegex(text, r"<style|\bstyle=")
        # compressed like the console's files, the same page underneath
        gz = self.client.get("/api/v1/docs", headers={"Accept-Encoding": "gzip"})
        self.assertEqual(gz.header("Content-Encoding"), "gzip")
        self.assertEqual(gzip.decompress(gz.raw), r.raw)
        self.assertEqual(gz.header("Vary"), "Accept-Encoding")
        br = self.client.get("/api/v1/docs", headers={"Accept-Encoding": "br"})
        self.assertStatus(br, 200)
        self.assertIn(br.header("Content-Encoding"), ("br", "gzip", None))
        self.assertStrictPage(br)
        # HEAD: the GET's headers and length, no body (http.client reads none after HEAD: the length says it all)
        head = self.client.head("/api/v1/docs", headers={"Accept-Encoding": "identity"})
        self.assertStatus(head, 200)
        self.assertEqual(head.raw, b"")
        self.assertEqual(int(head.header("Content-Length")), len(r.raw))
        self.assertEqual(head.header("Content-Type"), r.header("Content-Type"))
        # only read
        r = self.client.request("POST", "/api/v1/docs", body={})
        self.assertStatus(r, 405)
        self.assertEqual(r.header("Allow"), "GET, HEAD")

    def test_its_files_are_its_own_hashed_and_immutable(self):
        page = self.client.get("/api/v1/docs").text
        assets = page_assets(page)
        self.assertEqual(sorted(a.rsplit(".", 1)[1] for a in assets), ["css", "js"], assets)
        script = None
        for path in assets:
            self.assertRegex(path, r"^/console/assets/docs-[A-Z0-9]{8}\.(js|css)$")
            r = self.client.get(path, headers={"Accept-Encoding": "identity"})
            self.assertStatus(r, 200)
            self.assertEqual(r.header("Cache-Control"), "public, max-age=31536000, immutable")
            if path.endswith(".js"):
                self.assertEqual(r.header("Content-Type"), "text/javascript; charset=utf-8")
                script = r.text
        # the page is written from the server's own description
        self.assertIn("/api/v1/openapi.json", script)
        # the console's shell names none of the reference's files, and the reference none of the console's
        shell = self.client.get("/console/").text
        self.assertEqual([a for a in page_assets(shell) if "/docs-" in a], [])
        self.assertEqual([a for a in assets if not a.startswith("/console/assets/docs-")], [])

    def test_the_description_describes_the_page(self):
        doc = self.client.get("/api/v1/openapi.json").json()
        op = doc["paths"]["/api/v1/docs"]["get"]
        self.assertEqual(op["operationId"], "getApiDocs")
        self.assertEqual(op["tags"], ["meta"])
        self.assertEqual(op["security"], [], "public: no token")
        self.assertEqual(list(op["responses"]["200"]["content"]), ["text/html"])


if __name__ == "__main__":
    harness.main()
