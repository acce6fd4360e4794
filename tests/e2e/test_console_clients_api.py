"""What the console's client screens needed from the API (issue 15): the client list filters by disability severity
(alone, with the other filters and with the name search), and the audit trail splits into a record's changes
(kind=change: the entries holding a before or an after) and everything else about it (kind=access: its reads), so a
client's history is not buried under the reads of the file."""

import itertools
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PASSWORD = "Amber-Quarry-Violet-4821"
national_id = harness.national_id_sequence(187650001, 11)
word = harness.persian_words(itertools.count(20 ** 3 + 9151))
q = harness.query


class ConsoleClientsApiTest(harness.ActorTestCase):

    @classmethod
    def seed(cls):
        cls.seed_cast("cca", PASSWORD, word)

    def new_client(self, **fields):
        body = {"national_id": national_id(), "first_name": "زهرا", "last_name": word(), "birth_date": "1988-06-15",
                "sex": "female", "county_id": self.TEH_A}
        body.update(fields)
        return self.ok("POST", "/api/v1/clients", "county", 201, body).json()

    def ids(self, who, **params):
        return {x["id"] for x in self.items("/api/v1/clients?" + q(limit=500, **params), who)}

    def test_clients_filter_by_severity(self):
        surname = word()
        severe = self.new_client(last_name=surname, disability={"type": "visual", "severity": "severe"})
        mild = self.new_client(last_name=surname, disability={"type": "visual", "severity": "mild"})
        none = self.new_client(last_name=surname)
        mine = {severe["id"], mild["id"], none["id"]}
        for params, want in ((dict(disability_severity="severe"), {severe["id"]}),
                             (dict(disability_severity="mild"), {mild["id"]}),
                             (dict(disability_severity="moderate"), set()),
                             (dict(disability_severity="severe", disability_type="visual"), {severe["id"]}),
                             (dict(disability_severity="severe", disability_type="hearing"), set()),
                             (dict(disability_severity="severe", county_id=self.TEH_B), set()),
                             # through the name search (registry_search_ids), with and without the place
                             (dict(disability_severity="severe", q=surname), {severe["id"]}),
                             (dict(disability_severity="severe", q=surname, county_id=self.TEH_A), {severe["id"]}),
                             (dict(q=surname), mine)):
            with self.subTest(params=params):
                self.assertEqual(self.ids("admin", **params) & mine, want)
                self.assertEqual(self.ids("county", **params) & mine, want)
        self.assertFields(self.req("GET", "/api/v1/clients?disability_severity=extreme", "admin"), 400,
                          ["disability_severity"])
        # the list's audit entry says which filter was asked
        self.ids("county", disability_severity="very_severe")
        entry = self.items("/api/v1/audit?" + q(entity="client", action="list", user_id=self.uid["county"],
                                                 limit=1), "admin")[0]
        self.assertEqual(entry["detail"]["filter"]["disability_severity"], "very_severe")

    def test_openapi_describes_the_new_parameters(self):
        doc = self.ok("GET", "/api/v1/openapi.json", "admin").json()

        def params(path):
            return {p["name"]: p for p in doc["paths"][path]["get"].get("parameters", [])}
        sev = params("/api/v1/clients")["disability_severity"]
        self.assertIn("very_severe", sev.get("description", "") + str(sev.get("schema", {})))
        kind = params("/api/v1/audit")["kind"]
        self.assertIn("change", kind.get("description", "") + str(kind.get("schema", {})))
        for old in ("entity", "entity_id", "action", "user_id"):
            self.assertIn(old, params("/api/v1/audit"))

    def test_audit_kind_splits_changes_from_reads(self):
        c = self.new_client()
        path = "/api/v1/clients/%d" % c["id"]
        self.ok("GET", path, "county")
        self.ok("PATCH", path, "county", body={"father_name": "علی"}, etag='"v1"')
        self.ok("GET", path, "teh")
        self.ok("POST", path + "/transfer", "teh", body={"county_id": self.TEH_B})
        self.ok("GET", path, "admin")

        def trail(**params):
            return self.items("/api/v1/audit?" + q(entity="client", entity_id=c["id"], limit=500, **params), "admin")
        everything = trail()
        changes, access = trail(kind="change"), trail(kind="access")
        self.assertEqual([e["action"] for e in changes], ["transfer", "update", "create"])
        self.assertTrue(all(e["before"] is not None or e["after"] is not None for e in changes))
        self.assertTrue(access and all(e["before"] is None and e["after"] is None for e in access))
        self.assertIn("read", {e["action"] for e in access})
        self.assertEqual(sorted(e["id"] for e in changes + access), sorted(e["id"] for e in everything))
        self.assertEqual([e["id"] for e in trail(kind="access", action="read")],
                         [e["id"] for e in access if e["action"] == "read"])
        # newest first, and pages follow the cursor within the kind
        first = self.ok("GET", "/api/v1/audit?" + q(entity="client", entity_id=c["id"], kind="change", limit=2),
                        "admin").json()
        self.assertEqual([e["id"] for e in first["items"]], [e["id"] for e in changes[:2]])
        rest = self.ok("GET", "/api/v1/audit?" + q(entity="client", entity_id=c["id"], kind="change", limit=2,
                                                   cursor=first["next_cursor"]), "admin").json()
        self.assertEqual([e["id"] for e in rest["items"]], [e["id"] for e in changes[2:]])
        self.assertFields(self.req("GET", "/api/v1/audit?kind=writes", "admin"), 400, ["kind"])


if __name__ == "__main__":
    harness.main()
