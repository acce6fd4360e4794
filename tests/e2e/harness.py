"""
harness.py - end-to-end test harness for registryd / registryctl.

Each tests/e2e/test_*.py file is run by ctest as `/usr/bin/python3 FILE` (standard library only) with:
  REGISTRY_BIN_DIR     directory holding registryd and registryctl (default: $REGISTRY_SOURCE_DIR/build/bin)
  REGISTRY_SOURCE_DIR  repository root (default: two levels above this file)
Optional:
  REGISTRY_KEEP_TMP=1  keep the temporary directories (PostgreSQL data dir and log, server log, certificate)
                       and print where they are
  REGISTRY_VALGRIND=1  run registryd under `valgrind --error-exitcode=99 --leak-check=full` (valgrind's own report
                       goes to valgrind-<n>.log next to the server log); every wait of the harness is 10x longer
  REGISTRY_PG_BIN      directory of the PostgreSQL binaries (default: /usr/lib/postgresql/15/bin, then $PATH)

What a test file looks like:

    import os, sys
    sys.path.insert(0, os.path.dirname(__file__))
    import harness

    class MyTest(harness.RegistryTestCase):
        registry_env = {"REGISTRY_RATE_LIMIT": "20"}     # only what this class needs that others do not

        @classmethod
        def seed(cls):                                  # run once, after the cluster and registryd are up
            cls.add_actors({"admin": dict(username="my.admin", role="national_admin")}, "Some-Strong-Pass-123")

        def test_something(self):
            r = self.client.get("/healthz")
            self.assertStatus(r, 200)

Tests never pass or fail on how long something took (the machine may be loaded): a property is proven by the
order of events (wait_until what must come first, then check what must come after) or by a count (the server's
/metrics, rows in the database). Timeouts only bound a hang.

    if __name__ == "__main__":
        harness.main()

One PostgreSQL cluster (initdb'd into a temporary directory, listening on a Unix socket only) and one registryd per
test class, shared by its tests. When running as root the PostgreSQL binaries run as the `postgres` user through
`runuser -u postgres --`. postgres itself is started directly (as a child of the test process, so that it is
always reaped and a process-tree kill reaches it), pg_isready says when it accepts connections, and it is stopped
with `pg_ctl stop -m fast|immediate`.

Clean-up: every process and temporary directory the harness creates is registered (1) with an atexit handler, and
(2) with a small detached watchdog process that notices when the test process dies, however it dies (even SIGKILL
from a ctest timeout), and then kills what is left: registryd (SIGKILL), PostgreSQL (SIGQUIT = immediate
shutdown, then SIGKILL) and removes the temporary directories (unless REGISTRY_KEEP_TMP=1).
"""

import atexit
import http.client
import hashlib
import itertools
import json
import os
import re
import select
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import warnings

__all__ = [
    "HarnessError", "PsqlError", "PgCluster", "PsqlSession", "Registry", "Client", "Response", "RegistryTestCase",
    "ActorTestCase", "make_cert", "free_port", "main", "source_dir", "bin_dir", "keep_tmp", "VALGRIND", "TIME_SCALE",
]

HERE = os.path.dirname(os.path.abspath(__file__))
VALGRIND = os.environ.get("REGISTRY_VALGRIND") == "1"
TIME_SCALE = 10 if VALGRIND else 1
IS_ROOT = os.geteuid() == 0


class HarnessError(Exception):
    """The harness could not set something up (a binary is missing, a process did not start, ...)."""


class PsqlError(HarnessError):
    def __init__(self, msg, returncode=None, stdout="", stderr=""):
        super().__init__(msg)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


# ---------------------------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------------------------

def source_dir():
    """Repository root: $REGISTRY_SOURCE_DIR, else two directories above this file."""
    return os.path.abspath(os.environ.get("REGISTRY_SOURCE_DIR") or os.path.join(HERE, "..", ".."))


def bin_dir():
    """Directory holding registryd and registryctl: $REGISTRY_BIN_DIR, else <source>/build/bin."""
    return os.path.abspath(os.environ.get("REGISTRY_BIN_DIR") or os.path.join(source_dir(), "build", "bin"))


def keep_tmp():
    return os.environ.get("REGISTRY_KEEP_TMP") == "1"


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def _tail(path, lines=60, since=0):
    try:
        with open(path, "rb") as f:
            f.seek(since)
            data = f.read()
    except OSError as e:
        return "(cannot read %s: %s)" % (path, e)
    text = data.decode("utf-8", "replace").splitlines()
    return "\n".join(text[-lines:])


def _clean_env(drop_prefixes=("PG", "REGISTRY_")):
    """os.environ without variables that could change how libpq or the registry binaries behave."""
    return {k: v for k, v in os.environ.items() if not k.startswith(drop_prefixes)}


