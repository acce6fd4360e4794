/* Unit tests for common/national_id.c: Iranian national ID (code melli) validation and generation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/national_id.h"

/* Independent check used to cross-check the module: s = sum d[i]*(10-i), r = s % 11. */
static int reference_valid(const char id[10])
{
    int s = 0;
    for (int i = 0; i < 9; i++)
        s += (id[i] - '0') * (10 - i);
    int r = s % 11;
    return (id[9] - '0') == (r < 2 ? r : 11 - r);
}

static void expect_ok(const char *in, const char *ascii)
{
    char out[11];
    memset(out, 'X', sizeof out);
    assert_int_equal(national_id_normalize(in, out), NATIONAL_ID_OK);
    assert_string_equal(out, ascii);
}

static void expect_err(const char *in, int code)
{
    char out[11];
    memset(out, 'X', sizeof out);
    assert_int_equal(national_id_normalize(in, out), code);
    assert_string_equal(out, "");
}

static void test_valid_published(void **state)
{
    (void)state;
    /* published examples */
    expect_ok("0499370899", "0499370899");
    expect_ok("0084575948", "0084575948");
    /* computed with the algorithm (and hand-checked: 1234567891 -> s = 210, r = 1, check 1) */
    expect_ok("0012345679", "0012345679");
    expect_ok("1234567891", "1234567891");
    expect_ok("9876543210", "9876543210");
    expect_ok("0000000019", "0000000019");
    expect_ok("2718281820", "2718281820");
    expect_ok("3141592659", "3141592659");
    expect_ok("1111111121", "1111111121");
}

static void test_scripts_and_space(void **state)
{
    (void)state;
    expect_ok("۰۴۹۹۳۷۰۸۹۹", "0499370899");   /* Persian digits */
    expect_ok("٠٤٩٩٣٧٠٨٩٩", "0499370899");   /* Arabic-Indic digits */
    expect_ok("۰4٩9۳7٠8۹9", "0499370899");   /* mixed */
    expect_ok("  0499370899 ", "0499370899");
    expect_ok("\t\n۰۰۸۴۵۷۵۹۴۸\r\n", "0084575948");
}

static void test_bad_check(void **state)
{
    (void)state;
    expect_err("0499370898", NATIONAL_ID_BAD_CHECK);
    expect_err("0084575949", NATIONAL_ID_BAD_CHECK);
    expect_err("۰۴۹۹۳۷۰۸۹۰", NATIONAL_ID_BAD_CHECK);
    expect_err("1234567890", NATIONAL_ID_BAD_CHECK);
    /* exactly one of the ten possible last digits is valid */
    const char *bases[] = {"049937089", "008457594", "001234567", "123456789", "987654321"};
    for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
        int valid = 0;
        for (char c = '0'; c <= '9'; c++) {
            char id[11];
            snprintf(id, sizeof id, "%s%c", bases[b], c);
            char out[11];
            int r = national_id_normalize(id, out);
            assert_true(r == NATIONAL_ID_OK || r == NATIONAL_ID_BAD_CHECK);
            assert_int_equal(r == NATIONAL_ID_OK, reference_valid(id));
            valid += r == NATIONAL_ID_OK;
        }
        assert_int_equal(valid, 1);
    }
}

static void test_all_same(void **state)
{
    (void)state;
    for (char c = '0'; c <= '9'; c++) {
        char id[11];
        memset(id, c, 10);
        id[10] = '\0';
        assert_true(reference_valid(id));   /* why the extra rule is needed */
        expect_err(id, NATIONAL_ID_ALL_SAME);
    }
    expect_err("۱۱۱۱۱۱۱۱۱۱", NATIONAL_ID_ALL_SAME);
    expect_err(" 0000000000 ", NATIONAL_ID_ALL_SAME);
}

static void test_length(void **state)
{
    (void)state;
    expect_err(NULL, NATIONAL_ID_BAD_LENGTH);
    expect_err("", NATIONAL_ID_BAD_LENGTH);
    expect_err("   ", NATIONAL_ID_BAD_LENGTH);
    expect_err("049937089", NATIONAL_ID_BAD_LENGTH);     /* 9 */
    expect_err("04993708990", NATIONAL_ID_BAD_LENGTH);   /* 11 */
    expect_err("۰۴۹۹۳۷۰۸۹", NATIONAL_ID_BAD_LENGTH);
    expect_err("00499370899", NATIONAL_ID_BAD_LENGTH);   /* a leading zero too many is not stripped */
    expect_err("12345678901234567890", NATIONAL_ID_BAD_LENGTH);
}

