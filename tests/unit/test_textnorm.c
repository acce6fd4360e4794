/* Unit tests for common/textnorm.c (search keys, input cleaning) and common/utf8.c (validation). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/textnorm.h"
#include "common/utf8.h"

/* Key of s in a buffer of exactly strlen(s)+1 bytes, so ASan would see any write past the promise. */
static char *key(const char *s)
{
    size_t sz = strlen(s) + 1;
    char *out = malloc(sz);
    assert_non_null(out);
    size_t n = textnorm_search_key(s, out, sz);
    assert_true(n != (size_t)-1);
    assert_int_equal(n, strlen(out));
    assert_true(n <= strlen(s));
    return out;
}

static void key_is(const char *in, const char *expect)
{
    char *k = key(in);
    assert_string_equal(k, expect);
    char *kk = key(k);   /* idempotent */
    assert_string_equal(kk, k);
    free(kk);
    free(k);
}

static void same_key(const char *a, const char *b)
{
    char *ka = key(a), *kb = key(b);
    assert_string_equal(ka, kb);
    free(ka);
    free(kb);
}

static void clean_is(const char *in, const char *expect)
{
    size_t sz = strlen(in) + 1;
    char *out = malloc(sz);
    assert_non_null(out);
    size_t n = textnorm_clean_input(in, out, sz);
    assert_true(n != (size_t)-1);
    assert_string_equal(out, expect);
    assert_int_equal(n, strlen(expect));
    free(out);
}

static void clean_fails(const char *in)
{
    char out[256];
    strcpy(out, "junk");
    assert_true(textnorm_clean_input(in, out, sizeof out) == (size_t)-1);
    assert_string_equal(out, "");
}

static void test_yeh_kaf(void **state)
{
    (void)state;
    same_key("علي", "علی");       /* Arabic Yeh U+064A vs Persian Yeh U+06CC */
    same_key("علىرضا", "علیرضا"); /* Alef Maksura U+0649 */
    same_key("كريم", "کریم");     /* Arabic Kaf U+0643 vs Keheh U+06A9 */
    key_is("كريمي", "کریمی");
    same_key("فاطمة", "فاطمه");   /* Teh Marbuta */
    same_key("خانۀ", "خانه");     /* Heh with Yeh above U+06C0 */
    same_key("آرش", "ارش");       /* Alef with madda */
    same_key("أحمد", "احمد");
    same_key("إسلام", "اسلام");
    same_key("ٱلله", "الله");     /* Alef Wasla */
    same_key("مؤمن", "مومن");     /* Waw with hamza */
    same_key("رئیس", "ریيس");     /* Yeh with hamza, and Arabic Yeh */
    /* decomposed spellings (base + combining hamza/madda) land on the same key as precomposed ones */
    same_key("ا\u0654حمد", "أحمد");
    same_key("ا\u0653رش", "آرش");
    same_key("خانه\u0654", "خانۀ");
}

static void test_invisible(void **state)
{
    (void)state;
    same_key("می\u200C" "رود", "میرود");            /* ZWNJ */
    same_key("می\u200Dرود", "میرود");        /* ZWJ */
    same_key("محـــمد", "محمد");             /* tatweel */
    same_key("مُحَمَّد", "محمد");               /* harakat */
    same_key("عَلِیٌّ", "علی");
    same_key("رحمٰن", "رحمن");               /* superscript alef U+0670 */
    same_key("\u200Fعلی\u200E", "علی");      /* RLM/LRM */
    same_key("\u202Bعلی\u202C", "علی");      /* embedding */
    same_key("\u2067علی\u2069", "علی");      /* isolates */
    same_key("\u061Cعلی", "علی");            /* Arabic letter mark */
    same_key("ab\u00ADcd", "abcd");          /* soft hyphen */
    same_key("\xEF\xBB\xBF" "abc", "abc");   /* BOM */
    same_key("a\u200Bb", "ab");
}

static void test_digits_and_case(void **state)
{
    (void)state;
    key_is("۱۲۳۴۵۶۷۸۹۰", "1234567890");
    key_is("٠١٢٣٤٥٦٧٨٩", "0123456789");
    key_is("کوچه ۱۲ پلاک ٣", "کوچه 12 پلاک 3");
    key_is("Hello WORLD 42", "hello world 42");
    key_is("ÀB", "Àb");   /* only ASCII letters are folded */
    key_is("a-b_c.d@e", "a-b_c.d@e");
}

