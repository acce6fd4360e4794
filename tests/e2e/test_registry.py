"""The registry itself (issue 4): centers, staff and clients on the shared record engine (ETag, If-Match, 412/428,
409, 422 naming each field), scope (out of scope is 404, lists never leak), Persian text and digits, Jalali dates,
concurrent updates, transfers between provinces, enrollments and services, audited reads and lists, CSV export and
keyset pagination."""

import base64
import csv
import io
import itertools
import json
import os
import re
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PASSWORD = "Quiet-Harbor-Lamp-7731"
TEHRAN, FARS = "IR-23", "IR-07"
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ZWNJ = "\u200c"

national_id = harness.national_id_sequence(123450001, 7)


bad_check_digit = harness.bad_check_digit
_word_seq = itertools.count(20 ** 3 + 417)
word = harness.persian_words(_word_seq)     # a unique Persian-looking word: "ژ" and four letters
q = harness.query


class RegistryTest(harness.ActorTestCase):

    @classmethod
    def seed(cls):
        cls.seed_cast("reg", PASSWORD, word)
        cls.scope = {"admin": ("nation", None), "viewer": ("nation", None), "teh": ("province", TEHRAN),
                     "fars": ("province", FARS), "county": ("county", cls.TEH_A), "ngo": ("center", cls.CENTER_NGO)}

    # -- helpers (req, ok, items, assertFields, assertNotFoundLikeMissing: harness.ActorTestCase) -----------------
    def ids(self, path, who):
        return [x["id"] for x in self.items(path, who)]

    def new_client(self, who="county", county=None, **fields):
        body = {"national_id": national_id(), "first_name": "زهرا", "last_name": word(), "birth_date": "1988-06-15",
                "sex": "female", "county_id": county or self.TEH_A}
        body.update(fields)
        return self.ok("POST", "/api/v1/clients", who, 201, body).json()

    def new_staff(self, who="teh", center=None, **fields):
        body = {"national_id": national_id(), "first_name": "مریم", "last_name": word(),
                "profession": "social_worker", "center_id": center or self.CENTER_PUB}
        body.update(fields)
        return self.ok("POST", "/api/v1/staff", who, 201, body).json()

    def new_center(self, who="teh", county=None, **fields):
        body = {"name": "مرکز " + word(), "type": "counseling", "sector": "public", "county_id": county or self.TEH_A}
        body.update(fields)
        return self.ok("POST", "/api/v1/centers", who, 201, body).json()

    def audit(self, **params):
        return self.items("/api/v1/audit?" + q(limit=500, **params), "admin")

    def in_scope(self, who, item, center):
        kind, v = self.scope[who]
        return {"nation": True, "province": item["province"] == v, "county": item["county_id"] == v,
                "center": center == v}[kind]

    # -- 1. records on the shared engine --------------------------------------------------------------------------
    def test_centers_create_read_list_update_close(self):
        name = "مرکز توانبخشی " + word()
        body = {"name": "  " + name + "  ", "type": "vocational_training", "sector": "ngo", "county_id": self.TEH_A,
                "capacity": 40, "license_no": "LIC-" + word(), "license_expires_on_jalali": "1403-12-30"}
        r = self.ok("POST", "/api/v1/centers", "teh", 201, body)
        c = r.json()
        cid = c["id"]
        self.assertEqual(urllib.parse.urlsplit(r.headers.get("Location")).path, "/api/v1/centers/%d" % cid)
        self.assertEqual(harness.etag_v(r), '"v1"')
        self.assertEqual((c["name"], c["type"], c["sector"], c["province"], c["county_id"], c["capacity"],
                          c["status"], c["version"], c["license_expires_on"], c["license_expires_on_jalali"]),
                         (name, "vocational_training", "ngo", TEHRAN, self.TEH_A, 40, "active", 1, "2025-03-20",
                          "1403-12-30"))
        g = self.ok("GET", "/api/v1/centers/%d" % cid, "teh")
        self.assertEqual(g.json(), c)
        self.assertEqual(harness.etag_v(g), '"v1"')

        for filt, want in ((dict(province=TEHRAN), True), (dict(county_id=self.TEH_A), True),
                           (dict(type="vocational_training", sector="ngo", status="active"), True),
                           (dict(county_id=self.TEH_B), False), (dict(type="kindergarten"), False),
                           (dict(sector="public"), False), (dict(status="closed"), False)):
            with self.subTest(filter=filt):
                self.assertEqual(cid in self.ids("/api/v1/centers?" + q(limit=500, **filt), "teh"), want)
        self.assertEqual(self.items("/api/v1/centers?" + q(province=TEHRAN), "fars"), [])
        # the name is unique in its county (Arabic Yeh/Kaf spell the same name)
        dup = dict(body, name=name.replace("ی", "ي"), license_no=None)
        self.assertProblem(self.req("POST", "/api/v1/centers", "teh", dup), 409)

        path = "/api/v1/centers/%d" % cid
        r = self.ok("PATCH", path, "teh", body={"capacity": 55}, etag='"v1"')
        self.assertEqual(harness.etag_v(r), '"v2"')
        self.assertEqual((r.json()["capacity"], r.json()["version"]), (55, 2))
        self.assertProblem(self.req("PATCH", path, "teh", {"capacity": 60}, etag='"v1"'), 412)
        self.assertProblem(self.req("PATCH", path, "teh", {"capacity": 60}), 428)
        self.assertFields(self.req("PATCH", path, "teh", {"type": "spa", "county_id": "abc", "rating": 5,
                                                          "license_expires_on": "2023-02-30"}, etag='"v2"'),
                          422, ["type", "county_id", "rating", "license_expires_on"])
        self.assertFields(self.req("POST", "/api/v1/centers", "teh", {"name": "x" + word(), "type": "counseling"}),
                          422, ["sector", "county_id"])
        self.assertProblem(self.req("DELETE", path, "teh"), 428)
        self.assertProblem(self.req("DELETE", path, "teh", etag='"v1"'), 412)
        r = self.ok("DELETE", path, "teh", etag='"v2"')
        self.assertEqual((r.json()["status"], harness.etag_v(r)), ("closed", '"v3"'))
        self.assertEqual(self.ok("GET", path, "teh").json()["status"], "closed")
        self.assertIn(cid, self.ids("/api/v1/centers?" + q(status="closed", limit=500), "teh"))
        self.assertEqual(self.ok("GET", path, "teh").json()["capacity"], 55)

    def test_staff_create_read_list_update_close(self):
        body = {"national_id": national_id(), "first_name": "مریم", "last_name": word(), "profession": "nurse",
                "center_id": self.CENTER_PUB, "trainings": [{"course": "مددکاری اجتماعی", "hours": 24,
                                                             "completed_on_jalali": "1403-01-01"}]}
        r = self.ok("POST", "/api/v1/staff", "teh", 201, body)
        s = r.json()
        sid = s["id"]
        self.assertEqual(urllib.parse.urlsplit(r.headers.get("Location")).path, "/api/v1/staff/%d" % sid)
        self.assertEqual(harness.etag_v(r), '"v1"')
        self.assertEqual((s["national_id"], s["profession"], s["center_id"], s["province"], s["county_id"],
                          s["status"], s["version"]),
                         (body["national_id"], "nurse", self.CENTER_PUB, TEHRAN, self.TEH_A, "active", 1))
        self.assertEqual(s["trainings"], [{"course": "مددکاری اجتماعی", "hours": 24, "completed_on": "2024-03-20",
                                           "completed_on_jalali": "1403-01-01"}])
        g = self.ok("GET", "/api/v1/staff/%d" % sid, "teh")
        self.assertEqual((g.json(), harness.etag_v(g)), (s, '"v1"'))

        for filt, want in ((dict(province=TEHRAN, profession="nurse"), True), (dict(county_id=self.TEH_A), True),
                           (dict(center_id=self.CENTER_PUB, status="active"), True),
                           (dict(national_id=body["national_id"].translate(PERSIAN_DIGITS)), True),
                           (dict(profession="social_worker"), False), (dict(center_id=self.CENTER_B), False),
                           (dict(status="left"), False)):
            with self.subTest(filter=filt):
                self.assertEqual(sid in self.ids("/api/v1/staff?" + q(limit=500, **filt), "teh"), want)
        self.assertProblem(self.req("POST", "/api/v1/staff", "teh", dict(body, last_name=word())), 409)

        path = "/api/v1/staff/%d" % sid
        r = self.ok("PATCH", path, "teh", body={"profession": "physiotherapist"}, etag='"v1"')
        self.assertEqual((r.json()["profession"], harness.etag_v(r)), ("physiotherapist", '"v2"'))
        self.assertProblem(self.req("PATCH", path, "teh", {"profession": "nurse"}, etag='"v1"'), 412)
        self.assertProblem(self.req("PATCH", path, "teh", {"profession": "nurse"}), 428)
        for bad, field in (({"national_id": bad_check_digit(national_id())}, "national_id"),
                           ({"profession": "wizard"}, "profession"), ({"center_id": "abc"}, "center_id"),
                           ({"nickname": "x"}, "nickname"), ({"trainings": [{"course": "x"}]}, "trainings[0]")):
            with self.subTest(bad=bad):
                self.assertFields(self.req("PATCH", path, "teh", bad, etag='"v2"'), 422, [field])
        r = self.ok("DELETE", path, "teh", etag='"v2"')
        self.assertEqual((r.json()["status"], harness.etag_v(r)), ("left", '"v3"'))
        self.assertEqual(self.ok("GET", path, "teh").json()["status"], "left")
        self.assertIn(sid, self.ids("/api/v1/staff?" + q(status="left", limit=500), "teh"))

    def test_clients_create_read_list_update_close(self):
        body = {"national_id": national_id(), "first_name": "لیلا", "last_name": word(), "birth_date": "1990-05-17",
                "sex": "female", "county_id": self.TEH_A, "center_id": self.CENTER_PUB,
                "disability": {"type": "visual", "severity": "moderate"}, "needs": ["housing", "employment"]}
        r = self.ok("POST", "/api/v1/clients", "county", 201, body)
        c = r.json()
        cid = c["id"]
        self.assertEqual(urllib.parse.urlsplit(r.headers.get("Location")).path, "/api/v1/clients/%d" % cid)
        self.assertEqual(harness.etag_v(r), '"v1"')
        for k in ("national_id", "first_name", "last_name", "birth_date", "sex", "county_id", "center_id",
                  "disability", "needs"):
            self.assertEqual(c[k], body[k], k)
        self.assertEqual((c["province"], c["status"], c["version"]), (TEHRAN, "active", 1))
        g = self.ok("GET", "/api/v1/clients/%d" % cid, "county")
        self.assertEqual((g.json(), harness.etag_v(g)), (c, '"v1"'))

        for filt, want in ((dict(province=TEHRAN), True), (dict(county_id=self.TEH_A, center_id=self.CENTER_PUB), True),
                           (dict(sex="female", disability_type="visual", need="housing", status="active"), True),
                           (dict(need="employment"), True), (dict(sex="male"), False),
                           (dict(disability_type="hearing"), False), (dict(need="legal"), False),
                           (dict(status="closed"), False), (dict(county_id=self.TEH_B), False)):
            with self.subTest(filter=filt):
                self.assertEqual(cid in self.ids("/api/v1/clients?" + q(limit=500, **filt), "county"), want)

        path = "/api/v1/clients/%d" % cid
        r = self.ok("PATCH", path, "county", body={"needs": ["housing"], "disability": None}, etag='"v1"')
        self.assertEqual(harness.etag_v(r), '"v2"')
        self.assertEqual((r.json()["needs"], r.json()["disability"], r.json()["version"]), (["housing"], None, 2))
        self.assertEqual(r.json()["last_name"], body["last_name"])
        self.assertProblem(self.req("PATCH", path, "county", {"sex": "male"}, etag='"v1"'), 412)
        self.assertProblem(self.req("PATCH", path, "county", {"sex": "male"}), 428)
        self.assertFields(self.req("PATCH", path, "county", {"county_id": self.TEH_B}, etag='"v2"'), 422,
                          ["county_id"])      # the county changes by transfer only
        self.assertEqual(self.ok("GET", path, "county").json()["version"], 2)

        good = dict(body, national_id=national_id())
        bad = {"national_id": bad_check_digit(national_id()), "birth_date": "2023-02-30", "nickname": "x",
               "sex": "x", "county_id": "abc"}
        for k, v in bad.items():
            with self.subTest(field=k):
                self.assertFields(self.req("POST", "/api/v1/clients", "county", dict(good, **{k: v})), 422, [k])
        with self.subTest("all bad fields at once are all named"):
            self.assertFields(self.req("POST", "/api/v1/clients", "county", dict(good, **bad)), 422, sorted(bad))
        with self.subTest("disability and needs"):
            self.assertFields(self.req("POST", "/api/v1/clients", "county",
                                       dict(good, disability={"type": "tired", "severity": "mild"})),
                              422, ["disability.type"])
            self.assertFields(self.req("POST", "/api/v1/clients", "county", dict(good, needs=["yachts"])), 422,
                              ["needs"])
        self.assertEqual(self.items("/api/v1/clients?" + q(national_id=good["national_id"]), "admin"), [])

        self.assertProblem(self.req("DELETE", path, "county", etag='"v1"'), 412)
        r = self.ok("DELETE", path, "county", etag='"v2"')
        self.assertEqual((r.json()["status"], harness.etag_v(r)), ("closed", '"v3"'))
        self.assertEqual(self.ok("GET", path, "county").json()["status"], "closed")
        self.assertIn(cid, self.ids("/api/v1/clients?" + q(status="closed", limit=500), "county"))

    # -- 2. duplicate national ID across provinces -----------------------------------------------------------------
    def test_etags_name_one_record_and_if_match_is_checked_only_on_a_visible_record(self):
        a, b = self.new_client(), self.new_client()
        fars = self.new_client("fars", county=self.FARS_A)
        pa, pb = "/api/v1/clients/%d" % a["id"], "/api/v1/clients/%d" % b["id"]
        tag_a, tag_b = self.ok("GET", pa, "county").headers["ETag"], self.ok("GET", pb, "county").headers["ETag"]
        self.assertEqual((a["version"], b["version"]), (1, 1))
        self.assertNotEqual(tag_a, tag_b, "two records at the same version share an ETag")
        # another resource's record with the same id and version has its own tag too
        self.assertNotEqual(harness.etag("client", a["id"], 1), harness.etag("staff", a["id"], 1))
        # A's tag on B: 412, B unchanged; then B's own tag works
        self.assertProblem(self.req("PATCH", pb, "county", {"last_name": word()}, etag=tag_a), 412)
        self.assertProblem(self.req("DELETE", pb, "county", etag=tag_a), 412)
        self.assertEqual(self.ok("GET", pb, "county").json()["version"], 1)
        self.ok("PATCH", pb, "county", body={"last_name": word()}, etag=tag_b)
        # a garbage or foreign If-Match on an id that is not there, or not there for the caller, is 404 (not 412)
        for tag in ("garbage", '"v1"', tag_a, "*"):
            for path, who in (("/api/v1/clients/999999999", "county"), ("/api/v1/clients/%d" % fars["id"], "county"),
                              ("/api/v1/clients/%d" % fars["id"], "teh")):
                with self.subTest(tag=tag, path=path, who=who):
                    self.assertNotFoundLikeMissing(self.req("PATCH", path, who, {"last_name": word()}, etag=tag),
                                                   self.req("GET", "/api/v1/clients/999999999", who))
                    self.assertNotFoundLikeMissing(self.req("DELETE", path, who, etag=tag),
                                                   self.req("GET", "/api/v1/clients/999999999", who))
        # the transfer checks its optional If-Match the same way
        for path, who in (("/api/v1/clients/999999999/transfer", "county"),
                          ("/api/v1/clients/%d/transfer" % fars["id"], "county")):
            with self.subTest(transfer=path):
                self.assertNotFoundLikeMissing(self.req("POST", path, who, {"county_id": self.TEH_B}, etag="garbage"),
                                               self.req("GET", "/api/v1/clients/999999999", who))
        self.assertProblem(self.req("POST", pb + "/transfer", "county", {"county_id": self.TEH_B}, etag=tag_a), 412)
        self.assertEqual(self.ok("GET", "/api/v1/clients/%d" % fars["id"], "fars").json()["version"], 1)
        # a list of tags: the one that is this record's counts; a weak tag never does
        tag_b = self.ok("GET", pb, "county").headers["ETag"]
        self.assertProblem(self.req("PATCH", pb, "county", {"last_name": word()}, etag="W/" + tag_b), 412)
        self.ok("PATCH", pb, "county", body={"last_name": word()}, etag="%s, %s" % (tag_a, tag_b))

    def test_duplicate_national_id_in_another_province_reveals_nothing(self):
        first = self.new_client("county", first_name="کامران", last_name=word())
        for nid in (first["national_id"], first["national_id"].translate(PERSIAN_DIGITS)):
            r = self.req("POST", "/api/v1/clients", "fars", {
                "national_id": nid, "first_name": "رضا", "last_name": word(), "birth_date": "1970-01-01",
                "sex": "male", "county_id": self.FARS_A})
            body = self.assertProblem(r, 409)
            shown = json.dumps({k: v for k, v in body.items() if k not in ("request_id", "status")},
                               ensure_ascii=False)
            for secret in (first["first_name"], first["last_name"], TEHRAN, "Tehran", "تهران", first["created_at"]):
                self.assertNotIn(secret, shown)
            for number in (first["id"], first["county_id"]):
                self.assertIsNone(re.search(r"(?<!\d)%d(?!\d)" % number, shown), "%d in %s" % (number, shown))
            for k in ("id", "province", "county_id", "center_id", "first_name", "last_name"):
                self.assertNotIn(k, body)
        self.assertEqual(self.items("/api/v1/clients?" + q(national_id=first["national_id"]), "fars"), [])
        self.assertEqual(len(self.items("/api/v1/clients?" + q(national_id=first["national_id"]), "admin")), 1)

    # -- 3. scope -------------------------------------------------------------------------------------------------
    def test_out_of_scope_is_404_and_lists_never_leak(self):
        cl = self.new_client("teh", center_id=self.CENTER_PUB)
        other_county = self.new_client("teh", county=self.TEH_B, center_id=self.CENTER_B)
        ngo_client = self.new_client("county", center_id=self.CENTER_NGO)
        self.new_client("fars", county=self.FARS_A, center_id=self.CENTER_FARS)
        staff = self.new_staff("teh")
        self.new_staff("fars", center=self.CENTER_FARS)
        center = self.new_center("teh")
        for kind, rec in (("clients", cl), ("staff", staff), ("centers", center)):
            path, missing = "/api/v1/%s/%d" % (kind, rec["id"]), "/api/v1/%s/999999999" % kind
            with self.subTest(kind=kind):
                self.assertNotFoundLikeMissing(self.req("GET", path, "fars"), self.req("GET", missing, "fars"))
                self.assertNotFoundLikeMissing(self.req("PATCH", path, "fars", {"status": rec["status"]},
                                                        etag='"v1"'),
                                               self.req("PATCH", missing, "fars", {"status": rec["status"]},
                                                        etag='"v1"'))
                self.assertNotFoundLikeMissing(self.req("DELETE", path, "fars", etag='"v1"'),
                                               self.req("DELETE", missing, "fars", etag='"v1"'))
                after = self.ok("GET", path, "teh").json()
                self.assertEqual((after["version"], after["status"]), (1, rec["status"]), "changed out of scope")
        self.assertProblem(self.req("GET", "/api/v1/clients/%d" % other_county["id"], "county"), 404)
        self.assertStatus(self.req("GET", "/api/v1/clients/%d" % cl["id"], "county"), 200)

        # the NGO submitter: its own center's clients only, whatever id it guesses
        self.assertEqual(self.ok("GET", "/api/v1/clients/%d" % ngo_client["id"], "ngo").json(),
                         self.ok("GET", "/api/v1/clients/%d" % ngo_client["id"], "county").json())
        self.assertProblem(self.req("GET", "/api/v1/clients/%d" % cl["id"], "ngo"), 404)
        newest = self.new_client("admin")["id"]
        for guess in range(1, newest + 2):
            r = self.req("GET", "/api/v1/clients/%d" % guess, "ngo")
            if r.status == 200:
                self.assertEqual(r.json()["center_id"], self.CENTER_NGO, "NGO read client %d" % guess)
            else:
                self.assertProblem(r, 404)
        self.assertProblem(self.req("GET", "/api/v1/centers/%d" % self.CENTER_PUB, "ngo"), 404)
        self.assertStatus(self.req("GET", "/api/v1/centers/%d" % self.CENTER_NGO, "ngo"), 200)
        self.assertProblem(self.req("POST", "/api/v1/clients", "ngo", {
            "national_id": national_id(), "first_name": "سارا", "last_name": word(), "birth_date": "2001-01-01",
            "sex": "female", "county_id": self.TEH_A, "center_id": self.CENTER_NGO}), 403)
        self.assertProblem(self.req("PATCH", "/api/v1/clients/%d" % ngo_client["id"], "ngo", {"sex": "male"},
                                    etag='"v1"'), 403)
        # a client belongs to a center of its own county: attached to a Fars center, a Tehran client would be
        # shown to that center's NGO submitter (staff and transfers already refuse such a center)
        with self.subTest("client attached to a center of another province"):
            self.assertProblem(self.req("POST", "/api/v1/clients", "county", {
                "national_id": national_id(), "first_name": "سارا", "last_name": word(), "birth_date": "2001-01-01",
                "sex": "female", "county_id": self.TEH_A, "center_id": self.CENTER_FARS}), 422)
        with self.subTest("client moved to a center of another province"):
            self.assertProblem(self.req("PATCH", "/api/v1/clients/%d" % cl["id"], "teh",
                                        {"center_id": self.CENTER_FARS}, etag='"v1"'), 422)
        with self.subTest("staff moved to a center of another province"):
            self.assertProblem(self.req("PATCH", "/api/v1/staff/%d" % staff["id"], "teh",
                                        {"center_id": self.CENTER_FARS}, etag='"v1"'), 422)

        everything = {k: self.items("/api/v1/%s?limit=500" % k, "admin") for k in ("clients", "staff", "centers")}
        for who in ("teh", "fars", "county", "ngo", "viewer"):
            for kind in ("clients", "staff", "centers"):
                with self.subTest(who=who, kind=kind):
                    got = self.items("/api/v1/%s?limit=500" % kind, who)
                    for it in got:
                        center_of = it["id"] if kind == "centers" else it["center_id"]
                        self.assertTrue(self.in_scope(who, it, center_of), "%s sees %s %r" % (who, kind, it))
                    want = {it["id"] for it in everything[kind]
                            if self.in_scope(who, it, it["id"] if kind == "centers" else it["center_id"])}
                    self.assertEqual({it["id"] for it in got}, want)
        self.assertIn(ngo_client["id"], self.ids("/api/v1/clients?limit=500", "ngo"))

    def test_national_viewer_reads_everything_and_writes_nothing(self):
        cl = self.new_client("admin", center_id=self.CENTER_PUB)
        cid = cl["id"]
        enr = self.ok("POST", "/api/v1/clients/%d/enrollments" % cid, "admin", 201,
                      {"program": "housing", "started_on": "2024-06-01"}).json()
        srv = self.ok("POST", "/api/v1/clients/%d/services" % cid, "admin", 201,
                      {"center_id": self.CENTER_PUB, "service": "physiotherapy", "provided_on": "2024-06-02"}).json()
        hh = self.ok("POST", "/api/v1/households", "admin", 201, {"county_id": self.TEH_A}).json()
        staff = self.new_staff("admin")
        for path in ("/api/v1/clients/%d" % cid, "/api/v1/clients?limit=5", "/api/v1/staff/%d" % staff["id"],
                     "/api/v1/staff?limit=5", "/api/v1/centers/%d" % self.CENTER_PUB, "/api/v1/centers?limit=5",
                     "/api/v1/clients/%d/enrollments" % cid, "/api/v1/clients/%d/services" % cid,
                     "/api/v1/enrollments/%d" % enr["id"], "/api/v1/services/%d" % srv["id"],
                     "/api/v1/households/%d" % hh["id"], "/api/v1/programs"):
            with self.subTest(read=path):
                self.assertStatus(self.req("GET", path, "viewer"), 200)
        v1 = '"v1"'
        writes = (("POST", "/api/v1/centers", {"name": "مرکز " + word(), "type": "counseling", "sector": "public",
                                               "county_id": self.TEH_A}, None),
                  ("PATCH", "/api/v1/centers/%d" % self.CENTER_PUB, {"capacity": 1}, v1),
                  ("DELETE", "/api/v1/centers/%d" % self.CENTER_PUB, None, v1),
                  ("POST", "/api/v1/staff", {"national_id": national_id(), "first_name": "x", "last_name": "y",
                                             "profession": "nurse", "center_id": self.CENTER_PUB}, None),
                  ("PATCH", "/api/v1/staff/%d" % staff["id"], {"profession": "other"}, v1),
                  ("DELETE", "/api/v1/staff/%d" % staff["id"], None, v1),
                  ("POST", "/api/v1/clients", {"national_id": national_id(), "first_name": "x", "last_name": "y",
                                               "birth_date": "2000-01-01", "sex": "male", "county_id": self.TEH_A},
                   None),
                  ("PATCH", "/api/v1/clients/%d" % cid, {"sex": "male"}, v1),
                  ("DELETE", "/api/v1/clients/%d" % cid, None, v1),
                  ("POST", "/api/v1/clients/%d/transfer" % cid, {"county_id": self.FARS_A}, None),
                  ("POST", "/api/v1/clients/%d/enrollments" % cid, {"program": "cbr", "started_on": "2024-01-01"},
                   None),
                  ("PATCH", "/api/v1/enrollments/%d" % enr["id"], {"status": "withdrawn"}, v1),
                  ("POST", "/api/v1/clients/%d/services" % cid, {"center_id": self.CENTER_PUB, "service": "x",
                                                                 "provided_on": "2024-01-01"}, None),
                  ("PATCH", "/api/v1/services/%d" % srv["id"], {"service": "y"}, v1),
                  ("POST", "/api/v1/households", {"county_id": self.TEH_A}, None),
                  ("PATCH", "/api/v1/households/%d" % hh["id"], {"address": "x"}, v1))
        for method, path, body, etag in writes:
            with self.subTest(write="%s %s" % (method, path)):
                self.assertProblem(self.req(method, path, "viewer", body, etag=etag), 403)
        after = self.ok("GET", "/api/v1/clients/%d" % cid, "admin").json()
        self.assertEqual((after["version"], after["province"], after["status"]), (1, TEHRAN, "active"))
        self.assertEqual(self.ok("GET", "/api/v1/centers/%d" % self.CENTER_PUB, "admin").json()["status"], "active")

    # -- 4. Persian text ------------------------------------------------------------------------------------------
    def test_a_households_etag_changes_with_its_members(self):
        """A household's reply lists its members: a client joining, renamed or leaving changes its ETag, so If-Match
        with a tag read before is 412 (it once passed: members changed without a version bump)."""
        hh = "/api/v1/households/%d" % self.ok("POST", "/api/v1/households", "county", 201,
                                               {"county_id": self.TEH_A}).json()["id"]
        tags = [self.ok("GET", hh, "county").headers["ETag"]]
        c = self.new_client(household_id=int(hh.rsplit("/", 1)[1]), household_role="head")
        tags.append(self.ok("GET", hh, "county").headers["ETag"])
        cpath = "/api/v1/clients/%d" % c["id"]
        self.ok("PATCH", cpath, "county", body={"first_name": "مینا"}, etag=self.ok("GET", cpath, "county").headers["ETag"])
        got = self.ok("GET", hh, "county")
        self.assertEqual([m["first_name"] for m in got.json()["members"]], ["مینا"])
        tags.append(got.headers["ETag"])
        self.ok("PATCH", cpath, "county", body={"household_id": None, "household_role": None},
                etag=self.ok("GET", cpath, "county").headers["ETag"])
        got = self.ok("GET", hh, "county")
        self.assertEqual(got.json()["members"], [])
        tags.append(got.headers["ETag"])
        self.assertEqual(len(set(tags)), 4, tags)
        for old in tags[:-1]:
            self.assertProblem(self.req("PATCH", hh, "county", {"address": "خیابان " + word()}, etag=old), 412)
        self.ok("PATCH", hh, "county", body={"address": "خیابان " + word()}, etag=tags[-1])

    def test_persian_search_and_cleaning(self):
        tag = word()
        ali = self.new_client("county", first_name="  علي  ", last_name="كريمي " + tag)
        self.assertEqual((ali["first_name"], ali["last_name"]), ("علی", "کریمی " + tag))
        mr = self.new_client("county", first_name="محمدرضا", last_name=tag)
        mh = self.new_client("county", first_name="محمد" + ZWNJ + "حسین", last_name="مؤمنی " + tag)
        self.assertEqual(mh["first_name"], "محمد" + ZWNJ + "حسین")
        fa = self.new_client("county", first_name="فاطمة", last_name="آل\u0640احمد " + tag)

        def found(query, who="county"):
            return set(self.ids("/api/v1/clients?" + q(q=query, limit=500), who))
        cases = (("علی", ali), ("کریمی", ali), ("علي كريمي", ali), ("عَلی", ali), ("علــی", ali),
                 ("علی\u200f کریمی", ali), ("محمد" + ZWNJ + "رضا", mr), ("محمدرضا", mr), ("محمدحسین", mh),
                 ("مومنی", mh), ("مؤمنی", mh), ("فاطمه", fa), ("آلاحمد", fa), ("ال\u0640احمد", fa))
        for query, rec in cases:
            with self.subTest(q=query):
                self.assertIn(rec["id"], found(query))
        self.assertEqual(found(tag), {ali["id"], mr["id"], mh["id"], fa["id"]})
        self.assertEqual(found("%" + tag), set())         # LIKE wildcards are literal
        self.assertEqual(found(tag, "fars"), set())

        nid = national_id()
        p = self.new_client("county", national_id=nid.translate(PERSIAN_DIGITS))
        self.assertEqual(p["national_id"], nid)
        hits = self.items("/api/v1/clients?" + q(national_id=nid.translate(PERSIAN_DIGITS)), "county")
        self.assertEqual([x["id"] for x in hits], [p["id"]])
        arabic_indic = nid.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        self.assertEqual(self.ids("/api/v1/clients?" + q(national_id=arabic_indic), "county"), [p["id"]])

    def test_reads_show_what_writes_show(self):
        """Reads select the stored columns and format them in the server (resource.h, read_sql); writes answer with
        PostgreSQL's formatting. Both must give the same JSON, nulls and empty arrays included."""
        full = self.new_client("county", disability={"type": "visual", "severity": "moderate"},
                               needs=["housing", "assistive_devices"], center_id=self.CENTER_PUB)
        bare = self.new_client("county")
        for made in (full, bare):
            with self.subTest(id=made["id"]):
                got = self.ok("GET", "/api/v1/clients/%d" % made["id"], "county").json()
                self.assertEqual(got, made)
                listed = [x for x in self.items("/api/v1/clients?" + q(q=made["last_name"]), "county")
                          if x["id"] == made["id"]]
                self.assertEqual(listed, [made])
                self.assertRegex(got["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual((full["disability"], full["needs"]),
                         ({"type": "visual", "severity": "moderate"}, ["housing", "assistive_devices"]))
        self.assertEqual((bare["disability"], bare["needs"]), (None, []))
        r = self.ok("PATCH", "/api/v1/clients/%d" % full["id"], "county", body={"needs": []},
                    etag='"v%d"' % full["version"]).json()
        self.assertEqual(self.ok("GET", "/api/v1/clients/%d" % full["id"], "county").json(), r)

    def test_search_pages_scopes_and_follows_changes(self):
        """?q= goes through registry_search_ids (migration 0009) and its own copy of the names: pages by cursor,
        other filters never cut a page short, the caller's scope always narrows it, and the copy follows renames,
        transfers and staff."""
        tag = word()
        made = [self.new_client("county", last_name=tag, sex="male" if i % 3 else "female") for i in range(7)]
        ids = [c["id"] for c in made]
        females = [c["id"] for c in made if c["sex"] == "female"]

        with self.subTest("pages by cursor"):
            got, cursor = [], None
            while True:
                body = self.ok("GET", "/api/v1/clients?" + q(q=tag, limit=2, **({"cursor": cursor} if cursor else {})),
                               "teh").json()
                got += [x["id"] for x in body["items"]]
                cursor = body.get("next_cursor")
                if not cursor:
                    break
            self.assertEqual(got, ids)
        with self.subTest("a filter the search does not know never cuts a page short"):
            self.assertEqual(self.ids("/api/v1/clients?" + q(q=tag, sex="female", limit=2), "teh"), females[:2])
            body = self.ok("GET", "/api/v1/clients?" + q(q=tag, sex="female", limit=1), "teh").json()
            self.assertTrue(body.get("next_cursor"))
        with self.subTest("scope narrows every search"):
            self.assertEqual(self.ids("/api/v1/clients?" + q(q=tag, limit=50), "county"), ids)
            self.assertEqual(self.ids("/api/v1/clients?" + q(q=tag, limit=50), "fars"), [])
            self.assertEqual(self.ids("/api/v1/clients?" + q(q=tag, province=TEHRAN, limit=50), "fars"), [])
            self.assertEqual(self.ids("/api/v1/clients?" + q(q=tag, county_id=self.TEH_B, limit=50), "county"), [])
            self.assertEqual(self.ids("/api/v1/clients?" + q(q=tag, county_id=self.TEH_A, limit=50), "admin"), ids)
            self.assertEqual(self.ids("/api/v1/clients?" + q(q=tag, province=FARS, limit=50), "admin"), [])
        with self.subTest("the database narrows it too, whatever the arguments"):
            sql = ("SELECT count(*) FROM registry_search_ids('client', '%%%s%%', NULL, NULL, NULL, NULL, NULL)" % tag)
            self.assertEqual(harness.app_sql(self.pg, sql, token=self.tok["fars"]).strip(), "0")
            self.assertEqual(harness.app_sql(self.pg, sql, token=self.tok["county"]).strip(), str(len(ids)))
            self.assertEqual(harness.app_sql(self.pg, sql).strip(), "0")      # no caller, no rows
            with self.assertRaises(harness.PsqlError):
                harness.app_sql(self.pg, "SELECT count(*) FROM client_names", token=self.tok["admin"])
        with self.subTest("renames and transfers reach the copy in the same transaction"):
            renamed = word()
            r = self.ok("GET", "/api/v1/clients/%d" % ids[0], "county")
            self.ok("PATCH", "/api/v1/clients/%d" % ids[0], "county", body={"last_name": renamed},
                    etag=r.headers["ETag"])
            self.assertEqual(self.ids("/api/v1/clients?" + q(q=renamed), "county"), [ids[0]])
            self.assertNotIn(ids[0], self.ids("/api/v1/clients?" + q(q=tag, limit=50), "county"))
            self.ok("POST", "/api/v1/clients/%d/transfer" % ids[1], "county", body={"county_id": self.FARS_A})
            self.assertNotIn(ids[1], self.ids("/api/v1/clients?" + q(q=tag, limit=50), "teh"))
            self.assertEqual(self.ids("/api/v1/clients?" + q(q=tag, limit=50), "fars"), [ids[1]])
        with self.subTest("staff"):
            st = self.new_staff("teh", last_name=tag)
            self.assertEqual(self.ids("/api/v1/staff?" + q(q=tag), "teh"), [st["id"]])
            self.assertEqual(self.ids("/api/v1/staff?" + q(q=tag, profession="psychologist"), "teh"), [])
            self.assertEqual(self.ids("/api/v1/staff?" + q(q=tag), "fars"), [])

    def test_search_key_sql_agrees_with_server(self):
        """name_key comes from registry_search_key() in SQL, ?q= from textnorm_search_key() in C: they must agree."""
        tricky = ("ي ى ئ ك ة ۀ آ أ إ ٱ ؤ", "ع\u064eل\u0650\u0651ی\u0670 \u0640ب", "ا\u200cب\u200dپ \u200e\u200fت\u202bث\u2066ج",
                  "ALi\u00a0\u2003Reza\u3000\u202fX", "۱۲۳٤٥٦", "\u00adخ\u200bد\u2060ر\ufeffز",
                  # the invisible characters cleaning drops since hole 16 (Cf, fillers, variation selectors, tags)
                  "\u034fح\u115fس\u1160ن\u17b4ی\u180e \u2061م\u206aه\u3164ر\ufe0fی\uffa0ا\ufffbن"
                  "\U0001bca0ب\U0001d173د\U000e0041ل\U000e0100ه")
        for s in tricky:
            with self.subTest(s=s):
                key = self.pg.psql("SELECT registry_search_key(%s)" % harness.sql_literal(s)).rstrip("\n")
                rec = self.new_client("county", first_name=s + " " + word(), last_name=word())
                stored = self.pg.psql("SELECT name_key FROM clients WHERE id = %d" % rec["id"]).rstrip("\n")
                self.assertTrue(stored.startswith(key + " ") or stored == key, (stored, key))
                self.assertIn(rec["id"], self.ids("/api/v1/clients?" + q(q=s, limit=500), "county"),
                              "?q=%r does not find the record whose name holds it (key %r)" % (s, key))
        self.assertEqual(self.pg.psql("SELECT registry_search_key(%s)" % harness.sql_literal(
            "  علي\u200c كريمي\tاحمد  ")).rstrip("\n"), "علی کریمی احمد")

    # -- 5. Jalali ------------------------------------------------------------------------------------------------
    def test_jalali_dates(self):
        body = {"national_id": national_id(), "first_name": "نرگس", "last_name": word(), "birth_date_jalali":
                "1403-12-30", "sex": "female", "county_id": self.TEH_A}
        c = self.ok("POST", "/api/v1/clients", "county", 201, body).json()
        self.assertEqual((c["birth_date"], c["birth_date_jalali"]), ("2025-03-20", "1403-12-30"))
        self.assertFields(self.req("POST", "/api/v1/clients", "county",
                                   dict(body, national_id=national_id(), birth_date_jalali="1404-12-30")),
                          422, ["birth_date_jalali"])
        r = self.ok("PATCH", "/api/v1/clients/%d" % c["id"], "county", body={"birth_date_jalali": "1404-01-01"},
                    etag='"v1"')
        self.assertEqual((r.json()["birth_date"], r.json()["birth_date_jalali"]), ("2025-03-21", "1404-01-01"))
        listed = self.items("/api/v1/clients?" + q(national_id=body["national_id"]), "county")[0]
        self.assertEqual(listed["birth_date_jalali"], "1404-01-01")

        center = self.new_center("teh", license_expires_on="2024-03-20")
        self.assertEqual(center["license_expires_on_jalali"], "1403-01-01")
        nolic = self.new_center("teh")
        self.assertIsNone(nolic["license_expires_on_jalali"])
        staff = self.new_staff("teh", trainings=[{"course": "a", "completed_on": "2025-03-21"},
                                                 {"course": "b", "completed_on_jalali": "1403-12-30"}])
        self.assertEqual([(t["completed_on"], t["completed_on_jalali"]) for t in staff["trainings"]],
                         [("2025-03-21", "1404-01-01"), ("2025-03-20", "1403-12-30")])
        e = self.ok("POST", "/api/v1/clients/%d/enrollments" % c["id"], "county", 201,
                    {"program": "life_skills", "started_on_jalali": "1403-01-13"}).json()
        self.assertEqual((e["started_on"], e["started_on_jalali"], e["ended_on"], e["ended_on_jalali"]),
                         ("2024-04-01", "1403-01-13", None, None))
        s = self.ok("POST", "/api/v1/clients/%d/services" % c["id"], "county", 201,
                    {"center_id": self.CENTER_PUB, "service": "counseling", "provided_on": "2024-03-20"}).json()
        self.assertEqual(s["provided_on_jalali"], "1403-01-01")
        for item in (self.items("/api/v1/centers?limit=500", "teh") + self.items("/api/v1/clients?limit=500", "teh")
                     + self.items("/api/v1/staff?limit=500", "teh")
                     + self.items("/api/v1/clients/%d/enrollments" % c["id"], "county")
                     + self.items("/api/v1/clients/%d/services" % c["id"], "county")):
            fields = [k for k in item if re.search(r"(_on|_date)$", k)]
            for t in item.get("trainings") or []:
                self.assertIn("completed_on_jalali", t)
            for k in fields:
                self.assertIn(k + "_jalali", item, item)

    # -- 6. concurrency -------------------------------------------------------------------------------------------
    def test_concurrent_updates_exactly_one_wins(self):
        for rnd in range(3):
            cid = self.new_client("county")["id"]
            conns = [self.registry.client(), self.registry.client()]
            for c in conns:
                self.addCleanup(c.close)
                c.get("/healthz")                      # the TLS handshakes are not part of the race
            barrier = threading.Barrier(2)
            out = [None, None]

            def patch(i, who, name):
                try:
                    barrier.wait(10)
                    out[i] = conns[i].patch("/api/v1/clients/%d" % cid, {"last_name": name},
                                            headers={"If-Match": harness.etag("client", cid, 1)}, token=self.tok[who])
                except Exception as e:  # noqa: BLE001 - reported below
                    out[i] = e
            names = [word(), word()]
            ts = [threading.Thread(target=patch, args=(i, who, names[i])) for i, who in enumerate(("teh", "county"))]
            for t in ts:
                t.start()
            for t in ts:
                t.join(30)
            for o in out:
                self.assertIsInstance(o, harness.Response, "round %d: %r" % (rnd, o))
            self.assertEqual(sorted(o.status for o in out), [200, 412], "round %d: %r" % (rnd, out))
            winner = names[[o.status for o in out].index(200)]
            self.assertProblem(out[[o.status for o in out].index(412)], 412)
            now = self.ok("GET", "/api/v1/clients/%d" % cid, "admin").json()
            self.assertEqual((now["version"], now["last_name"]), (2, winner))
            rows = self.audit(entity="client", entity_id=cid, action="update")
            self.assertEqual(len(rows), 1, rows)
            self.assertEqual(rows[0]["after"]["last_name"], winner)

    # -- 7. transfer ----------------------------------------------------------------------------------------------
    def test_transfer_moves_client_with_enrollments_and_services(self):
        cl = self.new_client("county", center_id=self.CENTER_PUB)
        cid = cl["id"]
        enr = self.ok("POST", "/api/v1/clients/%d/enrollments" % cid, "county", 201,
                      {"program": "cbr", "started_on": "2024-05-01"}).json()
        srv = self.ok("POST", "/api/v1/clients/%d/services" % cid, "county", 201,
                      {"center_id": self.CENTER_PUB, "service": "speech therapy", "provided_on": "2024-05-02"}).json()
        tr = "/api/v1/clients/%d/transfer" % cid
        self.assertProblem(self.req("POST", tr, "fars", {"county_id": self.FARS_A}), 404)
        self.assertProblem(self.req("POST", tr, "county", {"county_id": self.FARS_A}, etag='"v7"'), 412)
        self.assertEqual(self.ok("GET", "/api/v1/clients/%d" % cid, "county").json()["province"], TEHRAN)

        r = self.ok("POST", tr, "county", body={"county_id": self.FARS_A})
        moved = r.json()
        self.assertEqual((moved["id"], moved["province"], moved["county_id"], moved["version"]),
                         (cid, FARS, self.FARS_A, 2))
        self.assertProblem(self.req("GET", "/api/v1/clients/%d" % cid, "county"), 404)
        self.assertProblem(self.req("GET", "/api/v1/clients/%d/enrollments" % cid, "county"), 404)
        self.assertNotIn(cid, self.ids("/api/v1/clients?limit=500", "county"))
        seen = self.ok("GET", "/api/v1/clients/%d" % cid, "fars").json()
        self.assertEqual((seen["province"], seen["county_id"], seen["national_id"]),
                         (FARS, self.FARS_A, cl["national_id"]))
        self.assertIn(cid, self.ids("/api/v1/clients?" + q(county_id=self.FARS_A, limit=500), "fars"))
        enrs = self.items("/api/v1/clients/%d/enrollments" % cid, "fars")
        self.assertEqual([(e["id"], e["province"], e["county_id"]) for e in enrs], [(enr["id"], FARS, self.FARS_A)])
        srvs = self.items("/api/v1/clients/%d/services" % cid, "fars")
        self.assertEqual([(s["id"], s["province"], s["county_id"]) for s in srvs], [(srv["id"], FARS, self.FARS_A)])
        self.assertStatus(self.req("GET", "/api/v1/enrollments/%d" % enr["id"], "fars"), 200)
        self.assertProblem(self.req("GET", "/api/v1/enrollments/%d" % enr["id"], "county"), 404)

        rows = self.audit(entity="client", entity_id=cid, action="transfer")
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual((rows[0]["username"], rows[0]["before"]["province"], rows[0]["after"]["province"],
                          rows[0]["after"]["county_id"]), (self.uname["county"], TEHRAN, FARS, self.FARS_A))
        self.assertEqual(len(self.audit(entity="client", entity_id=cid, action="transfer_out")), 1)
        # and back, by the receiving office
        self.ok("POST", tr, "fars", body={"county_id": self.TEH_A})
        self.assertEqual(self.ok("GET", "/api/v1/clients/%d" % cid, "county").json()["version"], 3)
        self.assertProblem(self.req("POST", tr, "fars", {"county_id": self.FARS_B}), 404)

    # -- 8. enrollments and services ------------------------------------------------------------------------------
    def test_enrollments_and_services(self):
        cid = self.new_client("county", center_id=self.CENTER_PUB)["id"]
        r = self.ok("POST", "/api/v1/clients/%d/enrollments" % cid, "county", 201,
                    {"program": "cbr", "started_on": "2024-04-01"})
        e = r.json()
        eid = e["id"]
        self.assertEqual(urllib.parse.urlsplit(r.headers.get("Location")).path, "/api/v1/enrollments/%d" % eid)
        self.assertEqual(harness.etag_v(r), '"v1"')
        self.assertEqual((e["client_id"], e["program"], e["status"], e["started_on"], e["province"], e["county_id"],
                          e["center_id"]), (cid, "cbr", "active", "2024-04-01", TEHRAN, self.TEH_A, self.CENTER_PUB))
        self.assertEqual(self.items("/api/v1/clients/%d/enrollments" % cid, "county"), [e])
        path = "/api/v1/enrollments/%d" % eid
        self.assertProblem(self.req("PATCH", path, "county", {"status": "completed"}), 428)
        r = self.ok("PATCH", path, "county", body={"status": "completed", "ended_on": "2024-09-01"}, etag='"v1"')
        self.assertEqual((r.json()["status"], r.json()["ended_on"], harness.etag_v(r)),
                         ("completed", "2024-09-01", '"v2"'))
        self.assertProblem(self.req("PATCH", path, "county", {"status": "withdrawn"}, etag='"v1"'), 412)
        self.assertFields(self.req("PATCH", path, "county", {"program": "housing"}, etag='"v2"'), 422, ["program"])
        self.assertProblem(self.req("PATCH", path, "county", {"ended_on": "2020-01-01"}, etag='"v2"'), 422)
        self.assertFields(self.req("POST", "/api/v1/clients/%d/enrollments" % cid, "county",
                                   {"program": "lottery", "started_on": "2024-04-01"}), 422, ["program"])
        self.assertFields(self.req("POST", "/api/v1/clients/%d/enrollments" % cid, "county", {"program": "cbr"}),
                          422, ["started_on"])
        for who, method, sub in (("fars", "POST", "enrollments"), ("fars", "GET", "enrollments"),
                                 ("fars", "POST", "services"), ("fars", "GET", "services")):
            body = {"program": "cbr", "started_on": "2024-04-01"} if sub == "enrollments" else \
                {"center_id": self.CENTER_FARS, "service": "x", "provided_on": "2024-04-01"}
            with self.subTest(who=who, method=method, sub=sub):
                self.assertProblem(self.req(method, "/api/v1/clients/%d/%s" % (cid, sub), who,
                                            body if method == "POST" else None), 404)
        self.assertProblem(self.req("GET", path, "fars"), 404)
        self.assertProblem(self.req("PATCH", path, "fars", {"status": "withdrawn"}, etag='"v2"'), 404)
        self.assertProblem(self.req("POST", "/api/v1/clients/999999999/enrollments", "county",
                                    {"program": "cbr", "started_on": "2024-04-01"}), 404)

        r = self.ok("POST", "/api/v1/clients/%d/services" % cid, "county", 201,
                    {"center_id": self.CENTER_PUB, "service": "physiotherapy", "provided_on": "2024-04-02",
                     "notes": "  ده جلسه  "})
        s = r.json()
        self.assertEqual(urllib.parse.urlsplit(r.headers.get("Location")).path, "/api/v1/services/%d" % s["id"])
        self.assertEqual((s["client_id"], s["center_id"], s["service"], s["notes"], s["province"], s["county_id"],
                          harness.etag_v(r)),
                         (cid, self.CENTER_PUB, "physiotherapy", "ده جلسه", TEHRAN, self.TEH_A, '"v1"'))
        self.assertEqual(self.items("/api/v1/clients/%d/services" % cid, "county"), [s])
        self.assertFields(self.req("POST", "/api/v1/clients/%d/services" % cid, "county",
                                   {"service": "x", "provided_on": "2024-04-02"}), 422, ["center_id"])
        spath = "/api/v1/services/%d" % s["id"]
        r = self.ok("PATCH", spath, "county", body={"notes": "دوازده جلسه"}, etag='"v1"')
        self.assertEqual((r.json()["notes"], harness.etag_v(r)), ("دوازده جلسه", '"v2"'))
        self.assertProblem(self.req("PATCH", spath, "county", {"notes": "x"}, etag='"v1"'), 412)
        self.assertProblem(self.req("PATCH", spath, "county", {"notes": "x"}), 428)
        self.assertFields(self.req("PATCH", spath, "county", {"center_id": self.CENTER_B}, etag='"v2"'), 422,
                          ["center_id"])
        self.assertProblem(self.req("GET", spath, "fars"), 404)

    # -- 9. audited reads and lists -------------------------------------------------------------------------------
    def test_reads_and_lists_are_audited(self):
        tag = word()
        cl = self.new_client("county", last_name=tag)
        self.new_client("county", last_name=tag + "ب")
        self.ok("GET", "/api/v1/clients/%d" % cl["id"], "county")
        self.assertProblem(self.req("GET", "/api/v1/clients/%d" % cl["id"], "fars"), 404)
        reads = self.audit(entity="client", entity_id=cl["id"], action="read")
        self.assertEqual([(a["username"], a["role"], a["user_id"]) for a in reads],
                         [(self.uname["county"], "county_officer", self.uid["county"])])
        self.assertEqual(self.audit(entity="client", entity_id=cl["id"], action="read", user_id=self.uid["fars"]),
                         [])

        got = self.items("/api/v1/clients?" + q(q=tag, sex="female"), "county")
        self.assertEqual(len(got), 2)
        row = self.audit(entity="client", action="list", user_id=self.uid["county"])[0]
        self.assertEqual(row["username"], self.uname["county"])
        self.assertEqual(row["detail"], {"filter": {"q": tag, "sex": "female"}, "count": 2})

        mark = self.registry.log_mark()
        nid = cl["national_id"]
        got = self.items("/api/v1/clients?" + q(national_id=nid.translate(PERSIAN_DIGITS)), "county")
        self.assertEqual(len(got), 1)
        row = self.audit(entity="client", action="list", user_id=self.uid["county"])[0]
        self.assertEqual(row["detail"]["count"], 1)
        self.assertIn("national_id", row["detail"]["filter"])
        dumped = json.dumps(row, ensure_ascii=False)
        self.assertNotIn(nid, dumped)
        self.assertNotIn(nid.translate(PERSIAN_DIGITS), dumped)
        self.assertNotIn(nid, self.registry.log_text(since=mark), "national ID in the server log")

        with self.subTest("count is what came back, not limit + 1"):
            got = self.items("/api/v1/clients?" + q(q=tag, limit=1), "county")
            self.assertEqual(len(got), 1)
            row = self.audit(entity="client", action="list", user_id=self.uid["county"])[0]
            self.assertEqual(row["detail"], {"filter": {"q": tag}, "count": 1})

    # -- 10. CSV --------------------------------------------------------------------------------------------------
    def test_csv_export(self):
        formula = "=HYPERLINK(\"http://x\",\"y\")"
        cl = self.new_client("teh", county=self.TEH_B, first_name=formula, last_name="@" + word(),
                             needs=["housing", "legal"])
        r = self.ok("GET", "/api/v1/clients?" + q(county_id=self.TEH_B, limit=500), "teh",
                    headers={"Accept": "text/csv"})
        self.assertEqual(r.content_type, "text/csv")
        self.assertTrue(r.raw.startswith(b"\xef\xbb\xbf"), r.raw[:10])
        rows = list(csv.reader(io.StringIO(r.raw[3:].decode("utf-8"), newline="")))
        header = rows[0]
        self.assertEqual(header[:6], ["id", "national_id", "first_name", "last_name", "birth_date",
                                      "birth_date_jalali"])
        for col in ("sex", "province", "county_id", "center_id", "disability", "needs", "status", "version"):
            self.assertIn(col, header)
        self.assertTrue(all(len(x) == len(header) for x in rows[1:]))
        self.assertEqual(len(rows) - 1, len(self.items("/api/v1/clients?" + q(county_id=self.TEH_B, limit=500),
                                                       "teh")))
        mine = [dict(zip(header, x)) for x in rows[1:] if x[0] == str(cl["id"])]
        self.assertEqual(len(mine), 1)
        m = mine[0]
        self.assertEqual(m["first_name"], "'" + formula)
        self.assertEqual(m["last_name"], "'" + cl["last_name"])
        self.assertEqual((m["national_id"], m["birth_date"], m["birth_date_jalali"], m["province"]),
                         (cl["national_id"], "1988-06-15", "1367-03-25", TEHRAN))
        self.assertEqual(json.loads(m["needs"]), ["housing", "legal"])
        for x in rows[1:]:
            self.assertEqual(dict(zip(header, x))["province"], TEHRAN)
        r = self.ok("GET", "/api/v1/clients?" + q(county_id=self.TEH_B), "fars", headers={"Accept": "text/csv"})
        self.assertEqual(r.raw[3:].decode("utf-8").strip().split("\r\n"), [",".join(header)])

    def test_a_field_added_by_one_description_row(self):
        """father_name came from one row of the clients' description and one migration (README, "Adding a
        field"): it is validated, cleaned, stored, returned, cleared, exported, listed in OpenAPI and audited."""
        c = self.new_client("teh", father_name="  علي  ")     # Arabic Yeh, spaces: stored cleaned
        self.assertEqual(c["father_name"], "علی")
        path = "/api/v1/clients/%d" % c["id"]
        self.assertEqual(self.ok("GET", path, "teh").json()["father_name"], "علی")
        self.assertIsNone(self.new_client("teh")["father_name"])
        body = self.assertFields(self.req("PATCH", path, "teh", {"father_name": "ب" * 101}, etag='"v1"'), 422,
                                 ["father_name"])
        self.assertEqual(body["errors"][0].get("code"), "father_name.too_long", body)
        self.assertFields(self.req("PATCH", path, "teh", {"father_name": 7}, etag='"v1"'), 422, ["father_name"])
        r = self.ok("PATCH", path, "teh", body={"father_name": None}, etag='"v1"')
        self.assertIsNone(r.json()["father_name"])
        r = self.ok("GET", "/api/v1/clients?" + q(county_id=self.TEH_A, limit=1), "teh",
                    headers={"Accept": "text/csv"})
        self.assertIn("father_name", r.raw[3:].decode("utf-8").split("\r\n")[0].split(","))
        doc = self.client.get("/api/v1/openapi.json").json()
        schemas = doc["components"]["schemas"]
        self.assertEqual(schemas["Client"]["properties"]["father_name"]["type"], ["string", "null"])
        self.assertIn("father_name", schemas["ClientPatch"]["properties"])
        self.assertNotIn("father_name", schemas["ClientWrite"].get("required", []))
        upd = [a for a in self.audit(entity="client", entity_id=str(c["id"])) if a["action"] == "update"]
        self.assertEqual(len(upd), 1, upd)
        self.assertEqual((upd[0]["before"]["father_name"], upd[0]["after"]["father_name"]),
                         ("علی", None))

    # -- 11. keyset pagination ------------------------------------------------------------------------------------
    def test_keyset_pagination(self):
        made = [self.new_client("teh", county=self.TEH_C)["id"] for _ in range(7)]
        pages, seen, cursor = [], [], None
        while True:
            path = "/api/v1/clients?" + q(county_id=self.TEH_C, limit=3, **({"cursor": cursor} if cursor else {}))
            body = self.ok("GET", path, "teh").json()
            pages.append(len(body["items"]))
            seen += [x["id"] for x in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
            self.assertIsInstance(cursor, str)
            self.assertLess(len(pages), 5, "pagination does not end")
        self.assertEqual(pages, [3, 3, 1])
        self.assertEqual(seen, sorted(made))
        self.assertEqual(len(set(seen)), 7)

        first = self.ok("GET", "/api/v1/clients?" + q(county_id=self.TEH_C, limit=3), "teh").json()["next_cursor"]
        raw = first + "=" * (-len(first) % 4)
        forged = [
            "A" + first[1:] if first[0] != "A" else "B" + first[1:],           # the version byte changed
            first + "!",
            urllib.parse.quote("v1\x1f5 OR 1=1"),
            base64.urlsafe_b64encode(b"v1\x1f-5").decode().rstrip("="),
            base64.urlsafe_b64encode(b"v1\x1f5\x1f6").decode().rstrip("="),
            base64.urlsafe_b64encode(b"v2\x1f5").decode().rstrip("="),
            "not a cursor",
        ]
        self.assertTrue(base64.urlsafe_b64decode(raw).startswith(b"v1"))
        for bad in forged:
            with self.subTest(cursor=bad):
                r = self.req("GET", "/api/v1/clients?" + q(county_id=self.TEH_C, limit=3, cursor=bad), "teh")
                if r.status == 200:
                    self.fail("tampered cursor %r accepted: %s" % (bad, r.text[:300]))
                self.assertFields(r, 400, ["cursor"])


    # -- issue 13: bad cursors, Jalali dates in ISO fields, invisible characters -----------------------------------
    def test_a_bad_filter_with_a_bad_search_names_the_filter(self):
        """A list with a bad filter and a ?q= too long to search answers 400 naming the filter (the filters' error
        list used to be dropped, and leaked, when the search replied first; LeakSanitizer at registryd's exit
        would say so)."""
        for path in ("/api/v1/clients", "/api/v1/staff", "/api/v1/centers"):
            with self.subTest(path=path):
                r = self.req("GET", path + "?status=nonsense&q=" + "x" * 300, "admin")
                body = self.assertProblem(r, 400)
                self.assertEqual([e["field"] for e in body["errors"]], ["status"])

    def test_a_county_id_filter_beyond_an_integer_is_400(self):
        """?county_id= is an integer column's: a number past 2^31-1 is a 400 naming the parameter, not a database
        error (it used to reach PostgreSQL and come back 422 "integer out of range")."""
        for path in ("/api/v1/clients", "/api/v1/staff", "/api/v1/centers"):
            with self.subTest(path=path):
                body = self.assertProblem(self.req("GET", path + "?county_id=99999999999", "admin"), 400)
                self.assertEqual([(e["field"], e.get("code")) for e in body["errors"]],
                                 [("county_id", "county_id.range")], body)
                self.assertEqual(self.req("GET", path + "?county_id=2147483647", "admin").status, 200)

    def test_every_bad_cursor_is_the_same_400(self):
        def cur(raw):
            return base64.urlsafe_b64encode(raw.encode("utf-8")).decode().rstrip("=")
        persian = cur("v1\x1f" + "123".translate(PERSIAN_DIGITS))
        garbage = ["!!", cur("v1\x1fabc"), cur("v1\x1f99999999999999999999"), persian,
                   "1234".translate(PERSIAN_DIGITS)]
        lists = [("/api/v1/clients", "teh", garbage), ("/api/v1/centers", "teh", garbage),
                 ("/api/v1/staff", "teh", garbage), ("/api/v1/programs", "teh", garbage),
                 ("/api/v1/donations", "teh", garbage), ("/api/v1/loans", "county", garbage),
                 ("/api/v1/counties?province=%s" % TEHRAN, "teh", garbage + [cur("v1\x1f99999999999")]),
                 ("/api/v1/provinces", "teh", ["!!", persian]),
                 ("/api/v1/users", "admin", garbage), ("/api/v1/audit", "admin", garbage),
                 ("/api/v1/clients/%d/enrollments" % self.new_client("county")["id"], "county", garbage),
                 ("/api/v1/loans/overdue?county_id=%d" % self.TEH_A, "county",
                  ["!!", cur("v1\x1f12\x1f" + "3".translate(PERSIAN_DIGITS)), cur("v1\x1f12\x1f99999999999")])]
        answers = set()
        for path, who, cursors in lists:
            for bad in cursors:
                with self.subTest(path=path, cursor=bad):
                    sep = "&" if "?" in path else "?"
                    body = self.assertFields(self.req("GET", path + sep + q(cursor=bad), who), 400, ["cursor"])
                    answers.add((body["title"], body["detail"], body["errors"][0]["message"]))
        self.assertEqual(len(answers), 1, answers)

    def test_iso_date_fields_refuse_a_jalali_date(self):
        body = {"national_id": national_id(), "first_name": "زهرا", "last_name": word(), "sex": "female",
                "county_id": self.TEH_A}
        for day in ("1403-12-31", "1399-01-01", "1000-01-01", "1799-12-31"):
            with self.subTest(day=day):
                err = self.assertFields(self.req("POST", "/api/v1/clients", "county", dict(body, birth_date=day)),
                                        422, ["birth_date"])
                self.assertIn("birth_date_jalali", err["errors"][0]["message"])
        made = self.ok("POST", "/api/v1/clients", "county", 201, dict(body, birth_date_jalali="1403-12-30")).json()
        self.assertEqual(made["birth_date"], "2025-03-20")
        self.assertEqual(self.ok("POST", "/api/v1/loans", "county", 201, {
            "client_id": made["id"], "amount_rials": 10, "installments": 1, "first_due_on": "1800-01-01"}).json()
            ["first_due_on"], "1800-01-01")
        self.assertFields(self.req("POST", "/api/v1/loans", "county", {
            "client_id": made["id"], "amount_rials": 10, "installments": 1, "first_due_on": "1404-01-15"}), 422,
            ["first_due_on"])
        path = "/api/v1/clients/%d" % made["id"]
        etag = self.ok("GET", path, "county").headers.get("ETag")
        self.assertFields(self.req("PATCH", path, "county", {"birth_date": "1370-05-05"}, etag=etag), 422,
                          ["birth_date"])
        self.assertFields(self.req("POST", "/api/v1/staff", "teh", {
            "national_id": national_id(), "first_name": "مریم", "last_name": word(), "profession": "social_worker",
            "center_id": self.CENTER_PUB, "trainings": [{"course": "CBR", "completed_on": "1402-03-01"}]}), 422,
            ["trainings[0]"])

    def test_invisible_characters_never_stored(self):
        invisible = ["\u202e", "\u202a", "\u2066", "\u200e", "\u061c", "\u180e", "\u2060", "\u2061", "\u2062",
                     "\u2063", "\u2064", "\u3164", "\u115f", "\u1160", "\uffa0", "\ufe0f", "\ufe00",
                     "\U000e0001", "\U000e0041", "\U000e007f", "\U000e0100", "\u200b", "\ufeff", "\u00ad",
                     "\u034f", "\u17b4", "\u206a", "\u200d"]
        for ch in invisible:
            with self.subTest(code_point="U+%04X" % ord(ch)):
                last = word()
                c = self.new_client("county", first_name=ch + "زه" + ch + "را" + ch, last_name=last + ch)
                self.assertEqual((c["first_name"], c["last_name"]), ("زهرا", last))
                self.assertEqual(self.pg.psql("SELECT first_name || '|' || last_name FROM clients WHERE id = %d"
                                              % c["id"]).strip(), "زهرا|" + last)
        # ZWNJ is Persian spelling: kept, once, inside the word
        c = self.new_client("county", first_name=ZWNJ + "مهر" + ZWNJ + ZWNJ + "انگیز" + ZWNJ)
        self.assertEqual(c["first_name"], "مهر" + ZWNJ + "انگیز")
        # every other free text: a user's full name (create and change), a center's name, a training's course,
        # a campaign's name and description, a donor, a household's address
        spoof = "\u202eNational\u2061 Admin\U000e0041\u3164"
        uname = "clean-" + str(next(_word_seq))
        u = self.ok("POST", "/api/v1/users", "admin", 201, {"username": uname, "password": PASSWORD,
                                                             "role": "national_viewer", "full_name": spoof}).json()
        self.assertEqual(u["full_name"], "National Admin")
        upath = "/api/v1/users/%d" % u["id"]
        got = self.ok("PATCH", upath, "admin", body={"full_name": "\u180eعلی\ufe0f"},
                      etag=self.ok("GET", upath, "admin").headers.get("ETag")).json()
        self.assertEqual(got["full_name"], "علی")
        center = self.new_center(name="مرکز\u2062 " + word() + "\u115f")
        self.assertNotRegex(center["name"], "[\u2062\u115f]")
        staff = self.new_staff(trainings=[{"course": "\u202eمهارت\u3164", "completed_on": "2024-01-01"}])
        self.assertEqual(staff["trainings"][0]["course"], "مهارت")
        camp = self.ok("POST", "/api/v1/campaigns", "admin", 201,
                       {"name": "\u2060کمپین " + word() + "\U000e0020", "description": "شرح\u2064"}).json()
        self.assertNotRegex(camp["name"] + camp["description"], "[\u2060\u2064\U000e0020]")
        d = self.ok("POST", "/api/v1/donations", "teh", 201, {
            "donor": "\u202eحسن\u3164", "kind": "in_kind", "description": "ویلچر\ufe0f", "amount_rials": 5,
            "received_on": "2024-01-01", "county_id": self.TEH_A}).json()
        self.assertEqual((d["donor"], d["description"]), ("حسن", "ویلچر"))
        self.assertEqual(self.pg.psql("SELECT full_name FROM users WHERE id = %d" % u["id"]).strip(), "علی")

if __name__ == "__main__":
    harness.main()
