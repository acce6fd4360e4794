/* ctl.h - registryctl's subcommands. Each takes the parsed configuration and its own arguments. */
#ifndef REGISTRY_CTL_H
#define REGISTRY_CTL_H

#include <libpq-fe.h>

#include "common/config.h"

#define CTL_OK 0
#define CTL_FAIL 1
#define CTL_USAGE 2

int ctl_migrate(const registry_config *cfg, int argc, char **argv);
int ctl_user(const registry_config *cfg, int argc, char **argv);
int ctl_audit(const registry_config *cfg, int argc, char **argv);
int ctl_seed_demo(const registry_config *cfg, int argc, char **argv);
int ctl_gen_data(const registry_config *cfg, int argc, char **argv);

/* A blocking connection for the admin tool (registryd itself never blocks). Prints the reason on failure. */
PGconn *ctl_connect(const registry_config *cfg);

#endif
