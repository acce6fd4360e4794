"""The HTTP surface's extras (issue 16): gzip of dynamic replies (by Accept-Encoding and size, Vary, HEAD as GET,
never the sign-in's token), CORS for the configured origins only (preflights allowed and denied, headers of actual
replies, never credentials), /metrics (build info, process_*, login failures, lock-outs and rate-limit refusals
counted one by one, a valid exposition), national_viewer as the oversight role (reads users and the whole audit
trail, writes nothing, and the database agrees), and a replayed Idempotency-Key after the submission's decision."""

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PASSWORD = "Lantern-Orchard-Maple-4417"
ORIGIN = "https://app.example.test"
DEV_ORIGIN = "http://localhost:5173"
RATE = 6        # searches a minute per token: small enough to reach here
q = harness.query
national_id = harness.national_id_sequence(418330007, 17)
_n = iter(range(1, 1_000_000))


def word():
    return "سامان%d" % next(_n)


def gz(accept="gzip, deflate, br"):
    return {"Accept-Encoding": accept}


class HttpExtrasTest(harness.ActorTestCase):
    registry_env = {"REGISTRY_CORS_ORIGINS": "%s, %s" % (ORIGIN, DEV_ORIGIN), "REGISTRY_RATE_LIMIT": RATE}

    @classmethod
    def seed(cls):
        cls.seed_cast("ext", PASSWORD, word)
        with cls.registry.client() as c:
            # 50 clients: the list the gzip tests read (a realistic page: Persian names, dates in both calendars)
            for i in range(50):
                harness.seed_request(c, "POST", "/api/v1/clients", {
                    "national_id": national_id(), "first_name": "مریم", "last_name": word(),
                    "birth_date": "1980-01-%02d" % (i % 28 + 1), "sex": "female", "county_id": cls.TEH_A,
                    "center_id": cls.CENTER_PUB, "disability": {"type": "physical", "severity": "moderate"}},
                    token=cls.tok["county"])
            # a user whose sign-in reply is over 1 KB: a long username and a long full name (4-byte characters)
            cls.long_user = "ext-" + "l" * 60
            harness.add_user(cls.registry, cls.long_user, "national_viewer", PASSWORD, full_name="𠀀" * 200)
            cls.add_actors({"victim": dict(username="ext-victim", role="provincial_officer", province=cls.TEHRAN)},
                           PASSWORD)

    def clients_page(self, headers=None, method="GET"):
        return self.req(method, "/api/v1/clients?" + q(county_id=self.TEH_A, limit=50), "admin", headers=headers)

    # -- gzip ---------------------------------------------------------------------------------------------------------
    def test_gzip_when_accepted_and_big_enough(self):
        plain = self.clients_page()
        self.assertStatus(plain, 200)
        self.assertGreaterEqual(len(plain.json()["items"]), 50)
        self.assertGreater(len(plain.raw), 1024)
        self.assertIsNone(plain.header("Content-Encoding"), "identity was asked for")
        self.assertIn("Accept-Encoding", plain.header("Vary", ""))
        zipped = self.clients_page(gz())
        self.assertStatus(zipped, 200)
        self.assertEqual(zipped.header("Content-Encoding"), "gzip")
        self.assertIn("Accept-Encoding", zipped.header("Vary", ""))
        self.assertEqual(int(zipped.header("Content-Length")), len(zipped.raw))
        body = gzip.decompress(zipped.raw)
        self.assertEqual(json.loads(body), plain.json(), "the gzip holds the same JSON")
        self.assertLess(len(zipped.raw), len(plain.raw) / 3)
        print("\n  50-row client list: %d bytes, %d gzipped" % (len(plain.raw), len(zipped.raw)), file=sys.stderr)
        # what the client refuses is never sent
        for refused in ("gzip;q=0", "br", "identity", "deflate"):
            r = self.clients_page(gz(refused))
            self.assertIsNone(r.header("Content-Encoding"), refused)
            self.assertEqual(r.json(), plain.json())
        # HEAD says what GET sends: the same encoding and length, no body
        head = self.clients_page(gz(), method="HEAD")
        self.assertStatus(head, 200)
        self.assertEqual(head.header("Content-Encoding"), "gzip")
        self.assertEqual(head.header("Content-Length"), zipped.header("Content-Length"))
        self.assertEqual(head.raw, b"")

    def test_small_replies_stay_plain_but_vary(self):
        r = self.req("GET", "/api/v1/clients?" + q(county_id=self.TEH_A, limit=1), "admin", headers=gz())
        self.assertStatus(r, 200)
        self.assertLess(len(r.raw), 1024)
        self.assertIsNone(r.header("Content-Encoding"))
        self.assertIn("Accept-Encoding", r.header("Vary", ""), "the same request may be compressed when bigger")
        # a big problem+json is compressed like any JSON; /metrics too
        m = self.client.get("/metrics", headers=gz())
        self.assertEqual(m.header("Content-Encoding"), "gzip")
        self.assertIn(b"registry_build_info", gzip.decompress(m.raw))

    def test_the_description_is_gzipped_too(self):
        plain = self.client.get("/api/v1/openapi.json")
        self.assertStatus(plain, 200)
        self.assertIn("Accept-Encoding", plain.header("Vary", ""))
        for _ in range(2):      # compressed once, then the same bytes each time
            z = self.client.get("/api/v1/openapi.json", headers=gz("gzip"))
            self.assertEqual(z.header("Content-Encoding"), "gzip")
            self.assertIn("Accept-Encoding", z.header("Vary", ""))
            self.assertEqual(json.loads(gzip.decompress(z.raw)), plain.json())
        self.assertLess(len(z.raw), len(plain.raw) / 4)

    def test_the_sign_in_reply_is_never_compressed(self):
        r = self.client.post("/api/v1/auth/login", {"username": self.long_user, "password": PASSWORD}, headers=gz())
        self.assertStatus(r, 200)
        self.assertIn("token", r.json())
        self.assertGreater(len(r.raw), 1024, "big enough that only the BREACH rule keeps it plain")
        self.assertIsNone(r.header("Content-Encoding"))
        self.assertNotIn("Accept-Encoding", r.header("Vary", ""), "never compressed, so nothing varies")
        me = self.client.get("/api/v1/auth/me", headers=gz(), token=r.json()["token"])
        self.assertStatus(me, 200)
        self.assertIsNone(me.header("Content-Encoding"))

    def test_console_assets_keep_their_own_precompressed_versions(self):
        shell = self.client.get("/console/", headers=gz())
        self.assertStatus(shell, 200)
        asset = re.search(r'/console/assets/[^"\']+\.js', shell.text)
        self.assertIsNotNone(asset, shell.text[:300])
        r = self.client.get(asset.group(0), headers=gz("gzip"))
        self.assertStatus(r, 200)
        self.assertEqual(r.header("Content-Encoding"), "gzip")
        gzip.decompress(r.raw)      # compressed once, not twice
        self.assertEqual(len(r.headers.get_all("Content-Encoding")), 1)

    # -- CORS ---------------------------------------------------------------------------------------------------------
    def preflight(self, origin, method="POST", path="/api/v1/clients", headers="authorization, content-type"):
        h = {"Origin": origin, "Access-Control-Request-Method": method}
        if headers:
            h["Access-Control-Request-Headers"] = headers
        return self.client.request("OPTIONS", path, headers=h)

    @staticmethod
    def cors_headers(r):
        return {k: v for k, v in r.headers.items() if k.lower().startswith("access-control-")}

    def test_a_listed_origins_preflight(self):
        for origin in (ORIGIN, DEV_ORIGIN):
            r = self.preflight(origin)
            self.assertStatus(r, 204)
            self.assertEqual(r.header("Access-Control-Allow-Origin"), origin)
            methods = [m.strip() for m in r.header("Access-Control-Allow-Methods").split(",")]
            self.assertEqual(set(methods), {"GET", "HEAD", "POST"})
            allowed = {h.strip().lower() for h in r.header("Access-Control-Allow-Headers").split(",")}
            self.assertTrue({"authorization", "content-type", "if-match", "if-none-match", "idempotency-key",
                             "accept-language"} <= allowed, allowed)
            self.assertGreater(int(r.header("Access-Control-Max-Age")), 0)
            self.assertIn("Origin", r.header("Vary", ""))
            self.assertIsNone(r.header("Access-Control-Allow-Credentials"), "bearer tokens only")
        r = self.preflight(ORIGIN, "PATCH", "/api/v1/clients/%d" % 1, "if-match, content-type, authorization")
        self.assertStatus(r, 204)
        self.assertIn("PATCH", r.header("Access-Control-Allow-Methods"))

    def test_an_unlisted_origins_preflight_gets_nothing(self):
        for origin in ("https://evil.example", "https://app.example.test.evil.example", "http://app.example.test",
                       "https://APP.example.test", "null"):
            r = self.preflight(origin)
            self.assertStatus(r, 204)
            self.assertEqual(self.cors_headers(r), {}, origin)
            self.assertEqual(r.header("Allow"), "GET, HEAD, POST", "answered as a plain OPTIONS")
        # a plain OPTIONS (no preflight) from a listed origin, and an unknown path
        r = self.client.request("OPTIONS", "/api/v1/clients", headers={"Origin": ORIGIN})
        self.assertStatus(r, 204)
        self.assertEqual(self.cors_headers(r), {})
        self.assertProblem(self.preflight(ORIGIN, path="/api/v1/no-such-thing"), 404)

    def test_actual_replies_to_listed_origins(self):
        r = self.req("GET", "/api/v1/clients?" + q(county_id=self.TEH_A, limit=2), "admin", headers={"Origin": ORIGIN})
        self.assertStatus(r, 200)
        self.assertEqual(r.header("Access-Control-Allow-Origin"), ORIGIN)
        exposed = {h.strip().lower() for h in r.header("Access-Control-Expose-Headers").split(",")}
        self.assertTrue({"etag", "location", "link", "x-next-cursor", "retry-after", "x-request-id"} <= exposed)
        self.assertIsNone(r.header("Access-Control-Allow-Credentials"))
        self.assertIn("Origin", r.header("Vary", ""))
        # errors too, so the page can read them (a 401 without a token)
        r = self.client.get("/api/v1/clients", headers={"Origin": ORIGIN})
        self.assertStatus(r, 401)
        self.assertEqual(r.header("Access-Control-Allow-Origin"), ORIGIN)
        # other origins, and the console (same-origin only), get no CORS header
        r = self.req("GET", "/api/v1/clients?limit=1", "admin", headers={"Origin": "https://evil.example"})
        self.assertStatus(r, 200)
        self.assertEqual(self.cors_headers(r), {})
        self.assertIn("Origin", r.header("Vary", ""))
        r = self.client.get("/console/", headers={"Origin": ORIGIN})
        self.assertEqual(self.cors_headers(r), {})

    def test_the_cookie_never_crosses_origins(self):
        # even a listed origin's page cannot write with the console's cookie: the Origin check refuses it
        r = self.client.post("/api/v1/auth/login?cookie=true", {"username": self.uname["admin"], "password": PASSWORD})
        self.assertStatus(r, 200)
        cookie = r.header("Set-Cookie").split(";")[0]
        w = self.client.post("/api/v1/centers", {"name": "x " + word(), "type": "rehabilitation_day",
                                                 "sector": "public", "county_id": self.TEH_A},
                             headers={"Cookie": cookie, "Origin": ORIGIN})
        self.assertProblem(w, 403)
        self.assertIsNone(w.header("Access-Control-Allow-Credentials"))

    # -- /metrics -------------------------------------------------------------------------------------------------------
    def metrics_text(self):
        r = self.client.get("/metrics")
        self.assertStatus(r, 200)
        return r.text

    def test_metrics_names_and_format(self):
        text = self.metrics_text()
        for name in ("registry_build_info", "process_cpu_seconds_total", "process_resident_memory_bytes",
                     "process_open_fds", "process_max_fds", "process_start_time_seconds",
                     "registry_login_failures_total", "registry_login_lockouts_total", "registry_rate_limited_total"):
            self.assertRegex(text, r"(?m)^%s(\{[^}]*\})? [0-9.e+-]+$" % name, name)
            self.assertIn("# TYPE %s " % name, text)
        self.assertRegex(text, r'(?m)^registry_build_info\{version="\d+\.\d+\.\d+"(,commit="[0-9a-f]+")?\} 1$')
        self.assertGreater(harness.metric(self.client, "process_resident_memory_bytes"), 1 << 20)
        self.assertGreater(harness.metric(self.client, "process_open_fds"), 3)
        self.assertGreater(harness.metric(self.client, "process_start_time_seconds"), 1.7e9)
        check_exposition(self, text)
        promtool = shutil.which("promtool")
        if promtool:    # the reference checker where it is installed; check_exposition above always runs
            p = subprocess.run([promtool, "check", "metrics"], input=text.encode(), capture_output=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stdout.decode() + p.stderr.decode())

    def test_failed_logins_and_lockouts_are_counted(self):
        fails = harness.metric(self.client, "registry_login_failures_total")
        locks = harness.metric(self.client, "registry_login_lockouts_total")
        for i in range(5):      # 5 failures of one username from one address lock it there (README, sign-in)
            self.assertProblem(self.client.post("/api/v1/auth/login", {"username": "ext-victim",
                                                                         "password": "Wrong-Guess-%d-q" % i}), 401)
        self.assertEqual(harness.metric(self.client, "registry_login_failures_total"), fails + 5)
        self.assertEqual(harness.metric(self.client, "registry_login_lockouts_total"), locks)
        for _ in range(2):
            self.assertProblem(self.client.post("/api/v1/auth/login", {"username": "ext-victim",
                                                                         "password": PASSWORD}), 429)
        self.assertEqual(harness.metric(self.client, "registry_login_lockouts_total"), locks + 2)
        self.assertEqual(harness.metric(self.client, "registry_login_failures_total"), fails + 5,
                         "a refusal is not a wrong password")

    def test_rate_limit_refusals_are_counted(self):
        before = harness.metric(self.client, "registry_rate_limited_total")
        refused = 0
        for _ in range(4 * RATE):       # searches on one token until the limit refuses some
            r = self.req("GET", "/api/v1/clients?" + q(q="مریم", limit=1), "teh")
            self.assertIn(r.status, (200, 429))
            refused += r.status == 429
        self.assertGreater(refused, 0)
        self.assertEqual(harness.metric(self.client, "registry_rate_limited_total"), before + refused)

    # -- national_viewer ---------------------------------------------------------------------------------------------
    def test_the_viewer_reads_users_without_secrets(self):
        users = self.all_items("/api/v1/users", "viewer")
        names = {u["username"] for u in users}
        self.assertTrue({self.uname["admin"], self.uname["teh"], self.uname["fars"], self.uname["ngo"]} <= names)
        for u in users:
            self.assertFalse({"password", "password_hash", "token", "token_hash"} & set(u), u)
        one = self.ok("GET", "/api/v1/users/%d" % self.uid["fars"], "viewer")
        self.assertEqual(one.json()["username"], self.uname["fars"])
        # the database agrees: registry_app under the viewer's ticket sees every user
        seen = harness.app_sql(self.pg, "SELECT count(*) FROM users", token=self.tok["viewer"]).strip()
        total = self.pg.psql("SELECT count(*) FROM users").strip()
        self.assertEqual(seen, total)

    def test_the_viewer_reads_the_whole_audit_trail(self):
        # a write in each province, then both in the viewer's trail
        for who, county in (("teh", self.TEH_B), ("fars", self.FARS_A)):
            self.ok("POST", "/api/v1/centers", who, 201, {"name": "مرکز " + word(), "type": "counseling",
                                                         "sector": "public", "county_id": county})
        trail = self.all_items("/api/v1/audit?" + q(action="create", entity="center"), "viewer")
        self.assertTrue({self.TEHRAN, self.FARS} <= {a.get("province") for a in trail}, trail[:3])
        seen = harness.app_sql(self.pg, "SELECT count(*) FROM audit_log", token=self.tok["viewer"]).strip()
        self.assertEqual(seen, self.pg.psql("SELECT count(*) FROM audit_log").strip())
        seen = harness.app_sql(self.pg, "SELECT count(*) FROM read_log", token=self.tok["viewer"]).strip()
        self.assertEqual(seen, self.pg.psql("SELECT count(*) FROM read_log").strip())

    def test_the_viewer_writes_nothing(self):
        user = self.ok("GET", "/api/v1/users/%d" % self.uid["ngo"], "viewer")
        client = self.items("/api/v1/clients?" + q(county_id=self.TEH_A, limit=1), "admin")[0]
        writes = [
            ("POST", "/api/v1/users", {"username": "ext-" + uuid.uuid4().hex[:8], "password": PASSWORD,
                                       "role": "ngo_submitter", "center_id": self.CENTER_NGO}, None),
            ("PATCH", "/api/v1/users/%d" % self.uid["ngo"], {"active": False}, user.header("ETag")),
            ("POST", "/api/v1/centers", {"name": "x " + word(), "type": "counseling", "sector": "public",
                                         "county_id": self.TEH_A}, None),
            ("PATCH", "/api/v1/clients/%d" % client["id"], {"first_name": "نرگس"}, "*"),
            ("DELETE", "/api/v1/clients/%d" % client["id"], None, "*"),
            ("POST", "/api/v1/submissions", {"records": []}, None),
        ]
        for method, path, body, etag in writes:
            h = {"Idempotency-Key": uuid.uuid4().hex}
            if etag:
                h["If-Match"] = etag
            self.assertProblem(self.req(method, path, "viewer", body, headers=h), 403)
        self.assertTrue(self.ok("GET", "/api/v1/users/%d" % self.uid["ngo"], "admin").json()["active"])

    # -- a replayed Idempotency-Key after the decision -------------------------------------------------------------
    def test_replay_after_the_decision_answers_the_first_reply(self):
        records = [{"kind": "client", "data": {"national_id": national_id(), "first_name": "زهرا", "last_name": word(),
                                               "birth_date": "1985-03-21", "sex": "female", "county_id": self.TEH_A}}
                   for _ in range(2)]
        raw = json.dumps({"records": records}, ensure_ascii=False).encode()
        key = "ext-" + uuid.uuid4().hex

        def post():
            return self.client.request("POST", "/api/v1/submissions", body=raw, token=self.tok["ngo"],
                                       headers={"Content-Type": "application/json", "Idempotency-Key": key})
        first = post()
        self.assertStatus(first, 201)
        self.assertIsNone(first.header("Idempotency-Replayed"))
        sid = first.json()["id"]
        self.assertEqual([x["status"] for x in first.json()["results"]], ["valid", "valid"])
        again = post()
        self.assertStatus(again, 201)
        self.assertEqual(again.header("Idempotency-Replayed"), "true")
        # the decision excludes one record: the submission's state changes, the first reply does not
        self.ok("POST", "/api/v1/submissions/%d/decision" % sid, "teh", 200,
                {"decision": "approve", "exclude": [{"index": 0, "reason": "duplicate paper file"}]})
        now = self.ok("GET", "/api/v1/submissions/%d" % sid, "ngo").json()
        self.assertEqual(now["status"], "approved")
        self.assertEqual(now["results"][0]["status"], "invalid")
        replay = post()
        self.assertStatus(replay, 201)
        self.assertEqual(replay.raw, first.raw, "the first reply, byte for byte")
        self.assertEqual(replay.header("Idempotency-Replayed"), "true")
        self.assertEqual(replay.header("Link"), '</api/v1/submissions/%d>; rel="related"' % sid)
        self.assertEqual(replay.header("Location"), "/api/v1/submissions/%d" % sid)
        self.assertEqual(int(self.pg.psql("SELECT count(*) FROM submissions WHERE idempotency_key = %s"
                                          % harness.sql_literal(key)).strip()), 1)
        # the same key with another body is still a conflict
        other = self.client.request("POST", "/api/v1/submissions", body=raw.replace(b"1985", b"1986"),
                                    token=self.tok["ngo"],
                                    headers={"Content-Type": "application/json", "Idempotency-Key": key})
        self.assertProblem(other, 409)


METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
SAMPLE = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? '
                    r'(-?[0-9.]+(?:e[+-]?[0-9]+)?|\+Inf|-Inf|NaN)$')


def check_exposition(test, text):
    """The Prometheus text format (0.0.4) as promtool checks it: HELP and TYPE once per family and before its
    samples, every sample's family typed, counters named *_total, histogram series _bucket/_sum/_count, no family
    split in two, the text ends with a newline."""
    test.assertTrue(text.endswith("\n"))
    typed, helped, done, current = {}, set(), set(), None
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            name = parts[2]
            test.assertRegex(name, METRIC_NAME)
            test.assertNotIn(name, done, "family %s split" % name)
            if parts[1] == "TYPE":
                test.assertNotIn(name, typed, line)
                test.assertIn(parts[3], ("counter", "gauge", "histogram", "summary", "untyped"), line)
                typed[name] = parts[3]
                if parts[3] == "counter":
                    test.assertTrue(name.endswith("_total"), "counter %s without _total" % name)
            else:
                test.assertNotIn(name, helped, line)
                helped.add(name)
            if current and current != name:
                done.add(current)
            current = name
            continue
        test.assertFalse(line.startswith("#") or not line.strip(), repr(line))
        m = SAMPLE.match(line)
        test.assertIsNotNone(m, "not a sample: %r" % line)
        name = m.group(1)
        family = name
        if name not in typed:
            for suffix in ("_bucket", "_sum", "_count"):
                if name.endswith(suffix) and typed.get(name[:-len(suffix)]) == "histogram":
                    family = name[:-len(suffix)]
        test.assertIn(family, typed, "sample of an untyped family: %r" % line)
        test.assertEqual(family, current, "sample outside its family's block: %r" % line)
    test.assertEqual(set(typed), helped, "HELP and TYPE differ")


if __name__ == "__main__":
    harness.main()
