/*
 * framing.h - HTTP/1.1 message framing, checked on the raw bytes before libevent's lenient parser sees them
 * (RFC 9112). Pure and allocation-free: the head checker, the chunk-size line and the field line. One reading of
 * where a request ends, shared with any proxy in front: whatever two readings could differ on is refused.
 */
#ifndef REGISTRY_FRAMING_H
#define REGISTRY_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAMING_MAX_FIELDS 100          /* header fields in one request */
#define FRAMING_MAX_CHUNK_LINE 4096     /* a chunk-size line with its extensions */

typedef enum framing_body {
    FRAMING_BODY_NONE,
    FRAMING_BODY_LENGTH,                /* Content-Length: length bytes */
    FRAMING_BODY_CHUNKED,               /* Transfer-Encoding: chunked */
} framing_body;

typedef struct framing_limits {
    size_t max_header_bytes;            /* the header section (after the request line), and the request line */
    uint64_t max_body_bytes;
} framing_limits;

typedef struct framing_verdict {
    int status;                         /* 0: acceptable; else 400, 413, 414, 417, 431, 501 or 505 */
    const char *detail;                 /* why, for the problem's detail (static text) */
    framing_body body;
    uint64_t length;                    /* FRAMING_BODY_LENGTH */
    char method[16];                    /* the method when it is a token of up to 15 characters, else "" */
} framing_verdict;

/* Finding the end of a head in bytes that arrive in pieces: feed each new piece in order. Returns the head's
 * length (through the LF that ends it) once its end is seen, else 0. A bare LF (no CR before it) also ends the
 * head, so framing_check_head can refuse it at once instead of waiting for more. */
typedef struct framing_scan {
    size_t scanned;                     /* bytes fed so far */
    size_t first_line;                  /* length of the request line with its LF, 0 until seen */
    size_t line_start;                  /* where the line being fed began */
    unsigned char prev;                 /* the last byte fed */
} framing_scan;

void framing_scan_init(framing_scan *s);
size_t framing_scan_feed(framing_scan *s, const char *p, size_t n);
/* While the end is not seen: the status to refuse with because the head is already too long (414 for the request
 * line, 431 for the header section), else 0. */
int framing_scan_overflow(const framing_scan *s, const framing_limits *lim, const char **detail);

/* Checks a complete head (request line, fields, empty line; len bytes, as framing_scan_feed measured it). */
void framing_check_head(const char *head, size_t len, const framing_limits *lim, framing_verdict *v);

/* A chunk-size line, len bytes through its CRLF: 0 and the size (saturated at UINT64_MAX), or -1 if malformed.
 * Extensions are checked for syntax and ignored. */
int framing_chunk_size(const char *line, size_t len, uint64_t *size);

/* One field line (name ":" OWS value OWS), len bytes without its CRLF: 0 if well-formed, -1 if not. */
int framing_check_field(const char *line, size_t len);

#endif
