"""
stack.py - a real registry for the console's browser tests: a throw-away PostgreSQL cluster, a migrated database
with the demo data (`registryctl seed-demo`) and registryd serving HTTPS on 127.0.0.1, all through
tests/e2e/harness.py.

Run with /usr/bin/python3 (standard library only), with the harness's environment: REGISTRY_BIN_DIR (registryd and
registryctl) and REGISTRY_SOURCE_DIR (the repository). Once everything is up it prints ONE line of JSON on stdout:

    {"base_url": "https://localhost:PORT", "port": PORT, "ca_file": "/tmp/.../server.crt",
     "spki_sha256": "<base64 SHA-256 of the certificate's public key>", "password": "...",
     "users": {"national_admin": "demo.national", ...}, "server_log": "/tmp/.../registryd.log"}

and then runs until its standard input reaches end of file (the parent closed the pipe or died), stops registryd and
PostgreSQL and removes their directories. If it is killed instead, the harness's watchdog cleans up the same way.
Lines "browser PID PROFILE_DIR" on stdin name a browser the parent started (the leader of its own process group):
when the stack stops (its parent died, was killed, or forgot to close it) that process group is killed and its
profile directory removed, so a browser never outlives the test that started it.
Anything else it says goes to stderr. Exit 0 after a clean stop; 1 if the stack could not be started (the reason on
stderr).
"""

import base64
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import harness  # noqa: E402

DEMO_PASSWORD = "Registry-Demo-2026!"      # ctl/seed.c's default; REGISTRY_DEMO_PASSWORD is never set here
# The demo users by role, as ctl/seed.c creates them.
DEMO_USERS = {
    "national_admin": "demo.national",
    "national_viewer": "demo.viewer",
    "provincial_admin": "demo.tehran",
    "provincial_officer": "demo.fars",
    "county_officer": "demo.county",
    "ngo_submitter": "demo.ngo",
}


def spki_sha256(cert_path):
    """base64(SHA-256(SubjectPublicKeyInfo)) of a PEM certificate: what Chromium's
    --ignore-certificate-errors-spki-list takes."""
    pub = subprocess.run(["openssl", "x509", "-in", cert_path, "-noout", "-pubkey"], capture_output=True,
                         check=True, timeout=30).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub, capture_output=True,
                         check=True, timeout=30).stdout
    return base64.b64encode(hashlib.sha256(der).digest()).decode("ascii")


def kill_browsers(browsers):
    """SIGKILL each browser's process group that still runs (the same process: same start time) and remove its
    profile directory."""
    for pid, start, profile in browsers:
        if start is not None and harness._proc_starttime(pid) == start:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        harness._unwatch_proc(pid)
        if os.path.basename(profile).startswith("registry-console-"):
            shutil.rmtree(profile, ignore_errors=True)


def main():
    pg = harness.PgCluster()
    reg = None
    try:
        reg = harness.Registry(pg)              # checks the binaries before anything starts
        pg.start()
        reg.migrate()
        reg.start(threads=2)
        seeded = reg.ctl("seed-demo", env_extra={"REGISTRY_DEMO_PASSWORD": None}, check=True)
        sys.stderr.write("stack: " + seeded.stdout)
        info = {
            "base_url": reg.base_url,
            "port": reg.port,
            "ca_file": reg.cert,
            "spki_sha256": spki_sha256(reg.cert),
            "password": DEMO_PASSWORD,
            "users": DEMO_USERS,
            "server_log": reg.logfile,
        }
    except BaseException as e:
        if reg is not None and reg.proc is not None:
            sys.stderr.write("--- server log, last lines ---\n%s\n" % reg.log_tail(40))
        sys.stderr.write("stack: could not start: %s\n" % e)
        if reg is not None:
            reg.cleanup()
        pg.cleanup()
        return 1

    sys.stdout.write(json.dumps(info) + "\n")
    sys.stdout.flush()
    browsers = []
    try:
        for line in sys.stdin.buffer:           # EOF means stop
            parts = line.decode("utf-8", "replace").split()
            if len(parts) == 3 and parts[0] == "browser" and parts[1].isdigit():
                pid = int(parts[1])
                browsers.append((pid, harness._proc_starttime(pid), parts[2]))
                harness._watch_proc(pid)        # killed by the harness's watchdog if this process is killed too
    except (OSError, KeyboardInterrupt):
        pass
    finally:
        kill_browsers(browsers)
        code = None
        try:
            code = reg.stop()
        except harness.HarnessError as e:
            sys.stderr.write("stack: %s\n" % e)
        if code not in (0, None):
            sys.stderr.write("stack: registryd exited with %s\n--- server log, last lines ---\n%s\n"
                             % (code, reg.log_tail(40)))
        reg.cleanup()
        pg.cleanup()
    return 0 if code in (0, None) else 1


if __name__ == "__main__":
    sys.exit(main())
