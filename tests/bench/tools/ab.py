#!/usr/bin/python3
"""The rounds of tests/bench/ab.sh: two registryds (A and B) over one PostgreSQL, measured in alternation (round 1
A then B, round 2 B then A, ...) with run.sh's case a (GET client by id), and the CPU each request cost, read from
/proc: registryd's user+sys time over the measured run, and PostgreSQL's (the postmaster's own and its exited
children's times, plus its live children's). Prints one table and the paired ratios B/A with a 95 % interval.

    ab.py --dir BENCH_WORK_DIR --pgport P --wrk-dir DIR --rounds N --duration S --warmup S
          --side A=PORT:PID --side B=PORT:PID [--jsonl FILE]

The work dir is run.sh's (BENCH_HOLD=1): its sock/, pg/postmaster.pid and lists/get_targets are used.
Standard library only."""
import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time

HZ = os.sysconf("SC_CLK_TCK")
PSQL = "/usr/lib/postgresql/15/bin/psql"
# two-sided 95 % quantiles of Student's t for 1..30 degrees of freedom (beyond: the normal's 1.96)
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def log(msg):
    print("[ab %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def proc_stat(pid):
    """(ppid, utime, stime, cutime, cstime) in clock ticks, or None when the process is gone"""
    try:
        with open("/proc/%s/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    rest = s[s.rindex(")") + 2:].split()   # from field 3 (state): the command name may hold spaces
    return int(rest[1]), int(rest[11]), int(rest[12]), int(rest[13]), int(rest[14])


def registryd_ticks(pid):
    # the thread-group leader's utime/stime cover all its threads; registryd forks no workers
    st = proc_stat(pid)
    if st is None:
        sys.exit("ab.py: registryd %d is gone" % pid)
    return st[1] + st[2]


def postgres_ticks(work):
    """the whole cluster: the postmaster's own time and what its exited children (backends that ended) left in its
    cutime/cstime, plus each live child's own time"""
    with open(os.path.join(work, "pg", "postmaster.pid")) as f:
        pm = int(f.readline())
    total = 0
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        st = proc_stat(p)
        if st is None:
            continue
        if int(p) == pm:
            total += sum(st[1:5])
        elif st[0] == pm:
            total += st[1] + st[2]
    return total


class Bench:
    def __init__(self, a):
        self.a = a
        self.psql = [PSQL, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", os.path.join(a.dir, "sock"),
                     "-p", str(a.pgport), "-U", "postgres", "-d", "registry"]

    def sql(self, q):
        return subprocess.run(self.psql + ["-c", q], capture_output=True, text=True, check=True).stdout.strip()

    def settle(self):
        """as run.sh does between runs: the audit sealer caught up, the audit trail vacuumed, a checkpoint"""
        for i in range(600):
            n = int(self.sql("SELECT (SELECT count(*) FROM audit_log WHERE seal_seq IS NULL)"
                             " + (SELECT count(*) FROM read_batches WHERE seal_seq IS NULL)"))
            if n < 2000:
                break
            if i % 15 == 0:
                log("  waiting for the audit sealer: %d rows and read batches unsealed" % n)
            time.sleep(1)
        self.sql("VACUUM audit_log, read_batches")
        self.sql("CHECKPOINT")

    def wrk(self, port, secs, measured):
        # run.sh's case a, word for word
        cmd = ["wrk", "-t2", "-c64", "-d%ds" % secs, "--timeout", "30s"] + (["--latency"] if measured else []) + [
            "-s", os.path.join(self.a.wrk_dir, "get_by_id.lua"), "https://127.0.0.1:%d/" % port, "--",
            os.path.join(self.a.dir, "lists", "get_targets")]
        env = dict(os.environ, BENCH_WRK_DIR=self.a.wrk_dir)
        r = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if measured:
            m = re.search(r"^BENCHJSON (\{.*\})$", r.stdout, re.M)
            if r.returncode != 0 or not m:
                sys.exit("ab.py: wrk failed (exit %d): %s" % (r.returncode, (r.stdout + r.stderr)[-500:]))
            return json.loads(m.group(1))
        return None

    def run(self, rnd, side, port, pid):
        self.settle()
        if self.a.warmup > 0:
            self.wrk(port, self.a.warmup, False)
            self.settle()
        log("round %d: %s" % (rnd, side))
        r0, p0, t0 = registryd_ticks(pid), postgres_ticks(self.a.dir), time.monotonic()
        w = self.wrk(port, self.a.duration, True)
        r1, p1, t1 = registryd_ticks(pid), postgres_ticks(self.a.dir), time.monotonic()
        n = max(w["requests"], 1)
        return {"round": rnd, "side": side, "requests": w["requests"],
                "rps": w["requests"] / (w["duration_us"] / 1e6), "wall_s": t1 - t0,
                "reg_us": (r1 - r0) * 1e6 / HZ / n, "pg_us": (p1 - p0) * 1e6 / HZ / n,
                "non2xx": w["non2xx"], "sock_errors": w["err_connect"] + w["err_read"] + w["err_write"] + w["err_timeout"],
                "p50_ms": w["p50_us"] / 1000, "p99_ms": w["p99_us"] / 1000, "load1": os.getloadavg()[0]}


def interval(xs):
    """mean and the half-width of its 95 % interval (Student's t over the rounds; None with one round)"""
    m = statistics.mean(xs)
    if len(xs) < 2:
        return m, None
    t = T975[len(xs) - 2] if len(xs) - 1 <= len(T975) else 1.96
    return m, t * statistics.stdev(xs) / math.sqrt(len(xs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--pgport", type=int, required=True)
    ap.add_argument("--wrk-dir", required=True)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--side", action="append", required=True, help="NAME=PORT:PID, twice (A first)")
    ap.add_argument("--jsonl")
    a = ap.parse_args()
    sides = []
    for s in a.side:
        name, rest = s.split("=", 1)
        port, pid = rest.split(":")
        sides.append((name, int(port), int(pid)))
    if len(sides) != 2:
        sys.exit("ab.py: two --side, A then B")
    (na, _, _), (nb, _, _) = sides

    b = Bench(a)
    rows = []
    out = open(a.jsonl, "a") if a.jsonl else None
    for k in range(1, a.rounds + 1):
        # A B, B A, A B, ...: a drift over time (the cache, autovacuum, the audit trail growing) falls on both sides
        for name, port, pid in (sides if k % 2 == 1 else sides[::-1]):
            rec = b.run(k, name, port, pid)
            rows.append(rec)
            if out:
                out.write(json.dumps(rec) + "\n")
                out.flush()

    print("%5s  %-4s %9s %16s %17s %8s %10s" % ("round", "side", "req/s", "registryd us/req", "PostgreSQL us/req",
                                                "non-2xx", "sock errs"))
    for r in rows:
        print("%5d  %-4s %9.0f %16.1f %17.1f %8d %10d" % (r["round"], r["side"], r["rps"], r["reg_us"], r["pg_us"],
                                                        r["non2xx"], r["sock_errors"]))
    print()
    by = {(r["round"], r["side"]): r for r in rows}
    print("B/A, paired by round (mean of the %d rounds' ratios, 95 %% interval by Student's t):" % a.rounds)
    for key, what in (("rps", "req/s"), ("reg_us", "registryd CPU per request"), ("pg_us", "PostgreSQL CPU per request")):
        ratios = [by[(k, nb)][key] / by[(k, na)][key] for k in range(1, a.rounds + 1) if by[(k, na)][key] > 0]
        m, h = interval(ratios)
        print("  %-28s %.3f %s   (rounds: %s)" % (what, m, "+- %.3f" % h if h is not None else "(one round: no interval)",
                                                 " ".join("%.3f" % x for x in ratios)))
    bad = sum(r["non2xx"] + r["sock_errors"] for r in rows)
    if bad:
        print("warning: %d non-2xx answers or socket errors: the rows are suspect" % bad)


if __name__ == "__main__":
    main()
