#!/usr/bin/python3
"""
schema_snapshot.py - writes schema/: the current database schema, one file per object, generated from a fresh
`registryctl migrate` on a throwaway PostgreSQL 15 cluster (see schema/README.md for why).

    scripts/schema_snapshot.py                   regenerate schema/ (after adding or changing a migration)
    scripts/schema_snapshot.py --check           exit 1 with a diff when schema/ does not match the migrations
    scripts/schema_snapshot.py --out DIR         write somewhere else

The binaries come from --bin-dir, else $REGISTRY_BIN_DIR (as for the e2e tests), else build-asan/bin.

How: the migrations are applied one at a time (`registryctl migrate --dir` over a directory that gains one
migration per step) and after each step `pg_dump --schema-only` is split into one text per object; an object's
header names every migration after which its text differed from the step before (created, changed or dropped),
so dynamic DDL (a DO block looping over tables) is attributed too. The last step's texts are the files. Roles,
their memberships and settings, and the database's settings and privileges come from pg_catalog (pg_dump leaves
them out).

The PostgreSQL cluster is tests/e2e/harness.py's (trust auth, Unix socket, cleaned up however the process ends).
"""

import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import harness  # noqa: E402

SCRIPT = "scripts/schema_snapshot.py"
MIGRATION_RE = re.compile(r"^([0-9]{4})_.*\.sql$")
# registryctl migrate creates this table itself before applying the first migration (ctl/migrate.c)
CREATED_BY_REGISTRYCTL = {"tables/schema_migrations.sql"}

# pg_dump's entry types, by the file they belong to. Sub-entries of a table name it first ("clients clients_pkey").
RELATION_TYPES = {"TABLE", "VIEW", "MATERIALIZED VIEW"}
ROUTINE_TYPES = {"FUNCTION", "PROCEDURE", "AGGREGATE"}
TABLE_PART_TYPES = {"CONSTRAINT", "CHECK CONSTRAINT", "FK CONSTRAINT", "DEFAULT", "TRIGGER", "POLICY", "RULE"}
DATABASE_TYPES = {"EXTENSION", "SCHEMA", "DEFAULT ACL", "EVENT TRIGGER"}

HEADER_RE = re.compile(r"^-- Name: (.*); Type: (.*?); Schema: (.*?); Owner: (.*)$")
SAFE_NAME_RE = re.compile(r"^[A-Za-z0-9_]+$")
# lines of pg_dump's output that describe its session, not the schema (\restrict carries a random key)
SKIPPED_LINES = ("\\restrict ", "\\unrestrict ", "SET default_tablespace = ", "SET default_table_access_method = ")


class SnapshotError(Exception):
    pass


# ---------------------------------------------------------------------------------------------------------------
# One pg_dump, split per object
# ---------------------------------------------------------------------------------------------------------------

def _unquote(name):
    return name[1:-1].replace('""', '"') if len(name) > 1 and name[0] == '"' and name[-1] == '"' else name


def _routine_name(signature):
    """'auth_begin(token text)' -> 'auth_begin'."""
    return _unquote(signature.split("(", 1)[0])


def _entries(dump):
    """pg_dump's plain output as [(name, type, body)] in its order. Each entry opens with a header block
    ("--", "-- Name: ...; Type: ...", "--"); the preamble before the first, the session SETs between entries and
    psql's \\restrict lines (a random key) are left out."""
    lines = dump.split("\n")
    entries, cur = [], None
    for i, line in enumerate(lines):
        m = HEADER_RE.match(line)
        if m and 0 < i < len(lines) - 1 and lines[i - 1] == lines[i + 1] == "--":
            if m.group(3) not in ("public", "-"):   # the file names carry no schema: say so before two collide
                raise SnapshotError("%s %s is in schema %s; %s knows only public" % (m.group(2), m.group(1),
                                                                                   m.group(3), SCRIPT))
            cur = (m.group(1), m.group(2), [])
            entries.append(cur)
        elif line.startswith("-- PostgreSQL database dump complete"):
            cur = None
        elif cur is not None and not line.startswith(SKIPPED_LINES):
            cur[2].append(line)
    out = []
    for name, typ, body in entries:
        text = "\n".join(body).strip()
        text = text[2:] if text.startswith("--") else text              # the header block's closing line
        text = text[:-2] if text.endswith("\n--") else text            # the next header block's opening line
        out.append((name, typ, text.strip()))
    return out


