"""Who may see and do what (issue 3): the access matrix of roles x scopes x actions, sessions (logout, expiry,
password change, deactivation), login failures and lock-out, row-level security underneath the server's own
checks, and the tamper-evident audit trail."""

import base64
import collections
import concurrent.futures
import hashlib
import json
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PASSWORD = "Saffron-Lantern-4821"        # strong enough for password_check_strength, shared by the test users
HOME, AWAY = "IR-23", "IR-07"            # the scoped actors live in Tehran; "out of scope" records in Fars

# The roles the matrix covers, in the column order of EXPECTED below.
# TODO(centers): add "ngo_submitter" (it needs a center_id): an actor in AccessTest.setUpClass, a column here and in
# EXPECTED, and a branch in in_scope().
ROLES = ("national_admin", "national_viewer", "provincial_admin", "provincial_officer", "county_officer")
ABBREV = {"national_admin": "na", "national_viewer": "nv", "provincial_admin": "pa", "provincial_officer": "po",
          "county_officer": "co", "ngo_submitter": "ngo"}

# Which record a cell aims at ("scope" column of EXPECTED):
#   in    a record inside the provincial / county actors' scope (province IR-23)
#   out   a record in another province (IR-07)
#   peer  a provincial admin of IR-23: a provincial admin may see it, but not create or change it
#   any   (lists) no filter
#   self  the caller itself
# Shared targets are made once; kinds marked fresh=True get a new target per cell (updates must not disturb
# other cells).
TARGET_SPECS = {
    "in": dict(role="provincial_officer", province=HOME),
    "out": dict(role="provincial_officer", province=AWAY),
    "peer": dict(role="provincial_admin", province=HOME),
}

Actor = collections.namedtuple("Actor", "role id username token province county_id")
Target = collections.namedtuple("Target", "id username role province county_id")


def in_scope(actor, province, county_id):
    """Is a record living at (province, county) inside actor's scope (the contract's roles table)?"""
    if actor.role in ("national_admin", "national_viewer"):
        return True
    if actor.role in ("provincial_admin", "provincial_officer"):
        return province == actor.province
    if actor.role == "county_officer":
        return county_id is not None and county_id == actor.county_id
    return False


def user_visible(actor, user):
    """May actor see this user account (a dict with id, province, county_id)? Admins see the accounts in their
    scope; everyone sees their own."""
    return user["id"] == actor.id or (actor.role in READERS and in_scope(actor, user["province"], user["county_id"]))


def audit_visible(actor, row):
    return actor.role in READERS and in_scope(actor, row["province"], row["county_id"])


# -- the operations of the matrix ------------------------------------------------------------------------------
# path(cell) / body(cell) / headers(cell) build the request; a cell has .actor, .scope, .target (a Target or
# None), .name (unique per cell, for usernames). perm_roles: the roles the route itself lets in; any other role
# gets 403 before the handler runs, and that refusal must be in the audit trail as action "denied".
# fresh: each cell gets its own target (made by AccessTest.make_target), so that a write does not disturb other
# cells. on_success / on_refusal: names of AccessTest methods (cell, op, response) that check the reply and the
# database; a later resource adds its Op here, its methods to AccessTest and its rows to EXPECTED.

Op = collections.namedtuple("Op", "method route path body headers perm_roles fresh on_success on_refusal")

ADMINS = ("national_admin", "provincial_admin")
READERS = ADMINS + ("national_viewer",)     # of users and the audit trail: the oversight role reads them too
EVERYONE = ROLES + ("ngo_submitter",)
USERS_LIST_FILTER = {"in": "&province=" + HOME, "out": "&province=" + AWAY, "any": ""}
CREATE_SPECS = {
    "in": dict(role="provincial_officer", province=HOME),
    "out": dict(role="provincial_officer", province=AWAY),
    "peer": dict(role="provincial_admin", province=HOME),
}

OPS = {
    ("users", "list"): Op(
        "GET", "/api/v1/users", path=lambda c: "/api/v1/users?limit=500" + USERS_LIST_FILTER[c.scope],
        body=None, headers=None, perm_roles=READERS, fresh=False, on_success="ok_users_list", on_refusal=None),
    ("users", "read"): Op(
        "GET", "/api/v1/users/{id}", path=lambda c: "/api/v1/users/%d" % c.target.id,
        body=None, headers=None, perm_roles=READERS, fresh=False, on_success="ok_users_read", on_refusal=None),
    ("users", "create"): Op(
        "POST", "/api/v1/users", path=lambda c: "/api/v1/users",
        body=lambda c: dict(username=c.name, password=PASSWORD, **CREATE_SPECS[c.scope]),
        headers=None, perm_roles=ADMINS, fresh=False, on_success="ok_users_create",
        on_refusal="refused_users_create"),
    ("users", "update"): Op(
        "PATCH", "/api/v1/users/{id}", path=lambda c: "/api/v1/users/%d" % c.target.id,
        body=lambda c: {"full_name": "Renamed by " + c.actor.role},
        headers=lambda c: {"If-Match": harness.etag("user", c.target.id, 1)}, perm_roles=ADMINS, fresh=True, on_success="ok_users_update",
        on_refusal="refused_users_update"),
    ("audit", "list"): Op(
        "GET", "/api/v1/audit",
        path=lambda c: "/api/v1/audit?entity=user&action=create&limit=500"
                       + ("&entity_id=%d" % c.target.id if c.target else ""),
        body=None, headers=None, perm_roles=READERS, fresh=False, on_success="ok_audit_list", on_refusal=None),
    ("auth", "me"): Op(
        "GET", "/api/v1/auth/me", path=lambda c: "/api/v1/auth/me",
        body=None, headers=None, perm_roles=EVERYONE, fresh=False, on_success="ok_me", on_refusal=None),
}

# The expected status of every cell. 403: allowed to see but not to do (or the role may not use the route at
# all); 404: the record is outside the caller's scope, indistinguishable from one that does not exist.
# Later resources join by adding their Op to OPS and their rows here.
# Note: user accounts are not registry records: only admins manage them; the national viewer, the oversight role,
# reads every account (never a secret) and the whole audit trail, and writes nothing (issue 16; migration 0026).
EXPECTED = [
    # resource  action    scope     NA   NV   PA   PO   CO
    ("users",   "list",   "any",    200, 200, 200, 403, 403),
    ("users",   "list",   "in",     200, 200, 200, 403, 403),
    ("users",   "list",   "out",    200, 200, 200, 403, 403),
    ("users",   "read",   "in",     200, 200, 200, 403, 403),
    ("users",   "read",   "peer",   200, 200, 200, 403, 403),
    ("users",   "read",   "out",    200, 200, 404, 403, 403),
    ("users",   "create", "in",     201, 403, 201, 403, 403),
    ("users",   "create", "peer",   201, 403, 403, 403, 403),
    ("users",   "create", "out",    201, 403, 403, 403, 403),
    ("users",   "update", "in",     200, 403, 200, 403, 403),
    ("users",   "update", "peer",   200, 403, 403, 403, 403),
    ("users",   "update", "out",    200, 403, 404, 403, 403),
    ("audit",   "list",   "any",    200, 200, 200, 403, 403),
    ("audit",   "list",   "in",     200, 200, 200, 403, 403),
    ("audit",   "list",   "out",    200, 200, 200, 403, 403),
    ("auth",    "me",     "self",   200, 200, 200, 200, 200),
]

NEVER_ISSUED = "NeverIssuedToken_0123456789-abcdefghijklmno"     # shaped like a token (43 base64url characters)
NO_SUCH_ID = 2000000000     # an id no record has, to compare "outside your scope" with "does not exist"


class Cell:
    def __init__(self, actor, scope, target, name):
        self.actor, self.scope, self.target, self.name = actor, scope, target, name


def without_request_id(body):
    body = dict(body or {})
    body.pop("request_id", None)
    return body


