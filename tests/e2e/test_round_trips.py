"""Round trips and statements per request, counted (never timed): a signed-in caller's request asks the database
who is calling once, not once per job (server/auth/transaction.h); a caller the session cache knows is not asked
about at all on a read."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402


class RoundTripTest(harness.RegistryTestCase):
    registry_threads = 1    # one session cache: which request finds the caller in it is known

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.password = "round trips counted here"
        harness.add_user(cls.registry, "rt_viewer", "national_viewer", cls.password)

    def counts(self):
        """(jobs, {statement: times sent}) from /metrics."""
        r = self.client.get("/metrics")
        self.assertStatus(r, 200)
        jobs, stmts = None, {}
        for line in r.text.splitlines():
            m = re.match(r'registry_db_statements_total\{statement="([^"]+)"\} (\d+)$', line)
            if m:
                stmts[m.group(1)] = int(m.group(2))
            elif line.startswith("registry_db_jobs_total "):
                jobs = int(line.split()[1])
        self.assertIsNotNone(jobs, "registry_db_jobs_total missing")
        self.assertIn("auth_begin", stmts)
        return jobs, stmts

    def delta(self, request):
        jobs0, st0 = self.counts()
        r = request()
        jobs1, st1 = self.counts()
        return r, jobs1 - jobs0, {k: v - st0.get(k, 0) for k, v in st1.items() if v != st0.get(k, 0)}

    def test_a_new_session_is_looked_up_once(self):
        token = harness.login(self.client, "rt_viewer", self.password)["token"]
        # the first request of this token: not in the cache, so one lookup (auth_begin), then the handler's job
        # begins with the ticket the lookup returned rather than a second auth_begin
        r, jobs, stmts = self.delta(lambda: self.client.get("/api/v1/auth/me", token=token))
        self.assertStatus(r, 200)
        self.assertEqual(r.json().get("username"), "rt_viewer")
        self.assertEqual(stmts.get("auth_begin"), 1, stmts)
        self.assertEqual(stmts.get("scope_set"), 1, stmts)
        self.assertEqual(jobs, 2, stmts)
        # the next: from the cache, one job, no session lookup
        r, jobs, stmts = self.delta(lambda: self.client.get("/api/v1/auth/me", token=token))
        self.assertStatus(r, 200)
        self.assertNotIn("auth_begin", stmts)
        self.assertEqual(stmts.get("scope_set"), 1, stmts)
        self.assertEqual(jobs, 1, stmts)

    def test_an_ended_session_is_refused_by_its_lookup_alone(self):
        token = harness.login(self.client, "rt_viewer", self.password)["token"]
        self.assertStatus(self.client.post("/api/v1/auth/logout", token=token), 204)
        r, jobs, stmts = self.delta(lambda: self.client.get("/api/v1/auth/me", token=token))
        self.assertStatus(r, 401)
        self.assertEqual(stmts, {"auth_begin": 1})
        self.assertEqual(jobs, 1)


if __name__ == "__main__":
    harness.main()
