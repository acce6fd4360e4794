/* handlers.h - every endpoint's handler and every handler module's start-up hook (statement registration). */
#ifndef REGISTRY_HANDLERS_H
#define REGISTRY_HANDLERS_H

struct req_ctx;

/* health.c */
void health_init(void);
void handle_healthz(struct req_ctx *rc);
void handle_readyz(struct req_ctx *rc);

/* meta.c */
void handle_metrics(struct req_ctx *rc);
void handle_openapi(struct req_ctx *rc);

/* geo.c: provinces and counties */
void geo_init(void);
void handle_provinces_list(struct req_ctx *rc);
void handle_counties_list(struct req_ctx *rc);
const char *geo_province_code(struct req_ctx *rc, const char *in);   /* normalized IR-NN or NULL */

/* session.c: login, logout, me, password */
void session_init(void);
void handle_login(struct req_ctx *rc);
void handle_logout(struct req_ctx *rc);
void handle_me(struct req_ctx *rc);
void handle_password_change(struct req_ctx *rc);

/* users.c */
void users_init(void);
void handle_users_create(struct req_ctx *rc);
void handle_users_list(struct req_ctx *rc);
void handle_users_get(struct req_ctx *rc);
void handle_users_patch(struct req_ctx *rc);

/* audit.c */
void audit_init(void);
void handle_audit_list(struct req_ctx *rc);

#endif
