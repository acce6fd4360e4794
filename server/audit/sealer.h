/*
 * sealer.h - chains the audit trail's rows by a hash, in the background (worker 0 only), rather than while each
 * write waits: chaining inside every writing transaction would make all writes queue on one lock. It runs once a
 * second, and at once again while a backlog remains, on a database connection of its own so requests never queue
 * behind it; the day's heads it records go to the log too, a copy outside the database.
 */
#ifndef REGISTRY_AUDIT_SEALER_H
#define REGISTRY_AUDIT_SEALER_H

struct event_base;
struct registry_config;
typedef struct audit_sealer audit_sealer;

void audit_sealer_init(void);     /* registers the statement; before any pool starts */
/* A sealer on base with a one-connection pool of cfg's database; NULL when it cannot be set up. */
audit_sealer *audit_sealer_new(struct event_base *base, const struct registry_config *cfg, int worker_index);
void audit_sealer_start(audit_sealer *s);
void audit_sealer_stop(audit_sealer *s);     /* a drain: no new round, a running one is not followed by another */
void audit_sealer_free(audit_sealer *s);     /* drops its connection and any job in flight, without callbacks */

#endif