def split_dump(dump):
    """{relative path: text} for one pg_dump --schema-only output."""
    entries = _entries(dump)
    views = {_unquote(n) for n, t, _ in entries if t in ("VIEW", "MATERIALIZED VIEW")}
    # which table an index or an identity sequence belongs to: its own entry says
    owner_table, sequences = {}, set()
    for name, typ, body in entries:
        if typ == "INDEX":
            m = re.search(r"\bON (?:ONLY )?public\.(\"?[^\s\"]+\"?) USING\b", body)
            if not m:
                raise SnapshotError("cannot tell the table of index %s from: %s" % (name, body[:200]))
            owner_table[name] = _unquote(m.group(1))
        elif typ == "SEQUENCE":
            m = re.match(r"ALTER TABLE public\.(\"?[^\s\"]+\"?) ALTER COLUMN \S+ ADD GENERATED", body)
            if m:
                owner_table[name] = _unquote(m.group(1))
            else:
                sequences.add(_unquote(name))

    def relation(rel):
        """The file of a relation: a table, a view, a standalone sequence, or the table an index or an identity
        sequence belongs to."""
        rel = _unquote(rel)
        if rel in owner_table:
            return "tables/%s.sql" % owner_table[rel]
        return "%s/%s.sql" % ("views" if rel in views else "sequences" if rel in sequences else "tables", rel)

    def where(name, typ):
        if typ in RELATION_TYPES or typ in ("INDEX", "SEQUENCE", "SEQUENCE OWNED BY", "ROW SECURITY"):
            return relation(name)
        if typ in ROUTINE_TYPES:
            return "functions/%s.sql" % _routine_name(name)
        if typ in ("TYPE", "DOMAIN"):
            return "types/%s.sql" % _unquote(name)
        if typ in TABLE_PART_TYPES:                                   # "clients clients_pkey"
            return relation(name.split(" ", 1)[0])
        if typ in DATABASE_TYPES:
            return "database.sql"
        if typ in ("ACL", "COMMENT"):                                 # "FUNCTION f(a int)", "COLUMN t.c", ...
            kind, _, obj = name.partition(" ")
            if kind in ("EXTENSION", "SCHEMA", "DATABASE"):
                return "database.sql"
            if kind in ROUTINE_TYPES:
                return "functions/%s.sql" % _routine_name(obj)
            if kind in ("TYPE", "DOMAIN"):
                return "types/%s.sql" % _unquote(obj)
            if kind in ("TABLE", "VIEW", "SEQUENCE", "INDEX"):
                return relation(obj)
            if kind == "MATERIALIZED":                                # "MATERIALIZED VIEW v"
                return relation(obj.split(" ", 1)[1])
            if kind == "COLUMN":
                return relation(obj.rsplit(".", 1)[0])
            if kind in ("CONSTRAINT", "TRIGGER", "POLICY", "RULE"):   # "CONSTRAINT c ON t"
                return relation(obj.rsplit(" ON ", 1)[1])
        raise SnapshotError("pg_dump entry %r of type %r: %s does not know where it goes; teach it"
                            % (name, typ, SCRIPT))

    files = {}
    for name, typ, body in entries:
        if not body:
            continue
        path = where(name, typ)
        if not SAFE_NAME_RE.match(os.path.basename(path)[:-4]):
            raise SnapshotError("object name %r is not a plain file name" % path)
        files.setdefault(path, []).append(body)
    return {p: "\n\n".join(parts) + "\n" for p, parts in files.items()}


# ---------------------------------------------------------------------------------------------------------------
# What pg_dump leaves out: roles, memberships, role and database settings, the database's privileges
# ---------------------------------------------------------------------------------------------------------------

