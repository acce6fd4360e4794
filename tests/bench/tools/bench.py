#!/usr/bin/env python3
"""Helpers of tests/bench/run.sh (Python standard library only).

  bench.py wrk-record   --case C --label L --server S [--note N] < wrk-output     -> one JSON result line
  bench.py pgbench-record --case C --label L --logs PREFIX --out pgbench-output [--note N]
  bench.py submission   --port P --cacert F --token T --ids FILE --county C [--runs 5] [--records 1000]
  bench.py idle         --port P --cacert F --path PATH [--token T] (--pids 1,2 | --pgid G) [--conns 1000] [--hold 3]
  bench.py rss          --pgid G                                               -> VmRSS of a process group, kB
  bench.py table        RESULTS.jsonl                                              -> the table
"""
import argparse
import glob
import http.client
import json
import math
import os
import re
import resource
import socket
import ssl
import statistics
import sys
import time
import uuid


def out(rec):
    print(json.dumps(rec, ensure_ascii=False), flush=True)


def percentile(sorted_vals, p):
    """Nearest-rank percentile (p in 0..100) of an ascending list."""
    if not sorted_vals:
        return None
    k = max(0, min(len(sorted_vals) - 1, math.ceil(p / 100.0 * len(sorted_vals)) - 1))
    return sorted_vals[k]


# wrk and pgbench ---------------------------------------------------------------------------------------------------

def wrk_record(a):
    text = sys.stdin.read()
    m = re.search(r"^BENCHJSON (\{.*\})$", text, re.M)
    if not m:
        sys.stderr.write("bench.py: no BENCHJSON line in the wrk output:\n" + text[-2000:])
        sys.exit(1)
    w = json.loads(m.group(1))
    secs = w["duration_us"] / 1e6
    errors = w["err_connect"] + w["err_read"] + w["err_write"] + w["err_timeout"]
    out({"case": a.case, "label": a.label, "server": a.server, "requests": w["requests"],
         "rps": w["requests"] / secs if secs else 0, "p50_ms": w["p50_us"] / 1000, "p99_ms": w["p99_us"] / 1000,
         "non2xx": w["non2xx"], "errors": errors, "note": a.note or ""})


def pgbench_record(a):
    text = open(a.out).read()
    tps = re.search(r"^tps = ([0-9.]+)", text, re.M)
    failed = re.search(r"^number of failed transactions: ([0-9]+)", text, re.M)
    done = re.search(r"^number of transactions actually processed: ([0-9]+)", text, re.M)
    if not tps or "aborted" in text:
        sys.stderr.write("bench.py: pgbench failed:\n" + text[-2000:])
        sys.exit(1)
    lat = []
    for f in glob.glob(a.logs + ".*"):
        with open(f) as fh:
            for line in fh:
                # client transaction_no time_us script_no epoch_s epoch_us
                parts = line.split()
                if len(parts) >= 4 and parts[2].isdigit() and (a.script is None or parts[3] == str(a.script)):
                    lat.append(int(parts[2]))
    lat.sort()
    requests = int(done.group(1)) if done else len(lat)
    rps = float(tps.group(1))
    if a.script is not None:
        # only the requests' own script counts (case a: the reads, not the audit batches that ride along)
        rps *= len(lat) / max(requests, 1)
        requests = len(lat)
    out({"case": a.case, "label": a.label, "server": "pgbench", "requests": requests,
         "rps": rps, "p50_ms": (percentile(lat, 50) or 0) / 1000,
         "p99_ms": (percentile(lat, 99) or 0) / 1000, "non2xx": 0,
         "errors": int(failed.group(1)) if failed else 0, "note": a.note or ""})


# (f) one NGO submission of N records ------------------------------------------------------------------------------