static void test_not_digits(void **state)
{
    (void)state;
    expect_err("04993708a9", NATIONAL_ID_NOT_DIGITS);
    expect_err("abcdefghij", NATIONAL_ID_NOT_DIGITS);
    expect_err("049-937089-9", NATIONAL_ID_NOT_DIGITS);   /* hyphenated form is not accepted */
    expect_err("0499 370899", NATIONAL_ID_NOT_DIGITS);
    expect_err("+0499370899", NATIONAL_ID_NOT_DIGITS);
    expect_err("-0499370899", NATIONAL_ID_NOT_DIGITS);
    expect_err("0499370899x", NATIONAL_ID_NOT_DIGITS);
    expect_err("12a", NATIONAL_ID_NOT_DIGITS);   /* non-digits outrank the length */
    expect_err("\xC2\xA0" "0499370899", NATIONAL_ID_NOT_DIGITS);   /* NBSP is not ASCII whitespace */
    expect_err("0499370899\xDB", NATIONAL_ID_NOT_DIGITS);          /* broken UTF-8 */
    expect_err("٠٤٩٩٣٧٠٨٩٪", NATIONAL_ID_NOT_DIGITS);              /* U+066A percent next to the digits */
}

static void test_messages(void **state)
{
    (void)state;
    const int codes[] = {NATIONAL_ID_OK, NATIONAL_ID_BAD_LENGTH, NATIONAL_ID_NOT_DIGITS, NATIONAL_ID_ALL_SAME,
                         NATIONAL_ID_BAD_CHECK};
    for (size_t i = 0; i < 5; i++) {
        const char *m = national_id_error_message(codes[i]);
        assert_non_null(m);
        assert_true(strlen(m) > 0);
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(m, national_id_error_message(codes[k]));
    }
    assert_non_null(national_id_error_message(-99));
    assert_non_null(national_id_error_message(42));
    assert_string_equal(national_id_error_message(NATIONAL_ID_BAD_CHECK), "national ID check digit is wrong");
}

static void test_make(void **state)
{
    (void)state;
    char out[11], norm[11];
    national_id_make(49937089, out);
    assert_string_equal(out, "0499370899");
    national_id_make(8457594, out);
    assert_string_equal(out, "0084575948");
    national_id_make(1000000000ull + 12345679ull / 10, out);   /* reduced mod 10^9 */
    assert_string_equal(out, "0012345679");

    /* all-same seeds move to the next seed */
    national_id_make(111111111, out);
    assert_string_equal(out, "1111111121");
    national_id_make(0, out);
    assert_string_equal(out, "0000000019");
    national_id_make(999999999, out);   /* wraps to 0, which is all-same too, then 1 */
    assert_string_equal(out, "0000000019");
    national_id_make(UINT64_MAX, out);
    assert_int_equal(national_id_normalize(out, norm), NATIONAL_ID_OK);

    /* a sweep of seeds: always valid, first nine digits preserved */
    for (uint64_t seed = 0; seed < 1000000000u; seed += 9973 * 97) {
        national_id_make(seed, out);
        assert_int_equal(strlen(out), 10);
        assert_int_equal(national_id_normalize(out, norm), NATIONAL_ID_OK);
        assert_string_equal(out, norm);
        assert_true(reference_valid(out));
        char nine[10];
        snprintf(nine, sizeof nine, "%09llu", (unsigned long long)seed);
        int same = 1;
        for (int i = 1; i < 9; i++)
            same &= nine[i] == nine[0];
        if (!same)
            assert_memory_equal(out, nine, 9);
    }
}

static void test_check_digit(void **state)
{
    (void)state;
    const int d[9] = {0, 4, 9, 9, 3, 7, 0, 8, 9};
    assert_int_equal(national_id_check_digit(d), 9);
    const int z[9] = {0, 0, 0, 0, 0, 0, 0, 0, 1};   /* s = 2, r = 2 -> 11 - 2 = 9 */
    assert_int_equal(national_id_check_digit(z), 9);
    const int r1[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};   /* s = 210, r = 1 -> 1 */
    assert_int_equal(national_id_check_digit(r1), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_published), cmocka_unit_test(test_scripts_and_space),
        cmocka_unit_test(test_bad_check),       cmocka_unit_test(test_all_same),
        cmocka_unit_test(test_length),          cmocka_unit_test(test_not_digits),
        cmocka_unit_test(test_messages),        cmocka_unit_test(test_make),
        cmocka_unit_test(test_check_digit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