def _proc_starttime(pid):
    """Field 22 of /proc/PID/stat (start time in clock ticks), to tell a process from a later one with its pid."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read().decode("ascii", "replace")
        return data[data.rindex(")") + 2:].split()[19]
    except (OSError, ValueError, IndexError):
        return None


def _pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read().decode("ascii", "replace")
        return data[data.rindex(")") + 2:].split()[0] not in ("Z", "X")
    except (OSError, ValueError, IndexError):
        return False


def _rmtree(path):
    if path and os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)


def _tmp_parent():
    """Where temporary directories go. As root they must be reachable by the postgres user, so every ancestor of
    the directory must be world-searchable; otherwise fall back to /tmp."""
    parent = tempfile.gettempdir()
    if not IS_ROOT:
        return parent
    p = os.path.abspath(parent)
    while True:
        try:
            if not os.stat(p).st_mode & 0o001:
                return "/tmp"
        except OSError:
            return "/tmp"
        if p == "/":
            return parent
        p = os.path.dirname(p)


# ---------------------------------------------------------------------------------------------------------------
# Clean-up: atexit + a detached watchdog that outlives a killed test process
# ---------------------------------------------------------------------------------------------------------------

_WATCHDOG_SRC = r'''
import os, sys, signal, time, shutil
if os.fork() > 0:
    os._exit(0)
os.setsid()
os.chdir("/")
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGHUP, signal.SIG_IGN)

def stat(pid):
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            d = f.read().decode("ascii", "replace")
        return d[d.rindex(")") + 2:].split()
    except Exception:
        return None

def alive(pid):
    s = stat(pid)
    return s is not None and s[0] not in ("Z", "X")

procs, pgs, dirs = {}, {}, {}
for line in sys.stdin:
    parts = line.rstrip("\n").split(" ", 2)
    if len(parts) < 3:
        continue
    op, kind, arg = parts
    table = {"proc": procs, "pg": pgs, "dir": dirs}.get(kind)
    if table is None:
        continue
    if op == "add":
        if kind == "proc":
            pid, start = arg.split(" ", 1)
            procs[int(pid)] = start
        else:
            table[arg] = True
    elif op == "del":
        table.pop(int(arg.split(" ")[0]) if kind == "proc" else arg, None)

# The test process is gone (stdin reached EOF): kill whatever it left behind.
for pid, start in procs.items():
    s = stat(pid)
    if s is not None and s[19] == start:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
postmasters = []
for datadir in pgs:
    try:
        with open(os.path.join(datadir, "postmaster.pid")) as f:
            pid = int(f.readline().strip())
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            if b"postgres" not in f.read():
                continue
        os.kill(pid, signal.SIGQUIT)
        postmasters.append(pid)
    except Exception:
        pass
deadline = time.time() + 15
while postmasters and time.time() < deadline:
    postmasters = [p for p in postmasters if alive(p)]
    time.sleep(0.1)
for pid in postmasters:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
if postmasters:
    time.sleep(1)
for d in dirs:
    shutil.rmtree(d, ignore_errors=True)
'''

_lock = threading.RLock()
_watchdog = None          # the pipe to the watchdog's stdin
_live = []                # objects with _emergency_cleanup(), newest last


def _watchdog_send(line):
    global _watchdog
    with _lock:
        if _watchdog is None:
            try:
                p = subprocess.Popen([sys.executable, "-c", _WATCHDOG_SRC], stdin=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True)
                p.wait()       # the first process exits at once; its detached child keeps reading the pipe
                _watchdog = p.stdin
            except OSError:
                _watchdog = False
        if not _watchdog:
            return
        try:
            _watchdog.write((line + "\n").encode())
            _watchdog.flush()
        except (OSError, ValueError):
            pass


def _track(obj):
    with _lock:
        _live.append(obj)


def _untrack(obj):
    with _lock:
        if obj in _live:
            _live.remove(obj)


def _watch_proc(pid):
    start = _proc_starttime(pid)
    if start is not None:
        _watchdog_send("add proc %d %s" % (pid, start))


def _unwatch_proc(pid):
    _watchdog_send("del proc %d" % pid)


def _watch_dir(path):
    if not keep_tmp():
        _watchdog_send("add dir " + path)


def _unwatch_dir(path):
    _watchdog_send("del dir " + path)


def _cleanup_all():
    with _lock:
        objs = list(reversed(_live))
    for o in objs:
        try:
            o._emergency_cleanup()
        except Exception as e:  # keep going: everything else must still be cleaned
            sys.stderr.write("harness: clean-up of %r failed: %s\n" % (o, e))
    _close_watchdog()


def _close_watchdog():
    """Closing the pipe lets the watchdog exit (it then cleans up whatever is still registered: nothing, normally)."""
    global _watchdog
    with _lock:
        if _watchdog:
            try:
                _watchdog.close()
            except OSError:
                pass
        _watchdog = None


atexit.register(_cleanup_all)


def _install_signal_handlers():
    """SIGTERM/SIGHUP end the test process through SystemExit, so atexit clean-up runs."""
    if threading.current_thread() is not threading.main_thread():
        return

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            if signal.getsignal(sig) in (signal.SIG_DFL, None):
                signal.signal(sig, handler)
        except (ValueError, OSError):
            pass


_install_signal_handlers()


# ---------------------------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------------------------

def _pg_bin_dir():
    d = os.environ.get("REGISTRY_PG_BIN")
    if d:
        return d
    if os.path.isfile("/usr/lib/postgresql/15/bin/postgres"):
        return "/usr/lib/postgresql/15/bin"
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            d = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10).stdout.strip()
            if d and os.path.isfile(os.path.join(d, "postgres")):
                return d
        except (OSError, subprocess.SubprocessError):
            pass
    return None


def _pg_tool(name):
    d = _pg_bin_dir()
    if d and os.path.isfile(os.path.join(d, name)):
        return os.path.join(d, name)
    p = shutil.which(name)
    if p:
        return p
    raise HarnessError("PostgreSQL program %r not found (looked in %s and $PATH; is postgresql-15 installed?)"
                       % (name, d or "/usr/lib/postgresql/15/bin"))


def _libpq_quote(v):
    v = str(v)
    if v and not re.search(r"[\s'\\]", v):
        return v
    return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"


class PgCluster:
    """A throw-away PostgreSQL 15 cluster: trust auth, Unix socket only, in a temporary directory."""

    SETTINGS = {
        "listen_addresses": "",
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "200",
        "shared_buffers": "64MB",
        "log_line_prefix": "%m [%p] %q%u@%d ",
        "log_min_messages": "warning",
        "lc_messages": "C",
    }

    def __init__(self, settings=None):
        self.settings = dict(self.SETTINGS)
        if settings:
            self.settings.update(settings)
        self.base = None
        self.datadir = None
        self._sockdir = None
        self._own_sockdir = False
        self.logfile = None
        self._port = None
        self._proc = None
        self.locale = None
        self._as_postgres = []
        self._user_kw = {}
        if IS_ROOT:
            runuser = shutil.which("runuser") or ("/usr/sbin/runuser" if os.path.exists("/usr/sbin/runuser") else None)
            if runuser:
                self._as_postgres = [runuser, "-u", "postgres", "--"]
            else:  # no util-linux runuser: let subprocess switch the user itself
                self._user_kw = {"user": "postgres", "group": "postgres", "extra_groups": []}

    # -- properties ----------------------------------------------------------------------------------------------
    @property
    def port(self):
        return self._port

    @property
    def sockdir(self):
        return self._sockdir

    def url(self, dbname="registry", user="postgres"):
        """A libpq keyword/value connection string for this cluster."""
        return "host=%s port=%d dbname=%s user=%s" % (_libpq_quote(self._sockdir), self._port,
                                                     _libpq_quote(dbname), _libpq_quote(user))

    @property
    def running(self):
        """True while the postgres process the harness started is alive."""
        return self._proc is not None and self._proc.poll() is None

    def postmaster_pid(self):
        try:
            with open(os.path.join(self.datadir, "postmaster.pid")) as f:
                return int(f.readline().strip())
        except (OSError, ValueError, TypeError):
            return None

    def log_text(self):
        try:
            with open(self.logfile, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except (OSError, TypeError):
            return ""

    # -- running PostgreSQL programs -----------------------------------------------------------------------------
    def _run_pg(self, argv, timeout=120, check=True):
        env = _clean_env(("PG",))
        try:
            r = subprocess.run(self._as_postgres + argv, cwd=self.base, env=env, stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, errors="replace", timeout=timeout, **self._user_kw)
        except subprocess.TimeoutExpired as e:
            raise HarnessError("%s timed out after %ss" % (" ".join(argv), timeout)) from e
        if check and r.returncode != 0:
            raise HarnessError("%s failed (exit %d):\n%s%s\n--- postgres log ---\n%s"
                               % (" ".join(shlex.quote(a) for a in argv), r.returncode, r.stdout, r.stderr,
                                  _tail(self.logfile, 30) if self.logfile else ""))
        return r

    def _chown_pg(self, path):
        if IS_ROOT:
            import pwd
            pw = pwd.getpwnam("postgres")
            os.chown(path, pw.pw_uid, pw.pw_gid)

    def _postgres_args(self):
        args = ["-k", self._sockdir, "-p", str(self._port)]
        for k, v in self.settings.items():
            args += ["-c", "%s=%s" % (k, v)]
        return args

    # -- life cycle ----------------------------------------------------------------------------------------------
    def start(self, port=None):
        """initdb a new cluster in a temporary directory and start it. Returns self."""
        if self.base is not None:
            raise HarnessError("PgCluster.start() called twice; use start_again() to restart")
        for tool in ("initdb", "pg_ctl", "postgres", "psql"):
            _pg_tool(tool)
        self.base = tempfile.mkdtemp(prefix="registry-e2e-pg-", dir=_tmp_parent())
        _track(self)
        _watch_dir(self.base)
        os.chmod(self.base, 0o755)
        self._chown_pg(self.base)
        self.datadir = os.path.join(self.base, "data")
        self.logfile = os.path.join(self.base, "postgres.log")
        self._port = port or free_port()
        sockdir = os.path.join(self.base, "sock")
        if len(sockdir) + len("/.s.PGSQL.65535") > 100:   # sun_path is 108 bytes
            sockdir = tempfile.mkdtemp(prefix="pgsock-", dir="/tmp")
            self._own_sockdir = True
            _watch_dir(sockdir)
        else:
            os.mkdir(sockdir)
        os.chmod(sockdir, 0o755)
        self._chown_pg(sockdir)
        self._sockdir = sockdir
        open(self.logfile, "a").close()
        self._chown_pg(self.logfile)

        common = [_pg_tool("initdb"), "-D", self.datadir, "--auth=trust", "--username=postgres", "--encoding=UTF8",
                  "--no-sync", "--no-instructions"]
        r = self._run_pg(common + ["--locale=C.UTF-8"], check=False)
        self.locale = "C.UTF-8"
        if r.returncode != 0:
            _rmtree(self.datadir)
            r2 = self._run_pg(common + ["--locale=C"], check=False)
            self.locale = "C"
            if r2.returncode != 0:
                raise HarnessError("initdb failed with --locale=C.UTF-8:\n%s%s\nand with --locale=C:\n%s%s"
                                   % (r.stdout, r.stderr, r2.stdout, r2.stderr))
        _watchdog_send("add pg " + self.datadir)
        self._launch()
        return self

    def _launch(self, timeout=60):
        # postgres runs as a child of this process (through runuser when root), not detached by pg_ctl start, so
        # that it is always reaped here and a ctest timeout that kills the process tree reaches it too.
        argv = self._as_postgres + [_pg_tool("postgres"), "-D", self.datadir] + self._postgres_args()
        with open(self.logfile, "ab") as log:
            self._proc = subprocess.Popen(argv, cwd=self.base, env=_clean_env(("PG",)), stdin=subprocess.DEVNULL,
                                          stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                          **self._user_kw)
        try:
            self._wait_accepting(timeout)
        except BaseException:
            self._force_stop()
            raise

    def _wait_accepting(self, timeout):
        deadline = time.monotonic() + timeout
        isready = None
        try:
            isready = _pg_tool("pg_isready")
        except HarnessError:
            pass
        last = ""
        while True:
            if self._proc.poll() is not None:
                raise HarnessError("postgres exited with code %s while starting\n--- postgres log ---\n%s"
                                   % (self._proc.returncode, _tail(self.logfile, 30)))
            if isready:
                r = subprocess.run([isready, "-h", self._sockdir, "-p", str(self._port), "-U", "postgres",
                                    "-d", "postgres", "-t", "2"], capture_output=True, text=True,
                                   env=_clean_env(("PG",)))
                ok, last = r.returncode == 0, r.stdout + r.stderr
            else:
                try:
                    self.psql("SELECT 1", dbname="postgres")
                    ok = True
                except PsqlError as e:
                    ok, last = False, str(e)
            if ok:
                return
            if time.monotonic() > deadline:
                raise HarnessError("PostgreSQL does not accept connections after %ss: %s\n--- postgres log ---\n%s"
                                   % (timeout, last, _tail(self.logfile, 30)))
            time.sleep(0.1)

    def stop(self):
        """Fast shutdown (pg_ctl stop -m fast): active sessions are disconnected, a checkpoint is written."""
        self._shutdown("fast")

    def kill(self):
        """Immediate shutdown (pg_ctl stop -m immediate): no checkpoint, crash recovery on the next start."""
        self._shutdown("immediate")

    def _shutdown(self, mode, timeout=60):
        if not self.running:
            return
        r = self._run_pg([_pg_tool("pg_ctl"), "-D", self.datadir, "-m", mode, "-w", "-t", str(timeout), "stop"],
                         check=False)
        try:
            self._proc.wait(10 if r.returncode != 0 else timeout)
        except subprocess.TimeoutExpired:
            self._force_stop()
            raise HarnessError("pg_ctl stop -m %s: postgres did not stop (pg_ctl exit %d: %s); killed"
                               % (mode, r.returncode, (r.stdout + r.stderr).strip())) from None

    def _force_stop(self):
        """Last resort: SIGQUIT the postmaster, then SIGKILL whatever is left, and reap it."""
        if self._proc is None or self._proc.poll() is not None:
            return
        pid = self.postmaster_pid() or (None if self._as_postgres else self._proc.pid)
        for sig, wait in ((signal.SIGQUIT, 10), (signal.SIGKILL, 5)):
            for p in {pid, self._proc.pid} - {None}:
                if sig == signal.SIGQUIT and p != pid:
                    continue
                try:
                    os.kill(p, sig)
                except OSError:
                    pass
            try:
                self._proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                pass

    def start_again(self):
        """Start the same data directory again, on the same port and socket directory (after stop() or kill())."""
        if self.datadir is None:
            raise HarnessError("start_again() before start()")
        if self.running:
            raise HarnessError("PostgreSQL is already running")
        self._launch()

    def cleanup(self, keep=None):
        """Stop PostgreSQL if it still runs (immediate shutdown) and remove the temporary directory, unless keep
        (default: REGISTRY_KEEP_TMP=1), in which case its path is printed."""
        if keep is None:
            keep = keep_tmp()
        try:
            if self.running:
                try:
                    self.kill()
                except HarnessError:
                    self._force_stop()
        finally:
            if self.datadir:
                _watchdog_send("del pg " + self.datadir)
            for d in (self.base, self._sockdir if self._own_sockdir else None):
                if not d:
                    continue
                if keep:
                    sys.stderr.write("harness: kept PostgreSQL directory %s\n" % d)
                else:
                    _rmtree(d)
                _unwatch_dir(d)
            _untrack(self)

    def _emergency_cleanup(self):
        self.cleanup()

    # -- SQL -----------------------------------------------------------------------------------------------------
    def _psql_argv(self, dbname, user):
        return [_pg_tool("psql"), "-v", "ON_ERROR_STOP=1", "-X", "-A", "-t", "-q",
                "-h", self._sockdir, "-p", str(self._port), "-U", user, "-d", dbname]

    def psql(self, sql, dbname="registry", user="postgres", check=True, timeout=120):
        """Runs sql (any number of statements and psql meta-commands, fed on stdin) through psql -X -A -t -q with
        ON_ERROR_STOP=1 and returns its standard output as text (unstripped). Raises PsqlError on failure when
        check."""
        env = _clean_env(("PG",))
        env["PGCLIENTENCODING"] = "UTF8"
        try:
            r = subprocess.run(self._psql_argv(dbname, user), input=sql.encode("utf-8"), capture_output=True,
                               env=env, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise PsqlError("psql timed out after %ss running: %s" % (timeout, sql[:200])) from e
        out = r.stdout.decode("utf-8", "replace")
        err = r.stderr.decode("utf-8", "replace")
        if check and r.returncode != 0:
            raise PsqlError("psql (db %s, user %s) exit %d: %s\nSQL: %s" % (dbname, user, r.returncode, err.strip(),
                                                                          sql[:500]), r.returncode, out, err)
        return out

    def database_exists(self, name):
        lit = "'" + name.replace("'", "''") + "'"
        return self.psql("SELECT 1 FROM pg_database WHERE datname = %s" % lit, dbname="postgres").strip() == "1"

    def createdb(self, name):
        self.psql('CREATE DATABASE "%s"' % name.replace('"', '""'), dbname="postgres")

    def session(self, dbname="registry", user="postgres", on_error_stop=True):
        return PsqlSession(self, dbname=dbname, user=user, on_error_stop=on_error_stop)

    def __repr__(self):
        return "<PgCluster %s port=%s>" % (self.base, self._port)


class PsqlSession:
    """An interactive psql kept open on a pipe, e.g. to hold a lock while the test talks to the server:

        with PsqlSession(pg) as s:
            s.execute("BEGIN; LOCK TABLE provinces IN ACCESS EXCLUSIVE MODE;")   # returns once the lock is held
            ...                                                                 # requests that need the table
            s.execute("ROLLBACK;")                                              # or just leave the with block

    execute() waits for the statements to finish (it sends a marker with \\echo after them) and returns their
    output lines; send() only writes. With on_error_stop (the default) an SQL error ends psql and execute() raises
    PsqlError. close() closes psql's stdin, so an open transaction is rolled back when the backend disconnects."""

    _n = 0

    def __init__(self, pg, dbname="registry", user="postgres", on_error_stop=True):
        self.pg = pg
        argv = pg._psql_argv(dbname, user)
        if not on_error_stop:
            argv[2] = "ON_ERROR_STOP=0"
        env = _clean_env(("PG",))
        env["PGCLIENTENCODING"] = "UTF8"
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env)
        _track(self)
        self._lines = []
        self._err = []
        self._cond = threading.Condition()
        self._eof = False
        self._t_out = threading.Thread(target=self._reader, args=(self.proc.stdout, self._lines, True), daemon=True)
        self._t_err = threading.Thread(target=self._reader, args=(self.proc.stderr, self._err, False), daemon=True)
        self._t_out.start()
        self._t_err.start()

    def _reader(self, stream, sink, is_stdout):
        for raw in iter(stream.readline, b""):
            with self._cond:
                sink.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            if is_stdout:
                self._eof = True
            self._cond.notify_all()

    @property
    def stderr_text(self):
        with self._cond:
            return "\n".join(self._err)

    def send(self, sql):
        """Writes sql to psql without waiting for it."""
        if not sql.endswith("\n"):
            sql += "\n"
        try:
            self.proc.stdin.write(sql.encode("utf-8"))
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError) as e:
            raise PsqlError("psql session is closed: %s" % self.stderr_text, self.proc.poll()) from e

    def sync(self, timeout=30):
        """Waits until everything sent so far has run; returns the output lines produced since the last sync."""
        PsqlSession._n += 1
        marker = "__harness_sync_%d_%d__" % (os.getpid(), PsqlSession._n)
        self.send("\\echo " + marker)
        deadline = time.monotonic() + timeout
        with self._cond:
            while marker not in self._lines:
                if self._eof:
                    time.sleep(0.05)  # let stderr catch up for the message
                    raise PsqlError("psql ended (exit %s): %s" % (self.proc.poll(), "\n".join(self._err)),
                                    self.proc.poll(), "\n".join(self._lines), "\n".join(self._err))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("psql session: statements still running after %ss" % timeout)
                self._cond.wait(left)
            i = self._lines.index(marker)
            out, self._lines[:] = self._lines[:i], self._lines[i + 1:]
            return out

    def execute(self, sql, timeout=30):
        """send(sql) then sync(timeout): returns the output lines (psql -A -t format)."""
        self.send(sql)
        return self.sync(timeout)

    def close(self, timeout=10):
        """Closes psql's stdin (the server rolls back an open transaction) and waits for psql to exit."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for s in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                s.close()
            except OSError:
                pass
        _untrack(self)
        return self.proc.returncode

    def _emergency_cleanup(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        _untrack(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---------------------------------------------------------------------------------------------------------------
# TLS certificate
# ---------------------------------------------------------------------------------------------------------------

def make_cert(dir):
    """A self-signed certificate for localhost / 127.0.0.1 made with the openssl CLI; returns (cert, key) paths."""
    cert = os.path.join(dir, "server.crt")
    key = os.path.join(dir, "server.key")
    openssl = shutil.which("openssl")
    if not openssl:
        raise HarnessError("the openssl command is not installed")
    r = subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                        "-keyout", key, "-out", cert], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                       timeout=60)
    if r.returncode != 0:
        raise HarnessError("openssl req failed (exit %d): %s" % (r.returncode, r.stderr))
    return cert, key


# ---------------------------------------------------------------------------------------------------------------
# HTTPS client
# ---------------------------------------------------------------------------------------------------------------

class Response:
    """status (int), reason, headers (http.client.HTTPMessage: headers.get(name) is case-insensitive, get_all()
    gives repeated ones), raw (bytes), text (UTF-8 decoded), json() (parsed body, None if the body is empty)."""

    def __init__(self, status, reason, headers, raw, version=11):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.raw = raw
        self.version = version
        self.path = None            # the request's target, set by Client.request

    @property
    def text(self):
        return self.raw.decode("utf-8", "replace")

    def json(self):
        if not self.raw.strip():
            return None
        return json.loads(self.raw.decode("utf-8"))

    def header(self, name, default=None):
        return self.headers.get(name, default)

    @property
    def content_type(self):
        """The media type without parameters, lower-cased ('' when absent)."""
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def __repr__(self):
        body = self.text
        return "<Response %d %s %r>" % (self.status, self.reason, body[:300] + ("..." if len(body) > 300 else ""))


def _client_context(cafile, tls_version=None):
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    ctx.load_verify_locations(cafile=cafile)
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    if tls_version is not None:
        if isinstance(tls_version, str):
            tls_version = {"tlsv1": ssl.TLSVersion.TLSv1, "tlsv1.0": ssl.TLSVersion.TLSv1,
                           "tlsv1.1": ssl.TLSVersion.TLSv1_1, "tlsv1.2": ssl.TLSVersion.TLSv1_2,
                           "tlsv1.3": ssl.TLSVersion.TLSv1_3}[tls_version.lower()]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)   # TLSv1/TLSv1_1 are deprecated in Python
            if tls_version < ssl.TLSVersion.TLSv1_2:
                ctx.set_ciphers("DEFAULT:@SECLEVEL=0")   # so that the *server* is the one refusing old versions
            ctx.minimum_version = tls_version
            ctx.maximum_version = tls_version
    return ctx


class _HTTPSConnection(http.client.HTTPSConnection):
    """HTTPSConnection that connects to host but verifies/sends SNI for server_hostname."""

    def __init__(self, host, port, server_hostname, **kw):
        super().__init__(host, port, **kw)
        self._server_hostname = server_hostname

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout, self.source_address)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self.sock = self._context.wrap_socket(sock, server_hostname=self._server_hostname)
        except BaseException:
            sock.close()
            raise


_RETRYABLE = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError, ssl.SSLEOFError,
              ssl.SSLZeroReturnError)   # http.client.RemoteDisconnected is a ConnectionResetError


class Client:
    """HTTPS client with one keep-alive connection (not thread-safe: use one Client per thread).

    A reused connection that the server closed while idle is detected before sending (the socket is readable) and
    replaced, for any method. If a reused connection still fails before any byte of a response arrives, a GET or
    HEAD is sent once more on a new connection; other methods raise, since the request may have reached the server.
    """

    def __init__(self, port, cafile, host="127.0.0.1", server_hostname="localhost", timeout=30, source=None):
        """source: the local address to connect from (e.g. "127.0.0.7": any 127.x.y.z reaches a loopback server),
        so one test can act as clients at several addresses."""
        self.host = host
        self.source = source
        self.port = port
        self.cafile = cafile
        self.server_hostname = server_hostname
        self.timeout = timeout
        self.context = _client_context(cafile)
        self._conn = None
        self.connections_opened = 0

    def _new_conn(self):
        self.close()
        self._conn = _HTTPSConnection(self.host, self.port, self.server_hostname, context=self.context,
                                      timeout=self.timeout,
                                      source_address=(self.source, 0) if self.source else None)
        return self._conn

    def _dropped(self):
        sock = self._conn.sock if self._conn else None
        if sock is None:
            return True
        try:
            if sock.pending():
                return True
            r, _, _ = select.select([sock], [], [], 0)
            return bool(r)
        except (OSError, ValueError):
            return True

    def close(self):
        if self._conn is not None:
            try:
                self._conn.close()
            except OSError:
                pass
            self._conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def request(self, method, path, body=None, headers=None, token=None):
        """Sends one request and reads the whole response. body: dict/list (sent as JSON with Content-Type
        application/json unless headers set one), bytes or str (sent as is; the caller sets Content-Type), or
        None. token adds 'Authorization: Bearer <token>'."""
        hdrs = dict(headers or {})
        lower = {k.lower() for k in hdrs}
        if token is not None:
            hdrs["Authorization"] = "Bearer " + token
        if isinstance(body, (dict, list)):
            payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
            if "content-type" not in lower:
                hdrs["Content-Type"] = "application/json"
        elif isinstance(body, str):
            payload = body.encode("utf-8")
        elif isinstance(body, (bytes, bytearray, memoryview)):
            payload = bytes(body)
        elif body is None:
            payload = None
        else:
            raise TypeError("body must be dict, list, str, bytes or None, not %s" % type(body).__name__)

        method = method.upper()
        for attempt in (0, 1):
            reused = self._conn is not None and self._conn.sock is not None
            if reused and self._dropped():
                self.close()
                reused = False
            conn = self._conn if reused else self._new_conn()
            if not reused:
                self.connections_opened += 1
            try:
                conn.request(method, path, body=payload, headers=hdrs)
                resp = conn.getresponse()
            except _RETRYABLE:
                self.close()
                if reused and attempt == 0 and method in ("GET", "HEAD"):
                    continue
                raise
            except BaseException:
                self.close()
                raise
            try:
                raw = resp.read()
            except BaseException:
                self.close()
                raise
            if resp.will_close:
                self.close()
            r = Response(resp.status, resp.reason, resp.msg, raw, resp.version)
            r.path = path
            return r

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def head(self, path, **kw):
        return self.request("HEAD", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def raw_tls(self, data, tls_version=None, timeout=5.0, pause=0.0):
        """Opens a new TLS connection, writes data (bytes, or a list of byte strings written pause seconds apart)
        and returns every byte the server sent back until it closed the connection or timeout seconds passed.
        tls_version (ssl.TLSVersion or 'TLSv1.2', ...) pins the protocol version; a failed handshake raises
        ssl.SSLError."""
        ctx = _client_context(self.cafile, tls_version)
        chunks = [data] if isinstance(data, (bytes, bytearray)) else list(data)
        deadline = time.monotonic() + timeout
        out = []
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        try:
            tsock = ctx.wrap_socket(sock, server_hostname=self.server_hostname)
        except BaseException:
            sock.close()
            raise
        try:
            try:
                for i, c in enumerate(chunks):
                    if i and pause:
                        time.sleep(pause)
                    if c:
                        tsock.sendall(c)
            except (OSError, ssl.SSLError):
                pass    # the server may close early (e.g. on a too large header); read what it answered
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                tsock.settimeout(left)
                try:
                    b = tsock.recv(65536)
                except (socket.timeout, ssl.SSLEOFError, ssl.SSLZeroReturnError, ConnectionResetError,
                        BrokenPipeError):
                    break
                except ssl.SSLError:
                    break
                if not b:
                    break
                out.append(b)
        finally:
            tsock.close()
        return b"".join(out)


# ---------------------------------------------------------------------------------------------------------------
# registryd / registryctl
# ---------------------------------------------------------------------------------------------------------------

class Registry:
    """registryd + registryctl against a PgCluster. Files (certificate, server log) live in self.workdir."""

    def __init__(self, pg, bindir=None):
        self.pg = pg
        self.bindir = os.path.abspath(bindir or bin_dir())
        self.registryd = os.path.join(self.bindir, "registryd")
        self.registryctl = os.path.join(self.bindir, "registryctl")
        for b in (self.registryd, self.registryctl):
            if not (os.path.isfile(b) and os.access(b, os.X_OK)):
                raise HarnessError("%s not found or not executable: build the project first "
                                   "(cmake --build ...), or set REGISTRY_BIN_DIR to the directory holding "
                                   "registryd and registryctl" % b)
        self.migrations_dir = os.path.join(source_dir(), "migrations")
        self.workdir = tempfile.mkdtemp(prefix="registry-e2e-srv-", dir=_tmp_parent())
        _track(self)
        _watch_dir(self.workdir)
        self.cert, self.key = make_cert(self.workdir)
        self.logfile = os.path.join(self.workdir, "registryd.log")
        self.proc = None
        self.port = None
        self.returncode = None
        self.stopped = False       # stop() was called for the current process
        self._starts = 0
        self._run_log_start = 0

    # -- environment ---------------------------------------------------------------------------------------------
    def base_env(self, env_extra=None):
        """The environment registryd and registryctl get: os.environ without PG*/REGISTRY_* variables, plus
        REGISTRY_DB_URL and REGISTRY_MIGRATIONS_DIR, plus env_extra (a value of None removes the variable)."""
        env = _clean_env()
        env["REGISTRY_DB_URL"] = self.pg.url()
        env["REGISTRY_MIGRATIONS_DIR"] = self.migrations_dir
        for k, v in (env_extra or {}).items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = str(v)
        return env

    # -- registryctl ---------------------------------------------------------------------------------------------
    def ctl(self, *args, input=None, env_extra=None, timeout=120, check=False):
        """Runs registryctl ARGS; returns a CompletedProcess with str stdout/stderr. input: str or bytes."""
        if isinstance(input, str):
            input = input.encode("utf-8")
        argv = [self.registryctl] + [str(a) for a in args]
        try:
            r = subprocess.run(argv, input=input, capture_output=True, env=self.base_env(env_extra),
                               cwd=self.workdir, timeout=timeout * TIME_SCALE,
                               stdin=None if input is not None else subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            raise HarnessError("registryctl %s timed out after %ss" % (" ".join(map(str, args)), timeout)) from e
        cp = subprocess.CompletedProcess(r.args, r.returncode, r.stdout.decode("utf-8", "replace"),
                                         r.stderr.decode("utf-8", "replace"))
        if check and cp.returncode != 0:
            raise HarnessError("registryctl %s failed (exit %d):\n%s%s"
                               % (" ".join(map(str, args)), cp.returncode, cp.stdout, cp.stderr))
        return cp

    def migrate(self, check=True, env_extra=None):
        """Creates the database 'registry' if needed, then runs `registryctl migrate`. Returns the
        CompletedProcess; raises HarnessError if it failed and check."""
        if not self.pg.database_exists("registry"):
            self.pg.createdb("registry")
        return self.ctl("migrate", env_extra=env_extra, check=check)

    # -- registryd -----------------------------------------------------------------------------------------------
    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    @property
    def listen(self):
        return "127.0.0.1:%d" % self.port

    @property
    def base_url(self):
        return "https://localhost:%d" % self.port

    def client(self, **kw):
        """A new Client for this server (trusting its certificate)."""
        return Client(self.port, self.cert, **kw)

    def start(self, threads=2, env_extra=None, wait_ready=True, port=None):
        """Starts registryd on 127.0.0.1:PORT and waits until GET /healthz answers 200, then (unless wait_ready is
        False) until GET /readyz answers 200 (15 s each). PORT: port, else the port of the previous start (so
        existing Clients keep working after a restart), else a free one. Raises HarnessError with the end of the
        server log if it does not come up. Returns self."""
        if self.running:
            raise HarnessError("registryd is already running (pid %d)" % self.proc.pid)
        self.port = port or self.port or free_port()
        env = self.base_env()
        env.update({
            "REGISTRY_LISTEN": "127.0.0.1:%d" % self.port,
            "REGISTRY_TLS_CERT": self.cert,
            "REGISTRY_TLS_KEY": self.key,
            "REGISTRY_THREADS": str(threads),
        })
        for k, v in (env_extra or {}).items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = str(v)
        self._starts += 1
        argv = [self.registryd]
        if VALGRIND:
            argv = ["valgrind", "--error-exitcode=99", "--leak-check=full",
                    "--log-file=%s" % os.path.join(self.workdir, "valgrind-%d.log" % self._starts)] + argv
        self._run_log_start = self.log_mark()
        with open(self.logfile, "ab") as log:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         env=env, cwd=self.workdir, start_new_session=True)
        self.returncode = None
        self.stopped = False
        _watch_proc(self.proc.pid)
        try:
            self._wait_status("/healthz", 15 * TIME_SCALE)
            if wait_ready:
                self._wait_status("/readyz", 15 * TIME_SCALE)
        except BaseException:
            self.kill()
            raise
        return self

    def _wait_status(self, path, timeout, want=200):
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while True:
            code = self.proc.poll()
            if code is not None:
                raise HarnessError("registryd exited with code %s while waiting for %s\n--- server log ---\n%s"
                                   % (code, path, self.log_tail(since=self._run_log_start)))
            try:
                with self.client(timeout=2) as c:
                    r = c.get(path)
                if r.status == want:
                    return r
                last = "%d %s" % (r.status, r.text[:300])
            except (OSError, ssl.SSLError, http.client.HTTPException) as e:
                last = "%s: %s" % (type(e).__name__, e)
            if time.monotonic() > deadline:
                raise HarnessError("registryd: GET %s did not answer %d within %ss (last: %s)\n--- server log ---\n%s"
                                   % (path, want, timeout, last, self.log_tail(since=self._run_log_start)))
            time.sleep(0.1)

    def wait_ready(self, timeout=15):
        """Waits until GET /readyz answers 200."""
        return self._wait_status("/readyz", timeout * TIME_SCALE)

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=15):
        """Waits for registryd to exit by itself; returns the exit code (negative: killed by that signal)."""
        try:
            self.returncode = self.proc.wait(timeout * TIME_SCALE)
        except subprocess.TimeoutExpired:
            raise HarnessError("registryd still running after %ss" % timeout) from None
        _unwatch_proc(self.proc.pid)
        return self.returncode

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Sends sig and waits for registryd to exit; returns its exit code (negative if a signal killed it).
        If it already exited, returns that code. If it does not exit within timeout seconds it is killed with
        SIGKILL and HarnessError is raised."""
        if self.proc is None:
            return self.returncode
        self.stopped = True
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout * TIME_SCALE)
                hung = False
            except subprocess.TimeoutExpired:
                hung = True
            if hung:
                self.proc.kill()
                self.proc.wait()
                _unwatch_proc(self.proc.pid)
                self.returncode = self.proc.returncode
                raise HarnessError("registryd did not exit within %ss of %s; killed\n--- server log ---\n%s"
                                   % (timeout, signal.Signals(sig).name, self.log_tail(since=self._run_log_start)))
        _unwatch_proc(self.proc.pid)
        self.returncode = self.proc.returncode
        return self.returncode

    def kill(self):
        """SIGKILL (no clean shutdown); returns the exit code."""
        if self.proc is not None and self.proc.poll() is None:
            self.stopped = True
            self.proc.kill()
            self.proc.wait()
        if self.proc is not None:
            _unwatch_proc(self.proc.pid)
            self.returncode = self.proc.returncode
        return self.returncode

    # -- logs ----------------------------------------------------------------------------------------------------
    def log_mark(self):
        """Current size of the server log: pass it as since= to only see what comes after."""
        try:
            return os.path.getsize(self.logfile)
        except OSError:
            return 0

    def log_text(self, since=0):
        """The server log (all runs of registryd appended), from byte offset since."""
        try:
            with open(self.logfile, "rb") as f:
                f.seek(since)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_tail(self, lines=60, since=0):
        return "\n".join(self.log_text(since).splitlines()[-lines:])

    def log_lines(self, since=0):
        """The server log lines that are JSON objects, parsed (other lines are skipped)."""
        out = []
        for line in self.log_text(since).splitlines():
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                out.append(obj)
        return out

    def wait_for_log(self, predicate, timeout=10, since=0):
        """Waits until a parsed log line satisfies predicate(dict); returns it, or raises HarnessError."""
        deadline = time.monotonic() + timeout * TIME_SCALE
        while True:
            for obj in self.log_lines(since):
                if predicate(obj):
                    return obj
            if time.monotonic() > deadline:
                raise HarnessError("no matching server log line within %ss\n--- server log ---\n%s"
                                   % (timeout, self.log_tail(since=since)))
            time.sleep(0.05)

    def valgrind_logs(self):
        """Text of the valgrind reports written so far (REGISTRY_VALGRIND=1 only)."""
        out = []
        for n in range(1, self._starts + 1):
            p = os.path.join(self.workdir, "valgrind-%d.log" % n)
            if os.path.exists(p):
                with open(p, "rb") as f:
                    out.append(f.read().decode("utf-8", "replace"))
        return "\n".join(out)

    # -- clean-up ------------------------------------------------------------------------------------------------
    def cleanup(self, keep=None):
        """Kills registryd if it still runs and removes the work directory unless keep (default:
        REGISTRY_KEEP_TMP=1), in which case its path is printed."""
        if keep is None:
            keep = keep_tmp()
        try:
            self.kill()
        finally:
            if keep:
                sys.stderr.write("harness: kept registry directory %s\n" % self.workdir)
            else:
                _rmtree(self.workdir)
            _unwatch_dir(self.workdir)
            _untrack(self)

    def _emergency_cleanup(self):
        self.cleanup()

    def __repr__(self):
        return "<Registry %s port=%s pid=%s>" % (self.workdir, self.port, self.pid)


