/* Unit tests for server/http/negotiate.c's media_type_pick (Accept, RFC 9110 12.5.1): weights, wildcards, the most
 * specific range winning, q=0 refusing, ties, and lenient reading of bad syntax. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "server/http/negotiate.h"

static const char *const list_types[] = {"application/json", "text/csv"};      /* a list or a report */
static const char *const json_only[] = {"application/json"};
static const char *const metrics[] = {"text/plain"};

#define LIST(accept) media_type_pick((accept), list_types, 2)
#define JSON_ONLY(accept) media_type_pick((accept), json_only, 1)
enum { JSON = 0, CSV = 1, NONE = -1 };

static void test_no_accept_or_any_gives_the_first(void **state)
{
    (void)state;
    assert_int_equal(LIST(NULL), JSON);
    assert_int_equal(LIST(""), JSON);
    assert_int_equal(LIST("   "), JSON);
    assert_int_equal(LIST("*/*"), JSON);
    assert_int_equal(LIST("*"), JSON);              /* old clients' "*" for any */
    assert_int_equal(LIST("*; q=.2"), JSON);
    assert_int_equal(JSON_ONLY("*/*"), JSON);
    assert_int_equal(media_type_pick("*/*", metrics, 1), 0);
    assert_int_equal(media_type_pick(NULL, list_types, 0), NONE);     /* nothing to serve */
}

static void test_exact_and_partial_wildcards(void **state)
{
    (void)state;
    assert_int_equal(LIST("text/csv"), CSV);
    assert_int_equal(LIST("application/json"), JSON);
    assert_int_equal(LIST("text/*"), CSV);
    assert_int_equal(LIST("application/*"), JSON);
    assert_int_equal(LIST("Text/CSV"), CSV);       /* case-blind */
    assert_int_equal(LIST("text/html"), NONE);
    assert_int_equal(LIST("image/*"), NONE);
    assert_int_equal(JSON_ONLY("text/csv"), NONE);
    assert_int_equal(JSON_ONLY("text/*"), NONE);
    assert_int_equal(JSON_ONLY("application/problem+json"), NONE);
    assert_int_equal(media_type_pick("text/plain;version=0.0.4;q=0.5, */*;q=0.1", metrics, 1), 0);
    assert_int_equal(media_type_pick("application/json", metrics, 1), NONE);
    /* a browser's usual header: HTML first, anything else at 0.8 */
    assert_int_equal(LIST("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"), JSON);
}

static void test_q_zero_refuses(void **state)
{
    (void)state;
    assert_int_equal(LIST("text/csv;q=0"), NONE);
    assert_int_equal(LIST("text/csv; q=0.000"), NONE);
    assert_int_equal(LIST("text/csv;Q=0"), NONE);
    assert_int_equal(LIST("text/csv;q=0, */*"), JSON);
    assert_int_equal(LIST("*/*, text/csv;q=0"), JSON);         /* the more specific range wins, wherever it is */
    assert_int_equal(LIST("text/*;q=0, text/csv"), CSV);       /* and the exact one beats text/ with any subtype */
    assert_int_equal(LIST("text/csv, text/*;q=0"), CSV);
    assert_int_equal(LIST("*/*;q=0"), NONE);
    assert_int_equal(LIST("application/json;q=0, text/csv;q=0"), NONE);
    assert_int_equal(LIST("application/json;q=0, */*"), CSV);
    /* a range with parameters is more specific still: q=0 on it refuses the type */
    assert_int_equal(LIST("text/csv;charset=utf-8;q=0, text/csv, application/json;q=0.1"), JSON);
}

static void test_weights_then_specificity_then_order(void **state)
{
    (void)state;
    assert_int_equal(LIST("text/csv;q=0.5, application/json;q=0.4"), CSV);
    assert_int_equal(LIST("text/csv;q=0.4, application/json;q=0.5"), JSON);
    assert_int_equal(LIST("text/csv, application/json"), CSV);     /* equal weights: the first listed */
    assert_int_equal(LIST("application/json, text/csv"), JSON);
    assert_int_equal(LIST("text/csv, */*"), CSV);                  /* equal weights: the one named exactly */
    assert_int_equal(LIST("*/*, text/csv"), CSV);
    assert_int_equal(LIST("text/*, application/json"), JSON);
    assert_int_equal(LIST("*/*;q=0.9, text/csv;q=0.1"), JSON);     /* but weight first */
    assert_int_equal(LIST("text/csv;q=1.0, application/json;q=0.999"), CSV);
    /* of two equally specific ranges for one type, the first listed */
    assert_int_equal(LIST("text/csv;q=0.1, text/csv;q=0.9, application/json;q=0.5"), JSON);
}

static void test_parameters_and_whitespace(void **state)
{
    (void)state;
    assert_int_equal(LIST("text/csv; charset=utf-8"), CSV);
    assert_int_equal(LIST("  text/csv ;  charset = utf-8 ; q = 0.7 ,application/json;q=0.6"), CSV);
    assert_int_equal(LIST("text/csv;header=\"present\""), CSV);
    assert_int_equal(LIST("text/csv;foo=\"a,b;q=0\";q=0.9, application/json;q=0.1"), CSV);  /* commas quoted */
    assert_int_equal(LIST("\ttext/csv\t"), CSV);
    assert_int_equal(LIST(",,text/csv,,"), CSV);
    assert_int_equal(LIST("text/csv;"), CSV);
}

static void test_bad_syntax_is_ignored_leniently(void **state)
{
    (void)state;
    /* nothing readable: as if there were no Accept */
    assert_int_equal(LIST("garbage"), JSON);
    assert_int_equal(LIST("text/"), JSON);
    assert_int_equal(LIST("/csv"), JSON);
    assert_int_equal(LIST("text/csv;q=abc"), JSON);
    assert_int_equal(LIST("text/csv;q=2"), JSON);
    assert_int_equal(LIST("text/csv;q=-1"), JSON);
    assert_int_equal(LIST("text/csv;q=\"0.5\""), JSON);
    assert_int_equal(LIST("text/csv;q"), JSON);
    assert_int_equal(LIST("text/csv;foo=\"unclosed"), JSON);
    assert_int_equal(LIST("*/csv"), JSON);
    assert_int_equal(LIST("text/c(sv"), JSON);
    assert_int_equal(JSON_ONLY("garbage"), JSON);
    /* a bad range beside good ones is skipped; the good ones still count */
    assert_int_equal(LIST("garbage, text/csv"), CSV);
    assert_int_equal(LIST("text/csv;q=abc, application/json"), JSON);
    assert_int_equal(LIST("text/html;q=nope, text/csv;q=0"), NONE);
    assert_int_equal(JSON_ONLY("text/csv, nonsense"), NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_accept_or_any_gives_the_first),
        cmocka_unit_test(test_exact_and_partial_wildcards),
        cmocka_unit_test(test_q_zero_refuses),
        cmocka_unit_test(test_weights_then_specificity_then_order),
        cmocka_unit_test(test_parameters_and_whitespace),
        cmocka_unit_test(test_bad_syntax_is_ignored_leniently),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
