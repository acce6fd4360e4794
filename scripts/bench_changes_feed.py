#!/usr/bin/python3
"""bench_changes_feed.py - what the changes feed's commit-order lock (migration 0024) costs writes.

Starts a throw-away PostgreSQL cluster (tests/e2e/harness.py), migrates it, and runs pgbench: CLIENTS clients each
making TXNS transactions of one INSERT into households (a registry table with the feed's deferred trigger), first
with the trigger disabled, then enabled; with durable commits (fsync and synchronous_commit on, as in production)
and without (as the tests run). Prints transactions per second and mean latency of each.

    scripts/bench_changes_feed.py [--bin-dir build-asan/bin] [--clients 2] [--txns 2000]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import harness  # noqa: E402


def pgbench(pg, script, clients, txns):
    binary = os.path.join(os.environ.get("REGISTRY_PG_BIN", "/usr/lib/postgresql/15/bin"), "pgbench")
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
    os.chmod(f.name, 0o644)
    try:
        out = subprocess.run(pg._as_postgres + [binary, "-n", "-h", pg.sockdir, "-p", str(pg.port), "-U", "postgres",
                                                "-c", str(clients), "-j", str(clients), "-t", str(txns), "-f", f.name,
                                                "registry"],
                             capture_output=True, text=True, check=True, **pg._user_kw).stdout
    finally:
        os.unlink(f.name)
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    lat = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))
    return tps, lat


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", default=None)
    ap.add_argument("--clients", type=int, default=2)
    ap.add_argument("--txns", type=int, default=2000)
    a = ap.parse_args()
    county = None
    for durable in (True, False):
        onoff = "on" if durable else "off"
        pg = harness.PgCluster({"fsync": onoff, "synchronous_commit": onoff, "full_page_writes": onoff})
        pg.start()
        try:
            harness.Registry(pg, a.bin_dir).migrate()
            county = pg.psql("SELECT min(id) FROM counties").strip()
            script = "INSERT INTO households (county_id) VALUES (%s);\n" % county
            for trigger in (False, True):
                pg.psql("ALTER TABLE households %s TRIGGER zz_changes" % ("ENABLE" if trigger else "DISABLE"))
                pgbench(pg, script, a.clients, max(a.txns // 10, 10))      # warm up
                tps, lat = pgbench(pg, script, a.clients, a.txns)
                print("durable commits %-3s  feed trigger %-3s  %d clients x %d inserts: %8.0f tx/s  %.3f ms mean"
                      % (onoff, "on" if trigger else "off", a.clients, a.txns, tps, lat), flush=True)
        finally:
            pg.stop()


if __name__ == "__main__":
    main()
