/* Unit tests for server/auth/identity.c: the server's own half of "access control twice" (the contract's table of
 * roles as a matrix, the scope check made before a request reaches PostgreSQL and again on what comes back, and who
 * may manage which users). Row-level security enforces the same rules independently; these pin the C side. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "server/auth/identity.h"

static identity who_is(user_role role, const char *province, int32_t county, int64_t center)
{
    identity w;
    memset(&w, 0, sizeof(w));
    w.role = role;
    snprintf(w.province, sizeof(w.province), "%s", province ? province : "");
    w.county_id = county;
    w.center_id = center;
    return w;
}

static void test_role_names_round_trip(void **state)
{
    (void)state;
    for (user_role r = ROLE_NATIONAL_ADMIN; r <= ROLE_NGO_SUBMITTER; r++) {
        assert_true(role_name(r)[0] != '\0');
        assert_int_equal(role_parse(role_name(r)), r);
    }
    assert_int_equal(role_parse("system"), ROLE_NONE);    /* the database's own scope is never a user's role */
    assert_int_equal(role_parse("National_Admin"), ROLE_NONE);
    assert_int_equal(role_parse(""), ROLE_NONE);
    assert_int_equal(role_parse(NULL), ROLE_NONE);
    assert_string_equal(role_name(ROLE_NONE), "");
    assert_string_equal(role_name((user_role)42), "");
}

