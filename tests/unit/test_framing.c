/* Unit tests for server/http/framing.c: the request head checker, the head scanner, chunk-size lines and field
 * lines. Each rule is tested both ways: what it refuses and the nearest thing it accepts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "server/http/framing.h"

static const framing_limits lim = {16384, 6291456};

static framing_verdict check(const char *head)
{
    framing_verdict v;
    framing_check_head(head, strlen(head), &lim, &v);
    return v;
}

static void refused(const char *head, int status)
{
    framing_verdict v = check(head);
    if (v.status != status)
        fail_msg("%d instead of %d for: %s", v.status, status, head);
    assert_non_null(v.detail);
}

static void accepted(const char *head, framing_body body, uint64_t length)
{
    framing_verdict v = check(head);
    if (v.status)
        fail_msg("refused %d (%s): %s", v.status, v.detail, head);
    assert_int_equal(v.body, body);
    assert_int_equal(v.length, length);
}

#define POST "POST /api/v1/x HTTP/1.1\r\nHost: h\r\n"

static void test_plain_requests(void **state)
{
    (void)state;
    accepted("GET / HTTP/1.1\r\nHost: h\r\n\r\n", FRAMING_BODY_NONE, 0);
    accepted("GET /a/b?c=d&e=%20 HTTP/1.1\r\nhost:h\r\nX-Empty:\r\nAccept: */* \t\r\n\r\n", FRAMING_BODY_NONE, 0);
    accepted("GET /healthz HTTP/1.0\r\n\r\n", FRAMING_BODY_NONE, 0);
    accepted("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", FRAMING_BODY_NONE, 0);
    accepted("GET https://h/x HTTP/1.1\r\nHost: h\r\n\r\n", FRAMING_BODY_NONE, 0);
    accepted("GET http://reg.example-1.ir:8443 HTTP/1.1\r\nHost: h\r\n\r\n", FRAMING_BODY_NONE, 0);
    accepted("GET HTTP://h?x=1 HTTP/1.1\r\nHost: h\r\n\r\n", FRAMING_BODY_NONE, 0);
    accepted("DELETE /x HTTP/1.1\r\nHost: h\r\nX-Persian: \xd8\xb3\xd9\x84\xd8\xa7\xd9\x85\r\n\r\n", FRAMING_BODY_NONE, 0);
    framing_verdict v = check("PATCH /x HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_string_equal(v.method, "PATCH");
}

static void test_content_length(void **state)
{
    (void)state;
    accepted(POST "Content-Length: 2\r\n\r\n", FRAMING_BODY_LENGTH, 2);
    accepted(POST "Content-Length: 0\r\n\r\n", FRAMING_BODY_NONE, 0);
    accepted(POST "content-length:\t 0012 \r\n\r\n", FRAMING_BODY_LENGTH, 12);
    accepted(POST "Content-Length: 7\r\nX: y\r\nContent-Length: 7\r\n\r\n", FRAMING_BODY_LENGTH, 7);
    accepted(POST "Content-Length: 7\r\nContent-Length: 07\r\n\r\n", FRAMING_BODY_LENGTH, 7);
    refused(POST "Content-Length: 2\r\nContent-Length: 3\r\n\r\n", 400);
    refused(POST "Content-Length: +2\r\n\r\n", 400);
    refused(POST "Content-Length: -2\r\n\r\n", 400);
    refused(POST "Content-Length: 2 2\r\n\r\n", 400);
    refused(POST "Content-Length: 2,2\r\n\r\n", 400);
    refused(POST "Content-Length: 0x2\r\n\r\n", 400);
    refused(POST "Content-Length:\r\n\r\n", 400);
    refused(POST "Content-Length: 2\v\r\n\r\n", 400);
    refused(POST "Content-Length: 6291457\r\n\r\n", 413);
    accepted(POST "Content-Length: 6291456\r\n\r\n", FRAMING_BODY_LENGTH, 6291456);
    refused(POST "Content-Length: 99999999999999999999999999\r\n\r\n", 413);
    refused("HEAD / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n", 400);
    accepted("HEAD / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", FRAMING_BODY_NONE, 0);
    accepted("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n", FRAMING_BODY_LENGTH, 3);
}

