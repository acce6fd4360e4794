/* Unit tests for server/http/problem_map.c: the one table from a failed statement's SQLSTATE to the client's
 * problem response, its contexts and its fallbacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server/http/problem_map.h"

static void test_registry_codes_answer_as_the_request_core_does(void **state)
{
    (void)state;
    const sqlstate_problem *p = sqlstate_problem_find("RA401", DB_CONTEXT_REQUEST);
    assert_int_equal(p->status, 401);
    assert_int_equal(p->action, PROBLEM_SESSION_ENDED);
    p = sqlstate_problem_find("RA404", DB_CONTEXT_REQUEST);
    assert_int_equal(p->status, 404);
    assert_string_equal(p->detail, "No such record (or it is outside your scope).");
    p = sqlstate_problem_find("RA422", DB_CONTEXT_REQUEST);
    assert_int_equal(p->status, 422);
    assert_int_equal(p->action, PROBLEM_RULE_FIELD);
    p = sqlstate_problem_find("23505", DB_CONTEXT_REQUEST);
    assert_int_equal(p->status, 409);
    assert_int_equal(p->action, PROBLEM_UNIQUE);
    assert_null(p->detail);
}

static void test_row_level_security_is_403_for_a_request_and_409_for_an_approval(void **state)
{
    (void)state;
    const sqlstate_problem *req = sqlstate_problem_find("42501", DB_CONTEXT_REQUEST);
    const sqlstate_problem *appr = sqlstate_problem_find("42501", DB_CONTEXT_APPROVAL);
    assert_int_equal(req->status, 403);
    assert_string_equal(problem_slug(req->status), "forbidden");
    assert_int_equal(appr->status, 409);
    assert_string_equal(problem_slug(appr->status), "conflict");
    assert_non_null(strstr(appr->detail, "nothing was applied"));
    /* what changed since an approval's records were checked is a conflict too, not the request core's 404/422 */
    assert_int_equal(sqlstate_problem_find("RA404", DB_CONTEXT_APPROVAL)->status, 409);
    assert_int_equal(sqlstate_problem_find("RA422", DB_CONTEXT_APPROVAL)->status, 409);
    assert_int_equal(sqlstate_problem_find("23505", DB_CONTEXT_APPROVAL)->action, PROBLEM_PLAIN);
}

static void test_a_context_without_its_own_row_falls_back_to_the_request_core(void **state)
{
    (void)state;
    assert_ptr_equal(sqlstate_problem_find("RA401", DB_CONTEXT_APPROVAL),
                     sqlstate_problem_find("RA401", DB_CONTEXT_REQUEST));
    assert_ptr_equal(sqlstate_problem_find("40001", DB_CONTEXT_APPROVAL),
                     sqlstate_problem_find("40001", DB_CONTEXT_REQUEST));
}

static void test_classes_match_every_code_of_the_class_and_nothing_else(void **state)
{
    (void)state;
    assert_int_equal(sqlstate_problem_find("08006", DB_CONTEXT_REQUEST)->status, 503);
    assert_int_equal(sqlstate_problem_find("08P01", DB_CONTEXT_REQUEST)->status, 503);
    assert_int_equal(sqlstate_problem_find("80800", DB_CONTEXT_REQUEST)->status, 500);
    assert_int_equal(sqlstate_problem_find("40001", DB_CONTEXT_REQUEST)->status, 503);
    assert_int_equal(sqlstate_problem_find("23514", DB_CONTEXT_REQUEST)->status, 422);
}

static void test_anything_unlisted_is_a_500_that_says_nothing_of_the_database(void **state)
{
    (void)state;
    static const char *const unlisted[] = {"XX000", "42P01", "42883", "", "2350", "RA40"};
    for (size_t i = 0; i < sizeof(unlisted) / sizeof(unlisted[0]); i++)
        for (int c = 0; c < DB_CONTEXT_COUNT; c++) {
            const sqlstate_problem *p = sqlstate_problem_find(unlisted[i], (db_context)c);
            assert_int_equal(p->status, 500);
            assert_string_equal(problem_slug(p->status), "internal");
            assert_null(strstr(p->detail, "SQL"));
        }
}

static void test_every_row_is_reachable_and_answers_in_english_with_a_type_of_its_own(void **state)
{
    (void)state;
    for (int i = 0; i < sqlstate_problems_count; i++) {
        const sqlstate_problem *p = &sqlstate_problems[i];
        size_t len = strlen(p->sqlstate);
        if (i < sqlstate_problems_count - 1) {
            assert_true(len == 5 || len == 2);
            /* an earlier row of the same context and code (or class) would hide this one */
            assert_ptr_equal(sqlstate_problem_find(len == 2 ? "08000" : p->sqlstate, p->context), p);
        }
        assert_true(p->status >= 400 && p->status < 600);
        assert_string_not_equal(problem_slug(p->status), "error");
        if (p->action == PROBLEM_UNIQUE)
            assert_null(p->detail);     /* the constraint's rule says it (conflict.c) */
        else {
            assert_non_null(p->detail);
            assert_true(p->detail[strlen(p->detail) - 1] == '.');
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_codes_answer_as_the_request_core_does),
        cmocka_unit_test(test_row_level_security_is_403_for_a_request_and_409_for_an_approval),
        cmocka_unit_test(test_a_context_without_its_own_row_falls_back_to_the_request_core),
        cmocka_unit_test(test_classes_match_every_code_of_the_class_and_nothing_else),
        cmocka_unit_test(test_anything_unlisted_is_a_500_that_says_nothing_of_the_database),
        cmocka_unit_test(test_every_row_is_reachable_and_answers_in_english_with_a_type_of_its_own),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
