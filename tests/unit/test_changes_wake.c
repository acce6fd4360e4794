/* Unit tests for changes_may_concern (server/handlers/changes.c): which long polls a change's notification wakes.
 * It may wake too many (they read and wait again), never too few: a change its caller's scope shows always wakes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server/auth/identity.h"
#include "server/handlers/handlers.h"

static identity who(user_role role, const char *province, int32_t county, int64_t center)
{
    identity w;
    memset(&w, 0, sizeof(w));
    w.role = role;
    strcpy(w.province, province);
    w.county_id = county;
    w.center_id = center;
    return w;
}

static void test_national_roles_wake_for_everything(void **state)
{
    (void)state;
    identity a = who(ROLE_NATIONAL_ADMIN, "", 0, 0), v = who(ROLE_NATIONAL_VIEWER, "", 0, 0);
    assert_true(changes_may_concern(&a, "IR-07|120|5"));
    assert_true(changes_may_concern(&v, "IR-23|376|"));
    assert_true(changes_may_concern(&a, NULL));
}

static void test_scoped_roles_wake_for_their_place(void **state)
{
    (void)state;
    identity p = who(ROLE_PROVINCIAL_OFFICER, "IR-23", 0, 0), c = who(ROLE_COUNTY_OFFICER, "IR-23", 376, 0),
             n = who(ROLE_NGO_SUBMITTER, "IR-23", 376, 12);
    assert_true(changes_may_concern(&p, "IR-23|376|12"));
    assert_false(changes_may_concern(&p, "IR-07|120|5"));
    assert_true(changes_may_concern(&c, "IR-23|376|"));
    assert_false(changes_may_concern(&c, "IR-23|377|"));
    assert_false(changes_may_concern(&c, "IR-07|120|"));
    assert_true(changes_may_concern(&n, "IR-23|376|12"));
    assert_false(changes_may_concern(&n, "IR-23|376|13"));
    assert_false(changes_may_concern(&n, "IR-23|377|12"));
    /* a province's campaign (no county, no center) and a national one: possibly theirs */
    assert_true(changes_may_concern(&c, "IR-23"));
    assert_true(changes_may_concern(&n, "IR-23"));
    assert_false(changes_may_concern(&c, "IR-07"));
    assert_true(changes_may_concern(&c, ""));
    assert_true(changes_may_concern(&n, ""));
    /* missed notifications, or a payload it cannot read: wake */
    assert_true(changes_may_concern(&c, NULL));
    assert_true(changes_may_concern(&c, "IR-23-very-long-not-a-code|1|2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_national_roles_wake_for_everything),
        cmocka_unit_test(test_scoped_roles_wake_for_their_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
