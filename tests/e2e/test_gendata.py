"""registryctl gen-data, the benchmark data generator: at --scale 0.002 it makes exactly the rows it promises (40
centers, 400 staff, 6,000 clients, 20,000 services, 50 campaigns, 2,000 donations, allocations for 1401-1403 x 7
programs), valid and unique national IDs, Persian names, derived columns (province, county, name_key, fiscal year)
equal to what the triggers it skipped would have set, allocations within their parents', totals the summary report
agrees with, and benchmark users that can sign in. It refuses a database that holds data already (unless --force),
is deterministic for a seed, and also loads (with every trigger on) as a role that is not a superuser."""

import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

SCALE, SEED = "0.002", "7"
EXPECT = {"centers": 40, "staff": 400, "clients": 6000, "services": 20000, "donations": 2000, "campaigns": 50}
BENCH_PASSWORD = "bench-password-2026!"     # the default, REGISTRY_BENCH_PASSWORD unset
TEHRAN = "IR-23"
YEARS, PROGRAMS = 3, 7

PROVINCE_SQL, COUNTY_SQL = harness.SUMMARY_PROVINCE_SQL, harness.SUMMARY_COUNTY_SQL

# Rows whose derived columns differ from what the triggers would set, or whose references dangle (the load runs
# without triggers, foreign-key checks included). Each query must return 0.
CONSISTENCY_SQL = {
    "centers: province of the county": """SELECT count(*) FROM centers c LEFT JOIN counties k ON k.id = c.county_id
        WHERE k.id IS NULL OR k.province_code <> c.province_code""",
    "centers: name_key": "SELECT count(*) FROM centers WHERE name_key <> registry_search_key(name)",
    "clients: province of the county": """SELECT count(*) FROM clients c LEFT JOIN counties k ON k.id = c.county_id
        WHERE k.id IS NULL OR k.province_code <> c.province_code""",
    "clients: name_key": """SELECT count(*) FROM clients
        WHERE name_key <> registry_search_key(first_name || ' ' || last_name)""",
    "clients: center in the client's province": """SELECT count(*) FROM clients c LEFT JOIN centers x
        ON x.id = c.center_id WHERE c.center_id IS NOT NULL AND (x.id IS NULL OR x.province_code <> c.province_code)""",
    "clients: disability type and severity together": """SELECT count(*) FROM clients
        WHERE (disability_type IS NULL) <> (disability_severity IS NULL)""",
    "staff: name_key": """SELECT count(*) FROM staff
        WHERE name_key <> registry_search_key(first_name || ' ' || last_name)""",
    "staff: province and county of the center": """SELECT count(*) FROM staff s LEFT JOIN centers c
        ON c.id = s.center_id WHERE c.id IS NULL OR (s.province_code, s.county_id) <> (c.province_code, c.county_id)""",
    "services: province and county of the client": """SELECT count(*) FROM services s LEFT JOIN clients c
        ON c.id = s.client_id WHERE c.id IS NULL OR (s.province_code, s.county_id) <> (c.province_code, c.county_id)""",
    "services: center in the client's province": """SELECT count(*) FROM services s LEFT JOIN centers c
        ON c.id = s.center_id WHERE c.id IS NULL OR c.province_code <> s.province_code""",
    "donations: place": """SELECT count(*) FROM donations d LEFT JOIN centers c ON c.id = d.center_id
        LEFT JOIN counties k ON k.id = d.county_id
        WHERE (d.center_id IS NOT NULL AND (c.id IS NULL OR c.county_id IS DISTINCT FROM d.county_id
                                            OR c.province_code <> d.province_code))
           OR (d.county_id IS NOT NULL AND (k.id IS NULL OR k.province_code <> d.province_code))
           OR d.client_id IS NOT NULL""",
    "donations: campaign of the nation or the donation's province": """SELECT count(*) FROM donations d
        LEFT JOIN campaigns c ON c.id = d.campaign_id WHERE d.campaign_id IS NOT NULL
        AND (c.id IS NULL OR (c.province_code IS NOT NULL AND c.province_code <> d.province_code))""",
    # 1 Farvardin 1401, 1402, 1403 and 1404
    "donations: fiscal_year is the Jalali year of received_on": """SELECT count(*) FROM donations WHERE fiscal_year
        IS DISTINCT FROM CASE WHEN received_on >= '2022-03-21' AND received_on < '2023-03-21' THEN 1401
                              WHEN received_on >= '2023-03-21' AND received_on < '2024-03-20' THEN 1402
                              WHEN received_on >= '2024-03-20' AND received_on < '2025-03-21' THEN 1403 END""",
    "donations: fiscal_year is what jalali_of() says": """SELECT count(*) FROM donations
        WHERE fiscal_year IS DISTINCT FROM (jalali_of(received_on)).jy""",
    # the search copies the clients_names_sync and staff_names_sync triggers keep (migration 0009)
    "client_names: a copy of every client's key and place": """SELECT count(*) FROM clients c
        FULL JOIN client_names n ON n.id = c.id WHERE c.id IS NULL OR n.id IS NULL
        OR (n.province_code, n.county_id, n.center_id, n.name_key)
           IS DISTINCT FROM (c.province_code, c.county_id, c.center_id, c.name_key)""",
    "staff_names: a copy of every staff member's key and place": """SELECT count(*) FROM staff s
        FULL JOIN staff_names n ON n.id = s.id WHERE s.id IS NULL OR n.id IS NULL
        OR (n.province_code, n.county_id, n.center_id, n.name_key)
           IS DISTINCT FROM (s.province_code, s.county_id, s.center_id, s.name_key)""",
    "donations: in-kind gifts described": "SELECT count(*) FROM donations WHERE kind = 'in_kind' AND description IS NULL",
    "allocations: level and place": """SELECT count(*) FROM allocations a LEFT JOIN centers c ON c.id = a.center_id
        LEFT JOIN counties k ON k.id = a.county_id
        WHERE a.level <> CASE WHEN a.center_id IS NOT NULL THEN 'center' WHEN a.county_id IS NOT NULL THEN 'county'
                              ELSE 'province' END::allocation_level
           OR (a.center_id IS NOT NULL AND (c.id IS NULL OR c.county_id <> a.county_id
                                            OR c.province_code <> a.province_code))
           OR (a.county_id IS NOT NULL AND k.province_code <> a.province_code)""",
    "allocations: counties within 80% of their province": """SELECT count(*) FROM (
        SELECT sum(a.amount_rials) AS s, max(p.amount_rials) AS parent FROM allocations a JOIN allocations p
        ON p.level = 'province' AND (p.fiscal_year, p.program_id, p.province_code)
                                  = (a.fiscal_year, a.program_id, a.province_code)
        WHERE a.level = 'county' GROUP BY a.fiscal_year, a.program_id, a.province_code) x
        WHERE x.s * 10 > x.parent * 8""",
    "allocations: centers within 80% of their county": """SELECT count(*) FROM (
        SELECT sum(a.amount_rials) AS s, max(p.amount_rials) AS parent FROM allocations a JOIN allocations p
        ON p.level = 'county' AND (p.fiscal_year, p.program_id, p.county_id) = (a.fiscal_year, a.program_id, a.county_id)
        WHERE a.level = 'center' GROUP BY a.fiscal_year, a.program_id, a.county_id) x
        WHERE x.s * 10 > x.parent * 8""",
    "allocations: every county and center has its parent": """SELECT count(*) FROM allocations a WHERE a.level <> 'province'
        AND NOT EXISTS (SELECT 1 FROM allocations p WHERE (p.fiscal_year, p.program_id) = (a.fiscal_year, a.program_id)
            AND ((a.level = 'county' AND p.level = 'province' AND p.province_code = a.province_code)
              OR (a.level = 'center' AND p.level = 'county' AND p.county_id = a.county_id)))""",
    "county_totals agree with the rows": """SELECT count(*) FROM county_totals t WHERE
        t.centers <> (SELECT count(*) FROM centers c WHERE c.county_id = t.county_id AND c.status <> 'closed')
        OR t.staff <> (SELECT count(*) FROM staff s WHERE s.county_id = t.county_id AND s.status = 'active')
        OR t.clients <> (SELECT count(*) FROM clients c WHERE c.county_id = t.county_id AND c.status = 'active')""",
}

