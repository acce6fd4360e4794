"""registry_app is a boundary also through the owner's functions (issue 13, migration 0021): inside a SECURITY
DEFINER function the current user is the tables' owner, for whom registry_scope_v honours registry.role =
'system'. Every such function registry_app may execute is called here as registry_app, with and without a
'system' claim made first, by a caller without a ticket and by an NGO submitter (the narrowest scope), and must
answer the same either way, write nothing to the records, and leave registry.role as the caller had it."""

import os
import secrets
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PASSWORD = "Quince-Harbour-Lamp-7302"
TEHRAN, FARS = "IR-23", "IR-07"

# What each SECURITY DEFINER function registry_app may execute is called with: queries whose rows are compared
# (so columns that differ from call to call, such as a new attempt's id, are left out). {name} is filled in from
# the fixture (FunctionBoundaryTest.args). A function missing here fails test_every_function_is_called: add it.
# loan_repaid_rials is no longer SECURITY DEFINER (0021) but is what registryd calls, so it is called too.
CALLS = {
    "loan_repaid_rials": ["SELECT loan_repaid_rials({fars_loan})", "SELECT loan_repaid_rials({ngo_loan})"],
    "loan_repaid_in_scope": ["SELECT loan_repaid_in_scope({fars_loan})", "SELECT loan_repaid_in_scope({ngo_loan})"],
    "registry_national_ids_taken": ["SELECT registry_national_ids_taken('client', ARRAY['{fars_nid}', '{ngo_nid}'])"],
    "auth_logout": ["SELECT auth_logout('{stranger_hash}')"],
    "client_transfer": ["SELECT client_transfer({fars_client}, {teh_county}, {ngo_center}, NULL)",
                        "SELECT client_transfer({ngo_client}, {fars_county}, NULL, NULL)"],
    "auth_begin": ["SELECT user_id, role, ticket FROM auth_begin('{ngo_hash}', 'r', 'a', true)",
                   "SELECT user_id, role, ticket FROM auth_begin('{stranger_hash}', 'r', 'a', true)"],
    "auth_login_start": ["SELECT setting IS NOT NULL, retry_after_s FROM auth_login_start('bnd-admin', 'x')"],
    "auth_login_check": ["SELECT ok, user_id FROM auth_login_check(0, 'x', '{stranger_hash}', 60, 'r')"],
    "auth_password_start": ["SELECT setting IS NOT NULL, retry_after_s FROM auth_password_start()"],
    "auth_password_check": ["SELECT auth_password_check(0, 'x', NULL, '00')"],
    "auth_busy_audit": ["SELECT auth_busy_audit('bnd-admin', 'x', 'r') IS NULL"],
    "submission_quota_refusal": ["SELECT submission_quota_refusal(1, 100, 1000, 10, 100000)"],
    "audit_reads": ["SELECT audit_reads(ARRAY[coalesce(current_setting('registry.scope', true), '')], ARRAY['a'],"
                    " ARRAY['bnd'], ARRAY['read'], ARRAY['client'], ARRAY['{fars_client}'], ARRAY['IR-07'],"
                    " ARRAY[NULL::integer], ARRAY[NULL::bigint], ARRAY[NULL::jsonb])"],
    "registry_search_ids": ["SELECT array_agg(x ORDER BY x) FROM registry_search_ids('client', '%', NULL, NULL, NULL,"
                            " NULL, NULL) x",
                            "SELECT array_agg(x ORDER BY x) FROM registry_search_ids('staff', '%', NULL, NULL, NULL,"
                            " NULL, NULL) x"],
    "audit_seal": ["SELECT audit_seal(0)"],
    # the highest seq of the changes feed, whoever's: a number, whatever the claim (0024)
    "changes_head": ["SELECT changes_head() >= 0"],
}

# The records (and who may sign in): none of the calls may change a row of these, whatever the claim.
RECORDS = ("centers", "staff", "households", "clients", "enrollments", "services", "allocations", "donations",
           "loans", "loan_installments", "repayments", "submissions", "campaigns", "users", "sessions",
           "county_totals", "center_totals", "money_totals")
FINGERPRINT = "SELECT 'FP|' || md5(concat(%s));\n" % ", ".join(
    "(SELECT string_agg(md5(t::text), '' ORDER BY md5(t::text)) FROM %s t)" % t for t in RECORDS)

# A call as registryd makes it, caught so that one refusal does not end the transaction: its rows as text, or
# its error's SQLSTATE.
CALL = ("DO $do$ BEGIN PERFORM set_config('e2e.out', (SELECT coalesce(string_agg(q::text, ';' ORDER BY q::text), '')"
        " FROM (%s) q), true); EXCEPTION WHEN OTHERS THEN PERFORM set_config('e2e.out', 'error ' || SQLSTATE, true);"
        " END $do$;\n")


