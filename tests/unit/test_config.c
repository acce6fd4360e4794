/* test_config.c - the configuration's checks that are more than a number range: listen addresses, the console's
 * public origin (a value that can never equal a browser's Origin header must stop the program, not refuse every
 * console write later), and a bad value from the environment named in the error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "common/config.h"

static void test_public_origin_is_an_origin_a_browser_sends(void **state)
{
    (void)state;
    assert_true(config_origin_valid("https://registry.example.org"));
    assert_true(config_origin_valid("https://registry.example.org:8443"));
    assert_true(config_origin_valid("https://127.0.0.1:8443"));
    assert_true(config_origin_valid("https://[::1]:8443"));
    assert_true(config_origin_valid("https://localhost"));
    assert_false(config_origin_valid("http://registry.example.org"));       /* the console is HTTPS only */
    assert_false(config_origin_valid("https://registry.example.org/"));     /* an Origin has no path */
    assert_false(config_origin_valid("https://registry.example.org:443"));  /* browsers omit the default port */
    assert_false(config_origin_valid("https://registry.example.org:"));
    assert_false(config_origin_valid("https://:8443"));
    assert_false(config_origin_valid("https://"));
    assert_false(config_origin_valid("https://["));
    assert_false(config_origin_valid("https://[]:8443"));
    assert_false(config_origin_valid("https://host:65536"));
    assert_false(config_origin_valid("https://host:08443"));
    assert_false(config_origin_valid("https://user@host"));
    assert_false(config_origin_valid("https://host name"));
}

static void test_a_bad_public_origin_stops_the_start(void **state)
{
    (void)state;
    registry_config c;
    char err[256];
    setenv("REGISTRY_PUBLIC_ORIGIN", "https://registry.example.org:443", 1);
    assert_int_equal(config_load(&c, NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "public_origin"));
    config_free(&c);
    setenv("REGISTRY_PUBLIC_ORIGIN", "https://registry.example.org", 1);
    setenv("REGISTRY_CONSOLE_IDLE_TIMEOUT", "59", 1);       /* below the one-minute floor */
    assert_int_equal(config_load(&c, NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "REGISTRY_CONSOLE_IDLE_TIMEOUT"));
    config_free(&c);
    setenv("REGISTRY_CONSOLE_IDLE_TIMEOUT", "900", 1);
    assert_int_equal(config_load(&c, NULL, err, sizeof(err)), 0);
    assert_int_equal(c.console_idle_timeout_s, 900);
    assert_string_equal(c.public_origin, "https://registry.example.org");
    config_free(&c);
    unsetenv("REGISTRY_PUBLIC_ORIGIN");
    unsetenv("REGISTRY_CONSOLE_IDLE_TIMEOUT");
    assert_int_equal(config_load(&c, NULL, err, sizeof(err)), 0);
    assert_int_equal(c.console_idle_timeout_s, 1800);
    assert_null(c.public_origin);
    config_free(&c);
}

static bool peer_allowed(const registry_config *c, const char *addr)
{
    struct sockaddr_in v4 = {.sin_family = AF_INET};
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
    if (inet_pton(AF_INET, addr, &v4.sin_addr) == 1)
        return ipallow_match(&c->metrics_allow_list, (struct sockaddr *)&v4);
    assert_int_equal(inet_pton(AF_INET6, addr, &v6.sin6_addr), 1);
    return ipallow_match(&c->metrics_allow_list, (struct sockaddr *)&v6);
}

/* With nothing configured, /metrics answers loopback only (meta.c's metrics_allowed), and no token opens it. */
static void test_metrics_are_loopback_only_by_default(void **state)
{
    (void)state;
    unsetenv("REGISTRY_METRICS_ALLOW");
    unsetenv("REGISTRY_METRICS_TOKEN");
    registry_config c;
    char err[256];
    assert_int_equal(config_load(&c, NULL, err, sizeof(err)), 0);
    assert_true(peer_allowed(&c, "127.0.0.1"));
    assert_true(peer_allowed(&c, "127.8.9.10"));
    assert_true(peer_allowed(&c, "::1"));
    assert_false(peer_allowed(&c, "10.0.0.1"));
    assert_false(peer_allowed(&c, "192.0.2.7"));
    assert_false(peer_allowed(&c, "2001:db8::1"));
    assert_false(peer_allowed(&c, "::"));
    assert_true(peer_allowed(&c, "::ffff:127.0.0.1"));     /* a dual-stack listener sees IPv4 peers mapped */
    assert_false(peer_allowed(&c, "::ffff:10.0.0.1"));
    assert_null(c.metrics_token);
    config_free(&c);
}

/* The language of problem replies to a request without Accept-Language: English unless the deployment says fa. */
static void test_default_language_is_en_or_fa(void **state)
{
    (void)state;
    registry_config c;
    char err[256];
    assert_int_equal(config_load(&c, NULL, err, sizeof(err)), 0);
    assert_string_equal(c.default_language, "en");
    assert_false(c.default_language_fa);
    config_free(&c);
    setenv("REGISTRY_DEFAULT_LANGUAGE", "fa", 1);
    assert_int_equal(config_load(&c, NULL, err, sizeof(err)), 0);
    assert_true(c.default_language_fa);
    config_free(&c);
    setenv("REGISTRY_DEFAULT_LANGUAGE", "fa-IR", 1);        /* a tag, not one of the two the server speaks */
    assert_int_equal(config_load(&c, NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "default_language"));
    config_free(&c);
    unsetenv("REGISTRY_DEFAULT_LANGUAGE");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_public_origin_is_an_origin_a_browser_sends),
        cmocka_unit_test(test_a_bad_public_origin_stops_the_start),
        cmocka_unit_test(test_metrics_are_loopback_only_by_default),
        cmocka_unit_test(test_default_language_is_en_or_fa),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