# ---------------------------------------------------------------------------------------------------------------
# unittest integration
# ---------------------------------------------------------------------------------------------------------------

class RegistryTestCase(unittest.TestCase):
    """One PostgreSQL cluster + migrated database + running registryd per test class, shared by its tests.

    Class attributes a subclass may set: registry_threads (2), registry_env (extra environment for registryd),
    pg_settings, expected_exit (0: the exit code tearDownClass expects from registryd after SIGTERM; a test may
    change it with type(self).expected_exit = ...). What the class needs in its database before its first test
    (users, records) goes in its classmethod seed(), run once the server is up; add_actors() adds users and signs
    them in. If seeding fails, everything is stopped and cleaned up. Each test gets self.client, a fresh Client
    closed after the test."""

    registry_threads = 2
    registry_env = None
    pg_settings = None          # PostgreSQL settings over PgCluster.SETTINGS (e.g. synchronous_commit for crash tests)
    expected_exit = 0
    pg = None
    registry = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._had_failures = False
        pg = PgCluster(settings=cls.pg_settings)
        reg = None
        try:
            reg = Registry(pg)          # checks the binaries first, before anything is started
            pg.start()
            reg.migrate()
            reg.start(threads=cls.registry_threads, env_extra=cls.registry_env)
        except BaseException:
            if reg is not None:
                sys.stderr.write("--- server log, last lines (%s) ---\n%s\n" % (reg.logfile, reg.log_tail(40)))
                reg.cleanup()
            pg.cleanup()
            raise
        cls.pg = pg
        cls.registry = reg
        cls.uid, cls.tok = {}, {}
        try:
            cls.seed()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def seed(cls):
        """What the tests of this class need in the database before the first one runs: nothing here."""

    @classmethod
    def add_actors(cls, specs, password):
        """Users the tests act as, by key: specs {key: dict(username=, role=, province=, county=, center=)}.
        Adds them (registryctl user add, several at once) and signs each in, also at once: cls.uid[key] is the
        user's id, cls.tok[key] its bearer token."""
        cls.uid.update(add_users(cls.registry, {k: dict(v, password=password) for k, v in specs.items()}))

        def sign_in(key):
            with cls.registry.client() as c:
                return key, login(c, specs[key]["username"], password)["token"]
        with concurrent.futures.ThreadPoolExecutor(max_workers=5) as ex:
            cls.tok.update(ex.map(sign_in, specs))

    @classmethod
    def tearDownClass(cls):
        reg, pg = cls.registry, cls.pg
        cls.registry = cls.pg = None
        code = None
        check = False
        try:
            if reg is not None and reg.proc is not None and not reg.stopped:
                check = True
                code = reg.stop(signal.SIGTERM, timeout=15)
        finally:
            if reg is not None and (cls._had_failures or (check and code != cls.expected_exit)):
                sys.stderr.write("--- server log, last lines (%s) ---\n%s\n" % (reg.logfile, reg.log_tail(60)))
                if VALGRIND:
                    sys.stderr.write("--- valgrind ---\n%s\n" % reg.valgrind_logs()[-20000:])
            try:
                if reg is not None:
                    reg.cleanup()
            finally:
                if pg is not None:
                    try:
                        pg.stop()
                    finally:
                        pg.cleanup()
        super().tearDownClass()
        if check and code != cls.expected_exit:
            raise AssertionError("registryd exited with code %s after SIGTERM, expected %s"
                                 % (code, cls.expected_exit))

    def setUp(self):
        super().setUp()
        reg = type(self).registry
        if reg is not None and reg.proc is not None and not reg.stopped and reg.proc.poll() is not None:
            self.fail("registryd is no longer running (exit code %s)\n--- server log ---\n%s"
                      % (reg.proc.returncode, reg.log_tail(40)))
        self.client = reg.client() if reg is not None and reg.port else None
        if self.client is not None:
            self.addCleanup(self.client.close)

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result is not None else 0
        out = super().run(result)
        if result is not None and len(result.failures) + len(result.errors) > before:
            type(self)._had_failures = True
        return out

    # -- assertions ----------------------------------------------------------------------------------------------
    def assertStatus(self, resp, status, msg=None):
        """Asserts resp.status == status, showing the body when it is not."""
        if resp.status != status:
            self.fail("%sexpected HTTP %d, got %d %s; content-type %s; body: %s"
                      % (msg + ": " if msg else "", status, resp.status, resp.reason,
                         resp.headers.get("Content-Type"), resp.text[:1000]))

    def assertProblem(self, resp, status):
        """Asserts an RFC 9457 problem: the status, Content-Type application/problem+json, and a JSON object body
        with type, title and status (equal to the HTTP status). Returns the parsed body."""
        self.assertStatus(resp, status)
        self.assertEqual(resp.content_type, "application/problem+json", "Content-Type of %r" % resp)
        body = resp.json()
        self.assertIsInstance(body, dict, "problem body")
        for k in ("type", "title", "status"):
            self.assertIn(k, body, "problem body %r" % body)
        self.assertEqual(body["status"], status, "problem status in %r" % body)
        return body


