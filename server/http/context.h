/*
 * context.h - the life of one HTTP request: its context and arena, taken from this worker's pool when the request
 * arrives (dispatch.c) and given back by the reply exit (reply.c), and the state it is in between.
 */
#ifndef REGISTRY_CONTEXT_H
#define REGISTRY_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <json-c/json.h>
#include <sys/socket.h>

#include "common/arena.h"
#include "server/auth/identity.h"
#include "server/db/pool.h"
#include "server/router.h"
#include "server/worker.h"

/* Where a request is in its life. Every req_* and reply_* entry checks it in debug builds (REQ_CHECK), so a touch
 * after the reply, a reply while a job is in flight or a second job at once aborts at the line that does it. And in
 * ASan builds a context back in the pool is poisoned: any later read or write of it is reported. */
typedef enum req_state {
    REQ_FREE = 0,       /* in the worker's pool: no request */
    REQ_NEW,            /* arrived: being checked, routed, authenticated */
    REQ_HANDLER,        /* the server works on it in this call: the gate, a handler, a job's callback */
    REQ_WAITING_DB,     /* its job is in flight: nothing but the job's callback may touch it */
    REQ_REPLIED,        /* answered: on its way back to the pool */
} req_state;

#define REQ_LIVE ((1u << REQ_NEW) | (1u << REQ_HANDLER))

typedef struct req_ctx {
    req_state life;                 /* where it is in its life (above) */
    struct evhttp_request *req;
    worker *w;
    arena *arena;
    route_match match;
    const char *method;
    const char *path;               /* raw path, without the query */
    struct evkeyvalq query;         /* decoded query parameters */
    char request_id[17];
    uint64_t start_us;
    int status;
    int media;                      /* the reply's media type, MEDIA_* (router.h): negotiated by dispatch from
                                       ?format= or Accept among those the route produces */
    bool want_csv;                  /* media == MEDIA_CSV */
    int count_query;                /* ?count=true: the index of rc->job's query that counted the list (0: none) */
    json_object *problem_members;   /* members a problem reply adds beside type, title... (406's available) */
    db_job job;                     /* most requests need exactly one */
    int limit;                      /* page size of a list request */
    identity who;                   /* the caller, once authenticated */
    char token_hash[65];            /* SHA-256 of the bearer token, hex */
    char address[48];               /* the client's IP address */
    bool session_from_cache;        /* the caller was recognised from the session cache ... */
    bool session_verified;          /* ... and/or the database has confirmed the session in this request */
    uint64_t cache_generation;      /* the session cache's, when auth_begin was sent (session_cache_put) */
    /* Set while the caller is known only from the session cache: the step that confirms the session before an
     * error reply leaves (reply.c holds the reply, the caller's transaction confirms, then sends it). */
    void (*hold_error_reply)(struct req_ctx *rc);
    int held_status;                /* the error reply held back meanwhile */
    const char *held_type;
    struct evbuffer *held_body;
    void (*after_lookup)(struct req_ctx *rc);   /* the step after the caller's lookup (auth/transaction.c) */
    void *state;                    /* a handler's own per-request state, allocated from the arena */
    void (*job_cb)(db_job *job, void *arg);     /* the callback of the job in flight (req_db_submit) */
    struct json_sweep *sweep;       /* json objects put at the end unless freed by then (req_sweep_json) */
    struct req_ctx *next_free;
} req_ctx;

uint64_t now_us(void);

#ifdef NDEBUG
#define REQ_CHECK(rc, states) ((void)0)
#else
#define REQ_CHECK(rc, states) req_check_state((rc), (states), __func__)
#endif
/* Aborts, naming where and in which state, unless rc's state is one of states (a mask of 1u << REQ_*). */
void req_check_state(const req_ctx *rc, unsigned states, const char *where);
const char *req_state_name(req_state s);
/* The gate (or dispatch, for a public route) hands the request to its handler. */
void req_enter_handler(req_ctx *rc);

/* Takes a context (with an empty arena) from w's pool for req. */
req_ctx *req_ctx_acquire(worker *w, struct evhttp_request *req);
/* Gives rc back to its worker's pool: its job's results, its query, everything in its arena. Only the reply exit
 * calls this. */
void req_ctx_release(req_ctx *rc);
/* Frees the contexts a worker keeps for reuse (the worker's thread has ended). */
void req_ctx_release_all(worker *w);

void req_add_header(req_ctx *rc, const char *name, const char *value);
const char *req_header(req_ctx *rc, const char *name);
/* The connection's own peer (never an address a client or proxy states); NULL when the connection is gone. */
const struct sockaddr *req_peer(req_ctx *rc);
const char *req_query(req_ctx *rc, const char *name);

/* The memory rule for json-c: every json object a request makes belongs to its arena. A root object is made by
 * req_json_object/req_json_array/req_json_parse (or handed over with req_own_json) and put when the request's arena
 * is reset, whichever way the request ends, early returns included: nothing puts it by hand. What is added to a root
 * belongs to the root (json-c's rule); a root also added somewhere else takes json_object_get for it.
 * The request owns obj (one reference). */
void req_own_json(req_ctx *rc, json_object *obj);
json_object *req_json_object(req_ctx *rc);
json_object *req_json_array(req_ctx *rc);
/* text parsed as JSON, owned by the request; NULL when it is not JSON. */
json_object *req_json_parse(req_ctx *rc, const char *text);

/* A weaker hold, for an object with one owner already that may still be dropped (a field_errors list, see
 * field_errors.h): when rc ends, after its arena's roots are put, obj is put if nothing has freed it by then. obj
 * must not outlive the request. It marks obj with json-c's userdata to learn when it is freed. */
void req_sweep_json(req_ctx *rc, json_object *obj);

/* The request this thread is serving in the current call: dispatch sets it for the request's arrival, and a job's
 * callback for its return; NULL outside them and once the request has replied. For code that has no rc at hand
 * (field_error) to give what it makes to the request. */
req_ctx *req_current(void);
/* Makes rc the thread's current request; returns the one it replaces (to set back after the call). */
req_ctx *req_current_set(req_ctx *rc);

/* Starts rc->job on this worker's pool; cb runs from the event loop with rc as its argument. The request waits
 * (REQ_WAITING_DB) until then: one job at a time, and no reply meanwhile. */
void req_db_submit(req_ctx *rc, void (*cb)(db_job *job, void *arg));

#endif
