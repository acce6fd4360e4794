/*
 * compress.h - gzip for dynamic replies (zlib), decided and done once, at the one way out (reply.c's reply_send).
 *
 * What is compressed: a reply of a routed endpoint (the API, /metrics, the OpenAPI document) whose type is text
 * (JSON, problem+json, CSV, plain text) and whose body is COMPRESS_MIN_BYTES or more, when Accept-Encoding takes
 * gzip. Such replies carry `Vary: Accept-Encoding` whatever their size, since the same request may be answered
 * compressed once the body grows. Never compressed: the console (its assets are precompressed, console.c), a reply
 * that already has a Content-Encoding, XLSX (already a zip), 204/304, and the routes of compress_route_secret.
 *
 * BREACH (compression as a length oracle for a secret next to attacker-chosen text) needs four things at once: a
 * compressed body, a secret in it, attacker-controlled text reflected in the same body, and an attacker able to make
 * the victim's client send many such requests with its credentials and to see the replies' lengths. Here the only
 * secrets ever put in a body are session tokens, and only the sign-in reply holds one, next to the username the
 * request sent: so /api/v1/auth/ (login, logout, me, password) is never compressed. Every other reply holds no
 * secret of the kind (there is no CSRF token: the console's cookie writes are checked by Origin, authenticate.c),
 * and the attack's last condition fails anyway: credentials are bearer tokens a browser never attaches by itself,
 * or the console's SameSite=Strict cookie, which no other site's request carries, and CORS never allows
 * credentials (cors.c). Personal data next to a reflected `?q=` is reachable only with the caller's own token.
 */
#ifndef REGISTRY_COMPRESS_H
#define REGISTRY_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>

#include <zlib.h>

struct evbuffer;
struct req_ctx;
struct evkeyvalq;

#define COMPRESS_MIN_BYTES 1024     /* below this, gzip's 18-byte frame and the CPU buy next to nothing */
/* The level is the config's gzip_level (default 1; 0: never compress). Measured by scripts/bench_gzip.sh on a
 * 50-row client list (27.0 KB): level 1 gives 5.9 KB for 0.21 ms of CPU, level 6 4.8 KB for 0.47 ms, level 9
 * 4.6 KB for 0.77 ms. Level 1 takes the bulk of the saving (78% of the bytes) for the least time on the event loop,
 * which every other request of the thread waits behind while a reply is compressed. */

typedef enum {
    COMPRESS_NEVER,     /* not a compressible reply: no Vary either */
    COMPRESS_VARY,      /* could be compressed (Vary: Accept-Encoding), but not this one: too small or not accepted */
    COMPRESS_GZIP,      /* compress it */
} compress_decision;

/* True for the routes whose replies hold a secret next to request text (the sign-in's token): see above. */
bool compress_route_secret(const char *route_pattern);
/* True for a textual type worth compressing (JSON, problem+json, CSV, plain text); XLSX and the like are zips. */
bool compress_type_compressible(const char *content_type);
/* The decision for one reply. route_pattern is NULL when no route matched (the console, 404s); content_encoding is
 * the Content-Encoding the reply already has (NULL: none). Pure. */
compress_decision compress_decide(const char *route_pattern, int status, const char *content_type,
                                  const char *content_encoding, size_t body_len, const char *accept_encoding);

/* A gzip stream fed piece by piece, so a reply sent in chunks can use it as well as a whole one. */
typedef struct gz_stream {
    z_stream z;
    bool ready;
} gz_stream;
int gz_stream_init(gz_stream *g, int level);      /* level 1-9; 0, or -1 out of memory */
void gz_stream_reset(gz_stream *g);                /* for the next reply: no new allocation */
void gz_stream_free(gz_stream *g);
/* Compresses all of in onto the end of out, leaving in as it was (a chunked sender drains it); finish closes the gzip member (its trailer). 0, or -1. */
int gz_stream_feed(gz_stream *g, struct evbuffer *in, struct evbuffer *out, bool finish);

/* Adds token to the reply's Vary header, as one header (clients often read only the first of several). */
void reply_vary_add(struct evkeyvalq *h, const char *token);

/* The hook in reply_send: decides, adds Vary and Content-Encoding, and replaces body's contents with their gzip
 * (kept as they were when gzip would not be smaller or fails). h are the reply's headers. */
void compress_reply(struct req_ctx *rc, struct evkeyvalq *h, int status, const char *content_type,
                    struct evbuffer *body);

#endif
