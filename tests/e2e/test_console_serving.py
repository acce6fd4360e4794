"""How registryd serves the console (issue 15, "Where it lives and how it is served"): every GET /console/... path
answers the shell page (no-store, a strict Content-Security-Policy, lang=fa dir=rtl, the configured idle sign-out);
the assets it names are compiled in, answered with their precompressed bytes by Accept-Encoding and cached as
immutable; HEAD works wherever GET does and never sends a body; Accept-Language: fa gives field errors in Persian;
a configured public origin is the one a cookie write must come from."""

import gzip
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PASSWORD = "Quiet-Meadow-Copper-4417"
COOKIE = "__Host-registry_session"


def shell_assets(text):
    return re.findall(r'(?:href|src)="(/console/assets/[^"]+)"', text)


class ConsoleServingTest(harness.ActorTestCase):
    registry_env = {"REGISTRY_CONSOLE_IDLE_TIMEOUT": "600"}

    @classmethod
    def seed(cls):
        cls.add_actors({"admin": dict(username="serve-admin", role="national_admin")}, PASSWORD)

    def assertConsoleHeaders(self, r):
        csp = r.header("Content-Security-Policy")
        self.assertIsNotNone(csp, "no Content-Security-Policy")
        directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";")}
        for d in ("default-src", "script-src", "style-src", "frame-ancestors", "base-uri", "form-action"):
            self.assertIn(d, directives, csp)
        self.assertEqual(directives["frame-ancestors"], "frame-ancestors 'none'")
        self.assertEqual(directives["base-uri"], "base-uri 'none'")
        self.assertEqual(directives["form-action"], "form-action 'self'")
        self.assertEqual(directives["script-src"], "script-src 'self'")
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("unsafe-eval", csp)
        self.assertEqual(r.header("X-Frame-Options"), "DENY")

    def test_every_console_path_answers_the_shell(self):
        first = None
        for path in ("/console/", "/console/login", "/console/clients/12", "/console/clients?q=%D8%B9%D9%84%DB%8C",
                     "/console/centers/3", "/console/submissions/9", "/console/reports/summary?fiscal_year=1403",
                     "/console/no/such/screen"):
            r = self.client.get(path)
            self.assertStatus(r, 200)
            self.assertEqual(r.content_type, "text/html", path)
            self.assertEqual(r.header("Cache-Control"), "no-store", path)
            self.assertConsoleHeaders(r)
            if first is None:
                first = r.raw
            self.assertEqual(r.raw, first, "%s answered another page" % path)
        text = first.decode("utf-8")
        self.assertIn('<html lang="fa" dir="rtl">', text)
        self.assertIn('<meta name="registry-idle-seconds" content="600">', text)
        self.assertNotIn("@IDLE_SECONDS@", text)
        # no inline script or style: everything the page runs is a file the CSP allows
        self.assertNotRegex(text, r"<script(?![^>]*\bsrc=)[^>]*>")
        self.assertNotRegex(text, r"<style|\bstyle=")
        self.assertTrue(shell_assets(text), "the shell names no assets")

    def test_console_without_slash_redirects_and_writes_are_refused(self):
        r = self.client.get("/console")
        self.assertStatus(r, 301)
        self.assertEqual(r.header("Location"), "/console/")
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            r = self.client.request(method, "/console/clients/1", body={})
            self.assertStatus(r, 405)
            self.assertEqual(r.header("Allow"), "GET, HEAD")

    def test_assets_are_precompressed_hashed_and_immutable(self):
        text = self.client.get("/console/").text
        seen_br = seen_gzip = 0
        for path in shell_assets(text):
            self.assertRegex(path, r"-[A-Z0-9]{8}\.(js|css|woff2)$", "not a hashed name")
            plain = self.client.get(path, headers={"Accept-Encoding": "identity"})
            self.assertStatus(plain, 200)
            self.assertIsNone(plain.header("Content-Encoding"))
            self.assertEqual(plain.header("Cache-Control"), "public, max-age=31536000, immutable")
            self.assertConsoleHeaders(plain)
            gz = self.client.get(path, headers={"Accept-Encoding": "gzip"})
            br = self.client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
            if gz.header("Content-Encoding") == "gzip":
                seen_gzip += 1
                self.assertEqual(gzip.decompress(gz.raw), plain.raw, path)
                self.assertLess(len(gz.raw), len(plain.raw))
                self.assertEqual(gz.header("Vary"), "Accept-Encoding")
            else:
                self.assertTrue(path.endswith(".woff2"), "%s is not compressed" % path)
                self.assertEqual(gz.raw, plain.raw)
            if br.header("Content-Encoding") == "br":
                seen_br += 1
                self.assertLess(len(br.raw), len(gz.raw), path)
            no_br = self.client.get(path, headers={"Accept-Encoding": "br;q=0, gzip"})
            self.assertNotEqual(no_br.header("Content-Encoding"), "br")
        self.assertGreaterEqual(seen_gzip, 2)   # the script and the style sheet at least
        self.assertGreaterEqual(seen_br, 2)
        r = self.client.get("/console/assets/main-NOSUCHHH.js")
        self.assertStatus(r, 404)

    def head_then_get(self, path, headers=b""):
        """HEAD path and GET /healthz written together on one new connection (http.client never reads a body after
        HEAD, so only raw bytes can show one leaking): the HEAD's header block, which must be all it sent."""
        raw = self.client.raw_tls(
            b"HEAD " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n"
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=10)
        heads = raw.split(b"HTTP/1.1 ")
        self.assertEqual(len(heads), 3, raw[:400])
        self.assertTrue(heads[1].startswith(b"200"), heads[1][:200])
        self.assertTrue(heads[1].endswith(b"\r\n\r\n"), "the HEAD reply carried a body: %r" % heads[1][-200:])
        self.assertTrue(heads[2].startswith(b"200"), heads[2][:200])
        return {k.strip().lower(): v.strip() for k, _, v in
                (line.decode("latin-1").partition(":") for line in heads[1].split(b"\r\n")[1:] if b":" in line)}

    def test_head_answers_like_get_without_a_body(self):
        # the API, the shell and a brotli asset: the same headers as the GET, its Content-Length, no body
        tok = self.tok["admin"]
        cases = [("/api/v1/provinces", {"Authorization": "Bearer " + tok}),
                 ("/console/", {}),
                 (shell_assets(self.client.get("/console/").text)[-1], {"Accept-Encoding": "br"})]
        for path, hdrs in cases:
            get = self.client.get(path, headers=hdrs)
            self.assertStatus(get, 200)
            head = self.head_then_get(path, b"".join(b"%s: %s\r\n" % (k.encode(), v.encode())
                                                     for k, v in hdrs.items()))
            self.assertEqual(int(head["content-length"]), len(get.raw), path)
            self.assertGreater(len(get.raw), 0, path)
            for h in ("content-type", "content-encoding", "cache-control", "content-security-policy", "etag"):
                self.assertEqual(head.get(h), get.header(h), "%s: %s" % (path, h))
        # a path whose GET is not a route is 405 to HEAD as well, naming what it allows
        r = self.client.head("/api/v1/auth/login")
        self.assertStatus(r, 405)
        self.assertEqual(r.header("Allow"), "POST")
        r = self.client.request("DELETE", "/api/v1/provinces", token=self.tok["admin"])
        self.assertStatus(r, 405)
        self.assertEqual(r.header("Allow"), "GET, HEAD")

    def test_field_errors_speak_persian_when_asked(self):
        body = {"first_name": "", "last_name": "x", "national_id": "0000000001", "sex": "q"}
        en = self.req("POST", "/api/v1/clients", "admin", body=body, headers={"Accept-Language": "en"})
        fa = self.req("POST", "/api/v1/clients", "admin", body=body,
                      headers={"Accept-Language": "fa-IR,fa;q=0.9,en;q=0.8"})
        self.assertStatus(en, 422)
        self.assertStatus(fa, 422)
        en_errors = {e["code"]: e["message"] for e in en.json()["errors"]}
        fa_errors = {e["code"]: e["message"] for e in fa.json()["errors"]}
        self.assertEqual(set(en_errors), set(fa_errors))
        persian = re.compile("[\u0600-\u06FF]")
        for code, msg in fa_errors.items():
            self.assertRegex(msg, persian, code)
            self.assertNotRegex(en_errors[code], persian, code)