class ActorTestCase(RegistryTestCase):
    """A RegistryTestCase whose tests act as the users of cls.tok (see add_actors), by key."""

    TEHRAN, FARS = "IR-23", "IR-07"

    @classmethod
    def seed_cast(cls, prefix, password, word):
        """The cast test_registry and test_funding share: counties of Tehran and Fars (cls.TEH_COUNTIES, TEH_A,
        TEH_B, TEH_C, FARS_A, FARS_B); four centers, named with word() (CENTER_NGO and CENTER_PUB in TEH_A, CENTER_B
        in TEH_B, CENTER_FARS in FARS_A); and an actor by key: admin (national), viewer (national), teh and fars
        (provincial officers), county (officer of TEH_A), ngo (submitter of CENTER_NGO), named prefix-... in
        cls.uname."""
        with cls.registry.client() as c:
            cls.TEH_COUNTIES = county_ids(c, cls.TEHRAN)
            cls.TEH_A, cls.TEH_B, cls.TEH_C = cls.TEH_COUNTIES[:3]
            cls.FARS_A, cls.FARS_B = county_ids(c, cls.FARS)[:2]
            cls.uname = {"admin": prefix + "-admin", "viewer": prefix + "-viewer", "teh": prefix + "-tehran-officer",
                         "fars": prefix + "-fars-officer", "county": prefix + "-county-officer",
                         "ngo": prefix + "-ngo-submitter"}
            cls.add_actors({"admin": dict(username=cls.uname["admin"], role="national_admin")}, password)

            def center(county, sector, name):
                return seed_request(c, "POST", "/api/v1/centers", {
                    "name": name, "type": "rehabilitation_day", "sector": sector, "county_id": county},
                    token=cls.tok["admin"])["id"]
            cls.CENTER_NGO = center(cls.TEH_A, "ngo", "انجمن حمایت " + word())
            cls.CENTER_PUB = center(cls.TEH_A, "public", "مرکز روزانه " + word())
            cls.CENTER_B = center(cls.TEH_B, "public", "مرکز روزانه " + word())
            cls.CENTER_FARS = center(cls.FARS_A, "public", "مرکز شیراز " + word())
        spec = {"viewer": dict(role="national_viewer"), "teh": dict(role="provincial_officer", province=cls.TEHRAN),
                "fars": dict(role="provincial_officer", province=cls.FARS),
                "county": dict(role="county_officer", county=cls.TEH_A),
                "ngo": dict(role="ngo_submitter", center=cls.CENTER_NGO)}
        cls.add_actors({k: dict(v, username=cls.uname[k]) for k, v in spec.items()}, password)

    def req(self, method, path, who, body=None, etag=None, headers=None):
        """A request as actor who; etag '"v<N>"' stands for this record's ETag at version N (If-Match)."""
        h = dict(headers or {})
        if etag is not None:
            m = re.fullmatch(r'"v(\d+)"', etag)
            h["If-Match"] = etag_of(path, m.group(1)) if m else etag
        return self.client.request(method, path, body=body, headers=h, token=self.tok[who])

    def ok(self, method, path, who, status=200, body=None, etag=None, headers=None):
        """req, asserting the status."""
        r = self.req(method, path, who, body, etag, headers)
        self.assertStatus(r, status, "%s %s as %s" % (method, path, who))
        return r

    def items(self, path, who):
        return self.ok("GET", path, who).json()["items"]

    def all_items(self, path, who):
        """Every item of a list, page by page (500 a page)."""
        items, cursor = [], None
        while True:
            p = path + ("&" if "?" in path else "?") + urllib.parse.urlencode(
                {"limit": 500, **({"cursor": cursor} if cursor else {})})
            body = self.ok("GET", p, who).json()
            items += body["items"]
            cursor = body["next_cursor"]
            if not cursor:
                return items

    def assertFields(self, resp, status, fields):
        """A problem whose errors name exactly these fields, each with a message."""
        body = self.assertProblem(resp, status)
        self.assertEqual(sorted({e["field"] for e in body.get("errors", [])}), sorted(fields), body)
        for e in body["errors"]:
            self.assertTrue(e.get("message"), e)
        return body

    def assertNotFoundLikeMissing(self, resp, missing):
        """A 404 indistinguishable from the 404 of a record that does not exist."""
        body = self.assertProblem(resp, 404)
        other = self.assertProblem(missing, 404)
        for k in ("type", "title", "detail", "errors"):
            self.assertEqual(body.get(k), other.get(k), "404 differs from a missing record's: %r vs %r" % (body, other))