class AccessTest(harness.RegistryTestCase):
    """One cluster for the matrix and the session tests. Users (created with registryctl):
    one actor per role (scoped ones in IR-23 / a Tehran county), shared targets, and one user per test that
    changes its own account."""

    @classmethod
    def seed(cls):
        reg = cls.registry
        with reg.client() as c:
            r = c.get("/api/v1/counties?province=%s&limit=500" % HOME)
            assert r.status == 200, r
            cls.home_county = next(x["id"] for x in r.json()["items"] if x["name_en"] == "Tehran")
            r = c.get("/api/v1/counties?province=%s&limit=500" % AWAY)
            assert r.status == 200, r
            cls.away_county = r.json()["items"][0]["id"]
        scoped = {"national_admin": {}, "national_viewer": {},
                  "provincial_admin": dict(province=HOME), "provincial_officer": dict(province=HOME),
                  "county_officer": dict(county=cls.home_county)}
        specs = {}
        for role, where in scoped.items():
            specs[role] = dict(username="acc." + ABBREV[role], role=role, password=PASSWORD, **where)
        for name, t in TARGET_SPECS.items():
            specs["target." + name] = dict(username="tgt." + name, password=PASSWORD, **t)
        for name, role in (("lockout", "provincial_officer"), ("timing", "provincial_officer"),
                           ("pwchange", "provincial_officer"), ("expiry", "county_officer"),
                           ("mover", "provincial_admin")):
            specs[name] = dict(username="acc." + name, role=role, password=PASSWORD,
                               **(dict(county=cls.home_county) if role == "county_officer" else dict(province=HOME)))
        ids = harness.add_users(reg, specs)
        cls.user_ids = ids
        cls.actors = {}
        with reg.client() as c:
            for role in scoped:
                res = harness.login(c, specs[role]["username"], PASSWORD)
                u = res["user"]
                assert u["id"] == ids[role], (u, ids[role])
                cls.actors[role] = Actor(role, u["id"], u["username"], res["token"], u["province"], u["county_id"])
        cls.targets = {}
        for name, t in TARGET_SPECS.items():
            cls.targets[name] = Target(ids["target." + name], "tgt." + name, t["role"], t["province"], None)

    # -- helpers -------------------------------------------------------------------------------------------------
    def na(self):
        return self.actors["national_admin"]

    def sql_one(self, sql):
        return self.pg.psql(sql).strip()

    def user_row(self, user_id):
        """(version, full_name, active) straight from the database, or None."""
        out = self.sql_one("SELECT version, coalesce(full_name, ''), active FROM users WHERE id = %d" % user_id)
        if not out:
            return None
        v, name, active = out.split("|")
        return int(v), name, active == "t"

    def user_exists(self, username):
        return self.sql_one("SELECT count(*) FROM users WHERE username = %s" % harness.sql_literal(username)) == "1"

    def insert_user(self, username, role, province=None, county=None):
        """A target record made directly in the database (no password hashing: it never signs in)."""
        out = self.sql_one("INSERT INTO users (username, password_hash, role, province_code, county_id)"
                           " VALUES (%s, '!', %s, %s, %s) RETURNING id"
                           % tuple(map(harness.sql_literal, (username, role, province, county))))
        return Target(int(out), username, role, province, county)

    def audit(self, query, token=None):
        r = self.client.get("/api/v1/audit?limit=500" + query, token=token or self.na().token)
        self.assertStatus(r, 200)
        return r.json()["items"]

    def assertTokenDead(self, client, token, label=""):
        """Every request with token is 401: first one its handler would refuse before reading the database
        (an incomplete password change: 422 if the token were alive), then one that reads it."""
        for method, path, body in (("POST", "/api/v1/auth/password", {}), ("GET", "/api/v1/auth/me", None)):
            with self.subTest(dead_token=label, request=method + " " + path):
                r = client.request(method, path, body=body, token=token)
                self.assertStatus(r, 401, "%s %s %s" % (label, method, path))
                self.assertProblem(r, 401)
                self.assertIn("Bearer", r.headers.get("WWW-Authenticate") or "")

    def assertProblemFields(self, resp, status, fields):
        body = self.assertProblem(resp, status)
        self.assertEqual(sorted(e["field"] for e in body.get("errors", [])), sorted(fields), body)
        return body

    # -- 1. the access matrix -----------------------------------------------------------------------------------
    def test_access_matrix(self):
        for row in EXPECTED:
            self.assertEqual(len(row), 3 + len(ROLES), row)
        # no token, or one that was never issued: 401 everywhere
        anyone = Cell(self.na(), "in", self.targets["in"], "m0.anonymous")
        for (resource, action), op in OPS.items():
            for token in (None, NEVER_ISSUED):
                with self.subTest(resource=resource, action=action, token=token):
                    r = self.client.request(op.method, op.path(anyone), body=op.body(anyone) if op.body else None,
                                            headers=op.headers(anyone) if op.headers else None, token=token)
                    self.assertProblem(r, 401)
                    self.assertIn("Bearer", r.headers.get("WWW-Authenticate") or "")
        self.assertFalse(self.user_exists(anyone.name))
        denied = []         # (cell, op, request_id): refusals the audit trail must show
        n = 0
        for resource, action, scope, *statuses in EXPECTED:
            op = OPS[(resource, action)]
            for role, want in zip(ROLES, statuses):
                actor = self.actors[role]
                n += 1
                name = "m%d.%s.%s.%s" % (n, resource, action, ABBREV[role])
                target = None
                if op.fresh:
                    target = self.make_target(resource, scope, "fresh.%d.%s" % (n, scope))
                elif scope in self.targets:
                    target = self.targets[scope]
                cell = Cell(actor, scope, target, name)
                with self.subTest(resource=resource, action=action, scope=scope, role=role):
                    r = self.client.request(op.method, op.path(cell), body=op.body(cell) if op.body else None,
                                            headers=op.headers(cell) if op.headers else None, token=actor.token)
                    self.assertStatus(r, want, "%s %s %s as %s" % (resource, action, scope, role))
                    if want >= 400:
                        self.check_refusal(cell, op, r, want)
                        if want == 403 and role not in op.perm_roles:
                            denied.append((cell, op, r.headers.get("X-Request-Id")))
                    else:
                        self.assertEqual(r.content_type, "application/json")
                        getattr(self, op.on_success)(cell, op, r)
        # the route-level refusals are in the audit trail, with who and what
        rows = {a["request_id"]: a for a in self.audit("&action=denied")}
        for cell, op, rid in denied:
            with self.subTest(denied=op.method + " " + op.route, scope=cell.scope, role=cell.actor.role):
                self.assertIsNotNone(rid)
                self.assertIn(rid, rows, "no 'denied' audit row for request %s" % rid)
                a = rows[rid]
                self.assertEqual((a["user_id"], a["username"], a["role"], a["entity"]),
                                 (cell.actor.id, cell.actor.username, cell.actor.role, "route"))
                self.assertEqual(a["detail"], {"method": op.method, "route": op.route})
                self.assertEqual(a["province"], cell.actor.province)

    def make_target(self, resource, scope, name):
        """A fresh record for one cell (Op.fresh)."""
        if resource == "users":
            spec = TARGET_SPECS[scope]
            return self.insert_user(name, spec["role"], spec["province"])
        self.fail("no fresh targets for %s" % resource)

    def check_refusal(self, cell, op, r, want):
        self.assertProblem(r, want)
        if op.on_refusal:
            getattr(self, op.on_refusal)(cell, op, r)
        if want == 404 and cell.target is not None:
            # outside the scope looks exactly like not there at all
            ghost = Cell(cell.actor, cell.scope, cell.target._replace(id=NO_SUCH_ID), cell.name)
            r2 = self.client.request(op.method, op.path(ghost), body=op.body(ghost) if op.body else None,
                                     headers=op.headers(ghost) if op.headers else None, token=cell.actor.token)
            self.assertEqual((r2.status, without_request_id(r2.json())), (404, without_request_id(r.json())))

    def check_list(self, cell, body, item_visible, item_key, selects, target_visible):
        """A list reply: one page holding everything (limit=500), no row outside the caller's scope, and each shared
        target listed exactly when the query selects it and the caller may see it."""
        self.assertEqual(set(body), {"items", "next_cursor"})
        self.assertIsNone(body["next_cursor"])
        for item in body["items"]:
            self.assertTrue(item_visible(cell.actor, item), "out-of-scope row in the list: %r" % item)
        listed = {item_key(i) for i in body["items"]}
        for t in self.targets.values():
            self.assertEqual(t.id in listed, selects(t) and target_visible(t),
                             "is %s in the list for %s" % (t.username, cell.actor.role))

    # users
    def ok_users_list(self, cell, op, r):
        home = {"in": HOME, "out": AWAY}.get(cell.scope)
        self.check_list(cell, r.json(), user_visible, lambda i: i["id"],
                        selects=lambda t: home is None or t.province == home,
                        target_visible=lambda t: user_visible(cell.actor, dict(id=t.id, province=t.province,
                                                                               county_id=t.county_id)))

    def ok_users_read(self, cell, op, r):
        t, body = cell.target, r.json()
        self.assertEqual(harness.etag_v(r), '"v1"')
        self.assertEqual((body["id"], body["username"], body["role"], body["province"], body["county_id"]),
                         (t.id, t.username, t.role, t.province, t.county_id))
        self.assertNotIn("password_hash", body)

    def ok_users_create(self, cell, op, r):
        spec, body = CREATE_SPECS[cell.scope], r.json()
        self.assertEqual(r.status, 201)
        self.assertEqual(harness.etag_v(r), '"v1"')
        self.assertEqual(r.headers.get("Location"), "/api/v1/users/%d" % body["id"])
        self.assertEqual((body["username"], body["role"], body["province"], body["active"], body["version"]),
                         (cell.name, spec["role"], spec["province"], True, 1))
        self.assertNotIn("password", body)
        self.assertTrue(self.user_exists(cell.name))

    def refused_users_create(self, cell, op, r):
        self.assertFalse(self.user_exists(cell.name), "refused create of %s happened anyway" % cell.name)

    def ok_users_update(self, cell, op, r):
        body = r.json()
        self.assertEqual(harness.etag_v(r), '"v2"')
        self.assertEqual((body["id"], body["full_name"], body["version"]),
                         (cell.target.id, "Renamed by " + cell.actor.role, 2))
        self.assertEqual(self.user_row(cell.target.id), (2, "Renamed by " + cell.actor.role, True))

    def refused_users_update(self, cell, op, r):
        self.assertEqual(self.user_row(cell.target.id), (1, "", True), "refused update happened anyway")

    # audit
    def ok_audit_list(self, cell, op, r):
        # the list asks for user creations: every shared target's creation is there, if the caller may see it
        self.check_list(cell, r.json(), audit_visible, lambda i: int(i["entity_id"]),
                        selects=lambda t: cell.target is None or t.id == cell.target.id,
                        target_visible=lambda t: audit_visible(cell.actor, dict(province=t.province,
                                                                                county_id=t.county_id)))

    # auth
    def ok_me(self, cell, op, r):
        actor, body = cell.actor, r.json()
        self.assertEqual((body["id"], body["username"], body["role"], body["province"], body["county_id"]),
                         (actor.id, actor.username, actor.role, actor.province, actor.county_id))
        self.assertNotIn("password_hash", body)

    # -- 2. logout -----------------------------------------------------------------------------------------------
    def test_logout_kills_the_token(self):
        viewer = self.actors["national_viewer"]
        token = harness.login(self.client, viewer.username, PASSWORD)["token"]
        # several other keep-alive connections, so that every server thread has seen (and may cache) the session
        others = [self.registry.client() for _ in range(6)]
        for c in others:
            self.addCleanup(c.close)
        for c in [self.client] + others:
            self.assertStatus(c.get("/api/v1/auth/me", token=token), 200)
        r = self.client.post("/api/v1/auth/logout", token=token)
        self.assertStatus(r, 204)
        self.assertEqual(r.raw, b"")
        self.assertTokenDead(self.client, token, "same connection:")
        for i, c in enumerate(others):
            self.assertTokenDead(c, token, "other keep-alive connection %d:" % i)
            self.assertEqual(c.connections_opened, 1, "connection %d was not kept alive" % i)
        with self.registry.client() as fresh:
            self.assertTokenDead(fresh, token, "new client:")
            self.assertProblem(fresh.post("/api/v1/auth/logout", token=token), 401)
        # only that session died
        self.assertStatus(self.client.get("/api/v1/auth/me", token=viewer.token), 200)
        rows = self.audit("&action=logout&user_id=%d" % viewer.id)
        self.assertEqual([(a["entity"], a["username"]) for a in rows], [("session", viewer.username)])

    def test_revocation_in_the_database_reaches_cached_sessions(self):
        """Reads of a caller known from the session cache skip the session lookup (session_cache.h): a session
        ended or a user deactivated by someone else (another registryd, registryctl, SQL) must still stop them,
        through LISTEN/NOTIFY, within moments - and a cache that may have missed a notification must not be used."""
        viewer = self.actors["national_viewer"]
        clients = [self.registry.client() for _ in range(6)]
        for c in clients:
            self.addCleanup(c.close)

        def warm(token):
            for c in clients:
                for _ in range(3):
                    self.assertStatus(c.get("/api/v1/clients?limit=1", token=token), 200)

        def dead_everywhere(token, label):
            # proven by order, not by time: the change has committed before these reads are sent, and each
            # connection's thread has the session cached (an entry lives 30 s), yet the very first read on every
            # connection is refused
            for i, c in enumerate(clients):
                r = c.get("/api/v1/clients?limit=1", token=token)
                self.assertStatus(r, 401, "%s: connection %d still served a read after the change committed"
                                  % (label, i))

        for how in ("session revoked", "user deactivated", "listener restarted"):
            with self.subTest(how):
                token = harness.login(self.client, viewer.username, PASSWORD)["token"]
                warm(token)
                h = harness.token_sha256_hex(token)
                if how == "session revoked":
                    self.sql_one("UPDATE sessions SET revoked_at = now() WHERE token_hash = decode('%s', 'hex')" % h)
                elif how == "user deactivated":
                    self.sql_one("UPDATE users SET active = false WHERE id = %d" % viewer.id)
                    self.addCleanup(self.sql_one, "UPDATE users SET active = true WHERE id = %d" % viewer.id)
                else:
                    # every registryd connection dropped, and the session ended while they were down: the
                    # notification is lost, so the cache must be forgotten when listening starts again
                    self.sql_one("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                                 " WHERE application_name LIKE 'registryd%%' AND pid <> pg_backend_pid();"
                                 " UPDATE sessions SET revoked_at = now() WHERE token_hash = decode('%s', 'hex')" % h)
                dead_everywhere(token, how)
                if how == "user deactivated":
                    self.sql_one("UPDATE users SET active = true WHERE id = %d" % viewer.id)
        # the viewer's other session was only refused while the user was inactive
        self.assertStatus(self.client.get("/api/v1/auth/me", token=viewer.token), 200)

    # -- 3. expiry -----------------------------------------------------------------------------------------------
    def test_expired_token_is_refused(self):
        res = harness.login(self.client, "acc.expiry", PASSWORD)
        token, keep = res["token"], harness.login(self.client, "acc.expiry", PASSWORD)["token"]
        self.assertStatus(self.client.get("/api/v1/auth/me", token=token), 200)   # now cached by a worker
        n = self.sql_one("WITH e AS (UPDATE sessions SET expires_at = now() - interval '1 second'"
                         " WHERE token_hash = decode('%s', 'hex') RETURNING 1) SELECT count(*) FROM e"
                         % harness.token_sha256_hex(token))
        self.assertEqual(n, "1")
        self.assertTokenDead(self.client, token, "same connection:")
        for path in ("/api/v1/auth/me", "/api/v1/users"):
            r = self.client.get(path, token=token)
            self.assertProblem(r, 401)
            self.assertIn("invalid_token", r.headers.get("WWW-Authenticate") or "")
        with self.registry.client() as fresh:
            self.assertTokenDead(fresh, token, "new client:")
        # the user's other session is untouched
        r = self.client.get("/api/v1/auth/me", token=keep)
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["username"], "acc.expiry")

    # -- 4. creating users: never above or outside your scope ----------------------------------------------------
    def test_who_may_create_whom(self):
        pa, na = self.actors["provincial_admin"], self.na()
        cases = [
            # actor, username, role, province, county_id, expected status
            (pa, "c4.pa.na", "national_admin", None, None, 403),
            (pa, "c4.pa.po.away", "provincial_officer", AWAY, None, 403),
            (pa, "c4.pa.pa.home", "provincial_admin", HOME, None, 403),
            (pa, "c4.pa.co.away", "county_officer", None, self.away_county, 403),
            (pa, "c4.pa.co.mixed", "county_officer", HOME, self.away_county, 403),  # the county decides
            (pa, "c4.pa.po.home", "provincial_officer", HOME, None, 201),
            (pa, "c4.pa.co.home", "county_officer", None, self.home_county, 201),
            (self.actors["national_viewer"], "c4.nv.po", "provincial_officer", HOME, None, 403),
            (self.actors["national_viewer"], "c4.nv.nv", "national_viewer", None, None, 403),
            (self.actors["provincial_officer"], "c4.po.co", "county_officer", None, self.home_county, 403),
            (self.actors["provincial_officer"], "c4.po.po", "provincial_officer", HOME, None, 403),
            (self.actors["county_officer"], "c4.co.co", "county_officer", None, self.home_county, 403),
        ]
        refused, made = [], {}
        for actor, username, role, province, county, want in cases:
            body = {"username": username, "password": PASSWORD, "role": role}
            if province:
                body["province"] = province
            if county:
                body["county_id"] = county
            with self.subTest(actor=actor.role, username=username):
                r = self.client.post("/api/v1/users", body, token=actor.token)
                if want == 201:
                    self.assertStatus(r, 201)
                    u = r.json()
                    self.assertEqual((u["username"], u["role"], u["province"], u["county_id"]),
                                     (username, role, HOME, county))
                    made[username] = u["id"]
                else:
                    self.assertProblem(r, 403)
                    refused.append((actor, username, r.headers.get("X-Request-Id")))
        r = self.client.get("/api/v1/users?limit=500", token=na.token)
        self.assertStatus(r, 200)
        names = {u["username"] for u in r.json()["items"]}
        for actor, username, rid in refused:
            self.assertNotIn(username, names, "a refused create happened")
        self.assertTrue(set(made) <= names, made)
        # refusals by role are audited as "denied" (scope refusals inside the handler leave no write at all)
        denied = {a["request_id"]: a for a in self.audit("&action=denied")}
        for actor, username, rid in refused:
            if actor.role not in ADMINS:
                with self.subTest(denied=username):
                    self.assertIn(rid, denied)
                    self.assertEqual(denied[rid]["user_id"], actor.id)
        # the creations are audited with their author
        for username, uid in made.items():
            rows = self.audit("&entity=user&action=create&entity_id=%d" % uid)
            self.assertEqual([(a["user_id"], a["after"]["username"], a["province"]) for a in rows],
                             [(pa.id, username, HOME)])
            # and the provincial admin sees them in its own audit trail
            self.assertEqual(len(self.audit("&entity=user&entity_id=%d" % uid, token=pa.token)), 1)

    # -- 5. login failures ---------------------------------------------------------------------------------------
    def test_login_failures_look_alike(self):
        def attempt(username, password):
            t0 = time.monotonic()
            r = self.client.post("/api/v1/auth/login", {"username": username, "password": password})
            return r, time.monotonic() - t0

        hashed_before = harness.metric(self.client, "registry_login_hashes_total")
        wrong, unknown = [], []
        for _ in range(3):
            wrong.append(attempt("acc.timing", "Not-The-Password-993"))
            unknown.append(attempt("acc.nobody", "Not-The-Password-993"))
        ref = wrong[0][0]
        ref_body = self.assertProblem(ref, 401)
        ignore = {"date", "x-request-id"}
        ref_headers = sorted((k.lower(), v) for k, v in ref.headers.items() if k.lower() not in ignore)
        for r, _ in wrong + unknown:
            self.assertProblem(r, 401)
            self.assertEqual(without_request_id(r.json()), without_request_id(ref_body))
            self.assertEqual(sorted((k.lower(), v) for k, v in r.headers.items() if k.lower() not in ignore),
                             ref_headers)
        # the same work, proven by count rather than by time (timings swing on a shared machine): an unknown user's
        # password is hashed too (against a fake salt), once per attempt, like a wrong one
        self.assertEqual(harness.metric(self.client, "registry_login_hashes_total") - hashed_before, 6)
        print("median login time: wrong password %.3fs, unknown user %.3fs"
              % (statistics.median(t for _, t in wrong), statistics.median(t for _, t in unknown)), file=sys.stderr)
        rows = [a for a in self.audit("&action=login_failed") if a["username"] in ("acc.timing", "acc.nobody")]
        got = sorted((a["username"], a["user_id"], a["detail"]["reason"]) for a in rows)
        self.assertEqual(got, [("acc.nobody", None, "unknown user")] * 3
                         + [("acc.timing", self.user_ids["timing"], "wrong password")] * 3)

    def test_login_lockout_after_five_failures(self):
        for i in range(5):
            r = self.client.post("/api/v1/auth/login", {"username": "acc.lockout", "password": "Wrong-Guess-%d-x7" % i})
            self.assertProblem(r, 401)
        for username, password in (("acc.lockout", PASSWORD), ("ACC.Lockout", PASSWORD), ("acc.lockout", "nope")):
            r = self.client.post("/api/v1/auth/login", {"username": username, "password": password})
            self.assertProblem(r, 429)
            ra = r.headers.get("Retry-After")
            self.assertIsNotNone(ra, "429 without Retry-After")
            self.assertTrue(ra.isdigit() and 1 <= int(ra) <= 900, ra)
        rows = [a for a in self.audit("&action=login_failed") if a["username"] == "acc.lockout"]
        self.assertEqual([(a["entity"], a["entity_id"], a["user_id"], a["detail"]) for a in rows],
                         [("session", str(self.user_ids["lockout"]), self.user_ids["lockout"],
                           {"reason": "wrong password"})] * 5)
        # another user from the same address is not locked out
        self.assertStatus(self.client.get("/api/v1/auth/me", token=self.na().token), 200)

    def test_strangers_failures_slow_a_user_down_but_do_not_lock_them_out(self):
        uid = harness.add_user(self.registry, "acc.victim", "national_viewer", PASSWORD)
        stranger = self.registry.client(source="127.0.5.1")
        self.addCleanup(stranger.close)
        for i in range(5):
            self.assertProblem(stranger.post("/api/v1/auth/login", {"username": "acc.victim",
                                                                    "password": "Wrong-Guess-%d-x7" % i}), 401)
        # the stranger's address is locked out for this user (even with the right password) ...
        r = stranger.post("/api/v1/auth/login", {"username": "acc.victim", "password": PASSWORD})
        self.assertProblem(r, 429)
        self.assertGreater(int(r.header("Retry-After")), 300)      # the pair's 15-minute lock, not a delay
        # ... the real user, elsewhere, waits at most the username's delay (2^0 s after 5 failures) and gets in
        own_refused = 0
        with self.registry.client(source="127.0.5.2") as own:
            for _ in range(3):
                r = own.post("/api/v1/auth/login", {"username": "acc.victim", "password": PASSWORD})
                if r.status != 429:
                    break
                own_refused += 1
                self.assertLessEqual(int(r.header("Retry-After")), 1)
                time.sleep(int(r.header("Retry-After")))
            self.assertStatus(r, 200)
        # which started the username afresh, while the stranger's pair stays locked
        self.assertEqual(self.sql_one("SELECT count(*) FROM login_throttle WHERE key = 'u:acc.victim'"), "0")
        self.assertEqual(self.sql_one("SELECT count(*) FROM login_throttle WHERE key LIKE '_:127.0.5.2%'"), "0")
        self.assertProblem(stranger.post("/api/v1/auth/login", {"username": "acc.victim", "password": PASSWORD}), 429)
        rows = [(a["address"], a["action"]) for a in self.audit("&entity=session&entity_id=%d" % uid)]
        # the stranger's refusals are audited too, at most one a minute from an address
        self.assertEqual(sorted(rows), [("127.0.5.1", "login_failed")] * 5 + [("127.0.5.1", "login_refused")]
                         + [("127.0.5.2", "login")] + [("127.0.5.2", "login_refused")] * min(own_refused, 1))

    def test_a_stranger_polling_does_not_delay_a_user_at_an_address_they_signed_in_from(self):
        uid = harness.add_user(self.registry, "acc.known", "national_viewer", PASSWORD)
        with self.registry.client(source="127.0.6.2") as own:
            self.assertStatus(own.post("/api/v1/auth/login", {"username": "acc.known", "password": PASSWORD}), 200)
        self.assertEqual(self.sql_one("SELECT count(*) FROM login_known_sources WHERE username = 'acc.known'"
                                      " AND address_key = '127.0.6.2'"), "1")
        # a stranger fails from two addresses until the username is delayed, and keeps polling (401s and 429s)
        for source, n in (("127.0.6.1", 5), ("127.0.6.3", 2)):
            with self.registry.client(source=source) as stranger:
                for i in range(n):
                    r = stranger.post("/api/v1/auth/login", {"username": "acc.known", "password": "Wrong-%d-x7" % i})
                    self.assertIn(r.status, (401, 429))
        self.sql_one("UPDATE login_throttle SET failures = 12, last_failure = now() WHERE key = 'u:acc.known'")
        with self.registry.client(source="127.0.6.1") as stranger:
            self.assertProblem(stranger.post("/api/v1/auth/login", {"username": "acc.known", "password": PASSWORD}),
                               429)
        # the real user, from where they signed in before, is not delayed at all (no 429, no wait) ...
        with self.registry.client(source="127.0.6.2") as own:
            self.assertStatus(own.post("/api/v1/auth/login", {"username": "acc.known", "password": PASSWORD}), 200)
        # ... while a brand-new address for that username still waits for the username's delay
        self.sql_one("INSERT INTO login_throttle (key, failures, window_start, last_failure)"
                     " VALUES ('u:acc.known', 12, now(), now())"
                     " ON CONFLICT (key) DO UPDATE SET failures = 12, last_failure = now()")
        with self.registry.client(source="127.0.6.4") as other:
            r = other.post("/api/v1/auth/login", {"username": "acc.known", "password": PASSWORD})
            self.assertProblem(r, 429)
            self.assertTrue(64 < int(r.header("Retry-After")) <= 128, r.header("Retry-After"))
        self.assertEqual(self.sql_one("SELECT count(*) FROM login_known_sources WHERE username = 'acc.known'"), "1")
        self.assertGreaterEqual(len(self.audit("&action=login&entity_id=%d" % uid)), 2)

    def test_refused_starts_write_no_throttle_rows_and_expired_rows_are_pruned(self):
        # an address locked out: a burst of sign-ins for ever new usernames is refused, and adds no row
        self.sql_one("INSERT INTO login_throttle (key, failures, window_start, last_failure, locked_until)"
                     " VALUES ('a:127.0.6.50', 20, now(), now(), now() + interval '15 minutes')")
        before = int(self.sql_one("SELECT count(*) FROM login_throttle"))
        with self.registry.client(source="127.0.6.50") as c:
            for i in range(12):
                self.assertProblem(c.post("/api/v1/auth/login", {"username": "acc.burst%d" % i,
                                                                "password": "Wrong-Pw-x7"}), 429)
        self.assertEqual(int(self.sql_one("SELECT count(*) FROM login_throttle")), before)
        self.assertEqual(self.sql_one("SELECT count(*) FROM login_throttle WHERE key LIKE '%acc.burst%'"), "0")
        # the burst is audited once (a minute), not twelve times
        self.assertEqual(self.sql_one("SELECT count(*) FROM audit_log WHERE action = 'login_refused'"
                                      " AND address = '127.0.6.50'"), "1")
        # rows whose window and delay are long over go, a bounded few with each counted start
        self.sql_one("INSERT INTO login_throttle (key, failures, window_start, last_failure)"
                     " SELECT 'a:10.66.0.' || i, 3, now() - interval '3 hours', now() - interval '2 hours'"
                     " FROM generate_series(1, 30) i")
        with self.registry.client(source="127.0.6.51") as c:
            self.assertProblem(c.post("/api/v1/auth/login", {"username": "acc.prune", "password": "Wrong-Pw-x7"}), 401)
        self.assertEqual(self.sql_one("SELECT count(*) FROM login_throttle WHERE key LIKE 'a:10.66.0.%'"), "10")
        with self.registry.client(source="127.0.6.51") as c:
            self.assertProblem(c.post("/api/v1/auth/login", {"username": "acc.prune", "password": "Wrong-Pw-x7"}), 401)
        self.assertEqual(self.sql_one("SELECT count(*) FROM login_throttle WHERE key LIKE 'a:10.66.0.%'"), "0")

    def test_throttle_undo_locks_rows_in_the_same_order_as_the_start(self):
        # a start locks a: -> p: -> u:; an undo that locked u: first (0014's deleted it before locking a:) could
        # deadlock with it. Hold a: in one transaction, let an undo queue behind it, and u: must still be free.
        self.sql_one("INSERT INTO login_throttle (key, failures, window_start, last_failure) VALUES"
                     " ('a:10.77.0.1', 1, now(), now()), ('p:10.77.0.1 acc.order', 1, now(), now()),"
                     " ('u:acc.order', 1, now(), now());"
                     " CREATE TABLE e2e_release (x int)")
        holder = ("BEGIN; SELECT 1 FROM login_throttle WHERE key = 'a:10.77.0.1' FOR UPDATE;\n"
                  "DO $$ BEGIN FOR i IN 1..1200 LOOP EXIT WHEN EXISTS (SELECT 1 FROM e2e_release);"
                  " PERFORM pg_sleep(0.05); END LOOP; END $$;\nCOMMIT;")
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
            held = ex.submit(self.pg.psql, holder)
            for _ in range(600):       # until the holder has a: and waits for its release
                if self.sql_one("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'DO $$ BEGIN FOR i IN%'"
                                " AND state = 'active'") == "1":
                    break
                time.sleep(0.05)
            else:
                self.fail("the holder never started")
            undo = ex.submit(self.pg.psql, "SELECT auth_throttle_undo('acc.order', '10.77.0.1', true)")
            for _ in range(600):
                if self.sql_one("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT auth_throttle_undo%'"
                                " AND wait_event_type = 'Lock'") == "1":
                    break
                time.sleep(0.05)
            else:
                self.fail("the undo never waited for the held row")
            try:
                # the undo waits for a: without holding u:
                self.assertEqual(self.sql_one("BEGIN; SELECT key FROM login_throttle WHERE key = 'u:acc.order'"
                                              " FOR UPDATE NOWAIT; ROLLBACK"), "u:acc.order")
            finally:
                self.sql_one("INSERT INTO e2e_release VALUES (1)")
                held.result()
                undo.result()
        self.sql_one("DROP TABLE e2e_release")
        self.assertEqual(self.sql_one("SELECT count(*) FROM login_throttle WHERE key LIKE '%acc.order'"), "0")

    def test_ipv6_addresses_are_throttled_by_their_64(self):
        for addr, key in (("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"), ("2001:DB8:1:2::ffff", "2001:db8:1:2::/64"),
                          ("::ffff:10.1.2.3", "10.1.2.3"), ("10.1.2.3", "10.1.2.3"), ("::1", "::/64"),
                          ("not an address", "not an address"), (":::", ":::")):
            with self.subTest(addr=addr):
                self.assertEqual(self.sql_one("SELECT auth_address_key(%s)" % harness.sql_literal(addr)), key)
        # two addresses of one /64 count against one address limit and one (username, address) pair
        for addr in ("2001:db8:9::1", "2001:db8:9::2:1"):
            self.assertEqual(self.sql_one("SELECT auth_throttle_start('acc.v6', %s)" % harness.sql_literal(addr)), "0")
        self.assertEqual(self.sql_one("SELECT string_agg(key || '=' || failures, ',' ORDER BY key) FROM login_throttle"
                                      " WHERE key LIKE '_:2001:db8:9::/64%'"),
                         "a:2001:db8:9::/64=2,p:2001:db8:9::/64 acc.v6=2")

    def test_failures_from_many_addresses_delay_a_username_exponentially(self):
        # 2^(failures - 5) seconds since the last failure, at most 5 minutes
        self.assertEqual(self.sql_one("SELECT string_agg(extract(epoch FROM auth_user_delay(n))::integer::text, ',' ORDER BY n)"
                                      " FROM generate_series(3, 16) n"),
                         "0,0,1,2,4,8,16,32,64,128,256,300,300,300")
        harness.add_user(self.registry, "acc.spread", "national_viewer", PASSWORD)
        for i in range(5):      # five addresses, one failure each: no pair is locked, the username is counted
            with self.registry.client(source="127.0.7.%d" % (i + 1)) as c:
                self.assertProblem(c.post("/api/v1/auth/login", {"username": "acc.spread", "password": "nope"}), 401)
        self.assertEqual(self.sql_one("SELECT failures FROM login_throttle WHERE key = 'u:acc.spread'"), "5")
        # as if 12 had failed, the last one just now: a new address, even with the right password, waits 128 s
        self.sql_one("UPDATE login_throttle SET failures = 12, last_failure = now() WHERE key = 'u:acc.spread'")
        with self.registry.client(source="127.0.7.100") as c:
            r = c.post("/api/v1/auth/login", {"username": "acc.spread", "password": PASSWORD})
            self.assertProblem(r, 429)
            self.assertTrue(64 < int(r.header("Retry-After")) <= 128, r.header("Retry-After"))
            # nothing was counted for the refusal; once the delay has passed the user gets in
            self.assertEqual(self.sql_one("SELECT failures FROM login_throttle WHERE key = 'u:acc.spread'"), "12")
            self.sql_one("UPDATE login_throttle SET last_failure = now() - interval '129 seconds'"
                         " WHERE key = 'u:acc.spread'")
            self.assertEqual(c.post("/api/v1/auth/login", {"username": "acc.spread", "password": PASSWORD}).status,
                             200)

    # -- 5b. the application role cannot check passwords on its own ---------------------------------------------
    def test_application_role_gets_no_hash_and_mints_no_session_without_the_password(self):
        na = self.na()
        stored = self.sql_one("SELECT password_hash FROM users WHERE id = %d" % na.id)
        # the hash column and the functions that handed hashes out are gone for registry_app
        for sql, words in (("SELECT password_hash FROM users", "permission denied"),
                           ("SELECT * FROM auth_login_lookup('acc.na', '10.0.0.1')", "does not exist"),
                           ("SELECT auth_own_password_hash()", "does not exist"),
                           ("SELECT * FROM auth_secret", "permission denied"),
                           ("SELECT * FROM login_attempts", "permission denied"),
                           ("INSERT INTO sessions (token_hash, user_id, expires_at)"
                            " VALUES ('\\x00', %d, now() + interval '1 hour')" % na.id, "permission denied"),
                           ("SELECT auth_setting_of('x', 'y')", "permission denied")):
            with self.subTest(sql=sql):
                with self.assertRaises(harness.PsqlError) as cm:
                    harness.app_sql(self.pg, sql, token=na.token)
                self.assertIn(words, cm.exception.stderr)

        def start(username):
            out = harness.app_sql(self.pg, "SELECT attempt_id, setting FROM auth_login_start(%s, '10.9.9.9')"
                                            % harness.sql_literal(username))
            attempt, setting = out.strip().split("|")
            return int(attempt), setting

        # the start gives the parameters and salt only: the stored verifier's, in the key form's spelling
        _, setting = start(na.username)
        self.assertRegex(setting, r"^\$scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/]{22}\$$")
        self.assertRegex(stored, r"^\$scrypt-sha256\$ln=17,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$")
        self.assertEqual(stored[:-43], "$scrypt-sha256$" + setting[len("$scrypt$"):])
        # an unknown user gets a salt of the same shape, the same every time, different per username
        fake = start("acc.no-such-user")[1]
        self.assertRegex(fake, r"^\$scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/]{22}\$$")
        self.assertEqual(start("acc.no-such-user")[1], fake)
        self.assertNotEqual(start("acc.no-such-user2")[1], fake)
        # with the parameters registryd says are its defaults (what a real user's verifier is upgraded to)
        self.assertRegex(harness.app_sql(self.pg, "SELECT setting FROM auth_login_start('acc.no-such-user', '10.9.9.9',"
                                                  " 'ln=16,r=8,p=1')").strip(),
                         r"^\$scrypt\$ln=16,r=8,p=1\$%s\$$" % re.escape(fake.split("$")[3]))

        def check(username, key_of):
            """start + check in one transaction as registry_app; returns (ok, user_id, live sessions made)."""
            setting = start(username)[1]      # (rolled back, like everything here)
            token_hash = hashlib.sha256(os.urandom(16)).hexdigest()
            out = harness.app_sql(
                self.pg,
                "SELECT attempt_id FROM auth_login_start(%s, '10.9.9.9') \\gset\n"
                "SELECT ok, coalesce(user_id::text, '-') FROM auth_login_check(:attempt_id, %s, '%s', 3600, 'e2e');\n"
                "RESET ROLE;\nSELECT count(*) FROM sessions WHERE token_hash = '\\x%s'"
                % (harness.sql_literal(username), harness.sql_literal(key_of(setting)), token_hash, token_hash))
            result, made = out.split()
            ok, user_id = result.split("|")
            return ok == "t", user_id, int(made)

        def derive(setting, password):
            salt = base64.b64decode(setting.split("$")[3] + "==")
            key = hashlib.scrypt(password.encode(), salt=salt, n=2 ** 17, r=8, p=1, maxmem=256 * 1024 * 1024,
                                 dklen=32)
            return setting + base64.b64encode(key).decode().rstrip("=")

        # the right password's key mints a session (so the refusals below mean something) ...
        self.assertEqual(check(na.username, lambda s: derive(s, PASSWORD)), (True, str(na.id), 1))
        # ... a wrong key, the bare setting, or another user's right key mint nothing: the session is only ever
        # for the user whose attempt it is, and only with that user's password
        nv = self.actors["national_viewer"]
        other_key = derive(start(nv.username)[1], PASSWORD)
        # what is stored is not a key either: a leaked hash (backup, replica, a logged parameter) mints nothing,
        # whether sent as it is or its last part as the key
        self.assertEqual(base64.b64decode(stored[-43:] + "="),
                         hashlib.sha256(base64.b64decode(derive(setting, PASSWORD)[-43:] + "=")).digest())
        for label, key_of in (("wrong password", lambda s: derive(s, "Not-The-Password-1")),
                              ("no key", lambda s: s), ("zero key", lambda s: s + "A" * 43),
                              ("another user's key", lambda s: other_key),
                              ("the stored hash", lambda s: stored),
                              ("the stored hash's last part as the key", lambda s: s + stored[-43:])):
            with self.subTest(label):
                self.assertEqual(check(na.username, key_of), (False, "-", 0))
        # an attempt id that was never started, or one already used (even with the right key), mints nothing either
        out = harness.app_sql(self.pg, "SELECT ok FROM auth_login_check(-1, %s, '%s', 3600, 'e2e')"
                                       % (harness.sql_literal(derive(setting, PASSWORD)), "00" * 32))
        self.assertEqual(out.strip(), "f")
        hashes = [hashlib.sha256(os.urandom(16)).hexdigest() for _ in range(2)]
        out = harness.app_sql(
            self.pg,
            "SELECT attempt_id FROM auth_login_start(%s, '10.9.9.9') \\gset\n"
            "SELECT ok FROM auth_login_check(:attempt_id, %s, '%s', 3600, 'e2e');\n"
            "SELECT ok FROM auth_login_check(:attempt_id, %s, '%s', 3600, 'e2e');\n"
            "RESET ROLE;\nSELECT count(*) FROM sessions WHERE token_hash IN ('\\x%s', '\\x%s')"
            % (harness.sql_literal(na.username), harness.sql_literal(derive(setting, PASSWORD)), hashes[0],
               harness.sql_literal(derive(setting, PASSWORD)), hashes[1], hashes[0], hashes[1]))
        self.assertEqual(out.split(), ["t", "f", "1"])
        # and a password check needs a session
        with self.assertRaises(harness.PsqlError):
            harness.app_sql(self.pg, "SELECT * FROM auth_password_start()")
        # bind parameters (keys, verifiers) are kept out of the server's log (the tests migrate as a superuser)
        self.assertEqual(self.sql_one("SELECT string_agg(c, ',' ORDER BY c)"
                                      " FROM pg_db_role_setting s, unnest(s.setconfig) c"
                                      " WHERE s.setrole = 'registry_app'::regrole AND c LIKE 'log_parameter%'"),
                         "log_parameter_max_length=0,log_parameter_max_length_on_error=0")
        self.assertEqual(self.sql_one("SELECT string_agg(c, ',' ORDER BY c)"
                                      " FROM pg_db_role_setting s, unnest(s.setconfig) c"
                                      " WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = 'registry')"
                                      " AND s.setrole = 0 AND c LIKE 'log_parameter%'"),
                         "log_parameter_max_length=0,log_parameter_max_length_on_error=0")

    def test_hashes_with_other_parameters_still_sign_in_and_are_upgraded_keeping_sessions(self):
        # a row in 0014's format (the key itself, here with an older, cheaper N = 2^14) as 0020 converts it: the
        # verifier keeps the parameters and salt and the check uses them
        salt = os.urandom(16)
        key = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2 ** 14, r=8, p=1, dklen=32)
        b64 = lambda b: base64.b64encode(b).decode().rstrip("=")
        old = "$scrypt$ln=14,r=8,p=1$%s$%s" % (b64(salt), b64(key))
        converted = self.sql_one("SELECT auth_verifier_of(%s)" % harness.sql_literal(old))
        self.assertEqual(converted,
                         "$scrypt-sha256$ln=14,r=8,p=1$%s$%s" % (b64(salt), b64(hashlib.sha256(key).digest())))
        # the old format itself is refused from now on
        with self.assertRaises(harness.PsqlError):
            self.sql_one("INSERT INTO users (username, password_hash, role)"
                         " VALUES ('acc.oldfmt', %s, 'national_viewer')" % harness.sql_literal(old))
        self.sql_one("INSERT INTO users (username, password_hash, role) VALUES ('acc.oldhash', %s, 'national_viewer')"
                     % harness.sql_literal(converted))
        with self.registry.client(source="127.0.9.1") as c:
            self.assertProblem(c.post("/api/v1/auth/login", {"username": "acc.oldhash", "password": "Wrong-Pw-1"}),
                               401)
            self.assertEqual(self.sql_one("SELECT password_hash FROM users WHERE username = 'acc.oldhash'"), converted)
            first = harness.login(c, "acc.oldhash", PASSWORD)
            self.assertEqual(first["user"]["username"], "acc.oldhash")
            # signing in stored a verifier with the current parameters (so the old ones stop telling who exists),
            # without ending the session just made
            upgraded = self.sql_one("SELECT password_hash FROM users WHERE username = 'acc.oldhash'")
            self.assertRegex(upgraded, r"^\$scrypt-sha256\$ln=17,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$")
            self.assertStatus(c.get("/api/v1/auth/me", token=first["token"]), 200)
            # the same password still signs in, the first session still works, and nothing is upgraded again
            second = harness.login(c, "acc.oldhash", PASSWORD)
            self.assertStatus(c.get("/api/v1/auth/me", token=first["token"]), 200)
            self.assertStatus(c.get("/api/v1/auth/me", token=second["token"]), 200)
            self.assertEqual(self.sql_one("SELECT password_hash FROM users WHERE username = 'acc.oldhash'"), upgraded)
            self.assertEqual(self.sql_one("SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id"
                                          " WHERE u.username = 'acc.oldhash' AND s.revoked_at IS NULL"), "2")
        # the rehash is audited with the sign-in that made it
        logins = self.audit("&action=login&entity_id=%d" % first["user"]["id"])
        self.assertEqual(sorted(json.dumps(a["detail"], sort_keys=True) for a in logins),
                         sorted([json.dumps({"parameters": "ln=17,r=8,p=1",
                                             "password_hash": "rehashed with the current parameters"},
                                            sort_keys=True), "null"]))

    def test_application_role_cannot_forge_a_rehash_to_keep_sessions(self):
        # the trigger that ends sessions on a new password skips only a rehash auth_login_check marked with a
        # digest of auth_secret: registry_app setting the mark by hand (here as the owner would see it) ends them
        na_pw = harness.add_user(self.registry, "acc.rehash", "national_viewer", PASSWORD)
        with self.registry.client(source="127.0.9.2") as c:
            tok = harness.login(c, "acc.rehash", PASSWORD)["token"]
            h = self.sql_one("SELECT password_hash FROM users WHERE id = %d" % na_pw)
            self.sql_one("SELECT set_config('registry.rehash', 'x', false);"
                         " UPDATE users SET password_hash = %s WHERE id = %d"
                         % (harness.sql_literal(h[:-43] + "B" * 43), na_pw))
            self.assertProblem(c.get("/api/v1/auth/me", token=tok), 401)

    # -- 6. row-level security underneath the server -------------------------------------------------------------
    def test_row_level_security_without_the_server(self):
        pa = self.actors["provincial_admin"]
        # what a provincial admin's transaction sees, next to what is there (same snapshot)
        out = harness.app_sql(
            self.pg, "SELECT 'app', id, coalesce(province_code, '-') FROM users ORDER BY id", token=pa.token,
            isolation="REPEATABLE READ",
            prelude="SELECT 'all', id, coalesce(province_code, '-') FROM users ORDER BY id;\n")
        rows = [line.split("|") for line in out.split("\n") if line]
        everyone = {int(i): p for k, i, p in rows if k == "all"}
        seen = {int(i): p for k, i, p in rows if k == "app"}
        self.assertIn(AWAY, everyone.values())          # the test means something: there are other rows
        self.assertIn("-", everyone.values())
        self.assertEqual(seen, {i: p for i, p in everyone.items() if p == HOME or i == pa.id})
        # the audit trail likewise
        out = harness.app_sql(
            self.pg, "SELECT count(*), count(*) FILTER (WHERE province_code = '%s') FROM audit_log" % HOME,
            token=pa.token, isolation="REPEATABLE READ",
            prelude="SELECT count(*) FILTER (WHERE province_code = '%s'), count(*) FROM audit_log;\n" % HOME)
        (home_all, total), (app_total, app_home) = [tuple(map(int, line.split("|"))) for line in out.split()]
        self.assertGreater(total, home_all)
        self.assertEqual((app_total, app_home), (home_all, home_all))
        # a county officer sees only itself among the users
        co = self.actors["county_officer"]
        self.assertEqual(harness.app_sql(self.pg, "SELECT id FROM users", token=co.token).split(), [str(co.id)])
        # no auth_begin, no settings: nothing at all
        self.assertEqual(harness.app_sql(self.pg, "SELECT count(*) FROM users").strip(), "0")
        self.assertEqual(harness.app_sql(self.pg, "SELECT count(*) FROM audit_log").strip(), "0")
        # things the application role may never do, whoever the caller is
        na = self.na()
        for sql, what in (("UPDATE audit_log SET detail = '{\"x\":1}'", "audit_log"),
                          ("DELETE FROM audit_log", "audit_log"),
                          ("UPDATE read_log SET detail = NULL", "read_log"),
                          ("DELETE FROM read_log", "read_log"),
                          ("INSERT INTO read_log (id, batch_id, at, action, entity, entity_id)"
                           " VALUES (-1, -1, now(), 'read', 'client', '1')", "read_log"),
                          ("SELECT * FROM read_batches", "read_batches"),
                          ("SELECT password_hash FROM users", "users"),
                          ("SELECT * FROM users", "users"),
                          ("SELECT * FROM sessions", "sessions"),
                          ("DELETE FROM users WHERE id = %d" % self.targets["in"].id, "users")):
            with self.subTest(sql=sql):
                with self.assertRaises(harness.PsqlError) as cm:
                    harness.app_sql(self.pg, sql, token=na.token)
                self.assertIn("permission denied for table " + what, cm.exception.stderr)
        # and a provincial admin cannot write a user of another province, even by SQL
        with self.assertRaises(harness.PsqlError) as cm:
            harness.app_sql(self.pg, "INSERT INTO users (username, password_hash, role, province_code)"
                                     " VALUES ('rls.sneak', 'x', 'provincial_officer', '%s')" % AWAY, token=pa.token)
        self.assertIn("row-level security", cm.exception.stderr)
        out = harness.app_sql(self.pg, "WITH u AS (UPDATE users SET full_name = 'x' WHERE id = %d RETURNING 1)"
                                       " SELECT count(*) FROM u" % self.targets["out"].id, token=pa.token)
        self.assertEqual(out.strip(), "0")

    # -- 7b. registry_app is a boundary (issue 13): the scope and the audit trail's who come only from the ticket
    # auth_begin gave the session, never from settings the role can set -------------------------------------------
    def ticket_of(self, token):
        """The session's scope ticket (made by auth_begin on the session's first request, committed)."""
        self.assertStatus(self.client.get("/api/v1/auth/me", token=token), 200)
        return self.sql_one("SELECT id FROM scope_tickets WHERE token_hash = decode('%s', 'hex') AND revoked_at IS NULL"
                            % harness.token_sha256_hex(token))

    def last_line(self, out):
        return out.strip().splitlines()[-1]

    WIDEN = ("SELECT set_config('registry.role', 'national_admin', false), set_config('registry.province', '', false),"
             " set_config('registry.county', '', false), set_config('registry.center', '', false),"
             " set_config('registry.user_id', '1', false);\n")

    def test_settings_do_not_widen_what_the_app_role_sees(self):
        co, pa = self.actors["county_officer"], self.actors["provincial_admin"]
        users_total = int(self.sql_one("SELECT count(*) FROM users"))
        for actor, users_seen, audit_seen in ((co, "1", "0"), (pa, None, None), (None, "0", "0")):
            token = actor.token if actor else None
            before = [self.last_line(harness.app_sql(self.pg, "SELECT count(*) FROM %s" % t, token=token))
                      for t in ("users", "audit_log")]
            if users_seen is not None:
                self.assertEqual(before, [users_seen, audit_seen])
            for widen in (self.WIDEN, self.WIDEN.replace("national_admin", "system")):
                with self.subTest(caller=actor.role if actor else "no session", widen=widen[:50]):
                    after = [self.last_line(harness.app_sql(self.pg, widen + "SELECT count(*) FROM %s" % t,
                                                            token=token))
                             for t in ("users", "audit_log")]
                    self.assertEqual(after, before)
                    self.assertLess(int(after[0]), users_total)
                    # nor through the functions that act for the caller as the owner (the search sees the names
                    # of every user's scope; with no session, nothing)
                    search = "SELECT count(*) FROM registry_search_ids('staff', '%', NULL, NULL, NULL, NULL, NULL)"
                    self.assertEqual(self.last_line(harness.app_sql(self.pg, widen + search, token=token)),
                                     self.last_line(harness.app_sql(self.pg, search, token=token)))

    def test_system_is_not_for_the_app_role_nor_its_members(self):
        """'system' (every row) is the owner's: registry_app, or a login role made for registryd as a member of it,
        setting registry.role = 'system' sees nothing."""
        self.pg.psql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_member') THEN"
                     " CREATE ROLE app_member NOLOGIN INHERIT; END IF; END $$; GRANT registry_app TO app_member")
        for role in ("registry_app", "app_member"):
            with self.subTest(role=role):
                out = self.pg.psql("BEGIN; SET LOCAL ROLE %s; SELECT set_config('registry.role', 'system', true);"
                                   " SELECT count(*) FROM users; SELECT count(*) FROM audit_log;"
                                   " SELECT count(*) FROM registry_scope_v WHERE role = 'system'; ROLLBACK" % role)
                self.assertEqual(out.split()[-3:], ["0", "0", "0"], out)
        # the owner (here a superuser) is the system when it says so
        out = self.pg.psql("BEGIN; SELECT set_config('registry.role', 'system', true);"
                           " SELECT count(*) > 0 FROM registry_scope_v WHERE role = 'system'; ROLLBACK")
        self.assertEqual(out.split()[-1], "t", out)

    def test_forged_or_ended_scope_ticket_is_refused(self):
        po = self.actors["provincial_officer"]
        ticket = self.ticket_of(po.token)
        self.assertRegex(ticket, r"^[0-9a-f]{64}$")
        # the real ticket sets the scope on the cached-read path (scope_set): po sees itself
        out = harness.app_sql(self.pg, "SELECT scope_set('%s', 'r', 'a');\nSELECT id FROM users" % ticket)
        self.assertEqual(self.last_line(out), str(po.id))
        # as registryd sends it (server/auth/authenticate.c): the ticket's user id, or NULL (answered 401)
        cached = ("SELECT coalesce(x.user_id::text, 'none') FROM (SELECT set_config('registry.scope', '%s', true) AS t,"
                  " set_config('registry.request_id', 'r', true), set_config('registry.address', 'a', true),"
                  " set_config('synchronous_commit', 'off', true) OFFSET 0) s"
                  " LEFT JOIN LATERAL (SELECT v.user_id FROM registry_scope_v v WHERE s.t IS NOT NULL) x ON true;\n"
                  "SELECT count(*) FROM users")
        self.assertEqual(harness.app_sql(self.pg, cached % ticket).split(), [str(po.id), "1"])
        forged = ticket[:-1] + ("0" if ticket[-1] != "0" else "1")
        self.assertEqual(harness.app_sql(self.pg, cached % forged).split(), ["none", "0"])
        for bad in (forged, "", "national_admin", ticket.upper()):
            with self.subTest(ticket=bad):
                with self.assertRaises(harness.PsqlError) as cm:
                    harness.app_sql(self.pg, "SELECT scope_set('%s', 'r', 'a')" % bad)
                self.assertIn("invalid scope ticket", cm.exception.stderr)
                out = harness.app_sql(self.pg, "SELECT set_config('registry.scope', '%s', false);\n"
                                               "SELECT count(*) FROM users" % bad)
                self.assertEqual(self.last_line(out), "0")
        # a ticket dies with its session
        with self.registry.client() as c:
            token = harness.login(c, "acc.po", PASSWORD)["token"]
            ended = self.ticket_of(token)
            self.assertEqual(c.post("/api/v1/auth/logout", token=token).status, 204)
        with self.assertRaises(harness.PsqlError) as cm:
            harness.app_sql(self.pg, "SELECT scope_set('%s', 'r', 'a')" % ended)
        self.assertIn("invalid scope ticket", cm.exception.stderr)
        self.assertEqual(harness.app_sql(self.pg, cached % ended).split(), ["none", "0"])
        out = harness.app_sql(self.pg, "SELECT set_config('registry.scope', '%s', false);\nSELECT count(*) FROM users"
                                       % ended)
        self.assertEqual(self.last_line(out), "0")
        # and registry_app cannot look tickets up
        with self.assertRaises(harness.PsqlError) as cm:
            harness.app_sql(self.pg, "SELECT id FROM scope_tickets", token=po.token)
        self.assertIn("permission denied for table scope_tickets", cm.exception.stderr)

    def test_audit_rows_take_who_from_the_ticket(self):
        na, po = self.na(), self.actors["provincial_officer"]
        pretend = ("SELECT set_config('registry.user_id', '%d', true), set_config('registry.username', '%s', true),"
                   " set_config('registry.role', 'provincial_officer', true);\n" % (po.id, po.username))
        out = harness.app_sql(self.pg, pretend + "INSERT INTO audit_log (action, entity, entity_id)"
                                                 " VALUES ('update', 'client', '1') RETURNING user_id, username, role",
                              token=na.token)
        self.assertEqual(self.last_line(out), "%d|%s|national_admin" % (na.id, na.username))
        # without a valid ticket there is no row at all
        for prelude in (pretend, "SELECT set_config('registry.scope', '%s', true);\n" % ("0" * 64)):
            with self.subTest(prelude=prelude[:40]):
                with self.assertRaises(harness.PsqlError) as cm:
                    harness.app_sql(self.pg, prelude + "INSERT INTO audit_log (action, entity) VALUES ('update', 'x')")
                self.assertIn("no valid scope ticket", cm.exception.stderr)
        # nor through owner code that takes the role from settings (0014's password check records registry_role(),
        # which is 'system' for the owner when the application set it so): a row naming the ticket's user takes its
        # username and role from the ticket
        out = harness.app_sql(self.pg, pretend.replace("'provincial_officer'", "'system'")
                              + "SELECT attempt_id FROM auth_password_start() \\gset\n"
                              + "SELECT auth_password_check(:attempt_id, 'not-the-key', NULL, '00');\n"
                              + "SELECT user_id, username, role FROM audit_log WHERE action = 'password_change_failed'"
                              " ORDER BY id DESC LIMIT 1", token=na.token)
        self.assertEqual(self.last_line(out), "%d|%s|national_admin" % (na.id, na.username))
        # read records: each names its reader only through the read's ticket
        reads = ("SELECT audit_reads(ARRAY[%s], ARRAY['127.0.0.1'], ARRAY['forge-check'], ARRAY['read'],"
                 " ARRAY['client'], ARRAY['1'], ARRAY['IR-23'], ARRAY[NULL::integer], ARRAY[NULL::bigint],"
                 " ARRAY[NULL::jsonb]);\n")
        ticket = self.ticket_of(na.token)
        out = harness.app_sql(self.pg, pretend + reads % harness.sql_literal(ticket)
                              + "SELECT user_id, username, role FROM read_log WHERE request_id = 'forge-check'",
                              token=na.token)
        self.assertEqual(self.last_line(out), "%d|%s|national_admin" % (na.id, na.username))
        for bad in ("0" * 64, ticket[:-1] + ("0" if ticket[-1] != "0" else "1")):
            with self.subTest(ticket=bad):
                with self.assertRaises(harness.PsqlError) as cm:
                    harness.app_sql(self.pg, reads % harness.sql_literal(bad), token=na.token)
                self.assertIn("without a valid scope ticket", cm.exception.stderr)
        # the old form, with who read as arrays the caller fills in, is gone
        with self.assertRaises(harness.PsqlError) as cm:
            harness.app_sql(self.pg, "SELECT audit_reads(ARRAY[1]::bigint[], ARRAY['x'], ARRAY['national_admin'],"
                                     " ARRAY['a'], ARRAY['r'], ARRAY['read'], ARRAY['client'], ARRAY['1'],"
                                     " ARRAY['IR-23'], ARRAY[NULL::integer], ARRAY[NULL::bigint], ARRAY[NULL::jsonb])",
                            token=na.token)
        self.assertIn("does not exist", cm.exception.stderr)

    def test_every_role_reads_through_the_cached_scope(self):
        """Each role's second request is served from the session cache (scope_set with the ticket), and sees what
        its first did."""
        for role, actor in self.actors.items():
            with self.subTest(role=role):
                first = self.client.get("/api/v1/auth/me", token=actor.token)
                self.assertStatus(first, 200)
                for _ in range(2):
                    again = self.client.get("/api/v1/auth/me", token=actor.token)
                    self.assertStatus(again, 200)
                    self.assertEqual(again.json(), first.json())
                    lst = self.client.get("/api/v1/centers?limit=5", token=actor.token)
                    self.assertStatus(lst, 200)

    # -- 8. reads are recorded -----------------------------------------------------------------------------------
    # TODO(clients/staff): reading a person's record (GET /api/v1/clients/{id}, /api/v1/staff/{id}) must leave an
    # audit row with action "read" (who read whose file); user accounts are not people's records, so nothing to
    # test yet.

    # -- 9. password change --------------------------------------------------------------------------------------
    def test_password_change(self):
        a = harness.login(self.client, "acc.pwchange", PASSWORD)["token"]
        b = harness.login(self.client, "acc.pwchange", PASSWORD)["token"]
        new = "Quiet-Harbor-Lamp-5173"
        r = self.client.post("/api/v1/auth/password", {"current_password": "Not-My-Password-11",
                                                       "new_password": new}, token=a)
        self.assertProblemFields(r, 422, ["current_password"])
        r = self.client.post("/api/v1/auth/password", {"current_password": PASSWORD, "new_password": "short"},
                             token=a)
        self.assertProblemFields(r, 422, ["new_password"])
        r = self.client.post("/api/v1/auth/password", {"current_password": PASSWORD,
                                                       "new_password": "aaaaaaaaaaaaaaaa"}, token=a)
        self.assertProblemFields(r, 422, ["new_password"])
        # both sessions still alive after the refusals
        self.assertStatus(self.client.get("/api/v1/auth/me", token=b), 200)
        r = self.client.post("/api/v1/auth/password", {"current_password": PASSWORD, "new_password": new}, token=a)
        self.assertStatus(r, 204)
        self.assertEqual(r.raw, b"")
        self.assertTokenDead(self.client, b, "the other session:")
        r = self.client.get("/api/v1/auth/me", token=a)
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["username"], "acc.pwchange")
        res = harness.login(self.client, "acc.pwchange", new)
        self.assertEqual(res["user"]["id"], self.user_ids["pwchange"])
        r = self.client.post("/api/v1/auth/login", {"username": "acc.pwchange", "password": PASSWORD})
        self.assertProblem(r, 401)
        rows = self.audit("&entity=user&action=password_change&entity_id=%d" % self.user_ids["pwchange"])
        self.assertEqual([a["user_id"] for a in rows], [self.user_ids["pwchange"]])

    def test_password_change_is_counted_throttled_and_audited(self):
        uid = harness.add_user(self.registry, "acc.pwguard", "national_viewer", PASSWORD)
        c = self.registry.client(source="127.0.6.1")
        self.addCleanup(c.close)
        token = harness.login(c, "acc.pwguard", PASSWORD)["token"]
        hashed0 = harness.metric(self.client, "registry_login_hashes_total")
        # many wrong current passwords at once with the token: one check at a time per user, the rest 429 unhashed
        def wrong(i):
            with self.registry.client(source="127.0.6.1") as cc:
                return cc.post("/api/v1/auth/password", {"current_password": "Wrong-Current-%d-x" % i,
                                                         "new_password": "Quiet-Harbor-Lamp-5173"}, token=token)
        with concurrent.futures.ThreadPoolExecutor(max_workers=20) as ex:
            replies = list(ex.map(wrong, range(20)))
        statuses = collections.Counter(r.status for r in replies)
        self.assertLessEqual(set(statuses), {422, 429}, statuses)
        for r in replies:
            if r.status == 429:
                self.assertTrue((r.header("Retry-After") or "").isdigit())
        checked = statuses[422]
        self.assertEqual(harness.metric(self.client, "registry_login_hashes_total") - hashed0, checked)
        self.assertLessEqual(checked, 5)
        # wrong ones until the pair (user, address) is locked, then even the right one is refused
        for i in range(5 - checked):
            self.assertProblemFields(c.post("/api/v1/auth/password", {"current_password": "Wrong-Again-%d-x" % i,
                                                                      "new_password": "Quiet-Harbor-Lamp-5173"},
                                            token=token), 422, ["current_password"])
        r = c.post("/api/v1/auth/password", {"current_password": PASSWORD, "new_password": "Quiet-Harbor-Lamp-5173"},
                   token=token)
        self.assertProblem(r, 429)
        self.assertGreater(int(r.header("Retry-After")), 300)
        # which counts for signing in too: the same lock
        self.assertProblem(c.post("/api/v1/auth/login", {"username": "acc.pwguard", "password": PASSWORD}), 429)
        # every check is audited
        rows = self.audit("&entity=user&entity_id=%d" % uid)
        self.assertEqual(collections.Counter(a["action"] for a in rows if a["action"].startswith("password")),
                         {"password_change_failed": 5})
        self.assertTrue(all(a["user_id"] == uid and a["address"] == "127.0.6.1" for a in rows
                            if a["action"] == "password_change_failed"))
        # the password is unchanged and the session alive
        self.assertStatus(c.get("/api/v1/auth/me", token=token), 200)
        # and the API description says so
        doc = self.client.get("/api/v1/openapi.json").json()
        self.assertIn("429", doc["paths"]["/api/v1/auth/password"]["post"]["responses"])
        with self.registry.client(source="127.0.6.2") as other:
            for _ in range(3):
                r = other.post("/api/v1/auth/login", {"username": "acc.pwguard", "password": PASSWORD})
                if r.status != 429:
                    break
                time.sleep(int(r.header("Retry-After")))
            self.assertStatus(r, 200)

    def test_password_reset_by_an_admin_ends_the_users_sessions(self):
        na = self.na()
        uid = harness.add_user(self.registry, "acc.reset", "national_viewer", PASSWORD)
        with self.registry.client(source="127.0.8.1") as c:
            a = harness.login(c, "acc.reset", PASSWORD)["token"]
            b = harness.login(c, "acc.reset", PASSWORD)["token"]
            self.assertStatus(c.get("/api/v1/auth/me", token=a), 200)     # now in the session cache
            self.assertStatus(c.get("/api/v1/auth/me", token=b), 200)
        path = "/api/v1/users/%d" % uid
        etag = self.client.get(path, token=na.token).headers.get("ETag")
        r = self.client.patch(path, {"password": "Quiet-Harbor-Lamp-5173"}, token=na.token, headers={"If-Match": etag})
        self.assertStatus(r, 200)
        # ended in the database (every registryd hears it: the sessions' NOTIFY) and here at once
        self.assertEqual(self.sql_one("SELECT count(*) FROM sessions WHERE user_id = %d AND revoked_at IS NULL" % uid),
                         "0")
        self.assertTokenDead(self.client, a, "after a reset:")
        with self.registry.client() as fresh:
            self.assertTokenDead(fresh, b, "after a reset, new client:")
        # the admin's own session is untouched, and the new password works
        self.assertStatus(self.client.get("/api/v1/auth/me", token=na.token), 200)
        with self.registry.client(source="127.0.8.2") as c:
            harness.login(c, "acc.reset", "Quiet-Harbor-Lamp-5173")

    # -- 10. PATCH a user; deactivation --------------------------------------------------------------------------
    def test_patch_user_and_deactivate(self):
        na = self.na()
        r = self.client.post("/api/v1/users", {"username": "acc.patched", "password": PASSWORD,
                                               "role": "provincial_officer", "province": HOME}, token=na.token)
        self.assertStatus(r, 201)
        self.assertEqual(harness.etag_v(r), '"v1"')
        uid = r.json()["id"]
        path = "/api/v1/users/%d" % uid
        token = harness.login(self.client, "acc.patched", PASSWORD)["token"]

        self.assertProblem(self.client.patch(path, {"full_name": "Mina Rahimi"}, token=na.token), 428)
        self.assertProblem(self.client.patch(path, {"full_name": "Mina Rahimi"}, token=na.token,
                                             headers={"If-Match": harness.etag("user", uid, 7)}), 412)
        self.assertEqual(self.user_row(uid), (1, "", True))
        # a tag of another user, or garbage, on a user that is not there: 404, not 412
        for tag in ("garbage", harness.etag("user", uid, 1)):
            self.assertProblem(self.client.patch("/api/v1/users/999999999", {"full_name": "x"}, token=na.token,
                                                 headers={"If-Match": tag}), 404)
        r = self.client.patch(path, {"full_name": "Mina Rahimi"}, token=na.token, headers={"If-Match": harness.etag("user", uid, 1)})
        self.assertStatus(r, 200)
        self.assertEqual(harness.etag_v(r), '"v2"')
        self.assertEqual((r.json()["full_name"], r.json()["version"]), ("Mina Rahimi", 2))
        r = self.client.get(path, token=na.token)
        self.assertStatus(r, 200)
        self.assertEqual(harness.etag_v(r), '"v2"')
        self.assertProblem(self.client.patch(path, {"full_name": "Stale"}, token=na.token,
                                             headers={"If-Match": harness.etag("user", uid, 1)}), 412)
        rows = self.audit("&entity=user&action=update&entity_id=%d" % uid)
        self.assertEqual(len(rows), 1, rows)
        a = rows[0]
        self.assertEqual((a["user_id"], a["username"], a["province"]), (na.id, na.username, HOME))
        self.assertEqual((a["before"]["full_name"], a["before"]["version"]), (None, 1))
        self.assertEqual((a["after"]["full_name"], a["after"]["version"]), ("Mina Rahimi", 2))
        self.assertNotIn("password_hash", json.dumps(a))

        # deactivation: the existing token dies, and signing in fails like a wrong password
        self.assertStatus(self.client.get("/api/v1/auth/me", token=token), 200)
        r = self.client.patch(path, {"active": False}, token=na.token, headers={"If-Match": harness.etag("user", uid, 2)})
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["active"], harness.etag_v(r)), (False, '"v3"'))
        self.assertTokenDead(self.client, token, "deactivated, same connection:")
        with self.registry.client() as fresh:
            self.assertTokenDead(fresh, token, "deactivated, new client:")
        r = self.client.post("/api/v1/auth/login", {"username": "acc.patched", "password": PASSWORD})
        self.assertProblem(r, 401)
        self.assertEqual(r.json()["detail"], "Wrong username or password.")

    def test_scope_change_takes_effect_at_once(self):
        # Role and scope come from the user row on every request (users.c), not from the session: an admin moved
        # to another province, then demoted, is served in the new scope by the very next request, on the same
        # keep-alive connection (so the same server thread) it used before.
        na, uid = self.na(), self.user_ids["mover"]
        token = harness.login(self.client, "acc.mover", PASSWORD)["token"]
        self.assertStatus(self.client.get("/api/v1/users?limit=500", token=token), 200)
        self.assertStatus(self.client.get("/api/v1/audit?limit=1", token=token), 200)
        r = self.client.patch("/api/v1/users/%d" % uid, {"province": AWAY}, token=na.token,
                              headers={"If-Match": harness.etag("user", uid, 1)})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["province"], AWAY)
        with self.subTest("users list after the move"):
            r = self.client.get("/api/v1/users?limit=500", token=token)
            self.assertStatus(r, 200)
            items = r.json()["items"]
            self.assertEqual({i["province"] for i in items}, {AWAY})
            ids = {i["id"] for i in items}
            self.assertIn(self.targets["out"].id, ids)
            self.assertNotIn(self.targets["in"].id, ids)
        with self.subTest("audit list after the move"):
            r = self.client.get("/api/v1/audit?entity=user&action=create&limit=500", token=token)
            self.assertStatus(r, 200)
            items = r.json()["items"]
            self.assertEqual({i["province"] for i in items}, {AWAY})
            self.assertIn(str(self.targets["out"].id), {i["entity_id"] for i in items})
        with self.subTest("reading a user of the old province"):
            self.assertProblem(self.client.get("/api/v1/users/%d" % self.targets["in"].id, token=token), 404)
        r = self.client.patch("/api/v1/users/%d" % uid, {"role": "provincial_officer"}, token=na.token,
                              headers={"If-Match": harness.etag("user", uid, 2)})
        self.assertStatus(r, 200)
        with self.subTest("users list after the demotion"):
            self.assertProblem(self.client.get("/api/v1/users?limit=500", token=token), 403)
        with self.subTest("audit list after the demotion"):
            self.assertProblem(self.client.get("/api/v1/audit?limit=500", token=token), 403)
        with self.subTest("creating a user after the demotion"):
            r = self.client.post("/api/v1/users", {"username": "mover.made", "password": PASSWORD,
                                                   "role": "county_officer", "county_id": self.away_county},
                                 token=token)
            self.assertProblem(r, 403)
            self.assertFalse(self.user_exists("mover.made"))


