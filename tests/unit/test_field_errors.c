/* Unit tests for who frees a field_errors list (server/http/field_errors.h): the request a list was made in puts it
 * when nothing else has, and every taker (a root it was added to, req_own_json, a put by hand) keeps working with no
 * double free (this build runs under ASan: a double free or a use after free fails the test). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <event2/http.h>

#include "server/http/context.h"
#include "server/http/field_errors.h"

static worker w;
static struct evhttp_request *req;

/* A request as dispatch makes one: acquired and made the thread's current request. */
static req_ctx *arrive(void)
{
    req_ctx *rc = req_ctx_acquire(&w, req);
    req_current_set(rc);
    return rc;
}

/* The reply exit's last step (reply_send marks it replied, then gives it back). */
static void end(req_ctx *rc)
{
    rc->life = REQ_REPLIED;
    req_ctx_release(rc);
}

/* With no current request a list is its maker's alone: not watched, and the maker's put frees it. */
static void assert_list_is_the_makers(void)
{
    assert_null(req_current());
    field_errors fe = {0};
    field_error(&fe, "name", "is required");
    assert_null(json_object_get_userdata(fe.list));
    assert_int_equal(json_object_put(fe.list), 1);
}

static void test_a_list_made_without_a_request_is_its_makers(void **state)
{
    (void)state;
    assert_list_is_the_makers();
}

static void test_a_dropped_list_is_put_when_the_request_ends(void **state)
{
    (void)state;
    req_ctx *rc = arrive();
    assert_ptr_equal(req_current(), rc);
    field_errors fe = {0};
    field_error(&fe, "name", "is required");
    field_error(&fe, "age", "must be a number");
    assert_non_null(json_object_get_userdata(fe.list));
    json_object *watch = json_object_get(fe.list);     /* only to see the request's put */
    /* the handler returns by another path: fe goes out of scope unreplied */
    end(rc);
    assert_null(req_current());
    assert_null(json_object_get_userdata(watch));
    assert_int_equal(json_object_put(watch), 1);       /* the request put its reference: ours was the last */
}

static void test_a_list_taken_by_a_root_is_freed_once(void **state)
{
    (void)state;
    req_ctx *rc = arrive();
    field_errors fe = {0};
    field_error(&fe, "name", "is required");
    json_object *problem = req_json_object(rc);
    json_object_object_add(problem, "errors", fe.list);   /* what reply_problem_fields does */
    fe.list = NULL;
    end(rc);
}

static void test_a_list_put_by_hand_or_owned_by_the_request_is_freed_once(void **state)
{
    (void)state;
    req_ctx *rc = arrive();
    field_errors by_hand = {0}, owned = {0}, two_owners = {0};
    field_error(&by_hand, "a", "x");
    field_error(&owned, "b", "y");
    field_error(&two_owners, "c", "z");
    json_object_put(by_hand.list);
    req_own_json(rc, owned.list);
    json_object *root = req_json_array(rc);
    json_object_array_add(root, json_object_get(two_owners.list));
    req_own_json(rc, two_owners.list);
    end(rc);
}

static void test_a_list_made_after_the_request_ended_is_not_given_to_it(void **state)
{
    (void)state;
    end(arrive());
    assert_list_is_the_makers();
}

static int setup(void **state)
{
    (void)state;
    req = evhttp_request_new(NULL, NULL);
    return req ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    req_ctx_release_all(&w);
    evhttp_request_free(req);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_list_made_without_a_request_is_its_makers),
        cmocka_unit_test(test_a_dropped_list_is_put_when_the_request_ends),
        cmocka_unit_test(test_a_list_taken_by_a_root_is_freed_once),
        cmocka_unit_test(test_a_list_put_by_hand_or_owned_by_the_request_is_freed_once),
        cmocka_unit_test(test_a_list_made_after_the_request_ended_is_not_given_to_it),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
