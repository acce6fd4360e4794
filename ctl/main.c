/*
 * registryctl - the registry's admin tool: schema migrations, users, demo data.
 */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "ctl/ctl.h"

static void usage(FILE *f)
{
    fputs("usage: registryctl [--config FILE] COMMAND [ARGS]\n"
          "commands:\n"
          "  migrate [--dir DIR]   apply the migrations in DIR (default: migrations_dir) not yet applied, in order,\n"
          "                        one transaction each; refuse if an applied one has changed\n"
          "  migrate --status      list the migrations and whether each is applied\n"
          "  user add --username U --role ROLE [--province IR-NN] [--county ID] [--center ID] [--full-name NAME]\n"
          "                        create a user; the password is read from standard input\n"
          "  audit verify [--full] [--expect SEQ:HASH]...\n"
          "                        seal, then check both audit chains (audit_log's and the read batches'): walk\n"
          "                        them from where the last --full ended (--full: from the start), check every\n"
          "                        head recorded in audit_heads (by the sealer daily, by each verify) is still in\n"
          "                        its chain, and so is each --expect (a head printed by an earlier verify and kept\n"
          "                        elsewhere; SEQ is N for audit_log's chain, rN for the read batches'); then\n"
          "                        record and print both heads as SEQ:HASH\n"
          "  seed-demo             load a small demo data set (idempotent)\n"
          "  gen-data [--scale F] [--seed N] [--force]\n"
          "                        load a national-scale benchmark data set (scale 1: 20k centers, 3M clients,\n"
          "                        10M services, 1M donations; defaults: scale 1, seed 1), the same for the same\n"
          "                        seed; refuses a database with more than 1,000 clients unless --force\n"
          "Settings come from FILE and the REGISTRY_* environment variables (REGISTRY_DB_URL, ...).\n",
          f);
}

PGconn *ctl_connect(const registry_config *cfg)
{
    PGconn *pg = PQconnectdb(cfg->db_url);
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "registryctl: cannot connect to the database: %s", PQerrorMessage(pg));
        PQfinish(pg);
        return NULL;
    }
    PQsetClientEncoding(pg, "UTF8");
    PQclear(PQexec(pg, "SET client_min_messages = warning"));
    /* row-level security is forced even for the owner: the admin tool acts as the 'system' scope */
    PQclear(PQexec(pg, "SELECT set_config('registry.role', 'system', false)"));
    return pg;
}

int main(int argc, char **argv)
{
    const char *config_path = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            config_path = argv[++i];
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return CTL_OK;
        } else {
            fprintf(stderr, "registryctl: unknown option \"%s\"\n", argv[i]);
            usage(stderr);
            return CTL_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return CTL_USAGE;
    }
    registry_config cfg;
    char err[512];
    if (config_load(&cfg, config_path, err, sizeof(err)) != 0) {
        fprintf(stderr, "registryctl: %s\n", err);
        return CTL_USAGE;
    }
    log_init("registryctl", LOG_INFO);
    const char *cmd = argv[i];
    int rc;
    if (!strcmp(cmd, "migrate"))
        rc = ctl_migrate(&cfg, argc - i - 1, argv + i + 1);
    else if (!strcmp(cmd, "user"))
        rc = ctl_user(&cfg, argc - i - 1, argv + i + 1);
    else if (!strcmp(cmd, "seed-demo"))
        rc = ctl_seed_demo(&cfg, argc - i - 1, argv + i + 1);
    else if (!strcmp(cmd, "gen-data"))
        rc = ctl_gen_data(&cfg, argc - i - 1, argv + i + 1);
    else if (!strcmp(cmd, "audit"))
        rc = ctl_audit(&cfg, argc - i - 1, argv + i + 1);
    else {
        fprintf(stderr, "registryctl: unknown command \"%s\"\n", cmd);
        usage(stderr);
        rc = CTL_USAGE;
    }
    config_free(&cfg);
    return rc;
}
