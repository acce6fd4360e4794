"""Submissions from NGO partner centers: batches of up to 1,000 client, staff and service records, each checked and
answered on its own (index, status, errors); safe to retry with an Idempotency-Key (replay, conflict, two at once);
approved in one all-or-nothing transaction by an officer whose scope holds the center, or rejected with a reason;
scope (the NGO sees its own center's only, out of scope is 404), size limits, and the access matrix."""

import itertools
import json
import os
import sys
import threading
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PASSWORD = "Amber-Courtyard-Kite-5190"
TEHRAN, FARS = "IR-23", "IR-07"
SUB = "/api/v1/submissions"
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

_name_seq = itertools.count(1)


national_id = harness.national_id_sequence(310270003, 13)


bad_check_digit = harness.bad_check_digit


def word():
    return "خانواده%d" % next(_name_seq)


def new_key():
    return "e2e-" + uuid.uuid4().hex


q = harness.query


class SubmissionsTest(harness.ActorTestCase):

    # per-user quotas small enough to reach here (the other tests stay well inside them)
    RECORDS_PER_DAY, PENDING_MAX, PENDING_BYTES = 2500, 20, 2_000_000
    registry_env = {"REGISTRY_SUBMISSION_RECORDS_PER_DAY": RECORDS_PER_DAY,
                    "REGISTRY_SUBMISSION_PENDING_MAX": PENDING_MAX,
                    "REGISTRY_SUBMISSION_PENDING_BYTES": PENDING_BYTES}

    @classmethod
    def seed(cls):
        reg = cls.registry
        cls.uname = {k: "sub-" + k.replace("_", "-") for k in ("admin", "viewer", "pa", "po", "county", "fars", "ngo1",
                                                               "ngo2", "q_records", "q_pending", "q_bytes")}
        cls.add_actors({"admin": dict(username=cls.uname["admin"], role="national_admin")}, PASSWORD)
        with reg.client() as c:
            teh, fars = harness.county_ids(c, TEHRAN), harness.county_ids(c, FARS)
            cls.TEH_A, cls.TEH_B = teh[0], teh[1]
            cls.FARS_A = fars[0]

            def center(county, name):
                return harness.seed_request(c, "POST", "/api/v1/centers", {
                    "name": name, "type": "rehabilitation_day", "sector": "ngo", "county_id": county},
                    token=cls.tok["admin"])["id"]
            cls.NGO1 = center(cls.TEH_A, "انجمن یاری " + word())
            cls.NGO2 = center(cls.TEH_A, "انجمن همدلی " + word())
            cls.NGO_FARS = center(cls.FARS_A, "انجمن شیراز " + word())
        spec = {"viewer": dict(role="national_viewer"), "pa": dict(role="provincial_admin", province=TEHRAN),
                "po": dict(role="provincial_officer", province=TEHRAN),
                "county": dict(role="county_officer", county=cls.TEH_A),
                "fars": dict(role="provincial_officer", province=FARS),
                "ngo1": dict(role="ngo_submitter", center=cls.NGO1),
                "ngo2": dict(role="ngo_submitter", center=cls.NGO2),
                "q_records": dict(role="ngo_submitter", center=cls.NGO2),
                "q_pending": dict(role="ngo_submitter", center=cls.NGO2),
                "q_bytes": dict(role="ngo_submitter", center=cls.NGO2)}
        cls.add_actors({k: dict(v, username=cls.uname[k]) for k, v in spec.items()}, PASSWORD)
        with reg.client() as c:
            def client(center):
                return harness.seed_request(c, "POST", "/api/v1/clients", {
                    "national_id": national_id(), "first_name": "رضا", "last_name": word(),
                    "birth_date": "1979-02-11", "sex": "male", "county_id": cls.TEH_A, "center_id": center},
                    token=cls.tok["county"])["id"]
            cls.NGO1_CLIENTS = [client(cls.NGO1) for _ in range(4)]     # services in submissions are for these
            cls.NGO2_CLIENT = client(cls.NGO2)

    # -- helpers (req, ok, items, all_items, assertNotFoundLikeMissing: harness.ActorTestCase) ---------------------------------

    def audit(self, **params):
        return self.all_items("/api/v1/audit?" + q(**params), "admin")

    def post_raw(self, who, raw, key, client=None):
        headers = {"Content-Type": "application/json"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return (client or self.client).request("POST", SUB, body=raw, headers=headers, token=self.tok[who])

    def submit(self, who, records, center=None, key="new"):
        """POST /api/v1/submissions; returns (response, key, raw body)."""
        body = {"records": records}
        if center is not None:
            body["center_id"] = center
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        key = new_key() if key == "new" else key
        return self.post_raw(who, raw, key), key, raw

    def submitted(self, who, records, center=None):
        r, key, raw = self.submit(who, records, center)
        self.assertStatus(r, 201, "submission by %s" % who)
        return r.json()

    def decide(self, who, sid, decision, reason=None):
        body = {"decision": decision}
        if reason is not None:
            body["reason"] = reason
        return self.req("POST", "%s/%d/decision" % (SUB, sid), who, body)

    def assertFields(self, resp, status, fields):
        """The errors name exactly these fields (whether each has a message is not checked here)."""
        body = self.assertProblem(resp, status)
        self.assertEqual(sorted({e["field"] for e in body.get("errors", [])}), sorted(fields), body)
        return body

    def keys_stored(self, key):
        return int(self.pg.psql("SELECT count(*) FROM submissions WHERE idempotency_key = %s"
                                % harness.sql_literal(key)).strip())

    def clients_with(self, nid, who="admin"):
        return self.all_items("/api/v1/clients?" + q(national_id=nid), who)

    def staff_with(self, nid, who="admin"):
        return self.all_items("/api/v1/staff?" + q(national_id=nid), who)

    def services_of(self, cid):
        return len(self.all_items("/api/v1/clients/%d/services" % cid, "admin"))

    # -- records --------------------------------------------------------------------------------------------------
    def client_rec(self, nid=None, county=None, **over):
        data = {"national_id": nid or national_id(), "first_name": "زهرا", "last_name": word(),
                "birth_date": "1985-03-21", "sex": "female", "county_id": county or self.TEH_A}
        data.update(over)
        return {"kind": "client", "data": data}

    def staff_rec(self, nid=None, **over):
        data = {"national_id": nid or national_id(), "first_name": "مریم", "last_name": word(),
                "profession": "social_worker"}
        data.update(over)
        return {"kind": "staff", "data": data}

    def service_rec(self, client_id, **over):
        data = {"client_id": client_id, "service": "physiotherapy", "provided_on": "2024-05-01"}
        data.update(over)
        return {"kind": "service", "data": data}

    def build_batch(self, n):
        """n records (n >= 200) for NGO1: mostly clients, every 20th a staff member, every 25th a service for one of
        NGO1's clients, and planted cases. Returns (records, invalid {index: [fields]}, valid {kind: [index]})."""
        fars_nid = national_id()
        self.ok("POST", "/api/v1/clients", "fars", 201, self.client_rec(fars_nid, county=self.FARS_A)["data"])
        records = []
        for i in range(n):
            if i % 20 == 7:
                records.append(self.staff_rec())
            elif i % 25 == 3:
                records.append(self.service_rec(self.NGO1_CLIENTS[i % len(self.NGO1_CLIENTS)]))
            else:
                records.append(self.client_rec())
        at = {name: base * n // 1000 for name, base in (
            ("dup_src", 100), ("pdup_src", 200), ("bad_check", 117), ("no_last", 233), ("sex", 350), ("dup", 401),
            ("pdup", 450), ("taken", 555), ("profession", 640), ("foreign_client", 777), ("both", 900))}
        src, psrc = national_id(), national_id()
        records[at["dup_src"]] = self.client_rec(src)
        records[at["pdup_src"]] = self.client_rec(psrc)
        bad = self.client_rec()
        del bad["data"]["last_name"]
        planted = {
            "bad_check": (self.client_rec(bad_check_digit(national_id())), ["national_id"]),
            "no_last": (bad, ["last_name"]),
            "sex": (self.client_rec(sex="other"), ["sex"]),
            "dup": (self.client_rec(src), ["national_id"]),                              # second occurrence
            "pdup": (self.client_rec(psrc.translate(PERSIAN_DIGITS)), ["national_id"]),  # same ID, Persian digits
            "taken": (self.client_rec(fars_nid), ["national_id"]),                      # registered in Fars
            "profession": (self.staff_rec(profession="wizard"), ["profession"]),
            "foreign_client": (self.service_rec(self.NGO2_CLIENT), ["client_id"]),      # another center's client
            "both": (self.staff_rec(src), None),           # a client of the batch may also be staff: valid
        }
        invalid = {}
        for name, (rec, fields) in planted.items():
            records[at[name]] = rec
            if fields:
                invalid[at[name]] = fields
        self.assertEqual(len(set(at.values())), len(at), "planted positions collide")
        # an ID registered in another province: the NGO is told nothing of it (its record reads valid), the
        # reviewing officer sees it invalid, and approval leaves it out
        self.hidden = {at["taken"]}
        valid = {"client": [], "staff": [], "service": []}
        for i, rec in enumerate(records):
            if i not in invalid:
                valid[rec["kind"]].append(i)
        return records, invalid, valid

    def assertResults(self, results, records, invalid):
        self.assertEqual(len(results), len(records))
        for i, res in enumerate(results):
            with self.subTest(index=i):
                self.assertEqual(sorted(res), ["errors", "index", "status"], res)
                self.assertEqual(res["index"], i)
                if i in invalid:
                    self.assertEqual(res["status"], "invalid", res)
                    self.assertEqual(sorted({e["field"] for e in res["errors"]}), sorted(invalid[i]), res)
                    for e in res["errors"]:
                        self.assertTrue(e.get("message"), res)
                else:
                    self.assertEqual((res["status"], res["errors"]), ("valid", []), (res, records[i]))

    # -- 1. a batch of 1,000 records -------------------------------------------------------------------------------
    def test_01_batch_of_1000_records_answered_one_by_one(self):
        records, invalid, valid = self.build_batch(1000)
        t0 = time.monotonic()
        r, key, raw = self.submit("ngo1", records)
        elapsed = time.monotonic() - t0
        print("\nsubmission of 1,000 records answered in %.3f s (%d bytes sent)" % (elapsed, len(raw)), flush=True)
        self.assertStatus(r, 201)
        body = r.json()
        self.assertEqual(sorted(body), ["id", "results", "status"])
        sid = body["id"]
        self.assertIsInstance(sid, int)
        self.assertEqual(body["status"], "pending")
        self.assertEqual(urllib.parse.urlsplit(r.headers.get("Location")).path, "%s/%d" % (SUB, sid))
        told = {i: f for i, f in invalid.items() if i not in self.hidden}
        self.assertResults(body["results"], records, told)
        self.assertEqual(len(invalid), 8)

        d = self.ok("GET", "%s/%d" % (SUB, sid), "ngo1").json()
        nvalid = sum(len(v) for v in valid.values())
        self.assertEqual((d["status"], d["center_id"], d["province"], d["county_id"], d["record_count"],
                          d["valid_count"], d["submitted_by"], d["decided_by"]),
                         ("pending", self.NGO1, TEHRAN, self.TEH_A, 1000, nvalid + len(self.hidden),
                          self.uid["ngo1"], None))
        self.assertEqual(d["results"], body["results"])
        self.assertEqual(d["records"], records, "records are kept as sent")
        # the reviewing officer sees every finding
        o = self.ok("GET", "%s/%d" % (SUB, sid), "county").json()
        self.assertResults(o["results"], records, invalid)
        self.assertEqual(o["valid_count"], nvalid)
        # nothing is in the registry before approval
        for i in valid["client"][:5]:
            self.assertEqual(self.clients_with(records[i]["data"]["national_id"]), [])

    # -- 2. replay --------------------------------------------------------------------------------------------------
    def test_02_replay_same_key_same_body_and_conflicts(self):
        records = [self.client_rec() for _ in range(8)] + [self.staff_rec(), self.service_rec(self.NGO1_CLIENTS[0])]
        r1, key, raw = self.submit("ngo1", records)
        self.assertStatus(r1, 201)
        sid = r1.json()["id"]
        before = [s["id"] for s in self.all_items(SUB, "admin")]
        self.assertIn(sid, before)

        r2 = self.post_raw("ngo1", raw, key)
        self.assertStatus(r2, 201, "replay")
        self.assertEqual(r2.raw, r1.raw, "a replay answers exactly the first reply")
        self.assertEqual(r2.headers.get("Location"), r1.headers.get("Location"))
        self.assertEqual([s["id"] for s in self.all_items(SUB, "admin")], before, "a replay created a submission")
        self.assertEqual(len(self.audit(entity="submission", entity_id=sid, action="create")), 1)
        self.assertEqual(self.keys_stored(key), 1)

        other = json.dumps({"records": records[:-1]}, ensure_ascii=False).encode("utf-8")
        self.assertProblem(self.post_raw("ngo1", other, key), 409)
        for k in (None, ""):
            with self.subTest(key=k):
                self.assertProblem(self.post_raw("ngo1", raw, k), 400)
        self.assertEqual([s["id"] for s in self.all_items(SUB, "admin")], before)
        self.assertEqual(len(self.audit(entity="submission", entity_id=sid, action="create")), 1)
        # keys belong to their user: the same key from another NGO is its own submission
        r3 = self.post_raw("ngo2", raw, key)
        self.assertStatus(r3, 201)
        self.assertNotEqual(r3.json()["id"], sid)
        self.assertEqual(self.ok("GET", "%s/%d" % (SUB, r3.json()["id"]), "ngo2").json()["center_id"], self.NGO2)

    # -- 3. two identical requests at once ----------------------------------------------------------------------
    def test_03_two_identical_requests_at_once_make_one_submission(self):
        for rnd in range(5):
            records = [self.client_rec() for _ in range(20)]
            raw = json.dumps({"records": records}, ensure_ascii=False).encode("utf-8")
            key = new_key()
            barrier, out = threading.Barrier(2), [None, None]

            def send(i):
                with self.registry.client() as c:
                    c.get("/healthz")           # connected before the barrier
                    barrier.wait(10)
                    try:
                        out[i] = self.post_raw("ngo1", raw, key, client=c)
                    except Exception as e:      # reported below
                        out[i] = e
            ts = [threading.Thread(target=send, args=(i,)) for i in range(2)]
            for t in ts:
                t.start()
            for t in ts:
                t.join(60)
            with self.subTest(round=rnd):
                for o in out:
                    self.assertIsInstance(o, harness.Response, "round %d: %r" % (rnd, o))
                    self.assertStatus(o, 201, "round %d" % rnd)
                self.assertEqual(out[0].json()["id"], out[1].json()["id"])
                self.assertEqual(out[0].raw, out[1].raw)
                self.assertEqual(self.keys_stored(key), 1, "round %d: submissions with the key" % rnd)
                sid = out[0].json()["id"]
                self.assertEqual(len(self.audit(entity="submission", entity_id=sid, action="create")), 1)

    # -- 4. approval ----------------------------------------------------------------------------------------------
    def test_04_approval_writes_every_valid_record(self):
        records, invalid, valid = self.build_batch(200)
        sid = self.submitted("ngo1", records)["id"]
        services_before = {c: self.services_of(c) for c in self.NGO1_CLIENTS}

        # its record registered in Fars (hidden from the NGO) must be excluded by name first
        taken = min(self.hidden)
        body = self.assertFields(self.decide("county", sid, "approve"), 409, ["records[%d]" % taken])
        self.assertEqual(self.ok("GET", "%s/%d" % (SUB, sid), "county").json()["status"], "pending")
        self.assertEqual(body["errors"][0]["field"], "records[%d]" % taken)
        r = self.req("POST", "%s/%d/decision" % (SUB, sid), "county",
                     {"decision": "approve", "exclude": [{"index": taken, "reason": "registered in another province"}]})
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), {"id": sid, "status": "approved", "reason": None,
                                    "applied": {k: len(v) for k, v in valid.items()}, "excluded": [taken]})
        made = {"client": set(), "staff": set(), "service": set()}
        for i in valid["client"]:
            data = records[i]["data"]
            got = self.clients_with(data["national_id"], "county")
            self.assertEqual([(c["last_name"], c["center_id"], c["county_id"], c["status"]) for c in got],
                             [(data["last_name"], self.NGO1, self.TEH_A, "active")], "client of record %d" % i)
            made["client"].add(got[0]["id"])
        for i in valid["staff"]:
            data = records[i]["data"]
            got = self.staff_with(data["national_id"], "county")
            self.assertEqual([(s["last_name"], s["center_id"], s["profession"]) for s in got],
                             [(data["last_name"], self.NGO1, "social_worker")], "staff of record %d" % i)
            made["staff"].add(got[0]["id"])
        for i, fields in invalid.items():
            data = records[i]["data"]
            if records[i]["kind"] == "client" and fields == ["national_id"]:
                continue        # a duplicate or a taken ID: the other record exists, rightly
            if "national_id" in data:
                with self.subTest(invalid=i):
                    self.assertEqual(self.clients_with(data["national_id"]) + self.staff_with(data["national_id"]),
                                     [], "record %d was invalid" % i)
        want = {c: services_before[c] + sum(1 for i in valid["service"] if records[i]["data"]["client_id"] == c)
                for c in self.NGO1_CLIENTS}
        self.assertEqual({c: self.services_of(c) for c in self.NGO1_CLIENTS}, want)
        self.assertEqual(self.services_of(self.NGO2_CLIENT), 0)

        d = self.ok("GET", "%s/%d" % (SUB, sid), "ngo1").json()
        self.assertEqual((d["status"], d["decided_by"], d["reason"]), ("approved", self.uid["county"], None))
        self.assertTrue(d["decided_at"])
        for kind in ("client", "staff", "service"):
            rows = [a for a in self.audit(entity=kind, action="create")
                    if (a.get("detail") or {}).get("submission_id") == sid]
            self.assertEqual(len(rows), len(valid[kind]), kind)
            self.assertEqual({a["username"] for a in rows}, {self.uname["county"]}, kind)
            if kind != "service":
                self.assertEqual({int(a["entity_id"]) for a in rows}, made[kind], kind)
        self.assertEqual(len(self.audit(entity="submission", entity_id=sid, action="approve")), 1)

        self.assertProblem(self.decide("county", sid, "approve"), 409)
        self.assertProblem(self.decide("admin", sid, "approve"), 409)
        self.assertProblem(self.decide("county", sid, "reject", "too late"), 409)
        self.assertEqual(self.ok("GET", "%s/%d" % (SUB, sid), "county").json()["status"], "approved")
        self.assertEqual(len(self.clients_with(records[valid["client"][0]]["data"]["national_id"])), 1)
        self.assertEqual({c: self.services_of(c) for c in self.NGO1_CLIENTS}, want, "applied twice")

    # -- 5. approval that fails whole -------------------------------------------------------------------------------
    def test_05_approval_is_all_or_nothing(self):
        x, y, s = self.client_rec(), self.client_rec(), self.staff_rec()
        target = self.NGO1_CLIENTS[1]
        body = self.submitted("ngo1", [y, s, self.service_rec(target), x])
        sid = body["id"]
        self.assertEqual([res["status"] for res in body["results"]], ["valid"] * 4)
        direct = self.ok("POST", "/api/v1/clients", "county", 201,
                         dict(x["data"], last_name=word(), center_id=self.NGO1)).json()
        services_before = self.services_of(target)

        self.assertProblem(self.decide("county", sid, "approve"), 409)
        self.assertEqual(self.clients_with(y["data"]["national_id"]), [], "an earlier record of the batch was applied")
        self.assertEqual(self.staff_with(s["data"]["national_id"]), [])
        self.assertEqual(self.services_of(target), services_before)
        self.assertEqual([c["id"] for c in self.clients_with(x["data"]["national_id"])], [direct["id"]])
        d = self.ok("GET", "%s/%d" % (SUB, sid), "ngo1").json()
        self.assertEqual((d["status"], d["decided_by"], d["decided_at"]), ("pending", None, None))
        for kind in ("client", "staff", "service"):
            self.assertEqual([a for a in self.audit(entity=kind, action="create")
                              if (a.get("detail") or {}).get("submission_id") == sid], [], kind)
        self.assertEqual(self.audit(entity="submission", entity_id=sid, action="approve"), [])
        # still pending: it can be rejected
        self.assertStatus(self.decide("county", sid, "reject", "national ID of record 3 is registered already"), 200)

    # -- 6. rejection -------------------------------------------------------------------------------------------
    def test_06_reject_needs_a_reason_and_the_ngo_sees_it(self):
        rec = self.client_rec()
        sid = self.submitted("ngo1", [rec, self.staff_rec()])["id"]
        self.assertFields(self.decide("county", sid, "reject"), 422, ["reason"])
        self.assertFields(self.decide("county", sid, "reject", ""), 422, ["reason"])
        self.assertFields(self.decide("county", sid, "maybe"), 422, ["decision"])
        self.assertFields(self.req("POST", "%s/%d/decision" % (SUB, sid), "county", {}), 422, ["decision"])
        self.assertEqual(self.ok("GET", "%s/%d" % (SUB, sid), "ngo1").json()["status"], "pending")

        reason = "تاریخ تولد ردیف ۱ با شناسنامه نمی‌خواند"
        r = self.decide("county", sid, "reject", reason)
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), {"id": sid, "status": "rejected", "reason": reason,
                                    "applied": {"client": 0, "staff": 0, "service": 0}, "excluded": []})
        d = self.ok("GET", "%s/%d" % (SUB, sid), "ngo1").json()
        self.assertEqual((d["status"], d["reason"], d["decided_by"]), ("rejected", reason, self.uid["county"]))
        self.assertIn(sid, [s["id"] for s in self.all_items(SUB + "?status=rejected", "ngo1")])
        self.assertNotIn(sid, [s["id"] for s in self.all_items(SUB + "?status=pending", "ngo1")])
        self.assertEqual(self.clients_with(rec["data"]["national_id"]), [])
        rows = self.audit(entity="submission", entity_id=sid, action="reject")
        self.assertEqual([(a["username"], a["detail"]) for a in rows], [(self.uname["county"], {"reason": reason})])
        self.assertProblem(self.decide("county", sid, "approve"), 409)
        self.assertEqual(self.clients_with(rec["data"]["national_id"]), [])

    # -- 7. scope -------------------------------------------------------------------------------------------------
    def test_07_scope(self):
        mine = self.submitted("ngo1", [self.client_rec()])["id"]
        theirs = self.submitted("ngo2", [self.client_rec()])["id"]
        missing = self.req("GET", "%s/999999999" % SUB, "ngo2")
        self.assertNotFoundLikeMissing(self.req("GET", "%s/%d" % (SUB, mine), "ngo2"), missing)
        for decision in (("approve", None), ("reject", "x")):
            self.assertProblem(self.decide("ngo2", mine, *decision), 403)
            self.assertProblem(self.decide("ngo1", mine, *decision), 403)     # its own: the role cannot review
        for who, own, other, center in (("ngo1", mine, theirs, self.NGO1), ("ngo2", theirs, mine, self.NGO2)):
            with self.subTest(who=who):
                listed = self.all_items(SUB, who)
                self.assertEqual({s["center_id"] for s in listed}, {center})
                ids = [s["id"] for s in listed]
                self.assertIn(own, ids)
                self.assertNotIn(other, ids)
        self.assertEqual(self.all_items(SUB + "?center_id=%d" % self.NGO2, "ngo1"), [])

        self.assertNotFoundLikeMissing(self.req("GET", "%s/%d" % (SUB, mine), "fars"),
                                       self.req("GET", "%s/999999999" % SUB, "fars"))
        self.assertNotFoundLikeMissing(self.decide("fars", mine, "approve"),
                                       self.decide("fars", 999999999, "approve"))
        self.assertProblem(self.decide("fars", mine, "reject", "x"), 404)
        self.assertNotIn(mine, [s["id"] for s in self.all_items(SUB, "fars")])
        self.assertEqual(self.ok("GET", "%s/%d" % (SUB, mine), "county").json()["status"], "pending")

        r, key, _ = self.submit("ngo1", [self.client_rec()], center=self.NGO2)
        self.assertProblem(r, 403)
        self.assertEqual(self.keys_stored(key), 0)
        r, key, _ = self.submit("ngo1", [self.client_rec()], center=self.NGO1)
        self.assertStatus(r, 201, "an NGO naming its own center")
        r, key, _ = self.submit("county", [self.client_rec()])
        self.assertFields(r, 422, ["center_id"])
        self.assertEqual(self.keys_stored(key), 0)

    # -- 8. size limits -------------------------------------------------------------------------------------------
    def test_08_size_limits(self):
        before = len(self.all_items(SUB, "admin"))
        r, key, _ = self.submit("ngo1", [self.client_rec() for _ in range(1001)])
        self.assertFields(r, 422, ["records"])
        r, _, _ = self.submit("ngo1", [])
        self.assertFields(r, 422, ["records"])
        pad = "ب" * 2_750_000           # 5.5 MB as UTF-8: over the 5 MB of a submission, under the 6 MB body limit
        r, _, raw = self.submit("ngo1", [self.client_rec(first_name=pad)])
        self.assertTrue(5 * 1024 * 1024 < len(raw) < 6 * 1024 * 1024, len(raw))
        self.assertProblem(r, 413)
        self.assertEqual(len(self.all_items(SUB, "admin")), before)

    # -- 9. access matrix -----------------------------------------------------------------------------------------
    # Columns: national admin, national viewer, provincial admin and officer of Tehran, county officer of Tehran
    # county A, the NGO submitter of center NGO1. "in": a submission for NGO1 (Tehran, county A); "out": one for a
    # Fars center. An officer naming a center outside its scope is answered as for a center that does not exist.
    MATRIX_ACTORS = ("admin", "viewer", "pa", "po", "county", "ngo1")
    MATRIX = [
        # action   scope   admin viewer pa   po   county ngo1
        ("create", "in",   201,  403,   201, 201, 201,   201),
        ("create", "out",  201,  403,   422, 422, 422,   403),
        ("list",   "in",   200,  200,   200, 200, 200,   200),
        ("list",   "out",  200,  200,   200, 200, 200,   200),
        ("read",   "in",   200,  200,   200, 200, 200,   200),
        ("read",   "out",  200,  200,   404, 404, 404,   404),
        ("decide", "in",   200,  403,   200, 200, 200,   403),
        ("decide", "out",  200,  403,   404, 404, 404,   403),
    ]

    def visible(self, who, scope):
        return scope == "in" or who in ("admin", "viewer")

    def target(self, scope):
        """A fresh pending submission: for NGO1 (sent by its NGO) or for the Fars center (sent by the Fars officer)."""
        if scope == "in":
            return self.submitted("ngo1", [self.client_rec()])["id"]
        return self.submitted("fars", [self.client_rec(county=self.FARS_A)], center=self.NGO_FARS)["id"]

    def test_09_access_matrix(self):
        shared = {"in": self.target("in"), "out": self.target("out")}
        centers = {"in": self.NGO1, "out": self.NGO_FARS}
        for action, scope, *statuses in self.MATRIX:
            for who, want in zip(self.MATRIX_ACTORS, statuses):
                with self.subTest(action=action, scope=scope, who=who):
                    self.matrix_cell(action, scope, who, want, shared[scope], centers[scope])

    def matrix_cell(self, action, scope, who, want, sid, center):
        if action == "create":
            rec = self.client_rec(county=self.TEH_A if scope == "in" else self.FARS_A)
            r, key, _ = self.submit(who, [rec], center=center)
            self.assertStatus(r, want)
            if want != 201:
                self.assertProblem(r, want)
                self.assertEqual(self.keys_stored(key), 0)
                if want == 422:
                    self.assertNotFoundLikeMissing_(r, self.submit(who, [rec], center=999999999)[0])
                return
            got = self.ok("GET", "%s/%d" % (SUB, r.json()["id"]), who).json()
            self.assertEqual((got["center_id"], got["submitted_by"], got["status"]), (center, self.uid[who], "pending"))
        elif action == "list":
            r = self.req("GET", SUB + "?" + q(center_id=center, limit=500), who)
            self.assertStatus(r, want)
            ids = [s["id"] for s in r.json()["items"]]
            self.assertEqual(sid in ids, self.visible(who, scope), ids)
            if not self.visible(who, scope):
                self.assertEqual(ids, [])
        elif action == "read":
            r = self.req("GET", "%s/%d" % (SUB, sid), who)
            if want == 404:
                self.assertNotFoundLikeMissing(r, self.req("GET", "%s/999999999" % SUB, who))
            else:
                self.assertStatus(r, want)
                self.assertEqual((r.json()["id"], r.json()["center_id"]), (sid, center))
        elif action == "decide":
            fresh = self.target(scope)
            r = self.decide(who, fresh, "approve")
            if want == 200:
                self.assertStatus(r, 200)
                self.assertEqual(r.json()["applied"], {"client": 1, "staff": 0, "service": 0})
            else:
                self.assertProblem(r, want)
            status = self.ok("GET", "%s/%d" % (SUB, fresh), "admin").json()["status"]
            self.assertEqual(status, "approved" if want == 200 else "pending")

    # -- 10. what approval would refuse is invalid when sent ----------------------------------------------------
    def test_10_records_the_registry_would_refuse_are_invalid_when_sent(self):
        """'Each record is checked as the registry would': a client living in another province than the center (the
        registry's own POST /clients refuses it, 422 center_id) or in a household that does not exist must be
        invalid in the reply, not found only when approval fails for the whole batch."""
        hh_fars = self.ok("POST", "/api/v1/households", "admin", 201, {"county_id": self.FARS_A}).json()["id"]
        records = [self.client_rec(), self.client_rec(county=self.FARS_A),
                   self.client_rec(household_id=999999999, household_role="child"),
                   self.client_rec(household_id=hh_fars, household_role="child")]
        body = self.submitted("ngo1", records)
        res = body["results"]
        self.assertEqual(res[0]["status"], "valid", res)
        for i, allowed in ((1, {"county_id", "center_id"}), (2, {"household_id"}), (3, {"household_id"})):
            with self.subTest(record=i, data=records[i]["data"]):
                self.assertEqual(res[i]["status"], "invalid", res[i])
                fields = {e["field"] for e in res[i]["errors"]}
                self.assertTrue(fields and fields <= allowed, res[i])
        r = self.decide("county", body["id"], "approve")
        self.assertStatus(r, 200, "approving the one valid record")
        self.assertEqual(r.json()["applied"], {"client": 1, "staff": 0, "service": 0})

    # -- 11. no national-ID oracle for NGOs (issue 13, hole 3) ------------------------------------------------------
    def test_11_an_ngo_learns_nothing_of_ids_registered_outside_its_center(self):
        fars_nid, fars_staff_nid = national_id(), national_id()
        self.ok("POST", "/api/v1/clients", "fars", 201, self.client_rec(fars_nid, county=self.FARS_A)["data"])
        self.ok("POST", "/api/v1/staff", "admin", 201, dict(self.staff_rec(fars_staff_nid)["data"],
                                                            center_id=self.NGO_FARS))
        fars_nid2 = national_id()
        self.ok("POST", "/api/v1/clients", "fars", 201, self.client_rec(fars_nid2, county=self.FARS_A)["data"])
        # the third is invalid for another reason too (its county is not the center's province)
        taken = self.submitted("ngo1", [self.client_rec(fars_nid), self.staff_rec(fars_staff_nid),
                                        self.client_rec(fars_nid2, county=self.FARS_A)])
        fresh = self.submitted("ngo1", [self.client_rec(), self.staff_rec(), self.client_rec(county=self.FARS_A)])
        self.assertEqual({k: v for k, v in taken.items() if k != "id"}, {k: v for k, v in fresh.items() if k != "id"},
                         "a registered ID answered otherwise than a new one")
        self.assertEqual([r["status"] for r in taken["results"]], ["valid", "valid", "invalid"])
        for who in ("ngo1", "ngo2"):
            with self.subTest(reader=who):
                r = self.req("GET", "%s/%d" % (SUB, taken["id"]), who)
                if who == "ngo2":
                    self.assertProblem(r, 404)
                    continue
                t, f = r.json(), self.ok("GET", "%s/%d" % (SUB, fresh["id"]), who).json()
                for k in ("results", "valid_count", "status", "record_count"):
                    self.assertEqual(t[k], f[k], k)
                listed = {x["id"]: x for x in self.all_items(SUB + "?" + q(center_id=self.NGO1), who)}
                self.assertEqual(listed[taken["id"]]["valid_count"], listed[fresh["id"]]["valid_count"])
        # the reviewing officer sees both duplicates, and the ETag of that view is not the NGO's
        o = self.ok("GET", "%s/%d" % (SUB, taken["id"]), "county")
        self.assertEqual([(r["status"], sorted(e["field"] for e in r["errors"])) for r in o.json()["results"]],
                         [("invalid", ["national_id"]), ("invalid", ["national_id"]),
                          ("invalid", ["county_id", "national_id"])])
        self.assertEqual(o.json()["valid_count"], 0)
        self.assertNotEqual(o.headers["ETag"],
                            self.ok("GET", "%s/%d" % (SUB, taken["id"]), "ngo1").headers["ETag"])
        self.assertEqual(self.ok("GET", "%s/%d" % (SUB, fresh["id"]), "county").json()["results"],
                         fresh["results"])
        # approval never writes them: it is 409 naming them (to the officer) until each is excluded
        self.assertFields(self.decide("county", taken["id"], "approve"), 409, ["records[0]", "records[1]"])
        excl = {"decision": "approve", "exclude": [{"index": 0, "reason": "دوباره"}, {"index": 1, "reason": "دوباره"}]}
        r = self.req("POST", "%s/%d/decision" % (SUB, taken["id"]), "county", excl)
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["applied"], {"client": 0, "staff": 0, "service": 0})
        self.assertEqual(len(self.clients_with(fars_nid)), 1)
        # an ID registered in its own center (which it can read anyway) is told, as before
        own = self.ok("GET", "/api/v1/clients/%d" % self.NGO1_CLIENTS[0], "ngo1").json()["national_id"]
        res = self.submitted("ngo1", [self.client_rec(own)])["results"]
        self.assertEqual((res[0]["status"], [e["field"] for e in res[0]["errors"]]), ("invalid", ["national_id"]))

    def test_11_an_officers_submission_for_a_center_tells_its_ngo_nothing(self):
        """An officer sending for a center is told (the review view), but the center's NGO users are not: they read
        the same submission as if the ID were new (issue 13 review: it once depended on who submitted)."""
        fars_nid3 = national_id()
        self.ok("POST", "/api/v1/clients", "fars", 201, self.client_rec(fars_nid3, county=self.FARS_A)["data"])
        by_officer = self.submitted("county", [self.client_rec(fars_nid3), self.client_rec()], center=self.NGO1)
        res = by_officer["results"]
        self.assertEqual((res[0]["status"], [e["field"] for e in res[0]["errors"]]), ("invalid", ["national_id"]))
        seen = self.ok("GET", "%s/%d" % (SUB, by_officer["id"]), "ngo1").json()
        self.assertEqual([(x["status"], x["errors"]) for x in seen["results"]], [("valid", []), ("valid", [])])
        self.assertEqual(seen["valid_count"], 2)
        listed = {x["id"]: x for x in self.all_items(SUB + "?" + q(center_id=self.NGO1), "ngo1")}
        self.assertEqual(listed[by_officer["id"]]["valid_count"], 2)
        self.assertEqual(self.ok("GET", "%s/%d" % (SUB, by_officer["id"]), "county").json()["valid_count"], 1)
        # and the stored NGO view says nothing either
        stored = self.pg.psql("SELECT results::text FROM submissions WHERE id = %d" % by_officer["id"]).strip()
        self.assertNotIn("registered", stored)

    def test_11_an_exclusion_reads_the_same_whatever_its_cause(self):
        """Approval with records registered outside the center is 409 naming them until the officer excludes them;
        an excluded record reads to the NGO as invalid "excluded by the reviewing officer" with the officer's reason,
        the same for a hidden duplicate as for any valid record the officer leaves out."""
        fars_nid = national_id()
        self.ok("POST", "/api/v1/clients", "fars", 201, self.client_rec(fars_nid, county=self.FARS_A)["data"])
        recs = [self.client_rec(fars_nid), self.client_rec(), self.client_rec()]
        sid = self.submitted("ngo1", recs)["id"]
        body = self.assertFields(self.decide("county", sid, "approve"), 409, ["records[0]"])
        self.assertNotIn(fars_nid, json.dumps(body))
        # bad exclusions are 422 and change nothing
        for excl, field in (([{"index": 7, "reason": "x"}], "exclude"), ([{"index": 0}], "exclude[0]"),
                            ([{"index": 0, "reason": "a"}, {"index": 0, "reason": "b"}], "exclude[1]"),
                            ("all", "exclude")):
            with self.subTest(exclude=excl):
                r = self.req("POST", "%s/%d/decision" % (SUB, sid), "county", {"decision": "approve", "exclude": excl})
                self.assertIn(field, [e["field"] for e in self.assertProblem(r, 422).get("errors", [])])
        r = self.req("POST", "%s/%d/decision" % (SUB, sid), "county",
                     {"decision": "reject", "reason": "no", "exclude": [{"index": 0, "reason": "x"}]})
        self.assertFields(r, 422, ["exclude"])
        self.assertEqual(self.ok("GET", "%s/%d" % (SUB, sid), "ngo1").json()["status"], "pending")
        r = self.req("POST", "%s/%d/decision" % (SUB, sid), "county", {"decision": "approve", "exclude": [
            {"index": 0, "reason": "نیاز به بررسی"}, {"index": 2, "reason": "نیاز به بررسی"}]})
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["applied"]["client"], r.json()["excluded"]), (1, [0, 2]))
        got = self.ok("GET", "%s/%d" % (SUB, sid), "ngo1").json()
        res = got["results"]
        self.assertEqual(res[0], res[2] | {"index": 0}, "a hidden duplicate's exclusion differs from another's")
        self.assertEqual(res[0]["status"], "invalid")
        self.assertEqual(res[0]["errors"], [{"field": "", "message": "excluded by the reviewing officer: نیاز به بررسی"}])
        self.assertEqual((res[1]["status"], got["valid_count"]), ("valid", 1))
        self.assertEqual(len(self.clients_with(recs[1]["data"]["national_id"])), 1)
        self.assertEqual(self.clients_with(recs[2]["data"]["national_id"]), [])
        self.assertEqual(self.ok("GET", "%s/%d" % (SUB, sid), "county").json()["results"][0], res[0])

    # -- 12. unknown fields (issue 13, hole 10) ---------------------------------------------------------------------
    def test_12_unknown_fields_refuse_the_whole_submission_and_store_nothing(self):
        junk = "x" * 1_000_000
        records = [self.client_rec(), self.client_rec(junk=junk), dict(self.staff_rec(), extra=1),
                   self.service_rec(self.NGO1_CLIENTS[0], colour="blue"),
                   self.client_rec(birth_date_jalali="1364-01-01", birth_date=None)]
        del records[4]["data"]["birth_date"]
        r, key, _ = self.submit("ngo1", records)
        body = self.assertFields(r, 422, ["records[1].data.junk", "records[2].extra", "records[3].data.colour"])
        self.assertLess(len(r.raw), 10_000, "the refusal echoes the junk")
        self.assertTrue(all(e["message"] for e in body["errors"]))
        self.assertEqual(self.keys_stored(key), 0)
        # without them the same records are accepted (a Jalali date field and a service's client_id are fields)
        for rec in records:
            for k in ("junk", "colour"):
                rec["data"].pop(k, None)
            rec.pop("extra", None)
        body = self.submitted("ngo1", records)
        self.assertEqual([x["status"] for x in body["results"]], ["valid"] * 5, body["results"])
        # a field name of any length is named, shortened
        r, key, _ = self.submit("ngo1", [self.client_rec(**{"ی" * 500: 1})])
        fields = [e["field"] for e in self.assertProblem(r, 422)["errors"]]
        self.assertEqual(len(fields), 1)
        self.assertTrue(fields[0].startswith("records[0].data.ی") and fields[0].endswith("..."), fields)
        self.assertEqual(self.keys_stored(key), 0)

    def test_12_records_that_are_no_records_or_too_large_refuse_the_whole_submission(self):
        """Hole 10's other half: a record that is not an object, of an unknown kind, whose data is not an object,
        or with a value larger than its field allows was stored (as an invalid record); now the batch is refused,
        naming each, and nothing is stored."""
        big = "ب" * 101
        records = [self.client_rec(), "junk", {"kind": "household", "data": {"county_id": self.TEH_A}},
                   {"kind": "client", "data": ["x" * 1000]}, {"kind": "client"}, self.client_rec(first_name=big),
                   self.staff_rec(last_name="x" * 5000), self.service_rec(self.NGO1_CLIENTS[0], notes="n" * 2001),
                   self.client_rec(birth_date="1985-03-21" + " " * 200), self.client_rec(needs=["housing"] * 1000)]
        r, key, _ = self.submit("ngo1", records)
        self.assertFields(r, 422, ["records[1]", "records[2].kind", "records[3].data", "records[4].data",
                                   "records[5].data.first_name", "records[6].data.last_name",
                                   "records[7].data.notes", "records[8].data.birth_date", "records[9].data.needs"])
        self.assertEqual(self.keys_stored(key), 0)
        # at the limit is fine
        body = self.submitted("ngo1", [self.client_rec(first_name="ب" * 100)])
        self.assertEqual(body["results"][0]["status"], "valid")

    # -- 13. per-user quotas (issue 13, holes 3 and 10) -------------------------------------------------------------
    def test_13_records_checked_per_day_are_limited_per_user(self):
        for n in (1000, 1000):
            self.submitted("q_records", [self.client_rec() for _ in range(n)])
        r, key, _ = self.submit("q_records", [self.client_rec() for _ in range(600)])
        self.assertProblem(r, 429)
        self.assertGreater(int(r.headers.get("Retry-After")), 0)
        self.assertEqual(self.keys_stored(key), 0)
        self.submitted("q_records", [self.client_rec() for _ in range(500)])     # exactly up to the limit
        r, key, _ = self.submit("q_records", [self.client_rec()])
        self.assertProblem(r, 429)
        # another user's quota is its own
        self.submitted("ngo2", [self.client_rec()])

    def test_13_pending_submissions_are_limited_per_user(self):
        first, first_key, first_raw = self.submit("q_pending", [self.client_rec()])
        self.assertStatus(first, 201)
        ids = [first.json()["id"]] + [self.submitted("q_pending", [self.client_rec()])["id"]
                                      for _ in range(self.PENDING_MAX - 1)]
        r, key, raw = self.submit("q_pending", [self.client_rec()])
        self.assertProblem(r, 409)
        self.assertIn("awaiting review", r.json()["detail"])
        self.assertEqual(self.keys_stored(key), 0)
        # a retry of an accepted one is still answered as before, by the user at its limit
        self.assertEqual(self.post_raw("q_pending", first_raw, first_key).raw, first.raw)
        # a decision makes room
        self.assertStatus(self.decide("county", ids[0], "reject", "duplicate batch"), 200)
        self.assertStatus(self.post_raw("q_pending", raw, key), 201)

    def test_13_pending_bytes_are_limited_per_user_by_what_is_stored(self):
        """The quota counts the bytes stored (records, both views of the results, the values approval writes),
        about twice the request: two batches whose requests fit together under it, but whose stored bytes do not."""
        def batch():
            return [self.client_rec(first_name="ب" * 100, last_name="پ" * 100) for _ in range(1000)]
        r, _, raw1 = self.submit("q_bytes", batch())
        self.assertStatus(r, 201)
        sid = r.json()["id"]
        stored = int(self.pg.psql("SELECT body_bytes FROM submissions WHERE id = %d" % sid))
        self.assertGreater(stored, 2 * len(raw1) * 0.9)
        r, key, raw = self.submit("q_bytes", batch())
        self.assertLessEqual(len(raw1) + len(raw), self.PENDING_BYTES, "the requests alone would fit")
        self.assertProblem(r, 409)
        self.assertIn("bytes", r.json()["detail"])
        self.assertEqual(self.keys_stored(key), 0)
        self.assertStatus(self.decide("county", sid, "reject", "names too long"), 200)
        self.assertStatus(self.post_raw("q_bytes", raw, key), 201)

    def test_13_quotas_count_a_users_submissions_wherever_they_are_now(self):
        """Counted by submitter, not under row-level security: a submitter moved to another center still has its
        earlier submissions pending against its quota."""
        mover = harness.add_user(self.registry, "sub-mover", "ngo_submitter", PASSWORD, center=self.NGO2)
        tok = harness.login(self.client, "sub-mover", PASSWORD)["token"]
        for _ in range(self.PENDING_MAX):
            r = self.post_raw_as(tok, [self.client_rec()])
            self.assertStatus(r, 201)
        u = self.ok("GET", "/api/v1/users/%d" % mover, "admin")
        r = self.client.request("PATCH", "/api/v1/users/%d" % mover, body={"center_id": self.NGO1},
                                headers={"If-Match": u.headers["ETag"]}, token=self.tok["admin"])
        self.assertStatus(r, 200)
        tok = harness.login(self.client, "sub-mover", PASSWORD)["token"]
        r = self.post_raw_as(tok, [self.client_rec()])
        self.assertProblem(r, 409)
        self.assertIn("awaiting review", r.json()["detail"])

    def post_raw_as(self, token, records):
        raw = json.dumps({"records": records}, ensure_ascii=False).encode("utf-8")
        return self.client.request("POST", SUB, body=raw, token=token,
                                   headers={"Content-Type": "application/json", "Idempotency-Key": new_key()})

    def assertNotFoundLikeMissing_(self, resp, missing):
        """An out-of-scope center is answered as a center that does not exist (same status, title, detail)."""
        body, other = self.assertProblem(resp, resp.status), self.assertProblem(missing, resp.status)
        for k in ("type", "title", "detail", "errors"):
            self.assertEqual(body.get(k), other.get(k), "differs from a missing center's: %r vs %r" % (body, other))