def main():
    """Runs the tests of the calling (__main__) module with verbosity 2, then prints one line
    'N passed, M failed' (', K skipped' added when K > 0); exits 0 only if M == 0. Command-line arguments are
    unittest's (test names, -k PATTERN, -f)."""
    _install_signal_handlers()
    prog = unittest.main(module="__main__", argv=[sys.argv[0]] + sys.argv[1:], exit=False, verbosity=2)
    r = prog.result
    failed_entries = r.failures + r.errors
    failed = len(failed_entries) + len(r.unexpectedSuccesses)
    failing_tests = {id(t) for t, _ in failed_entries if isinstance(t, unittest.TestCase)}
    skipped_tests = [t for t, _ in r.skipped if isinstance(t, unittest.TestCase)]
    passed = max(0, r.testsRun - len(failing_tests) - len(skipped_tests) - len(r.unexpectedSuccesses))
    skipped = len(r.skipped)
    _cleanup_all()
    sys.stderr.flush()
    line = "%d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line, flush=True)
    sys.exit(0 if failed == 0 else 1)


# --- access helpers ---
# Users, sessions and the database role the server runs requests as; used by test_access.py and meant for the
# tests of later resources (centers, clients, ...) too.

import concurrent.futures  # noqa: E402


def token_sha256_hex(token):
    """sessions.token_hash as hex: the SHA-256 of the bearer token's text (the token itself is never stored)."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def sql_literal(v):
    """An SQL literal for v: NULL for None, a number as is, anything else as a quoted string."""
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


_CREATED_USER_RE = re.compile(r"created user \S+ \(id (\d+), role ")


def add_user(registry, username, role, password, province=None, county=None, center=None, full_name=None):
    """`registryctl user add` (the password on stdin); returns the new user's id. Raises HarnessError if it
    fails."""
    args = ["user", "add", "--username", username, "--role", role]
    for flag, v in (("--province", province), ("--county", county), ("--center", center),
                    ("--full-name", full_name)):
        if v is not None:
            args += [flag, str(v)]
    cp = registry.ctl(*args, input=password + "\n", check=True)
    m = _CREATED_USER_RE.search(cp.stdout)
    if not m:
        raise HarnessError("registryctl user add: unexpected output %r" % cp.stdout)
    return int(m.group(1))


def add_users(registry, specs, workers=4):
    """Several add_user calls at once (each hashes a password with scrypt, which takes a while).
    specs: {key: dict(username=, role=, password=, province=, county=, center=, full_name=)};
    returns {key: id}."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as ex:
        futs = {k: ex.submit(add_user, registry, **spec) for k, spec in specs.items()}
        return {k: f.result() for k, f in futs.items()}