static void test_transfer_encoding(void **state)
{
    (void)state;
    accepted(POST "Transfer-Encoding: chunked\r\n\r\n", FRAMING_BODY_CHUNKED, 0);
    accepted(POST "transfer-encoding:   CHUNKED  \r\n\r\n", FRAMING_BODY_CHUNKED, 0);
    refused(POST "Transfer-Encoding: gzip, chunked\r\n\r\n", 501);
    refused(POST "Transfer-Encoding: x-y;q=1, chunked\r\n\r\n", 501);
    refused(POST "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", 501);
    refused(POST "Transfer-Encoding: chunked, gzip\r\n\r\n", 400);
    refused(POST "Transfer-Encoding: gzip\r\n\r\n", 400);
    refused(POST "Transfer-Encoding: unknown\r\n\r\n", 400);
    refused(POST "Transfer-Encoding: chunked, chunked\r\n\r\n", 400);
    refused(POST "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
    refused(POST "Transfer-Encoding: chunked;a=b\r\n\r\n", 400);
    refused(POST "Transfer-Encoding:\r\n\r\n", 400);
    refused(POST "Transfer-Encoding: \"chunked\"\r\n\r\n", 400);
    /* evhttp reads these differently: a tab before the value, an empty first field, an empty element */
    refused(POST "Transfer-Encoding:\tchunked\r\n\r\n", 400);
    refused(POST "Transfer-Encoding: \r\nTransfer-Encoding: chunked\r\n\r\n", 400);
    refused(POST "Transfer-Encoding: ,chunked\r\n\r\n", 400);
    refused(POST "Transfer-Encoding: chunked,\r\n\r\n", 400);
    refused(POST "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400);
    refused(POST "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
    refused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
    refused("HEAD / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
}

static void test_field_syntax(void **state)
{
    (void)state;
    refused(POST "Transfer-Encoding : chunked\r\n\r\n", 400);
    refused(POST "Content-Length\t: 2\r\n\r\n", 400);
    refused(POST " Content-Length: 2\r\n\r\n", 400);
    refused(POST "X-A: a\r\n b\r\n\r\n", 400);         /* obs-fold */
    refused(POST "X-A: a\r\n\tb\r\n\r\n", 400);
    refused(POST "X-A: a\rb\r\n\r\n", 400);             /* bare CR */
    refused(POST "X-A: a\nb: c\r\n\r\n", 400);          /* bare LF */
    refused(POST "X-A\r\n\r\n", 400);                   /* no colon */
    refused(POST ": a\r\n\r\n", 400);                   /* no name */
    refused(POST "X(A): a\r\n\r\n", 400);
    refused(POST "X-A: a\x7f\r\n\r\n", 400);
    refused(POST "X-A: a\x01\r\n\r\n", 400);
    accepted(POST "X-A:a\t b\r\n\r\n", FRAMING_BODY_NONE, 0);
    /* NUL inside a line (strlen cannot build this one) */
    static const char nul[] = "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n";
    framing_verdict v;
    framing_check_head(nul, sizeof(nul) - 1, &lim, &v);
    assert_int_equal(v.status, 400);
    assert_int_equal(framing_check_field("X-A: a", 6), 0);
    assert_int_equal(framing_check_field("X-A : a", 7), -1);
    assert_int_equal(framing_check_field("X-A:\0", 5), -1);
}

static void test_request_line(void **state)
{
    (void)state;
    refused("TRACE / HTTP/1.1\r\nHost: h\r\n\r\n", 501);
    refused("CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n", 501);
    refused("BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n", 501);
    refused("get / HTTP/1.1\r\nHost: h\r\n\r\n", 501);
    refused("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505);
    refused("GET / HTTP/0.9\r\nHost: h\r\n\r\n", 505);
    refused("GET / HTTP/1.1x\r\nHost: h\r\n\r\n", 400);
    refused("GET / http/1.1\r\nHost: h\r\n\r\n", 400);
    refused("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    refused("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400);
    refused("GET /\tx HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    refused("GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    refused("GET /\xd8\xb3 HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    refused("GET x HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    refused("GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    refused("GET http:// HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    refused("GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    refused("GET http://[::1]/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    refused("GET http://h:/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    refused("GET http://h:123456/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    refused("GET http://:80/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    refused("GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    refused("G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    refused("GET / HTTP/1.1\nHost: h\r\n\r\n", 400);
    refused("\r\n", 400);
    refused("", 400);
    refused("GET / HTTP/1.1\r\nHost: h\r\n", 400);      /* no empty line */
}

static void test_host_and_expect(void **state)
{
    (void)state;
    refused("GET / HTTP/1.1\r\n\r\n", 400);
    refused("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400);
    refused("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400);
    accepted(POST "Expect: 100-Continue\r\nContent-Length: 2\r\n\r\n", FRAMING_BODY_LENGTH, 2);
    refused(POST "Expect: 200-ok\r\nContent-Length: 2\r\n\r\n", 417);
    refused(POST "Expect:\t100-continue\r\nContent-Length: 2\r\n\r\n", 417);
    /* "//x/metrics": evhttp would route "/metrics" where a proxy sees another path */
    refused("GET //x/metrics HTTP/1.1\r\nHost: a\r\n\r\n", 400);
    accepted("GET /a//b HTTP/1.1\r\nHost: a\r\n\r\n", FRAMING_BODY_NONE, 0);
}

static void test_sizes(void **state)
{
    (void)state;
    char big[40000];
    int n = snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: h\r\nX-Big: ");
    memset(big + n, 'a', 16400);
    strcpy(big + n + 16400, "\r\n\r\n");
    refused(big, 431);
    n = snprintf(big, sizeof(big), "GET /");
    memset(big + n, 'a', 16400);
    strcpy(big + n + 16400, " HTTP/1.1\r\nHost: h\r\n\r\n");
    refused(big, 414);
    char many[4000] = "GET / HTTP/1.1\r\nHost: h\r\n";
    for (int i = 0; i < 99; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "X-%d: v\r\n", i);
    strcat(many, "\r\n");
    accepted(many, FRAMING_BODY_NONE, 0);   /* 100 fields */
    many[strlen(many) - 2] = '\0';
    strcat(many, "X-Last: v\r\n\r\n");
    refused(many, 431);                     /* 101 */
}

static size_t feed_all(framing_scan *s, const char *p, size_t step)
{
    size_t n = strlen(p);
    for (size_t i = 0; i < n; i += step) {
        size_t end = framing_scan_feed(s, p + i, n - i < step ? n - i : step);
        if (end)
            return end;
    }
    return 0;
}

static void test_scan(void **state)
{
    (void)state;
    const char *req = "GET / HTTP/1.1\r\nHost: h\r\n\r\nBODY";
    for (size_t step = 1; step < 40; step++) {
        framing_scan s;
        framing_scan_init(&s);
        assert_int_equal(feed_all(&s, req, step), strlen(req) - 4);
        assert_int_equal(s.first_line, 16);
    }
    framing_scan s;
    framing_scan_init(&s);
    assert_int_equal(feed_all(&s, "GET / HTTP/1.1\r\nHost: h\r\n", 3), 0);
    framing_scan_init(&s);
    assert_int_equal(feed_all(&s, "GET / HTTP/1.1\nHost", 1), 15);     /* a bare LF ends the scan at once */
    framing_scan_init(&s);
    assert_int_equal(feed_all(&s, "GET / HTTP/1.1\r\nA: b\n", 2), 21);

    const char *detail;
    framing_limits small = {20, 100};
    framing_scan_init(&s);
    assert_int_equal(feed_all(&s, "GET /aaaaaaaaaaaaaaaaaaaaa", 4), 0);
    assert_int_equal(framing_scan_overflow(&s, &small, &detail), 414);
    framing_scan_init(&s);      /* a line of exactly the limit whose LF has not arrived: not too long yet */
    assert_int_equal(feed_all(&s, "GET /aaaaaaaaaaaaaaa\r", 21), 0);
    assert_int_equal(framing_scan_overflow(&s, &small, &detail), 0);
    framing_scan_init(&s);
    assert_int_equal(feed_all(&s, "GET / HTTP/1.1\r\nX: aaaaaaaaaaaaaaaaaaaaaa", 4), 0);
    assert_int_equal(framing_scan_overflow(&s, &small, &detail), 431);
    framing_scan_init(&s);
    assert_int_equal(feed_all(&s, "GET / HTTP/1.1\r\nX: a", 4), 0);
    assert_int_equal(framing_scan_overflow(&s, &small, &detail), 0);
}

static void chunk_ok(const char *line, uint64_t want)
{
    uint64_t size = 12345;
    if (framing_chunk_size(line, strlen(line), &size) != 0)
        fail_msg("refused: %s", line);
    assert_int_equal(size, want);
}

static void chunk_bad(const char *line)
{
    uint64_t size;
    if (framing_chunk_size(line, strlen(line), &size) == 0)
        fail_msg("accepted: %s", line);
}

static void test_chunk_size(void **state)
{
    (void)state;
    chunk_ok("0\r\n", 0);
    chunk_ok("1a\r\n", 26);
    chunk_ok("00FF\r\n", 255);
    chunk_ok("5;name\r\n", 5);
    chunk_ok("5 ; name = value ;x=\"a \\\" b\"\r\n", 5);
    chunk_ok("ffffffffffffffffffff\r\n", UINT64_MAX);      /* saturates: the caller answers 413 */
    chunk_bad("\r\n");
    chunk_bad("0x5\r\n");
    chunk_bad("+5\r\n");
    chunk_bad("-5\r\n");
    chunk_bad(" 5\r\n");
    chunk_bad("5 \r\n");
    chunk_bad("5\n");
    chunk_bad("5\r");
    chunk_bad("5;\r\n");
    chunk_bad("5;a=\r\n");
    chunk_bad("5;a=\"open\r\n");
    chunk_bad("5;a b\r\n");
    chunk_bad("5 x\r\n");
    chunk_bad("g\r\n");
    chunk_bad("5\r\r\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_requests), cmocka_unit_test(test_content_length),
        cmocka_unit_test(test_transfer_encoding), cmocka_unit_test(test_field_syntax),
        cmocka_unit_test(test_request_line), cmocka_unit_test(test_host_and_expect),
        cmocka_unit_test(test_sizes), cmocka_unit_test(test_scan),
        cmocka_unit_test(test_chunk_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
