/* Unit tests for server/auth/login_inflight.c: places per key up to a cap, all or nothing, given back on release,
 * keys cut on a UTF-8 boundary, and a full table refusing rather than failing open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "server/auth/login_inflight.h"

static void test_cap_per_key_and_all_or_nothing(void **state)
{
    (void)state;
    const char *keys[] = {"a:10.0.0.1", "u:mina"};
    const int caps[] = {3, 2};
    login_hold h[4];
    assert_true(login_inflight_acquire(&h[0], keys, caps, 2));
    assert_true(login_inflight_acquire(&h[1], keys, caps, 2));
    /* the username is full: nothing is taken, not even the address's third place */
    assert_false(login_inflight_acquire(&h[2], keys, caps, 2));
    assert_int_equal(login_inflight_count("a:10.0.0.1"), 2);
    assert_int_equal(login_inflight_count("u:mina"), 2);
    /* another user from the same address takes the address's last place */
    const char *other[] = {"a:10.0.0.1", "u:reza"};
    assert_true(login_inflight_acquire(&h[2], other, caps, 2));
    assert_false(login_inflight_acquire(&h[3], other, caps, 2));
    login_inflight_release(&h[0]);
    assert_int_equal(login_inflight_count("u:mina"), 1);
    assert_true(login_inflight_acquire(&h[0], keys, caps, 2));
    for (int i = 0; i < 3; i++)
        login_inflight_release(&h[i]);
    assert_int_equal(login_inflight_count("a:10.0.0.1"), 0);
    assert_int_equal(login_inflight_count("u:mina"), 0);
    assert_int_equal(login_inflight_count("u:reza"), 0);
    /* a NULL key is skipped */
    const char *one[] = {NULL, "u:solo"};
    const int cap1[] = {1, 1};
    assert_true(login_inflight_acquire(&h[0], one, cap1, 2));
    assert_false(login_inflight_acquire(&h[1], one, cap1, 2));
    login_inflight_release(&h[0]);
}

static void test_long_keys_are_cut_on_a_character_boundary(void **state)
{
    (void)state;
    char a[1200], b[1200];
    strcpy(a, "u:");
    for (int i = 0; i < 200; i++)
        strcat(a, "پ");     /* 2 bytes each: 402 bytes */
    strcpy(b, a);
    strcat(b, "x");         /* differs only beyond the cut: the same key */
    const char *ka[] = {a}, *kb[] = {b};
    const int cap[] = {1};
    login_hold h1, h2;
    assert_true(login_inflight_acquire(&h1, ka, cap, 1));
    assert_false(login_inflight_acquire(&h2, kb, cap, 1));
    assert_int_equal(login_inflight_count(b), 1);
    login_inflight_release(&h1);
}

static void test_full_table_refuses(void **state)
{
    (void)state;
    static login_hold h[1100];
    int taken = 0;
    char key[32];
    const int cap[] = {5};
    for (int i = 0; i < 1100; i++) {
        snprintf(key, sizeof key, "a:10.1.%d.%d", i / 256, i % 256);
        const char *k[] = {key};
        if (login_inflight_acquire(&h[i], k, cap, 1))
            taken++;
        else
            h[i].n = 0;
    }
    assert_true(taken >= 1000 && taken < 1100);
    for (int i = 0; i < 1100; i++)
        login_inflight_release(&h[i]);
    /* and everything is usable again */
    const char *k[] = {"a:10.9.9.9"};
    assert_true(login_inflight_acquire(&h[0], k, cap, 1));
    login_inflight_release(&h[0]);
}

/* IPv6 by its /64 (as the database's auth_address_key), IPv4-mapped as IPv4, IPv4 and the rest as they are */
static void test_address_keys(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"}, {"2001:DB8:1:2::ffff", "2001:db8:1:2::/64"},
        {"::ffff:10.1.2.3", "10.1.2.3"},                {"10.1.2.3", "10.1.2.3"},
        {"::1", "::/64"},                                {"fe80::1:2:3:4", "fe80::/64"},
        {"not an address", "not an address"},            {":::", ":::"},
        {"", ""},
    };
    char out[LOGIN_ADDRESS_KEY_MAX];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        login_address_key(cases[i][0], out);
        assert_string_equal(out, cases[i][1]);
    }
    char longer[200];
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    login_address_key(longer, out);
    assert_int_equal(strlen(out), LOGIN_ADDRESS_KEY_MAX - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cap_per_key_and_all_or_nothing),
        cmocka_unit_test(test_long_keys_are_cut_on_a_character_boundary),
        cmocka_unit_test(test_full_table_refuses),
        cmocka_unit_test(test_address_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