# One row per line of roles.sql or database.sql; sorted byte-wise, so any locale gives the same order.
CATALOG_SQL = r"""
WITH r AS (SELECT * FROM pg_roles WHERE rolname !~ '^pg_' AND rolname <> current_user),
lines AS (
  SELECT 'roles' AS f, 1 AS part, rolname::text AS k1, '' AS k2,
         format('CREATE ROLE %I %s %s %s %s %s %s %s%s%s;', rolname,
                CASE WHEN rolsuper THEN 'SUPERUSER' ELSE 'NOSUPERUSER' END,
                CASE WHEN rolinherit THEN 'INHERIT' ELSE 'NOINHERIT' END,
                CASE WHEN rolcreaterole THEN 'CREATEROLE' ELSE 'NOCREATEROLE' END,
                CASE WHEN rolcreatedb THEN 'CREATEDB' ELSE 'NOCREATEDB' END,
                CASE WHEN rolcanlogin THEN 'LOGIN' ELSE 'NOLOGIN' END,
                CASE WHEN rolreplication THEN 'REPLICATION' ELSE 'NOREPLICATION' END,
                CASE WHEN rolbypassrls THEN 'BYPASSRLS' ELSE 'NOBYPASSRLS' END,
                CASE WHEN rolconnlimit <> -1 THEN ' CONNECTION LIMIT ' || rolconnlimit END,
                CASE WHEN rolvaliduntil IS NOT NULL THEN format(' VALID UNTIL %L', rolvaliduntil) END) AS line
  FROM r
  UNION ALL
  SELECT 'roles', 2, r.rolname, '', format('COMMENT ON ROLE %I IS %L;', r.rolname, d.description)
  FROM r JOIN pg_shdescription d ON d.objoid = r.oid AND d.classoid = 'pg_authid'::regclass
  UNION ALL
  SELECT 'roles', 3, g.rolname, m.rolname,
         format('GRANT %I TO %I%s;', g.rolname, m.rolname, CASE WHEN am.admin_option THEN ' WITH ADMIN OPTION' END)
  FROM pg_auth_members am JOIN pg_roles g ON g.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
  WHERE g.rolname !~ '^pg_' OR m.rolname !~ '^pg_'
  UNION ALL
  SELECT CASE WHEN s.setrole = 0 THEN 'database' ELSE 'roles' END, 4, coalesce(r.rolname, ''), c,
         CASE WHEN s.setrole = 0 THEN format('ALTER DATABASE %I SET %s TO %L;', current_database(),
                                             split_part(c, '=', 1), substr(c, strpos(c, '=') + 1))
              WHEN s.setdatabase = 0 THEN format('ALTER ROLE %I SET %s TO %L;', r.rolname,
                                                 split_part(c, '=', 1), substr(c, strpos(c, '=') + 1))
              ELSE format('ALTER ROLE %I IN DATABASE %I SET %s TO %L;', r.rolname, current_database(),
                          split_part(c, '=', 1), substr(c, strpos(c, '=') + 1)) END
  FROM pg_db_role_setting s LEFT JOIN r ON r.oid = s.setrole, unnest(s.setconfig) c
  WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
    AND (s.setrole = 0 AND s.setdatabase <> 0 OR r.oid IS NOT NULL)
  UNION ALL
  SELECT 'database', 5, coalesce(g.rolname, 'PUBLIC'), a.privilege_type,
         format('GRANT %s ON DATABASE %I TO %s;', a.privilege_type, d.datname,
                CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(g.rolname) END)
  FROM pg_database d, aclexplode(d.datacl) a LEFT JOIN pg_roles g ON g.oid = a.grantee
  WHERE d.datname = current_database()
)
SELECT f || E'\t' || line FROM lines ORDER BY f COLLATE "C", part, k1 COLLATE "C", k2 COLLATE "C", line COLLATE "C";
"""


def catalog_files(pg):
    files = {}
    for row in pg.psql(CATALOG_SQL).splitlines():
        if row:
            f, line = row.split("\t", 1)
            files.setdefault(f + ".sql", []).append(line)
    return {p: "\n".join(lines) + "\n" for p, lines in files.items()}


# ---------------------------------------------------------------------------------------------------------------
# The migrations, one step at a time
# ---------------------------------------------------------------------------------------------------------------

def _pg_dump(pg):
    r = subprocess.run([harness._pg_tool("pg_dump"), "--schema-only", "--no-tablespaces", "--no-publications",
                        "--no-subscriptions", "-h", pg.sockdir, "-p", str(pg.port), "-U", "postgres", "registry"],
                       capture_output=True, text=True, env={k: v for k, v in os.environ.items()
                                                            if not k.startswith("PG")}, timeout=300)
    if r.returncode != 0:
        raise SnapshotError("pg_dump failed (exit %d): %s" % (r.returncode, r.stderr))
    return r.stdout


def _state(pg):
    files = split_dump(_pg_dump(pg))
    for path, text in catalog_files(pg).items():
        files[path] = files[path] + "\n" + text if path in files else text
    return files


def migrations(source=ROOT):
    d = os.path.join(source, "migrations")
    found = sorted(f for f in os.listdir(d) if MIGRATION_RE.match(f))
    if not found:
        raise SnapshotError("no migrations in %s" % d)
    return d, found


