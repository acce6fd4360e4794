/* users.c - the benchmark users, all with one password: bench.national (national_admin), bench.province
 * (provincial_admin of Tehran), bench.county (county_officer of the Tehran county with the most clients) and
 * bench.ngo (ngo_submitter of the Tehran NGO center with the most clients). */
#include <stdio.h>

#include "ctl/gendata/gendata.h"

static int upsert_user(gen_t *g, const char *username, const char *hash, const char *role, const char *province,
                       const char *county, const char *center)
{
    const char *p[] = {username, hash, role, province, county, center};
    PGresult *r = q(g,
                    "INSERT INTO users (username, password_hash, role, province_code, county_id, center_id, full_name)"
                    " VALUES ($1, $2, $3::user_role, $4, $5::integer, $6::bigint, 'benchmark user')"
                    " ON CONFLICT (username) DO UPDATE SET password_hash = EXCLUDED.password_hash,"
                    " role = EXCLUDED.role, province_code = EXCLUDED.province_code, county_id = EXCLUDED.county_id,"
                    " center_id = EXCLUDED.center_id, active = true, version = users.version + 1,"
                    " updated_at = now(), password_changed_at = now()",
                    6, p, PGRES_COMMAND_OK);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

/* bench.national, bench.province, and bench.county and bench.ngo where Tehran has a county and an NGO center;
 * returns how many were made (or updated: an earlier run's are pointed at the new data), -1 on error */
int make_users(gen_t *g, const char *hash, char *county_desc, size_t cdsz, char *ngo_desc, size_t ndsz)
{
    int made = 2;
    if (exec_ok(g, "BEGIN") != 0)
        return -1;
    PGresult *cr = q(g,
                     "SELECT t.county_id, k.name_fa, t.clients FROM county_totals t JOIN counties k ON k.id = t.county_id"
                     " WHERE t.province_code = '" TEHRAN "' ORDER BY t.clients DESC, t.county_id LIMIT 1",
                     0, NULL, PGRES_TUPLES_OK);
    PGresult *nr = q(g,
                     "SELECT c.id, c.name, c.county_id FROM centers c LEFT JOIN center_totals t ON t.center_id = c.id"
                     " WHERE c.province_code = '" TEHRAN "' AND c.sector = 'ngo' AND c.status = 'active'"
                     " ORDER BY coalesce(t.clients, 0) DESC, c.id LIMIT 1",
                     0, NULL, PGRES_TUPLES_OK);
    int rc = cr && nr ? 0 : -1;
    if (rc == 0)
        rc = upsert_user(g, "bench.national", hash, "national_admin", NULL, NULL, NULL);
    if (rc == 0)
        rc = upsert_user(g, "bench.province", hash, "provincial_admin", TEHRAN, NULL, NULL);
    if (rc == 0 && PQntuples(cr) == 1) {
        made++;
        rc = upsert_user(g, "bench.county", hash, "county_officer", TEHRAN, PQgetvalue(cr, 0, 0), NULL);
        snprintf(county_desc, cdsz, "county %s (%s, %s clients)", PQgetvalue(cr, 0, 0), PQgetvalue(cr, 0, 1),
                 PQgetvalue(cr, 0, 2));
    } else
        snprintf(county_desc, cdsz, "not created: no county in %s", TEHRAN);
    if (rc == 0 && PQntuples(nr) == 1) {
        made++;
        rc = upsert_user(g, "bench.ngo", hash, "ngo_submitter", TEHRAN, PQgetvalue(nr, 0, 2), PQgetvalue(nr, 0, 0));
        snprintf(ngo_desc, ndsz, "center %s (%s)", PQgetvalue(nr, 0, 0), PQgetvalue(nr, 0, 1));
    } else
        snprintf(ngo_desc, ndsz, "not created: no active NGO center in %s", TEHRAN);
    PQclear(cr);
    PQclear(nr);
    if (rc == 0)
        rc = exec_ok(g, "COMMIT");
    else
        PQclear(PQexec(g->pg, "ROLLBACK"));
    return rc == 0 ? made : -1;
}