def login(client, username, password):
    """POST /api/v1/auth/login; returns the parsed 200 reply ({"token", "expires_at", "user"}). Raises HarnessError
    on any other status."""
    r = client.post("/api/v1/auth/login", {"username": username, "password": password})
    if r.status != 200:
        raise HarnessError("login as %s: HTTP %d %s" % (username, r.status, r.text[:300]))
    return r.json()


def county_ids(client, province, limit=100):
    """The ids of a province's counties, in the order GET /api/v1/counties lists them."""
    return [x["id"] for x in seed_request(client, "GET", "/api/v1/counties?province=%s&limit=%d" % (province, limit),
                                          status=200)["items"]]


def seed_request(client, method, path, body=None, token=None, status=201, headers=None):
    """A request that puts data in place for the tests: its parsed reply; HarnessError unless the status is the
    one expected."""
    r = client.request(method, path, body=body, headers=headers, token=token)
    if r.status != status:
        raise HarnessError("%s %s: %r %s" % (method, path, r, r.text[:500]))
    return r.json()


def query(**params):
    """A query string: q(limit=5, province="IR-23") -> 'limit=5&province=IR-23'."""
    return urllib.parse.urlencode(params)


def persian_words(numbers):
    """A function giving a new Persian-looking word each call: "ژ" and four letters the search key leaves alone
    (no ی/ک/ه/ا) spelling the next of numbers (an iterator of distinct ints, e.g. itertools.count(n))."""
    letters = "بپتجچخدرزسشفقگلمنوحط"

    def word():
        n, out = next(numbers), ""
        for _ in range(4):
            n, k = divmod(n, len(letters))
            out += letters[k]
        return "ژ" + out
    return word