def snapshot(bin_dir, source=ROOT):
    """Migrates a fresh database one migration at a time. Returns ({path: text of the last step},
    {path: [migration numbers after which the text differed from the step before]})."""
    src, files = migrations(source)
    pg = harness.PgCluster()
    reg = harness.Registry(pg, bindir=bin_dir)
    steps = tempfile.mkdtemp(prefix="registry-schema-steps-")
    try:
        pg.start()
        pg.createdb("registry")
        os.symlink(os.path.join(src, "data"), os.path.join(steps, "data"))
        before = _state(pg)
        history = {}
        for f in files:
            os.symlink(os.path.join(src, f), os.path.join(steps, f))
            r = reg.ctl("migrate", "--dir", steps)
            if r.returncode != 0:
                raise SnapshotError("registryctl migrate failed at %s:\n%s%s" % (f, r.stdout, r.stderr))
            after = _state(pg)
            for path in set(before) | set(after):
                if before.get(path) != after.get(path):
                    history.setdefault(path, []).append(MIGRATION_RE.match(f).group(1))
            before = after
        return before, history
    finally:
        reg.cleanup()
        pg.cleanup()
        for f in os.listdir(steps):
            os.unlink(os.path.join(steps, f))
        os.rmdir(steps)


def render(current, history):
    """{path: file text}: each object's text under a header that says where it comes from."""
    out = {}
    for path, text in sorted(current.items()):
        if path in CREATED_BY_REGISTRYCTL:
            origin = "Created by `registryctl migrate` itself (ctl/migrate.c), not by a migration."
        else:
            origin = "Defined/changed in migrations: %s" % ", ".join(history.get(path, [])) + "."
        out[path] = ("-- Generated by %s from a fresh `registryctl migrate`: do not edit. To change it, add a\n"
                     "-- migration and regenerate (schema/README.md).\n"
                     "-- %s\n\n%s") % (SCRIPT, origin, text)
    return out


def generate(bin_dir, source=ROOT):
    return render(*snapshot(bin_dir, source))


# ---------------------------------------------------------------------------------------------------------------
# Writing and comparing
# ---------------------------------------------------------------------------------------------------------------

def checked_in(schema_dir):
    """{path: text} of the generated files (*.sql) under schema_dir."""
    files = {}
    for dirpath, _, names in os.walk(schema_dir):
        for n in names:
            if n.endswith(".sql"):
                full = os.path.join(dirpath, n)
                with open(full, encoding="utf-8") as fh:
                    files[os.path.relpath(full, schema_dir)] = fh.read()
    return files


def write(files, schema_dir):
    """Replaces the *.sql files under schema_dir with files (README.md and anything else stays)."""
    for path in checked_in(schema_dir):
        os.unlink(os.path.join(schema_dir, path))
    for path, text in files.items():
        full = os.path.join(schema_dir, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as fh:
            fh.write(text)
    for dirpath, dirs, names in os.walk(schema_dir, topdown=False):
        if dirpath != schema_dir and not os.listdir(dirpath):
            os.rmdir(dirpath)


def differences(fresh, schema_dir, max_lines=80):
    """A readable account of how schema_dir differs from fresh ({path: text}); "" when it does not."""
    have = checked_in(schema_dir)
    out = []
    for path in sorted(set(fresh) | set(have)):
        if path not in have:
            out.append("schema/%s is missing (a migration creates it)" % path)
        elif path not in fresh:
            out.append("schema/%s is stale (no such object after the migrations)" % path)
        elif have[path] != fresh[path]:
            diff = list(difflib.unified_diff(have[path].splitlines(), fresh[path].splitlines(),
                                             "schema/" + path + " (checked in)", "fresh migration", lineterm=""))
            if len(diff) > max_lines:
                diff = diff[:max_lines] + ["... (%d more lines)" % (len(diff) - max_lines)]
            out.append("\n".join(diff))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin-dir", default=os.environ.get("REGISTRY_BIN_DIR") or os.path.join(ROOT, "build-asan", "bin"),
                    help="directory of registryctl and registryd (default: $REGISTRY_BIN_DIR, else build-asan/bin)")
    ap.add_argument("--out", default=os.path.join(ROOT, "schema"), help="where to write (default: schema/)")
    ap.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    args = ap.parse_args()
    try:
        files = generate(args.bin_dir)
    except (SnapshotError, harness.HarnessError) as e:
        sys.exit("schema_snapshot: %s" % e)
    if args.check:
        diff = differences(files, args.out)
        if diff:
            sys.exit("%s\n\n%s differs from a fresh migration: run %s" % (diff, args.out, SCRIPT))
        print("%s matches a fresh migration (%d files)" % (args.out, len(files)))
    else:
        write(files, args.out)
        print("wrote %d files under %s" % (len(files), args.out))


if __name__ == "__main__":
    main()
