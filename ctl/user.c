/*
 * user.c - `registryctl user add`: creates a user directly in the database (the way to make the first national
 * admin). The password is read from standard input, never from the command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/password.h"
#include "common/textnorm.h"
#include "ctl/ctl.h"

static int read_password(char *buf, size_t len)
{
    if (!fgets(buf, (int)len, stdin))
        return -1;
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    return n ? 0 : -1;
}

static int user_add(const registry_config *cfg, int argc, char **argv)
{
    const char *username = NULL, *role = NULL, *province = NULL, *county = NULL, *center = NULL, *full_name = NULL;
    for (int i = 0; i < argc; i += 2) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "registryctl: user add: %s needs a value\n", a);
            return CTL_USAGE;
        }
        if (!strcmp(a, "--username"))
            username = v;
        else if (!strcmp(a, "--role"))
            role = v;
        else if (!strcmp(a, "--province"))
            province = v;
        else if (!strcmp(a, "--county"))
            county = v;
        else if (!strcmp(a, "--center"))
            center = v;
        else if (!strcmp(a, "--full-name"))
            full_name = v;
        else {
            fprintf(stderr, "registryctl: user add: unknown option \"%s\"\n", a);
            return CTL_USAGE;
        }
    }
    char clean_name[1024];
    if (full_name) {
        /* stored clean as the API stores it: no bidi overrides or invisible characters in a name */
        if (textnorm_clean_input(full_name, clean_name, sizeof(clean_name)) == (size_t)-1) {
            fprintf(stderr, "registryctl: user add: --full-name is too long or holds characters that are not "
                            "allowed\n");
            return CTL_USAGE;
        }
        full_name = clean_name[0] ? clean_name : NULL;
    }
    if (!username || !role) {
        fprintf(stderr, "registryctl: user add: --username and --role are required\n");
        return CTL_USAGE;
    }
    char password[1040];
    if (isatty(STDIN_FILENO))
        fprintf(stderr, "password for %s: ", username);
    if (read_password(password, sizeof(password)) != 0) {
        fprintf(stderr, "registryctl: user add: no password on standard input\n");
        return CTL_USAGE;
    }
    const char *reason;
    if (password_check_strength(password, username, &reason) != 0) {
        fprintf(stderr, "registryctl: user add: password refused: %s\n", reason);
        return CTL_USAGE;
    }
    char hash[256];
    if (password_hash(password, hash, sizeof(hash)) != 0) {
        fprintf(stderr, "registryctl: user add: hashing failed\n");
        return CTL_FAIL;
    }
    memset(password, 0, sizeof(password));

    PGconn *pg = ctl_connect(cfg);
    if (!pg)
        return CTL_FAIL;
    const char *params[7] = {username, hash, role, province, county, center, full_name};
    /* acts as 'system' (row-level security is forced even for the owner); audited like any other write */
    PGresult *r = PQexecParams(
        pg,
        "WITH cfg AS (SELECT set_config('registry.role', 'system', true)),"
        " ins AS (INSERT INTO users (username, password_hash, role, province_code, county_id, center_id, full_name)"
        "  SELECT lower($1), $2, $3::user_role, $4, $5::integer, $6::bigint, $7 FROM cfg"
        "  RETURNING id, username, role, province_code, county_id, center_id),"
        " aud AS (INSERT INTO audit_log (username, role, action, entity, entity_id, province_code, county_id,"
        "  center_id, after)"
        "  SELECT 'registryctl', 'system', 'create', 'user', ins.id::text, ins.province_code, ins.county_id,"
        "  ins.center_id, to_jsonb(ins) FROM ins)"
        " SELECT id FROM ins",
        7, NULL, params, NULL, NULL, 0);
    int rc = CTL_OK;
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        if (state && !strcmp(state, "23505"))
            fprintf(stderr, "registryctl: user add: user %s exists already\n", username);
        else
            fprintf(stderr, "registryctl: user add: %s", PQerrorMessage(pg));
        rc = CTL_FAIL;
    } else
        printf("created user %s (id %s, role %s)\n", username, PQgetvalue(r, 0, 0), role);
    PQclear(r);
    PQfinish(pg);
    return rc;
}

int ctl_user(const registry_config *cfg, int argc, char **argv)
{
    if (argc >= 1 && !strcmp(argv[0], "add"))
        return user_add(cfg, argc - 1, argv + 1);
    fprintf(stderr, "registryctl: user: expected \"user add --username U --role ROLE [--province IR-NN] "
                    "[--county ID] [--center ID] [--full-name NAME]\"\n");
    return CTL_USAGE;
}
