"""Sync (issue 16): ?updated_since= on the lists (by scope, with an index) and the changes feed
(GET /api/v1/changes): by role, by entity, in pages, transfers out of and into a scope, the property that a follower
from cursor 0 ends with exactly what a full list gives (two writers meanwhile), and the long poll (?wait=)."""

import concurrent.futures
import itertools
import os
import random
import re
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PASSWORD = "Tidal-Ledger-Copper-5128"
national_id = harness.national_id_sequence(523450011, 13)
word = harness.persian_words(itertools.count(20 ** 3 + 9151))
q = harness.query
_local = threading.local()


class ThreadedActors(harness.ActorTestCase):
    """ActorTestCase whose requests may come from several threads: each thread its own connection."""

    def req(self, method, path, who, body=None, etag=None, headers=None):
        h = dict(headers or {})
        if etag is not None:
            m = re.fullmatch(r'"v(\d+)"', etag)
            h["If-Match"] = harness.etag_of(path, m.group(1)) if m else etag
        if threading.current_thread() is threading.main_thread():
            c = self.client
        else:
            if not hasattr(_local, "client"):
                # longer than the longest wait (60 s): a loaded machine may take a while to make the write that
                # answers a long poll, and the client must not give up on a poll the server still holds
                _local.client = self.registry.client(timeout=90)
            c = _local.client
        return c.request(method, path, body=body, headers=h, token=self.tok[who])

    def waiting(self):
        """The server's long polls waiting now (its /metrics), asked on a connection of its own."""
        with self.registry.client() as c:
            return harness.metric(c, "registry_changes_waiting")


