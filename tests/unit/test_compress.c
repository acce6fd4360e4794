/* test_compress.c - gzip of dynamic replies (server/http/compress.c): what is compressed and what never is (the
 * sign-in's token, tiny replies, what is already encoded, binary types, 204/304, the console), and that the stream
 * gives back the same bytes however the body is split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <zlib.h>

#include "server/http/compress.h"

#define BIG 5000

static void test_the_decision(void **state)
{
    (void)state;
    const char *json = "application/json";
    assert_int_equal(compress_decide("/api/v1/clients", 200, json, NULL, BIG, "gzip, deflate, br"), COMPRESS_GZIP);
    assert_int_equal(compress_decide("/api/v1/clients", 200, "text/csv; charset=utf-8", NULL, BIG, "gzip"),
                     COMPRESS_GZIP);
    assert_int_equal(compress_decide("/api/v1/clients", 422, "application/problem+json", NULL, BIG, "gzip"),
                     COMPRESS_GZIP);
    assert_int_equal(compress_decide("/metrics", 200, "text/plain; version=0.0.4", NULL, BIG, "*"), COMPRESS_GZIP);
    /* could be compressed (Vary), but not this time */
    assert_int_equal(compress_decide("/api/v1/clients", 200, json, NULL, COMPRESS_MIN_BYTES - 1, "gzip"),
                     COMPRESS_VARY);
    assert_int_equal(compress_decide("/api/v1/clients", 200, json, NULL, BIG, NULL), COMPRESS_VARY);
    assert_int_equal(compress_decide("/api/v1/clients", 200, json, NULL, BIG, "br"), COMPRESS_VARY);
    assert_int_equal(compress_decide("/api/v1/clients", 200, json, NULL, BIG, "gzip;q=0, identity"), COMPRESS_VARY);
    /* never */
    assert_int_equal(compress_decide("/api/v1/auth/login", 200, json, NULL, BIG, "gzip"), COMPRESS_NEVER);
    assert_int_equal(compress_decide("/api/v1/auth/me", 200, json, NULL, BIG, "gzip"), COMPRESS_NEVER);
    assert_int_equal(compress_decide(NULL, 200, "text/javascript", NULL, BIG, "gzip"), COMPRESS_NEVER);
    assert_int_equal(compress_decide("/api/v1/clients", 200, json, "br", BIG, "gzip"), COMPRESS_NEVER);
    assert_int_equal(compress_decide("/api/v1/clients", 200,
                                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", NULL, BIG,
                                     "gzip"), COMPRESS_NEVER);
    assert_int_equal(compress_decide("/api/v1/clients", 204, NULL, NULL, 0, "gzip"), COMPRESS_NEVER);
    assert_int_equal(compress_decide("/api/v1/clients/{id}", 304, json, NULL, BIG, "gzip"), COMPRESS_NEVER);
    assert_false(compress_type_compressible("application/jsonx"));
    assert_true(compress_type_compressible("Application/JSON"));
    assert_true(compress_route_secret("/api/v1/auth/login"));
    assert_false(compress_route_secret("/api/v1/users"));
}

/* gunzips src into dst (cap bytes); the length, or -1 */
static long gunzip(const unsigned char *src, size_t n, unsigned char *dst, size_t cap)
{
    z_stream z = {0};
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)src;
    z.avail_in = (uInt)n;
    z.next_out = dst;
    z.avail_out = (uInt)cap;
    int r = inflate(&z, Z_FINISH);
    long out = r == Z_STREAM_END ? (long)z.total_out : -1;
    inflateEnd(&z);
    return out;
}

static void test_the_stream_round_trips_in_pieces(void **state)
{
    (void)state;
    static char text[60000];
    size_t n = 0;
    for (int i = 0; n + 100 < sizeof(text); i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "{\"id\":%d,\"first_name\":\"Name %d\",\"county_id\":%d},",
                              i, i * 7919 % 1000, i % 31);
    gz_stream g;
    assert_int_equal(gz_stream_init(&g, 1), 0);
    for (int round = 0; round < 2; round++) {      /* the second after a reset, as the next reply would */
        if (round)
            gz_stream_reset(&g);
        struct evbuffer *in = evbuffer_new(), *out = evbuffer_new();
        /* many pieces, as a body made of references is */
        for (size_t off = 0; off < n; off += 997)
            evbuffer_add_reference(in, text + off, off + 997 < n ? 997 : n - off, NULL, NULL);
        assert_int_equal(gz_stream_feed(&g, in, out, true), 0);
        assert_int_equal(evbuffer_get_length(in), n);      /* left as it was */
        size_t zn = evbuffer_get_length(out);
        assert_true(zn < n / 4);
        unsigned char *z = evbuffer_pullup(out, -1);
        static unsigned char back[sizeof(text)];
        assert_int_equal(gunzip(z, zn, back, sizeof(back)), (long)n);
        assert_memory_equal(back, text, n);
        evbuffer_free(in);
        evbuffer_free(out);
    }
    /* fed in two calls, finished by the second: one gzip member of both */
    gz_stream_reset(&g);
    struct evbuffer *a = evbuffer_new(), *b = evbuffer_new(), *out = evbuffer_new();
    evbuffer_add(a, text, 1000);
    evbuffer_add(b, text + 1000, n - 1000);
    assert_int_equal(gz_stream_feed(&g, a, out, false), 0);
    assert_int_equal(gz_stream_feed(&g, b, out, true), 0);
    static unsigned char back[sizeof(text)];
    assert_int_equal(gunzip(evbuffer_pullup(out, -1), evbuffer_get_length(out), back, sizeof(back)), (long)n);
    assert_memory_equal(back, text, n);
    evbuffer_free(a);
    evbuffer_free(b);
    evbuffer_free(out);
    gz_stream_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_decision),
        cmocka_unit_test(test_the_stream_round_trips_in_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
