"""
lint.py - lints the OpenAPI description registryd really serves with @redocly/cli (pinned in package.json, installed
by `npm ci` here; ctest's openapi.lint runs it): the recommended rules and those redocly.yaml adds. Any error or
warning fails. It starts a throwaway PostgreSQL cluster and registryd (tests/e2e/harness.py), fetches
GET /api/v1/openapi.json and lints that document, so what is checked is what clients get.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import harness  # noqa: E402

CLI = os.path.join(HERE, "node_modules", "@redocly", "cli", "bin", "cli.js")


class OpenApiLint(harness.RegistryTestCase):
    registry_threads = 1

    def test_recommended_rules_pass(self):
        r = self.client.get("/api/v1/openapi.json")
        self.assertStatus(r, 200)
        doc = r.json()
        self.assertEqual(doc.get("openapi", "")[:4], "3.1.", "an OpenAPI 3.1 document")
        self.assertTrue(os.path.exists(CLI), "%s is missing: run npm ci in %s" % (CLI, HERE))
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "openapi.json")
            with open(path, "wb") as f:
                f.write(r.raw)
            env = dict(os.environ, REDOCLY_TELEMETRY="off", REDOCLY_SUPPRESS_UPDATE_NOTICE="true", NO_COLOR="1")
            p = subprocess.run([os.environ.get("REGISTRY_NODE") or "node", CLI, "lint", "--config", os.path.join(HERE, "redocly.yaml"),
                                "--format", "json", path], cwd=d, env=env, capture_output=True, text=True,
                               timeout=300)
        start = p.stdout.find("{")
        self.assertGreaterEqual(start, 0, "no JSON report from redocly (exit %d): %s %s"
                                % (p.returncode, p.stdout[-2000:], p.stderr[-2000:]))
        report = json.JSONDecoder().raw_decode(p.stdout[start:])[0]
        problems = ["%s %s at %s: %s" % (x["severity"], x["ruleId"],
                                         ",".join(l.get("pointer", "?") for l in x.get("location", [])), x["message"])
                    for x in report.get("problems", [])]
        totals = report.get("totals", {})
        self.assertEqual(problems, [], "%d errors, %d warnings:\n%s" % (
            totals.get("errors", -1), totals.get("warnings", -1), "\n".join(problems[:200])))
        self.assertEqual((totals.get("errors"), totals.get("warnings")), (0, 0), totals)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])


if __name__ == "__main__":
    harness.main()
