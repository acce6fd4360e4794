/* Unit tests for common/digits.c: folding Persian/Arabic-Indic digits and parsing integers written in them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/digits.h"

static void fold_ok(const char *in, const char *expect)
{
    char out[256];
    size_t n = digits_fold(in, out, strlen(in) + 1);
    assert_string_equal(out, expect);
    assert_int_equal(n, strlen(expect));
    assert_true(n <= strlen(in));
}

static void test_fold_scripts(void **state)
{
    (void)state;
    fold_ok("", "");
    fold_ok("abc 0123456789", "abc 0123456789");
    fold_ok("۰۱۲۳۴۵۶۷۸۹", "0123456789");   /* Persian U+06F0..U+06F9 */
    fold_ok("٠١٢٣٤٥٦٧٨٩", "0123456789");   /* Arabic-Indic U+0660..U+0669 */
    fold_ok("شماره ۱۲۳ و ٤٥٦-7", "شماره 123 و 456-7");
    /* neighbours of the digit blocks are not digits: U+066A ARABIC PERCENT SIGN, U+06FA, U+065F, U+06EF */
    fold_ok("٪ۺٟۯ", "٪ۺٟۯ");
}

static void test_fold_in_place(void **state)
{
    (void)state;
    char buf[] = "کد ۰۰۱۲۳۴۵۶۷۹ / ٩";
    size_t n = digits_fold(buf, buf, sizeof buf);
    assert_string_equal(buf, "کد 0012345679 / 9");
    assert_int_equal(n, strlen(buf));
}

static void test_fold_small_buffer(void **state)
{
    (void)state;
    char out[8];
    memset(out, 'X', sizeof out);
    assert_int_equal(digits_fold("abc", out, 0), 0);
    assert_int_equal(out[0], 'X');   /* outsz 0: nothing written */

    assert_int_equal(digits_fold("abc", out, 1), 0);
    assert_string_equal(out, "");

    /* "ab" + U+0634 (2 bytes): outsz 4 leaves room for "ab" only; never half a character */
    assert_int_equal(digits_fold("abش", out, 4), 2);
    assert_string_equal(out, "ab");
    assert_int_equal(digits_fold("abش", out, 5), 4);
    assert_string_equal(out, "abش");
    /* a folded digit needs one byte */
    assert_int_equal(digits_fold("۱۲۳", out, 3), 2);
    assert_string_equal(out, "12");
}

static void test_digit_at(void **state)
{
    (void)state;
    size_t n = 99;
    assert_int_equal(digit_at("7", &n), 7);
    assert_int_equal(n, 1);
    assert_int_equal(digit_at("۸x", &n), 8);
    assert_int_equal(n, 2);
    assert_int_equal(digit_at("٣", &n), 3);
    assert_int_equal(n, 2);
    n = 99;
    assert_int_equal(digit_at("a", &n), -1);
    assert_int_equal(digit_at("", &n), -1);
    assert_int_equal(digit_at("\xD9", &n), -1);   /* truncated lead byte, stops at the NUL */
    assert_int_equal(n, 99);
}

static void parse_ok(const char *s, int64_t expect)
{
    int64_t v = 12345;
    assert_int_equal(parse_int64_digits(s, &v), 0);
    assert_true(v == expect);
}

static void parse_err(const char *s, int code)
{
    int64_t v = 12345;
    assert_int_equal(parse_int64_digits(s, &v), code);
    assert_true(v == 12345);   /* untouched on failure */
}

static void test_parse_valid(void **state)
{
    (void)state;
    parse_ok("0", 0);
    parse_ok("-0", 0);
    parse_ok("007", 7);
    parse_ok("123", 123);
    parse_ok("-45", -45);
    parse_ok("۱۴۰۳", 1403);
    parse_ok("-٤٥", -45);
    parse_ok("1۲٣4", 1234);
    parse_ok("9223372036854775807", INT64_MAX);
    parse_ok("-9223372036854775808", INT64_MIN);
    parse_ok("۹۲۲۳۳۷۲۰۳۶۸۵۴۷۷۵۸۰۷", INT64_MAX);
    parse_ok("00000000000000000000000000042", 42);
}

static void test_parse_invalid(void **state)
{
    (void)state;
    parse_err(NULL, -1);
    parse_err("", -1);
    parse_err("-", -1);
    parse_err("+1", -1);
    parse_err(" 1", -1);
    parse_err("1 ", -1);
    parse_err("1a", -1);
    parse_err("--1", -1);
    parse_err("1-", -1);
    parse_err("1,000", -1);
    parse_err("١٢x", -1);
    parse_err("۱۲\xDB", -1);         /* truncated UTF-8 */
    parse_err("1.5", -1);
    parse_err("99999999999999999999999x", -1);   /* not a number at all beats overflow */
}

static void test_parse_overflow(void **state)
{
    (void)state;
    parse_err("9223372036854775808", -2);
    parse_err("-9223372036854775809", -2);
    parse_err("18446744073709551616", -2);
    parse_err("99999999999999999999999999999999999999", -2);
    parse_err("۹۲۲۳۳۷۲۰۳۶۸۵۴۷۷۵۸۰۸", -2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_scripts),     cmocka_unit_test(test_fold_in_place),
        cmocka_unit_test(test_fold_small_buffer), cmocka_unit_test(test_digit_at),
        cmocka_unit_test(test_parse_valid),      cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_parse_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