def wait_until(condition, what, timeout=60):
    """Polls condition() until it is true; HarnessError naming what if it is still false after timeout seconds.
    The timeout only bounds a hang (the test fails instead of waiting forever): what a test proves must come from
    the order of the events it waited for, or their count, never from how long they took."""
    deadline = time.monotonic() + timeout * TIME_SCALE
    while not condition():
        if time.monotonic() > deadline:
            raise HarnessError("%s: not within %ss" % (what, timeout * TIME_SCALE))
        time.sleep(0.05)


def registryd_waits_on_a_lock(pg):
    """Whether a query of registryd's is waiting for a lock in PostgreSQL (pg_stat_activity): a request that
    reached the database and is stuck there."""
    return int(pg.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'registryd%'"
                       " AND wait_event_type = 'Lock'", dbname="postgres").strip()) > 0


def metric(client, name):
    """The value of an unlabelled counter or gauge from GET /metrics (0 when it is not there)."""
    r = client.get("/metrics")
    if r.status != 200:
        raise HarnessError("GET /metrics: HTTP %d" % r.status)
    for line in r.text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == name:
            return float(parts[1])
    return 0.0


def app_sql(pg, sql, token=None, address="127.0.0.1", request_id="e2e-test", isolation=None, prelude=""):
    """Runs sql as the role registryd uses (registry_app) in a transaction that is always rolled back, the way a
    request does: when token is given, auth_begin(sha256(token), ...) first sets the caller's scope (its own output
    is discarded); without it no registry.* setting is set. prelude runs as the connecting superuser before
    SET LOCAL ROLE (e.g. to read the same snapshot unfiltered, with isolation='REPEATABLE READ'). Returns psql's
    output (-A -t); raises PsqlError when a statement fails."""
    begin = "BEGIN" + (" ISOLATION LEVEL " + isolation if isolation else "") + ";\n"
    parts = [begin, prelude, "SET LOCAL ROLE registry_app;\n"]
    if token is not None:
        parts.append("\\o /dev/null\nSELECT * FROM auth_begin(%s, %s, %s, true);\n\\o\n"
                     % (sql_literal(token_sha256_hex(token)), sql_literal(request_id), sql_literal(address)))
    parts += [sql.rstrip().rstrip(";") + ";\n", "ROLLBACK;\n"]
    return pg.psql("".join(parts))


