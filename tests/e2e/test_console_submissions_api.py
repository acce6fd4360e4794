"""What the console's upload and review screens rely on in a submission's per-record results: every error carries a
stable code ("field.reason", as validation's errors do), so the console says it in Persian without reading the
English message; the codes are the same in the reply, in the submitter's GET and in the officer's view, which adds
national_id.registered_elsewhere for an ID registered outside the center."""

import json
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PASSWORD = "Lantern-Orchard-Pebble-7731"
TEHRAN, FARS = "IR-23", "IR-07"
SUB = "/api/v1/submissions"

national_id = harness.national_id_sequence(512340001, 17)


class ConsoleSubmissionCodesTest(harness.ActorTestCase):

    @classmethod
    def seed(cls):
        reg = cls.registry
        cls.add_actors({"admin": dict(username="csub-admin", role="national_admin")}, PASSWORD)
        with reg.client() as c:
            cls.TEH = harness.county_ids(c, TEHRAN)[0]
            cls.FARS_COUNTY = harness.county_ids(c, FARS)[0]
            cls.NGO = harness.seed_request(c, "POST", "/api/v1/centers", {
                "name": "انجمن آزمون کدها", "type": "rehabilitation_day", "sector": "ngo", "county_id": cls.TEH},
                token=cls.tok["admin"])["id"]
            cls.OTHER = harness.seed_request(c, "POST", "/api/v1/centers", {
                "name": "انجمن دیگر", "type": "rehabilitation_day", "sector": "ngo", "county_id": cls.TEH},
                token=cls.tok["admin"])["id"]
        cls.add_actors({"ngo": dict(username="csub-ngo", role="ngo_submitter", center=cls.NGO),
                        "po": dict(username="csub-po", role="provincial_officer", province=TEHRAN)}, PASSWORD)
        with reg.client() as c:
            def client(center):
                nid = national_id()
                harness.seed_request(c, "POST", "/api/v1/clients", {
                    "national_id": nid, "first_name": "رضا", "last_name": "کدی", "birth_date": "1979-02-11",
                    "sex": "male", "county_id": cls.TEH, "center_id": center}, token=cls.tok["admin"])
                return nid
            cls.OWN_NID, cls.ELSEWHERE_NID = client(cls.NGO), client(cls.OTHER)

    def rec(self, nid=None, **over):
        data = {"national_id": nid or national_id(), "first_name": "زهرا", "last_name": "کدی",
                "birth_date": "1985-03-21", "sex": "female", "county_id": self.TEH}
        data.update(over)
        return {"kind": "client", "data": data}

    def codes(self, result):
        return sorted((e["field"], e.get("code")) for e in result["errors"])

    def test_every_record_error_has_a_code_in_every_view(self):
        repeated = national_id()
        records = [
            self.rec(),                                              # 0 valid
            self.rec(self.OWN_NID),                                  # 1 registered in the center itself
            self.rec(self.ELSEWHERE_NID),                            # 2 registered elsewhere: valid to the NGO
            self.rec(repeated), self.rec(repeated),                  # 3 valid, 4 repeated in the batch
            self.rec(county_id=self.FARS_COUNTY),                    # 5 a county of another province
            self.rec(sex="other", first_name=""),                    # 6 validation's own codes
            {"kind": "service", "data": {"service": "x", "provided_on": "2024-05-01"}},   # 7 no client
            {"kind": "service", "data": {"client_id": 999999999, "service": "x", "provided_on": "2024-05-01"}},
        ]
        body = json.dumps({"records": records}, ensure_ascii=False).encode("utf-8")
        r = self.client.request("POST", SUB, body=body, token=self.tok["ngo"], headers={
            "Content-Type": "application/json", "Idempotency-Key": "csub-" + uuid.uuid4().hex})
        self.assertStatus(r, 201, "submission")
        reply = r.json()
        want = {
            1: [("national_id", "national_id.registered")],
            4: [("national_id", "national_id.repeated")],
            5: [("county_id", "county_id.province")],
            6: [("first_name", "first_name.empty"), ("sex", "sex.choice")],
            7: [("client_id", "client_id.required")],
            8: [("client_id", "client_id.scope")],
        }
        for res in reply["results"]:
            with self.subTest(index=res["index"], view="reply"):
                self.assertEqual(self.codes(res), want.get(res["index"], []), res)
                for e in res["errors"]:
                    self.assertTrue(e["message"], res)
        # the submitter's GET: the same codes, stored
        mine = self.ok("GET", "%s/%d" % (SUB, reply["id"]), "ngo").json()
        self.assertEqual([self.codes(x) for x in mine["results"]], [self.codes(x) for x in reply["results"]])
        # the officer's view: the ID registered in another center is named, with its own code
        review = self.ok("GET", "%s/%d" % (SUB, reply["id"]), "po").json()
        for res in review["results"]:
            with self.subTest(index=res["index"], view="officer"):
                expect = want.get(res["index"], [])
                if res["index"] == 2:
                    expect = [("national_id", "national_id.registered_elsewhere")]
                self.assertEqual(self.codes(res), expect, res)


if __name__ == "__main__":
    harness.main()