static void test_whitespace(void **state)
{
    (void)state;
    key_is("", "");
    key_is("   ", "");
    key_is("  علی   رضا  ", "علی رضا");
    key_is("a\t\n\r\v\fb", "a b");
    key_is("a\u00A0b", "a b");                 /* NBSP */
    key_is("a\u2002\u2003\u2009b", "a b");     /* en, em, thin space */
    key_is("a\u202Fb", "a b");                 /* narrow NBSP */
    key_is("a\u3000b\u2028c", "a b c");
    key_is("a \u200C b", "a b");               /* a removed char does not split a run */
    key_is("\u200C a\u200F ", "a");
    key_is(" \u064E ", "");
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    const char *bad[] = {
        "\x80",                 /* stray continuation */
        "ab\xC3",               /* truncated */
        "\xC0\xAF",             /* overlong '/' */
        "\xE0\x80\xAF",         /* overlong */
        "\xED\xA0\x80",         /* surrogate U+D800 */
        "\xF4\x90\x80\x80",     /* U+110000 */
        "\xF5\x80\x80\x80",
        "\xFF",
        "علی\xD9",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[32];
        strcpy(out, "junk");
        assert_true(textnorm_search_key(bad[i], out, sizeof out) == (size_t)-1);
        assert_string_equal(out, "");
        clean_fails(bad[i]);
        assert_int_equal(utf8_validate(bad[i], strlen(bad[i])), -1);
    }
}

static void test_buffer_and_in_place(void **state)
{
    (void)state;
    char out[8];
    assert_true(textnorm_search_key("abc", out, 0) == (size_t)-1);
    assert_true(textnorm_search_key("abcdefgh", out, 8) == (size_t)-1);   /* needs 9 */
    assert_string_equal(out, "");
    assert_int_equal(textnorm_search_key("ab   c", out, 5), 4);             /* shrinks, so fits */
    assert_string_equal(out, "ab c");

    char buf[] = "  علي  \u200C" "  كريم\u200C" "زاده ۱۴۰۳ ABC  ";
    char expect[sizeof buf];
    size_t n = textnorm_search_key(buf, expect, sizeof expect);
    assert_true(n != (size_t)-1);
    assert_string_equal(expect, "علی کریمزاده 1403 abc");
    assert_int_equal(textnorm_search_key(buf, buf, sizeof buf), n);
    assert_string_equal(buf, expect);

    char buf2[] = " \u200F علي  كريم ";
    assert_int_equal(textnorm_clean_input(buf2, buf2, sizeof buf2), strlen("علی کریم"));
    assert_string_equal(buf2, "علی کریم");
}

static void test_clean_input(void **state)
{
    (void)state;
    clean_is("  علي   كريمي  ", "علی کریمی");
    clean_is("علىرضا", "علیرضا");
    clean_is("می\u200C" "رود", "می\u200C" "رود");                     /* ZWNJ kept */
    clean_is("\u202Bمحمد\u202C \u200Fرضایی", "محمد رضایی");
    clean_is("فاطمة", "فاطمة");                       /* only Yeh/Kaf change: stored names stay faithful */
    clean_is("مُحَمَّد", "مُحَمَّد");
    clean_is("۱۴۰۳", "۱۴۰۳");
    clean_is("a\tb\nc\r\nd", "a b c d");
    clean_is("a\u00A0\u2003b", "a b");
    clean_is("\xEF\xBB\xBF" "Ali", "Ali");
    clean_is("", "");
    clean_is(" \t ", "");
    clean_fails("a\x01" "b");
    clean_fails("a\x1B[31mb");
    clean_fails("a\x7F");
    clean_fails("a\xC2\x80" "b");   /* C1 control U+0080 */
    clean_fails("a\xC2\x9B" "b");   /* C1 CSI U+009B */
    /* clean keeps what the search key ignores, so keys agree */
    const char *s = " \u200Fعلي  كُريم\u200C" "زاده\u00A0ABC ";
    char c[64], k1[64], k2[64];
    assert_true(textnorm_clean_input(s, c, sizeof c) != (size_t)-1);
    assert_true(textnorm_search_key(s, k1, sizeof k1) != (size_t)-1);
    assert_true(textnorm_search_key(c, k2, sizeof k2) != (size_t)-1);
    assert_string_equal(k1, k2);
}