# --- shared test data helpers ---
# National IDs (10 digits; the 10th checks the first 9: s = sum d[i]*(10-i); r = s % 11; r when r < 2, else 11 - r)
# and the direct SQL the report tests compare the summary report with.

def national_id_of(n):
    """The valid national ID whose first nine digits are n (None when all ten digits would be the same)."""
    d = [int(c) for c in "%09d" % n]
    r = sum(d[i] * (10 - i) for i in range(9)) % 11
    nid = "".join(map(str, d)) + str(r if r < 2 else 11 - r)
    return nid if len(set(nid)) > 1 else None


def national_id_sequence(start, step):
    """A function returning a fresh valid national ID on each call, counting from start by step."""
    seq = itertools.count(start, step)

    def next_id():
        while True:
            nid = national_id_of(next(seq))
            if nid:
                return nid
    return next_id


def national_id_ok(nid):
    """10 ASCII digits, not all the same, with the right check digit."""
    return bool(re.fullmatch(r"[0-9]{10}", nid)) and national_id_of(int(nid[:9])) == nid


def bad_check_digit(nid):
    return nid[:9] + str((int(nid[9]) + 1) % 10)


# The summary report computed from the raw tables (as superuser, no row-level security): per province, and per
# county of province {p}, for fiscal year {y}.
SUMMARY_PROVINCE_SQL = """
SELECT p.code,
  (SELECT count(*) FROM centers c WHERE c.province_code = p.code AND c.status <> 'closed'),
  (SELECT count(*) FROM staff s WHERE s.province_code = p.code AND s.status = 'active'),
  (SELECT count(*) FROM clients c WHERE c.province_code = p.code AND c.status = 'active'),
  (SELECT coalesce(sum(a.amount_rials), 0) FROM allocations a
     WHERE a.fiscal_year = {y} AND a.province_code = p.code AND a.level = 'province'),
  (SELECT coalesce(sum(d.amount_rials), 0) FROM donations d WHERE d.fiscal_year = {y} AND d.province_code = p.code)
FROM provinces p ORDER BY p.code"""
SUMMARY_COUNTY_SQL = """
SELECT k.province_code, k.id,
  (SELECT count(*) FROM centers c WHERE c.county_id = k.id AND c.status <> 'closed'),
  (SELECT count(*) FROM staff s WHERE s.county_id = k.id AND s.status = 'active'),
  (SELECT count(*) FROM clients c WHERE c.county_id = k.id AND c.status = 'active'),
  (SELECT coalesce(sum(a.amount_rials), 0) FROM allocations a
     WHERE a.fiscal_year = {y} AND a.county_id = k.id AND a.level = 'county'),
  (SELECT coalesce(sum(d.amount_rials), 0) FROM donations d WHERE d.fiscal_year = {y} AND d.county_id = k.id)
FROM counties k WHERE k.province_code = '{p}' ORDER BY k.id"""


# -- ETags (server/http/etag.c) -------------------------------------------------------------------------------------
def etag(entity, record_id, version, variant=None):
    """The ETag registryd gives record (entity, id) at version, as the representation variant shows it."""
    parts = [entity, str(record_id), str(version), variant or ""]
    h = hashlib.sha256(b"".join(p.encode("utf-8") + b"\0" for p in parts)).hexdigest()[:16]
    return '"%s-%s"' % (version, h)


def record_of(path):
    """(entity, id) of the last /<collection>/<id> in a path: /api/v1/clients/5 -> ("client", "5")."""
    segs = path.split("?")[0].strip("/").split("/")
    for i in range(len(segs) - 1, 0, -1):
        if segs[i].isdigit():
            coll = segs[i - 1]
            return (coll if coll == "staff" else coll[:-1]), segs[i]
    raise HarnessError("no record id in %r" % path)


def etag_of(path, version, variant=None):
    """The ETag of the record at path (e.g. /api/v1/clients/5) at version."""
    return etag(*record_of(path), version, variant)


def etag_v(resp, variant=None):
    """'"v<version>"' when the response's ETag is the right one for the record it answers about (its Location, else
    the request's path), else the ETag as sent: lets a test compare a tag with the version it expects."""
    tag = resp.header("ETag")
    # "<version>[.<8 hex: what the reply derives from other records>]-<16 hex>"
    m = re.fullmatch(r'"((\d+)(?:\.[0-9a-f]{8})?)-[0-9a-f]{16}"', tag or "")
    if not m:
        return tag
    where = resp.header("Location") or resp.path
    return '"v%s"' % m.group(2) if tag == etag_of(where, m.group(1), variant) else tag