/* The contract's "Who may do what", written out: a row per role, a column per permission. */
static void test_role_may_is_the_contracts_table(void **state)
{
    (void)state;
    static const permission perms[] = {PERM_PUBLIC, PERM_ANY,    PERM_READ,  PERM_WRITE,
                                       PERM_SUBMIT, PERM_REVIEW, PERM_USERS, PERM_AUDIT};
    static const struct {
        user_role role;
        bool may[8];    /* in the order of perms */
    } table[] = {
        {ROLE_NONE, {true, false, false, false, false, false, false, false}},
        {ROLE_NATIONAL_ADMIN, {true, true, true, true, true, true, true, true}},
        {ROLE_NATIONAL_VIEWER, {true, true, true, false, false, false, true, true}},   /* reads users, audit */
        {ROLE_PROVINCIAL_ADMIN, {true, true, true, true, true, true, true, true}},
        {ROLE_PROVINCIAL_OFFICER, {true, true, true, true, true, true, false, false}},
        {ROLE_COUNTY_OFFICER, {true, true, true, true, true, true, false, false}},
        {ROLE_NGO_SUBMITTER, {true, true, true, false, true, false, false, false}},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        for (size_t j = 0; j < sizeof(perms) / sizeof(perms[0]); j++) {
            if (role_may(table[i].role, perms[j]) != table[i].may[j])
                fail_msg("role %s, permission %d: expected %s", role_name(table[i].role), (int)perms[j],
                         table[i].may[j] ? "allowed" : "refused");
        }
}

/* Users' routes let national_viewer in to read; only the admins may create or change an account. */
static void test_only_admins_manage_users(void **state)
{
    (void)state;
    assert_true(role_may_manage_users(ROLE_NATIONAL_ADMIN));
    assert_true(role_may_manage_users(ROLE_PROVINCIAL_ADMIN));
    for (user_role r = ROLE_NONE; r <= ROLE_NGO_SUBMITTER; r++)
        if (r != ROLE_NATIONAL_ADMIN && r != ROLE_PROVINCIAL_ADMIN)
            assert_false(role_may_manage_users(r));
    identity viewer = {.role = ROLE_NATIONAL_VIEWER};
    assert_false(may_manage_user(&viewer, ROLE_NGO_SUBMITTER, "IR-08"));
}

static void test_scope_levels(void **state)
{
    (void)state;
    assert_int_equal(role_level(ROLE_NATIONAL_ADMIN), 0);
    assert_int_equal(role_level(ROLE_NATIONAL_VIEWER), 0);
    assert_int_equal(role_level(ROLE_PROVINCIAL_ADMIN), 1);
    assert_int_equal(role_level(ROLE_PROVINCIAL_OFFICER), 1);
    assert_int_equal(role_level(ROLE_COUNTY_OFFICER), 2);
    assert_int_equal(role_level(ROLE_NGO_SUBMITTER), 3);
    assert_true(role_level(ROLE_NONE) > 3);
}

static void test_scope_allows(void **state)
{
    (void)state;
    identity nation = who_is(ROLE_NATIONAL_VIEWER, NULL, 0, 0);
    assert_true(scope_allows(&nation, "IR-07", 12, 5));
    assert_true(scope_allows(&nation, NULL, 0, 0));

    identity tehran = who_is(ROLE_PROVINCIAL_OFFICER, "IR-23", 0, 0);
    assert_true(scope_allows(&tehran, "IR-23", 376, 0));
    assert_false(scope_allows(&tehran, "IR-07", 376, 0));
    assert_false(scope_allows(&tehran, "IR-2", 0, 0));        /* a prefix is not the province */
    assert_false(scope_allows(&tehran, "IR-230", 0, 0));
    assert_false(scope_allows(&tehran, NULL, 376, 0));        /* a record without a province is nobody's */
    identity no_province = who_is(ROLE_PROVINCIAL_ADMIN, "", 0, 0);
    assert_false(scope_allows(&no_province, "", 0, 0));       /* a broken identity sees nothing */

    identity county = who_is(ROLE_COUNTY_OFFICER, "IR-23", 376, 0);
    assert_true(scope_allows(&county, "IR-23", 376, 9));
    assert_false(scope_allows(&county, "IR-23", 377, 9));     /* its province's other counties: no */
    assert_false(scope_allows(&county, "IR-23", 0, 0));       /* a province-level record: no */
    identity county0 = who_is(ROLE_COUNTY_OFFICER, "IR-23", 0, 0);
    assert_false(scope_allows(&county0, "IR-23", 0, 0));      /* 0 is "not set", never a match */

    identity ngo = who_is(ROLE_NGO_SUBMITTER, "IR-23", 376, 9);
    assert_true(scope_allows(&ngo, "IR-23", 376, 9));
    assert_false(scope_allows(&ngo, "IR-23", 376, 10));       /* another center of its county: no */
    assert_false(scope_allows(&ngo, "IR-23", 376, 0));        /* the county itself: no */
    identity ngo0 = who_is(ROLE_NGO_SUBMITTER, "IR-23", 376, 0);
    assert_false(scope_allows(&ngo0, "IR-23", 376, 0));

    identity nobody = who_is(ROLE_NONE, NULL, 0, 0);
    assert_false(scope_allows(&nobody, "IR-23", 376, 9));
}

static void test_may_manage_user(void **state)
{
    (void)state;
    identity na = who_is(ROLE_NATIONAL_ADMIN, NULL, 0, 0);
    for (user_role r = ROLE_NATIONAL_ADMIN; r <= ROLE_NGO_SUBMITTER; r++)
        assert_true(may_manage_user(&na, r, r == ROLE_NATIONAL_ADMIN || r == ROLE_NATIONAL_VIEWER ? NULL : "IR-07"));
    assert_false(may_manage_user(&na, ROLE_NONE, NULL));

    identity pa = who_is(ROLE_PROVINCIAL_ADMIN, "IR-23", 0, 0);
    assert_true(may_manage_user(&pa, ROLE_PROVINCIAL_OFFICER, "IR-23"));
    assert_true(may_manage_user(&pa, ROLE_COUNTY_OFFICER, "IR-23"));
    assert_true(may_manage_user(&pa, ROLE_NGO_SUBMITTER, "IR-23"));
    assert_false(may_manage_user(&pa, ROLE_PROVINCIAL_ADMIN, "IR-23"));   /* never its own level or above */
    assert_false(may_manage_user(&pa, ROLE_NATIONAL_VIEWER, NULL));
    assert_false(may_manage_user(&pa, ROLE_NATIONAL_ADMIN, NULL));
    assert_false(may_manage_user(&pa, ROLE_COUNTY_OFFICER, "IR-07"));     /* never outside its province */
    assert_false(may_manage_user(&pa, ROLE_COUNTY_OFFICER, NULL));

    for (user_role r = ROLE_NATIONAL_VIEWER; r <= ROLE_NGO_SUBMITTER; r++) {
        if (r == ROLE_PROVINCIAL_ADMIN)
            continue;
        identity w = who_is(r, "IR-23", 376, 9);
        assert_false(may_manage_user(&w, ROLE_NGO_SUBMITTER, "IR-23"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_role_names_round_trip),
        cmocka_unit_test(test_role_may_is_the_contracts_table),
        cmocka_unit_test(test_only_admins_manage_users),
        cmocka_unit_test(test_scope_levels),
        cmocka_unit_test(test_scope_allows),
        cmocka_unit_test(test_may_manage_user),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