class SyncTest(ThreadedActors):

    @classmethod
    def seed(cls):
        cls.seed_cast("sync", PASSWORD, word)

    # -- helpers --------------------------------------------------------------------------------------------------
    def new_client(self, who="admin", county=None, **fields):
        body = {"national_id": national_id(), "first_name": "زهرا", "last_name": word(), "birth_date": "1988-06-15",
                "sex": "female", "county_id": county or self.TEH_A}
        body.update(fields)
        return self.ok("POST", "/api/v1/clients", who, 201, body).json()

    def feed(self, who, after=0, **params):
        """Every change after the cursor, page by page; returns (items, the last next_cursor)."""
        out = []
        cursor = str(after)
        while True:
            page = self.ok("GET", "/api/v1/changes?" + q(after=cursor, limit=params.get("limit", 500),
                                                         **{k: v for k, v in params.items() if k != "limit"}),
                           who).json()
            self.assertIsInstance(page["next_cursor"], str)
            out += page["items"]
            if not page["items"]:
                self.assertGreaterEqual(int(page["next_cursor"]), int(cursor))
                return out, page["next_cursor"]
            self.assertGreater(int(page["next_cursor"]), int(cursor))
            cursor = page["next_cursor"]

    def head(self):
        return self.feed("admin")[1]

    def all_ids(self, path, who):
        """(id, version) of every row of a list, page by page."""
        got, cursor = set(), None
        while True:
            page = self.ok("GET", path + ("&" if "?" in path else "?") + q(limit=500, **(
                {"cursor": cursor} if cursor else {})), who).json()
            got |= {(x["id"], x["version"]) for x in page["items"]}
            cursor = page["next_cursor"]
            if not cursor:
                return got

    def set_updated_at(self, table, ids_at):
        self.registry.pg.psql("".join("UPDATE %s SET updated_at = '%s' WHERE id = %d;" % (table, at, i)
                                      for i, at in ids_at))

    # -- ?updated_since= ------------------------------------------------------------------------------------------
    def test_updated_since_refuses_what_is_not_an_instant(self):
        for path in ("/api/v1/clients", "/api/v1/centers", "/api/v1/staff", "/api/v1/users", "/api/v1/allocations",
                     "/api/v1/campaigns", "/api/v1/donations", "/api/v1/loans", "/api/v1/submissions"):
            for bad in ("yesterday", "2026-01-05T08:30:00", "2026-02-30", "2026-01-05T08:30:00+0330"):
                with self.subTest(path=path, value=bad):
                    body = self.assertFields(self.req("GET", path + "?" + q(updated_since=bad), "admin"), 400,
                                             ["updated_since"])
                    self.assertEqual(body["errors"][0]["code"], "updated_since.invalid")
            with self.subTest(path=path, value="good"):
                self.assertEqual(self.items(path + "?updated_since=2099-01-01T00:00:00Z", "admin"), [])
                if path != "/api/v1/users":         # admins' only
                    self.assertEqual(self.items(path + "?updated_since=2099-01-01", "county"), [])
        c = self.new_client()
        for sub in ("enrollments", "services"):
            self.assertFields(self.req("GET", "/api/v1/clients/%d/%s?updated_since=soon" % (c["id"], sub), "admin"),
                              400, ["updated_since"])

    def test_updated_since_filters_by_instant_and_scope(self):
        # far-future stamps, so that no other row of the class is at or after them
        a = self.new_client(county=self.TEH_A)
        b = self.new_client(county=self.TEH_A)
        f = self.new_client(county=self.FARS_A)
        self.set_updated_at("clients", [(a["id"], "2090-01-01 00:00:00+00"), (b["id"], "2090-06-01 00:00:00+00"),
                                        (f["id"], "2090-06-01 00:00:00+00")])

        def ids(since, who="admin", path="/api/v1/clients"):
            return sorted(x["id"] for x in self.items(path + "?" + q(updated_since=since, limit=500), who))
        self.assertEqual(ids("2090-03-01"), sorted([b["id"], f["id"]]))
        self.assertEqual(ids("2090-01-01T03:30:00+03:30"), sorted([a["id"], b["id"], f["id"]]))   # the same instant
        self.assertEqual(ids("2090-01-01T00:00:00.000001Z"), sorted([b["id"], f["id"]]))
        self.assertEqual(ids("2090-06-01T00:00:01Z"), [])
        self.assertEqual(ids("2090-03-01", "county"), [b["id"]])                  # its county only
        self.assertEqual(ids("2090-03-01", "fars"), [f["id"]])
        self.assertEqual(ids("2090-03-01", "ngo"), [])
        # with the list's other filters
        self.assertEqual(sorted(x["id"] for x in self.items("/api/v1/clients?" + q(
            updated_since="2090-01-01", province=self.FARS), "admin")), [f["id"]])

        # the other lists: centers, staff, users, a client's enrollments
        s = self.ok("POST", "/api/v1/staff", "admin", 201, {
            "national_id": national_id(), "first_name": "مریم", "last_name": word(), "profession": "social_worker",
            "center_id": self.CENTER_PUB}).json()
        self.set_updated_at("staff", [(s["id"], "2091-01-01 00:00:00+00")])
        self.assertEqual(ids("2091-01-01", path="/api/v1/staff"), [s["id"]])
        self.assertEqual(ids("2091-01-01", "fars", path="/api/v1/staff"), [])
        self.set_updated_at("centers", [(self.CENTER_B, "2092-01-01 00:00:00+00")])
        self.assertEqual(ids("2092-01-01", path="/api/v1/centers"), [self.CENTER_B])
        self.assertEqual(ids("2092-01-01", "county", path="/api/v1/centers"), [])   # TEH_B is not its county
        self.assertEqual(ids("2092-01-01", "teh", path="/api/v1/centers"), [self.CENTER_B])
        uid = self.items("/api/v1/users?limit=500", "admin")[0]["id"]
        self.set_updated_at("users", [(uid, "2093-01-01 00:00:00+00")])
        self.assertEqual(ids("2093-01-01", path="/api/v1/users"), [uid])
        e1 = self.ok("POST", "/api/v1/clients/%d/enrollments" % a["id"], "admin", 201,
                     {"program": "cbr", "started_on": "2024-01-01"}).json()
        e2 = self.ok("POST", "/api/v1/clients/%d/enrollments" % a["id"], "admin", 201,
                     {"program": "housing", "started_on": "2024-02-01"}).json()
        self.set_updated_at("enrollments", [(e2["id"], "2094-01-01 00:00:00+00")])
        path = "/api/v1/clients/%d/enrollments" % a["id"]
        self.assertEqual(ids("2094-01-01", path=path), [e2["id"]])
        self.assertEqual(ids("2000-01-01", path=path), sorted([e1["id"], e2["id"]]))

    def test_every_change_bumps_updated_at(self):
        """A write that changes a row and does not set updated_at itself (a transfer moving a client's services did
        not) still moves it (migration 0024's registry_touch)."""
        c = self.new_client()
        svc = self.ok("POST", "/api/v1/clients/%d/services" % c["id"], "admin", 201, {
            "center_id": self.CENTER_PUB, "service": "physiotherapy", "provided_on": "2024-03-01"})
        sid = svc.json()["id"]
        self.set_updated_at("services", [(sid, "2001-01-01 00:00:00+00")])
        self.ok("POST", "/api/v1/clients/%d/transfer" % c["id"], "admin", 200, {"county_id": self.FARS_A},
                etag='"v1"')
        out = self.registry.pg.psql("SELECT updated_at > '2001-01-02' FROM services WHERE id = %d" % sid)
        self.assertIn("t", out.split())

    def test_updated_since_uses_an_index(self):
        """At a national scale (200,000 clients, changed over the last 200,000 minutes), the last half hour's
        changes are read through the updated_at index, not by walking the table in id order: the plan of the
        list's statement for ?updated_since= (clients_list_since, describe.c) once its plan cache has settled
        (PostgreSQL decides between a generic and a custom plan after five executions)."""
        self.registry.pg.psql(
            "ALTER TABLE clients DISABLE TRIGGER USER;"
            " INSERT INTO clients (national_id, first_name, last_name, birth_date, sex, county_id, province_code,"
            " updated_at)"
            " SELECT '8' || lpad(g::text, 9, '0'), 'x', 'y', '1980-01-01', 'female', %d, '%s',"
            " now() - interval '1 minute' * g FROM generate_series(1, 200000) g;"
            " ALTER TABLE clients ENABLE TRIGGER USER; ANALYZE clients;" % (self.TEH_A, self.TEHRAN))
        try:
            run = " EXECUTE p(NULL, NULL, NULL, now() - interval '30 minutes');"
            plan = self.registry.pg.psql(
                "PREPARE p(text, integer, bigint, timestamptz) AS SELECT t.id FROM clients t"
                " WHERE ($1::text IS NULL OR t.province_code = $1) AND ($2::integer IS NULL OR t.county_id = $2)"
                " AND ($3::bigint IS NULL OR t.center_id = $3) AND t.updated_at >= $4::timestamptz"
                " ORDER BY t.id LIMIT 51;\n\\o /dev/null\n" + run * 8 + "\n\\o\nEXPLAIN" + run)
            print("\n" + plan, file=sys.stderr)
            self.assertIn("Index Scan using clients_updated_at", plan)
            # and through the API: the half hour's rows (those 30, and whatever this class changed meanwhile)
            got = [x["id"] for x in self.items("/api/v1/clients?" + q(
                updated_since=self.registry.pg.psql("SELECT to_char((now() - interval '30 minutes') AT TIME ZONE"
                                                    " 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')").strip().split()[-1],
                limit=500), "admin")]
            self.assertGreaterEqual(len(got), 29)
        finally:
            self.registry.pg.psql("ALTER TABLE clients DISABLE TRIGGER USER;"
                                  " DELETE FROM clients WHERE first_name = 'x' AND last_name = 'y';"
                                  " ALTER TABLE clients ENABLE TRIGGER USER; ANALYZE clients;")

    def test_the_description_says_it(self):
        doc = self.client.get("/api/v1/openapi.json").json()
        for path in ("/api/v1/clients", "/api/v1/centers", "/api/v1/staff", "/api/v1/users", "/api/v1/loans",
                     "/api/v1/submissions", "/api/v1/donations"):
            names = [p["name"] for p in doc["paths"][path]["get"].get("parameters", [])]
            self.assertIn("updated_since", names, path)
        op = doc["paths"]["/api/v1/changes"]["get"]
        self.assertEqual(op["operationId"], "listChanges")
        self.assertEqual(sorted(p["name"] for p in op["parameters"] if p["in"] == "query"),
                         ["after", "entity", "limit", "wait"])
        for path in ("/api/v1/clients/{id}/enrollments", "/api/v1/clients/{id}/services",
                     "/api/v1/loans/{id}/repayments"):
            names = [p["name"] for p in doc["paths"][path]["get"]["parameters"] if p["in"] == "query"]
            self.assertIn("updated_since", names, path)
        schemas = doc["components"]["schemas"]
        self.assertEqual(sorted(schemas["ChangesPage"]["properties"]), ["items", "next_cursor"])
        self.assertEqual(sorted(schemas["Change"]["properties"]), ["action", "at", "entity", "id", "version"])

    # -- the feed -------------------------------------------------------------------------------------------------
    def test_feed_by_role_entity_and_page(self):
        start = self.head()
        in_a = self.new_client(county=self.TEH_A)
        in_b = self.new_client(county=self.TEH_B)
        in_fars = self.new_client(county=self.FARS_A)
        at_ngo = self.new_client(county=self.TEH_A, center_id=self.CENTER_NGO)
        self.ok("PATCH", "/api/v1/clients/%d" % in_a["id"], "admin", body={"first_name": "مینا"}, etag='"v1"')
        self.ok("DELETE", "/api/v1/clients/%d" % in_b["id"], "admin", etag='"v1"')
        st = self.ok("POST", "/api/v1/staff", "admin", 201, {
            "national_id": national_id(), "first_name": "مریم", "last_name": word(), "profession": "nurse",
            "center_id": self.CENTER_NGO}).json()

        def seen(who, **params):
            return [(x["entity"], x["id"], x["action"], x["version"]) for x in self.feed(who, start, **params)[0]]
        everything = seen("admin")
        self.assertEqual(everything, [
            ("client", in_a["id"], "create", 1), ("client", in_b["id"], "create", 1),
            ("client", in_fars["id"], "create", 1), ("client", at_ngo["id"], "create", 1),
            ("client", in_a["id"], "update", 2), ("client", in_b["id"], "close", 2),
            ("staff", st["id"], "create", 1)])
        self.assertEqual(seen("viewer"), everything)
        self.assertEqual(seen("county"), [e for e in everything if e[1] in (in_a["id"], at_ngo["id"])
                                          or e[0] == "staff"])                   # its county: TEH_A only
        self.assertEqual(seen("teh"), [e for e in everything if e[1] != in_fars["id"]])
        self.assertEqual(seen("fars"), [("client", in_fars["id"], "create", 1)])
        self.assertEqual(seen("ngo"), [("client", at_ngo["id"], "create", 1), ("staff", st["id"], "create", 1)])
        self.assertEqual(seen("admin", entity="staff"), [("staff", st["id"], "create", 1)])
        self.assertEqual(seen("admin", limit=2), everything)                    # pages of 2 give the same
        for x in self.feed("admin", start)[0]:
            self.assertRegex(x["at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
        # a page that found nothing keeps (or moves forward) the cursor; a page of a scope that saw nothing of the
        # others' changes still moves it past them, so its next poll does not read them again
        items, cur = self.feed("fars", self.feed("admin", start)[1])
        self.assertEqual(items, [])
        self.assertEqual(cur, self.feed("admin", start)[1])
        # the query's mistakes
        for params, field in (({"after": "-1"}, "after"), ({"after": "x"}, "after"), ({"entity": "user"}, "entity"),
                              ({"wait": "0"}, "wait"), ({"wait": "61"}, "wait"), ({"limit": "501"}, "limit")):
            with self.subTest(params=params):
                self.assertFields(self.req("GET", "/api/v1/changes?" + q(**params), "admin"), 400, [field])
        self.assertStatus(self.client.get("/api/v1/changes"), 401)

    def test_a_transfer_leaves_one_scope_and_enters_another(self):
        start = self.head()
        c = self.new_client(county=self.TEH_A)
        self.ok("POST", "/api/v1/clients/%d/enrollments" % c["id"], "admin", 201,
                {"program": "cbr", "started_on": "2024-01-01"})
        self.ok("POST", "/api/v1/clients/%d/transfer" % c["id"], "county", 200, {"county_id": self.FARS_A},
                etag='"v1"')

        def of(who):
            return [(x["entity"], x["action"], x["version"]) for x in self.feed(who, start)[0]
                    if x["entity"] != "enrollment" or x["action"].startswith("transfer")]
        self.assertEqual(of("county"), [("client", "create", 1), ("client", "transfer_out", 2),
                                        ("enrollment", "transfer_out", 2)])
        self.assertEqual(of("fars"), [("client", "transfer_in", 2), ("enrollment", "transfer_in", 2)])
        self.assertEqual(of("admin"), [("client", "create", 1), ("client", "transfer_out", 2),
                                       ("client", "transfer_in", 2), ("enrollment", "transfer_out", 2),
                                       ("enrollment", "transfer_in", 2)])
        # and back into the county
        self.ok("POST", "/api/v1/clients/%d/transfer" % c["id"], "fars", 200, {"county_id": self.TEH_A},
                etag='"v2"')
        self.assertEqual(of("county")[-2:], [("client", "transfer_in", 3), ("enrollment", "transfer_in", 3)])

    def test_a_follower_from_zero_ends_with_what_a_full_list_gives(self):
        """Two writers create, update, close and transfer clients at once; followers of the feed from cursor 0 (a
        county officer, a provincial officer, the national admin), applying each change (the record's version, or
        dropping it on transfer_out), end with exactly the (id, version) set of a full list of their scope."""
        counties = [self.TEH_A, self.TEH_B, self.FARS_A]
        seeded = [self.new_client(county=random.Random(i).choice(counties))["id"] for i in range(6)]

        def writer(n):
            rnd = random.Random(1000 + n)
            mine = list(seeded[n::2])
            for _ in range(25):
                op = rnd.choice(["create", "update", "update", "transfer", "close"])
                if op == "create" or not mine:
                    mine.append(self.new_client(county=rnd.choice(counties))["id"])
                    continue
                cid = rnd.choice(mine)
                cur = self.ok("GET", "/api/v1/clients/%d" % cid, "admin").json()
                tag = '"v%d"' % cur["version"]
                if op == "update":
                    self.ok("PATCH", "/api/v1/clients/%d" % cid, "admin", body={"last_name": word()}, etag=tag)
                elif op == "transfer":
                    to = rnd.choice([c for c in counties if c != cur["county_id"]])
                    self.ok("POST", "/api/v1/clients/%d/transfer" % cid, "admin", 200, {"county_id": to}, etag=tag)
                elif cur["status"] != "closed":
                    self.ok("DELETE", "/api/v1/clients/%d" % cid, "admin", etag=tag)

        # a follower reads while they write, too: what it read early must not be contradicted later
        followers = {who: ({}, ["0"]) for who in ("county", "teh", "admin")}

        def follow(who):
            state, cursor = followers[who]
            items, cursor[0] = self.feed(who, cursor[0], entity="client")
            for x in items:
                if x["action"] == "transfer_out":
                    state.pop(x["id"], None)
                else:
                    state[x["id"]] = x["version"]
        with concurrent.futures.ThreadPoolExecutor(3) as ex:
            fs = [ex.submit(writer, 0), ex.submit(writer, 1)]
            while not all(f.done() for f in fs):
                follow("county")
                follow("admin")
            for f in fs:
                f.result()
        for who in followers:
            follow(who)
            with self.subTest(who=who):
                self.assertEqual(set(followers[who][0].items()), self.all_ids("/api/v1/clients", who))

    def test_long_poll_wakes_on_a_write_and_times_out_empty(self):
        cursor = self.head()
        # nothing new: after the wait, an empty page with the same cursor
        page = self.ok("GET", "/api/v1/changes?" + q(after=cursor, wait=1), "admin").json()
        self.assertEqual(page, {"items": [], "next_cursor": cursor})
        # a write while nobody waits leaves nothing behind (the sanitizer's leak check at the server's exit)
        self.new_client()
        cursor = self.head()
        # a wait answered by a write made after it began: the page holds that write's record, which did not exist
        # when the request was sent
        box = {}

        def wait():
            box["page"] = self.ok("GET", "/api/v1/changes?" + q(after=cursor, wait=60), "fars").json()
        t = threading.Thread(target=wait)
        t.start()
        harness.wait_until(lambda: self.waiting() == 1, "the poll waiting")
        self.new_client(county=self.TEH_A)          # not the waiter's scope: woken, it reads nothing, waits again
        harness.wait_until(lambda: self.waiting() == 1 and t.is_alive(), "the poll waiting again")
        made = self.new_client(county=self.FARS_B)
        t.join(90)
        self.assertFalse(t.is_alive())
        self.assertEqual([(x["id"], x["action"]) for x in box["page"]["items"]], [(made["id"], "create")])
        harness.wait_until(lambda: self.waiting() == 0, "nobody waiting")


class SyncDrainTest(ThreadedActors):
    """A draining server answers its waiting long polls at once (an empty page), rather than holding its exit."""

    @classmethod
    def seed(cls):
        cls.seed_cast("drain", PASSWORD, word)

    def test_shutdown_answers_a_waiting_poll(self):
        page = self.ok("GET", "/api/v1/changes", "admin").json()
        box = {}

        def wait():
            box["resp"] = self.req("GET", "/api/v1/changes?" + q(after=page["next_cursor"], wait=60), "admin")
        t = threading.Thread(target=wait)
        t.start()
        harness.wait_until(lambda: self.waiting() == 1, "the poll waiting")
        self.assertEqual(self.registry.stop(), 0)
        t.join(90)
        self.assertFalse(t.is_alive())
        self.assertStatus(box["resp"], 200)
        self.assertEqual(box["resp"].json()["items"], [])


if __name__ == "__main__":
    harness.main()