class AuditTamperTest(harness.RegistryTestCase):
    """Changing or removing an audit row behind the application's back (as the database owner) is noticed by
    `registryctl audit verify`. Each test puts the trail back as it was and checks it verifies again."""

    @classmethod
    def seed(cls):
        harness.add_users(cls.registry, {
            "na": dict(username="tamper.na", role="national_admin", password=PASSWORD),
            "pa": dict(username="tamper.pa", role="provincial_admin", password=PASSWORD, province=HOME),
            "po": dict(username="tamper.po", role="provincial_officer", password=PASSWORD, province=AWAY)})
        with cls.registry.client() as c:
            harness.login(c, "tamper.na", PASSWORD)     # a fourth row, written by registryd
        # registryd's sealer records the day's first heads (and logs them) within its first seconds, unless a
        # `registryctl audit verify` seals first (which prints them instead): wait for it before any verify
        cls.head_logged = cls.registry.wait_for_log(
            lambda o: "audit head recorded: audit_log " in o.get("msg", ""), timeout=30)

    def verify(self):
        return self.registry.ctl("audit", "verify")

    def assertIntact(self):
        cp = self.verify()
        self.assertEqual(cp.returncode, 0, cp.stderr)
        self.assertIn("intact", cp.stdout)
        return cp

    def sealed(self):
        """[(seal_seq, id)] of the sealed rows, in chain order."""
        out = self.pg.psql("SELECT seal_seq, id FROM audit_log WHERE seal_seq IS NOT NULL ORDER BY seal_seq")
        return [tuple(map(int, line.split("|"))) for line in out.split()]

    def test_changed_row_is_caught(self):
        self.assertIntact()
        chain = self.sealed()
        self.assertGreaterEqual(len(chain), 4)
        first = chain[0][1]
        self.pg.psql("CREATE TABLE tamper_saved AS SELECT * FROM audit_log WHERE id = %d" % first)
        self.addCleanup(self.pg.psql, "DROP TABLE IF EXISTS tamper_saved")
        self.pg.psql("ALTER TABLE audit_log DISABLE TRIGGER audit_append_only;"
                     " UPDATE audit_log SET detail = '{\"x\":1}'"
                     "  WHERE id = (SELECT min(id) FROM audit_log WHERE seal_seq IS NOT NULL);"
                     " ALTER TABLE audit_log ENABLE TRIGGER audit_append_only;")
        cp = self.verify()
        self.assertNotEqual(cp.returncode, 0, cp.stdout)
        self.assertNotIn("intact", cp.stdout)
        self.assertIn("chain position 1 (audit id %d): row changed after it was written" % first, cp.stderr)

        # the same change with the row's hash recomputed: the next row's link gives it away
        self.pg.psql("ALTER TABLE audit_log DISABLE TRIGGER audit_append_only;"
                     " UPDATE audit_log a SET hash = sha256(a.prev_hash || audit_row_bytes(a)) WHERE id = %d;"
                     " ALTER TABLE audit_log ENABLE TRIGGER audit_append_only;" % first)
        cp = self.verify()
        self.assertNotEqual(cp.returncode, 0, cp.stdout)
        self.assertIn("chain position 2 (audit id %d): link to the previous row broken" % chain[1][1], cp.stderr)

        # put it back: intact again
        self.pg.psql("ALTER TABLE audit_log DISABLE TRIGGER audit_append_only;"
                     " UPDATE audit_log a SET detail = s.detail, hash = s.hash FROM tamper_saved s WHERE a.id = s.id;"
                     " ALTER TABLE audit_log ENABLE TRIGGER audit_append_only;")
        self.assertIntact()

    def test_deleted_row_is_caught(self):
        self.assertIntact()
        chain = self.sealed()
        self.assertGreaterEqual(len(chain), 4)
        seq, victim = chain[1]
        self.pg.psql("CREATE TABLE tamper_saved AS SELECT * FROM audit_log WHERE id = %d" % victim)
        self.addCleanup(self.pg.psql, "DROP TABLE IF EXISTS tamper_saved")
        self.pg.psql("ALTER TABLE audit_log DISABLE TRIGGER audit_append_only;"
                     " DELETE FROM audit_log WHERE id = %d;"
                     " ALTER TABLE audit_log ENABLE TRIGGER audit_append_only;" % victim)
        cp = self.verify()
        self.assertNotEqual(cp.returncode, 0, cp.stdout)
        self.assertNotIn("intact", cp.stdout)
        self.assertIn("chain position %d" % seq, cp.stderr)
        self.assertIn("row missing from the chain", cp.stderr)

        # put it back exactly (no trigger may restamp it): intact again
        self.pg.psql("ALTER TABLE audit_log DISABLE TRIGGER audit_stamp;"
                     " INSERT INTO audit_log OVERRIDING SYSTEM VALUE SELECT * FROM tamper_saved;"
                     " ALTER TABLE audit_log ENABLE TRIGGER audit_stamp;")
        self.assertIntact()

    def test_changed_or_removed_read_record_is_caught(self):
        """Reads of people's records live in read_log, sealed a batch at a time (migration 0011)."""
        with self.registry.client() as c:
            token = harness.login(c, "tamper.na", PASSWORD)["token"]
            for _ in range(3):
                self.assertEqual(c.get("/api/v1/clients?limit=1", token=token).status, 200)
        cp = self.assertIntact()
        self.assertRegex(cp.stdout, r"; [1-9][0-9]* read records in [1-9][0-9]* batches, head r[1-9][0-9]*:[0-9a-f]{64}")
        victim = int(self.pg.psql("SELECT min(id) FROM read_log").strip())
        batch = int(self.pg.psql("SELECT batch_id FROM read_log WHERE id = %d" % victim).strip())
        self.pg.psql("CREATE TABLE tamper_saved AS SELECT * FROM read_log WHERE id = %d" % victim)
        self.addCleanup(self.pg.psql, "DROP TABLE IF EXISTS tamper_saved")

        # the owner bypassing the append-only trigger to change a record
        self.pg.psql("ALTER TABLE read_log DISABLE TRIGGER read_log_append_only;"
                     " UPDATE read_log SET username = 'someone.else' WHERE id = %d;"
                     " ALTER TABLE read_log ENABLE TRIGGER read_log_append_only;" % victim)
        cp = self.verify()
        self.assertNotEqual(cp.returncode, 0, cp.stdout)
        self.assertIn("(read batch %d): read records changed after they were written" % batch, cp.stderr)

        # or to remove it
        self.pg.psql("ALTER TABLE read_log DISABLE TRIGGER read_log_append_only;"
                     " DELETE FROM read_log WHERE id = %d;"
                     " ALTER TABLE read_log ENABLE TRIGGER read_log_append_only;" % victim)
        cp = self.verify()
        self.assertNotEqual(cp.returncode, 0, cp.stdout)
        self.assertIn("(read batch %d): read records " % batch, cp.stderr)

        # a whole sealed batch removed, rows and all: the chain of batches gives it away
        self.pg.psql("CREATE TABLE tamper_batch AS SELECT * FROM read_batches WHERE id = %d" % batch)
        self.addCleanup(self.pg.psql, "DROP TABLE IF EXISTS tamper_batch")
        self.pg.psql("ALTER TABLE read_log DISABLE TRIGGER read_log_append_only;"
                     " ALTER TABLE read_batches DISABLE TRIGGER read_batches_append_only;"
                     " CREATE TABLE tamper_rows AS SELECT * FROM read_log WHERE batch_id = %d;"
                     " DELETE FROM read_log WHERE batch_id = %d; DELETE FROM read_batches WHERE id = %d;"
                     " ALTER TABLE read_batches ENABLE TRIGGER read_batches_append_only;"
                     " ALTER TABLE read_log ENABLE TRIGGER read_log_append_only;" % (batch, batch, batch))
        self.addCleanup(self.pg.psql, "DROP TABLE IF EXISTS tamper_rows")
        cp = self.verify()
        self.assertNotEqual(cp.returncode, 0, cp.stdout)
        self.assertIn("read batch missing from the chain", cp.stderr)

        # put everything back exactly: intact again
        self.pg.psql("INSERT INTO read_batches OVERRIDING SYSTEM VALUE SELECT * FROM tamper_batch;"
                     " INSERT INTO read_log SELECT * FROM tamper_rows;"
                     " INSERT INTO read_log SELECT * FROM tamper_saved;")
        self.assertIntact()

    # -- hole 8: a cut tail or a re-chain passes the chain walk; the heads kept give it away ---------------------
    def heads(self, cp):
        """(audit_log head, read head) as verify prints them: "N:HASH", "rN:HASH"."""
        m = re.search(r"head ([0-9]+:[0-9a-f]{64}); .* head (r[0-9]+:[0-9a-f]{64})", cp.stdout)
        self.assertIsNotNone(m, cp.stdout)
        return m.group(1), m.group(2)

    def save_trail(self):
        """Keeps a copy of both chains and puts it back after the test (the owner bypassing the triggers)."""
        self.pg.psql("CREATE TABLE saved_log AS SELECT * FROM audit_log; CREATE TABLE saved_reads AS SELECT * FROM"
                     " read_log; CREATE TABLE saved_batches AS SELECT * FROM read_batches")
        self.addCleanup(self.pg.psql, "DROP TABLE saved_log, saved_reads, saved_batches")
        self.addCleanup(self.pg.psql, RESTORE_TRAIL)

    def walk_alone_passes(self):
        """The chain walks from the start (what verify did before the heads) find nothing wrong."""
        self.assertEqual(self.pg.psql("SELECT count(*) FROM audit_verify(1)").strip(), "0")
        self.assertEqual(self.pg.psql("SELECT count(*) FROM audit_verify_reads(1)").strip(), "0")

    def test_cut_tail_and_reseal_is_caught_by_the_heads(self):
        with self.registry.client() as c:
            token = harness.login(c, "tamper.na", PASSWORD)["token"]
            for _ in range(2):
                self.assertEqual(c.get("/api/v1/clients?limit=1", token=token).status, 200)
        head, read_head = self.heads(self.assertIntact())
        self.save_trail()
        # the owner cuts the last two rows of each chain, then the application goes on and the sealer seals the new
        # rows where the cut ones were
        self.pg.psql(
            "ALTER TABLE audit_log DISABLE TRIGGER audit_append_only;"
            " DELETE FROM audit_log WHERE seal_seq > (SELECT max(seal_seq) - 2 FROM audit_log);"
            " ALTER TABLE audit_log ENABLE TRIGGER audit_append_only;"
            " ALTER TABLE read_log DISABLE TRIGGER read_log_append_only;"
            " ALTER TABLE read_batches DISABLE TRIGGER read_batches_append_only;"
            " DELETE FROM read_log WHERE batch_id IN (SELECT id FROM read_batches"
            "  WHERE seal_seq > (SELECT max(seal_seq) - 2 FROM read_batches));"
            " DELETE FROM read_batches WHERE seal_seq > (SELECT max(seal_seq) - 2 FROM read_batches);"
            " ALTER TABLE read_batches ENABLE TRIGGER read_batches_append_only;"
            " ALTER TABLE read_log ENABLE TRIGGER read_log_append_only;")
        with self.registry.client() as c:
            for _ in range(3):
                self.assertEqual(c.get("/api/v1/clients?limit=1", token=token).status, 200)
        self.pg.psql("SELECT audit_seal()")
        self.walk_alone_passes()
        cp = self.verify()
        self.assertNotEqual(cp.returncode, 0, cp.stdout)
        self.assertRegex(cp.stderr, r"BROKEN: head r?[0-9]+:[0-9a-f]{64} of (audit_log|read_batches) recorded .*: the"
                                    r" chain (no longer reaches this position|holds another hash at this position)")
        for expected in (head, read_head):
            with self.subTest(expect=expected):
                cp = self.registry.ctl("audit", "verify", "--full", "--expect", expected)
                self.assertNotEqual(cp.returncode, 0, cp.stdout)
                self.assertIn("expected head %s" % expected, cp.stderr + cp.stdout)

    def test_changed_row_rechained_is_caught_by_the_heads(self):
        head, read_head = self.heads(self.assertIntact())
        self.save_trail()
        # the owner changes the first row and computes the chain again from it: every link and hash agrees
        self.pg.psql("ALTER TABLE audit_log DISABLE TRIGGER audit_append_only;"
                     " UPDATE audit_log SET detail = '{\"x\":1}' WHERE seal_seq = 1;"
                     " UPDATE audit_log SET seal_seq = NULL, prev_hash = NULL, hash = NULL;"
                     " ALTER TABLE audit_log ENABLE TRIGGER audit_append_only;"
                     " SELECT audit_seal();")
        self.walk_alone_passes()
        cp = self.registry.ctl("audit", "verify", "--full")
        self.assertNotEqual(cp.returncode, 0, cp.stdout)
        self.assertIn("the chain holds another hash at this position (rows changed and the chain computed again)",
                      cp.stderr)
        cp = self.registry.ctl("audit", "verify", "--expect", head)
        self.assertNotEqual(cp.returncode, 0, cp.stdout)
        self.assertIn("expected head %s of audit_log" % head, cp.stderr)
        # the read chain's head is untouched: expecting it alone is fine, as far as that check goes
        self.assertEqual(self.pg.psql("SELECT audit_head_problem('read_batches', %s, decode('%s', 'hex'))"
                                      % tuple(read_head[1:].split(":"))).strip(), "")

    def test_heads_are_recorded_where_the_application_cannot_change_them(self):
        self.assertIntact()
        # the sealer recorded today's heads, and said so in registryd's log
        self.assertGreaterEqual(int(self.pg.psql("SELECT count(*) FROM audit_heads WHERE recorded_by = 'sealer'"
                                                 " AND recorded_at >= date_trunc('day', now())")), 1)
        # and logged the one it recorded (setUpClass waited for the line)
        seq_hash = self.head_logged["msg"].split("audit head recorded: audit_log ", 1)[1]
        seq, digest = seq_hash.split(":")
        self.assertEqual(self.pg.psql("SELECT encode(hash, 'hex') FROM audit_heads WHERE chain = 'audit_log'"
                                      " AND seal_seq = %d AND recorded_by = 'sealer'" % int(seq)).strip(), digest)
        # registry_app can neither read nor write them, whoever the caller
        with self.registry.client() as c:
            token = harness.login(c, "tamper.na", PASSWORD)["token"]
        for sql in ("SELECT * FROM audit_heads", "DELETE FROM audit_heads",
                    "INSERT INTO audit_heads (chain, seal_seq, hash, recorded_by) VALUES ('audit_log', 1, '', 'sealer')",
                    "SELECT audit_record_heads('verify')"):
            with self.subTest(sql=sql):
                with self.assertRaises(harness.PsqlError) as cm:
                    harness.app_sql(self.pg, sql, token=token)
                self.assertIn("permission denied", cm.exception.stderr)
        # and not even the owner changes or removes one without first disabling the trigger
        for sql in ("UPDATE audit_heads SET hash = '\\x00'", "DELETE FROM audit_heads", "TRUNCATE audit_heads"):
            with self.subTest(sql=sql):
                with self.assertRaises(harness.PsqlError) as cm:
                    self.pg.psql(sql)
                self.assertIn("audit_heads is append-only", cm.exception.stderr)

    def test_expect_is_checked_for_its_form(self):
        for bad in ("12", "x12:" + "0" * 64, "12:" + "0" * 63, "r:" + "0" * 64, "-1:" + "0" * 64):
            with self.subTest(expect=bad):
                cp = self.registry.ctl("audit", "verify", "--expect", bad)
                self.assertEqual(cp.returncode, 2, cp.stdout + cp.stderr)
                self.assertIn("SEQ a chain position", cp.stderr)
        # a well-formed head that was never in the chain
        cp = self.registry.ctl("audit", "verify", "--expect", "999999:" + "0" * 64)
        self.assertEqual(cp.returncode, 1, cp.stdout + cp.stderr)
        self.assertIn("the chain no longer reaches this position", cp.stderr)


# Puts back the trail save_trail() copied, as the owner (what a test changed is gone; ids are never reused).
RESTORE_TRAIL = """
ALTER TABLE audit_log DISABLE TRIGGER USER; ALTER TABLE read_log DISABLE TRIGGER USER;
ALTER TABLE read_batches DISABLE TRIGGER USER;
DELETE FROM audit_log; INSERT INTO audit_log OVERRIDING SYSTEM VALUE SELECT * FROM saved_log;
DELETE FROM read_log; INSERT INTO read_log SELECT * FROM saved_reads;
DELETE FROM read_batches; INSERT INTO read_batches SELECT * FROM saved_batches;
ALTER TABLE audit_log ENABLE TRIGGER USER; ALTER TABLE read_log ENABLE TRIGGER USER;
ALTER TABLE read_batches ENABLE TRIGGER USER;
"""


if __name__ == "__main__":
    harness.main()
