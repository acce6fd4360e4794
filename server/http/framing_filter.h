/*
 * framing_filter.h - a bufferevent filter between a connection's TLS bufferevent and evhttp. Every request head is
 * checked (framing.h) before evhttp sees a byte of it, bodies are passed by our own reading of their framing
 * (Content-Length bytes; chunks re-written in canonical form, extensions and trailers dropped), and a request that
 * breaks the rules never reaches evhttp: in its place evhttp gets a stand-in request, which dispatch answers with
 * the problem (framing_reject_due), and the connection is then closed gently (framing_close_gently).
 *
 * Replies: evhttp's "written" callback fires only once the TLS bufferevent has handed every byte to the kernel, so
 * a reply evhttp closes the connection after is never cut short.
 */
#ifndef REGISTRY_FRAMING_FILTER_H
#define REGISTRY_FRAMING_FILTER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>

#include "server/http/framing.h"

struct bufferevent;
struct evbuffer_cb_entry;

typedef struct framing_conn {
    struct bufferevent *tls, *filter;
    struct evbuffer_cb_entry *tls_out_cb;
    framing_limits lim;
    struct timeval timeout;             /* evhttp's, renewed while a reply makes progress */
    int state;
    framing_scan scan;
    uint64_t left;                      /* body or chunk bytes still to pass */
    uint64_t body_total;                /* chunked: the sum of the chunk sizes so far */
    size_t line_scanned;                /* chunk-size or trailer line: bytes searched for its LF */
    size_t trailer_bytes;
    unsigned passed;                    /* heads handed to evhttp (the stand-in included) */
    unsigned dispatched;                /* requests dispatch has seen */
    unsigned reject_at;                 /* the request (by number) to be refused, 0 for none */
    int reject_status;
    const char *reject_detail;
    char reject_method[16];
    bool write_pending;                 /* reply bytes moved to the TLS side and not yet all written */
    bool closing;                       /* the refusal was answered: close once it is written */
} framing_conn;

/* Puts the filter over tls (which it then owns: freeing the filter frees tls). NULL on failure (tls untouched). */
struct bufferevent *framing_filter_new(struct bufferevent *tls, framing_conn *fc, const framing_limits *lim,
                                       int timeout_s);
/* Called as tls is being freed. */
void framing_conn_release(framing_conn *fc);

/* For each request dispatch sees, in order: true when it must be refused with *status and *detail. */
bool framing_reject_due(framing_conn *fc, const char *uri, int *status, const char **detail, const char **method);

/* After the refusal is written: close_notify and FIN now; what the client still sends is read and dropped until it
 * closes (or the connection's deadline), so the answer is not lost to a reset. */
void framing_close_gently(framing_conn *fc);

/* The input side alone, for tests and the fuzzer: moves what in holds, checked and in canonical form, to out; true
 * once a request was refused. */
struct evbuffer;
void framing_conn_init(framing_conn *fc, const framing_limits *lim);
bool framing_feed(framing_conn *fc, struct evbuffer *in, struct evbuffer *out);

#define FRAMING_STANDIN_PATH "/.framing-refused"

#endif