def submission(a):
    ctx = ssl.create_default_context(cafile=a.cacert)
    conn = http.client.HTTPSConnection("127.0.0.1", a.port, context=ctx, timeout=300)
    conn.connect()
    times, valid = [], []
    ids = [l.strip() for l in open(a.ids) if l.strip()]
    if len(ids) < a.runs * a.records:
        sys.exit("bench.py: %s holds %d national IDs, %d needed" % (a.ids, len(ids), a.runs * a.records))
    for run in range(a.runs):
        records = []
        for i, nid in enumerate(ids[run * a.records:(run + 1) * a.records]):
            records.append({"kind": "client", "data": {
                "national_id": nid, "first_name": "نگار", "last_name": "آزمون",
                "birth_date": "19%02d-%02d-%02d" % (40 + i % 60, 1 + i % 12, 1 + i % 28),
                "sex": "female" if i % 2 else "male", "county_id": a.county}})
        body = json.dumps({"records": records}, ensure_ascii=False).encode()
        headers = {"Authorization": "Bearer " + a.token, "Content-Type": "application/json",
                   "Idempotency-Key": "bench-" + uuid.uuid4().hex}
        t0 = time.perf_counter()
        conn.request("POST", "/api/v1/submissions", body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        ms = (time.perf_counter() - t0) * 1000
        if resp.status != 201:
            sys.stderr.write("bench.py: submission answered %d: %s\n" % (resp.status, data[:500]))
            sys.exit(1)
        results = json.loads(data)["results"]
        times.append(ms)
        valid.append(sum(1 for r in results if r["status"] == "valid"))
        sys.stderr.write("  submission %d: %.0f ms, %d of %d records valid, %d bytes sent\n"
                         % (run + 1, ms, valid[-1], len(results), len(body)))
    times_sorted = sorted(times)
    p50 = statistics.median(times_sorted)
    out({"case": "f", "label": a.label, "server": "registryd", "requests": a.runs, "rps": None,
         "p50_ms": p50, "p99_ms": times_sorted[-1], "non2xx": 0, "errors": 0,
         "note": "%d runs of %d new clients: p50 %.0f ms, slowest %.0f ms (p99 column), %.0f records/s; %s"
                 % (a.runs, a.records, p50, times_sorted[-1], a.records / (p50 / 1000),
                    "all valid" if min(valid) == a.records else "only %d valid!" % min(valid))})


# RSS with N idle keep-alive TLS connections -----------------------------------------------------------------------

def rss_kb(pids):
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def group_pids(pgid):
    """The processes of a process group (a server started with setsid: its master and its workers)."""
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[2]) == pgid:
                    pids.append(int(d))
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                pass
    return pids


