"""
test_openapi_conformance.py - real replies of every operation against the schema GET /api/v1/openapi.json declares
for them (JSON Schema 2020-12, Debian's python3-jsonschema), with additionalProperties:false semantics: a member the
description does not name is a failure, as is a status, a media type or a required header it does not declare.

The test walks the description itself: every operation it lists is called (as national_admin, national_viewer,
provincial_admin, county_officer and ngo_submitter for reads; lists, single records, CSV, creates, patches, closes
and error replies: 400, 401, 403, 404, 409, 412, 415, 422, 428), so a new operation is covered by being described, or
fails here saying it has no sample (WRITES, PATCHES below).
"""
import copy
import itertools
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

import jsonschema  # noqa: E402  (python3-jsonschema; scripts/install-deps.sh)

PASSWORD = "Conformance-Pass-2026!"
ROLES = ("admin", "viewer", "padmin", "county", "ngo")
MISSING_ID = 987654321

national_id = harness.national_id_sequence(531_000_000, 7919)
word = harness.persian_words(itertools.count(61_000))


def collection_of(pattern, upto):
    """The collection a path's {id} names: the segment before it (clients in /api/v1/clients/{id}/services)."""
    return pattern[:upto].rstrip("/").rsplit("/", 1)[1]


class DescriptionChecks:
    """Checking replies against the description in cls.doc (operations by id in cls.ops)."""
    validated = 0       # JSON bodies checked against a schema, by every test of the class so far

    @classmethod
    def load_description(cls, client):
        r = client.get("/api/v1/openapi.json")
        assert r.status == 200, r
        cls.doc = r.json()
        cls.ops = {}        # operationId: (method, pattern, operation)
        for pattern, item in cls.doc["paths"].items():
            for method, op in item.items():
                if method in ("get", "post", "patch", "put", "delete"):
                    cls.ops[op["operationId"]] = (method.upper(), pattern, op)

    @classmethod
    def resolve(cls, s):
        """s with every $ref replaced by what it names (the description has no cycles)."""
        if isinstance(s, list):
            return [cls.resolve(x) for x in s]
        if not isinstance(s, dict):
            return s
        if "$ref" in s:
            node = cls.doc
            for part in s["$ref"].lstrip("#/").split("/"):
                node = node[part]
            return cls.resolve(node)
        return {k: cls.resolve(v) for k, v in s.items()}

    @staticmethod
    def strict(s):
        """Every object schema that names its properties refuses any other member (additionalProperties:false
        semantics, whatever the description says)."""
        if isinstance(s, list):
            return [DescriptionChecks.strict(x) for x in s]
        if not isinstance(s, dict):
            return s
        out = {k: DescriptionChecks.strict(v) for k, v in s.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out

    # -- checking one reply ------------------------------------------------------------------------------------
    def conform(self, op_id, who, what, r):
        """The problems of reply r to operation op_id against the description (a list of strings)."""
        method, pattern, op = self.ops[op_id]
        where = "%s %s (%s) as %s, %s: %d" % (method, pattern, op_id, who or "nobody", what, r.status)
        responses = op.get("responses", {})
        declared = responses.get(str(r.status)) or responses.get("default")
        if declared is None:
            return ["%s is not a status the description declares (%s); body %s"
                    % (where, ", ".join(sorted(responses)), r.text[:300])]
        declared = self.resolve(declared)
        problems = []
        for name, h in declared.get("headers", {}).items():
            if h.get("required") and r.headers.get(name) is None:
                problems.append("%s: no %s header, which the description says is always there" % (where, name))
        if not r.raw:
            if declared.get("content"):
                problems.append("%s: no body, but the description declares one" % where)
            return problems
        media = (r.headers.get("Content-Type") or "").split(";")[0].strip()
        content = declared.get("content", {})
        if media not in content:
            return problems + ["%s: media type %s is not declared (%s)" % (where, media, ", ".join(content))]
        schema = content[media].get("schema")
        if media.endswith("json") and schema is not None:
            validator = jsonschema.Draft202012Validator(self.strict(self.resolve(schema)),
                                                        format_checker=jsonschema.FormatChecker())
            type(self).validated += 1
            for e in sorted(validator.iter_errors(r.json()), key=lambda e: list(e.absolute_path)):
                problems.append("%s: at %s: %s" % (where, "/".join(map(str, e.absolute_path)) or "(root)",
                                                   e.message[:300]))
        return problems

    def assertConform(self, calls):
        problems = []
        for op_id, who, what, r in calls:
            problems += self.conform(op_id, who, what, r)
        self.assertEqual(problems, [], "\n%d replies differ from the description:\n%s"
                         % (len(problems), "\n".join(problems)))

    def call(self, op_id, who, what, path=None, body=None, headers=None):
        method, pattern, op = self.ops[op_id]
        r = self.client.request(method, path or self.concrete(pattern), body=body, headers=headers,
                                token=self.tok[who] if who else None)
        return (op_id, who, what, r)


class OpenApiConformance(DescriptionChecks, harness.ActorTestCase):
    registry_env = {"REGISTRY_RATE_LIMIT": "100000"}

    # The write operations, in the order they run (each later one may use what earlier ones made), as
    # operationId: (who, body). body is a dict or a function of the test class; its values override the request
    # schema's own example (the description's), so a body is the description's example made real.
    WRITES = {
        "createUser": ("admin", lambda c: {"username": "oa-user-" + str(next(c.seq)), "password": PASSWORD,
                                           "role": "county_officer", "province": c.TEHRAN, "county_id": c.TEH_A,
                                           "full_name": "کاربر " + word()}),
        "createCenter": ("admin", lambda c: {"name": "مرکز " + word(), "type": "rehabilitation_day",
                                             "sector": "public", "county_id": c.TEH_A}),
        "createHousehold": ("county", lambda c: {"county_id": c.TEH_A}),
        "createClient": ("county", lambda c: {"national_id": national_id(), "first_name": "زهرا",
                                              "last_name": word(), "birth_date": "1985-02-11", "sex": "female",
                                              "county_id": c.TEH_A, "center_id": c.CENTER_PUB}),
        "createStaff": ("county", lambda c: {"national_id": national_id(), "center_id": c.CENTER_PUB,
                                             "last_name": word()}),
        "createEnrollment": ("county", lambda c: {}),
        "createService": ("county", lambda c: {"center_id": c.CENTER_PUB}),
        "createAllocation": ("admin", lambda c: {"province": c.TEHRAN, "fiscal_year": 1403, "amount_rials": 1000}),
        "createCampaign": ("admin", lambda c: {"name": "کمپین " + word()}),
        "createDonation": ("county", lambda c: {"county_id": c.TEH_A, "campaign_id": c.ids.get("campaigns"),
                                                "donor": "علی " + word()}),
        "createLoan": ("county", lambda c: {"client_id": c.ids["clients"], "first_due_on": "2024-01-31",
                                            "amount_rials": 1200, "installments": 3}),
        "createRepayment": ("county", lambda c: {"amount_rials": 400, "paid_on": "2024-02-10"}),
        "createSubmission": ("ngo", lambda c: {"records": [{"kind": "client", "data": {
            "national_id": national_id(), "first_name": "مریم", "last_name": word(), "birth_date": "1990-03-21",
            "sex": "female", "county_id": c.TEH_A}}]}),
        "decideSubmission": ("county", lambda c: {"decision": "approve"}),
        "login": (None, lambda c: {"username": c.uname["viewer"], "password": PASSWORD}),
        "changePassword": ("pw", lambda c: {"current_password": PASSWORD, "new_password": PASSWORD + "-2"}),
        "logout": ("bye", None),
    }
    # Writes that run on records of their own, made after WRITES (their {id} is ids[prefix + collection])
    LATER = {
        "transferClient": ("admin", "moved-", lambda c: {"county_id": c.TEH_B}),
    }
    # The changes, as operationId: (who, body); each is sent with the record's ETag (If-Match) just read
    PATCHES = {
        "updateUser": ("admin", {"full_name": "کاربر دیگر"}),
        "updateCenter": ("admin", {"capacity": 40}),
        "updateStaff": ("county", {"last_name": "دیگری"}),
        "updateClient": ("county", {"last_name": "دیگری"}),
        "updateEnrollment": ("county", {"status": "completed", "ended_on": "2025-12-01"}),
        "updateService": ("county", {"notes": "ویرایش"}),
        "updateHousehold": ("county", {"address": "نشانی دیگر"}),
        "updateAllocation": ("admin", {"amount_rials": 2000}),
        "updateCampaign": ("admin", {"name": "کمپین دیگر"}),
        "updateDonation": ("county", {"amount_rials": 2000}),
        "updateLoan": ("county", {"status": "written_off"}),
        "closeCenter": ("admin", None),
        "closeStaff": ("county", None),
        "closeClient": ("county", None),
    }

    @classmethod
    def seed(cls):
        cls.seed_cast("oa", PASSWORD, word)
        cls.add_actors({"padmin": dict(username="oa-padmin", role="provincial_admin", province=cls.TEHRAN),
                        "pw": dict(username="oa-password", role="county_officer", county=cls.TEH_A),
                        "bye": dict(username="oa-bye", role="county_officer", county=cls.TEH_A)}, PASSWORD)
        cls.seq = itertools.count(1)
        with cls.registry.client() as c:
            cls.load_description(c)
        cls.ids = {}        # collection name (clients): an id of a record made here
        cls.calls = []      # (operationId, who, what, response) of every call made in seed, validated by the tests
        cls.unsampled = []
        with cls.registry.client() as c:
            for op_id, (who, body_of) in cls.WRITES.items():
                if op_id not in cls.ops:
                    continue
                method, pattern, op = cls.ops[op_id]
                try:
                    path = cls.concrete(pattern)
                except KeyError as e:
                    cls.unsampled.append("%s: %s" % (op_id, e))
                    continue
                body = cls.body_for(op, body_of(cls) if body_of else None)
                headers = {}
                if op_id == "createSubmission":
                    headers["Idempotency-Key"] = "oa-%d" % next(cls.seq)
                r = c.request(method, path, body=body, headers=headers, token=cls.tok[who] if who else None)
                cls.calls.append((op_id, who, "sample", r))
                if not 200 <= r.status < 300:
                    sys.stderr.write("sample %s: %d %s\n" % (op_id, r.status, r.text[:500]))
                if r.status == 201:
                    rec = r.json()
                    coll = re.sub(r"/\d+$", "", r.headers.get("Location", "")).rsplit("/", 1)[-1]
                    if coll:
                        cls.ids.setdefault(coll, rec.get("id"))
            # a client, a center and a staff member of their own for the closes, and a client to move, so the
            # records the other samples use stay open and in place
            for prefix, op_id, coll in (("closed-", "createClient", "clients"), ("closed-", "createCenter", "centers"),
                                        ("closed-", "createStaff", "staff"), ("moved-", "createClient", "clients")):
                if op_id in cls.ops:
                    who, body_of = cls.WRITES[op_id]
                    method, pattern, op = cls.ops[op_id]
                    r = c.request(method, pattern, body=cls.body_for(op, body_of(cls)), token=cls.tok[who])
                    assert r.status == 201, (op_id, r.status, r.text)
                    cls.ids[prefix + coll] = r.json()["id"]
            for op_id, (who, prefix, body_of) in cls.LATER.items():
                if op_id in cls.ops:
                    method, pattern, op = cls.ops[op_id]
                    r = c.request(method, cls.concrete(pattern, prefix), body=cls.body_for(op, body_of(cls)),
                                  token=cls.tok[who])
                    cls.calls.append((op_id, who, "sample", r))

    @classmethod
    def concrete(cls, pattern, prefix=""):
        """The pattern with each {id} an id of a record made here (of the collection the id names; with prefix,
        of a record made for that use, when there is one)."""
        out, pos = "", 0
        for m in re.finditer(r"\{[^}]+\}", pattern):
            coll = collection_of(pattern, m.start())
            key = prefix + coll if prefix + coll in cls.ids else coll
            if key not in cls.ids:
                raise KeyError("no sample id for %s (make one in WRITES)" % coll)
            out += pattern[pos:m.start()] + str(cls.ids[key])
            pos = m.end()
        return out + pattern[pos:]

    @classmethod
    def body_for(cls, op, overrides):
        """The request schema's example with the overrides (None values dropped); None when op takes no body."""
        if overrides is None or "requestBody" not in op:
            return overrides
        schema = cls.resolve(op["requestBody"]["content"]["application/json"]["schema"])
        body = copy.deepcopy(schema.get("example", {}))
        body.update(overrides)
        return {k: v for k, v in body.items() if v is not None}

    # -- the tests ---------------------------------------------------------------------------------------------
    def test_check_finds_what_is_undescribed(self):
        """The check itself: a real reply with one member more, or one required member less, or a status the
        operation does not declare, is reported."""
        op_id, who, what, r = self.call("getMe", "county", "read")
        self.assertEqual(self.conform(op_id, who, what, r), [])
        for change in ("extra", "missing", "status"):
            fake = harness.Response(r.status, r.reason, r.headers, r.raw)
            body = r.json()
            if change == "extra":
                body["undescribed_member"] = 1
            elif change == "missing":
                del body["username"]
            else:
                fake.status = 418
            fake.raw = json.dumps(body).encode()
            self.assertEqual(len(self.conform(op_id, who, change, fake)), 1, change)
        # a nested record too: an extra member inside a list's item
        op_id, who, what, r = self.call("listCenters", "admin", "read")
        body = r.json()
        self.assertTrue(body["items"])
        body["items"][0]["undescribed_member"] = 1
        fake = harness.Response(r.status, r.reason, r.headers, json.dumps(body).encode())
        self.assertEqual(len(self.conform(op_id, who, "nested", fake)), 1)

    def test_every_operation_has_a_sample(self):
        """A write the description lists but this file does not know how to make is a failure: add a sample."""
        missing = [op_id for op_id, (method, pattern, op) in sorted(self.ops.items())
                   if method != "GET" and not any(op_id in t for t in (self.WRITES, self.PATCHES, self.LATER))]
        self.assertEqual(missing, [], "operations without a sample in WRITES, LATER or PATCHES")
        self.assertEqual(self.unsampled, [], "samples that could not run")
        for method, pattern, op in self.ops.values():
            self.concrete(pattern)      # raises naming a collection no sample made a record of

    def test_writes_conform(self):
        """Every create, decision, transfer, sign-in and sign-out as sampled, and each one's reply status was 2xx."""
        self.assertConform(self.calls)
        bad = ["%s as %s: %d %s" % (op_id, who, r.status, r.text[:300]) for op_id, who, what, r in self.calls
               if not 200 <= r.status < 300]
        self.assertEqual(bad, [], "samples that did not succeed")

    def test_reads_as_every_role(self):
        """Every GET (lists, single records, reports, the probes) as each role, and lists again as CSV."""
        calls = []
        for op_id, (method, pattern, op) in sorted(self.ops.items()):
            if method != "GET":
                continue
            for who in ROLES:
                calls.append(self.call(op_id, who, "read"))
            if "text/csv" in op["responses"].get("200", {}).get("content", {}):
                calls.append(self.call(op_id, "admin", "CSV", headers={"Accept": "text/csv"}))
        before = type(self).validated
        self.assertConform(calls)
        self.assertGreaterEqual(type(self).validated - before, len(calls) // 2, "JSON bodies checked")
        # each read succeeded for the national admin (else the sample proves little)
        self.assertEqual([(op_id, r.status) for op_id, who, what, r in calls if who == "admin" and r.status != 200],
                         [], "reads the national admin could not do")

    def test_single_record_reads_carry_their_etag(self):
        calls = []
        for op_id, (method, pattern, op) in sorted(self.ops.items()):
            if method == "GET" and pattern.endswith("}"):
                calls.append(self.call(op_id, "admin", "read"))
        self.assertTrue(calls)
        self.assertEqual([(c[0], c[3].status) for c in calls if c[3].status != 200 or not c[3].headers.get("ETag")],
                         [], "single-record reads without 200 and an ETag")
        # again with that ETag in If-None-Match: 304 where the description declares it, each as declared
        again = [self.call(c[0], "admin", "If-None-Match", headers={"If-None-Match": c[3].headers.get("ETag")})
                 for c in calls]
        self.assertConform(calls + again)

    def test_patches_and_closes(self):
        """Each change with the ETag just read; then the same without If-Match (428) and with a stale one (412)."""
        calls = []
        for op_id, (who, body) in self.PATCHES.items():
            if op_id not in self.ops:
                continue
            method, pattern, op = self.ops[op_id]
            path = self.concrete(pattern, "closed-" if method == "DELETE" else "")
            read = self.client.get(path, token=self.tok["admin"])
            self.assertStatus(read, 200, "GET %s" % path)
            calls.append(self.call(op_id, who, "without If-Match", path=path, body=body))
            calls.append(self.call(op_id, who, "stale If-Match", path=path, body=body,
                                   headers={"If-Match": '"999-0000000000000000"'}))
            calls.append(self.call(op_id, who, "sample", path=path, body=body,
                                   headers={"If-Match": read.headers.get("ETag")}))
        again = []
        for op_id, (method, pattern, op) in self.ops.items():
            if method == "DELETE" and op_id in self.PATCHES:
                path = self.concrete(pattern, "closed-")
                read = self.client.get(path, token=self.tok["admin"])
                again.append(self.call(op_id, self.PATCHES[op_id][0], "closed again", path=path,
                                       headers={"If-Match": read.headers.get("ETag")}))
        self.assertConform(calls + again)
        self.assertEqual([(c[0], c[2], c[3].status) for c in calls
                          if c[3].status != {"without If-Match": 428, "stale If-Match": 412, "sample": 200}[c[2]]],
                         [], "changes that did not answer 428, 412, then 200")

    def sample_body(self, op_id):
        """A body the operation accepts (its sample's), or None when it takes none."""
        method, pattern, op = self.ops[op_id]
        if op_id in self.WRITES and self.WRITES[op_id][1]:
            return self.body_for(op, self.WRITES[op_id][1](type(self)))
        if op_id in self.LATER:
            return self.body_for(op, self.LATER[op_id][2](type(self)))
        if op_id in self.PATCHES:
            return self.PATCHES[op_id][1]
        return None

    def test_error_replies(self):
        """Problems: no token (401), another role (403), an unknown id with a good body (404), bad bodies (400,
        415, 422), a bad query (400); each the status expected and the problem the operation declares for it."""
        calls, expected = [], []

        def expect(status, call):
            calls.append(call)
            expected.append(status)
        for op_id, (method, pattern, op) in sorted(self.ops.items()):
            path = self.concrete(pattern)
            needs_token = op.get("security") != []
            body = self.sample_body(op_id) if "requestBody" in op else None
            if needs_token:
                expect(401, self.call(op_id, None, "no token", path=path, body=body))
            headers = {"If-Match": "*"} if method in ("PATCH", "DELETE") else {}
            if op_id == "createSubmission":
                headers["Idempotency-Key"] = "oa-bad-%d" % next(self.seq)
            who = {"createSubmission": "ngo", "changePassword": "county", "login": None}.get(op_id, "admin")
            if "{" in pattern:
                missing = re.sub(r"\{[^}]+\}", str(MISSING_ID), pattern)
                expect(404, self.call(op_id, who, "unknown id", path=missing, body=body, headers=dict(headers)))
            if "requestBody" in op:
                expect(400, self.call(op_id, who, "malformed JSON", path=path, body=b"{\"a\":",
                                      headers=dict(headers, **{"Content-Type": "application/json"})))
                expect(415, self.call(op_id, who, "not JSON", path=path, body=b"a,b\n",
                                      headers=dict(headers, **{"Content-Type": "text/csv"})))
                expect(422, self.call(op_id, who, "unknown field", path=path, body={"no_such_field_oa": 1},
                                      headers=dict(headers)))
            if method != "GET" and needs_token and op_id not in ("logout", "changePassword"):
                expect(403, self.call(op_id, "viewer", "as a viewer", path=path, body=body, headers=dict(headers)))
            if any(p.get("name") == "limit" for p in op.get("parameters", [])):
                expect(400, self.call(op_id, "admin", "limit=0", path=path + "?limit=0"))
        self.assertConform(calls)
        self.assertEqual([(c[0], c[2], c[3].status, want) for c, want in zip(calls, expected) if c[3].status != want],
                         [], "error samples that did not answer the status expected")

    def test_conflicts(self):
        """409: the same national ID again, an Idempotency-Key again with another body, a closed record closed
        again, a decided submission decided again."""
        calls = []
        for op_id in ("createClient", "createStaff"):
            if op_id in self.ops:
                body = self.sample_body(op_id)
                first = self.call(op_id, "county", "first", body=body, path=self.ops[op_id][1])
                self.assertStatus(first[3], 201)
                calls.append(self.call(op_id, "county", "same national ID", body=body, path=self.ops[op_id][1]))
        if "createSubmission" in self.ops:
            key = {"Idempotency-Key": "oa-twice-%d" % next(self.seq)}
            self.assertStatus(self.call("createSubmission", "ngo", "first", body=self.sample_body("createSubmission"),
                                        headers=dict(key))[3], 201)
            calls.append(self.call("createSubmission", "ngo", "key again, another body",
                                   body=self.sample_body("createSubmission"), headers=dict(key)))
        if "decideSubmission" in self.ops:
            calls.append(self.call("decideSubmission", "county", "decided again", body={"decision": "reject",
                                                                                          "reason": "again"}))
        self.assertConform(calls)
        self.assertEqual([(c[0], c[2], c[3].status) for c in calls if c[3].status != 409], [],
                         "conflicts that were not 409")

    def test_enumerated_query_values_are_accepted(self):
        """Each value an enumerated query parameter declares is one the list takes (200 as the national admin)."""
        calls = []
        for op_id, (method, pattern, op) in sorted(self.ops.items()):
            for p in op.get("parameters", []):
                for v in (p.get("schema", {}).get("enum") or []) if p.get("in") == "query" else []:
                    calls.append(self.call(op_id, "admin", "%s=%s" % (p["name"], v),
                                           path=self.concrete(pattern) + "?" + harness.query(**{p["name"]: v})))
        self.assertGreater(len(calls), 10, "enumerated query parameters described")
        self.assertConform(calls)
        self.assertEqual([(c[0], c[2], c[3].status) for c in calls if c[3].status != 200], [])


class LimitsConformance(DescriptionChecks, harness.RegistryTestCase):
    """429 past the rate limit and 503 while the database is down, against what the description declares (the
    status, the problem, Retry-After). One search, export or report a minute per token here."""
    registry_env = {"REGISTRY_RATE_LIMIT": "1"}

    @classmethod
    def seed(cls):
        cls.add_actors({"admin": dict(username="oa-limits", role="national_admin")}, PASSWORD)
        with cls.registry.client() as c:
            cls.load_description(c)

    def reads(self, what, **kw):
        return [self.call(op_id, "admin", what, path=pattern + ("?q=x" if what == "search" else ""), **kw)
                for op_id, (method, pattern, op) in sorted(self.ops.items()) if method == "GET" and "{" not in pattern]

    def test_rate_limit(self):
        calls = self.reads("search") + self.reads("CSV", headers={"Accept": "text/csv"})
        limited = [c for c in calls if c[3].status == 429]
        self.assertGreater(len(limited), 5, "searches, exports and reports refused past the limit")
        self.assertConform(calls)

    def test_database_down(self):
        self.pg.stop()
        try:
            calls = self.reads("database down")
        finally:
            self.pg.start_again()
            self.registry.wait_ready(timeout=60)
        self.assertGreater(len([c for c in calls if c[3].status == 503]), 5, "replies while the database is down")
        self.assertConform(calls)


if __name__ == "__main__":
    harness.main()
