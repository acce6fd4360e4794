/* Unit tests for the message catalog (server/http/messages.h): exact texts and templates found through the hashes,
 * the template's data carried into the Persian (a resource's name translated), the most specific template winning,
 * stable codes for field errors made without one, the catalog's own soundness (every entry findable by its English,
 * the same conversions in both languages, ZWNJ where Persian needs it), and the Accept-Language preference that
 * chooses the language. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "server/http/field_errors.h"
#include "server/http/messages.h"
#include "server/http/negotiate.h"
#include "server/http/reply.h"
#include "server/http/validate.h"

static void test_the_catalog_is_sound(void **state)
{
    (void)state;
    assert_int_equal(messages_init(), 0);
    assert_true(message_catalog_count > 150);
    for (int i = 0; i < message_catalog_count; i++) {
        const message *m = &message_catalog[i];
        /* found by its own English: no two entries for one text, and no template shadows an exact text */
        const message *f = message_find(m->en);
        if (f != m)
            fail_msg("\"%s\" finds \"%s\"", m->en, f ? f->en : "(nothing)");
        assert_true(strlen(m->fa) > 0);
        /* Persian, and the prefixes of verbs joined with a ZWNJ (می‌شود), never a space */
        bool arabic_script = false;
        for (const unsigned char *c = (const unsigned char *)m->fa; *c; c++)
            arabic_script |= *c >= 0xd8 && *c <= 0xdb;
        if (!arabic_script)
            fail_msg("\"%s\" has no Persian", m->en);
        const char *bad[] = {" می ", " نمی ", "«می ", " ها ", " های "};
        for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
            if (strstr(m->fa, bad[k]) || !strncmp(m->fa, bad[k] + 1, strlen(bad[k]) - 1))
                fail_msg("\"%s\": \"%s\" wants a ZWNJ", m->fa, bad[k]);
    }
}

static void test_exact_and_template_texts_in_persian(void **state)
{
    (void)state;
    char out[1024];
    assert_string_equal(message_fa(NULL, "No such user.", out, sizeof(out)), "چنین کاربری وجود ندارد.");
    /* "No such %s." fits too, taking "loan (or ...)" as its data: the longer literal wins */
    assert_string_equal(message_fa(NULL, "No such loan (or it is outside your scope).", out, sizeof(out)),
                        "وام با این شناسه یافت نشد (یا خارج از حوزهٔ دسترسی شماست).");
    assert_string_equal(message_fa(NULL, "No such loan.", out, sizeof(out)), "وام با این شناسه وجود ندارد.");
    assert_string_equal(message_fa(NULL, "The staff was not created.", out, sizeof(out)), "کارمند ثبت نشد.");
    /* numbers and data the catalog does not know are carried over as they are */
    assert_non_null(message_fa(NULL, "You have 50 submissions awaiting review, the most one user may have "
                                     "(submission_pending_max); send more once an officer has decided some.",
                               out, sizeof(out)));
    assert_non_null(strstr(out, "شما 50 ارسال"));
    /* a template that starts with its data is found by its end */
    const message *m = message_find("1200000 rials are still owed; a loan becomes repaid by its repayments");
    assert_non_null(m);
    assert_string_equal(m->code, "still_owed");
    assert_non_null(strstr(message_fa(m, "1200000 rials are still owed; a loan becomes repaid by its repayments",
                                      out, sizeof(out)), "هنوز 1200000 ریال"));
    /* a number conversion takes digits only */
    assert_null(message_find("a request may have at most many query parameters"));
    assert_null(message_find("Something the catalog never heard."));
    assert_null(message_fa(NULL, "Something the catalog never heard.", out, sizeof(out)));
    /* a tiny buffer is cut, never overrun */
    char small[8];
    assert_non_null(message_fa(NULL, "No such user.", small, sizeof(small)));
    assert_true(strlen(small) < sizeof(small));
}

static void test_status_titles_in_persian(void **state)
{
    (void)state;
    static const int statuses[] = {400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 422, 428, 429, 500, 503};
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        assert_non_null(status_title_fa(statuses[i]));
        assert_string_not_equal(status_title_fa(statuses[i]), status_reason(statuses[i]));
    }
    assert_string_equal(status_title_fa(404), "یافت نشد");
    assert_null(status_title_fa(299));
}