def read_response(s):
    """Reads one HTTP/1.1 response with a Content-Length (what all three servers send here)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the response head")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    status = int(head.split(b" ", 2)[1])
    m = re.search(rb"(?i)\r\ncontent-length:\s*([0-9]+)", head)
    n = int(m.group(1)) if m else 0
    while len(rest) < n:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed in the body")
        rest += chunk
    return status


def idle(a):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = a.conns + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(want, soft), hard), hard))
    pids = [int(p) for p in a.pids.split(",") if p]
    if a.pgid:
        pids = group_pids(a.pgid)
    ctx = ssl.create_default_context(cafile=a.cacert)
    req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%sConnection: keep-alive\r\n\r\n"
           % (a.path, a.port, ("Authorization: Bearer %s\r\n" % a.token) if a.token else "")).encode()
    before = rss_kb(pids)
    socks, bad = [], 0
    t0 = time.time()
    for _ in range(a.conns):
        raw = socket.create_connection(("127.0.0.1", a.port), timeout=30)
        s = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        s.sendall(req)
        if read_response(s) != 200:
            bad += 1
        socks.append(s)
    opened = time.time() - t0
    time.sleep(a.hold)
    # every connection still open? (a closed one reads EOF at once)
    alive = 0
    for s in socks:
        s.setblocking(False)
        try:
            alive += 1 if s.recv(1) else 0
        except (ssl.SSLWantReadError, BlockingIOError):
            alive += 1
        except (ssl.SSLError, OSError):
            pass
    during = rss_kb(pids)
    for s in socks:
        try:
            s.close()
        except OSError:
            pass
    out({"before_kb": before, "during_kb": during, "conns": a.conns, "alive": alive, "non200": bad,
         "open_s": round(opened, 2), "processes": len(pids)})


def rss(a):
    print(rss_kb(group_pids(a.pgid)))


# The table --------------------------------------------------------------------------------------------------------

def fmt(v, digits=1):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if abs(v) >= 100:
        return "{:,.0f}".format(v)
    return ("{:.%df}" % digits).format(v)


def ratio(x, y):
    q = x / y
    return "%.2f" % q if q >= 0.1 else "%.3f" % q if q >= 0.001 else "%.1e" % q


def table(a):
    recs = [json.loads(l) for l in open(a.results) if l.strip()]
    nginx = next((r for r in recs if r["server"] == "nginx"), None)
    by = {}
    for r in recs:
        by.setdefault((r["case"], r["label"]), {})[r["server"]] = r
    head = ["case", "server", "req/s", "p50 ms", "p99 ms", "errors", "reg/nginx", "reg/peer", "reg/pgbench", "note"]
    rows = []
    for r in recs:
        same = by[(r["case"], r["label"])]
        ratios = ["", "", ""]
        if r["server"] == "registryd" and r.get("rps"):
            if nginx and nginx.get("rps") and r["case"] not in ("e", "f", "g"):  # nginx's is a GET
                ratios[0] = ratio(r["rps"], nginx["rps"])
            for i, other in ((1, "peer"), (2, "pgbench")):
                o = same.get(other)
                if o and o.get("rps"):
                    ratios[i] = ratio(r["rps"], o["rps"])
        errs = r.get("non2xx", 0) + r.get("errors", 0)
        rows.append(["%s %s" % (r["case"], r["label"]), r["server"], fmt(r.get("rps"), 1), fmt(r.get("p50_ms"), 2),
                     fmt(r.get("p99_ms"), 2), "-" if r.get("rps") is None and not errs else str(errs)] + ratios
                    + [r.get("note", "")])
    width = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(head)]
    width[-1] = len(head[-1])
    right = {2, 3, 4, 5, 6, 7, 8}

    def line(cells):
        return "  ".join(c.rjust(width[i]) if i in right else c.ljust(width[i]) for i, c in enumerate(cells)).rstrip()

    print(line(head))
    print(line(["-" * w for w in width]))
    last = None
    for row, r in zip(rows, recs):
        key = (r["case"], r["label"])
        print(line(row if key != last else [""] + row[1:]))
        last = key


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("wrk-record")
    s.add_argument("--case", required=True)
    s.add_argument("--label", required=True)
    s.add_argument("--server", required=True)
    s.add_argument("--note")
    s = sub.add_parser("pgbench-record")
    s.add_argument("--case", required=True)
    s.add_argument("--label", required=True)
    s.add_argument("--logs", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--note")
    s.add_argument("--script", type=int, help="count only this script's transactions (pgbench -f ... numbering)")
    s = sub.add_parser("submission")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--cacert", required=True)
    s.add_argument("--token", required=True)
    s.add_argument("--ids", required=True, help="a file of unused national IDs, one a line")
    s.add_argument("--county", type=int, required=True)
    s.add_argument("--runs", type=int, default=5)
    s.add_argument("--records", type=int, default=1000)
    s.add_argument("--label", default="NGO submission, 1,000 records")
    s = sub.add_parser("idle")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--cacert", required=True)
    s.add_argument("--path", required=True)
    s.add_argument("--token")
    s.add_argument("--pids", default="")
    s.add_argument("--pgid", type=int, help="measure every process of this process group")
    s.add_argument("--conns", type=int, default=1000)
    s.add_argument("--hold", type=float, default=3)
    s = sub.add_parser("rss")
    s.add_argument("--pgid", type=int, required=True)
    s = sub.add_parser("table")
    s.add_argument("results")
    a = p.parse_args()
    {"wrk-record": wrk_record, "pgbench-record": pgbench_record, "submission": submission, "idle": idle,
     "rss": rss, "table": table}[a.cmd](a)


if __name__ == "__main__":
    main()