/* Issue 13, hole 16: every invisible class leaves a name, whatever script it sits in. */
static void test_clean_removes_invisible_classes(void **state)
{
    (void)state;
    static const char *const invisible[] = {
        "\u202E", "\u202A", "\u2066", "\u2069", "\u200E", "\u061C",      /* bidi overrides, isolates, marks */
        "\u180E", "\u180B",                                                  /* Mongolian separator, selector */
        "\u2060", "\u2061", "\u2062", "\u2063", "\u2064",                 /* word joiner, invisible operators */
        "\u206A", "\u206F",                                                  /* deprecated format controls */
        "\u3164", "\u115F", "\u1160", "\uFFA0",                            /* Hangul fillers */
        "\u17B4", "\u17B5", "\u034F", "\u00AD", "\u200B", "\uFEFF",      /* Khmer, CGJ, SHY, ZWSP, BOM */
        "\uFE0F", "\uFE00", "\U000E0100",                                   /* variation selectors */
        "\U000E0001", "\U000E0041", "\U000E007F",                           /* tag characters */
        "\uFFF9", "\U0001BCA0", "\U0001D173",                               /* annotation, shorthand, music */
    };
    for (size_t i = 0; i < sizeof(invisible) / sizeof(invisible[0]); i++) {
        char in[64];
        snprintf(in, sizeof in, "%sNational%s Admin%s", invisible[i], invisible[i], invisible[i]);
        clean_is(in, "National Admin");
        snprintf(in, sizeof in, "زهرا%sرضایی", invisible[i]);
        clean_is(in, "زهرارضایی");
        /* the search key ignores them too, so a search with one finds the cleaned name */
        snprintf(in, sizeof in, "علی%s", invisible[i]);
        same_key(in, "علی");
    }
    /* "\u202E" + reversed text: the override goes, the letters stay as typed */
    clean_is("\u202Enimda lanoitaN", "nimda lanoitaN");
}

static void test_clean_joiners(void **state)
{
    (void)state;
    clean_is("می\u200Cرود", "می\u200Cرود");                    /* ZWNJ inside a word: Persian spelling */
    clean_is("می\u200C\u200C\u200Cرود", "می\u200Cرود");          /* a run is one */
    clean_is("\u200Cعلی\u200C", "علی");                          /* not at either end */
    clean_is("علی\u200C رضا", "علی رضا");                        /* nor next to a space */
    clean_is("ه\u200D.ش", "ه\u200D.ش");                         /* ZWJ after a joining letter: kept */
    clean_is("Ad\u200Dmin", "Admin");                            /* elsewhere it shows nothing */
    clean_is("زه\u200Dرا", "زهرا");                              /* between two letters too */
    clean_is("\u200Dعلی", "علی");
    clean_is("ه\u200D ش", "ه ش");
    clean_is("ه\u200C\u200Dش", "ه\u200Cش");                     /* one joiner: the ZWNJ ... */
    clean_is("ه\u200D\u200Cش", "ه\u200Cش");                     /* ... wherever it is in the run */
    clean_is("ه\u200D\u200D\u200C\u200Dش", "ه\u200Cش");
    clean_is("Ad\u200D\u200Cmin", "Ad\u200Cmin");
}

static void test_utf8_validate(void **state)
{
    (void)state;
    assert_int_equal(utf8_validate("", 0), 0);
    assert_int_equal(utf8_validate("abc", 3), 0);
    assert_int_equal(utf8_validate("علی", strlen("علی")), 0);
    assert_int_equal(utf8_validate("\xEF\xBF\xBF", 3), 0);           /* U+FFFF */
    assert_int_equal(utf8_validate("\xF4\x8F\xBF\xBF", 4), 0);       /* U+10FFFF */
    assert_int_equal(utf8_validate("\xF0\x9F\x98\x80", 4), 0);       /* U+1F600 */
    assert_int_equal(utf8_validate("\xED\x9F\xBF", 3), 0);           /* U+D7FF */
    assert_int_equal(utf8_validate("\xEE\x80\x80", 3), 0);           /* U+E000 */
    assert_int_equal(utf8_validate("a\0b", 3), -1);                  /* NUL */
    assert_int_equal(utf8_validate("\xC1\xBF", 2), -1);              /* overlong */
    assert_int_equal(utf8_validate("\xF0\x8F\xBF\xBF", 4), -1);      /* overlong 4-byte */
    assert_int_equal(utf8_validate("\xED\xBF\xBF", 3), -1);          /* U+DFFF */
    assert_int_equal(utf8_validate("\xC3\xA9", 1), -1);              /* length cuts a sequence */
    assert_int_equal(utf8_validate("\xE2\x82", 2), -1);

    char buf[4];
    uint32_t cp = 0;
    assert_int_equal(utf8_decode("\xDB\x8C", 2, &cp), 2);
    assert_int_equal(cp, 0x06CC);
    assert_int_equal(utf8_decode("", 0, &cp), -1);
    assert_int_equal(utf8_encode(0x06CC, buf), 2);
    assert_memory_equal(buf, "\xDB\x8C", 2);
    assert_int_equal(utf8_encode(0xD800, buf), 0);
    assert_int_equal(utf8_encode(0x110000, buf), 0);
    assert_int_equal(utf8_encode(0x1F600, buf), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yeh_kaf),          cmocka_unit_test(test_invisible),
        cmocka_unit_test(test_digits_and_case),  cmocka_unit_test(test_whitespace),
        cmocka_unit_test(test_invalid_utf8),     cmocka_unit_test(test_buffer_and_in_place),
        cmocka_unit_test(test_clean_input),      cmocka_unit_test(test_utf8_validate),
        cmocka_unit_test(test_clean_removes_invisible_classes), cmocka_unit_test(test_clean_joiners),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
