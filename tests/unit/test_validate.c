/* The body validator: every field error has a stable code, today's English message and a Persian message built
 * from the field's Persian label. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "server/http/validate.h"

static const char *const sexes[] = {"female", "male", NULL};
static const field_spec spec[] = {
    {"national_id", F_NATIONAL_ID, true, 0, 0, NULL},
    {"first_name", F_STRING, true, 1, 5, NULL},
    {"county_id", F_INT, true, 1, 100, NULL},
    {"sex", F_ENUM, false, 0, 0, sexes},
    {"birth_date", F_DATE, false, 0, 0, NULL},
};
static const char *const labels[] = {"کد ملی", "نام", "شهرستان", "جنسیت", NULL};

/* the error of field in fe (fails when there is none) */
static json_object *error_of(const field_errors *fe, const char *field)
{
    for (size_t i = 0; fe->list && i < json_object_array_length(fe->list); i++) {
        json_object *e = json_object_array_get_idx(fe->list, i), *f;
        if (json_object_object_get_ex(e, "field", &f) && !strcmp(json_object_get_string(f), field))
            return e;
    }
    fail_msg("no error for %s", field);
    return NULL;
}

static const char *message_of(json_object *e)
{
    json_object *m;
    assert_true(json_object_object_get_ex(e, "message", &m));
    return json_object_get_string(m);
}

static void test_codes_and_both_languages(void **state)
{
    (void)state;
    json_object *body = json_tokener_parse("{\"national_id\": \"0499370898\", \"first_name\": \"abcdefg\","
                                           " \"sex\": \"other\", \"nickname\": \"x\"}");
    field_errors fe = {0};
    assert_false(validate_fields_fa(body, spec, labels, 5, false, &fe));
    assert_int_equal(json_object_array_length(fe.list), 5);

    json_object *e = error_of(&fe, "national_id");
    assert_string_equal(field_error_code(e), "national_id.check_digit");
    assert_string_equal(message_of(e), "national ID check digit is wrong");
    assert_string_equal(field_error_fa(e), "رقم کنترل کد ملی درست نیست.");

    e = error_of(&fe, "first_name");
    assert_string_equal(field_error_code(e), "first_name.too_long");
    assert_string_equal(message_of(e), "must be at most 5 characters");
    assert_string_equal(field_error_fa(e), "نام باید حداکثر 5 نویسه باشد.");

    e = error_of(&fe, "county_id");
    assert_string_equal(field_error_code(e), "county_id.required");
    assert_string_equal(message_of(e), "is required");
    assert_string_equal(field_error_fa(e), "شهرستان الزامی است.");

    e = error_of(&fe, "sex");
    assert_string_equal(field_error_code(e), "sex.choice");
    assert_string_equal(message_of(e), "must be one of: female, male");
    assert_non_null(strstr(field_error_fa(e), "جنسیت باید یکی از این‌ها باشد"));

    e = error_of(&fe, "nickname");
    /* a key the client invented is named in "field", never part of the code or of a sentence */
    assert_string_equal(field_error_code(e), "unknown_field");
    assert_null(strstr(field_error_fa(e), "nickname"));

    /* the reply shows field, message and code; the Persian message is not serialised */
    const char *json = json_object_to_json_string_ext(fe.list, JSON_C_TO_STRING_PLAIN);
    assert_non_null(strstr(json, "\"code\":\"county_id.required\""));
    assert_null(strstr(json, "الزامی"));
    json_object_put(fe.list);
    json_object_put(body);
}

static void test_without_labels_the_name_stands_in(void **state)
{
    (void)state;
    json_object *body = json_tokener_parse("{\"national_id\": \"1111111111\", \"first_name\": \"\", \"county_id\": 500,"
                                           " \"birth_date\": \"1403-12-30\"}");
    field_errors fe = {0};
    assert_false(validate_fields(body, spec, 5, false, &fe));
    json_object *e = error_of(&fe, "national_id");
    assert_string_equal(field_error_code(e), "national_id.same_digits");
    e = error_of(&fe, "first_name");
    assert_string_equal(field_error_code(e), "first_name.empty");
    assert_string_equal(field_error_fa(e), "first_name نباید خالی باشد.");
    e = error_of(&fe, "county_id");
    assert_string_equal(field_error_code(e), "county_id.range");
    assert_string_equal(message_of(e), "must be from 1 to 100");
    e = error_of(&fe, "birth_date");
    assert_string_equal(field_error_code(e), "birth_date.date_before_min");
    assert_non_null(strstr(message_of(e), "use birth_date_jalali"));
    json_object_put(fe.list);
    json_object_put(body);
}

static void test_a_valid_body_has_no_errors(void **state)
{
    (void)state;
    json_object *body = json_tokener_parse("{\"national_id\": \"۰۴۹۹۳۷۰۸۹۹\", \"first_name\": \"زهرا\", \"county_id\": 7,"
                                           " \"birth_date_jalali\": \"1367-01-01\"}");
    field_errors fe = {0};
    assert_true(validate_fields_fa(body, spec, labels, 5, false, &fe));
    assert_null(fe.list);
    /* a patch may leave out required fields, but not null them */
    json_object *patch = json_tokener_parse("{\"first_name\": null}");
    assert_false(validate_fields_fa(patch, spec, labels, 5, true, &fe));
    json_object *e = error_of(&fe, "first_name");
    assert_string_equal(field_error_code(e), "first_name.null");
    assert_string_equal(field_error_fa(e), "نام نباید خالی (null) باشد.");
    json_object_put(fe.list);
    json_object_put(patch);
    json_object_put(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_and_both_languages),
        cmocka_unit_test(test_without_labels_the_name_stands_in),
        cmocka_unit_test(test_a_valid_body_has_no_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
