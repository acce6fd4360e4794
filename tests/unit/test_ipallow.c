/* Unit tests for common/ipallow.c: address lists for /metrics (parsing, CIDR matching, IPv4-mapped peers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "common/ipallow.h"

static bool match(const ipallow *a, const char *ip)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1)
        v4->sin_family = AF_INET;
    else {
        assert_int_equal(inet_pton(AF_INET6, ip, &v6->sin6_addr), 1);
        v6->sin6_family = AF_INET6;
    }
    return ipallow_match(a, (struct sockaddr *)&ss);
}

static void test_default_loopback(void **state)
{
    (void)state;
    ipallow a;
    char err[160];
    assert_int_equal(ipallow_parse(&a, "127.0.0.0/8, ::1", err, sizeof(err)), 0);
    assert_int_equal(a.n, 2);
    assert_true(match(&a, "127.0.0.1"));
    assert_true(match(&a, "127.255.1.2"));
    assert_true(match(&a, "::1"));
    assert_true(match(&a, "::ffff:127.0.0.1"));      /* a dual-stack listener's view of IPv4 loopback */
    assert_false(match(&a, "128.0.0.1"));
    assert_false(match(&a, "10.0.0.1"));
    assert_false(match(&a, "::2"));
    assert_false(match(&a, "::ffff:10.0.0.1"));
    assert_false(ipallow_match(&a, NULL));
}

static void test_networks(void **state)
{
    (void)state;
    ipallow a;
    char err[160];
    assert_int_equal(ipallow_parse(&a, "10.1.2.3,192.168.0.0/23,2001:db8::/32,0.0.0.0/0", err, sizeof(err)), 0);
    assert_true(match(&a, "192.168.1.255"));
    assert_true(match(&a, "2001:db8:ffff::1"));
    assert_false(match(&a, "2001:db9::1"));
    assert_true(match(&a, "8.8.8.8"));                /* 0.0.0.0/0: every IPv4 address */
    assert_int_equal(ipallow_parse(&a, "10.1.2.3, 192.168.0.77/23", err, sizeof(err)), 0);
    assert_true(match(&a, "10.1.2.3"));
    assert_false(match(&a, "10.1.2.4"));
    assert_true(match(&a, "192.168.1.1"));            /* host bits of the network are ignored */
    assert_false(match(&a, "192.168.2.1"));
    /* an entry written IPv4-mapped matches as IPv4, as peers are matched */
    assert_int_equal(ipallow_parse(&a, "::ffff:10.0.0.0/104", err, sizeof(err)), 0);
    assert_true(match(&a, "10.200.0.1"));
    assert_true(match(&a, "::ffff:10.200.0.1"));
    assert_false(match(&a, "11.0.0.1"));
    assert_int_equal(ipallow_parse(&a, "::ffff:0.0.0.0/95", err, sizeof(err)), -1);
}

static void test_empty_and_errors(void **state)
{
    (void)state;
    ipallow a;
    char err[160];
    assert_int_equal(ipallow_parse(&a, "", err, sizeof(err)), 0);
    assert_int_equal(a.n, 0);
    assert_false(match(&a, "127.0.0.1"));
    assert_int_equal(ipallow_parse(&a, "none", err, sizeof(err)), 0);
    assert_int_equal(a.n, 0);
    const char *bad[] = {"localhost", "127.0.0.0/33", "::1/129", "10.0.0.1/", "10.0.0.1/-1", "10.0.0.1/8x",
                         "1.2.3.4,", ",1.2.3.4", "1.2.3", "1.2.3.4 5.6.7.8", "fe80::1%eth0"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        if (ipallow_parse(&a, bad[i], err, sizeof(err)) != -1)
            fail_msg("accepted: %s", bad[i]);
        assert_non_null(strstr(err, "not an IP address"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_loopback),
        cmocka_unit_test(test_networks),
        cmocka_unit_test(test_empty_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
