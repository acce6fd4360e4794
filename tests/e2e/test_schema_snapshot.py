"""
test_schema_snapshot.py - schema/ (the current schema, one file per object) is what a fresh `registryctl migrate`
gives: a migration added or changed without regenerating schema/ fails here, with the diff and the command.

One throwaway cluster, migrated one migration at a time by scripts/schema_snapshot.py (see its docstring).
"""

import os
import re
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

sys.path.insert(0, os.path.join(harness.source_dir(), "scripts"))
import schema_snapshot  # noqa: E402

SCHEMA_DIR = os.path.join(harness.source_dir(), "schema")
HEADER_MIGRATIONS_RE = re.compile(r"^-- Defined/changed in migrations: ([0-9, ]+)\.$", re.M)
# what a migration says when it (re)defines an object of a file, e.g. functions/auth_begin.sql
DEFINITION_RE = re.compile(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(FUNCTION|TABLE|VIEW|TYPE)\s+(?:public\.)?(\w+)",
                           re.I | re.M)
KIND_DIR = {"FUNCTION": "functions", "TABLE": "tables", "VIEW": "views", "TYPE": "types"}


class SchemaSnapshotTest(unittest.TestCase):
    fresh = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fresh = schema_snapshot.generate(harness.bin_dir(), harness.source_dir())

    def test_checked_in_schema_matches_a_fresh_migration(self):
        diff = schema_snapshot.differences(self.fresh, SCHEMA_DIR)
        if diff:
            self.fail("schema/ does not match a fresh migration:\n%s\n\nIf the migrations are right, regenerate "
                      "schema/ with: %s (then review and commit the diff)" % (diff, schema_snapshot.SCRIPT))

    def test_a_stale_copy_is_reported_file_by_file(self):
        """The comparison itself: a changed, a missing and an extra file each show up, by name."""
        tmp = tempfile.mkdtemp(prefix="registry-schema-test-")
        self.addCleanup(shutil.rmtree, tmp, True)
        schema_snapshot.write(self.fresh, tmp)
        self.assertEqual("", schema_snapshot.differences(self.fresh, tmp))
        changed, missing = "functions/auth_begin.sql", "tables/clients.sql"
        with open(os.path.join(tmp, changed), "a", encoding="utf-8") as fh:
            fh.write("-- an edit by hand\n")
        os.unlink(os.path.join(tmp, missing))
        with open(os.path.join(tmp, "functions", "gone.sql"), "w", encoding="utf-8") as fh:
            fh.write("CREATE FUNCTION gone() RETURNS int LANGUAGE sql AS 'SELECT 1';\n")
        diff = schema_snapshot.differences(self.fresh, tmp)
        self.assertIn("+++ fresh migration", diff)
        self.assertIn("--- schema/%s (checked in)" % changed, diff)
        self.assertIn("-- an edit by hand", diff)
        self.assertIn("schema/%s is missing" % missing, diff)
        self.assertIn("schema/functions/gone.sql is stale", diff)

    def test_headers_name_every_migration_that_creates_the_object(self):
        """The header's list comes from applying the migrations one by one; each CREATE [OR REPLACE] of a
        function, table, view or type that a migration spells out must be in it."""
        listed = {}
        for path, text in self.fresh.items():
            m = HEADER_MIGRATIONS_RE.search(text)
            if path in schema_snapshot.CREATED_BY_REGISTRYCTL:
                self.assertIsNone(m, path)
                continue
            self.assertIsNotNone(m, "%s has no 'Defined/changed in migrations' line" % path)
            listed[path] = set(m.group(1).split(", "))
        self.assertIn("functions/auth_begin.sql", listed)
        mig_dir, files = schema_snapshot.migrations(harness.source_dir())
        checked = 0
        for f in files:
            with open(os.path.join(mig_dir, f), encoding="utf-8") as fh:
                sql = fh.read()
            for kind, name in DEFINITION_RE.findall(sql):
                path = "%s/%s.sql" % (KIND_DIR[kind.upper()], name)
                if path in listed:           # not dropped since
                    checked += 1
                    self.assertIn(f[:4], listed[path], "%s creates %s, but its header does not say so" % (f, path))
        self.assertGreater(checked, 100)


if __name__ == "__main__":
    harness.main()