static void assert_error(json_object *list, size_t i, const char *field, const char *code, const char *fa_part)
{
    json_object *e = json_object_array_get_idx(list, i), *v;
    assert_true(json_object_object_get_ex(e, "field", &v));
    assert_string_equal(json_object_get_string(v), field);
    assert_true(json_object_object_get_ex(e, "code", &v));
    assert_string_equal(json_object_get_string(v), code);
    if (fa_part) {
        assert_non_null(field_error_fa(e));
        assert_non_null(strstr(field_error_fa(e), fa_part));
    } else
        assert_null(field_error_fa(e));
}

/* Every field error has a code: the catalog's ("x": field.x; "a.b": whole, for fields that carry an index), a coded
 * error's own, or field.invalid for a text the catalog lacks (tests/check_messages.py keeps that from happening). */
static void test_field_errors_get_codes(void **state)
{
    (void)state;
    field_errors fe = {0};
    field_error(&fe, "center_id", "is not a center in your scope");
    field_error(&fe, "records[3].kind", "must be client, staff or service");
    field_error(&fe, "national_id", "%s", "a client with this national ID is already registered");
    field_error(&fe, "county_id", "%s", "there is no county 999");
    field_error(&fe, "", "a request may have at most %d query parameters", 100);
    field_error(&fe, "name", "is something the catalog never heard");
    field_error_coded(&fe, "sex", "choice", "جنسیت نامعتبر است.", "must be one of: %s", "female, male");
    assert_error(fe.list, 0, "center_id", "center_id.not_in_scope", "در حوزهٔ دسترسی شما نیست");
    assert_error(fe.list, 1, "records[3].kind", "records.kind.choice", "client، staff یا service");
    assert_error(fe.list, 2, "national_id", "national_id.taken", "کد ملی");
    assert_error(fe.list, 3, "county_id", "county_id.not_found", "شهرستان 999 وجود ندارد");
    assert_error(fe.list, 4, "", "query.too_many", "حداکثر 100 پارامتر");
    assert_error(fe.list, 5, "name", "name.invalid", NULL);
    assert_error(fe.list, 6, "sex", "sex.choice", "جنسیت");
    json_object_put(fe.list);
}

static void test_accept_language_preference(void **state)
{
    (void)state;
    assert_int_equal(accept_language_preference(NULL), LANGUAGE_NO_PREFERENCE);
    assert_int_equal(accept_language_preference(""), LANGUAGE_NO_PREFERENCE);
    assert_int_equal(accept_language_preference("*"), LANGUAGE_NO_PREFERENCE);
    assert_int_equal(accept_language_preference("en;q=0"), LANGUAGE_NO_PREFERENCE);
    assert_int_equal(accept_language_preference("fa"), LANGUAGE_PREFERS_FA);
    assert_int_equal(accept_language_preference("fa-IR,fa;q=0.9,en;q=0.8"), LANGUAGE_PREFERS_FA);
    assert_int_equal(accept_language_preference("fa;q=0.5, *"), LANGUAGE_PREFERS_FA);
    assert_int_equal(accept_language_preference("en"), LANGUAGE_PREFERS_EN);
    assert_int_equal(accept_language_preference("en-US,en;q=0.9,fa;q=0.8"), LANGUAGE_PREFERS_EN);
    assert_int_equal(accept_language_preference("de"), LANGUAGE_PREFERS_EN);    /* English for anyone else */
    assert_int_equal(accept_language_preference("fa;q=0"), LANGUAGE_PREFERS_EN); /* Persian refused */
    assert_int_equal(accept_language_preference("en, fa"), LANGUAGE_PREFERS_EN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_catalog_is_sound),
        cmocka_unit_test(test_exact_and_template_texts_in_persian),
        cmocka_unit_test(test_status_titles_in_persian),
        cmocka_unit_test(test_field_errors_get_codes),
        cmocka_unit_test(test_accept_language_preference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