MD5_SQL = "SELECT md5(string_agg(national_id || first_name, ',' ORDER BY national_id)) FROM clients"


national_id_ok = harness.national_id_ok


class GenDataTest(harness.RegistryTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.gen = cls.registry.ctl("gen-data", "--scale", SCALE, "--seed", SEED, timeout=300)
            if cls.gen.returncode != 0:
                raise harness.HarnessError("gen-data failed (exit %d):\n%s%s"
                                           % (cls.gen.returncode, cls.gen.stdout, cls.gen.stderr))
        except BaseException:
            cls.tearDownClass()
            raise

    def sql(self, text, dbname="registry"):
        return [tuple(line.split("|")) for line in self.pg.psql(text, dbname=dbname).splitlines() if line.strip()]

    def one(self, text, dbname="registry"):
        return self.sql(text, dbname)[0][0]

    def count(self, table, where="true", dbname="registry"):
        return int(self.one("SELECT count(*) FROM %s WHERE %s" % (table, where), dbname))

    def expected_allocations(self, dbname="registry"):
        """province level: every province; county level: every county; center level: min(3, non-closed centers)
        of every county; each for 3 years x 7 programs."""
        provinces = self.count("provinces", dbname=dbname)
        counties = self.count("counties", dbname=dbname)
        centers = int(self.one("SELECT coalesce(sum(least(3, n)), 0) FROM (SELECT count(*) AS n FROM centers"
                               " WHERE status <> 'closed' GROUP BY county_id) x", dbname))
        return {"province": YEARS * PROGRAMS * provinces, "county": YEARS * PROGRAMS * counties,
                "center": YEARS * PROGRAMS * centers}

    def login(self, username, password=BENCH_PASSWORD):
        return harness.login(self.client, username, password)["token"]

    # -- what it says ----------------------------------------------------------------------------------------------
    def test_output(self):
        out = self.gen.stdout
        self.assertIn("triggers are off", out)
        for table, n in EXPECT.items():
            self.assertRegex(out, r"\n\s+%s\s+%d rows\s+\d+\.\d s" % (table, n), out)
        self.assertRegex(out, r"\ntotal \d+\.\d s\n", out)
        for user in ("bench.national", "bench.province", "bench.county", "bench.ngo"):
            self.assertIn(user, out)
        self.assertIn(BENCH_PASSWORD, out)
        self.assertEqual(self.gen.stderr.strip(), "")

    # -- how much ------------------------------------------------------------------------------------------------
    def test_counts(self):
        for table, n in EXPECT.items():
            self.assertEqual(self.count(table), n, table)
        levels = dict((k, int(v)) for k, v in self.sql("SELECT level, count(*) FROM allocations GROUP BY level"))
        self.assertEqual(levels, self.expected_allocations())
        self.assertEqual(self.sql("SELECT DISTINCT fiscal_year FROM allocations ORDER BY 1"),
                         [("1401",), ("1402",), ("1403",)])
        self.assertEqual(self.count("programs", "id IN (SELECT program_id FROM allocations)"), PROGRAMS)
        self.assertEqual(self.sql("SELECT username, role, coalesce(province_code, '') FROM users"
                                  " WHERE username LIKE 'bench.%' ORDER BY username"),
                         [("bench.county", "county_officer", TEHRAN), ("bench.national", "national_admin", ""),
                          ("bench.ngo", "ngo_submitter", TEHRAN), ("bench.province", "provincial_admin", TEHRAN)])

    def test_shape(self):
        """All 14 center types, a share of NGOs, centers, disabilities, elderly clients and the like."""
        self.assertEqual(int(self.one("SELECT count(DISTINCT type) FROM centers")), 14)
        ngo = float(self.one("SELECT avg((sector = 'ngo')::int) FROM centers"))
        self.assertTrue(0.2 <= ngo <= 0.6, ngo)
        row = self.sql("SELECT avg((center_id IS NOT NULL)::int), avg((disability_type IS NOT NULL)::int),"
                       " avg((birth_date <= current_date - interval '60 years')::int), min(birth_date),"
                       " max(birth_date), count(DISTINCT province_code), count(DISTINCT county_id) FROM clients")[0]
        with_center, disabled, over_60 = (float(x) for x in row[:3])
        self.assertTrue(0.5 <= with_center <= 0.75, row)     # ~70%, fewer where a province has no center yet
        self.assertTrue(0.8 <= disabled <= 0.9, row)
        self.assertTrue(0.15 <= over_60 <= 0.27, row)
        self.assertTrue("1930-01-01" <= row[3] and row[4] <= "2020-12-31", row)
        self.assertEqual(int(row[5]), 31, row)
        self.assertGreater(int(row[6]), 300, row)
        # Tehran is the largest province, by clients and by centers
        for table in ("clients", "centers"):
            self.assertEqual(self.one("SELECT province_code FROM %s GROUP BY 1 ORDER BY count(*) DESC LIMIT 1" % table),
                             TEHRAN, table)
        # a client's center is in its county whenever that county has one
        self.assertEqual(self.count("clients c", "c.center_id IS NOT NULL AND EXISTS (SELECT 1 FROM centers x"
                                    " WHERE x.county_id = c.county_id AND x.status <> 'closed') AND NOT EXISTS"
                                    " (SELECT 1 FROM centers x WHERE x.id = c.center_id AND x.county_id = c.county_id)"),
                         0)
        self.assertEqual(self.count("donations", "kind NOT IN ('cash', 'in_kind')"), 0)
        self.assertGreater(self.count("donations", "kind = 'in_kind'"), 0)
        self.assertGreater(self.count("donations", "campaign_id IS NOT NULL"), 0)
        places = self.sql("SELECT center_id IS NOT NULL, county_id IS NOT NULL, count(*) FROM donations"
                          " GROUP BY 1, 2 ORDER BY 1, 2")
        self.assertEqual([p[:2] for p in places], [("f", "f"), ("f", "t"), ("t", "t")], places)

    def test_names(self):
        """Persian names (ی and ک, never the Arabic ي ك ى), enough of them."""
        arabic = "[\u064a\u0643\u0649]"
        self.assertEqual(self.count("clients", "first_name ~ '%s' OR last_name ~ '%s'" % (arabic, arabic)), 0)
        self.assertEqual(self.count("staff", "first_name ~ '%s' OR last_name ~ '%s'" % (arabic, arabic)), 0)
        self.assertEqual(self.count("centers", "name ~ '%s'" % arabic), 0)
        self.assertGreater(self.count("clients", "first_name LIKE '%ی%' OR last_name LIKE '%ی%'"), 1000)
        self.assertGreater(self.count("clients", "first_name LIKE '%ک%' OR last_name LIKE '%ک%'"), 100)
        for sex in ("female", "male"):
            self.assertGreaterEqual(int(self.one("SELECT count(DISTINCT first_name) FROM clients WHERE sex = '%s'"
                                                 % sex)), 60, sex)
        self.assertEqual(int(self.one("SELECT count(*) FROM (SELECT first_name FROM clients GROUP BY 1"
                                      " HAVING count(DISTINCT sex) > 1) x")), 0)
        self.assertGreaterEqual(int(self.one("SELECT count(DISTINCT last_name) FROM clients")), 100)
        # searching works on what was loaded
        token = self.login("bench.national")
        name = self.one("SELECT last_name FROM clients ORDER BY id LIMIT 1")
        r = self.client.get("/api/v1/clients?limit=5&q=" + urllib.parse.quote(name.replace("ی", "ي")), token=token)
        self.assertStatus(r, 200)
        self.assertTrue(r.json()["items"], r)
        self.assertTrue(all(name in x["first_name"] + " " + x["last_name"] for x in r.json()["items"]),
                        r.json()["items"])

    def test_national_ids(self):
        for table in ("clients", "staff"):
            ids = [x[0] for x in self.sql("SELECT national_id FROM %s" % table)]
            self.assertEqual(len(ids), EXPECT[table])
            self.assertEqual(len(set(ids)), len(ids), table)
            bad = [x for x in ids if not national_id_ok(x)]
            self.assertEqual(bad, [], table)
        clients = sorted(int(x[0]) for x in self.sql("SELECT national_id FROM clients"))
        # not handed out in sequence: consecutive IDs in sorted order are far apart on average
        gaps = [b - a for a, b in zip(clients, clients[1:])]
        self.assertGreater(sum(gaps) / len(gaps), 10 ** 5)
        self.assertEqual(self.count("clients c", "EXISTS (SELECT 1 FROM staff s WHERE s.national_id = c.national_id)"),
                         0)

    def test_consistency(self):
        for label, query in CONSISTENCY_SQL.items():
            with self.subTest(label):
                self.assertEqual(self.one(query), "0", label)

    # -- the summary report reads the recomputed totals --------------------------------------------------------
    def test_summary_matches_sql(self):
        def rows(items):
            return [tuple(str(x[k]) for k in ("province", "county_id", "centers", "staff", "clients",
                                              "allocations_rials", "donations_rials") if k in x) for x in items]
        national = self.login("bench.national")
        for year in (1403, 1401):
            r = self.client.get("/api/v1/reports/summary?fiscal_year=%d" % year, token=national)
            self.assertStatus(r, 200)
            got = r.json()["items"]
            self.assertEqual(len(got), 31)
            self.assertEqual(rows(got), self.sql(PROVINCE_SQL.format(y=year)), year)
            self.assertTrue(all(x["allocations_rials"] > 0 and x["clients"] > 0 for x in got), got)
        province = self.login("bench.province")
        r = self.client.get("/api/v1/reports/summary?fiscal_year=1403&province=" + TEHRAN, token=province)
        self.assertStatus(r, 200)
        teh = r.json()["items"]
        self.assertEqual(rows(teh), self.sql(COUNTY_SQL.format(y=1403, p=TEHRAN)))
        # bench.county is the Tehran county with the most clients; bench.ngo a Tehran NGO center
        county = self.login("bench.county")
        r = self.client.get("/api/v1/reports/summary?fiscal_year=1403", token=county)
        self.assertStatus(r, 200)
        mine = r.json()["items"]
        self.assertEqual(len(mine), 1, mine)
        self.assertEqual(mine[0]["clients"], max(x["clients"] for x in teh), teh)
        self.assertEqual(self.one("SELECT c.province_code || ' ' || c.sector || ' ' || c.status FROM users u"
                                  " JOIN centers c ON c.id = u.center_id WHERE u.username = 'bench.ngo'"),
                         TEHRAN + " ngo active")
        ngo = self.login("bench.ngo")
        r = self.client.get("/api/v1/clients?limit=5", token=ngo)
        self.assertStatus(r, 200)

    # -- refusal, determinism, --force, and a role that is not a superuser ---------------------------------------
    def test_refuses_second_run(self):
        before = self.count("clients")
        cp = self.registry.ctl("gen-data", "--scale", SCALE, "--seed", SEED)
        self.assertEqual(cp.returncode, 1, cp)
        self.assertIn("more than 1,000 clients", cp.stderr)
        self.assertIn("--force", cp.stderr)
        self.assertEqual(self.count("clients"), before)
        for args in (["--scale", "0"], ["--scale", "x"], ["--seed", "-1"], ["--bogus"], ["--scale"]):
            cp = self.registry.ctl("gen-data", *args)
            self.assertEqual(cp.returncode, 2, (args, cp))

    def test_same_seed_same_data_and_force(self):
        self.pg.createdb("gen_twin")
        env = {"REGISTRY_DB_URL": self.pg.url("gen_twin")}
        self.registry.ctl("migrate", env_extra=env, check=True)
        self.registry.ctl("gen-data", "--scale", SCALE, "--seed", SEED, env_extra=env, timeout=300, check=True)
        self.assertEqual(self.one(MD5_SQL, "gen_twin"), self.one(MD5_SQL))
        for q in ("SELECT md5(string_agg(name || type || county_id, ',' ORDER BY id)) FROM centers",
                  "SELECT md5(string_agg(client_id || '/' || center_id || service || provided_on, ',' ORDER BY id))"
                  " FROM services",
                  "SELECT md5(string_agg(amount_rials || '/' || received_on || province_code, ',' ORDER BY id))"
                  " FROM donations",
                  "SELECT md5(string_agg(amount_rials::text, ',' ORDER BY id)) FROM allocations"):
            self.assertEqual(self.one(q, "gen_twin"), self.one(q), q)
        # --force adds a second set beside the first: no national ID or center name twice, allocations kept
        cp = self.registry.ctl("gen-data", "--scale", SCALE, "--seed", SEED, "--force", env_extra=env, timeout=300)
        self.assertEqual(cp.returncode, 0, cp)
        self.assertIn("left as they are", cp.stdout)
        for table, n in EXPECT.items():
            if table != "campaigns":
                self.assertEqual(self.count(table, dbname="gen_twin"), 2 * n, table)
        self.assertEqual(self.count("campaigns", dbname="gen_twin"), EXPECT["campaigns"])
        self.assertEqual(self.one("SELECT count(DISTINCT national_id) FROM clients", "gen_twin"),
                         str(2 * EXPECT["clients"]))
        self.assertEqual(self.one("SELECT count(DISTINCT national_id) FROM staff", "gen_twin"),
                         str(2 * EXPECT["staff"]))
        levels = dict((k, int(v)) for k, v in
                      self.sql("SELECT level, count(*) FROM allocations GROUP BY level", "gen_twin"))
        self.assertEqual(levels, self.expected_allocations())
        for label, query in CONSISTENCY_SQL.items():
            with self.subTest(label):
                self.assertEqual(self.one(query, "gen_twin"), "0", label)
        # another seed, other people
        self.pg.createdb("gen_other")
        env = {"REGISTRY_DB_URL": self.pg.url("gen_other")}
        self.registry.ctl("migrate", env_extra=env, check=True)
        self.registry.ctl("gen-data", "--scale", "0.0005", "--seed", "8", env_extra=env, timeout=300, check=True)
        self.assertNotEqual(self.one(MD5_SQL, "gen_other"), self.one(MD5_SQL))

    def test_not_superuser(self):
        """A role without superuser cannot turn triggers off: it loads with every trigger on, and gets the same
        consistent result."""
        self.pg.createdb("gen_plain")
        self.registry.ctl("migrate", env_extra={"REGISTRY_DB_URL": self.pg.url("gen_plain")}, check=True)
        self.pg.psql("""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gen_loader') THEN
                    CREATE ROLE gen_loader LOGIN NOSUPERUSER NOBYPASSRLS;
                END IF;
            END $$;
            GRANT ALL ON ALL TABLES IN SCHEMA public TO gen_loader;
            GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO gen_loader;
            GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO gen_loader;
            GRANT TEMPORARY ON DATABASE gen_plain TO gen_loader;""", dbname="gen_plain")
        cp = self.registry.ctl("gen-data", "--scale", "0.0005", "--seed", SEED,
                               env_extra={"REGISTRY_DB_URL": self.pg.url("gen_plain", user="gen_loader")},
                               timeout=300)
        self.assertEqual(cp.returncode, 0, cp)
        self.assertIn("not a superuser", cp.stdout)
        for table, n in {"centers": 10, "staff": 100, "clients": 1500, "services": 5000, "donations": 500}.items():
            self.assertEqual(self.count(table, dbname="gen_plain"), n, table)
        for label, query in CONSISTENCY_SQL.items():
            with self.subTest(label):
                self.assertEqual(self.one(query, "gen_plain"), "0", label)
        # the triggers kept the totals as they went; the recomputation found nothing to change
        self.assertEqual(self.sql(PROVINCE_SQL.format(y=1403), "gen_plain"),
                         self.sql("SELECT p.code, coalesce(sum(t.centers), 0), coalesce(sum(t.staff), 0),"
                                  " coalesce(sum(t.clients), 0),"
                                  " (SELECT coalesce(sum(allocations_rials), 0) FROM money_totals m"
                                  "   WHERE m.fiscal_year = 1403 AND m.province_code = p.code AND m.county_id = 0),"
                                  " (SELECT coalesce(sum(donations_rials), 0) FROM money_totals m"
                                  "   WHERE m.fiscal_year = 1403 AND m.province_code = p.code AND m.county_id = 0)"
                                  " FROM provinces p LEFT JOIN county_totals t ON t.province_code = p.code"
                                  " GROUP BY p.code ORDER BY p.code", "gen_plain"))


if __name__ == "__main__":
    harness.main()