class FunctionBoundaryTest(harness.RegistryTestCase):
    @classmethod
    def seed(cls):
        reg = cls.registry
        nid = harness.national_id_sequence(731000001, 7)
        cls.add_actors({"admin": dict(username="bnd-admin", role="national_admin")}, PASSWORD)
        tok = cls.tok["admin"]
        with reg.client() as c:
            def ok(method, path, body, status=201):
                return harness.seed_request(c, method, path, body, token=tok, status=status)
            teh = harness.county_ids(c, TEHRAN, limit=1)[0]
            fars = harness.county_ids(c, FARS, limit=1)[0]
            ngo_center = ok("POST", "/api/v1/centers", {"name": "انجمن مرز", "type": "rehabilitation_day",
                                                        "sector": "ngo", "county_id": teh})["id"]
            fars_center = ok("POST", "/api/v1/centers", {"name": "مرکز شیراز مرز", "type": "rehabilitation_day",
                                                         "sector": "ngo", "county_id": fars})["id"]
            clients, loans = {}, {}
            for key, county, center, repaid in (("ngo", teh, ngo_center, 300), ("fars", fars, fars_center, 400)):
                clients[key] = ok("POST", "/api/v1/clients", {
                    "national_id": nid(), "first_name": "سارا", "last_name": "مرزی", "birth_date": "1980-03-01",
                    "sex": "female", "county_id": county, "center_id": center})
                loans[key] = ok("POST", "/api/v1/loans", {"client_id": clients[key]["id"], "amount_rials": 1000,
                                                          "installments": 2, "first_due_on": "2024-01-31"})["id"]
                ok("POST", "/api/v1/loans/%d/repayments" % loans[key], {"amount_rials": repaid,
                                                                        "paid_on": "2024-02-10"})
        cls.add_actors({"ngo": dict(username="bnd-ngo", role="ngo_submitter", center=ngo_center),
                        "viewer": dict(username="bnd-viewer", role="national_viewer")}, PASSWORD)
        cls.ngo_token, cls.viewer_token = cls.tok["ngo"], cls.tok["viewer"]
        with reg.client() as c:
            # the session's first request makes its ticket (kept: auth_begin gives the same one again)
            for token in (cls.ngo_token, cls.viewer_token):
                harness.seed_request(c, "GET", "/api/v1/auth/me", token=token, status=200)
        cls.admin_token = tok
        cls.args = dict(fars_loan=loans["fars"], ngo_loan=loans["ngo"], fars_client=clients["fars"]["id"],
                        ngo_client=clients["ngo"]["id"], fars_nid=clients["fars"]["national_id"],
                        ngo_nid=clients["ngo"]["national_id"], teh_county=teh, fars_county=fars,
                        ngo_center=ngo_center, ngo_hash=harness.token_sha256_hex(cls.ngo_token),
                        stranger_hash=secrets.token_hex(32))

    def granted_definers(self):
        out = self.pg.psql("SELECT DISTINCT p.proname FROM pg_proc p WHERE p.prosecdef"
                           " AND has_function_privilege('registry_app', p.oid, 'EXECUTE') ORDER BY 1")
        return out.split()

    def run_calls(self, token, claim):
        """Every call of CALLS in one transaction as registry_app (each in a savepoint rolled back after it), with
        the NGO submitter's ticket (auth_begin, as registryd) or none, and 'system' claimed (claim: 'local' for the
        transaction, 'session' for the session) or not. Returns
        {call: (rows, registry.role before, after, clients seen after, records changed)}."""
        parts = ["BEGIN;\n", FINGERPRINT, "SET LOCAL ROLE registry_app;\n"]
        if token is not None:
            parts.append("\\o /dev/null\nSELECT * FROM auth_begin('%s', 'r', 'a', false);\n\\o\n"
                         % harness.token_sha256_hex(token))
        if claim:
            parts.append("\\o /dev/null\nSELECT set_config('registry.role', 'system', %s);\n\\o\n"
                         % ("true" if claim == "local" else "false"))
        calls = [q.format(**self.args) for qs in CALLS.values() for q in qs]
        for i, q in enumerate(calls):
            parts += ["SAVEPOINT c;\n", "SELECT 'ROLE|' || coalesce(current_setting('registry.role', true), '');\n",
                      CALL % q, "SELECT 'OUT|' || current_setting('e2e.out');\n",
                      "SELECT 'ROLE|' || coalesce(current_setting('registry.role', true), '');\n",
                      "SELECT 'CLIENTS|' || count(*) FROM clients;\n",
                      "RESET ROLE;\n", FINGERPRINT, "ROLLBACK TO SAVEPOINT c;\n"]
        parts.append("ROLLBACK;\n")
        lines = [l for l in self.pg.psql("".join(parts)).splitlines() if "|" in l]
        fp = lines[0].split("|", 1)[1]
        res = {}
        for i, q in enumerate(calls):
            chunk = [l.split("|", 1)[1] for l in lines[1 + 5 * i: 6 + 5 * i]]
            self.assertEqual(len(chunk), 5, lines)
            res[q] = (chunk[1], chunk[0], chunk[2], int(chunk[3]), chunk[4] != fp)
        return res

    def test_every_function_is_called(self):
        """A SECURITY DEFINER function registry_app may execute that this file does not call fails here: add it to
        CALLS."""
        missing = [f for f in self.granted_definers() if f not in CALLS]
        self.assertEqual(missing, [], "SECURITY DEFINER functions granted to registry_app not in CALLS")

    def test_every_definer_masks_the_callers_role(self):
        """Every SECURITY DEFINER function but the triggers sets registry.role itself for its call ('' or 'system',
        restored at exit); one a later migration (re)defines without the clause fails here."""
        out = self.pg.psql("SELECT p.oid::regprocedure FROM pg_proc p WHERE p.prosecdef"
                           " AND p.pronamespace = 'public'::regnamespace AND p.prorettype <> 'trigger'::regtype"
                           " AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'registry.role=%')")
        self.assertEqual(out.split(), [])

    def test_system_claim_changes_nothing_in_the_owners_functions(self):
        for who, token in (("no ticket", None), ("ngo_submitter", self.ngo_token)):
            plain = self.run_calls(token, None)
            seen = plain[next(iter(plain))][3]
            for claim in ("local", "session"):
                claimed = self.run_calls(token, claim)
                for q in plain:
                    with self.subTest(caller=who, claim=claim, call=q):
                        rows, before, after, clients, wrote = claimed[q]
                        self.assertEqual(rows, plain[q][0], "the 'system' claim changed what the call answers")
                        self.assertEqual((before, after), ("system", "system"))
                        self.assertEqual(plain[q][1], plain[q][2], "the call left registry.role changed")
                        self.assertNotEqual(plain[q][2], "system")
                        # (presenting the NGO submitter's token is what gives its scope)
                        scope = 1 if "auth_begin('%s'" % self.args["ngo_hash"] in q else seen
                        self.assertEqual((clients, plain[q][3]), (scope, scope))
                        self.assertFalse(wrote, "the call changed a record")
                        self.assertFalse(plain[q][4], "the call changed a record")
            self.assertEqual(seen, 0 if token is None else 1)
        # and the answers are not all empty: the NGO submitter's own loan has its repayment, the other's is 0
        ngo = self.run_calls(self.ngo_token, "local")
        self.assertEqual(ngo["SELECT loan_repaid_rials(%d)" % self.args["ngo_loan"]][0], "(300)")
        self.assertEqual(ngo["SELECT loan_repaid_rials(%d)" % self.args["fars_loan"]][0], "(0)")
        self.assertEqual(ngo["SELECT loan_repaid_in_scope(%d)" % self.args["fars_loan"]][0], "(0)")

    def test_the_nationwide_id_check_needs_a_submitters_ticket(self):
        """registry_national_ids_taken answers for the whole nation: as registry_app with no ticket, or with a
        national viewer's (who never submits nor reviews), it refuses; with the NGO submitter's it answers."""
        q = "SELECT registry_national_ids_taken('client', ARRAY['%s'])" % self.args["fars_nid"]
        for who, token in (("no ticket", None), ("national_viewer", self.viewer_token)):
            with self.subTest(who=who):
                with self.assertRaises(harness.PsqlError) as cm:
                    harness.app_sql(self.pg, q, token=token)
                self.assertIn("needs the scope ticket of a user who sends or reviews submissions", cm.exception.stderr)
        self.assertIn(self.args["fars_nid"], harness.app_sql(self.pg, q, token=self.ngo_token))

    def test_the_owner_saying_system_still_is_the_system(self):
        """Owner code acting as the system (registryctl; the loans' triggers inside a transfer) still sees every
        loan's repayments."""
        fars_loan, ngo_loan = self.args["fars_loan"], self.args["ngo_loan"]
        out = self.pg.psql("BEGIN; SELECT set_config('registry.role', 'system', true);"
                           " SELECT loan_repaid_rials(%d), loan_repaid_rials(%d); ROLLBACK" % (fars_loan, ngo_loan))
        self.assertEqual(out.split()[-1], "400|300")
        # the Fars loan repaid in full: a write to it as the system, with no ticket at all (as registryctl), checks
        # its status against every repayment (0 would refuse the write: "still owed")
        r = self.client.post("/api/v1/loans/%d/repayments" % fars_loan, {"amount_rials": 600, "paid_on": "2024-03-10"},
                             token=self.admin_token)
        self.assertStatus(r, 201)
        out = self.pg.psql("BEGIN; SELECT set_config('registry.role', 'system', true);"
                           " UPDATE loans SET updated_at = now() WHERE id = %d RETURNING status; ROLLBACK" % fars_loan)
        self.assertEqual(out.split()[-1], "repaid")
        # and a national admin moves the Fars client to Tehran: its repaid loan follows it
        r = self.client.post("/api/v1/clients/%d/transfer" % self.args["fars_client"],
                             {"county_id": self.args["teh_county"]}, token=self.admin_token)
        self.assertStatus(r, 200)
        self.assertEqual(self.pg.psql("SELECT county_id, status FROM loans WHERE id = %d" % fars_loan).strip(),
                         "%d|repaid" % self.args["teh_county"])


if __name__ == "__main__":
    harness.main()