class SubmissionBatchLimitsTest(harness.RegistryTestCase):
    """A batch that could never fit a user's quota (more records than a day allows, more bytes stored than may be
    pending) is 422, not a 429/409 that invites a retry that cannot succeed."""

    registry_env = {"REGISTRY_SUBMISSION_RECORDS_PER_DAY": 20, "REGISTRY_SUBMISSION_PENDING_BYTES": 15000}

    def test_a_batch_that_can_never_fit_is_422(self):
        reg = self.registry
        harness.add_user(reg, "lim-admin", "national_admin", PASSWORD)
        admin = harness.login(self.client, "lim-admin", PASSWORD)["token"]
        county = self.client.get("/api/v1/counties?province=%s&limit=1" % TEHRAN).json()["items"][0]["id"]
        r = self.client.post("/api/v1/centers", {"name": "انجمن سقف", "type": "rehabilitation_day", "sector": "ngo",
                                                 "county_id": county}, token=admin)
        self.assertStatus(r, 201)
        harness.add_user(reg, "lim-ngo", "ngo_submitter", PASSWORD, center=r.json()["id"])
        ngo = harness.login(self.client, "lim-ngo", PASSWORD)["token"]

        def rec(**over):
            return {"kind": "client", "data": dict({"national_id": national_id(), "first_name": "زهرا",
                                                    "last_name": word(), "birth_date": "1985-03-21", "sex": "female",
                                                    "county_id": county}, **over)}

        def send(records):
            return self.client.request("POST", SUB, body={"records": records}, token=ngo,
                                       headers={"Idempotency-Key": new_key()})
        for records in ([rec() for _ in range(21)],                                  # 21 > 20 a day
                        [rec(first_name="ب" * 100, last_name="پ" * 100) for _ in range(20)]):   # > 15,000 stored
            with self.subTest(n=len(records)):
                body = self.assertProblem(send(records), 422)
                self.assertEqual([e["field"] for e in body["errors"]], ["records"])
        self.assertEqual(self.pg.psql("SELECT count(*) FROM submissions").strip(), "0")
        self.assertStatus(send([rec() for _ in range(20)]), 201)     # exactly the day's quota fits
        self.assertProblem(send([rec()]), 429)                         # and then the quota is a 429


if __name__ == "__main__":
    harness.main()
