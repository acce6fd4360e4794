"""What the console's centers and users screens need from the API (issue 15): a center's occupancy (active_clients
beside capacity, in the record, its list and its schema, following its clients as they come, leave and are
closed, within the reader's scope), and the password rules' refusals and the users' scope fields as coded field
errors with Persian messages (the console shows them beside their fields)."""

import itertools
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PASSWORD = "Copper-Meadow-Signal-4417"
national_id = harness.national_id_sequence(731450003, 11)
word = harness.persian_words(itertools.count(20 ** 3 + 9311))
FA = {"Accept-Language": "fa"}


class ConsolePeopleApiTest(harness.ActorTestCase):

    @classmethod
    def seed(cls):
        cls.seed_cast("cp", PASSWORD, word)
        cls.add_actors({"pw": dict(username="cp-password-changer", role="national_viewer")}, PASSWORD)

    def new_client(self, center, county=None):
        return self.ok("POST", "/api/v1/clients", "admin", 201, {
            "national_id": national_id(), "first_name": "زهرا", "last_name": word(), "birth_date": "1990-02-11",
            "sex": "female", "county_id": county or self.TEH_A, "center_id": center}).json()

    def center(self, who, cid):
        return self.ok("GET", "/api/v1/centers/%d" % cid, who).json()

    def listed(self, who, cid):
        items = self.items("/api/v1/centers?limit=100", who)
        return next(c for c in items if c["id"] == cid)

    # -- occupancy ---------------------------------------------------------------------------------------------------
    def test_active_clients_follow_the_centers_clients(self):
        c = self.ok("POST", "/api/v1/centers", "admin", 201, {
            "name": "مرکز " + word(), "type": "rehabilitation_day", "sector": "ngo", "county_id": self.TEH_A,
            "capacity": 12}).json()
        self.assertEqual(c["active_clients"], 0)
        self.assertEqual(self.center("admin", c["id"])["active_clients"], 0)
        a, b, other = self.new_client(c["id"]), self.new_client(c["id"]), self.new_client(self.CENTER_PUB)
        self.assertEqual(self.center("admin", c["id"])["active_clients"], 2)
        self.assertEqual(self.listed("teh", c["id"])["active_clients"], 2)
        self.assertEqual(self.center("county", c["id"])["capacity"], 12)

        # closing a client's file takes it out; moving one to another center moves it
        r = self.ok("DELETE", "/api/v1/clients/%d" % a["id"], "admin", 200, etag='"v%d"' % a["version"])
        self.assertEqual(r.json()["status"], "closed")
        self.assertEqual(self.center("admin", c["id"])["active_clients"], 1)
        self.ok("PATCH", "/api/v1/clients/%d" % other["id"], "admin", 200, {"center_id": c["id"]},
                etag='"v%d"' % other["version"])
        self.assertEqual(self.center("admin", c["id"])["active_clients"], 2)
        self.ok("PATCH", "/api/v1/clients/%d" % b["id"], "admin", 200, {"center_id": self.CENTER_PUB},
                etag='"v%d"' % b["version"])
        self.assertEqual(self.listed("admin", c["id"])["active_clients"], 1)

        # a write's answer carries it too, and the field is in the Center schema
        p = self.ok("PATCH", "/api/v1/centers/%d" % c["id"], "admin", 200, {"capacity": 20},
                    etag='"v%d"' % c["version"]).json()
        self.assertEqual((p["capacity"], p["active_clients"]), (20, 1))
        schema = self.client.get("/api/v1/openapi.json").json()["components"]["schemas"]["Center"]
        self.assertEqual(schema["properties"]["active_clients"]["type"], "integer")
        self.assertIn("active_clients", schema["required"])

    def test_an_ngo_submitter_sees_its_own_centers_occupancy_and_no_other(self):
        self.new_client(self.CENTER_NGO)
        mine = self.center("ngo", self.CENTER_NGO)
        self.assertEqual(mine["active_clients"], self.center("admin", self.CENTER_NGO)["active_clients"])
        self.assertGreaterEqual(mine["active_clients"], 1)
        self.assertEqual([c["id"] for c in self.items("/api/v1/centers", "ngo")], [self.CENTER_NGO])
        self.assertStatus(self.req("GET", "/api/v1/centers/%d" % self.CENTER_PUB, "ngo"), 404)

    # -- Persian field errors ----------------------------------------------------------------------------------------
    def errors(self, resp):
        body = self.assertProblem(resp, 422)
        return {e["field"]: (e.get("code"), e["message"]) for e in body["errors"]}

    def test_a_refused_new_password_says_which_rule_in_persian(self):
        r = self.client.post("/api/v1/auth/password", {"current_password": PASSWORD, "new_password": "short-one"},
                             headers=FA, token=self.tok["pw"])
        self.assertEqual(self.errors(r), {"new_password": ("new_password.too_short",
                                                           "گذرواژه باید دست‌کم ۱۲ نویسه باشد.")})
        r = self.client.post("/api/v1/auth/password", {"current_password": PASSWORD,
                                                       "new_password": "xx-cp-password-changer-xx"},
                             headers=FA, token=self.tok["pw"])
        self.assertEqual(self.errors(r)["new_password"][0], "new_password.contains_username")
        # without Accept-Language: fa, the same code with the English sentence
        r = self.client.post("/api/v1/auth/password", {"current_password": PASSWORD, "new_password": "aaaaaaaaaaaaaa"},
                             token=self.tok["pw"])
        self.assertEqual(self.errors(r), {"new_password": ("new_password.repeated",
                                                           "password is one character repeated")})

    def test_a_wrong_current_password_is_a_coded_field_error(self):
        r = self.client.post("/api/v1/auth/password", {"current_password": "Not-The-Password-9931",
                                                       "new_password": "Velvet-Orchard-Compass-2208"},
                             headers=FA, token=self.tok["pw"])
        self.assertEqual(self.errors(r), {"current_password": ("current_password.wrong", "گذرواژهٔ کنونی درست نیست.")})
        # nothing changed: the old password still signs in
        self.assertStatus(self.client.post("/api/v1/auth/login", {"username": "cp-password-changer",
                                                                  "password": PASSWORD}), 200)

    def test_a_refused_user_says_each_field_in_persian(self):
        r = self.client.post("/api/v1/users", {"username": "-bad name", "password": "1234567890123", "role":
                                               "provincial_officer", "county_id": self.TEH_A},
                             headers=FA, token=self.tok["admin"])
        e = self.errors(r)
        self.assertEqual(e["username"][0], "username.characters")
        self.assertEqual(e["password"][0], "password.sequence")
        self.assertEqual(e["province"], ("province.required", "استان را برای نقش استانی برگزینید."))
        self.assertEqual(e["county_id"][0], "county_id.not_for_role")
        for code, message in e.values():
            self.assertRegex(message, "[\u0600-\u06FF]", code)

        r = self.client.post("/api/v1/users", {"username": "cp-new-ngo", "password": "Velvet-Orchard-Compass-2208",
                                               "role": "ngo_submitter", "province": "Tehran"},
                             headers=FA, token=self.tok["admin"])
        e = self.errors(r)
        self.assertEqual(e["province"][0], "province.not_a_province")
        self.assertEqual(e["center_id"][0], "center_id.required")

        u = self.ok("POST", "/api/v1/users", "admin", 201, {"username": "cp-officer-" + str(self.uid["admin"]),
                                                             "password": "Velvet-Orchard-Compass-2208",
                                                             "role": "county_officer", "county_id": self.TEH_A}).json()
        r = self.client.patch("/api/v1/users/%d" % u["id"], {"password": "zzzzzzzzzzzzzz"},
                              headers=dict(FA, **{"If-Match": harness.etag_of("/api/v1/users/%d" % u["id"],
                                                                              u["version"])}),
                              token=self.tok["admin"])
        self.assertEqual(self.errors(r), {"password": ("password.repeated", "گذرواژه نباید تکرار یک نویسه باشد.")})


if __name__ == "__main__":
    harness.main()
