"""The console's session (issue 15, "Sign-in and safety"): POST /api/v1/auth/login?cookie=true puts the session in a
__Host- cookie that scripts cannot read (HttpOnly, Secure, SameSite=Strict; the token is not in the body); the gate
takes that cookie when there is no Authorization header; a cookie request with an unsafe method must come from the
server's own origin (Origin or Sec-Fetch-Site: same-origin) or it is refused 403 and does nothing; bearer requests are
unchanged; signing out by the cookie clears it; GET / sends a browser to /console/."""

import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PASSWORD = "Amber-Lantern-Harbor-7731"
COOKIE = "__Host-registry_session"
DENIED = "cross-site request refused"


class ConsoleSessionTest(harness.ActorTestCase):

    @classmethod
    def seed(cls):
        cls.add_actors({"admin": dict(username="cs-admin", role="national_admin")}, PASSWORD)
        with cls.registry.client() as c:
            cls.COUNTY = harness.county_ids(c, "IR-23")[0]
            cls.CENTER = harness.seed_request(c, "POST", "/api/v1/centers", {
                "name": "مرکز روزانه آزمون", "type": "rehabilitation_day", "sector": "public",
                "county_id": cls.COUNTY}, token=cls.tok["admin"])["id"]

    # -- helpers -------------------------------------------------------------------------------------------------
    def cookie_login(self):
        """Signs in with ?cookie=true; returns (response, the Set-Cookie header, the token in it)."""
        r = self.client.post("/api/v1/auth/login?cookie=true", {"username": "cs-admin", "password": PASSWORD})
        self.assertStatus(r, 200)
        set_cookies = r.headers.get_all("Set-Cookie") or []
        self.assertEqual(len(set_cookies), 1, set_cookies)
        name, _, rest = set_cookies[0].partition("=")
        self.assertEqual(name, COOKIE)
        return r, set_cookies[0], rest.split(";")[0]

    def own_origin(self):
        return "https://127.0.0.1:%d" % self.client.port

    def as_cookie(self, method, path, token, body=None, headers=None):
        h = {"Cookie": "%s=%s" % (COOKIE, token)}
        h.update(headers or {})
        return self.client.request(method, path, body=body, headers=h)

    def audit_rows(self):
        return int(self.pg.psql("SELECT count(*) FROM audit_log").strip())

    def center_names(self):
        r = self.client.get("/api/v1/centers?limit=100", token=self.tok["admin"])
        self.assertStatus(r, 200)
        return {c["name"] for c in r.json()["items"]}

    # -- sign-in ---------------------------------------------------------------------------------------------------
    def test_cookie_login_sets_a_host_cookie_and_keeps_the_token_out_of_the_body(self):
        r, set_cookie, token = self.cookie_login()
        self.assertEqual(len(token), 43, set_cookie)
        # no Max-Age or Expires: the cookie ends with the browser (the server's session TTL bounds it anyway)
        self.assertEqual(set_cookie, "%s=%s; Path=/; Secure; HttpOnly; SameSite=Strict" % (COOKIE, token))
        self.assertNotIn("domain", set_cookie.lower())
        body = r.json()
        self.assertNotIn("token", body)
        self.assertNotIn(token, r.text)
        self.assertEqual(body["user"]["username"], "cs-admin")
        self.assertTrue(body["expires_at"])

    def test_login_without_cookie_is_unchanged(self):
        r = self.client.post("/api/v1/auth/login", {"username": "cs-admin", "password": PASSWORD})
        self.assertStatus(r, 200)
        self.assertIsNone(r.header("Set-Cookie"))
        self.assertEqual(len(r.json()["token"]), 43)
        r = self.client.post("/api/v1/auth/login?cookie=yes", {"username": "cs-admin", "password": PASSWORD})
        self.assertProblem(r, 400)

    # -- the gate --------------------------------------------------------------------------------------------------
    def test_a_cookie_reads_without_origin(self):
        _, _, token = self.cookie_login()
        r = self.as_cookie("GET", "/api/v1/auth/me", token)
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["username"], "cs-admin")
        r = self.as_cookie("GET", "/api/v1/auth/me", "A" * 43)
        self.assertProblem(r, 401)

    def test_a_cookie_write_from_elsewhere_is_refused_and_does_nothing(self):
        _, _, token = self.cookie_login()
        name = "مرکز جعلی " + uuid.uuid4().hex[:8]
        center = {"name": name, "type": "rehabilitation_day", "sector": "public", "county_id": self.COUNTY}
        path = "/api/v1/centers/%d" % self.CENTER
        got = self.client.get(path, token=self.tok["admin"])
        self.assertStatus(got, 200)
        before = self.audit_rows()
        for headers in ({}, {"Origin": "https://evil.example"}, {"Origin": "http://127.0.0.1:%d" % self.client.port},
                        {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}):
            r = self.as_cookie("POST", "/api/v1/centers", token, center, headers)
            self.assertEqual(self.assertProblem(r, 403)["detail"], DENIED, headers)
        for headers in ({}, {"Origin": "https://evil.example"}):
            h = dict(headers, **{"If-Match": got.header("ETag")})
            r = self.as_cookie("PATCH", path, token, {"capacity": 7}, h)
            self.assertEqual(self.assertProblem(r, 403)["detail"], DENIED, headers)
        # refused before any database work: not even a refusal record
        self.assertEqual(self.audit_rows(), before)
        self.assertNotIn(name, self.center_names())
        after = self.client.get(path, token=self.tok["admin"])
        self.assertEqual(after.header("ETag"), got.header("ETag"))
        self.assertEqual(after.json(), got.json())

    def test_a_cookie_write_from_the_own_origin_works(self):
        _, _, token = self.cookie_login()
        for headers in ({"Origin": self.own_origin()}, {"Sec-Fetch-Site": "same-origin"}):
            name = "مرکز روزانه " + uuid.uuid4().hex[:8]
            r = self.as_cookie("POST", "/api/v1/centers", token, {
                "name": name, "type": "rehabilitation_day", "sector": "public", "county_id": self.COUNTY}, headers)
            self.assertStatus(r, 201, repr(headers))
            self.assertIn(name, self.center_names())
        path = "/api/v1/centers/%d" % self.CENTER
        got = self.client.get(path, token=self.tok["admin"])
        r = self.as_cookie("PATCH", path, token, {"capacity": 9},
                           {"Origin": self.own_origin(), "If-Match": got.header("ETag")})
        self.assertStatus(r, 200)
        self.assertEqual(self.client.get(path, token=self.tok["admin"]).json()["capacity"], 9)

    def test_bearer_requests_need_no_origin_and_win_over_the_cookie(self):
        name = "مرکز بی‌مبدأ " + uuid.uuid4().hex[:8]
        r = self.client.post("/api/v1/centers", {"name": name, "type": "rehabilitation_day", "sector": "public",
                                                 "county_id": self.COUNTY}, token=self.tok["admin"])
        self.assertStatus(r, 201)
        # a bearer header wins: a bad cookie beside it changes nothing, a bad bearer is 401 whatever the cookie
        h = {"Cookie": "%s=%s" % (COOKIE, "B" * 43)}
        r = self.client.request("GET", "/api/v1/auth/me", headers=h, token=self.tok["admin"])
        self.assertStatus(r, 200)
        _, _, token = self.cookie_login()
        h = {"Cookie": "%s=%s" % (COOKIE, token)}
        r = self.client.request("GET", "/api/v1/auth/me", headers=h, token="C" * 43)
        self.assertProblem(r, 401)

    # -- sign-out --------------------------------------------------------------------------------------------------
    def test_logout_by_cookie_clears_it_and_ends_the_session(self):
        _, _, token = self.cookie_login()
        r = self.as_cookie("POST", "/api/v1/auth/logout", token)
        self.assertEqual(self.assertProblem(r, 403)["detail"], DENIED)
        self.assertStatus(self.as_cookie("GET", "/api/v1/auth/me", token), 200)
        r = self.as_cookie("POST", "/api/v1/auth/logout", token, headers={"Origin": self.own_origin()})
        self.assertStatus(r, 204)
        self.assertEqual(r.headers.get_all("Set-Cookie"),
                         ["%s=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict" % COOKIE])
        self.assertProblem(self.as_cookie("GET", "/api/v1/auth/me", token), 401)

    def test_bearer_logout_sets_no_cookie(self):
        tok = harness.login(self.client, "cs-admin", PASSWORD)["token"]
        r = self.client.post("/api/v1/auth/logout", token=tok)
        self.assertStatus(r, 204)
        self.assertIsNone(r.header("Set-Cookie"))

    # -- the console's entry ---------------------------------------------------------------------------------------
    def test_root_redirects_to_the_console(self):
        r = self.client.get("/")
        self.assertStatus(r, 302)
        self.assertEqual(r.header("Location"), "/console/")


if __name__ == "__main__":
    harness.main()
