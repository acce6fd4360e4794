#include "server/http/context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/buffer.h>

#include "common/log.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#define ASAN_UNPOISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#endif

#define REQ_ARENA_BLOCK 16384
#define MAX_FREE_CTX 256

/* One object req_sweep_json watches: obj is NULLed by json-c (through its userdata) when something frees it. */
typedef struct json_sweep {
    json_object *obj;
    struct json_sweep *next;
} json_sweep;

/* A worker's event loop serves one request at a time per call, on its own thread. */
static __thread req_ctx *current_request;

uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t xorshift64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

req_ctx *req_ctx_acquire(worker *w, struct evhttp_request *req)
{
    req_ctx *rc = w->free_ctx;
    arena *a;
    if (rc) {
        ASAN_UNPOISON_MEMORY_REGION(rc, sizeof(*rc));
        w->free_ctx = rc->next_free;
        w->nfree_ctx--;
        a = rc->arena;
    } else {
        a = arena_new(REQ_ARENA_BLOCK);
        rc = malloc(sizeof(*rc));
        if (!rc)
            abort();
    }
    memset(rc, 0, sizeof(*rc));
    rc->arena = a;
    rc->req = req;
    rc->w = w;
    rc->start_us = now_us();
    rc->life = REQ_NEW;
    TAILQ_INIT(&rc->query);
    snprintf(rc->request_id, sizeof(rc->request_id), "%016llx", (unsigned long long)xorshift64(&w->rng));
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    if (evcon) {
        char *peer = NULL;
        ev_uint16_t port = 0;
        evhttp_connection_get_peer(evcon, &peer, &port);
        snprintf(rc->address, sizeof(rc->address), "%s", peer ? peer : "");
    }
    w->inflight++;
    return rc;
}

static void sweep_freed(json_object *obj, void *userdata)
{
    (void)obj;
    ((json_sweep *)userdata)->obj = NULL;
}

void req_sweep_json(req_ctx *rc, json_object *obj)
{
    REQ_CHECK(rc, REQ_LIVE);
    json_sweep *s = malloc(sizeof(*s));
    if (!s)
        abort();
    s->obj = obj;
    s->next = rc->sweep;
    rc->sweep = s;
    json_object_set_userdata(obj, s, sweep_freed);
}

/* Puts what nobody took: a dropped field_errors list. */
static void sweep_json(req_ctx *rc)
{
    while (rc->sweep) {
        json_sweep *s = rc->sweep;
        rc->sweep = s->next;
        json_object *obj = s->obj;
        if (obj) {
            json_object_set_userdata(obj, NULL, NULL);      /* s is freed below */
            json_object_put(obj);
        }
        free(s);
    }
}

req_ctx *req_current(void)
{
    return current_request;
}

req_ctx *req_current_set(req_ctx *rc)
{
    req_ctx *was = current_request;
    current_request = rc;
    return was;
}

void req_ctx_release(req_ctx *rc)
{
    REQ_CHECK(rc, 1u << REQ_REPLIED);
    worker *w = rc->w;
    if (rc->held_body)
        evbuffer_free(rc->held_body);
    db_job_clear(&rc->job);
    evhttp_clear_headers(&rc->query);
    arena_reset(rc->arena);
    sweep_json(rc);     /* after the arena: a root put there may have taken (and freed) a watched object */
    if (current_request == rc)
        current_request = NULL;
    if (w->nfree_ctx < MAX_FREE_CTX) {
        rc->life = REQ_FREE;
        rc->next_free = w->free_ctx;
        w->free_ctx = rc;
        w->nfree_ctx++;
        ASAN_POISON_MEMORY_REGION(rc, sizeof(*rc));     /* any later touch of this request is reported */
    } else {
        arena_free(rc->arena);
        free(rc);
    }
    worker_request_done(w);
}

void req_ctx_release_all(worker *w)
{
    while (w->free_ctx) {
        req_ctx *rc = w->free_ctx;
        ASAN_UNPOISON_MEMORY_REGION(rc, sizeof(*rc));
        w->free_ctx = rc->next_free;
        arena_free(rc->arena);
        free(rc);
    }
    w->nfree_ctx = 0;
}

void req_add_header(req_ctx *rc, const char *name, const char *value)
{
    REQ_CHECK(rc, REQ_LIVE);
    evhttp_add_header(evhttp_request_get_output_headers(rc->req), name, value);
}

const char *req_header(req_ctx *rc, const char *name)
{
    REQ_CHECK(rc, REQ_LIVE);
    return evhttp_find_header(evhttp_request_get_input_headers(rc->req), name);
}

const struct sockaddr *req_peer(req_ctx *rc)
{
    REQ_CHECK(rc, REQ_LIVE);
    struct evhttp_connection *evcon = evhttp_request_get_connection(rc->req);
    return evcon ? evhttp_connection_get_addr(evcon) : NULL;
}

const char *req_query(req_ctx *rc, const char *name)
{
    REQ_CHECK(rc, REQ_LIVE);
    return evhttp_find_header(&rc->query, name);
}

static void put_json(void *o)
{
    json_object_put(o);
}

void req_own_json(req_ctx *rc, json_object *obj)
{
    REQ_CHECK(rc, REQ_LIVE);
    if (obj)
        arena_on_reset(rc->arena, put_json, obj);
}

json_object *req_json_object(req_ctx *rc)
{
    json_object *o = json_object_new_object();
    req_own_json(rc, o);
    return o;
}

json_object *req_json_array(req_ctx *rc)
{
    json_object *a = json_object_new_array();
    req_own_json(rc, a);
    return a;
}

json_object *req_json_parse(req_ctx *rc, const char *text)
{
    json_object *o = json_tokener_parse(text);
    req_own_json(rc, o);
    return o;
}

static void job_returned(db_job *job, void *arg)
{
    req_ctx *rc = arg;
    REQ_CHECK(rc, 1u << REQ_WAITING_DB);
    rc->life = REQ_HANDLER;
    void (*cb)(db_job *, void *) = rc->job_cb;
    rc->job_cb = NULL;
    req_ctx *was = req_current_set(rc);
    cb(job, rc);
    req_current_set(was);
}

void req_db_submit(req_ctx *rc, void (*cb)(db_job *job, void *arg))
{
    REQ_CHECK(rc, REQ_LIVE);
    rc->life = REQ_WAITING_DB;
    rc->job_cb = cb;
    rc->job.cb = job_returned;
    rc->job.arg = rc;
    rc->job.request_id = rc->request_id;
    db_submit(rc->w->db, &rc->job);
}

const char *req_state_name(req_state s)
{
    switch (s) {
    case REQ_FREE: return "free";
    case REQ_NEW: return "new";
    case REQ_HANDLER: return "handler";
    case REQ_WAITING_DB: return "waiting for the database";
    case REQ_REPLIED: return "replied";
    }
    return "?";
}

void req_check_state(const req_ctx *rc, unsigned states, const char *where)
{
    if ((1u << rc->life) & states)
        return;
    log_msg(LOG_ERROR, rc->request_id, "%s on a request in state %s", where, req_state_name(rc->life));
    abort();
}

void req_enter_handler(req_ctx *rc)
{
    REQ_CHECK(rc, REQ_LIVE);
    rc->life = REQ_HANDLER;
}