class PublicOriginTest(harness.ActorTestCase):
    """Behind a proxy the Host header is not the console's origin: REGISTRY_PUBLIC_ORIGIN is, and only it."""
    registry_env = {"REGISTRY_PUBLIC_ORIGIN": "https://registry.example.org"}

    @classmethod
    def seed(cls):
        cls.add_actors({"admin": dict(username="origin-admin", role="national_admin")}, PASSWORD)

    def test_only_the_configured_origin_may_write_by_cookie(self):
        r = self.client.post("/api/v1/auth/login?cookie=true", {"username": "origin-admin", "password": PASSWORD})
        self.assertStatus(r, 200)
        token = r.headers.get_all("Set-Cookie")[0].split("=", 1)[1].split(";")[0]
        body = {"current_password": "wrong-" + PASSWORD, "new_password": "Another-Long-Pass-2291"}
        for origin in ("https://127.0.0.1:%d" % self.client.port, "https://evil.example.org", None):
            h = {"Cookie": "%s=%s" % (COOKIE, token)}
            if origin:
                h["Origin"] = origin
            r = self.client.request("POST", "/api/v1/auth/password", body=body, headers=h)
            self.assertStatus(r, 403)
        # past the gate from the configured origin, or by the browser's own Sec-Fetch-Site: the wrong current
        # password is the answer, not the gate's 403
        for extra in ({"Origin": "https://registry.example.org"}, {"Sec-Fetch-Site": "same-origin"}):
            h = {"Cookie": "%s=%s" % (COOKIE, token)}
            h.update(extra)
            r = self.client.request("POST", "/api/v1/auth/password", body=body, headers=h)
            self.assertStatus(r, 422)
            self.assertIn("current_password.wrong", [e.get("code") for e in r.json()["errors"]], r.text)


if __name__ == "__main__":
    harness.main()
